"""Forms of the company pages (CSRF-protected by Flask-WTF); the service validates the content."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class RegistrationForm(FlaskForm):
    company_name = StringField(_l("单位名称"), validators=[Length(max=200)])
    uscc = StringField(_l("统一社会信用代码"), validators=[Length(max=18)])
    contact_name = StringField(_l("联系人"), validators=[Length(max=120)])
    email = StringField(_l("电子邮箱"), validators=[Length(max=200)])
    username = StringField(_l("用户名"), validators=[Length(max=80)])
    password = PasswordField(_l("密码"), validators=[Length(max=200)])


class InviteForm(FlaskForm):
    display_name = StringField(_l("姓名"), validators=[Length(max=120)])
    email = StringField(_l("电子邮箱"), validators=[Length(max=200)])
    username = StringField(_l("用户名"), validators=[Length(max=80)])


class ResendConfirmationForm(FlaskForm):
    email = StringField(_l("电子邮箱"), validators=[DataRequired(), Length(max=200)])
