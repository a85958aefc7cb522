"""Routes of the JSON API for utility providers: open hookup requests, claim, progress."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..planning import limits
from ..accounts.models import Role
from ..hookups import flow
from ..hookups.service import (
    HookupConflict, HookupNotFound, claim_hookup, claimed_by, hookup_json, offered_to, report_progress,
)
from . import blueprint
from .auth import protected
from .schemas import ErrorSchema


class ProviderHookupSchema(Schema):
    """A hookup request as a provider sees it."""

    id = fields.Integer()
    project_id = fields.Integer()
    project_name = fields.String()
    utility = fields.String()
    status = fields.String()
    district = fields.String()
    claim_by = fields.String(metadata={"description": "last day to claim (working days from filing)"})
    demand = fields.Dict(metadata={"description": "e.g. {power_kva: 800}"})
    target_date = fields.String(allow_none=True, metadata={"description": "connected-by target from the plan"})
    escalated = fields.Boolean()
    overdue = fields.Boolean()


class HookupListSchema(Schema):
    hookups = fields.List(fields.Nested(ProviderHookupSchema))


class HookupListQuerySchema(Schema):
    scope = fields.String(load_default="open", validate=validate.OneOf(("open", "claimed")), metadata={
        "description": "open: unclaimed requests of the provider's type and area (default); claimed: its own"})


class ClaimedHookupSchema(ProviderHookupSchema):
    """A claimed request, with the owner's contact."""

    contact_name = fields.String()
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    connected_on = fields.String(allow_none=True)


class ProgressRequestSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(flow.PROGRESS_TARGETS))
    note = fields.String(load_default="", validate=validate.Length(max=limits.NOTE))
    date = fields.Date(load_default=None, allow_none=True,
                       validate=validate.Range(min=limits.EARLIEST_DATE, max=limits.LATEST_DATE),
                       metadata={"description": "when it happened (default today)"})


def _me():
    return current_user._get_current_object()


def _claimed_json(request) -> dict:
    return {**hookup_json(request), "contact_name": request.contact_name, "contact_email": request.contact_email,
            "contact_phone": request.contact_phone,
            "connected_on": request.connected_on.isoformat() if request.connected_on else None}


@blueprint.route("/hookups")
@protected(Role.utility)
@blueprint.arguments(HookupListQuerySchema, location="query")
@blueprint.response(200, HookupListSchema)
def list_hookups(query):
    """The provider's requests: by default the open (unclaimed) ones of its
    utility type in the districts it serves, soonest claim deadline first."""
    org = _me().organisation
    rows = offered_to(org) if query["scope"] == "open" else claimed_by(org)
    return {"hookups": [hookup_json(r) for r in rows]}


@blueprint.route("/hookups/<int:hookup_id>/claim", methods=["POST"])
@protected(Role.utility)
@blueprint.response(200, ClaimedHookupSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request, or not of the provider's type and area")
@blueprint.alt_response(409, schema=ErrorSchema, description="already claimed, by this or another provider of its "
                        "type and area (exactly one concurrent claimer wins)")
def claim(hookup_id: int):
    """Claim a request for the caller's provider; the owner is told who claimed it."""
    try:
        request = claim_hookup(hookup_id, _me())
    except HookupNotFound:
        abort(404, error="not_found", message="no such hookup request")
    except HookupConflict as exc:
        abort(409, error="conflict", message=exc.message, errors={"status": [exc.status]})
    return _claimed_json(request)


@blueprint.route("/hookups/<int:hookup_id>/progress", methods=["POST"])
@protected(Role.utility)
@blueprint.arguments(ProgressRequestSchema)
@blueprint.response(200, ClaimedHookupSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request, or claimed by another provider")
@blueprint.alt_response(409, schema=ErrorSchema, description="not a later step than the current status (or not "
                        "claimed yet); `fields.to` lists the allowed steps")
def progress(body, hookup_id: int):
    """Report the next step (surveyed, designed, constructed, connected) with
    a note and date; steps the connection does not need may be skipped."""
    try:
        request = report_progress(hookup_id, _me(), body["to"], body["note"], body["date"])
    except HookupNotFound:
        abort(404, error="not_found", message="no such hookup request")
    except HookupConflict as exc:
        abort(409, error="conflict", message=exc.message, errors={"to": exc.allowed, "status": [exc.status]})
    return _claimed_json(request)
