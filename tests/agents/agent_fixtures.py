"""Fixtures for the 帮办代办 tests: the 滨海新区 service station with two
agents, a station elsewhere with one, and the owner's warehouse project."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from tests.conftest import PASSWORD, login
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)


@pytest.fixture
def agents(app, project):
    """Agents ``agent`` and ``agent2`` of the 滨海新区 station and ``far_agent``
    of a station serving 和平区; returns the project fixture with their ids."""
    from coordinator.accounts.models import Organisation, OrganisationKind, Role
    from coordinator.accounts.service import create_user

    with app.app_context():
        binhai = db.session.scalar(select(Organisation).where(Organisation.code == "binhai_service_station"))
        far = Organisation(kind=OrganisationKind.service_station, code="heping_station", name="和平区帮办代办窗口",
                           districts=["和平区"])
        db.session.add(far)
        made = {"agent": create_user("agent", PASSWORD, Role.agent, "帮办员甲", binhai),
                "agent2": create_user("agent2", PASSWORD, Role.agent, "帮办员乙", binhai),
                "far_agent": create_user("faragent", PASSWORD, Role.agent, "和平帮办员", far)}
        db.session.commit()
        return {**project, "users": {**project["users"], **{k: u.id for k, u in made.items()}}}


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client
