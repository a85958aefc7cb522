"""Response deadlines of service requests on the working calendar (pure)."""
from __future__ import annotations

import datetime as dt

from ..planning.calendar import WorkingCalendar


def respond_by(created: dt.date, limit_days: int, calendar: WorkingCalendar) -> dt.date:
    """The last day to answer: ``limit_days`` working days after the working
    day on or after ``created`` (a request made on a holiday starts counting
    on the next working day)."""
    return calendar.shift(created, limit_days)


def past_deadline(deadline: dt.date, today: dt.date) -> bool:
    """Unanswered after the deadline's day: time to escalate."""
    return today > deadline


def working_days_left(deadline: dt.date, today: dt.date, calendar: WorkingCalendar) -> int:
    """Whole working days left to answer after today: the limit on the day
    the request is made, 0 on the deadline day and after it (that day is
    shown as "due today")."""
    if today >= deadline:
        return 0
    return calendar.count_between(today + dt.timedelta(days=1), deadline + dt.timedelta(days=1))
