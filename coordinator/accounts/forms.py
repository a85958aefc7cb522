"""Login form (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..planning import limits


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=limits.USERNAME)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=limits.TOKEN_NAME)])


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("电子邮箱"), validators=[DataRequired(), Length(max=limits.EMAIL)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=200)])
