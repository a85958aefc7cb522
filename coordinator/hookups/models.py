"""Hookup requests pushed to utility providers and their progress."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User, utcnow
from ..planning import limits
from ..extensions import db
from ..notifications.models import OrganisationWebhook
from ..projects.models import Project


class HookupRequest(db.Model):
    """One utility (water, power, gas, heat) a project needs connected,
    offered at filing to every provider of that type serving its district."""

    __tablename__ = "hookup_request"
    __table_args__ = (Index("ix_hookup_request_open", "utility", "status", "district"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    utility: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(limits.ANSWER_TEXT))
    demand: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    contact_name: Mapped[str] = mapped_column(String(limits.ANSWER_TEXT))
    contact_email: Mapped[str | None] = mapped_column(String(limits.EMAIL))
    contact_phone: Mapped[str | None] = mapped_column(String(limits.ANSWER_TEXT))
    target_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(20), default="offered")
    claim_by: Mapped[dt.date]
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_at: Mapped[dt.datetime | None]
    connected_on: Mapped[dt.date | None]
    reminded_at: Mapped[dt.datetime | None]
    escalated: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[dt.datetime | None]
    overdue_warned_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    provider: Mapped[Organisation | None] = relationship()
    claimed_by: Mapped[User | None] = relationship()
    events: Mapped[list["HookupEvent"]] = relationship(
        back_populates="request", order_by="HookupEvent.id", cascade="all, delete-orphan"
    )


class HookupEvent(db.Model):
    """A step of a request's history: offered, claimed, progress, escalated."""

    __tablename__ = "hookup_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hookup_request.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[dt.date]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[HookupRequest] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


# The webhook model is organisation-generic and lives with the notifications.
ProviderWebhook = OrganisationWebhook
