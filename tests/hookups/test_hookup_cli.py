"""``coordinator escalate`` and ``coordinator deliver --once`` as real subprocesses."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.hookups.models import HookupRequest
from coordinator.notifications.models import InboxMessage

from tests.hookups.hookup_fixtures import file_project

COORDINATOR = Path(sys.executable).parent / "coordinator"
ROOT = Path(__file__).resolve().parents[2]


def run(app, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "COORDINATOR_ENV": "development"}
    return subprocess.run([str(COORDINATOR), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_escalate_then_deliver_reaches_the_admins_inbox(app, users):
    with app.app_context():
        file_project(users["owner"])  # filed on 2 March 2026, claim by 4 March
        db.session.remove()
    early = run(app, "escalate", "--today", "2026-03-04")
    assert early.returncode == 0 and "escalated 0" in early.stdout
    late = run(app, "escalate", "--today", "2026-03-05")
    assert late.returncode == 0 and "escalated 2" in late.stdout, late.stderr
    delivered = run(app, "deliver", "--once")
    assert delivered.returncode == 0 and "dead 0" in delivered.stdout, delivered.stderr
    with app.app_context():
        assert all(r.escalated for r in db.session.scalars(select(HookupRequest)))
        kinds = set(db.session.scalars(select(InboxMessage.kind).where(InboxMessage.user_id == users["admin"])))
        assert "hookup_escalated" in kinds  # (and, judged on the real today, overdue targets)


def test_serve_delivers_in_process_only_on_the_embedded_default():
    from coordinator.cli import _deliver_in_process

    class App:
        def __init__(self, url, setting=None):
            self.config = {"SQLALCHEMY_DATABASE_URI": url, "DELIVERY_IN_PROCESS": setting}

    assert _deliver_in_process(App("sqlite:///x.sqlite"))
    assert not _deliver_in_process(App("postgresql+psycopg://h/db"))
    assert _deliver_in_process(App("postgresql+psycopg://h/db", "1"))
    assert not _deliver_in_process(App("sqlite:///x.sqlite", "0"))
