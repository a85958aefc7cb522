"""The transactional outbox of notifications and the per-user in-app inbox."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User, utcnow
from ..planning import limits
from ..extensions import db


class Notification(db.Model):
    """One message for one recipient over one channel, written in the same
    transaction as the change that causes it and delivered by the worker.

    ``inbox`` and ``email`` rows name a user; ``webhook`` rows name an
    organisation (its registered endpoint)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    recipient_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]

    recipient_user: Mapped[User | None] = relationship()
    recipient_organisation: Mapped[Organisation | None] = relationship()


class InboxMessage(db.Model):
    """A notification shown in a user's in-app inbox (``/inbox``)."""

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]


class OrganisationWebhook(db.Model):
    """Where an organisation (a utility provider, later an agency) wants its
    notifications POSTed, and the secret that signs them (kept in clear:
    HMAC needs it; rotated on the settings page or by the API). The table
    keeps its first name."""

    __tablename__ = "provider_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    url: Mapped[str] = mapped_column(String(limits.URL))
    secret: Mapped[str] = mapped_column(String(128))
    secret_rotated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
