"""Helpers for the hookup and notification tests: projects filed through
the project service, provider staff, a webhook receiver and an SMTP server."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from coordinator.accounts.models import Organisation, Role, User
from coordinator.accounts.service import create_user
from coordinator.extensions import db
from coordinator.hookups.models import HookupRequest
from coordinator.projects.service import create_project

from tests.conftest import PASSWORD, TODAY, example_answers


def file_project(owner_id: int, answers: dict | None = None, land_date: dt.date | None = None,
                 today: dt.date = TODAY, name: str = "滨海物流仓库") -> int:
    """File a project through the project service (inside an app context); its id."""
    owner = db.session.get(User, owner_id)
    project = create_project(owner, name, answers or example_answers(), land_date=land_date, today=today)
    return project.id


def requests_of(project_id: int) -> dict[str, HookupRequest]:
    return {r.utility: r for r in db.session.scalars(
        select(HookupRequest).where(HookupRequest.project_id == project_id))}


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def staff(code: str, username: str, email: str | None = None) -> int:
    """A utility user of the provider ``code``; its id."""
    user = create_user(username, PASSWORD, Role.utility, username, org(code), email=email)
    db.session.commit()
    return user.id


class WebhookReceiver:
    """A real HTTP server in a thread that checks each POST's HMAC and keeps
    one delivery per ``Idempotency-Key`` (like a careful provider would)."""

    def __init__(self, secret: str, status: int = 200, delay: float = 0.0):
        self.secret, self.status, self.delay = secret, status, delay
        self.received: dict[str, dict] = {}
        self.posts = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                with receiver.lock:
                    receiver.posts += 1
                    if not hmac.compare_digest(expected, self.headers.get("X-Signature", "")):
                        receiver.bad_signatures += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                    if receiver.status == 200:
                        receiver.received.setdefault(self.headers["Idempotency-Key"], json.loads(body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
