"""More than one machine (issue 16): two app instances and two delivery
workers — separate processes — on one PostgreSQL and one Redis, as a city
runs them behind a load balancer. Throttles count across the instances
(Redis storage), a logout on one instance ends the session on the other,
claims and transitions stay exactly-once, and webhook deliveries arrive at
least once, deduplicated by their idempotency key.

Runs on the PostgreSQL leg of ``.ci/run`` (``DATABASE_URL``) with the
machine's Redis on 127.0.0.1:6379 (``REDIS_URL`` to change it)."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.accounts.models import User
from coordinator.accounts.service import issue_token
from coordinator.extensions import db
from coordinator.hookups.models import HookupRequest
from coordinator.notifications.models import Notification
from coordinator.notifications.outbox import enqueue
from coordinator.notifications.webhooks import register_webhook
from coordinator.projects.models import PlanItem

from tests.conftest import PASSWORD
from tests.hookups.hookup_fixtures import WebhookReceiver, file_project, org, requests_of, staff
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
COORDINATOR = Path(sys.executable).parent / "coordinator"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "multi-instance-" + "s" * 40

SERVER = """
import sys
from werkzeug.serving import make_server
from coordinator import create_app

app = create_app({"RATELIMIT_KEY_PREFIX": sys.argv[2]})
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


def _redis_reachable() -> bool:
    host, port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="two instances share one PostgreSQL (set DATABASE_URL)"),
    pytest.mark.skipif(not _redis_reachable(), reason=f"needs Redis at {REDIS_URL}"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"], "SECRET_KEY": SECRET,
            "COORDINATOR_ENV": "development", "RATELIMIT_STORAGE_URI": REDIS_URL, "LOG_LEVEL": "WARNING",
            "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32", "DELIVERY_POLL_SECONDS": "0.2", **extra}


class Instance:
    """One app server process on its own port."""

    def __init__(self, prefix: str):
        self.port = _free_port()
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, str(self.port), prefix], cwd=ROOT,
                                        env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the instance on port {self.port} did not start")

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                cookie: str | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = dict(headers or {})
            if cookie:
                headers["Cookie"] = f"session={cookie}"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            conn.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def instances(app):
    """Two app instances on one database and one Redis (the throttles' keys
    under a prefix of their own)."""
    prefix = f"multi-{uuid.uuid4().hex[:8]}"
    pair = [Instance(prefix), Instance(prefix)]
    try:
        for instance in pair:
            instance.wait_ready()
        yield pair
    finally:
        for instance in pair:
            instance.stop()


def _session_of(set_cookie: str) -> str:
    return re.search(r"session=([^;]+)", set_cookie).group(1)


def _csrf(instance: Instance, path: str, cookie: str | None = None) -> tuple[str, str | None]:
    """The CSRF token of a page, and the session cookie it set (if any)."""
    status, headers, html = instance.request("GET", path, cookie=cookie)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return token.group(1), _session_of(headers["set-cookie"]) if "set-cookie" in headers else cookie


def _form(**fields: str) -> tuple[str, dict[str, str]]:
    from urllib.parse import urlencode

    return urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"}


def test_throttles_count_across_instances(instances, users):
    a, b = instances
    statuses = []
    for i in range(12):  # bad credentials, alternating between the two instances
        status, _, _ = (a if i % 2 else b).request(
            "POST", "/api/v1/tokens", body='{"username": "owner", "password": "wrong"}',
            headers={"Content-Type": "application/json"})
        statuses.append(status)
    # ten a minute per address in all — not ten on each instance
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429], statuses


def test_logout_on_one_instance_ends_the_session_on_the_other(instances, users):
    a, b = instances
    token, cookie = _csrf(a, "/login")
    body, headers = _form(username="owner", password=PASSWORD, csrf_token=token)
    status, response_headers, _ = a.request("POST", "/login", body, headers, cookie=cookie)
    assert status == 302
    session = _session_of(response_headers["set-cookie"])
    assert b.request("GET", "/owner/projects", cookie=session)[0] == 200  # the same session on both
    token, _ = _csrf(b, "/owner/projects", session)
    body, headers = _form(csrf_token=token)
    assert b.request("POST", "/logout", body, headers, cookie=session)[0] == 302
    status, headers, _ = a.request("GET", "/owner/projects", cookie=session)
    assert status == 302 and "/login" in headers["location"]


def _all_at_once(calls) -> list[int]:
    barrier = threading.Barrier(len(calls))
    results: list[int] = []
    lock = threading.Lock()

    def run(call):
        barrier.wait(30)
        status = call()
        with lock:
            results.append(status)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_claims_are_exactly_once_across_instances(app, instances, users):
    with app.app_context():
        request_id = requests_of(file_project(users["owner"]))["power"].id
        tokens = [issue_token(db.session.get(User, staff("power_binhai", f"lineman{i}")))[1] for i in range(10)]
        db.session.remove()
    calls = [lambda t=t, i=i: instances[i % 2].request(
        "POST", f"/api/v1/hookups/{request_id}/claim", headers={"Authorization": f"Bearer {t}"})[0]
        for i, t in enumerate(tokens)]
    assert sorted(_all_at_once(calls)) == [200] + [409] * 9
    with app.app_context():
        assert db.session.get(HookupRequest, request_id).status == "claimed"


def test_transitions_are_exactly_once_across_instances(app, instances, project):
    u = project["users"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    item = project["items"]["construction_drawing_review"]
    move(app, u["owner"], item, "submitted")
    with app.app_context():
        tokens = [issue_token(db.session.get(User, u[who]))[1] for who in ("officer", "officer2")]
        version = db.session.get(PlanItem, item).version
    bodies = ['{"to": "accepted", "version": %d}' % version] * 5 + [
        '{"to": "returned", "version": %d, "reason": "缺章", "missing_materials": ["施工图"]}' % version] * 5
    calls = [lambda b=b, i=i: instances[i % 2].request(
        "POST", f"/api/v1/items/{item}/transition", body=b.encode(),
        headers={"Authorization": f"Bearer {tokens[i % 2]}", "Content-Type": "application/json"})[0]
        for i, b in enumerate(bodies)]
    assert sorted(_all_at_once(calls)) == [200] + [409] * 9


def test_two_workers_deliver_every_webhook_at_least_once_even_when_one_is_killed(app, instances, users):
    with WebhookReceiver("unset", delay=0.05) as receiver:
        with app.app_context():
            _, receiver.secret = register_webhook(org("power_binhai"), receiver.url)
            for i in range(40):
                enqueue("test", f"通知 {i}", "正文", organisations=[org("power_binhai")], channels=["webhook"],
                        key=f"multi{i}")
            db.session.commit()
            keys = set(db.session.scalars(select(Notification.idempotency_key)))
            db.session.remove()
        workers = [subprocess.Popen([str(COORDINATOR), "deliver", "--batch", "5"], cwd=ROOT, env=_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        try:
            deadline = time.monotonic() + 60
            while receiver.posts < 10 and time.monotonic() < deadline:
                time.sleep(0.02)
            workers[0].send_signal(signal.SIGKILL)  # one machine dies mid-delivery
            workers[0].wait(10)
            with app.app_context():
                while time.monotonic() < deadline:
                    sent = db.session.scalar(select(func.count()).select_from(Notification)
                                             .where(Notification.status == "sent"))
                    db.session.rollback()
                    if sent == 40:
                        break
                    time.sleep(0.2)
                db.session.remove()
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.terminate()
                    worker.wait(10)
        assert sent == 40
        assert set(receiver.received) == keys  # every one at least once, one kept per idempotency key
        assert receiver.bad_signatures == 0 and receiver.posts >= 40
