"""Shared fixtures: one migrated database per test session (SQLite by
default, PostgreSQL when ``DATABASE_URL`` is set), emptied after each test."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from coordinator import create_app
from coordinator.database import upgrade
from coordinator.extensions import db, limiter

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    """Under pytest-xdist every worker gets a PostgreSQL database of its own
    (``<name>_gw0``, ``<name>_gw1`` …), so the workers never empty each
    other's tables; SQLite files are already per worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = os.environ.get("DATABASE_URL", "")
    if not worker or not base.startswith("postgres"):
        return
    url = make_url(base)
    name = f"{url.database}_{worker}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    os.environ["DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def throwaway_database(base: str, name: str):
    """A new empty PostgreSQL database ``name`` on the server of ``base``
    (dropped first if a killed run left it), its URL, dropped afterwards."""
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def database_url(tmp_path_factory) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def reset_schema(app) -> None:
    """Drop everything (a previous run may have left tables behind)."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test",
        "COORDINATOR_STORAGE_URL": str(tmp_path_factory.mktemp("files")),
        # The tests' webhook receivers listen on loopback, which is refused
        # unless allowed (the SSRF tests take this away again).
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    })
    reset_schema(app)
    upgrade(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()  # throttles count per address; every test starts afresh
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


# A warehouse with an EIA form (table), for the validation and CLI tests.
WAREHOUSE = {
    "project_type": "warehouse",
    "investment": "enterprise",
    "land_supply": "auction",
    "district": "滨海新区",
    "in_park": True,
    "regional_assessment_done": True,
    "floor_area_m2": 8000,
    "building_height_m": 15,
    "fire_hazard_class": "C",
    "hazardous_chemicals": False,
    "eia_category": "table",
    "annual_energy_tce": 500,
    "utilities": {"water": True, "power": True, "power_kva": 400, "gas": False, "heat": False},
}


def example_answers(name: str = "warehouse") -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def users(app):
    """One user per role (and a second owner), created through the services."""
    from coordinator.accounts.models import Role
    from coordinator.accounts.service import create_user
    from coordinator.demo import seed_organisations
    from coordinator.accounts.models import Organisation
    from sqlalchemy import select

    with app.app_context():
        seed_organisations()
        org = {o.code: o for o in db.session.scalars(select(Organisation))}
        made = {
            "owner": create_user("owner", PASSWORD, Role.owner, "业主一"),
            "other_owner": create_user("owner2", PASSWORD, Role.owner, "业主二"),
            "officer": create_user("officer", PASSWORD, Role.officer, "住建审批员", org["housing"]),
            "planning_officer": create_user("planner", PASSWORD, Role.officer, "规划审批员", org["planning"]),
            "eco_officer": create_user("eco", PASSWORD, Role.officer, "环评审批员", org["eco_env"]),
            "utility": create_user("utility", PASSWORD, Role.utility, "供电", org["power_binhai"]),
            "admin": create_user("admin", PASSWORD, Role.admin, "政务服务办", org["gov_service"]),
        }
        db.session.commit()
        return {k: u.id for k, u in made.items()}


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def dns(monkeypatch):
    """Give host names the addresses of a dict (``dns["hooks.example.cn"] =
    "1.2.3.4"``; a list for several) as the webhooks' resolver sees them;
    other names resolve as usual. Nothing is sent to these addresses unless
    a test delivers to them (only loopback receivers are)."""
    import socket

    from coordinator.notifications import webhooks

    table: dict[str, object] = {}
    real = webhooks.resolve

    def resolve(host, port):
        if host not in table:
            return real(host, port)
        answer = table[host]
        if isinstance(answer, Exception):
            raise answer
        addresses = answer if isinstance(answer, list) else [answer]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                for a in addresses]

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return table
def pdf_bytes(tag: str = "") -> bytes:
    """A small file that is a PDF by its content (distinct per ``tag``)."""
    return b"%PDF-1.4\n% " + tag.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def provide_materials(app, item_id: int) -> None:
    """The project's owner uploads what the item needs to be (re)submitted:
    a PDF for every essential or returned material not provided yet, and a
    replacement for every file at fault (through the materials service)."""
    from coordinator.materials.service import materials_to_provide, upload
    from coordinator.projects.models import PlanItem

    with app.app_context():
        item = db.session.get(PlanItem, item_id)
        for state in materials_to_provide(item):
            upload(item.project.owner, item, state.name, f"{state.name}.pdf", pdf_bytes(state.name))
        db.session.remove()
