"""Routes of the JSON API for companies: self-registration and the company's members."""
from __future__ import annotations

from flask_babel import force_locale
from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..accounts.models import Role, User
from ..accounts.service import AccountProblems
from ..companies.service import invite_colleague, members, register_company, remove_colleague, resend_verification
from ..companies.views import throttle_registrations, throttle_resends
from ..extensions import db
from . import blueprint
from .auth import protected
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


class ResendRequestSchema(Schema):
    """``POST /registrations/resend``."""

    email = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ResendSchema(Schema):
    status = fields.String(metadata={"description": "always `accepted`: whether an account awaits confirmation "
                                                   "at this address is not told"})


@blueprint.route("/registrations/resend", methods=["POST"])
@throttle_resends
@blueprint.arguments(ResendRequestSchema)
@blueprint.response(202, ResendSchema)
@blueprint.alt_response(429, schema=ErrorSchema, description="too many requests from this address "
                        "(RESEND_CONFIRMATION_RATE_LIMIT)")
def resend_confirmation(body):
    """Send the confirmation link again to an account still awaiting it (at
    most once every ten minutes per account); the same answer for any address."""
    resend_verification(body["email"])
    return {"status": "accepted"}


class MemberSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    company_admin = fields.Boolean(metadata={"description": "the company's administrator"})
    awaiting_verification = fields.Boolean(metadata={"description": "invited; no password chosen yet"})


class CompanySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    uscc = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})
    members = fields.List(fields.Nested(MemberSchema))


class InvitationSchema(Schema):
    """``POST /company/members``: the colleague to invite (a link to choose a password is e-mailed)."""

    username = fields.String(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)


def _my_company():
    """The caller's company (403 for anyone not a member of one)."""
    me = current_user._get_current_object()
    if me.company is None:
        abort(403, error="forbidden", message="only a company's members have a company")
    return me, me.company


def _company_json(company) -> dict:
    return {"id": company.id, "name": company.name, "uscc": company.uscc, "members": members(company)}


@blueprint.route("/company")
@protected(Role.owner)
@blueprint.response(200, CompanySchema)
def get_company():
    """The caller's company and its active members."""
    _, company = _my_company()
    return _company_json(company)


@blueprint.route("/company/members", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(InvitationSchema)
@blueprint.response(201, MemberSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="invalid fields; nothing stored")
@blueprint.alt_response(409, schema=ErrorSchema, description="the username is taken; nothing stored")
def invite_member(body):
    """The company's administrator invites a colleague by e-mail (403 for other members)."""
    me, _ = _my_company()
    try:
        return invite_colleague(me, **body)
    except PermissionError as exc:
        abort(403, error="forbidden", message=str(exc))
    except AccountProblems as exc:
        if exc.conflict:
            abort(409, error="conflict", message="already registered", errors=problem_fields(exc))
        abort(400, error="bad_request", message="the request has invalid fields", errors=problem_fields(exc))


@blueprint.route("/company/members/<int:user_id>", methods=["DELETE"])
@protected(Role.owner)
@blueprint.response(204)
@blueprint.alt_response(400, schema=ErrorSchema, description="the administrator cannot remove itself")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such colleague in the caller's company")
def remove_member(user_id: int):
    """The company's administrator removes a colleague: deactivated, sessions ended, tokens revoked."""
    me, _ = _my_company()
    member = db.session.get(User, user_id)
    try:
        if member is None:
            raise LookupError(user_id)
        remove_colleague(me, member)
    except PermissionError as exc:
        abort(403, error="forbidden", message=str(exc))
    except LookupError:
        abort(404, error="not_found", message="no such colleague")
    except AccountProblems as exc:
        abort(400, error="bad_request", message="the request has invalid fields", errors=problem_fields(exc))
