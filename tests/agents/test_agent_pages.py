"""帮办代办 pages through the test client: the owner asks on the project
page, the agent claims on the workspace and submits on the owner's project
page, the owner sees who did what and revokes; roles kept apart."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from tests.agents.agent_fixtures import agents, as_user  # noqa: F401  (fixtures)
from tests.conftest import provide_materials
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)


def test_ask_claim_submit_see_and_revoke_on_the_pages(app, agents):
    owner, agent = as_user(app, "owner"), as_user(app, "agent")
    url = f"/owner/projects/{agents['id']}"
    page = owner.get(url).get_data(as_text=True)
    assert "申请帮办代办" in page and 'value="award"' in page
    r = owner.post(f"{url}/agent-requests", data={"acts": ["answers", "submit"]})
    assert r.status_code == 303
    assert "等待服务站点认领" in owner.get(url).get_data(as_text=True)
    desk = agent.get("/agent/").get_data(as_text=True)
    assert "待认领的申请" in desk and "滨海仓库" in desk and "修改项目答案、申报事项" in desk
    assert agent.get(url).status_code == 404
    request_id = int(desk.split("/agent/requests/")[1].split("/")[0])
    r = agent.post(f"/agent/requests/{request_id}/claim")
    assert r.status_code == 303 and r.location.endswith(url)
    desk = agent.get("/agent/").get_data(as_text=True)
    assert "我代办的项目" in desk and "可以申报" in desk and "项目用地出让" not in desk.split("可以申报")[0]
    item = agents["items"]["land_transfer"]
    provide_materials(app, item)  # submitting needs the essential materials
    assert agent.post(f"/owner/items/{item}/submit").status_code in (302, 303)
    page = owner.get(url).get_data(as_text=True)
    assert "帮办代办员 帮办员甲 代 业主一 申报事项" in page and "land_transfer" in page
    assert owner.post(f"{url}/agent/revoke").status_code == 303
    assert agent.get(url).status_code == 404
    assert "暂无代办项目" in agent.get("/agent/").get_data(as_text=True)


def test_roles_stay_apart(app, agents):
    owner, agent = as_user(app, "owner"), as_user(app, "agent")
    assert owner.get("/agent/").status_code == 403
    assert agent.get("/owner/projects").status_code == 403
    assert agent.post(f"/owner/projects/{agents['id']}/agent-requests").status_code == 403
    assert agent.get("/", follow_redirects=False).location.endswith("/agent/")


def test_an_agent_page_in_english_has_no_chinese_labels(app, agents):
    agent = as_user(app, "agent")
    page = agent.get("/agent/?lang=en").get_data(as_text=True)
    assert "Agent workspace" in page and "Requests to claim" in page
    assert "待认领的申请" not in page and "帮办代办工作台" not in page


def test_twenty_agents_claim_at_once_exactly_one_wins(app, agents):
    """Real threads, each with its own session and connection."""
    from coordinator.accounts.models import Organisation, Role
    from coordinator.accounts.service import create_user
    from coordinator.agents.service import claim, request_agent
    from coordinator.servicerequests.service import RequestConflict
    from tests.conftest import PASSWORD

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent claims are tested on PostgreSQL (set DATABASE_URL)")
        station = db.session.scalar(select(Organisation).where(Organisation.code == "binhai_service_station"))
        claimers = [create_user(f"claimer{i}", PASSWORD, Role.agent, f"帮办员{i}", station) for i in range(20)]
        db.session.commit()
        claimers = [u.id for u in claimers]
        request_id = request_agent(db.session.get(User, agents["users"]["owner"]), agents["id"]).id
        db.session.remove()
    barrier, lock, outcomes = threading.Barrier(20), threading.Lock(), []

    def attempt(user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.commit()
            barrier.wait(30)
            try:
                claim(user, request_id)
                result = "won"
            except RequestConflict:
                result = "conflict"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict"] * 19 + ["won"]
    with app.app_context():
        from coordinator.agents.models import AgentGrant

        assert len(db.session.scalars(select(AgentGrant)).all()) == 1
