"""Migration 0006 on a database with projects: every project moves to a
company made for its owner, who becomes its administrator; the owner's
colleagues-to-be and other users keep no company. On SQLite, and on
PostgreSQL when ``DATABASE_URL`` is set."""
from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from coordinator import create_app
from coordinator.database import MIGRATIONS, downgrade, upgrade

from tests.migrations.test_migrations import fresh_url  # noqa: F401  (fixture)


def test_existing_projects_move_to_a_company_made_for_their_owner(fresh_url):  # noqa: F811
    before = ScriptDirectory(str(MIGRATIONS)).get_revision("0006").down_revision
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "TESTING": True})
    upgrade(app, before)
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        for uid, name, display in [(1, "o1", "滨海物流有限公司"), (2, "o2", ""), (3, "officer", "审批员")]:
            conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, role, active, "
                              "created_at) VALUES (:i, :u, :d, 'x', 'owner', true, '2026-01-01')"),
                         {"i": uid, "u": name, "d": display})
        for pid, owner in [(1, 1), (2, 1), (3, 2)]:
            conn.execute(text("INSERT INTO project (id, owner_id, name, district, created_at, updated_at) "
                              "VALUES (:p, :o, 'p', '', '2026-01-01', '2026-01-01')"), {"p": pid, "o": owner})
    upgrade(app)
    with engine.connect() as conn:
        companies = dict(conn.execute(text("SELECT u.username, c.name FROM user_account u JOIN company c "
                                           "ON c.id = u.company_id")).all())
        assert companies == {"o1": "滨海物流有限公司", "o2": "o2"}
        admins = {r[0] for r in conn.execute(text("SELECT username FROM user_account WHERE company_admin"))}
        assert admins == {"o1", "o2"}
        moved = conn.execute(text("SELECT p.id, u.username FROM project p JOIN company c ON c.id = p.company_id "
                                  "JOIN user_account u ON u.company_id = c.id ORDER BY p.id")).all()
        assert [tuple(r) for r in moved] == [(1, "o1"), (2, "o1"), (3, "o2")]
        assert conn.execute(text("SELECT company_id FROM user_account WHERE username = 'officer'")).scalar() is None
    downgrade(app, before)
    assert "company_id" not in {c["name"] for c in inspect(engine).get_columns("project")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM project")).scalar() == 3
    engine.dispose()
