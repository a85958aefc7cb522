"""Demo data on a first run, never in production; `coordinator serve` and
`coordinator init-db` through the installed console script."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from coordinator.accounts.models import Role, User
from coordinator.demo import DEMO_USERS, ensure_demo
from coordinator.extensions import db
from coordinator.planning.service import rule_base
from coordinator.projects.models import Project

from tests.conftest import login

SCRIPT = Path(sys.executable).parent / "coordinator"
ROOT = Path(__file__).resolve().parents[1]


def test_first_run_creates_demo_accounts_and_projects(app):
    with app.app_context():
        password = ensure_demo(production=False, password="demo-pass-1")
        assert password == "demo-pass-1"
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert set(DEMO_USERS) <= set(users)
        assert users["demo-owner"].role == Role.owner
        # The officer belongs to the department that issues the construction permit (住建).
        permit_department = rule_base(app.config.get("RULES_DIR")).items["construction_permit"].department
        assert users["demo-officer"].organisation.code == permit_department
        utility = users["demo-utility"].organisation
        assert utility.utility == "power" and "滨海新区" in utility.districts
        assert db.session.scalar(select(func.count()).select_from(Project)) == 2
        # Second run: nothing more.
        assert ensure_demo(production=False) is None
        assert db.session.scalar(select(func.count()).select_from(Project)) == 2
    client = app.test_client()
    login(client, "demo-owner", "demo-pass-1")
    assert "滨海新区智能物流仓库" in client.get("/owner/projects").get_data(as_text=True)


def test_production_never_gets_demo_accounts(app):
    with app.app_context():
        assert ensure_demo(production=True, password="x") is None
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_seeds_and_answers(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
           "COORDINATOR_DEMO_PASSWORD": "serve-demo-pass"}
    proc = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "demo-owner / serve-demo-pass" in output
    assert "demo-officer" in output and "demo-utility" in output and "demo-admin" in output


def test_init_db_migrates_to_head(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'init.sqlite'}"}
    result = subprocess.run([str(SCRIPT), "init-db"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "database at head" in result.stdout
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "init.sqlite").execute("select name from sqlite_master")}
    assert {"project", "plan_item", "user_account", "alembic_version"} <= tables


def test_home_sends_each_role_to_its_place(client, users):
    assert client.get("/").headers["Location"].endswith("/login")
    login(client, "owner")
    assert client.get("/").headers["Location"].endswith("/owner/projects")
    client.post("/logout")
    login(client, "officer")
    assert client.get("/").headers["Location"].endswith("/officer/queue")
    page = client.get("/officer/queue")
    assert page.status_code == 200 and "区住房和建设委员会" in page.get_data(as_text=True)
