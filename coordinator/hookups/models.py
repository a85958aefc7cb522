"""Hookup requests pushed to utility providers (service requests of kind
``hookup``); the providers' webhook endpoints are
:class:`~coordinator.notifications.models.OrganisationWebhook`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, synonym

from ..notifications.models import OrganisationWebhook
from ..planning import limits
from ..servicerequests.models import ServiceRequest


class HookupRequest(ServiceRequest):
    """One utility (water, power, gas, heat, sewer) a project needs connected,
    offered at filing to every provider of that type serving its district
    (a service request of kind ``hookup``: claimed, then carried to
    ``connected``)."""

    demand: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    contact_name: Mapped[str | None] = mapped_column(String(limits.ANSWER_TEXT))
    contact_email: Mapped[str | None] = mapped_column(String(limits.EMAIL))
    contact_phone: Mapped[str | None] = mapped_column(String(limits.ANSWER_TEXT))

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


# The webhook model is organisation-generic and lives with the notifications.
ProviderWebhook = OrganisationWebhook
