"""Writing notifications: :func:`enqueue` is the one way to notify anyone.

It adds outbox rows to the caller's session and never commits: the rows are
stored in the same transaction as the change that causes them, so a change
is never lost without its notification nor notified without being stored.
``coordinator deliver`` (:mod:`.delivery`) sends them afterwards.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from .models import Notification, OrganisationWebhook

CHANNELS = ("inbox", "email", "webhook")
#: Longer keys are replaced by their SHA-256 (the column holds key + recipient + channel).
KEY_MAX = 150


def enqueue(
    kind: str,
    subject: str,
    body: str,
    *,
    users: Iterable[User] = (),
    organisations: Iterable[Organisation] = (),
    channels: Iterable[str] = CHANNELS,
    payload: dict[str, Any] | None = None,
    link: str | None = None,
    key: str | None = None,
    not_before: dt.datetime | None = None,
) -> list[Notification]:
    """Add one outbox row per recipient and channel to the current session
    (the caller commits, together with its own change).

    - ``users`` get ``inbox`` and, when they have an e-mail address and
      ``MAIL_SERVER`` is configured, ``email``;
    - ``organisations`` get ``webhook`` when they registered one, and every
      active member user is a recipient as above;
    - ``channels`` restricts the channels; ``payload`` is the JSON the
      webhook carries (with ``kind``, ``subject`` and ``body``); ``link`` is
      a path shown with the inbox message;
    - ``key`` makes the call idempotent: rows whose key (``key`` + recipient
      + channel, also sent as the webhook's ``Idempotency-Key``) already
      exist are not added again. Without it every call is new.

    Returns the rows added."""
    channels = set(channels)
    unknown = channels - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown channels: {sorted(unknown)}")
    key = key or uuid.uuid4().hex
    if len(key) > KEY_MAX:
        key = hashlib.sha256(key.encode()).hexdigest()
    mail = bool(current_app.config.get("MAIL_SERVER"))
    recipients: dict[int, tuple[User, Organisation | None]] = {}
    for user in users:
        recipients.setdefault(user.id, (user, user.organisation))
    rows: list[Notification] = []
    for org in organisations:
        for member in org.users:
            if member.active:
                recipients.setdefault(member.id, (member, org))
        if "webhook" in channels and db.session.scalar(
                select(OrganisationWebhook.id).where(OrganisationWebhook.organisation_id == org.id)):
            rows.append(Notification(recipient_organisation_id=org.id, channel="webhook",
                                     idempotency_key=f"{key}:org{org.id}:webhook"))
    for user, org in recipients.values():
        for channel in ("inbox", "email"):
            if channel not in channels or (channel == "email" and not (mail and user.email)):
                continue
            rows.append(Notification(recipient_user_id=user.id, recipient_organisation_id=org.id if org else None,
                                     channel=channel, idempotency_key=f"{key}:user{user.id}:{channel}"))
    if not rows:
        return []
    existing = set(db.session.scalars(select(Notification.idempotency_key).where(
        Notification.idempotency_key.in_([r.idempotency_key for r in rows]))))
    now = utcnow()
    added = []
    for row in rows:
        if row.idempotency_key in existing:
            continue
        row.kind, row.subject, row.body, row.link = kind, subject[:300], body, link
        row.payload = {"kind": kind, "subject": subject, "body": body, **(payload or {})}
        row.status, row.attempts, row.next_attempt_at, row.created_at = "pending", 0, not_before or now, now
        db.session.add(row)
        added.append(row)
    return added
