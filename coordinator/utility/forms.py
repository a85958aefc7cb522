"""Forms of the utility portal (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..planning import limits
from ..formfields import planning_date
from ..hookups import flow


class ProgressForm(FlaskForm):
    """The next step of a claimed request (the page offers only the allowed ones)."""

    to = StringField(_l("进展"), validators=[DataRequired(), AnyOf(flow.PROGRESS_TARGETS)])
    note = TextAreaField(_l("说明"), validators=[Length(max=limits.NOTE)])
    date = DateField(_l("日期"), validators=[Optional(), planning_date()])


class WebhookForm(FlaskForm):
    url = StringField(_l("Webhook 地址"), validators=[DataRequired(), Length(max=limits.URL)])
