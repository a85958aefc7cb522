"""Migration 0009 on a database with hookup requests: they become service
requests of kind ``hookup`` with their ids and history, new rows continue
after them, and the downgrade gives them back."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from coordinator import create_app
from coordinator.database import downgrade, upgrade


def test_hookup_requests_become_service_requests_and_come_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    upgrade(app, "0004")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, role, active, created_at) "
                          "VALUES (1, 'o', 'o', 'x', 'owner', 1, '2026-01-01')"))
        conn.execute(text("INSERT INTO project (id, owner_id, name, district, created_at, updated_at) "
                          "VALUES (1, 1, 'p', '滨海新区', '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO hookup_request (id, project_id, utility, district, demand, contact_name, status, claim_by, "
            "escalated, created_at, updated_at, connected_on) VALUES (7, 1, 'power', '滨海新区', '{\"power_kva\": 800}', "
            "'业主', 'connected', '2026-01-05', 0, '2026-01-01', '2026-01-02', '2026-02-01')"))
        conn.execute(text("INSERT INTO hookup_event (id, request_id, status, note, happened_on, created_at) "
                          "VALUES (3, 7, 'connected', '送电', '2026-02-01', '2026-02-01')"))
    upgrade(app, "0009")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, kind, service, status, respond_by, finished_on FROM service_request")).one()
        assert tuple(row) == (7, "hookup", "power", "connected", "2026-01-05", "2026-02-01")
        assert conn.execute(text("SELECT request_id, note FROM service_request_event")).one() == (7, "送电")
    downgrade(app, "0004")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, utility, claim_by FROM hookup_request")).one() == (7, "power", "2026-01-05")
        assert conn.execute(text("SELECT request_id FROM hookup_event")).scalar() == 7
    engine.dispose()
