"""办不成事 through the JSON API: filing (201, 400 naming fields, 403 for
officers), who lists what, the whole loop with an unsatisfied 反馈, 409 with
the allowed moves, 403 for another party, 404 for outsiders; notifications
in the outbox; reminders and escalation of late steps; the ledger as CSV."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.notifications.models import Notification
from tests.conftest import login
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)

ERROR_KEYS = {"error", "message", "fields"}


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def file(client, pid, **body):
    body = {"project_id": pid, "category": "beyond_list", "description": "窗口要求提供清单外的房屋安全鉴定报告",
            **body}
    return client.post("/api/v1/problems", json=body)


def go(client, problem_id, to, **body):
    return client.post(f"/api/v1/problems/{problem_id}/transition", json={"to": to, **body})


def test_filing_answers_201_with_status_and_due_and_tells_the_office(app, project):
    owner = as_user(app, "owner")
    item = project["items"]["construction_permit"]
    r = file(owner, project["id"], item_id=item)
    assert r.status_code == 201
    assert r.json["status"] == "filed" and r.json["id"] and r.json["due"]
    assert r.json["item_id"] == item and r.json["allowed"] == []
    assert dt.date.fromisoformat(r.json["due"]) > dt.date.today()
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == "problem_filed")).all()
        assert {n.recipient_user.username for n in rows} == {"admin"}
        assert "清单外" in rows[0].body


@pytest.mark.parametrize("body,bad", [
    ({"category": "bribery"}, "category"),
    ({"description": ""}, "description"),
    ({"item_id": 999999}, "item_id"),
    ({"project_id": "one"}, "project_id"),
    ({"unexpected": 1}, "unexpected"),
])
def test_bad_input_names_the_field_and_stores_nothing(app, project, body, bad):
    owner = as_user(app, "owner")
    r = file(owner, project["id"], **body)
    assert r.status_code == 400 and set(r.json) >= ERROR_KEYS and bad in r.json["fields"]
    assert owner.get("/api/v1/problems").json == {"problems": []}


def test_only_owners_and_agents_file_and_only_on_their_projects(app, project):
    assert file(as_user(app, "officer"), project["id"]).status_code == 403
    r = file(as_user(app, "owner2"), project["id"])
    assert r.status_code == 400 and "project_id" in r.json["fields"]
    assert app.test_client().post("/api/v1/problems", json={}).status_code == 401


def test_the_whole_loop_with_an_unsatisfied_feedback(app, project):
    owner, office, housing, planner = (as_user(app, u) for u in ("owner", "admin", "officer", "planner"))
    pid = file(owner, project["id"]).json["id"]
    assert housing.get("/api/v1/problems").json["problems"] == []
    assert [p["id"] for p in office.get("/api/v1/problems").json["problems"]] == [pid]
    assert go(office, pid, "accepted").json["status"] == "accepted"
    assert go(office, pid, "classified", category="time_exceeded").json["category"] == "time_exceeded"
    r = go(office, pid, "transferred", department="housing")
    assert r.status_code == 200 and r.json["department"] == "housing" and r.json["status"] == "transferred"
    assert [p["id"] for p in housing.get("/api/v1/problems").json["problems"]] == [pid]
    assert planner.get("/api/v1/problems").json["problems"] == []
    assert planner.get(f"/api/v1/problems/{pid}").status_code == 404
    assert housing.get(f"/api/v1/problems/{pid}").json["allowed"] == ["resolved"]
    assert go(housing, pid, "resolved", note="已通知窗口按清单受理").json["status"] == "resolved"
    r = go(owner, pid, "feedback", satisfied=False, note="窗口仍要求鉴定报告")
    assert r.status_code == 200 and r.json["status"] == "transferred" and r.json["reopened"] == 1
    assert go(housing, pid, "resolved", note="已取消该要求并致歉").status_code == 200
    assert go(owner, pid, "feedback", satisfied=True).json["status"] == "feedback"
    assert go(office, pid, "verified").json["status"] == "verified"
    done = go(office, pid, "archived").json
    assert done["status"] == "archived" and done["closed_on"] and done["due"] is None
    path = [(e["from_status"], e["to_status"], e["satisfied"]) for e in done["events"]]
    assert path == [(None, "filed", None), ("filed", "accepted", None), ("accepted", "classified", None),
                    ("classified", "transferred", None), ("transferred", "resolved", None),
                    ("resolved", "transferred", False), ("transferred", "resolved", None),
                    ("resolved", "feedback", True), ("feedback", "verified", None),
                    ("verified", "archived", None)]
    with app.app_context():
        kinds = db.session.scalars(select(Notification).where(Notification.kind == "problem_moved")).all()
        assert {n.recipient_user.username for n in kinds} >= {"owner", "officer", "admin"}


def test_wrong_moves_409_with_allowed_wrong_party_403_outsiders_404(app, project):
    owner, office, housing = (as_user(app, u) for u in ("owner", "admin", "officer"))
    pid = file(owner, project["id"]).json["id"]
    r = go(office, pid, "resolved", note="x")
    assert r.status_code == 409 and set(r.json) >= ERROR_KEYS and r.json["allowed"] == ["accepted"]
    r = go(owner, pid, "accepted")
    assert r.status_code == 403 and r.json["error"] == "forbidden"
    assert go(housing, pid, "accepted").status_code == 404
    assert go(as_user(app, "owner2"), pid, "accepted").status_code == 404
    go(office, pid, "accepted"), go(office, pid, "classified")
    r = go(office, pid, "transferred")
    assert r.status_code == 400 and "department" in r.json["fields"]
    r = go(office, pid, "transferred", department="nowhere")
    assert r.status_code == 400 and "department" in r.json["fields"]
    assert go(office, pid, "archived").status_code == 409
    assert go(office, pid, "nonsense").status_code == 400
    assert office.get(f"/api/v1/problems/{pid}").json["status"] == "classified"


def test_late_steps_are_reminded_then_escalated_once(app, project):
    from coordinator.problems.service import sweep_problems

    owner, office = as_user(app, "owner"), as_user(app, "admin")
    pid = file(owner, project["id"]).json["id"]
    go(office, pid, "accepted"), go(office, pid, "classified"), go(office, pid, "transferred", department="housing")
    due = dt.date.fromisoformat(office.get(f"/api/v1/problems/{pid}").json["due"])
    with app.app_context():
        assert sweep_problems(due) == 0
        reminded = db.session.scalars(select(Notification).where(Notification.kind == "problem_reminder")).all()
        assert {n.recipient_user.username for n in reminded} == {"officer", "officer2"}
        assert sweep_problems(due + dt.timedelta(days=7)) == 1
        assert sweep_problems(due + dt.timedelta(days=8)) == 0
        escalated = db.session.scalars(select(Notification).where(Notification.kind == "problem_escalated")).all()
        assert {n.recipient_user.username for n in escalated} == {"officer", "officer2", "admin"}
    seen = office.get(f"/api/v1/problems/{pid}").json
    assert seen["events"][-1]["kind"] == "escalated" and "已督办" in seen["events"][-1]["note"]


def test_the_ledger_csv_escapes_formula_cells(app, project):
    owner, office = as_user(app, "owner"), as_user(app, "admin")
    file(owner, project["id"], description="=HYPERLINK(\"http://evil\")")
    r = office.get("/problems/ledger.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert owner.get("/problems/ledger.csv").status_code == 403
