"""The outbox worker: takes due notifications and delivers them by channel
(in-app inbox, e-mail over SMTP, signed webhook), with exponential backoff
and a dead letter after ``DELIVERY_MAX_ATTEMPTS``.

Several workers may run at once: on PostgreSQL each takes one row at a time
with ``SELECT … FOR UPDATE SKIP LOCKED`` and keeps it locked until its
outcome is committed, so a worker that dies mid-delivery releases that row
to the next one (delivery is at least once; webhook receivers dedup by
``Idempotency-Key``, the inbox by notification id).
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select, text

from ..accounts.models import User, utcnow
from ..extensions import db
from . import webhooks
from .models import InboxMessage, Notification, OrganisationWebhook

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
    """POST the row to the organisation's webhook: signed over
    ``timestamp.body``, to an address checked and pinned, no redirects, one
    deadline (``WEBHOOK_TIMEOUT``) for the whole exchange."""
    body = webhook_body(row)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": row.idempotency_key,
        "User-Agent": "coordinator-outbox/1",
        "Connection": "close",
        **webhooks.signed_headers(secret, body),
    }
    try:
        status = webhooks.post(url, body, headers, deadline=current_app.config["WEBHOOK_TIMEOUT"])
    except webhooks.WebhookError as exc:
        raise DeliveryError(f"webhook: address refused: {exc}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise DeliveryError(f"webhook: {exc or type(exc).__name__}") from exc
    if 300 <= status < 400:
        raise DeliveryError(f"webhook: HTTP {status} (redirects are not followed)")
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook: HTTP {status}")


def _target(row: Notification, hooks: dict[int, Any]) -> Any:
    """Where the row goes: the user's e-mail address, or the organisation's
    webhook ``(url, secret)`` (read once per round into ``hooks``); read
    before any I/O."""
    if row.channel == "email" and row.recipient_user_id:
        return db.session.scalar(select(User.email).where(User.id == row.recipient_user_id))
    if row.channel == "webhook":
        org = row.recipient_organisation_id
        if org not in hooks:
            hook = db.session.scalar(select(OrganisationWebhook).where(OrganisationWebhook.organisation_id == org))
            hooks[org] = (hook.url, hook.secret) if hook else None
        return hooks[org]
    return None


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
    """Deliver up to ``batch`` due notifications one at a time: each row is
    taken (on PostgreSQL locked ``FOR UPDATE SKIP LOCKED``, so no two
    workers send it at once), sent, and its outcome committed on its own
    before the next is taken (sent; or retried later with backoff; or dead
    after the last attempt). A slow receiver delays only its own row, which
    its deadline bounds. ``now`` (default: the clock) decides what is due
    and when to try again."""
    result, hooks = BatchResult(), {}
    postgres = db.engine.dialect.name == "postgresql"
    for _ in range(batch):
        if postgres:
            # An outcome lost in a crash only means one more delivery (at least
            # once, deduplicated by the key): no need to wait for the disk.
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        row = _take_one(now or utcnow())
        if row is None:
            db.session.commit()
            break
        result.taken += 1
        try:
            _deliver(row, _target(row, hooks))
            error = None
        except DeliveryError as exc:
            error = str(exc)[:2000]
        outcome = _record(row, error, now or utcnow())
        setattr(result, outcome, getattr(result, outcome) + 1)
        db.session.commit()
    return result


def _take_one(now: dt.datetime) -> Notification | None:
    query = (select(Notification)
             .where(Notification.status == "pending", Notification.next_attempt_at <= now)
             .order_by(Notification.next_attempt_at, Notification.id).limit(1))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def _record(row: Notification, error: str | None, done: dt.datetime) -> str:
    """Store the outcome of one attempt on ``row``: ``sent``, ``retried`` or ``dead``."""
    config = current_app.config
    row.attempts += 1
    if error is None:
        row.status, row.delivered_at, row.last_error = "sent", done, None
        if row.channel == "inbox" and db.session.scalar(
                select(InboxMessage.id).where(InboxMessage.notification_id == row.id)) is None:
            db.session.add(InboxMessage(user_id=row.recipient_user_id, notification_id=row.id, kind=row.kind,
                                        subject=row.subject, body=row.body, link=row.link, created_at=done))
        return "sent"
    if row.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
        row.status, row.last_error = "dead", error
        return "dead"
    row.last_error = error
    row.next_attempt_at = done + dt.timedelta(seconds=backoff_seconds(
        row.attempts, config["DELIVERY_BACKOFF_SECONDS"], config["DELIVERY_BACKOFF_MAX_SECONDS"]))
    return "retried"


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
    """The periodic duties: claim and quote reminders, escalation of
    unanswered service requests (hookups, intermediaries, 帮办代办),
    warnings about overdue connection targets, late 办不成事 steps, and
    reminders of overdue items, consultations and 容缺 materials."""
    from ..agents.service import sweep_agent_requests
    from ..hookups.service import escalate_unclaimed, warn_overdue_targets
    from ..intermediaries.service import sweep as sweep_intermediaries
    from ..problems.service import sweep_problems
    from ..tracking.reminders import remind_overdue

    escalate_unclaimed(today)
    sweep_intermediaries(today)
    warn_overdue_targets(today)
    sweep_agent_requests(today)
    sweep_problems(today)
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
