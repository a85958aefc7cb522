"""Hookup requests pushed to utility providers (service requests of kind
``hookup``) and the providers' webhook endpoints."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ..accounts.models import Organisation, utcnow
from ..extensions import db
from ..servicerequests.models import ServiceRequest


class HookupRequest(ServiceRequest):
    """One utility (water, power, gas, heat) a project needs connected,
    offered at filing to every provider of that type serving its district
    (a service request of kind ``hookup``: claimed, then carried to
    ``connected``)."""

    demand: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    # The hookup words for the core's columns.
    utility = synonym("service")
    claim_by = synonym("respond_by")
    provider_id = synonym("assignee_id")
    provider = synonym("assignee")
    claimed_by_id = synonym("assigned_by_id")
    claimed_by = synonym("assigned_by")
    claimed_at = synonym("assigned_at")
    connected_on = synonym("finished_on")

    __mapper_args__ = {"polymorphic_identity": "hookup"}


class ProviderWebhook(db.Model):
    """Where a provider wants its notifications POSTed, and the secret that
    signs them (kept in clear: HMAC needs it; rotated on the settings page)."""

    __tablename__ = "provider_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    secret_rotated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
