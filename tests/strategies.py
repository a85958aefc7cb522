"""Hypothesis strategies for valid answers, driven by the rule base itself."""
from __future__ import annotations

import datetime as dt
import random

from hypothesis import strategies as st

from coordinator.planning.answers import nest_answers
from coordinator.planning.rulebase import Question, RuleBase


def _value(q: Question) -> st.SearchStrategy:
    if q.type == "bool":
        return st.booleans()
    if q.type == "choice":
        return st.sampled_from(q.option_values)
    if q.type == "text":
        return st.sampled_from(["滨海新区", "西青区", "东丽区", "武清区"])
    low = q.minimum or 0
    high = min(q.maximum or 1e6, 200_000 if "area" in q.id else 2_000)
    if q.integer:
        return st.integers(int(low) + (1 if q.exclusive_minimum else 0), int(min(high, 300)))
    # Round values so thresholds such as 300 m², 1,000 tce, 500万 kWh, 30万元 or
    # the areas of 51号令 第十四条 are hit exactly too.
    return st.one_of(
        st.sampled_from([v for v in (1, 24, 30, 50, 54, 160, 300, 500, 1000, 2500, 5000, 10000, 15000, 20000,
                                     40000, 50000) if v > low and v <= high]),
        st.integers(int(low) + 1, int(high)),
        st.floats(low, high, exclude_min=q.exclusive_minimum, allow_nan=False).filter(lambda x: x > 0 or not q.exclusive_minimum),
    )


@st.composite
def valid_answers(draw, rules: RuleBase) -> dict:
    """Answers that follow the questionnaire: hidden questions are left out,
    optional questions are sometimes left out."""
    flat: dict = {}
    given: dict = {}
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        if q.show_if is not None and not q.show_if(flat, {}):
            flat[q.id] = None
        elif not q.required and draw(st.booleans()):
            flat[q.id] = q.default
        else:
            flat[q.id] = given[q.id] = draw(_value(q))
    return nest_answers(given)


def random_plan(n: int, seed: int, stages, span: int = 12, max_preds: int = 3, long_names: bool = False) -> dict:
    """A plan-shaped dict over a random DAG of ``n`` items spread over
    ``stages`` (``(code, name)`` pairs), with one random critical chain."""
    rnd = random.Random(seed)
    first = dt.date(2026, 3, 2)
    items = []
    for i in range(n):
        stage, stage_name = rnd.choice(stages)
        kind = rnd.choice(["approval"] * 5 + ["utility"] * 2 + ["milestone"])
        preds = sorted({f"n{rnd.randrange(max(0, i - span), i)}" for _ in range(rnd.randint(0, max_preds))}) if i else []
        days = 0 if kind == "milestone" else rnd.randrange(0, 20)
        start = first + dt.timedelta(days=rnd.randrange(0, 150))
        items.append({
            "code": f"n{i}", "name": f"事项{i}" + ("（附加说明）" * rnd.randint(0, 2) if long_names else ""),
            "kind": kind, "stage": stage, "stage_name": stage_name, "department_name": "区住房和建设委员会",
            "days": days, "requires": preds, "critical": False, "mode": "standard", "slack": 0,
            "start": start.isoformat(), "finish": (start + dt.timedelta(days=days)).isoformat(),
            "materials": [{"name": "申请表", "essential": True}], "basis": ["某条例 第一条"], "because": [],
        })
    successors: dict[str, list[str]] = {it["code"]: [] for it in items}
    for it in items:
        for req in it["requires"]:
            successors[req].append(it["code"])
    path = [items[0]["code"]] if items else []
    while path and successors[path[-1]]:
        path.append(rnd.choice(successors[path[-1]]))
    for it in items:
        it["critical"] = it["code"] in path
    return {
        "items": items, "critical_path": path, "land_date": None, "total_working_days": 100,
        "serial_working_days": 300, "land_day_start": {"eligible": False, "reasons": ["随机计划"]},
        "start_date": first.isoformat(), "end_date": max((it["finish"] for it in items), default=first.isoformat()),
        "warnings": [],
    }
