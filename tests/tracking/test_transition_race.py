"""Transitions of one item are serialised (issue 16, finding 7): ten
``accepted`` and ten ``returned`` sent at once to one submitted item, each
decided on the version the officer saw, give exactly one 200 and nineteen
409s; without a version no change is lost. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.accounts.service import issue_token
from coordinator.extensions import db
from coordinator.projects.models import PlanItem
from coordinator.tracking.models import ItemEvent

from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401  (fixtures)

RETURN = {"reason": "图纸缺章", "missing_materials": ["施工图设计文件"]}


def _tokens(app, users, *names) -> list[str]:
    with app.app_context():
        return [issue_token(db.session.get(User, users[n]), "race")[1] for n in names]


def _submitted_item(app, project) -> int:
    u = project["users"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    item = project["items"]["construction_drawing_review"]
    move(app, u["owner"], item, "submitted")
    return item


def _all_at_once(app, item: int, bodies: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []
    lock = threading.Lock()

    def send(token: str, body: dict):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/items/{item}/transition", json=body,
                               headers={"Authorization": f"Bearer {token}"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=b) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses


def test_ten_accepts_and_ten_returns_on_one_version_give_exactly_one_200(app, project):
    item = _submitted_item(app, project)
    one, two = _tokens(app, project["users"], "officer", "officer2")
    seen = app.test_client().get(f"/api/v1/items/{item}", headers={"Authorization": f"Bearer {one}"}).get_json()
    assert seen["status"] == "submitted" and "accepted" in seen["allowed"]
    bodies = [(one if i % 2 else two, {"to": "accepted", "version": seen["version"]}) for i in range(10)]
    bodies += [(two if i % 2 else one, {"to": "returned", "version": seen["version"], **RETURN}) for i in range(10)]
    statuses = _all_at_once(app, item, bodies)
    assert sorted(statuses) == [200] + [409] * 19, statuses
    with app.app_context():
        stored = db.session.get(PlanItem, item)
        events = db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == item,
                                                            ItemEvent.from_status == "submitted")).all()
        [decided] = events  # one decision on the submitted item
        assert stored.status == decided.to_status
        assert stored.version == seen["version"] + 1


def test_a_stale_version_is_a_409_that_names_the_current_state(app, project):
    item = _submitted_item(app, project)
    [token] = _tokens(app, project["users"], "officer")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    version = client.get(f"/api/v1/items/{item}", headers=headers).get_json()["version"]
    assert client.post(f"/api/v1/items/{item}/transition", json={"to": "accepted", "version": version},
                       headers=headers).status_code == 200
    late = client.post(f"/api/v1/items/{item}/transition", json={"to": "returned", "version": version, **RETURN},
                       headers=headers)
    assert late.status_code == 409
    body = late.get_json()
    assert body["error"] == "conflict" and "accepted" in body["message"] and "returned" in body["allowed"]


def test_without_a_version_concurrent_transitions_lose_nothing(app, project):
    """Each transition that wins applies to the state it read: the audit
    log is one unbroken chain and the stored state is its last link."""
    item = _submitted_item(app, project)
    one, two = _tokens(app, project["users"], "officer", "officer2")
    bodies = [(one, {"to": "accepted"}) for _ in range(5)] + [(two, {"to": "returned", **RETURN}) for _ in range(5)]
    statuses = _all_at_once(app, item, bodies)
    assert set(statuses) <= {200, 409} and 1 <= statuses.count(200) <= 2
    with app.app_context():
        events = db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == item).order_by(ItemEvent.id)).all()
        chain = [(e.from_status, e.to_status) for e in events]
        assert all(a[1] == b[0] for a, b in zip(chain, chain[1:])), chain
        assert db.session.get(PlanItem, item).status == chain[-1][1]
        assert len([e for e in events if e.from_status != "not_submitted"]) == statuses.count(200)


def test_the_officers_page_sends_the_version_it_showed(app, project, client):
    from tests.conftest import login

    item = _submitted_item(app, project)
    login(client, "officer")
    page = client.get(f"/officer/items/{item}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(PlanItem, item).version
    assert f'name="version" value="{version}"' in page
    move(app, project["users"]["officer2"], item, "accepted")  # another officer acts meanwhile
    response = client.post(f"/officer/items/{item}/transition",
                           data={"to": "returned", "version": str(version), "returned-reason": "缺章",
                                 "returned-other_materials": "施工图设计文件"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(PlanItem, item).status == "accepted"
