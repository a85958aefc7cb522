"""Slack and impact of each item in a projection, checked against the
brute force: slip the item and re-project."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from coordinator.tracking.impact import delays
from coordinator.tracking.replan import CONSTRUCTION_START, Actual, project_dates
from tests.tracking.test_tracking_replan import CAL, PLANS, TODAY


def _targets(plan, actuals, today):
    projected = project_dates(plan, actuals, CAL, today)
    return projected.get(CONSTRUCTION_START), max(p.finish for p in projected.values())


def _moved(plan, actuals, code, days, today):
    """Working days construction start or completion move when ``code`` finishes ``days`` later than projected."""
    projected = project_dates(plan, actuals, CAL, today)[code]
    slipped = {**actuals, code: Actual(projected.start, CAL.shift(projected.finish, days))}
    (start, end), (start2, end2) = _targets(plan, actuals, today), _targets(plan, slipped, today)
    moves = [CAL.count_between(end, end2)]
    if start is not None:
        moves.append(CAL.count_between(start.finish, start2.finish))
    return max(moves)


def _finished_prefix(plan, n):
    """Actual dates for the first ``n`` items in plan order: finished as planned."""
    return {i["code"]: Actual(dt.date.fromisoformat(i["start"]), dt.date.fromisoformat(i["finish"]))
            for i in plan["items"][:n]}


@pytest.mark.parametrize("name", PLANS)
def test_without_actuals_slack_is_the_plans_own(name):
    plan = PLANS[name]
    found = delays(plan, project_dates(plan, {}, CAL), CAL)
    critical = {i["code"] for i in plan["items"] if i["critical"]}
    assert {c for c, d in found.items() if d.impact_days} >= critical
    for code in critical:
        assert found[code] == (found[code].__class__(0, 1))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(PLANS)), done=st.integers(0, 12), pick=st.integers(0, 10_000))
def test_slack_is_the_longest_slip_that_moves_nothing_and_impact_the_move_of_one_more_day(name, done, pick):
    plan = PLANS[name]
    actuals = _finished_prefix(plan, done)
    today = None
    projected = project_dates(plan, actuals, CAL, today)
    found = delays(plan, projected, CAL, started=[c for c, a in actuals.items() if a.start])
    assert set(found) == {c for c, p in projected.items() if not p.done}
    code = sorted(found)[pick % len(found)]
    slack = found[code].slack
    if slack:
        assert _moved(plan, actuals, code, slack, today) == 0
    assert _moved(plan, actuals, code, slack + 1, today) == 1
    assert found[code].impact_days == _moved(plan, actuals, code, 1, today)
