"""The working-day calendar: holidays, 调休 workdays, overrides and fallback."""
import datetime as dt

import pytest
from hypothesis import given, strategies as st

from coordinator.planning.calendar import DayIndex, WorkingCalendar

D = dt.date


@pytest.fixture
def cal():
    return WorkingCalendar()


def test_spring_festival_2026_is_off_and_makeup_saturdays_work(cal):
    assert not cal.is_workday(D(2026, 2, 17))  # 春节
    assert not cal.is_workday(D(2026, 2, 23))  # Monday inside the holiday
    assert cal.is_workday(D(2026, 2, 14))  # 调休 Saturday
    assert cal.is_workday(D(2026, 2, 28))  # 调休 Saturday
    assert not cal.is_workday(D(2026, 2, 21))  # ordinary Saturday in the break


def test_shift_across_spring_festival(cal):
    # Friday 13 Feb → the make-up Saturday 14 Feb → Tuesday 24 Feb.
    assert cal.shift(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.shift(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert cal.shift(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert cal.count_between(D(2026, 2, 13), D(2026, 2, 25)) == 3


def test_shift_starts_from_next_workday(cal):
    # 1 Oct 2026 is National Day: day 0 is the first working day after it.
    assert cal.shift(D(2026, 10, 1), 0) == D(2026, 10, 8)


def test_override_adds_holiday_and_workday():
    cal = WorkingCalendar(holidays=[D(2026, 3, 4)], workdays=[D(2026, 3, 7)])
    assert not cal.is_workday(D(2026, 3, 4))
    assert cal.is_workday(D(2026, 3, 7))


def test_year_beyond_chinesecalendar_falls_back_with_warning(cal):
    assert cal.is_workday(D(2027, 1, 4))  # a Monday
    assert not cal.is_workday(D(2027, 1, 9))  # a Saturday
    assert [w for w in cal.warnings() if "2027" in w]


def test_covered_year_has_no_warning():
    cal = WorkingCalendar(holidays=[D(2027, 1, 1)], covered_years=[2027])
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.is_workday(D(2027, 1, 4))
    assert cal.warnings() == []


@given(st.dates(D(2025, 1, 1), D(2026, 12, 1)), st.integers(0, 200))
def test_shift_and_count_agree(start, n):
    cal = WorkingCalendar()
    end = cal.shift(start, n)
    assert cal.is_workday(end)
    assert cal.count_between(cal.next_workday(start), end) == n


def test_day_index_maps_offsets_to_working_days(cal):
    index = DayIndex(cal, D(2026, 2, 13), 3)
    assert [index.date(i) for i in range(3)] == [D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 24)]
