"""Intermediary services through the service layer: offers to qualified
agencies, quotes against the deadline, the award (exactly once, also against
concurrent quotes on PostgreSQL), the plan taking the quoted days, progress,
ratings, figures, withdrawal and escalation, and the owner's projected dates
re-planned from the agency's actual ones."""
from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.governance.service import current_calendar
from coordinator.intermediaries import service
from coordinator.intermediaries.award import award, engage_outside
from coordinator.intermediaries.models import IntermediaryRequest
from coordinator.notifications.models import Notification
from coordinator.projects.models import Project
from coordinator.projects.service import project_json, revise_project
from coordinator.servicerequests.service import RequestConflict, RequestNotFound
from coordinator.tracking.service import progress_of

from tests.conftest import TODAY, example_answers
from tests.hookups.hookup_fixtures import file_project
from tests.intermediaries.intermediary_fixtures import agency

PLANT = example_answers("chemical_plant")  # EIA report and 12,000 tce: eia and energy


@pytest.fixture
def market(app, users):
    """Two agencies for eia+energy in 滨海新区, one elsewhere, one expired; a plant filed."""
    with app.app_context():
        ids = {
            "a": agency("agency_a", "甲环评公司"),
            "b": agency("agency_b", "乙咨询公司"),
            "far": agency("agency_far", "西青咨询", districts=("西青区",)),
            "expired": agency("agency_old", "过期咨询", valid_until=TODAY - dt.timedelta(days=1)),
        }
        ids["project"] = file_project(users["owner"], PLANT, name="南港化工厂房")
        ids.update(users)
        return ids


def _request(project_id: int, service_code: str) -> IntermediaryRequest:
    return db.session.scalar(select(IntermediaryRequest).where(
        IntermediaryRequest.project_id == project_id, IntermediaryRequest.service == service_code))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_filing_offers_each_service_to_the_qualified_agencies_of_the_district(app, market):
    with app.app_context():
        eia = _request(market["project"], "eia")
        assert eia.item_code == "eia_report_writing" and eia.status == "offered"
        assert eia.respond_by == dt.date(2026, 3, 5)  # 3 working days (services.yaml) from Monday 2 March
        assert {o.organisation.code for o in eia.offers} == {"agency_a", "agency_b"}
        assert _request(market["project"], "energy") is not None
        offered = db.session.scalars(select(Notification).where(Notification.kind == "service_offered")).all()
        assert {n.recipient_user.username for n in offered} == {"agency_a", "agency_b"}
        assert {r.id for r in service.requests_for(_user(market["a"]).organisation)} == {
            eia.id, _request(market["project"], "energy").id}
        assert service.requests_for(_user(market["far"]).organisation) == []


def test_quote_then_award_sets_the_plan_days_and_tells_every_agency(app, market):
    with app.app_context():
        eia = _request(market["project"], "eia")
        a = service.submit_quote(eia.id, _user(market["a"]), 80000, 25, "含公众参与", today=TODAY)
        b = service.submit_quote(eia.id, _user(market["b"]), 60000, 40, today=TODAY)
        assert db.session.get(IntermediaryRequest, eia.id).status == "quoted"
        award(eia.id, _user(market["owner"]), b.id, today=TODAY)
        project = db.session.get(Project, market["project"])
        item = next(i for i in project_json(project)["plan"]["items"] if i["code"] == "eia_report_writing")
        assert item["days"] == 40
        assert next(i for i in project.current_plan.items if i.code == "eia_report_writing").days == 40
        listed = next(r for r in project_json(project)["service_requests"] if r["service"] == "eia")
        assert listed["status"] == "awarded" and listed["awarded_quote_id"] == b.id
        assert {q["status"] for q in listed["quotes"]} == {"awarded", "declined"}
        kinds = {(n.kind, n.recipient_user.username) for n in db.session.scalars(
            select(Notification).where(Notification.channel == "inbox"))}
        assert ("service_awarded", "agency_b") in kinds and ("service_declined", "agency_a") in kinds
        with pytest.raises(RequestConflict):  # after the award
            award(eia.id, _user(market["owner"]), a.id, today=TODAY)
        with pytest.raises(RequestConflict):
            service.submit_quote(eia.id, _user(market["a"]), 1, 1, today=TODAY)


def test_a_quote_after_the_deadline_or_twice_is_refused_and_bad_fields_all_named(app, market):
    with app.app_context():
        eia = _request(market["project"], "eia")
        with pytest.raises(service.IntermediaryError) as bad:
            service.submit_quote(eia.id, _user(market["a"]), -1, 0, 5, today=TODAY)
        assert set(bad.value.fields) == {"fee_yuan", "working_days", "note"}
        with pytest.raises(RequestConflict):
            service.submit_quote(eia.id, _user(market["a"]), 100, 10, today=dt.date(2026, 3, 6))
        service.submit_quote(eia.id, _user(market["a"]), 100, 10, today=dt.date(2026, 3, 5))  # the last day
        with pytest.raises(RequestConflict):
            service.submit_quote(eia.id, _user(market["a"]), 90, 10, today=TODAY)
        with pytest.raises(RequestNotFound):  # not offered to it
            service.submit_quote(eia.id, _user(market["far"]), 100, 10, today=TODAY)
        assert len(db.session.get(IntermediaryRequest, eia.id).quotes) == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fee=st.one_of(st.integers(-10**9, 10**9), st.floats(allow_nan=False), st.text(max_size=3), st.none(),
                     st.booleans()),
       days=st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_only_whole_fees_and_days_in_range_are_accepted(app, market, fee, days):
    with app.app_context():
        eia = _request(market["project"], "eia")
        good = (isinstance(fee, int) and not isinstance(fee, bool) and 0 <= fee <= service.MAX_FEE_YUAN
                and isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= service.MAX_WORKING_DAYS)
        try:
            quote = service.submit_quote(eia.id, _user(market["b"]), fee, days, today=TODAY)
        except service.IntermediaryError as exc:
            assert not good and set(exc.fields) <= {"fee_yuan", "working_days"}
            assert len(db.session.get(IntermediaryRequest, eia.id).quotes) == 0
        else:
            assert good and (quote.fee_yuan, quote.working_days) == (fee, days)
            db.session.delete(quote)
            db.session.commit()


def test_only_the_owner_awards_and_only_the_awarded_agency_reports(app, market):
    with app.app_context():
        eia = _request(market["project"], "eia")
        a = service.submit_quote(eia.id, _user(market["a"]), 80000, 25, today=TODAY)
        with pytest.raises(service.NotTheOwner):
            award(eia.id, _user(market["other_owner"]), a.id, today=TODAY)
        with pytest.raises(RequestConflict):  # nothing awarded yet
            service.report_progress(eia.id, _user(market["a"]), "drafting", on=TODAY)
        award(eia.id, _user(market["owner"]), a.id, today=TODAY)
        with pytest.raises(RequestNotFound):
            service.report_progress(eia.id, _user(market["b"]), "drafting", on=TODAY)
        service.report_progress(eia.id, _user(market["a"]), "drafting", "初稿", on=dt.date(2026, 3, 9))
        with pytest.raises(RequestConflict) as back:
            service.report_progress(eia.id, _user(market["a"]), "drafting", on=dt.date(2026, 3, 10))
        assert back.value.allowed == ["delivered"]
        with pytest.raises(RequestConflict):  # not delivered yet
            service.rate(eia.id, _user(market["owner"]), 5)
        done = service.report_progress(eia.id, _user(market["a"]), "delivered", on=dt.date(2026, 3, 20),
                                       report_title="环境影响报告书（报批稿）")
        assert done.finished_on == dt.date(2026, 3, 20) and done.report_title == "环境影响报告书（报批稿）"
        service.rate(eia.id, _user(market["owner"]), 4, "按期交付")
        with pytest.raises(RequestConflict):
            service.rate(eia.id, _user(market["owner"]), 5)
        record = service.agency_records()[_user(market["a"]).organisation_id]
        # awarded Monday 2 March, delivered Friday 20 March: 15 working days of the 25 quoted
        assert (record.awarded, record.delivered, record.on_time) == (1, 1, 1)
        assert (record.quoted_days, record.actual_days, record.mean_rating) == (25, 15, 4)


def test_an_agency_engaged_outside_the_platform(app, market):
    with app.app_context():
        energy = _request(market["project"], "energy")
        with pytest.raises(service.IntermediaryError) as bad:
            engage_outside(energy.id, _user(market["owner"]), " ", -5, 0, today=TODAY)
        assert set(bad.value.fields) == {"agency", "fee_yuan", "working_days"}
        engage_outside(energy.id, _user(market["owner"]), "天津节能评估中心", 30000, 12, today=TODAY)
        listed = next(r for r in project_json(db.session.get(Project, market["project"]))["service_requests"]
                      if r["service"] == "energy")
        assert listed["status"] == "awarded" and listed["quotes"][0]["agency"] == "天津节能评估中心"
        assert service.agreed_days(db.session.get(Project, market["project"])) == {"energy_report": 12}


def test_revision_withdraws_what_the_plan_no_longer_needs(app, market):
    with app.app_context():
        project = db.session.get(Project, market["project"])
        revise_project(project, _user(market["owner"]), {**PLANT, "annual_energy_tce": 100}, None, today=TODAY)
        assert _request(market["project"], "energy").status == "withdrawn"
        assert _request(market["project"], "eia").status == "offered"


def test_unquoted_requests_are_reminded_then_escalated_once(app, market):
    with app.app_context():
        eia = _request(market["project"], "eia")
        service.submit_quote(eia.id, _user(market["a"]), 100, 10, today=TODAY)  # eia quoted; energy not
        assert service.sweep(dt.date(2026, 3, 5)) == 0
        reminders = db.session.scalars(select(Notification).where(Notification.kind == "service_claim_reminder")).all()
        assert {n.recipient_user.username for n in reminders} == {"agency_a", "agency_b"}
        unquoted = [r for r in service.requests_of(db.session.get(Project, market["project"])) if r.status == "offered"]
        assert "energy" in {r.service for r in unquoted} and "eia" not in {r.service for r in unquoted}
        assert service.sweep(dt.date(2026, 3, 6)) == sum(r.respond_by < dt.date(2026, 3, 6) for r in unquoted)
        assert service.sweep(dt.date(2026, 3, 9)) == 0
        assert _request(market["project"], "energy").escalated and not _request(market["project"], "eia").escalated
        assert db.session.scalars(select(Notification).where(Notification.kind == "service_escalated")).first()


def test_suspended_agencies_and_expired_qualifications_get_no_offers(app, users):
    with app.app_context():
        a = _user(agency("agency_a", "甲环评公司")).organisation
        service.set_suspended(a, True)
        db.session.commit()
        project_id = file_project(users["owner"], PLANT)
        assert _request(project_id, "eia").offers == []
        assert service.qualified_agencies("eia", "滨海新区", TODAY) == []
        service.set_suspended(a, False)
        assert [o.code for o in service.qualified_agencies("eia", "滨海新区", TODAY)] == ["agency_a"]
        assert service.qualified_agencies("eia", "滨海新区", dt.date(2030, 1, 2)) == []


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="real concurrency needs PostgreSQL")
def test_two_agencies_quoting_while_the_owner_awards(app, market):
    """Quotes race the award: every quote either lands before the award (and
    is then declined) or is refused with a conflict; exactly one award."""
    with app.app_context():
        eia_id = _request(market["project"], "eia").id
        first = service.submit_quote(eia_id, _user(market["a"]), 80000, 25, today=TODAY).id
        db.session.remove()
    # a third agency joins the offer so that two agencies race the award
    with app.app_context():
        third = agency("agency_c", "丙咨询公司")
        request = db.session.get(IntermediaryRequest, eia_id)
        from coordinator.servicerequests.models import ServiceOffer
        request.offers.append(ServiceOffer(organisation_id=_user(third).organisation_id))
        db.session.commit()
        db.session.remove()
    barrier, outcomes = threading.Barrier(3), []

    def act(kind, user_id):
        with app.app_context():
            barrier.wait()
            try:
                if kind == "award":
                    award(eia_id, _user(user_id), first, today=TODAY)
                else:
                    service.submit_quote(eia_id, _user(user_id), 50000, 20, today=TODAY)
                outcomes.append((kind, "ok"))
            except RequestConflict:
                outcomes.append((kind, "conflict"))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=a) for a in
               (("award", market["owner"]), ("quote", market["b"]), ("quote", third))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        request = db.session.get(IntermediaryRequest, eia_id)
        assert ("award", "ok") in outcomes and request.status == "awarded"
        landed = [q for q in request.quotes if q.id != first]
        assert len(landed) == sum(1 for k, o in outcomes if k == "quote" and o == "ok")
        assert all(q.status == "declined" for q in landed)
        assert [q.id for q in request.quotes if q.status == "awarded"] == [first]


def _report_row(project_id: int, owner_id: int):
    """The owner's progress on Tuesday 3 March and its row of the EIA report's writing."""
    progress = progress_of(db.session.get(Project, project_id), _user(owner_id), today=dt.date(2026, 3, 3))
    return progress, progress.row_of("eia_report_writing")


def test_the_agencys_actual_dates_re_plan_the_owners_projected_dates(app, market):
    """Awarded Monday 2 March for 10 working days (planned to finish Friday 13
    March); drafting reported from Wednesday 4 March moves the projected
    delivery to Tuesday 17 March; delivered Friday 20 March is 5 working days
    late, and the EIA approval that needs it moves by as much."""
    with app.app_context():
        eia = _request(market["project"], "eia")
        quote = service.submit_quote(eia.id, _user(market["a"]), 80000, 10, today=TODAY)
        award(eia.id, _user(market["owner"]), quote.id, today=TODAY)
        progress, row = _report_row(market["project"], market["owner"])
        assert (row.item.planned_finish, row.projected.start, row.projected.finish) == (
            dt.date(2026, 3, 13), TODAY, dt.date(2026, 3, 13))
        approval = next(r for r in progress.needing("eia_report_writing") if r.item.kind == "approval")
        planned_approval = approval.projected.finish
        service.report_progress(eia.id, _user(market["a"]), "drafting", on=dt.date(2026, 3, 4))
        _, row = _report_row(market["project"], market["owner"])
        assert (row.projected.start, row.projected.finish, row.late) == (dt.date(2026, 3, 4), dt.date(2026, 3, 17), 2)
        with pytest.raises(service.IntermediaryError) as before:  # an actual date cannot go back
            service.report_progress(eia.id, _user(market["a"]), "delivered", on=dt.date(2026, 3, 3))
        assert set(before.value.fields) == {"on"}
        service.report_progress(eia.id, _user(market["a"]), "delivered", on=dt.date(2026, 3, 20))
        progress, row = _report_row(market["project"], market["owner"])
        assert (row.projected.start, row.projected.finish, row.projected.done, row.late) == (
            dt.date(2026, 3, 4), dt.date(2026, 3, 20), True, 5)
        approval = next(r for r in progress.needing("eia_report_writing") if r.item.kind == "approval")
        assert current_calendar().count_between(planned_approval, approval.projected.finish) == 5


def test_a_report_delivered_early_brings_the_dates_forward(app, market):
    with app.app_context():
        eia = _request(market["project"], "eia")
        quote = service.submit_quote(eia.id, _user(market["a"]), 80000, 10, today=TODAY)
        award(eia.id, _user(market["owner"]), quote.id, today=TODAY)
        service.report_progress(eia.id, _user(market["a"]), "delivered", on=dt.date(2026, 3, 6))
        _, row = _report_row(market["project"], market["owner"])
        assert (row.projected.start, row.projected.finish, row.late) == (TODAY, dt.date(2026, 3, 6), -5)
