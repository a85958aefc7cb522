"""The item lifecycle as a unit: every state × every target × every actor,
the guards, the deadline arithmetic across holidays, and properties."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings, strategies as st

from coordinator.planning.calendar import WorkingCalendar
from coordinator.tracking.lifecycle import (
    ACCEPTED, ACCEPTED_WITH_GAPS, APPROVED, DEPARTMENT, DUE_SOON, NOT_SUBMITTED, ON_TIME, OVERDUE, OWNER,
    REFUSED, RETURNED, STATES, SUBMITTED, TRANSITIONS, VERIFICATION_WORKING_DAYS, IllegalTransition,
    InvalidTransition, Material, NotPermitted, TrackedItem, TransitionRequest, allowed_transitions,
    apply_transition, blocking_prerequisites, deadline_flag, due_date, is_overdue, working_days_used,
)

D = dt.date

# Spring Festival 2027 as an admin would enter it (chinesecalendar stops at
# 2026): 2027-02-06 (Sat) … 2027-02-14 (Sun) off, Saturday 2027-02-20 worked.
SPRING_2027 = [D(2027, 2, 6) + dt.timedelta(days=i) for i in range(9)]
TIAOXIU_2027 = [D(2027, 2, 20)]
CAL = WorkingCalendar(holidays=SPRING_2027, workdays=TIAOXIU_2027, covered_years=[2027])

FULL = dict(reason="材料不全", missing_materials=("施工图设计文件",), gaps_due=D(2027, 3, 31),
            document_number="津滨审批〔2027〕1号")


def item(status=NOT_SUBMITTED, **kw) -> TrackedItem:
    kw.setdefault("modes", ("standard", "gaps"))
    kw.setdefault("days", 5)
    kw.setdefault("materials", (Material("申请表"), Material("建设资金落实承诺书", essential=False)))
    accepted = status in (ACCEPTED, ACCEPTED_WITH_GAPS, APPROVED, REFUSED)
    kw.setdefault("accepted_on", D(2027, 1, 4) if accepted else None)
    return TrackedItem(status=status, **kw)


def request(to, actor, **kw) -> TransitionRequest:
    kw.setdefault("on", D(2027, 1, 11))
    return TransitionRequest(to=to, actor=actor, **kw)


def full_request(to, actor):
    inputs = dict(FULL)
    if to == ACCEPTED_WITH_GAPS:
        inputs["missing_materials"] = ("建设资金落实承诺书",)
    return request(to, actor, **inputs)


@pytest.mark.parametrize("state,target,actor", list(itertools.product(STATES, STATES, (OWNER, DEPARTMENT))))
def test_every_state_target_and_actor(state, target, actor):
    """A move is made exactly when the table has it and the actor is the
    right one; otherwise 409 (with the allowed targets) or 403."""
    before = item(state)
    who = TRANSITIONS[state].get(target)
    if who is None:
        with pytest.raises(IllegalTransition) as exc:
            apply_transition(before, full_request(target, actor), CAL)
        assert exc.value.status == 409
        assert exc.value.allowed == allowed_transitions(before)
        assert target not in exc.value.allowed
    elif who != actor:
        with pytest.raises(NotPermitted) as exc:
            apply_transition(before, full_request(target, actor), CAL)
        assert exc.value.status == 403
    else:
        after = apply_transition(before, full_request(target, actor), CAL)
        assert after.status == target


def test_allowed_transitions_per_state():
    assert allowed_transitions(item(NOT_SUBMITTED)) == [SUBMITTED]
    assert allowed_transitions(item(SUBMITTED)) == [ACCEPTED, ACCEPTED_WITH_GAPS, RETURNED, REFUSED]
    assert allowed_transitions(item(SUBMITTED, modes=("standard",))) == [ACCEPTED, RETURNED, REFUSED]
    assert allowed_transitions(item(ACCEPTED)) == [APPROVED, RETURNED, REFUSED]
    assert allowed_transitions(item(ACCEPTED_WITH_GAPS)) == [ACCEPTED, RETURNED, REFUSED]
    assert allowed_transitions(item(RETURNED)) == [SUBMITTED]
    assert allowed_transitions(item(APPROVED)) == allowed_transitions(item(REFUSED)) == []
    assert allowed_transitions(item(SUBMITTED), OWNER) == []


def test_gaps_only_where_the_rules_allow_it():
    with pytest.raises(IllegalTransition):
        apply_transition(item(SUBMITTED, modes=("standard",)), full_request(ACCEPTED_WITH_GAPS, DEPARTMENT), CAL)


@pytest.mark.parametrize("target", [RETURNED, REFUSED])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_required_for_return_and_refusal(target, reason):
    with pytest.raises(InvalidTransition) as exc:
        apply_transition(item(SUBMITTED), request(target, DEPARTMENT, reason=reason, missing_materials=("a",)), CAL)
    assert exc.value.status == 400 and "reason" in exc.value.fields


@pytest.mark.parametrize("materials", [(), ("",), ("申请表", " ")])
def test_return_lists_every_missing_material(materials):
    with pytest.raises(InvalidTransition) as exc:
        apply_transition(item(SUBMITTED), request(RETURNED, DEPARTMENT, reason="x", missing_materials=materials), CAL)
    assert "missing_materials" in exc.value.fields


def test_return_keeps_the_one_time_list():
    after = apply_transition(item(SUBMITTED), request(RETURNED, DEPARTMENT, reason="补正",
                                                      missing_materials=("申请表", "施工图")), CAL)
    assert after.missing_materials == ("申请表", "施工图")
    assert after.due_date is None


def test_gaps_need_non_essential_materials_and_a_due_date():
    with pytest.raises(InvalidTransition) as exc:
        apply_transition(item(SUBMITTED), request(ACCEPTED_WITH_GAPS, DEPARTMENT, missing_materials=("申请表",)), CAL)
    assert set(exc.value.fields) == {"missing_materials", "gaps_due"}
    with pytest.raises(InvalidTransition) as exc:
        apply_transition(item(SUBMITTED), request(ACCEPTED_WITH_GAPS, DEPARTMENT, missing_materials=("建设资金落实承诺书",),
                                                  gaps_due=D(2027, 1, 1)), CAL)
    assert set(exc.value.fields) == {"gaps_due"}
    after = apply_transition(item(SUBMITTED), request(ACCEPTED_WITH_GAPS, DEPARTMENT,
                                                      missing_materials=("建设资金落实承诺书",), gaps_due=D(2027, 1, 25)), CAL)
    assert after.gaps_materials == ("建设资金落实承诺书",) and after.gaps_due == D(2027, 1, 25)
    filled = apply_transition(after, request(ACCEPTED, DEPARTMENT, on=D(2027, 1, 12)), CAL)
    assert filled.status == ACCEPTED and filled.gaps_due is None
    assert filled.accepted_on == after.accepted_on == D(2027, 1, 11)


def test_approval_needs_a_document_number():
    with pytest.raises(InvalidTransition) as exc:
        apply_transition(item(ACCEPTED), request(APPROVED, DEPARTMENT), CAL)
    assert exc.value.fields == {"document_number": ["required"]}
    after = apply_transition(item(ACCEPTED), request(APPROVED, DEPARTMENT, document_number="津滨审〔2027〕8号"), CAL)
    assert after.actual_finish == D(2027, 1, 11) and after.document_number == "津滨审〔2027〕8号"


def test_commitment_items_are_approved_on_acceptance_with_a_verification_task():
    commitment = item(SUBMITTED, mode="commitment", days=1)
    with pytest.raises(InvalidTransition):
        apply_transition(commitment, request(ACCEPTED, DEPARTMENT), CAL)
    after = apply_transition(commitment, request(ACCEPTED, DEPARTMENT, document_number="承诺〔2027〕1号"), CAL)
    assert after.status == APPROVED
    assert after.accepted_on == after.actual_finish == D(2027, 1, 11)
    assert after.verification_due == CAL.shift(D(2027, 1, 11), VERIFICATION_WORKING_DAYS)


def test_submission_sets_the_acceptance_deadline_and_actual_start():
    after = apply_transition(item(), request(SUBMITTED, OWNER, on=D(2027, 2, 3)), CAL)
    # Wed 3 Feb: Thu 4, Fri 5, (holiday 6–14), Mon 15, Tue 16, Wed 17
    assert after.due_date == D(2027, 2, 17)
    assert after.actual_start == after.submitted_on == D(2027, 2, 3)


# --- deadlines ------------------------------------------------------------------


def test_due_date_across_spring_festival_2027():
    # accepted Thu 2027-02-04: Fri 5 (1), holiday 6–14, Mon 15 (2) … Thu 18 (5)
    assert due_date(CAL, D(2027, 2, 4), 5) == D(2027, 2, 18)
    # the 调休 Saturday 20 counts: Fri 19 (6), Sat 20 (7), Mon 22 (8)
    assert due_date(CAL, D(2027, 2, 4), 7) == D(2027, 2, 20)
    assert due_date(CAL, D(2027, 2, 4), 8) == D(2027, 2, 22)
    # acceptance on a holiday: the clock starts on the next working day after it
    assert due_date(CAL, D(2027, 2, 10), 1) == D(2027, 2, 15)
    assert due_date(CAL, D(2027, 2, 10), 0) == D(2027, 2, 15)


def test_clock_stops_while_returned_and_resumes_on_resubmission():
    accepted = item(SUBMITTED, accepted_on=None, days=5)
    a = apply_transition(accepted, request(ACCEPTED, DEPARTMENT, on=D(2027, 2, 1)), CAL)
    assert a.due_date == D(2027, 2, 15)  # Tue 2, Wed 3, Thu 4, Fri 5, Mon 15
    r = apply_transition(a, request(RETURNED, DEPARTMENT, on=D(2027, 2, 3), reason="补正",
                                    missing_materials=("施工图",)), CAL)
    assert r.clock_stopped and r.due_date is None
    assert working_days_used(CAL, D(2027, 2, 1), D(2027, 3, 1), r.clock_pauses) == 2
    # owner resubmits Thu 18; 2 days used (2nd, 3rd), 3 left: Fri 19, Sat 20 (调休), Mon 22
    s = apply_transition(r, request(SUBMITTED, OWNER, on=D(2027, 2, 18)), CAL)
    assert s.status == SUBMITTED and not s.clock_stopped
    assert s.due_date == D(2027, 2, 22)
    # re-acceptance does not restart the clock
    again = apply_transition(s, request(ACCEPTED, DEPARTMENT, on=D(2027, 2, 19)), CAL)
    assert again.accepted_on == D(2027, 2, 1) and again.due_date == D(2027, 2, 22)


def test_return_before_acceptance_does_not_touch_the_clock():
    submitted = apply_transition(item(), request(SUBMITTED, OWNER, on=D(2027, 1, 4)), CAL)
    r = apply_transition(submitted, request(RETURNED, DEPARTMENT, on=D(2027, 1, 5), reason="x",
                                            missing_materials=("a",)), CAL)
    assert r.clock_pauses == ()
    s = apply_transition(r, request(SUBMITTED, OWNER, on=D(2027, 1, 20)), CAL)
    assert s.due_date == CAL.shift(D(2027, 1, 20), 5) and s.submitted_on == D(2027, 1, 4)


def test_deadline_flags():
    due = D(2027, 2, 15)  # the Monday after the holiday
    assert deadline_flag(CAL, ACCEPTED, due, D(2027, 2, 16)) == OVERDUE
    assert deadline_flag(CAL, ACCEPTED, due, D(2027, 2, 15)) == DUE_SOON
    assert deadline_flag(CAL, ACCEPTED, due, D(2027, 2, 5)) == DUE_SOON  # Fri before: 1 working day left
    assert deadline_flag(CAL, ACCEPTED, due, D(2027, 2, 4)) == ON_TIME
    assert deadline_flag(CAL, RETURNED, due, D(2027, 3, 1)) is None
    assert deadline_flag(CAL, APPROVED, due, D(2027, 3, 1)) is None
    assert deadline_flag(CAL, NOT_SUBMITTED, due, D(2027, 3, 1)) is None
    assert is_overdue(SUBMITTED, due, D(2027, 2, 16)) and not is_overdue(SUBMITTED, due, due)


# --- prerequisites --------------------------------------------------------------


def _plan(eligible: bool) -> dict:
    def it(code, kind="approval", requires=(), mode="standard"):
        return {"code": code, "kind": kind, "requires": list(requires), "mode": mode}

    return {
        "land_day_start": {"eligible": eligible, "reasons": []},
        "land_date": "2027-03-01" if eligible else None,
        "items": [
            it("project_filing"), it("land_transfer"), it("design_scheme_review", requires=["project_filing"]),
            it("power_application", "utility", ["project_filing"]),
            it("land_contract", "milestone", ["land_transfer", "power_application"]),
            it("land_planning_permit", requires=["land_contract"], mode="land_day" if eligible else "standard"),
            it("planning_permit", requires=["design_scheme_review", "land_planning_permit"],
               mode="land_day" if eligible else "standard"),
        ],
    }


def test_prerequisites_must_be_approved():
    plan = _plan(False)
    assert blocking_prerequisites(plan, "project_filing", {}) == []
    assert blocking_prerequisites(plan, "design_scheme_review", {"project_filing": SUBMITTED}) == ["project_filing"]
    assert blocking_prerequisites(plan, "design_scheme_review", {"project_filing": APPROVED}) == []
    # through the land contract milestone to the land transfer; utility steps never block
    assert blocking_prerequisites(plan, "land_planning_permit", {}) == ["land_transfer"]
    assert blocking_prerequisites(plan, "planning_permit", {"land_transfer": APPROVED}) == [
        "design_scheme_review", "land_planning_permit"]


def test_land_day_track_lets_land_day_items_be_submitted_before_the_land():
    plan = _plan(True)
    assert blocking_prerequisites(plan, "land_planning_permit", {}) == []
    assert blocking_prerequisites(plan, "planning_permit", {}) == ["design_scheme_review"]


# --- properties -----------------------------------------------------------------

dates = st.dates(D(2026, 1, 1), D(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(accepted=dates, days=st.integers(0, 40))
def test_due_date_is_a_working_day_with_exactly_days_running_days(accepted, days):
    due = due_date(CAL, accepted, days)
    assert CAL.is_workday(due) and due >= accepted
    if days > 0:
        assert CAL.count_between(accepted + dt.timedelta(days=1), due + dt.timedelta(days=1)) == days


@settings(max_examples=200, deadline=None)
@given(accepted=dates, days=st.integers(1, 30), pause_after=st.integers(0, 20), pause_len=st.integers(0, 30))
def test_a_pause_moves_the_deadline_by_its_working_days(accepted, days, pause_after, pause_len):
    returned = accepted + dt.timedelta(days=pause_after)
    resubmitted = returned + dt.timedelta(days=pause_len)
    plain = due_date(CAL, accepted, days)
    paused = due_date(CAL, accepted, days, [(returned, resubmitted)])
    assert paused >= plain
    if returned >= plain:
        assert paused == plain  # returned after the deadline: no extension
    else:
        lost = CAL.count_between(returned + dt.timedelta(days=1), resubmitted + dt.timedelta(days=1))
        assert paused == CAL.shift(plain, lost) if lost else paused == plain


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(STATES), st.sampled_from((OWNER, DEPARTMENT))), max_size=12),
       st.sampled_from(("standard", "commitment")))
def test_any_sequence_of_requests_stays_in_the_table(moves, mode):
    """Whatever is asked, the item is only ever in a known state, reached by
    a move of the table (commitment acceptance lands in approved), and a
    decided item never moves again."""
    current = item(mode=mode, modes=("standard", "gaps", mode))
    on = D(2027, 1, 4)
    for target, actor in moves:
        on += dt.timedelta(days=1)
        before = current
        try:
            current = apply_transition(current, TransitionRequest(target, actor, on, **{
                **FULL, "missing_materials": ("建设资金落实承诺书",)}), CAL)
        except (IllegalTransition, NotPermitted, InvalidTransition):
            assert current == before
            continue
        assert before.status not in (APPROVED, REFUSED)
        assert current.status == target or (mode == "commitment" and target == ACCEPTED and current.status == APPROVED)
        assert current.status in STATES
        if current.status in (ACCEPTED, ACCEPTED_WITH_GAPS, APPROVED) and current.status != before.status:
            assert current.accepted_on is not None or current.status == APPROVED
