"""Validators shared by the pages' forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from . import limits


def planning_date() -> NumberRange:
    """A date within the range the calendar plans (``coordinator.limits``)."""
    return NumberRange(limits.EARLIEST_DATE, limits.LATEST_DATE,
                       message=_l("日期应在 %(min)s 至 %(max)s 之间", min=limits.EARLIEST_DATE.isoformat(),
                                  max=limits.LATEST_DATE.isoformat()))
