"""The plan page's Gantt chart and flowchart, drawn once per distinct plan.

Drawing them (the flowchart's layout above all) was about half of the plan
page's time; a plan's charts depend only on the plan and the rule base, so
each worker keeps the most recent ones, keyed by the rule base's digest, its
calendar (the admin's calendar days change it, not the digest: the Gantt
chart greys their holidays), the language and a digest of the plan JSON."""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from threading import Lock
from typing import Any

from ..planning.planner import working_calendar
from ..planning.rulebase import CalendarOverride, RuleBase
from ..rendering.svg import CHINESE, WORDINGS, flowchart_svg, gantt_svg

#: Charts kept per worker (a pair is some tens of KiB).
CACHED_PLANS = 64

_cache: OrderedDict[tuple[str, CalendarOverride, str, str], tuple[str, str]] = OrderedDict()
_lock = Lock()


def plan_charts(plan: dict[str, Any], rules: RuleBase, language: str = "zh") -> tuple[str, str]:
    """``(gantt_svg, flowchart_svg)`` of the plan JSON in ``language``
    (``zh`` or ``en``), from the cache when the same plan was drawn before."""
    key = (rules.digest, rules.calendar, language,
           hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest())
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    stages: list[Any] = sorted(rules.stages.values(), key=lambda s: s.order)
    words = WORDINGS.get(language, CHINESE)
    if words is not CHINESE:
        plan, stages = in_english(plan, rules), [
            {"code": s.code, "name": s.name_en or s.name, "order": s.order} for s in stages]
    charts = (gantt_svg(plan, working_calendar(rules), words), flowchart_svg(plan, stages, words=words))
    with _lock:
        _cache[key] = charts
        while len(_cache) > CACHED_PLANS:
            _cache.popitem(last=False)
    return charts


def in_english(plan: dict[str, Any], rules: RuleBase) -> dict[str, Any]:
    """The plan JSON with the rule base's English names of its items,
    departments and stages (the Chinese name where there is none)."""
    def english(item: dict[str, Any]) -> dict[str, Any]:
        rule = rules.items.get(str(item.get("code")))
        department = rules.departments.get(str(item.get("department") or ""))
        stage = rules.stages.get(str(item.get("stage") or ""))
        return dict(item,
                    name=(rule.name_en if rule and rule.name_en else item.get("name", "")),
                    department_name=(department.name_en if department and department.name_en
                                     else item.get("department_name", "")),
                    stage_name=(stage.name_en if stage and stage.name_en else item.get("stage_name", "")))
    return dict(plan, items=[english(it) for it in plan.get("items") or []])
