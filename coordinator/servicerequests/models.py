"""Service requests, the organisations they were offered to, and their history.

One table holds every kind of request (single-table inheritance on ``kind``):
:class:`coordinator.hookups.models.HookupRequest` and the intermediaries'
requests are subclasses that add their own columns and names.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..planning import limits
from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from ..projects.models import Project


class ServiceRequest(db.Model):
    """Something a project needs from an outside organisation: offered to
    the organisations that may answer until ``respond_by`` (a working day),
    then taken by one of them (``assignee``: claimed or awarded) and carried
    to its end (``finished_on``)."""

    __tablename__ = "service_request"
    __table_args__ = (Index("ix_service_request_open", "kind", "service", "status", "district"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    service: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(limits.ANSWER_TEXT))
    status: Mapped[str] = mapped_column(String(20), default="offered")
    respond_by: Mapped[dt.date]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[dt.datetime | None]
    target_date: Mapped[dt.date | None]
    finished_on: Mapped[dt.date | None]
    reminded_at: Mapped[dt.datetime | None]
    escalated: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[dt.datetime | None]
    overdue_warned_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    assignee: Mapped[Organisation | None] = relationship()
    assigned_by: Mapped[User | None] = relationship()
    events: Mapped[list["ServiceRequestEvent"]] = relationship(
        back_populates="request", order_by="ServiceRequestEvent.id", cascade="all, delete-orphan"
    )
    offers: Mapped[list["ServiceOffer"]] = relationship(
        back_populates="request", order_by="ServiceOffer.id", cascade="all, delete-orphan"
    )

    __mapper_args__: dict[str, Any] = {"polymorphic_on": "kind", "polymorphic_identity": "request"}


class ServiceOffer(db.Model):
    """That a request was offered to an organisation (and when)."""

    __tablename__ = "service_offer"
    __table_args__ = (UniqueConstraint("request_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    offered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="offers")
    organisation: Mapped[Organisation] = relationship()


class ServiceRequestEvent(db.Model):
    """A step of a request's history: offered, claimed, quoted, awarded,
    progress, escalated, withdrawn."""

    __tablename__ = "service_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[dt.date]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
