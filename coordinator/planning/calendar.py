"""The Chinese working-day calendar used for every time limit.

Statutory holidays and 调休 make-up workdays come from ``chinesecalendar``;
the rule base's ``calendar.yaml`` and the admin's calendar (which take
precedence, day by day) add or remove days and may declare whole years as
covered.  Years that neither
knows fall back to "Monday to Friday" and are reported so the plan can
warn instead of being silently wrong.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Iterable

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


class WorkingCalendar:
    """Answers "is this a working day?" and counts working days."""

    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
        covered_years: Iterable[int] = (),
    ):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self.covered_years = frozenset(covered_years) | {d.year for d in self.holidays | self.workdays}
        self.fallback_years: set[int] = set()
        self._days = _days_of(self.holidays, self.workdays, self.covered_years)

    def is_workday(self, day: dt.date) -> bool:
        """True when ``day`` is a working day (调休 Saturdays included)."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._lookup(day)
        workday, guessed = known
        if guessed:
            self.fallback_years.add(day.year)
        return workday

    def _lookup(self, day: dt.date) -> tuple[bool, bool]:
        """Whether ``day`` is a working day, and whether that is only a
        Monday-to-Friday guess for a year no one covers."""
        if day in self.workdays:
            return True, False
        if day in self.holidays:
            return False, False
        official = _official_workday(day)
        if official is not None:
            return official, False
        return day.weekday() < 5, day.year not in self.covered_years

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def workdays_from(self, origin: dt.date, count: int) -> list[dt.date]:
        """The first ``count`` working days on or after ``origin``."""
        out: list[dt.date] = []
        day = origin
        while len(out) < count:
            if self.is_workday(day):
                out.append(day)
            day += ONE_DAY
        return out

    def shift(self, day: dt.date, workdays: int) -> dt.date:
        """The working day ``workdays`` working days after (or before, if
        negative) the working day on or after ``day``."""
        day = self.next_workday(day)
        step = ONE_DAY if workdays >= 0 else -ONE_DAY
        remaining = abs(workdays)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``[start, end)``; negative when ``end`` < ``start``."""
        if end < start:
            return -self.count_between(end, start)
        n, day = 0, start
        while day < end:
            n += self.is_workday(day)
            day += ONE_DAY
        return n

    def warnings(self) -> list[str]:
        """One warning per year that fell back to weekends-only."""
        return [
            f"{year} 年的法定节假日和调休安排尚未录入，按周一至周五计算工作日，日期可能有偏差"
            for year in sorted(self.fallback_years)
        ]


@lru_cache(maxsize=16)
def _days_of(holidays: frozenset[dt.date], workdays: frozenset[dt.date],
             covered_years: frozenset[int]) -> dict[dt.date, tuple[bool, bool]]:
    """The days already looked up, shared by every calendar with the same
    corrections (a plan makes a new calendar; the days it knows stay)."""
    return {}


@lru_cache(maxsize=20_000)
def _official_workday(day: dt.date) -> bool | None:
    """chinesecalendar's answer, shared by every calendar; ``None`` outside its years."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


class DayIndex:
    """Maps working-day offsets (0, 1, 2, …) from an origin to dates."""

    def __init__(self, calendar: WorkingCalendar, origin: dt.date, length: int):
        self.days = calendar.workdays_from(calendar.next_workday(origin), max(length, 1))

    def date(self, offset: int) -> dt.date:
        return self.days[offset]
