"""The 办不成事 loop as a unit: every state × target × party, the inputs each
move needs, deadlines in working days across holidays, and properties of
any sequence of moves (hypothesis)."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings, strategies as st

from coordinator.planning.calendar import WorkingCalendar
from coordinator.problems.loop import (
    ACCEPTED, ARCHIVED, CLASSIFIED, DEPARTMENT, FEEDBACK, FILED, OFFICE, REPORTER, RESOLVED, STATES, STEPS,
    TRANSFERRED, TRANSITIONS, VERIFIED, IllegalMove, InvalidMove, Move, NotYourMove, Report, allowed_moves,
    apply_move, is_overdue, step_deadline,
)

D = dt.date
SPRING_2027 = [D(2027, 2, 6) + dt.timedelta(days=i) for i in range(9)]
CAL = WorkingCalendar(holidays=SPRING_2027, workdays=[D(2027, 2, 20)], covered_years=[2027])
LIMITS = {ACCEPTED: 1, CLASSIFIED: 1, TRANSFERRED: 1, RESOLVED: 5, FEEDBACK: 3, VERIFIED: 2, ARCHIVED: 1}
DEPTS = ("housing", "planning")
ON = D(2027, 1, 11)  # a Monday
PARTIES = (REPORTER, OFFICE, DEPARTMENT)


def full_move(to, actor, on=ON) -> Move:
    return Move(to=to, actor=actor, on=on, note="已处理", department="housing", category="time_exceeded",
                satisfied=True)


@pytest.mark.parametrize("state,target,actor", list(itertools.product(STATES, STEPS, PARTIES)))
def test_every_state_target_and_party(state, target, actor):
    """A move happens exactly when the table has it and it is the party's;
    otherwise 409 with the allowed moves, or 403."""
    report = Report(status=state, department="planning", since=ON)
    who = TRANSITIONS[state].get(target)
    if who is None:
        with pytest.raises(IllegalMove) as exc:
            apply_move(report, full_move(target, actor), LIMITS, CAL, DEPTS)
        assert exc.value.status == 409 and exc.value.allowed == allowed_moves(report)
    elif who != actor:
        with pytest.raises(NotYourMove) as exc:
            apply_move(report, full_move(target, actor), LIMITS, CAL, DEPTS)
        assert exc.value.status == 403
    else:
        after = apply_move(report, full_move(target, actor), LIMITS, CAL, DEPTS)
        assert after.status == target and after.since == ON


def test_the_whole_loop_with_an_unsatisfied_feedback():
    r = Report(since=ON, due=step_deadline(FILED, ON, LIMITS, CAL))
    assert r.due == D(2027, 1, 12)
    for to, actor, extra in [(ACCEPTED, OFFICE, {}), (CLASSIFIED, OFFICE, {"category": "beyond_list"}),
                             (TRANSFERRED, OFFICE, {"department": "housing"}),
                             (RESOLVED, DEPARTMENT, {"note": "已联系"}),
                             (FEEDBACK, REPORTER, {"satisfied": False, "note": "仍要求额外材料"})]:
        r = apply_move(r, Move(to=to, actor=actor, on=ON, **extra), LIMITS, CAL, DEPTS)
    assert (r.status, r.department, r.category, r.reopened) == (TRANSFERRED, "housing", "beyond_list", 1)
    assert r.due == D(2027, 1, 18)  # the department has 5 working days again
    for to, actor, extra in [(RESOLVED, DEPARTMENT, {"note": "已取消额外材料"}),
                             (FEEDBACK, REPORTER, {"satisfied": True}), (VERIFIED, OFFICE, {}),
                             (ARCHIVED, OFFICE, {})]:
        r = apply_move(r, Move(to=to, actor=actor, on=ON, **extra), LIMITS, CAL, DEPTS)
    assert r.status == ARCHIVED and r.due is None and allowed_moves(r) == []


@pytest.mark.parametrize("state,move,bad", [
    (CLASSIFIED, Move(TRANSFERRED, OFFICE, ON), "department"),
    (CLASSIFIED, Move(TRANSFERRED, OFFICE, ON, department="nowhere"), "department"),
    (TRANSFERRED, Move(RESOLVED, DEPARTMENT, ON, note="  "), "note"),
    (RESOLVED, Move(FEEDBACK, REPORTER, ON), "satisfied"),
    (RESOLVED, Move(FEEDBACK, REPORTER, ON, satisfied=False), "note"),
    (FEEDBACK, Move(TRANSFERRED, OFFICE, ON, department="housing"), "note"),
    (ACCEPTED, Move(CLASSIFIED, OFFICE, ON, category="bribery"), "category"),
])
def test_missing_inputs_are_named(state, move, bad):
    with pytest.raises(InvalidMove) as exc:
        apply_move(Report(status=state, since=ON), move, LIMITS, CAL, DEPTS)
    assert exc.value.status == 400 and bad in exc.value.fields


def test_verification_can_send_it_back_to_the_same_department():
    r = Report(status=FEEDBACK, department="planning", since=ON)
    after = apply_move(r, Move(TRANSFERRED, OFFICE, ON, note="核查发现未解决"), LIMITS, CAL, DEPTS)
    assert after.status == TRANSFERRED and after.department == "planning"


def test_deadlines_skip_the_spring_festival():
    """Resolved on Friday 2027-02-05: 3 working days of feedback run to the
    Tuesday after the holiday (02-15, 16, 17 → 17)."""
    after = apply_move(Report(status=TRANSFERRED, department="housing", since=ON),
                       Move(RESOLVED, DEPARTMENT, D(2027, 2, 5), note="已办"), LIMITS, CAL, DEPTS)
    assert after.due == D(2027, 2, 17)
    assert not is_overdue(after, D(2027, 2, 17)) and is_overdue(after, D(2027, 2, 18))


moves = st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(PARTIES), st.booleans(),
                           st.integers(0, 20)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(moves)
def test_any_sequence_of_moves_keeps_the_loop_sound(sequence):
    """Whatever is tried, in any order: a refused move changes nothing; an
    accepted one follows the table; the clock never runs backwards; only an
    unsatisfied feedback reopens; an archived report stays archived."""
    r, day = Report(since=ON, due=step_deadline(FILED, ON, LIMITS, CAL)), ON
    for to, actor, satisfied, gap in sequence:
        day += dt.timedelta(days=gap)
        move = Move(to, actor, day, note="说明", department="housing", satisfied=satisfied)
        try:
            after = apply_move(r, move, LIMITS, CAL, DEPTS)
        except (IllegalMove, NotYourMove, InvalidMove):
            continue
        assert TRANSITIONS[r.status][to] == actor
        assert after.since == day and (after.due is None) == (after.status == ARCHIVED)
        assert after.due is None or after.due > day
        reopened = to == FEEDBACK and not satisfied
        assert after.reopened == r.reopened + reopened
        assert after.status == (TRANSFERRED if reopened else to)
        if r.status == ARCHIVED:
            pytest.fail("an archived report moved")
        r = after
