"""Routes of the JSON API for intermediary services: agencies list their
requests, quote and report progress; owners award a quote, record an agency
engaged outside the platform, and rate the agency after delivery."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..accounts.models import Role
from ..intermediaries import service
from ..intermediaries.award import award as award_quote, engage_outside
from ..intermediaries.delivery import deliver_report
from ..materials.service import MaterialError, max_bytes
from ..security import accepts_files
from ..intermediaries.service import IntermediaryError, NotTheOwner
from ..servicerequests.service import RequestConflict, RequestNotFound
from . import blueprint
from .auth import protected
from .material_schemas import MaterialUploadFileSchema
from .materials import _material_error
from .schemas import ErrorSchema, ProjectServiceRequestSchema, QuoteSchema


class AgencyServiceRequestSchema(Schema):
    """A request as an agency sees it: only its own quotes."""

    id = fields.Integer()
    project_id = fields.Integer()
    project_name = fields.String()
    service = fields.String(metadata={"description": "eia, energy, soil_water, safety_evaluation, survey, …"})
    service_name = fields.String()
    item_code = fields.String(metadata={"description": "the plan's preparation item it is for"})
    district = fields.String()
    status = fields.String(metadata={"description": "offered, quoted, awarded, drafting, delivered, withdrawn"})
    respond_by = fields.String(metadata={"description": "last day to quote (working days from the offer)"})
    awarded_to_you = fields.Boolean()
    quotes = fields.List(fields.Nested(QuoteSchema), metadata={"description": "the caller's own quotes"})


class AgencyServiceRequestListSchema(Schema):
    service_requests = fields.List(fields.Nested(AgencyServiceRequestSchema))


class QuoteRequestSchema(Schema):
    fee_yuan = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=0, max=service.MAX_FEE_YUAN), metadata={"description": "yuan"})
    working_days = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=1, max=service.MAX_WORKING_DAYS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class AwardRequestSchema(Schema):
    quote_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class OutsideAgencyRequestSchema(Schema):
    agency = fields.String(required=True, validate=validate.Length(min=1, max=200))
    fee_yuan = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=service.MAX_FEE_YUAN))
    working_days = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=1, max=service.MAX_WORKING_DAYS))


class ServiceProgressRequestSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(service.PROGRESS_TARGETS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    on = fields.Date(load_default=None, allow_none=True, metadata={"description": "when it happened (default today)"})
    report_title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300),
                                 metadata={"description": "with delivered: the report's title"})


class DeliveredMaterialSchema(Schema):
    item_id = fields.Integer()
    item_code = fields.String()
    material = fields.String()
    file_id = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()


class DeliveredReportSchema(Schema):
    materials = fields.List(fields.Nested(DeliveredMaterialSchema), metadata={
        "description": "the applications whose material the report became"})


class AgencyRatingRequestSchema(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class AgencyRatingSchema(Schema):
    id = fields.Integer()
    score = fields.Integer()
    comment = fields.String()


def _me():
    return current_user._get_current_object()


def _call(operation, *args, **kwargs):
    """Run a service operation, its errors in the API's shape."""
    try:
        return operation(*args, **kwargs)
    except RequestNotFound:
        abort(404, error="not_found", message="no such service request")
    except NotTheOwner:
        abort(403, error="forbidden", message="only the project's owner may do this")
    except IntermediaryError as exc:
        abort(400, error="invalid", message=exc.message, errors=exc.fields)
    except RequestConflict as exc:
        abort(409, error="conflict", message=exc.message, errors={"status": [exc.status], "to": exc.allowed})


@blueprint.route("/service-requests")
@protected(Role.agency)
@blueprint.response(200, AgencyServiceRequestListSchema)
def list_service_requests():
    """The agency's requests: those offered to it or awarded to it, open ones first."""
    org = _me().organisation
    return {"service_requests": [service.agency_json(r, org) for r in service.requests_for(org)]}


@blueprint.route("/service-requests/<int:request_id>/quotes", methods=["POST"])
@protected(Role.agency)
@blueprint.arguments(QuoteRequestSchema)
@blueprint.response(201, QuoteSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="every bad field named")
@blueprint.alt_response(404, schema=ErrorSchema, description="the request was not offered to the caller's agency")
@blueprint.alt_response(409, schema=ErrorSchema, description="after the deadline, after the award, or quoted already")
def quote(body, request_id: int):
    """Quote for a request: fee in yuan, working days to deliver, a note; the owner is told."""
    row = _call(service.submit_quote, request_id, _me(), body["fee_yuan"], body["working_days"], body["note"])
    return service.quote_json(row)


@blueprint.route("/service-requests/<int:request_id>/award", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(AwardRequestSchema)
@blueprint.response(200, ProjectServiceRequestSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="`quote_id` is not a quote of this request")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such service request")
@blueprint.alt_response(409, schema=ErrorSchema, description="awarded already (exactly one award wins)")
def award(body, request_id: int):
    """The project's owner awards one quote; the other agencies are told and
    the plan's preparation item takes the quote's working days."""
    request = _call(award_quote, request_id, _me(), body["quote_id"])
    return _owner_view(request)


@blueprint.route("/service-requests/<int:request_id>/outside-agency", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(OutsideAgencyRequestSchema)
@blueprint.response(200, ProjectServiceRequestSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="every bad field named")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such service request")
@blueprint.alt_response(409, schema=ErrorSchema, description="awarded already")
def outside_agency(body, request_id: int):
    """The owner records an agency engaged outside the platform (awarded at once)."""
    request = _call(engage_outside, request_id, _me(), body["agency"], body["fee_yuan"],
                    body["working_days"])
    return _owner_view(request)


@blueprint.route("/service-requests/<int:request_id>/progress", methods=["POST"])
@protected(Role.agency)
@blueprint.arguments(ServiceProgressRequestSchema)
@blueprint.response(200, AgencyServiceRequestSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="not the awarded agency")
@blueprint.alt_response(409, schema=ErrorSchema, description="a step back (or before the award); `fields.to` lists "
                        "the allowed steps")
def progress(body, request_id: int):
    """The awarded agency reports drafting or delivered, with the day."""
    request = _call(service.report_progress, request_id, _me(), body["to"], body["note"], body["on"],
                    body["report_title"])
    return service.agency_json(request, _me().organisation)


@blueprint.route("/service-requests/<int:request_id>/report", methods=["POST"])
@accepts_files
@protected(Role.agency)
@blueprint.arguments(MaterialUploadFileSchema, location="files")
@blueprint.response(201, DeliveredReportSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="`fields.file`: missing, empty, or not a PDF, JPEG or "
                        "PNG by its content")
@blueprint.alt_response(404, schema=ErrorSchema, description="not the awarded agency")
@blueprint.alt_response(409, schema=ErrorSchema, description="before drafting; no application takes the report; or "
                        "the application is already with its department")
@blueprint.alt_response(413, schema=ErrorSchema, description="the file is larger than 20 MB")
def report(files, request_id: int):
    """The awarded agency attaches its report (multipart ``file``): it becomes
    the material of the applications that wait for it (the rule base's
    ``delivers``), replacing an earlier version; the owner is told."""
    upload = files["file"]
    try:
        attached = _call(deliver_report, request_id, _me(), upload.filename, upload.stream.read(max_bytes() + 1))
    except MaterialError as exc:
        return _material_error(exc)
    return {"materials": [{"item_id": item.id, "item_code": item.code, "material": row.material,
                           "file_id": row.file_id, "filename": row.file.filename, "sha256": row.file.sha256}
                          for item, row in attached]}


@blueprint.route("/service-requests/<int:request_id>/rating", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(AgencyRatingRequestSchema)
@blueprint.response(201, AgencyRatingSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such service request")
@blueprint.alt_response(409, schema=ErrorSchema, description="not delivered yet, or rated already")
def rating(body, request_id: int):
    """The owner rates the agency after delivery (好差评, once)."""
    row = _call(service.rate, request_id, _me(), body["score"], body["comment"])
    return {"id": row.id, "score": row.score, "comment": row.comment}


def _owner_view(request) -> dict:
    return next(r for r in service.project_requests_json(request.project) if r["id"] == request.id)
