"""The outbox worker: takes due notifications and delivers them by channel
(in-app inbox, e-mail over SMTP, signed webhook), with exponential backoff
and a dead letter after ``DELIVERY_MAX_ATTEMPTS``.

Several workers may run at once: on PostgreSQL each takes its batch with
``SELECT … FOR UPDATE SKIP LOCKED`` and keeps the rows locked until the
batch's outcome is committed, so a worker that dies mid-batch releases its
rows to the next one (delivery is at least once; webhook receivers dedup by
``Idempotency-Key``, the inbox by notification id).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from ..accounts.models import User, utcnow
from ..extensions import db
from .models import InboxMessage, Notification

log = logging.getLogger(__name__)

#: How often the worker loop runs the hookup sweep (reminders, escalation, overdue targets).
SWEEP_SECONDS = 60


class DeliveryError(RuntimeError):
    """A channel could not deliver a notification (retried later)."""


@dataclass
class BatchResult:
    taken: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Wait before the next try after ``attempts`` failed ones: ``base``,
    2·``base``, 4·``base`` … but never more than ``cap``."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


def sign(secret: str, body: bytes) -> str:
    """The ``X-Signature`` of a webhook body: HMAC-SHA256 in hex with the provider's secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(row: Notification) -> bytes:
    """The JSON a webhook receives."""
    return json.dumps({
        "id": row.idempotency_key, "kind": row.kind, "subject": row.subject, "body": row.body,
        "link": row.link, "payload": row.payload, "created_at": row.created_at.isoformat() + "Z",
    }, ensure_ascii=False).encode("utf-8")


# --- channels -----------------------------------------------------------------


def _send_email(address: str, row: Notification) -> None:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = address
    message["X-Idempotency-Key"] = row.idempotency_key
    # base64: the message stays 7-bit clean for any relay; the subject is RFC 2047 encoded
    message.set_content(row.body + (f"\n\n{row.link}" if row.link else ""), cte="base64")
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"smtp: {exc}") from exc


def _send_webhook(url: str, secret: str, row: Notification) -> None:
    body = webhook_body(row)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": row.idempotency_key,
        "X-Signature": sign(secret, body),
        "User-Agent": "coordinator-outbox/1",
    })
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["WEBHOOK_TIMEOUT"]) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook: HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"webhook: {exc}") from exc


def _targets(rows: list[Notification]) -> dict[int, Any]:
    """What each row needs to be sent, read before any I/O (no write lock
    is held on SQLite while mail and webhooks go out)."""
    from ..hookups.models import ProviderWebhook

    user_ids = {r.recipient_user_id for r in rows if r.recipient_user_id}
    org_ids = {r.recipient_organisation_id for r in rows if r.channel == "webhook"}
    emails = {uid: address for uid, address in db.session.execute(
        select(User.id, User.email).where(User.id.in_(user_ids)))} if user_ids else {}
    hooks = {h.organisation_id: (h.url, h.secret) for h in db.session.scalars(
        select(ProviderWebhook).where(ProviderWebhook.organisation_id.in_(org_ids)))} if org_ids else {}
    out: dict[int, Any] = {}
    for row in rows:
        if row.channel == "email":
            out[row.id] = emails.get(row.recipient_user_id)
        elif row.channel == "webhook":
            out[row.id] = hooks.get(row.recipient_organisation_id)
    return out


def _deliver(row: Notification, target: Any) -> None:
    if row.channel == "inbox":
        if row.recipient_user_id is None:
            raise DeliveryError("inbox: no recipient user")
        return
    if row.channel == "email":
        if not target or not current_app.config.get("MAIL_SERVER"):
            raise DeliveryError("email: no address or no MAIL_SERVER")
        _send_email(target, row)
    elif row.channel == "webhook":
        if not target:
            raise DeliveryError("webhook: the organisation has no webhook registered")
        _send_webhook(target[0], target[1], row)
    else:
        raise DeliveryError(f"unknown channel {row.channel}")


# --- the worker -----------------------------------------------------------------


def deliver_due(batch: int = 50, now: dt.datetime | None = None) -> BatchResult:
    """Deliver up to ``batch`` due notifications and commit their outcome
    (sent; or retried later with backoff; or dead after the last attempt).
    ``now`` (default: the clock) decides what is due and when to try again."""
    clock = now is None
    now = now or utcnow()
    config = current_app.config
    query = (select(Notification)
             .where(Notification.status == "pending", Notification.next_attempt_at <= now)
             .order_by(Notification.next_attempt_at, Notification.id).limit(batch))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(query))
    result = BatchResult(taken=len(rows))
    if not rows:
        db.session.commit()
        return result
    targets = _targets(rows)
    outcomes: list[tuple[Notification, str | None]] = []
    for row in rows:
        try:
            _deliver(row, targets.get(row.id))
            outcomes.append((row, None))
        except DeliveryError as exc:
            outcomes.append((row, str(exc)[:2000]))
    done = utcnow() if clock else now
    inboxed = set(db.session.scalars(select(InboxMessage.notification_id).where(
        InboxMessage.notification_id.in_([r.id for r, e in outcomes if e is None and r.channel == "inbox"]))))
    for row, error in outcomes:
        row.attempts += 1
        if error is None:
            row.status, row.delivered_at, row.last_error = "sent", done, None
            if row.channel == "inbox" and row.id not in inboxed:
                db.session.add(InboxMessage(user_id=row.recipient_user_id, notification_id=row.id, kind=row.kind,
                                            subject=row.subject, body=row.body, link=row.link, created_at=done))
            result.sent += 1
        elif row.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
            row.status, row.last_error = "dead", error
            result.dead += 1
        else:
            row.last_error = error
            row.next_attempt_at = done + dt.timedelta(seconds=backoff_seconds(
                row.attempts, config["DELIVERY_BACKOFF_SECONDS"], config["DELIVERY_BACKOFF_MAX_SECONDS"]))
            result.retried += 1
    db.session.commit()
    return result


def deliver_all_due(batch: int = 50) -> BatchResult:
    """Deliver batches until nothing is due; the totals."""
    total = BatchResult()
    while True:
        r = deliver_due(batch)
        for name in ("taken", "sent", "retried", "dead"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        if r.taken < batch:
            return total


def sweep(today: dt.date | None = None) -> None:
    """The periodic duties: hookup claim reminders, escalation of unclaimed
    requests, warnings about overdue connection targets, and reminders of
    overdue items, consultations and 容缺 materials."""
    from ..hookups.service import escalate_unclaimed, warn_overdue_targets
    from ..tracking.reminders import remind_overdue

    escalate_unclaimed(today)
    warn_overdue_targets(today)
    remind_overdue(today)


def run_worker(app: Flask, *, once: bool = False, batch: int = 50, stop: threading.Event | None = None) -> BatchResult:
    """The delivery loop: sweep the hookups every :data:`SWEEP_SECONDS`,
    deliver what is due, wait ``DELIVERY_POLL_SECONDS``; with ``once``, one
    round and return. ``stop`` ends the loop (the in-process thread)."""
    stop = stop or threading.Event()
    total, last_sweep = BatchResult(), None
    while True:
        try:
            with app.app_context():
                if last_sweep is None or time.monotonic() - last_sweep >= SWEEP_SECONDS:
                    sweep()
                    last_sweep = time.monotonic()
                r = deliver_all_due(batch)
                total.taken, total.sent = total.taken + r.taken, total.sent + r.sent
                total.retried, total.dead = total.retried + r.retried, total.dead + r.dead
                db.session.remove()
        except Exception:
            if once:
                raise
            log.exception("delivery round failed; trying again")
        if once or stop.wait(app.config["DELIVERY_POLL_SECONDS"]):
            return total


def start_in_process(app: Flask) -> threading.Thread:
    """Run :func:`run_worker` in a daemon thread of the web process."""
    thread = threading.Thread(target=run_worker, args=(app,), name="outbox-delivery", daemon=True)
    thread.start()
    return thread


# --- dead letters -----------------------------------------------------------------


def dead_letters(limit: int = 200) -> list[Notification]:
    """Notifications that failed every attempt, newest first."""
    return list(db.session.scalars(select(Notification).where(Notification.status == "dead")
                                   .order_by(Notification.id.desc()).limit(limit)))


def count_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())


def retry(notification_id: int) -> bool:
    """Put a dead notification back in the queue for a fresh set of attempts."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.status != "dead":
        return False
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    db.session.commit()
    return True
