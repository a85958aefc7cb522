"""Validators shared by the pages' forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .planning import limits


class PlanningDate:
    """A date within the range the calendar plans (``coordinator.planning.limits``)."""

    def __call__(self, form, field) -> None:
        if field.data is not None and limits.date_problem(field.data):
            raise ValidationError(str(_l("日期应在 %(min)s 至 %(max)s 之间", min=limits.EARLIEST_DATE.isoformat(),
                                         max=limits.LATEST_DATE.isoformat())))


def planning_date() -> PlanningDate:
    return PlanningDate()
