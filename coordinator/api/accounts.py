"""Routes of the JSON API for companies: self-registration."""
from __future__ import annotations

from flask_babel import force_locale
from flask_smorest import abort
from marshmallow import Schema, fields

from ..accounts.service import AccountProblems
from ..companies.service import register_company
from ..companies.views import throttle_registrations
from . import blueprint
from .schemas import ErrorSchema


class RegistrationRequestSchema(Schema):
    """``POST /registrations``: the company and its first user (the company's administrator)."""

    company_name = fields.String(required=True, metadata={"description": "the company's registered name"})
    uscc = fields.String(required=True, metadata={
        "description": "统一社会信用代码: 18 characters with the GB 32100-2015 check character"})
    contact_name = fields.String(required=True)
    email = fields.String(required=True, metadata={"description": "the confirmation link is sent here"})
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True, metadata={
        "description": "at least 10 characters, not a common password, not containing the username"})


class RegistrationSchema(Schema):
    status = fields.String(metadata={"description": "pending_verification: log in after confirming the e-mail"})


def problem_fields(exc: AccountProblems) -> dict[str, list[str]]:
    """An account request's field problems, in English (the API's language)."""
    with force_locale("en"):
        return {name: [str(m) for m in messages] for name, messages in exc.fields.items()}


@blueprint.route("/registrations", methods=["POST"])
@throttle_registrations
@blueprint.arguments(RegistrationRequestSchema)
@blueprint.response(201, RegistrationSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="invalid fields, e.g. a USCC whose check character "
                        "does not match; nothing stored")
@blueprint.alt_response(409, schema=ErrorSchema, description="a company with this USCC, or the username, is "
                        "registered already; nothing stored")
@blueprint.alt_response(429, schema=ErrorSchema, description="too many registrations from this address "
                        "(REGISTRATION_RATE_LIMIT)")
def create_registration(body):
    """A company registers itself (throttled per address). The account can
    log in once the link e-mailed to ``email`` has been opened."""
    try:
        register_company(**body)
    except AccountProblems as exc:
        if exc.conflict:
            abort(409, error="conflict", message="already registered", errors=problem_fields(exc))
        abort(400, error="bad_request", message="the request has invalid fields", errors=problem_fields(exc))
    return {"status": "pending_verification"}
