"""Planning as a service for the CLI, the JSON API and the pages."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .planner import Plan, PlanOptions, make_plan
from .rulebase import RuleBase, load_rule_base


@lru_cache(maxsize=8)
def rule_base(directory: str | None = None) -> RuleBase:
    """The validated rule base in ``directory``, loaded once per process."""
    return load_rule_base(Path(directory) if directory else None)


def plan_project(
    rules: RuleBase,
    answers: Any,
    land_date: dt.date | None = None,
    commitment: bool = True,
    today: dt.date | None = None,
    agreed_days: Mapping[str, int] | None = None,
    commitment_breach_on: dt.date | None = None,
    observed_days: Mapping[str, int] | None = None,
) -> Plan:
    """Validate ``answers`` and make their plan (raises ``AnswersError``);
    see :class:`~coordinator.planning.planner.PlanOptions` for the options."""
    return make_plan(rules, answers, PlanOptions(land_date=land_date, today=today, commitment=commitment,
                                                 agreed_days=agreed_days or {},
                                                 commitment_breach_on=commitment_breach_on,
                                                 observed_days=observed_days))
