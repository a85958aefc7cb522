"""Migration 0002 on a database with projects: existing plan items take the
project type of their plan's answers, and the queue index is there."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, inspect, text

from coordinator import create_app
from coordinator.database import downgrade, upgrade


def test_existing_items_get_their_project_type(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    upgrade(app, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, role, active, created_at) "
                          "VALUES (1, 'o', 'o', 'x', 'owner', 1, '2026-01-01')"))
        conn.execute(text("INSERT INTO project (id, owner_id, name, district, created_at, updated_at) "
                          "VALUES (1, 1, 'p', '', '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO answer_set (id, project_id, version, answers, commitment, created_at) "
                          "VALUES (1, 1, 1, :a, 1, '2026-01-01')"), {"a": json.dumps({"project_type": "warehouse"})})
        conn.execute(text("INSERT INTO project_plan (id, project_id, answer_set_id, rule_base_version, rule_base_digest, "
                          "planned_on, plan, land_day_eligible, total_working_days, created_at) "
                          "VALUES (1, 1, 1, 'v', 'd', '2026-01-01', '{}', 1, 10, '2026-01-01')"))
        conn.execute(text("INSERT INTO plan_item (id, plan_id, project_id, position, code, name, kind, stage, department, "
                          "mode, days, planned_start, planned_finish, status) VALUES (1, 1, 1, 0, 'c', 'n', 'approval', "
                          "'s', 'housing', 'standard', 3, '2026-01-01', '2026-01-05', 'not_submitted')"))
    upgrade(app)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT project_type, clock_pauses FROM plan_item")).one() == ("warehouse", "[]")
    assert "ix_plan_item_open_queue" in {i["name"] for i in inspect(engine).get_indexes("plan_item")}
    downgrade(app, "0001")
    assert "project_type" not in {c["name"] for c in inspect(engine).get_columns("plan_item")}
    engine.dispose()
