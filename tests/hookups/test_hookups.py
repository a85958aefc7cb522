"""Hookup requests: routing, filing, claiming (also concurrently on
PostgreSQL), progress, escalation on the working calendar."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.hookups import flow
from coordinator.hookups.models import HookupRequest
from coordinator.hookups.service import (
    HookupConflict, HookupNotFound, claim_hookup, escalate_unclaimed, offered_to, report_progress,
    warn_overdue_targets,
)
from coordinator.notifications.models import Notification
from coordinator.planning.calendar import WorkingCalendar
from coordinator.projects.service import revise_project

from tests.conftest import TODAY, example_answers
from tests.hookups.hookup_fixtures import file_project, org, requests_of, staff

# --- pure rules ---------------------------------------------------------------

AREAS = [
    flow.ProviderArea("power_a", "power", ["滨海新区"]),
    flow.ProviderArea("power_b", "power", ["滨海新区", "和平区"]),
    flow.ProviderArea("water", "water", ["滨海新区", "和平区"]),
    flow.ProviderArea("power_c", "power", ["西青区"]),
]


def test_routing_by_type_and_district():
    assert flow.route("power", "滨海新区", AREAS) == ["power_a", "power_b"]
    assert flow.route("power", "和平区", AREAS) == ["power_b"]
    assert flow.route("water", "西青区", AREAS) == []
    assert flow.route("gas", "滨海新区", AREAS) == []


@given(st.lists(st.tuples(st.sampled_from(["water", "power", "gas", "heat"]),
                          st.lists(st.sampled_from(["A", "B", "C", "D"]), max_size=4)), max_size=8),
       st.sampled_from(["water", "power", "gas", "heat"]), st.sampled_from(["A", "B", "C", "D"]))
def test_routing_offers_exactly_the_providers_of_the_type_serving_the_district(providers, utility, district):
    areas = [flow.ProviderArea(i, u, d) for i, (u, d) in enumerate(providers)]
    routed = flow.route(utility, district, areas)
    assert routed == [i for i, (u, d) in enumerate(providers) if u == utility and district in d]


def test_claim_deadline_counts_working_days_and_skips_holidays():
    calendar = WorkingCalendar(holidays=[dt.date(2026, 3, 4)], covered_years=[2026])
    # Monday + 2 working days, the Wednesday holiday skipped → Thursday.
    assert flow.claim_deadline(dt.date(2026, 3, 2), 2, calendar) == dt.date(2026, 3, 5)
    # Filed on Saturday: counting starts on Monday.
    assert flow.claim_deadline(dt.date(2026, 3, 7), 2, calendar) == dt.date(2026, 3, 11)
    # National Day week 2026 (chinesecalendar): filed 30 Sep → deadline after the holidays.
    assert flow.claim_deadline(dt.date(2026, 9, 30), 2, WorkingCalendar()) == dt.date(2026, 10, 9)


@given(st.sampled_from(flow.PROGRESS), st.sampled_from(flow.PROGRESS_TARGETS))
def test_progress_only_moves_forward(current, to):
    allowed = to in flow.allowed_progress(current)
    assert allowed == (flow.PROGRESS.index(to) > flow.PROGRESS.index(current))


def test_nothing_follows_offered_or_withdrawn_as_progress():
    assert flow.allowed_progress("offered") == []
    assert flow.allowed_progress("withdrawn") == []
    assert flow.allowed_progress("connected") == []


def test_target_overdue():
    day = dt.date(2026, 5, 1)
    assert flow.target_overdue(day, "designed", day + dt.timedelta(days=1))
    assert not flow.target_overdue(day, "designed", day)
    assert not flow.target_overdue(day, "connected", day + dt.timedelta(days=9))
    assert not flow.target_overdue(None, "claimed", day)


# --- filing -------------------------------------------------------------------


def test_filing_creates_one_request_per_needed_utility_offered_to_routed_providers(ctx, users):
    project_id = file_project(users["owner"])
    requests = requests_of(project_id)
    assert set(requests) == {"water", "power"}  # the warehouse needs water and power only
    power = requests["power"]
    assert power.status == "offered" and power.district == "滨海新区"
    assert power.demand == {"power_kva": 800, "dual_supply": False}
    assert power.contact_name == "业主一"
    assert power.claim_by == dt.date(2026, 3, 4)  # Monday 2 March + 2 working days
    # Not 拿地即开工 with a land date: the target is the plan's power_hookup finish.
    finish = next(i["finish"] for i in power.project.current_plan.plan["items"] if i["code"] == "power_hookup")
    assert power.target_date.isoformat() == finish
    offers = db.session.scalars(select(Notification).where(Notification.kind == "hookup_offered")).all()
    # The Binhai power company's one user gets inbox; the other power company does not serve 滨海新区.
    assert {(n.recipient_organisation_id, n.channel) for n in offers} == {(org("power_binhai").id, "inbox")}


def test_land_day_project_targets_the_land_date(ctx, users):
    land = dt.date(2026, 6, 15)
    project_id = file_project(users["owner"], land_date=land)
    assert requests_of(project_id)["power"].project.current_plan.land_day_eligible
    assert {r.target_date for r in requests_of(project_id).values()} == {land}


def test_revision_adds_and_withdraws_requests(ctx, users):
    project_id = file_project(users["owner"])
    project = requests_of(project_id)["power"].project
    answers = example_answers()
    answers["utilities"] = {"water": False, "power": True, "power_kva": 1200, "gas": True, "heat": False}
    revise_project(project, project.owner, answers, None, today=TODAY)
    requests = requests_of(project_id)
    assert requests["water"].status == "withdrawn"
    assert requests["gas"].status == "offered"
    assert requests["power"].demand["power_kva"] == 1200
    assert len(requests) == 3


def test_a_district_no_provider_serves_tells_the_coordinator_office(ctx, users):
    answers = example_answers()
    answers["district"] = "蓟州区"  # water serves it, no power company does
    file_project(users["owner"], answers)
    unrouted = db.session.scalars(select(Notification).where(Notification.kind == "hookup_unrouted")).all()
    assert {db.session.get(User, n.recipient_user_id).username for n in unrouted} == {"admin"}


# --- claiming -----------------------------------------------------------------


def test_claim_then_second_claim_conflicts(ctx, users):
    project_id = file_project(users["owner"])
    power = requests_of(project_id)["power"]
    other = db.session.get(User, staff("power_binhai", "lineman2"))
    utility = db.session.get(User, users["utility"])
    claim_hookup(power.id, utility, TODAY)
    with pytest.raises(HookupConflict):
        claim_hookup(power.id, other, TODAY)
    power = db.session.get(HookupRequest, power.id)
    assert power.status == "claimed" and power.claimed_by_id == users["utility"]
    assert power.provider.code == "power_binhai"
    told = db.session.scalars(select(Notification).where(Notification.kind == "hookup_claimed")).all()
    assert [n.recipient_user_id for n in told] == [users["owner"]]
    assert "国网天津市电力公司滨海供电分公司" in told[0].subject


def test_providers_outside_the_type_or_area_cannot_see_or_claim(ctx, users):
    project_id = file_project(users["owner"])
    power = requests_of(project_id)["power"]
    water_user = db.session.get(User, staff("water_tianjin", "waterman"))
    city_user = db.session.get(User, staff("power_tianjin_city", "cityman"))
    for user in (water_user, city_user):
        with pytest.raises(HookupNotFound):
            claim_hookup(power.id, user, TODAY)
    assert [r.utility for r in offered_to(org("water_tianjin"))] == ["water"]
    assert offered_to(org("power_tianjin_city")) == []




def test_twenty_concurrent_claims_exactly_one_wins(app, users):
    """Real threads, each with its own session and connection, claim at once."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent claims are tested on PostgreSQL (set DATABASE_URL)")
        project_id = file_project(users["owner"])
        request_id = requests_of(project_id)["power"].id
        claimers = [staff("power_binhai", f"claimer{i}") for i in range(20)]
        db.session.remove()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.commit()  # give the connection back: 20 threads share a pool of 15
            barrier.wait(30)
            try:
                claim_hookup(request_id, user, TODAY)
                result = "won"
            except HookupConflict:
                result = "conflict"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(u,)) for u in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict"] * 19 + ["won"]
    with app.app_context():
        request = db.session.get(HookupRequest, request_id)
        assert request.claimed_by_id in claimers
        assert [e.status for e in request.events].count("claimed") == 1
        assert db.session.scalar(select(db.func.count()).select_from(Notification)
                                 .where(Notification.kind == "hookup_claimed")) == 1


# --- progress -----------------------------------------------------------------


def test_progress_forward_with_notes_and_connected_date(ctx, users):
    project_id = file_project(users["owner"])
    power = requests_of(project_id)["power"]
    utility = db.session.get(User, users["utility"])
    claim_hookup(power.id, utility, TODAY)
    report_progress(power.id, utility, "surveyed", "现场勘察完成", dt.date(2026, 3, 3))
    with pytest.raises(HookupConflict) as exc:
        report_progress(power.id, utility, "surveyed", "again")
    assert exc.value.allowed == ["designed", "constructed", "connected"]
    report_progress(power.id, utility, "connected", "低压接电", dt.date(2026, 3, 20))
    power = db.session.get(HookupRequest, power.id)
    assert power.status == "connected" and power.connected_on == dt.date(2026, 3, 20)
    assert [(e.status, e.note) for e in power.events][-2:] == [("surveyed", "现场勘察完成"), ("connected", "低压接电")]
    progress = db.session.scalars(select(Notification).where(Notification.kind == "hookup_progress")).all()
    assert {n.recipient_user_id for n in progress} == {users["owner"]} and len(progress) == 2


def test_only_the_claiming_provider_reports_progress(ctx, users):
    project_id = file_project(users["owner"])
    power = requests_of(project_id)["power"]
    claim_hookup(power.id, db.session.get(User, users["utility"]), TODAY)
    colleague_elsewhere = db.session.get(User, staff("power_tianjin_city", "cityman"))
    with pytest.raises(HookupNotFound):
        report_progress(power.id, colleague_elsewhere, "surveyed", "")
    with pytest.raises(HookupConflict):  # not claimed yet → nothing to report on the water request
        water_user = db.session.get(User, staff("water_tianjin", "waterman"))
        report_progress(requests_of(project_id)["water"].id, water_user, "surveyed", "")


# --- escalation ----------------------------------------------------------------


def test_escalation_waits_for_the_working_day_after_the_deadline_across_a_holiday(ctx, users):
    # Filed on Wednesday 30 September 2026: the National Day holiday
    # (1–7 October) does not count, so 2 working days end on Friday 9 October
    # (a calendar-day count would have escalated on 3 October).
    project_id = file_project(users["owner"], today=dt.date(2026, 9, 30))
    power = requests_of(project_id)["power"]
    assert power.claim_by == dt.date(2026, 10, 9)
    assert escalate_unclaimed(dt.date(2026, 10, 5)) == 0  # mid-holiday: nothing
    assert escalate_unclaimed(dt.date(2026, 10, 9)) == 0  # the last day: reminders only
    reminders = db.session.scalars(select(Notification).where(Notification.kind == "hookup_claim_reminder")).all()
    # the demo power company has one user ("utility"); the water company none yet
    assert {n.recipient_user_id for n in reminders} == {users["utility"]}
    assert escalate_unclaimed(dt.date(2026, 10, 10)) == 2  # the 调休 make-up Saturday after the deadline
    assert escalate_unclaimed(dt.date(2026, 10, 12)) == 0  # once only
    power = db.session.get(HookupRequest, power.id)
    assert power.escalated and power.status == "offered"
    escalations = db.session.scalars(select(Notification).where(Notification.kind == "hookup_escalated")).all()
    assert {db.session.get(User, n.recipient_user_id).username for n in escalations} == {"admin"}


def test_claimed_requests_are_not_escalated(ctx, users):
    project_id = file_project(users["owner"])
    for request in requests_of(project_id).values():
        if request.utility == "power":
            claim_hookup(request.id, db.session.get(User, users["utility"]), TODAY)
    assert escalate_unclaimed(dt.date(2026, 3, 30)) == 1  # only the water request


def test_overdue_target_warns_once(ctx, users):
    project_id = file_project(users["owner"], land_date=dt.date(2026, 6, 15))
    power = requests_of(project_id)["power"]
    claim_hookup(power.id, db.session.get(User, users["utility"]), TODAY)
    assert warn_overdue_targets(dt.date(2026, 6, 15)) == 0
    assert warn_overdue_targets(dt.date(2026, 6, 16)) == 2
    assert warn_overdue_targets(dt.date(2026, 6, 17)) == 0
    warned = db.session.scalars(select(Notification).where(Notification.kind == "hookup_overdue")).all()
    users_told = {n.recipient_user_id for n in warned if n.channel == "inbox"}
    assert {users["owner"], users["utility"], users["admin"]} <= users_told


def test_a_connection_reported_by_the_provider_moves_the_owners_projected_dates(ctx, users):
    from coordinator.projects.models import Project
    from coordinator.tracking.service import progress_of

    project_id = file_project(users["owner"])
    project = db.session.get(Project, project_id)
    owner = db.session.get(User, users["owner"])
    planned = next(r for r in progress_of(project, owner, TODAY).items if r.item.code == "power_hookup")
    assert not planned.projected.done
    power = requests_of(project_id)["power"]
    utility = db.session.get(User, users["utility"])
    claim_hookup(power.id, utility, TODAY)
    connected = planned.projected.planned_finish + dt.timedelta(days=14)
    report_progress(power.id, utility, "connected", "接电完成", connected)
    row = next(r for r in progress_of(project, owner, TODAY).items if r.item.code == "power_hookup")
    assert row.projected.done and row.projected.finish == connected and row.projected.moved
