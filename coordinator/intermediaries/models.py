"""Agencies' qualifications, service requests for a report, quotes and ratings."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from ..servicerequests.models import ServiceRequest


class AgencyQualification(db.Model):
    """An agency's certificate for one service (e.g. an EIA qualification),
    valid until a date: an expired one stops new offers."""

    __tablename__ = "agency_qualification"
    __table_args__ = (UniqueConstraint("organisation_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    service: Mapped[str] = mapped_column(String(40))
    certificate_name: Mapped[str] = mapped_column(String(200))
    certificate_number: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class IntermediaryRequest(ServiceRequest):
    """A report or survey a project's plan needs from an agency (the plan's
    preparation item ``item_code`` for ``service``): offered to the
    qualified agencies, quoted, awarded, drafted, delivered.

    ``report_title`` is what the agency delivered; the materials issue
    attaches the file and makes it a material of the item the report feeds."""

    report_title: Mapped[str | None] = mapped_column(String(300))

    quotes: Mapped[list["ServiceQuote"]] = relationship(
        back_populates="request", order_by="ServiceQuote.id", cascade="all, delete-orphan")

    __mapper_args__ = {"polymorphic_identity": "intermediary"}


class ServiceQuote(db.Model):
    """An agency's answer to a request: fee, working days to deliver, a note.
    ``status`` is ``submitted``, then ``awarded`` or ``declined``. A quote
    without ``agency_id`` records an agency the owner engaged outside the
    platform (``outside_agency``)."""

    __tablename__ = "service_quote"
    __table_args__ = (UniqueConstraint("request_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    outside_agency: Mapped[str | None] = mapped_column(String(200))
    fee_yuan: Mapped[int]
    working_days: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[IntermediaryRequest] = relationship(back_populates="quotes")
    agency: Mapped[Organisation | None] = relationship()
    submitted_by: Mapped[User] = relationship()

    @property
    def agency_name(self) -> str:
        return self.agency.name if self.agency else (self.outside_agency or "")


class AgencyRating(db.Model):
    """The owner's rating (好差评, 1–5) of the agency that delivered a request."""

    __tablename__ = "agency_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
