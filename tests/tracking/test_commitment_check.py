"""告知承诺 核查 through the JSON API: a passed check; a failed one revokes
the approval and cascades through the live project (flags, breach record,
re-plan without 告知承诺, notifications); bad checks change nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from tests.conftest import TODAY, WAREHOUSE, login
from tests.tracking.tracking_fixtures import LAND_DATE, more_officers, move  # noqa: F401  (fixtures)

ERROR_KEYS = {"error", "message", "fields"}


@pytest.fixture
def live(app, more_officers):
    """A 拿地即开工 warehouse whose EIA form was approved on commitment and
    whose land-use planning permit (which needs the land, hence the EIA) is submitted."""
    from coordinator.accounts.models import User
    from coordinator.projects.service import create_project

    with app.app_context():
        owner = db.session.get(User, more_officers["owner"])
        created = create_project(owner, "承诺仓库", WAREHOUSE, land_date=LAND_DATE, today=TODAY)
        items = {i.code: i.id for i in created.current_plan.items}
        project_id = created.id
    users = more_officers
    move(app, users["owner"], items["project_filing"], "submitted")
    move(app, users["drc_officer"], items["project_filing"], "accepted")
    move(app, users["drc_officer"], items["project_filing"], "approved", document_number="津滨发改备〔2026〕1号")
    move(app, users["owner"], items["eia_table"], "submitted")
    assert move(app, users["eco_officer"], items["eia_table"], "accepted", document_number="津滨环表〔2026〕7号") == "approved"
    move(app, users["owner"], items["land_planning_permit"], "submitted")
    return {"id": project_id, "items": items, "users": users}


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_a_failed_check_revokes_the_approval_and_cascades_through_the_live_project(app, live):
    from coordinator.compliance.models import CommitmentBreach
    from coordinator.notifications.models import Notification

    eia = live["items"]["eia_table"]
    eco, owner = as_user(app, "eco"), as_user(app, "owner")
    before = owner.get(f"/api/v1/projects/{live['id']}").json
    assert before["plan"]["land_day_start"]["eligible"] is True

    r = eco.post(f"/api/v1/items/{eia}/verification", json={"outcome": "failed", "findings": "现场核查：未按承诺建设污水预处理设施"})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "revoked" and r.json["verification"]["outcome"] == "failed"
    assert r.json["events"][-1]["from"] == "approved" and r.json["events"][-1]["to"] == "revoked"
    assert "污水预处理" in r.json["events"][-1]["reason"]
    assert r.json["mode"] == "standard" and r.json["days"] == 5 and r.json["document_number"] is None

    after = owner.get(f"/api/v1/projects/{live['id']}").json
    statuses = {i["code"]: (i["status"], i["mode"]) for i in after["items"]}
    assert statuses["eia_table"] == ("revoked", "standard")
    assert statuses["project_filing"][0] == "approved" and statuses["land_planning_permit"][0] == "submitted"
    assert after["plan"]["land_day_start"]["eligible"] is False  # no written commitment, no 拿地即开工
    assert any("前新办事项不适用告知承诺" in w for w in after["plan"]["warnings"])
    flagged = owner.get(f"/api/v1/items/{live['items']['land_planning_permit']}").json
    assert flagged["revoked_prerequisites"] == ["eia_table"]

    with app.app_context():
        from coordinator.projects.models import Project

        breach = db.session.scalars(select(CommitmentBreach)).one()
        assert (breach.company_id, breach.item_id) == (db.session.get(Project, live["id"]).company_id, eia)
        told = db.session.scalars(select(Notification).where(Notification.kind == "approval_revoked")).all()
        assert {n.recipient_user_id for n in told} >= {live["users"]["owner"], live["users"]["planning_officer"]}
        assert told[0].payload["flagged"] == ["land_planning_permit"]

    # the licence of the revoked approval no longer verifies as valid
    licence = next(i["licence"] for i in before["items"] if i["code"] == "eia_table")
    verified = app.test_client().get(licence["verify_url"], headers={"Accept": "application/json"}).json
    assert (verified["valid"], verified["revoked"]) == (False, True)
    assert "证照已失效" in app.test_client().get(licence["verify_url"]).get_data(as_text=True)

    # the owner applies again, the standard way: acceptance no longer approves
    move(app, live["users"]["owner"], eia, "submitted", dt.date.today())
    assert move(app, live["users"]["eco_officer"], eia, "accepted", dt.date.today()) == "accepted"
    assert move(app, live["users"]["eco_officer"], eia, "approved", dt.date.today(),
                document_number="津滨环表〔2026〕8号") == "approved"
    reissued = next(i["licence"] for i in owner.get(f"/api/v1/projects/{live['id']}").json["items"]
                    if i["code"] == "eia_table")
    assert reissued["number"] == "津滨环表〔2026〕8号" and reissued["verify_url"] != licence["verify_url"]
    assert app.test_client().get(licence["verify_url"]).status_code == 404
    # the owner's next project is planned without 告知承诺, and says why
    created = owner.post("/api/v1/projects", json={"name": "第二个仓库", "answers": WAREHOUSE})
    assert created.status_code == 201
    modes = {i["code"]: i["mode"] for i in created.json["plan"]["items"]}
    assert modes["eia_table"] == "standard"
    assert any("不适用告知承诺" in w for w in created.json["plan"]["warnings"])
    # another company's record is clean
    other = as_user(app, "owner2").post("/api/v1/projects", json={"name": "别家仓库", "answers": WAREHOUSE}).json
    assert {i["code"]: i["mode"] for i in other["plan"]["items"]}["eia_table"] == "commitment"


def test_a_passed_check_keeps_the_approval_and_the_record_clean(app, live):
    from coordinator.compliance.models import CommitmentBreach

    eia = live["items"]["eia_table"]
    r = as_user(app, "eco").post(f"/api/v1/items/{eia}/verification", json={"outcome": "passed"})
    assert r.status_code == 200 and r.json["status"] == "approved"
    assert r.json["verification"]["outcome"] == "passed" and r.json["document_number"] == "津滨环表〔2026〕7号"
    again = as_user(app, "eco").post(f"/api/v1/items/{eia}/verification", json={"outcome": "failed", "findings": "x"})
    assert again.status_code == 409 and again.json["error"] == "already_checked"
    with app.app_context():
        assert db.session.scalars(select(CommitmentBreach)).all() == []


def test_bad_checks_are_refused_and_change_nothing(app, live):
    from coordinator.tracking.models import CommitmentCheck

    eia, filing = live["items"]["eia_table"], live["items"]["project_filing"]
    eco = as_user(app, "eco")
    for body, field in (({"outcome": "failed"}, "findings"), ({"outcome": "failed", "findings": "  "}, "findings"),
                        ({"outcome": "maybe"}, "outcome"), ({}, "outcome")):
        r = eco.post(f"/api/v1/items/{eia}/verification", json=body)
        assert r.status_code == 400 and set(r.json) >= ERROR_KEYS and field in r.json["fields"], (body, r.json)
    assert as_user(app, "planner").post(f"/api/v1/items/{eia}/verification", json={"outcome": "passed"}).status_code == 403
    assert as_user(app, "owner").post(f"/api/v1/items/{eia}/verification", json={"outcome": "passed"}).status_code == 403
    assert eco.post("/api/v1/items/999999/verification", json={"outcome": "passed"}).status_code == 404
    standard = as_user(app, "drc").post(f"/api/v1/items/{filing}/verification", json={"outcome": "passed"})
    assert standard.status_code == 409 and standard.json["error"] == "not_on_commitment"
    with app.app_context():
        assert db.session.scalars(select(CommitmentCheck)).all() == []
    assert as_user(app, "owner").get(f"/api/v1/items/{eia}").json["status"] == "approved"
