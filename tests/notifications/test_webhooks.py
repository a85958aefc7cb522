"""Organisations' webhooks (issue 16, findings 2–4 and the webhook API):
no request to loopback, private, link-local or the service's own addresses
— at registration and at delivery, to the very address checked — no
redirects, one deadline for a whole delivery, each outbox row committed on
its own, signatures over ``timestamp.body``; ``PUT|GET|DELETE /api/v1/webhook``."""
from __future__ import annotations

import hashlib
import hmac
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.notifications.delivery import deliver_due
from coordinator.notifications.models import InboxMessage, Notification, OrganisationWebhook
from coordinator.notifications.outbox import enqueue
from coordinator.notifications.webhooks import WebhookError, check_url, register_webhook, sign

from tests.conftest import login
from tests.hookups.hookup_fixtures import WebhookReceiver, org

README = Path(__file__).resolve().parents[2] / "README.md"

REFUSED = [
    "http://127.0.0.1:5432/",
    "http://localhost:5000/api/v1/queue",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.8/hook",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0:5000/",
    "http://224.0.0.1/",
    "ftp://hooks.example.cn/",
    "https://user:secret@hooks.example.cn/",
    "not a url",
]


@pytest.fixture
def strict(app, monkeypatch):
    """No network allowed although not public (the suite allows its loopback receivers)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")


def bearer(client, username: str) -> dict[str, str]:
    token = client.post("/api/v1/tokens", json={"username": username, "password": "correct horse battery staple"})
    return {"Authorization": f"Bearer {token.get_json()['token']}"}


@pytest.mark.parametrize("url", REFUSED)
def test_registration_refuses_addresses_that_are_not_public(ctx, strict, dns, url):
    dns["hooks.example.cn"] = "1.2.3.4"
    with pytest.raises(WebhookError):
        check_url(url)


def test_names_are_judged_by_every_address_they_resolve_to(ctx, strict, dns):
    dns["inside.example.cn"] = "10.1.2.3"
    dns["both.example.cn"] = ["1.2.3.4", "127.0.0.1"]
    dns["nowhere.example.cn"] = socket.gaierror("no such name")
    dns["hooks.example.cn"] = "1.2.3.4"
    for name in ("inside", "both", "nowhere"):
        with pytest.raises(WebhookError):
            check_url(f"https://{name}.example.cn/hook")
    assert check_url("https://hooks.example.cn/hook") == "https://hooks.example.cn/hook"


def test_the_services_own_address_is_refused(app, client, users, strict, dns):
    """A public address that is the app's own (the host the client called) is refused too."""
    dns["coordinator.example.cn"] = "1.2.3.5"
    dns["hooks.example.cn"] = "1.2.3.5"
    headers = bearer(client, "utility")
    response = client.put("/api/v1/webhook", json={"url": "https://hooks.example.cn/x"}, headers=headers,
                          base_url="https://coordinator.example.cn")
    assert response.status_code == 400 and "this service" in response.get_json()["fields"]["url"][0]


def test_api_registers_rotates_reads_and_deletes_the_webhook(app, client, users, dns):
    dns["hooks.example.cn"] = "1.2.3.4"
    headers = bearer(client, "utility")
    assert client.get("/api/v1/webhook", headers=headers).status_code == 404
    first = client.put("/api/v1/webhook", json={"url": "https://hooks.example.cn/a"}, headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert body["url"] == "https://hooks.example.cn/a" and body["secret"].startswith("whsec_")
    shown = client.get("/api/v1/webhook", headers=headers).get_json()
    assert shown["url"] == body["url"] and "secret" not in shown  # shown once
    second = client.put("/api/v1/webhook", json={"url": "https://hooks.example.cn/b"}, headers=headers).get_json()
    assert second["secret"] != body["secret"] and second["url"].endswith("/b")
    with app.app_context():
        hook = db.session.scalar(select(OrganisationWebhook))
        assert hook.secret == second["secret"] and hook.organisation.code == "power_binhai"
    assert client.delete("/api/v1/webhook", headers=headers).status_code == 204
    assert client.delete("/api/v1/webhook", headers=headers).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(OrganisationWebhook)) is None


def test_api_refuses_bad_addresses_with_the_url_field_and_other_roles(app, client, users, strict):
    headers = bearer(client, "utility")
    for url in ("http://127.0.0.1:5432/", "http://169.254.169.254/", "http://[::1]/"):
        response = client.put("/api/v1/webhook", json={"url": url}, headers=headers)
        assert response.status_code == 400, url
        assert set(response.get_json()["fields"]) == {"url"}
    assert client.put("/api/v1/webhook", json={}, headers=headers).status_code == 400
    owner = bearer(client, "owner")
    assert client.put("/api/v1/webhook", json={"url": "https://hooks.example.cn/"}, headers=owner).status_code == 403
    assert client.delete("/api/v1/webhook", headers=owner).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(OrganisationWebhook)) is None


def test_the_settings_page_refuses_internal_addresses(client, users, strict):
    login(client, "utility")
    response = client.post("/utility/settings", data={"url": "http://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 400 and "内网" in response.get_data(as_text=True)


def _webhook_row(provider) -> Notification:
    enqueue("test", "测试", "正文", organisations=[provider], channels=["webhook"])
    db.session.commit()
    return db.session.scalar(select(Notification).where(Notification.channel == "webhook"))


def test_delivery_checks_again_and_a_name_turned_internal_is_not_called(app, ctx, users, dns, monkeypatch):
    """DNS rebinding: public at registration, loopback at delivery."""
    provider = org("power_binhai")
    with WebhookReceiver("unset") as receiver:
        dns["rebind.example.cn"] = "1.2.3.4"
        port = receiver.server.server_port
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")
        register_webhook(provider, f"http://rebind.example.cn:{port}/hooks")
        dns["rebind.example.cn"] = "127.0.0.1"
        _webhook_row(provider)
        assert deliver_due().retried == 1
        row = db.session.scalar(select(Notification).where(Notification.channel == "webhook"))
        assert "address refused" in row.last_error and "127.0.0.1" in row.last_error
        assert receiver.posts == 0


def test_delivery_connects_to_the_address_it_checked(app, ctx, users, dns):
    """The name is resolved once per delivery and the connection goes to
    that address: a resolver that would answer differently afterwards is
    never asked again (and the Host header keeps the name)."""
    provider = org("power_binhai")
    with WebhookReceiver("unset") as receiver:
        dns["pinned.example.cn"] = "127.0.0.1"
        _, receiver.secret = register_webhook(provider, f"http://pinned.example.cn:{receiver.server.server_port}/h")
        _webhook_row(provider)
        calls = []
        from coordinator.notifications import webhooks

        resolving = webhooks.resolve

        def once(host, port):
            calls.append(host)
            if host == "pinned.example.cn" and calls.count(host) > 1:
                raise socket.gaierror("asked twice")
            return resolving(host, port)

        webhooks.resolve = once
        try:
            assert deliver_due().sent == 1
        finally:
            webhooks.resolve = resolving
        assert calls.count("pinned.example.cn") == 1
        assert receiver.hosts == [f"pinned.example.cn:{receiver.server.server_port}"]
        assert receiver.bad_signatures == 0 and len(receiver.received) == 1


class _Server:
    """A loopback HTTP server whose POST handler is ``handle(request_handler)``;
    ``hits`` are the paths posted to, ``requests`` their (headers, body)."""

    def __init__(self, handle):
        hits, requests = self.hits, self.requests = [], []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                hits.append(self.path)
                requests.append((dict(self.headers.items()), self.rfile.read(int(self.headers.get("Content-Length") or 0))))
                handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _ok(handler):
    handler.send_response(200)
    handler.end_headers()


def test_redirects_are_never_followed(app, ctx, users):
    provider = org("power_binhai")
    target = _Server(_ok)

    def redirect(handler):
        handler.send_response(307)
        handler.send_header("Location", target.url + "/stolen")
        handler.end_headers()

    source = _Server(redirect)
    try:
        register_webhook(provider, source.url + "/hook")
        _webhook_row(provider)
        assert deliver_due().retried == 1
        row = db.session.scalar(select(Notification).where(Notification.channel == "webhook"))
        assert "307" in row.last_error and "redirect" in row.last_error
        assert source.hits == ["/hook"] and target.hits == []
    finally:
        source.close()
        target.close()


def test_a_trickling_receiver_is_cut_off_at_the_deadline_and_holds_up_nothing_else(app, users, monkeypatch):
    """One byte a second would hold a per-read timeout for minutes; the
    delivery's own deadline ends it, and every other row of the batch is
    committed — the first one already while the slow one is still going."""
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 1.5)
    stop = threading.Event()

    def trickle(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        while not stop.wait(0.5):
            try:
                handler.wfile.write(b"X")
                handler.wfile.flush()
            except OSError:
                return

    slow = _Server(trickle)
    try:
        with app.app_context():
            provider, owner = org("power_binhai"), db.session.get(User, users["owner"])
            register_webhook(provider, slow.url + "/slow")
            enqueue("first", "先", "正文", users=[owner], channels=["inbox"], key="first")
            db.session.commit()
            enqueue("slow", "慢", "正文", organisations=[provider], channels=["webhook"], key="slow")
            db.session.commit()
            enqueue("last", "后", "正文", users=[owner], channels=["inbox"], key="last")
            db.session.commit()
            db.session.remove()
        seen_during: list[str] = []
        results = []

        def work():
            with app.app_context():
                results.append(deliver_due(batch=10))
                db.session.remove()

        started = time.monotonic()
        worker = threading.Thread(target=work)
        worker.start()
        while not slow.hits and time.monotonic() - started < 10:
            time.sleep(0.02)
        with app.app_context():  # another connection, while the slow one is being sent
            seen_during = [r.kind for r in db.session.scalars(select(Notification).where(Notification.status == "sent"))]
            db.session.remove()
        worker.join(30)
        elapsed = time.monotonic() - started
        assert not worker.is_alive() and elapsed < 6, elapsed
        assert seen_during == ["first"]
        [result] = results
        assert (result.taken, result.sent, result.retried) == (3, 2, 1)
        with app.app_context():
            row = db.session.scalar(select(Notification).where(Notification.kind == "slow"))
            assert row.status == "pending" and "1.5 s" in row.last_error
            assert db.session.query(InboxMessage).count() == 2
    finally:
        stop.set()
        slow.close()


def test_signature_covers_the_timestamp_and_the_readme_check_accepts_it(app, ctx, users):
    provider = org("power_binhai")
    server = _Server(_ok)
    try:
        _, secret = register_webhook(provider, server.url + "/h")
        _webhook_row(provider)
        assert deliver_due().sent == 1
    finally:
        server.close()
    [(headers, body)] = server.requests
    stamp = headers["X-Signature-Timestamp"]
    assert abs(int(stamp) - time.time()) < 60
    assert headers["X-Signature"] == sign(secret, stamp, body)
    assert headers["X-Signature"] != hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()  # not the body alone

    snippet = re.search(r"```python\n(import hashlib, hmac, time\n.*?)```", README.read_text(encoding="utf-8"), re.S)
    namespace: dict = {}
    exec(snippet.group(1), namespace)  # the README's verification code, as a receiver would paste it
    verify = namespace["verify"]
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(secret, {**headers, "X-Signature-Timestamp": str(int(stamp) - 3600)}, body)  # replayed later
    old = str(int(stamp) - 3600)
    assert not verify(secret, {"X-Signature-Timestamp": old, "X-Signature": sign(secret, old, body)}, body)
