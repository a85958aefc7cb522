"""The plan page's Gantt chart and flowchart, drawn once per distinct plan.

Drawing them (the flowchart's layout above all) was about half of the plan
page's time; a plan's charts depend only on the plan and the rule base, so
each worker keeps the most recent ones, keyed by the rule base's digest, its
calendar (the admin's calendar days change it, not the digest: the Gantt
chart greys their holidays) and a digest of the plan JSON."""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from threading import Lock
from typing import Any

from ..planning.planner import working_calendar
from ..planning.rulebase import CalendarOverride, RuleBase
from ..rendering.svg import flowchart_svg, gantt_svg

#: Charts kept per worker (a pair is some tens of KiB).
CACHED_PLANS = 64

_cache: OrderedDict[tuple[str, CalendarOverride, str], tuple[str, str]] = OrderedDict()
_lock = Lock()


def plan_charts(plan: dict[str, Any], rules: RuleBase) -> tuple[str, str]:
    """``(gantt_svg, flowchart_svg)`` of the plan JSON, from the cache when
    the same plan was drawn before."""
    key = (rules.digest, rules.calendar,
           hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest())
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    stages = sorted(rules.stages.values(), key=lambda s: s.order)
    charts = (gantt_svg(plan, working_calendar(rules)), flowchart_svg(plan, stages))
    with _lock:
        _cache[key] = charts
        while len(_cache) > CACHED_PLANS:
            _cache.popitem(last=False)
    return charts
