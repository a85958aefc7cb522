"""Admin forms (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..planning import limits
from ..formfields import planning_date
from ..planning.rulebase import MAX_YAML_BYTES


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("规则文件（zip 压缩包或一个或多个 .yaml 文件）"))
    note = StringField(_l("说明"), validators=[Optional(), Length(max=limits.VERSION_NOTE)])


class ItemEditForm(FlaskForm):
    committed_days = IntegerField(_l("承诺时限（工作日）"), validators=[InputRequired(), NumberRange(min=0, max=1000)])
    commitment_days = IntegerField(_l("告知承诺时限（工作日，可空）"), validators=[Optional(), NumberRange(min=0, max=1000)])
    materials = TextAreaField(_l("申请材料（每行一项；“名称 | 容缺 | 说明 | 条件”）"))
    modes = TextAreaField(_l("办理方式（YAML）"), validators=[Length(max=MAX_YAML_BYTES)])
    applies_if = TextAreaField(_l("适用条件（YAML，可空）"), validators=[Length(max=MAX_YAML_BYTES)])
    valid_from = DateField(_l("生效日期（可空）"), validators=[Optional(), planning_date()])
    valid_until = DateField(_l("失效日期（可空）"), validators=[Optional(), planning_date()])


class FileEditForm(FlaskForm):
    text = TextAreaField(_l("文件内容（YAML）"), validators=[Length(max=MAX_YAML_BYTES)])


class CalendarForm(FlaskForm):
    notice = TextAreaField(_l("国务院办公厅节假日安排"), validators=[DataRequired()])


class OrganisationForm(FlaskForm):
    code = StringField(_l("代码"), validators=[Optional(), Length(max=limits.CODE)])
    kind = SelectField(_l("类型"), choices=choices([("department", _l("审批部门")), ("utility", _l("公用服务企业")),
                                                  ("coordinator", _l("政务服务办")),
                                                  ("service_station", _l("帮办代办服务站点")),
                                                  ("agency", _l("中介服务机构"))]))
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=limits.NAME)])
    utility = SelectField(_l("服务类型"), choices=choices([("", "—"), ("water", _l("供水")), ("power", _l("供电")),
                                                            ("gas", _l("供气")), ("heat", _l("供热")),
                                                            ("sewer", _l("排水"))]))
    districts = StringField(_l("服务区域（以逗号分隔）"), validators=[Optional(), Length(max=2000)])
    contacts = TextAreaField(_l("联系人"), validators=[Optional(), Length(max=limits.NOTE)])


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[Optional(), Length(max=limits.USERNAME)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=limits.DISPLAY_NAME)])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=8, max=200)])
    role = SelectField(_l("角色"), choices=choices([("owner", _l("建设单位")), ("officer", _l("审批部门")),
                                                     ("utility", _l("公用服务企业")), ("admin", _l("政务服务办")),
                                                     ("agency", _l("中介服务机构")), ("agent", _l("帮办代办员"))]))
    organisation_id = SelectField(_l("所属单位"), coerce=int, choices=[])


class AgencyForm(FlaskForm):
    """Register an intermediary agency."""

    name = StringField(_l("机构名称"), validators=[DataRequired(), Length(max=limits.NAME)])
    code = StringField(_l("代码"), validators=[DataRequired(), Length(max=limits.CODE)])
    districts = StringField(_l("服务区域（以逗号分隔）"), validators=[DataRequired(), Length(max=2000)])


class QualificationForm(FlaskForm):
    """Add or renew an agency's qualification for one service (choices: the rule base's services)."""

    service = SelectField(_l("服务"), choices=[], validators=[DataRequired()])
    certificate_name = StringField(_l("资质证书名称"), validators=[DataRequired(), Length(max=200)])
    certificate_number = StringField(_l("证书编号"), validators=[DataRequired(), Length(max=100)])
    valid_until = DateField(_l("有效期至"), validators=[InputRequired(), planning_date()])
