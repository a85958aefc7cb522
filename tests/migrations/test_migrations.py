"""Alembic migrations: empty → head → base, and from every revision up to head
and back, each on a database of its own."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import inspect

from coordinator import create_app
from coordinator.database import downgrade, upgrade
from coordinator.extensions import db

from tests.conftest import throwaway_database


@pytest.fixture
def fresh_url(tmp_path):
    """A brand-new empty database: a SQLite file, or a throwaway PostgreSQL database."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
        return
    with throwaway_database(base, f"migtest_{uuid.uuid4().hex[:8]}") as url:
        yield url


def test_upgrade_to_head_creates_every_table_and_downgrade_removes_them(fresh_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "TESTING": True})
    upgrade(app)
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert "alembic_version" in tables
    downgrade(app, "base")
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_models_match_the_migrations(fresh_url):
    """Autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "TESTING": True})
    upgrade(app)
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    assert diff == []


def revisions_base_to_head() -> list[str]:
    """Every revision in the script directory, oldest first (read from the
    directory, so revisions added later are covered without touching this)."""
    from alembic.script import ScriptDirectory

    from coordinator.database import MIGRATIONS

    return [r.revision for r in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]


def _current_revisions(app) -> set[str]:
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())


@pytest.mark.parametrize("revision", revisions_base_to_head())
def test_every_revision_upgrades_to_head_and_downgrades_to_base(fresh_url, revision):
    """base → ``revision`` → head → ``revision`` → base, on an empty database:
    a database left at any earlier release reaches the newest schema, and
    every migration on the way back undoes itself."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "TESTING": True})
    upgrade(app, revision)
    assert _current_revisions(app) == {revision}
    upgrade(app, "heads")
    with app.app_context():
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata) == []
    downgrade(app, revision)
    assert _current_revisions(app) == {revision}
    downgrade(app, "base")
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
    assert _current_revisions(app) == set()


def test_the_revisions_start_at_the_initial_schema():
    revisions = revisions_base_to_head()
    assert revisions[0] == "0001" and len(set(revisions)) == len(revisions)
