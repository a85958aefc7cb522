"""The outbox worker: inbox, a real SMTP server (aiosmtpd), a real webhook
receiver checking the HMAC, backoff and dead letters, and a worker process
killed with SIGKILL mid-batch."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given, strategies as st
from sqlalchemy import func, select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.notifications.delivery import backoff_seconds, deliver_all_due, deliver_due, retry
from coordinator.notifications.models import InboxMessage, Notification
from coordinator.notifications.outbox import enqueue
from coordinator.utility.service import register_webhook, rotate_secret

from tests.hookups.hookup_fixtures import WebhookReceiver, file_project, org

COORDINATOR = Path(sys.executable).parent / "coordinator"
ROOT = Path(__file__).resolve().parents[2]


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.status == "pending"))


@given(st.integers(1, 40), st.floats(0.1, 100), st.floats(1, 10_000))
def test_backoff_doubles_and_is_capped(attempts, base, cap):
    wait = backoff_seconds(attempts, base, cap)
    assert wait <= cap
    assert wait == min(cap, base * 2 ** (attempts - 1))
    assert backoff_seconds(attempts + 1, base, cap) >= wait


def test_inbox_delivery_is_exactly_once(ctx, users):
    file_project(users["owner"])  # offers the power request to the Binhai power company's user
    result = deliver_all_due()
    assert result.sent >= 1 and pending() == 0
    inbox = db.session.scalars(select(InboxMessage).where(InboxMessage.user_id == users["utility"])).all()
    assert [m.kind for m in inbox] == ["hookup_offered"]
    assert "滨海物流仓库" in inbox[0].subject
    # a redelivery (a worker died after delivering, before committing) adds nothing
    row = db.session.get(Notification, inbox[0].notification_id)
    row.status = "pending"
    db.session.commit()
    deliver_all_due()
    assert db.session.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_enqueue_with_the_same_key_adds_nothing_twice(ctx, users):
    owner = db.session.get(User, users["owner"])
    assert len(enqueue("test", "主题", "正文", users=[owner], key="k1")) == 1
    db.session.commit()
    assert enqueue("test", "主题", "正文", users=[owner], key="k1") == []
    long_key = "项目-" * 200
    assert len(enqueue("test", "主题", "正文", users=[owner], key=long_key)) == 1
    db.session.commit()
    assert enqueue("test", "主题", "正文", users=[owner], key=long_key) == []


def test_email_with_chinese_subject_and_body_reaches_a_real_smtp_server(app, ctx, users, monkeypatch):
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    handler = Keep()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        owner = db.session.get(User, users["owner"])
        owner.email = "owner@example.cn"
        enqueue("hookup_claimed", "国网滨海供电已认领供电报装：滨海物流仓库", "已认领您的供电报装需求，将与您联系。",
                users=[owner], channels=["email"], link="/owner/projects/1")
        db.session.commit()
        assert deliver_all_due().sent == 1
    finally:
        controller.stop()
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["owner@example.cn"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "国网滨海供电已认领供电报装：滨海物流仓库"
    assert "已认领您的供电报装需求，将与您联系。" in message.get_content()
    assert "=?utf-8?" in envelope.content.decode("ascii").lower()  # the header is RFC 2047 encoded


def test_webhook_is_signed_and_the_receiver_dedups_by_idempotency_key(ctx, users):
    provider = org("power_binhai")
    with WebhookReceiver("unset") as receiver:
        _, secret = register_webhook(provider, receiver.url)
        receiver.secret = secret
        file_project(users["owner"])
        assert deliver_all_due().dead == 0
        [(key, body)] = receiver.received.items()
        assert body["kind"] == "hookup_offered" and body["payload"]["hookup"]["utility"] == "power"
        assert body["payload"]["hookup"]["district"] == "滨海新区"
        assert receiver.bad_signatures == 0
        # delivered again (at least once): the receiver keeps one
        row = db.session.scalar(select(Notification).where(Notification.idempotency_key == key))
        row.status = "pending"
        db.session.commit()
        deliver_all_due()
        assert receiver.posts == 2 and len(receiver.received) == 1


def test_a_rotated_secret_signs_from_then_on(ctx, users):
    provider = org("power_binhai")
    with WebhookReceiver("unset") as receiver:
        _, old = register_webhook(provider, receiver.url)
        new = rotate_secret(provider)
        assert new != old
        receiver.secret = old
        file_project(users["owner"])
        assert deliver_all_due().retried == 1  # the old secret no longer matches
        assert receiver.bad_signatures == 1
        receiver.secret = new
        assert deliver_due(now=dt.datetime(2100, 1, 1)).sent == 1
        assert len(receiver.received) == 1


def test_failures_back_off_exponentially_then_go_dead_and_can_be_retried(app, ctx, users, monkeypatch):
    monkeypatch.setitem(app.config, "DELIVERY_MAX_ATTEMPTS", 4)
    monkeypatch.setitem(app.config, "DELIVERY_BACKOFF_SECONDS", 60)
    provider = org("power_binhai")
    with WebhookReceiver("unset", status=500) as receiver:
        _, receiver.secret = register_webhook(provider, receiver.url)
        enqueue("test", "测试", "正文", organisations=[provider], channels=["webhook"])
        db.session.commit()
        row = db.session.scalar(select(Notification).where(Notification.channel == "webhook"))
        now = row.next_attempt_at
        for attempt, wait in ((1, 60), (2, 120), (3, 240)):
            assert deliver_due(now=now).retried == 1
            db.session.refresh(row)
            assert row.attempts == attempt and row.status == "pending" and "HTTP 500" in row.last_error
            assert row.next_attempt_at == now + dt.timedelta(seconds=wait)
            assert deliver_due(now=row.next_attempt_at - dt.timedelta(seconds=1)).taken == 0  # not due yet
            now = row.next_attempt_at
        assert deliver_due(now=now).dead == 1
        db.session.refresh(row)
        assert row.status == "dead" and row.attempts == 4
        assert deliver_due(now=dt.datetime(2100, 1, 1)).taken == 0  # dead letters stay put
        assert receiver.posts == 4
        receiver.status = 200
        assert retry(row.id)
        assert deliver_all_due().sent == 1
        db.session.refresh(row)
        assert row.status == "sent" and len(receiver.received) == 1


def test_an_unreachable_mail_server_is_retried(app, ctx, users, monkeypatch):
    owner = db.session.get(User, users["owner"])
    owner.email = "owner@example.cn"
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    enqueue("test", "测试", "正文", users=[owner], channels=["email"])
    db.session.commit()
    assert deliver_all_due().retried == 1
    row = db.session.scalar(select(Notification))
    assert row.status == "pending" and row.last_error.startswith("smtp:")


def _deliver_process(app, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "DELIVERY_POLL_SECONDS": "0.2",
           "COORDINATOR_ENV": "development"}
    return subprocess.Popen([str(COORDINATOR), "deliver", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_worker_killed_mid_batch_loses_nothing(app, users):
    """SIGKILL while a batch is half sent; the restarted worker delivers the
    rest, and every notification arrives at least once."""
    with app.app_context():
        provider = org("power_binhai")
        with WebhookReceiver("unset", delay=0.15) as receiver:
            _, receiver.secret = register_webhook(provider, receiver.url)
            for i in range(30):
                enqueue("test", f"通知 {i}", "正文", organisations=[provider], channels=["webhook"], key=f"n{i}")
            db.session.commit()
            keys = set(db.session.scalars(select(Notification.idempotency_key)))
            db.session.remove()

            worker = _deliver_process(app, "--batch", "10")
            deadline = time.monotonic() + 60
            while receiver.posts < 15 and time.monotonic() < deadline:
                time.sleep(0.02)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            assert 15 <= receiver.posts < 30
            assert pending() > 0  # the half-sent batch is still in the outbox

            again = _deliver_process(app, "--once", "--batch", "10")
            out, _ = again.communicate(timeout=120)
            assert again.returncode == 0, out
            assert set(receiver.received) == keys  # each delivered at least once
            assert receiver.bad_signatures == 0
            assert pending() == 0
            assert db.session.scalar(select(func.count()).select_from(Notification)
                                     .where(Notification.status == "sent")) == 30
