"""Fixtures for the tracking tests: a 拿地即开工 warehouse project of the
``owner`` user, a 发改 (drc) officer, and a helper to move items through
the service as their department would."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from tests.conftest import PASSWORD, TODAY, example_answers

LAND_DATE = dt.date(2026, 9, 15)


@pytest.fixture
def more_officers(app, users):
    """A second 住建 officer and a 发改 officer."""
    from coordinator.accounts.models import Organisation, Role
    from coordinator.accounts.service import create_user

    with app.app_context():
        org = {o.code: o for o in db.session.scalars(select(Organisation))}
        made = {
            "officer2": create_user("officer2", PASSWORD, Role.officer, "住建审批员二", org["housing"]),
            "drc_officer": create_user("drc", PASSWORD, Role.officer, "发改审批员", org["drc"]),
        }
        db.session.commit()
        return {**users, **{k: u.id for k, u in made.items()}}


@pytest.fixture
def project(app, more_officers):
    """The owner's warehouse project; returns ``{"id", "items": {code: id}, "users"}``."""
    from coordinator.accounts.models import User
    from coordinator.projects.service import create_project

    with app.app_context():
        owner = db.session.get(User, more_officers["owner"])
        created = create_project(owner, "滨海仓库", example_answers(), land_date=LAND_DATE, today=TODAY)
        return {"id": created.id, "items": {i.code: i.id for i in created.current_plan.items},
                "users": more_officers}


def move(app, user_id: int, item_id: int, to: str, today: dt.date = TODAY, **inputs):
    """Transition through the service; returns the new status."""
    from coordinator.accounts.models import User
    from coordinator.tracking.service import transition

    with app.app_context():
        item = transition(db.session.get(User, user_id), item_id, to, today=today, **inputs)
        status = item.status
        db.session.remove()
        return status


def approve(app, project, code: str, officer: str, today: dt.date = TODAY) -> None:
    """Submit (as the owner), accept and approve one item."""
    users, item_id = project["users"], project["items"][code]
    move(app, users["owner"], item_id, "submitted", today)
    move(app, users[officer], item_id, "accepted", today)
    move(app, users[officer], item_id, "approved", today, document_number=f"文号-{code}")
