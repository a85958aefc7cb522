"""Forms of the officer pages (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..planning import limits
from ..formfields import planning_date


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (the materials of an item)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TransitionForm(FlaskForm):
    """One action on an item; which inputs matter depends on the target."""

    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=limits.NOTE)])
    materials = CheckboxesField(_l("材料"), choices=[], validate_choice=False)
    files = CheckboxesField(_l("有问题的文件"), choices=[], coerce=int, validate_choice=False)
    other_materials = TextAreaField(_l("其他材料（每行一项）"), validators=[Optional(), Length(max=limits.NOTE)])
    gaps_due = DateField(_l("补齐材料期限"), validators=[Optional(), planning_date()])
    document_number = StringField(_l("办结文号"), validators=[Optional(), Length(max=limits.DOCUMENT_NUMBER)])
    override_reason = TextAreaField(_l("未收到全部意见即办结的理由"), validators=[Optional(), Length(max=limits.NOTE)])
    confirm_refusal = BooleanField(_l("我确认不予许可：决定将通知建设单位，且不能撤销"))

    def validate_confirm_refusal(self, field) -> None:
        """不予许可 is final: only with the box ticked."""
        if self._prefix == "refused-" and not field.data:
            raise ValidationError(_l("请勾选确认后再作出不予许可决定"))

    def listed_materials(self) -> list[str]:
        """The checked materials and the extra ones typed one per line."""
        extra = [line.strip() for line in (self.other_materials.data or "").splitlines() if line.strip()]
        return list(self.materials.data or []) + extra


class QueueFilterForm(FlaskForm):
    """The queue's filters (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    state = SelectField(_l("状态"), choices=[], validate_choice=False)
    overdue = BooleanField(_l("只看超期"))
    project_type = SelectField(_l("项目类型"), choices=[], validate_choice=False)
    sort = SelectField(_l("排序"), choices=[("due", _l("按到期日")), ("impact", _l("按对开工、竣工的影响"))],
                       validate_choice=False)


class ConsultationRequestForm(FlaskForm):
    """The lead department asks other departments for their opinions."""

    departments = CheckboxesField(_l("征求意见部门"), choices=[], validate_choice=False)
    working_days = IntegerField(_l("答复期限（工作日）"), validators=[Optional(), NumberRange(1, 60)])


class OpinionForm(FlaskForm):
    """A consulted department's opinion."""

    verdict = RadioField(_l("意见"), choices=[("agree", _l("同意")), ("agree_with_conditions", _l("有条件同意")),
                                             ("disagree", _l("不同意"))], validators=[InputRequired()])
    text = TextAreaField(_l("意见内容（条件或不同意的理由）"), validators=[Optional(), Length(max=limits.NOTE)])


class VerificationForm(FlaskForm):
    """The department's 核查 of an approval given on commitment."""

    outcome = RadioField(_l("核查结果"), choices=[("passed", _l("核查通过")), ("failed", _l("核查未通过（撤销审批决定）"))],
                         validators=[InputRequired()])
    findings = TextAreaField(_l("核查意见"), validators=[Optional(), Length(max=limits.NOTE)])
