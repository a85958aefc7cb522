"""Forms of the agency portal (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from ..formfields import planning_date
from ..intermediaries.service import MAX_FEE_YUAN, MAX_WORKING_DAYS, PROGRESS_TARGETS
from ..planning import limits


class QuoteForm(FlaskForm):
    """An agency's quote: fee, working days to deliver, a note."""

    fee_yuan = IntegerField(_l("费用（元）"), validators=[InputRequired(), NumberRange(min=0, max=MAX_FEE_YUAN)])
    working_days = IntegerField(_l("交付工期（工作日）"),
                                validators=[InputRequired(), NumberRange(min=1, max=MAX_WORKING_DAYS)])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=limits.NOTE)])


class ServiceProgressForm(FlaskForm):
    """The next step of awarded work, with the day it happened."""

    to = StringField(_l("进展"), validators=[DataRequired(), AnyOf(PROGRESS_TARGETS)])
    on = DateField(_l("实际日期"), validators=[Optional(), planning_date()])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=limits.NOTE)])
    report_title = StringField(_l("报告名称（交付时）"), validators=[Optional(), Length(max=300)])
