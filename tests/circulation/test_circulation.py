"""Circulation (征求意见) through the JSON API: the lead department asks,
the consulted departments see and answer, approval waits for every opinion
unless the lead says why it goes ahead; the rule base's standing
consultations open on acceptance."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from tests.conftest import PASSWORD, TODAY, login
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401  (fixtures)

ERROR_KEYS = {"error", "message", "fields"}


@pytest.fixture
def consulted(app, project):
    """A 人防 (civil_defence) and an archives officer beside the project's users."""
    from coordinator.accounts.models import Organisation, Role
    from coordinator.accounts.service import create_user

    with app.app_context():
        org = {o.code: o for o in db.session.scalars(select(Organisation))}
        made = {"defence": create_user("defence", PASSWORD, Role.officer, "人防审批员", org["civil_defence"]),
                "archivist": create_user("archivist", PASSWORD, Role.officer, "档案审批员", org["archives"])}
        db.session.commit()
        project["users"].update({k: u.id for k, u in made.items()})
    return project


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def outbox(app, kind):
    from coordinator.notifications.models import Notification

    with app.app_context():
        return [(n.recipient_user_id, n.channel, n.payload) for n in
                db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def test_a_consultation_round_blocks_approval_until_every_opinion_is_in(app, consulted):
    item = consulted["items"]["land_transfer"]
    owner, planner, housing, drc = (as_user(app, u) for u in ("owner", "planner", "officer", "drc"))
    move(app, consulted["users"]["owner"], item, "submitted", dt.date.today())
    move(app, consulted["users"]["planning_officer"], item, "accepted", dt.date.today())

    r = planner.post(f"/api/v1/items/{item}/consultations", json={"departments": ["housing", "binhai_approval"], "working_days": 3})
    assert r.status_code == 201, r.json
    asked = r.json["consultations"]
    assert [(c["department"], c["status"]) for c in asked] == [("housing", "requested"), ("binhai_approval", "requested")]
    assert {c["due_date"] for c in asked} == {(_cal().shift(dt.date.today(), 3)).isoformat()}
    assert {p["consultation_id"] for _, _, p in outbox(app, "consultation_requested")} == {c["id"] for c in asked}

    listed = housing.get("/api/v1/consultations").json["consultations"]
    assert [(c["item_id"], c["project_id"], c["department"], c["status"]) for c in listed] == [
        (item, consulted["id"], "housing", "requested")]
    assert planner.get("/api/v1/consultations").json["consultations"] == []

    refused = planner.post(f"/api/v1/items/{item}/transition", json={"to": "approved", "document_number": "津规〔2026〕1号"})
    assert refused.status_code == 409 and refused.json["pending"] == ["housing", "binhai_approval"]
    assert set(refused.json) >= ERROR_KEYS and refused.json["error"] == "opinions_pending"

    housing_id, drc_id = (c["id"] for c in asked)
    assert housing.post(f"/api/v1/consultations/{drc_id}/opinion", json={"verdict": "agree"}).status_code == 403
    assert owner.post(f"/api/v1/consultations/{housing_id}/opinion", json={"verdict": "agree"}).status_code == 403
    bad = housing.post(f"/api/v1/consultations/{housing_id}/opinion", json={"verdict": "agree_with_conditions"})
    assert bad.status_code == 400 and "text" in bad.json["fields"]
    r = housing.post(f"/api/v1/consultations/{housing_id}/opinion",
                     json={"verdict": "agree_with_conditions", "text": "退让道路红线不少于10米"})
    assert r.status_code == 200 and r.json["status"] == "answered" and r.json["verdict"] == "agree_with_conditions"
    again = housing.post(f"/api/v1/consultations/{housing_id}/opinion", json={"verdict": "agree"})
    assert again.status_code == 409 and again.json["error"] == "already_answered"
    assert housing.get("/api/v1/consultations").json["consultations"] == []

    still = planner.post(f"/api/v1/items/{item}/transition", json={"to": "approved", "document_number": "津规〔2026〕1号"})
    assert still.status_code == 409 and still.json["pending"] == ["binhai_approval"]
    assert drc.post(f"/api/v1/consultations/{drc_id}/opinion", json={"verdict": "agree", "text": ""}).status_code == 200
    done = planner.post(f"/api/v1/items/{item}/transition", json={"to": "approved", "document_number": "津规〔2026〕1号"})
    assert done.status_code == 200 and done.json["status"] == "approved"
    # every opinion shows on the item, for the owner too
    seen = owner.get(f"/api/v1/items/{item}").json["opinions"]
    assert [(o["department"], o["verdict"], o["text"]) for o in seen] == [
        ("housing", "agree_with_conditions", "退让道路红线不少于10米"), ("binhai_approval", "agree", "")]
    answered = outbox(app, "consultation_answered")
    assert consulted["users"]["owner"] in {u for u, _, _ in answered}


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_the_licence_states_the_conditions_consulted_departments_attached(app, consulted, tmp_path):
    item = consulted["items"]["land_transfer"]
    planner, housing = as_user(app, "planner"), as_user(app, "officer")
    move(app, consulted["users"]["owner"], item, "submitted", dt.date.today())
    move(app, consulted["users"]["planning_officer"], item, "accepted", dt.date.today())
    asked = planner.post(f"/api/v1/items/{item}/consultations", json={"departments": ["housing"]}).json
    housing.post(f"/api/v1/consultations/{asked['consultations'][0]['id']}/opinion",
                 json={"verdict": "agree_with_conditions", "text": "退让道路红线不少于10米"})
    assert planner.post(f"/api/v1/items/{item}/transition",
                        json={"to": "approved", "document_number": "津规〔2026〕2号"}).status_code == 200
    (tmp_path / "l.pdf").write_bytes(as_user(app, "owner").get(f"/api/v1/items/{item}/licence.pdf").data)
    text = subprocess.run(["pdftotext", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "征求意见附加条件" in text and "退让道路红线不少于10米" in text


def test_the_lead_may_approve_without_an_opinion_when_it_records_why(app, consulted):
    item = consulted["items"]["land_transfer"]
    planner = as_user(app, "planner")
    move(app, consulted["users"]["owner"], item, "submitted", dt.date.today())
    move(app, consulted["users"]["planning_officer"], item, "accepted", dt.date.today())
    planner.post(f"/api/v1/items/{item}/consultations", json={"departments": ["archives"]})
    r = planner.post(f"/api/v1/items/{item}/transition", json={
        "to": "approved", "document_number": "津规〔2026〕2号", "override_reason": "档案馆逾期未复，视为无意见"})
    assert r.status_code == 200 and r.json["status"] == "approved"
    assert r.json["opinions"][0]["status"] == "waived"
    assert r.json["opinions"][0]["waived_reason"] == "档案馆逾期未复，视为无意见"
    assert "档案馆逾期未复" in r.json["events"][-1]["reason"] and "区城市建设档案馆" in r.json["events"][-1]["reason"]
    late = as_user(app, "archivist").post(f"/api/v1/consultations/{r.json['opinions'][0]['id']}/opinion",
                                          json={"verdict": "agree"})
    assert late.status_code == 409


def test_bad_requests_are_400_or_403_or_409_and_change_nothing(app, consulted):
    from coordinator.circulation.models import Consultation

    item = consulted["items"]["land_transfer"]
    planner, housing, owner = as_user(app, "planner"), as_user(app, "officer"), as_user(app, "owner")
    url = f"/api/v1/items/{item}/consultations"
    early = planner.post(url, json={"departments": ["housing"]})
    assert early.status_code == 409 and early.json["error"] == "not_open"
    move(app, consulted["users"]["owner"], item, "submitted", dt.date.today())
    for body, field in (({"departments": []}, "departments"), ({"departments": ["nowhere"]}, "departments"),
                        ({"departments": ["planning"]}, "departments"),
                        ({"departments": ["housing"], "working_days": 0}, "working_days"),
                        ({"departments": ["housing"], "working_days": "5"}, "working_days"), ({}, "departments")):
        r = planner.post(url, json=body)
        assert r.status_code == 400 and set(r.json) >= ERROR_KEYS and field in r.json["fields"], (body, r.json)
    assert housing.post(url, json={"departments": ["drc"]}).status_code == 403
    assert owner.post(url, json={"departments": ["drc"]}).status_code == 403
    assert planner.post("/api/v1/items/999999/consultations", json={"departments": ["drc"]}).status_code == 404
    assert planner.post("/api/v1/consultations/999999/opinion", json={"verdict": "agree"}).status_code == 404
    assert owner.get("/api/v1/consultations").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Consultation)).all() == []
    assert planner.post(url, json={"departments": ["housing"]}).status_code == 201
    twice = planner.post(url, json={"departments": ["housing", "binhai_approval"]})
    assert twice.status_code == 409 and twice.json["fields"] == {"departments": ["housing"]}
    with app.app_context():
        assert [c.department for c in db.session.scalars(select(Consultation))] == ["housing"]


def test_accepting_an_item_asks_the_departments_the_rule_base_always_consults(app, consulted):
    """联合图审: the drawing review is circulated to 人防 on acceptance."""
    users = consulted["users"]
    approve(app, consulted, "project_filing", "drc_officer")
    approve(app, consulted, "design_scheme_review", "planning_officer")
    item = consulted["items"]["construction_drawing_review"]
    move(app, users["owner"], item, "submitted")
    move(app, users["officer"], item, "accepted")
    defence = as_user(app, "defence")
    listed = defence.get("/api/v1/consultations").json["consultations"]
    assert [(c["item_id"], c["department"]) for c in listed] == [(item, "civil_defence")]
    assert listed[0]["due_date"] == _cal().shift(TODAY, 5).isoformat()
    housing = as_user(app, "officer")
    r = housing.post(f"/api/v1/items/{item}/transition", json={"to": "approved", "document_number": "图审-1"})
    assert r.status_code == 409 and r.json["pending"] == ["civil_defence"]
    assert defence.post(f"/api/v1/consultations/{listed[0]['id']}/opinion",
                        json={"verdict": "disagree", "text": "人防专篇缺少防护单元划分"}).status_code == 200
    # a disagreement is an opinion too: the lead decides (here: it refuses)
    r = housing.post(f"/api/v1/items/{item}/transition", json={"to": "refused", "reason": "人防部门不同意"})
    assert r.status_code == 200 and r.json["opinions"][0]["verdict"] == "disagree"


def _cal():
    from coordinator.planning.planner import working_calendar
    from coordinator.planning.service import rule_base

    return working_calendar(rule_base(None))
