"""The service-request core: response deadlines on the working calendar,
offers recorded once, exactly-once transitions and the escalation sweep."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from coordinator.planning.calendar import WorkingCalendar
from coordinator.servicerequests import deadlines


def test_respond_by_counts_working_days_and_skips_holidays():
    calendar = WorkingCalendar(holidays=[dt.date(2026, 3, 4)], covered_years=[2026])
    # Monday + 2 working days, the Wednesday holiday skipped → Thursday.
    assert deadlines.respond_by(dt.date(2026, 3, 2), 2, calendar) == dt.date(2026, 3, 5)
    # Filed on Saturday: counting starts on Monday.
    assert deadlines.respond_by(dt.date(2026, 3, 7), 2, calendar) == dt.date(2026, 3, 11)
    # National Day week 2026 (chinesecalendar): filed 30 Sep → deadline after the holidays.
    assert deadlines.respond_by(dt.date(2026, 9, 30), 2, WorkingCalendar()) == dt.date(2026, 10, 9)


@given(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 20)), st.integers(0, 10))
def test_the_deadline_leaves_exactly_the_limit_in_working_days(created, limit):
    calendar = WorkingCalendar()
    deadline = deadlines.respond_by(created, limit, calendar)
    assert deadline >= created
    assert not deadlines.past_deadline(deadline, deadline)
    assert deadlines.past_deadline(deadline, deadline + dt.timedelta(days=1))
    assert deadlines.working_days_left(deadline, deadline + dt.timedelta(days=1), calendar) == 0
    assert deadlines.working_days_left(deadline, deadline, calendar) == 0  # the deadline day: due today
