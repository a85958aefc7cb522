"""How long each stored text may be: one place read by the columns and by
every validation that guards them (API schemas, forms, answers, rule
files), so that what validation accepts always fits the column; and the
range of dates the app plans with."""
import datetime as dt

#: A text answer of the questionnaire (contact name and phone, district …)
#: and the columns that copy one (``project.district``, ``hookup_request.contact_*``).
ANSWER_TEXT = 200
#: Project names, item names, organisation names.
NAME = 200
#: Codes from the rule base and the admin: items, departments, organisations.
CODE = 64
#: The value of a choice answer (``project_type`` is one, and has a column).
CHOICE = 40
#: A stage code of the rule base.
STAGE = 40
USERNAME = 80
DISPLAY_NAME = 120
EMAIL = 200
TOKEN_NAME = 80
#: The result document number (办结文号) of an approval.
DOCUMENT_NUMBER = 100
URL = 500
#: What an audit entry names (a username, a code, a rule file of a version);
#: longer names are cut to it.
AUDIT_ENTITY_ID = 200
#: A rule version's note.
VERSION_NOTE = 500
#: Free text kept in TEXT columns (reasons, notes, comments, contacts): a
#: bound for validation only.
NOTE = 2000
#: One material named in a return or an acceptance with gaps.
MATERIAL = 200

#: The dates a plan, a deadline or a reported step may use: a range the
#: working-day calendar plans honestly (years without the State Council's
#: holiday data are counted Monday to Friday, with a warning); 9999-12-31
#: overflowed the calendar.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def date_problem(value: dt.date) -> str | None:
    """Why ``value`` is outside the dates the app plans with, or ``None``."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return None
    return f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
