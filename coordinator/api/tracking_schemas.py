"""Schemas of the tracking API: the queue, item transitions, ratings."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..planning import limits
from ..database import MAX_ROW_ID
from ..tracking.lifecycle import STATES
from ..circulation.models import VERDICTS
from ..tracking.models import OUTCOMES
from ..tracking.service import QUEUE_LIMIT_MAX, QUEUE_SORTS
from .material_schemas import LicenceSchema


class ItemTrackingSchema(Schema):
    """The tracking fields of a plan item (beside the SPEC's ``id, code, status, department, due_date``)."""

    kind = fields.String()
    version = fields.Integer(metadata={"description": "raised by every transition; send it with a transition to "
                                                      "act only on the item as you saw it"})
    mode = fields.String(metadata={"description": "standard, commitment (告知承诺), land_day …"})
    days = fields.Integer(metadata={"description": "committed time limit in working days"})
    planned_start = fields.String(allow_none=True)
    planned_finish = fields.String(allow_none=True)
    submitted_on = fields.String(allow_none=True)
    accepted_on = fields.String(allow_none=True)
    actual_start = fields.String(allow_none=True)
    actual_finish = fields.String(allow_none=True)
    document_number = fields.String(allow_none=True, metadata={"description": "the result document (办结文号)"})
    missing_materials = fields.List(fields.String(), metadata={"description": "the one-time notice of the last return"})
    gaps_materials = fields.List(fields.String(), metadata={"description": "materials to follow (容缺受理)"})
    gaps_due = fields.String(allow_none=True)
    verification_due = fields.String(allow_none=True, metadata={"description": "告知承诺 verification deadline"})
    clock_stopped = fields.Boolean(metadata={"description": "returned for correction after acceptance"})
    overdue = fields.Boolean()
    deadline = fields.String(allow_none=True, metadata={"description": "overdue, due_soon, on_time or null"})
    licence = fields.Nested(LicenceSchema, allow_none=True, metadata={
        "description": "the e-licence, once approved: `{number, issued_on, verify_url, sha256}`"})
    slack = fields.Integer(allow_none=True, metadata={
        "description": "working days the item can slip without moving the owner's construction start or "
                       "completion, in the current projection (null once done)"})
    impact_days = fields.Integer(allow_none=True, metadata={
        "description": "working days construction start or completion move if the item slips one day"})


class QueueArgsSchema(Schema):
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    overdue = fields.Boolean(load_default=None, allow_none=True)
    project_type = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, QUEUE_LIMIT_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ROW_ID))
    sort = fields.String(load_default="due", validate=validate.OneOf(QUEUE_SORTS), metadata={
        "description": "`due`: soonest due first; `impact`: biggest `impact_days` first, soonest due among equals"})


class QueueItemSchema(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    code = fields.String()
    status = fields.String()
    due_date = fields.String(allow_none=True)
    overdue = fields.Boolean()
    name = fields.String()
    project_name = fields.String()
    project_type = fields.String()
    deadline = fields.String(allow_none=True, metadata={"description": "overdue, due_soon, on_time or null"})
    slack = fields.Integer(allow_none=True, metadata={"description": "working days the item can slip without "
                                                                    "moving construction start or completion"})
    impact_days = fields.Integer(allow_none=True, metadata={
        "description": "working days construction start or completion move if the item slips one day"})


class QueueSchema(Schema):
    """``GET /queue`` (SPEC §4.4): ``{items: [{id, project_id, code, status, due_date, overdue}]}``."""

    items = fields.List(fields.Nested(QueueItemSchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "items per queue state, and overdue"})


class TransitionRequestSchema(Schema):
    """``POST /items/{id}/transition``: ``{to, reason?, missing_materials?}``."""

    to = fields.String(required=True, validate=validate.OneOf(STATES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.NOTE),
                           metadata={"description": "required to return or refuse"})
    missing_materials = fields.List(fields.String(validate=validate.Length(max=limits.MATERIAL)), load_default=list,
                                    validate=validate.Length(max=100), metadata={
        "description": "to return: every missing or faulty material (一次性告知); "
                       "to accept with gaps: the materials that follow later"})
    gaps_due = fields.Date(load_default=None, allow_none=True,
                           validate=validate.Range(min=limits.EARLIEST_DATE, max=limits.LATEST_DATE),
                           metadata={"description": "to accept with gaps: when the materials are due"})
    version = fields.Integer(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(min=0, max=2**31 - 1), metadata={
                                 "description": "the item's version the decision was made on (from GET "
                                                "/items/{id}); 409 when it has changed since. Of concurrent "
                                                "transitions sent with the same version exactly one wins"})
    document_number = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=limits.DOCUMENT_NUMBER),
                                    metadata={"description": "to approve: the result document number"})
    files = fields.List(fields.Integer(), load_default=list, metadata={
        "description": "to return: ids of the files at fault (their materials join `missing_materials`); "
                       "the owner replaces exactly those"})
    override_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.NOTE),
                                    metadata={"description": "to approve while consulted departments have not "
                                                             "answered: why the department goes ahead"})


class EventSchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    from_status = fields.String(data_key="from")
    to_status = fields.String(data_key="to")
    reason = fields.String(allow_none=True)
    materials = fields.List(fields.String())
    document_number = fields.String(allow_none=True)


class ItemSchema(ItemTrackingSchema):
    id = fields.Integer()
    project_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    status = fields.String()
    department = fields.String()
    due_date = fields.String(allow_none=True)
    allowed = fields.List(fields.String(), metadata={"description": "the transitions the caller may make now"})
    events = fields.List(fields.Nested(EventSchema), metadata={"description": "the audit log, oldest first"})
    opinions = fields.List(fields.Nested(lambda: ConsultationSchema()),
                           metadata={"description": "the consultations of the item and their opinions"})
    revoked_prerequisites = fields.List(fields.String(), metadata={
        "description": "codes of revoked approvals (failed 告知承诺 checks) this item depended on"})
    verification = fields.Dict(allow_none=True, metadata={
        "description": "the 告知承诺 check: {outcome, findings, checked_on}, or null"})


class RatingRequestSchema(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", validate=validate.Length(max=limits.NOTE))


class RatingSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String()


class OpinionsPendingSchema(Schema):
    """409 of an approval while consulted departments have not answered."""

    error = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")
    pending = fields.List(fields.String(), metadata={"description": "the departments still to answer"})


class ConsultationRequestSchema(Schema):
    """``POST /items/{id}/consultations``: ``{departments: [code], working_days?}``."""

    departments = fields.List(fields.String(validate=validate.Length(max=limits.CODE)), required=True,
                              validate=validate.Length(min=1, max=50), metadata={"description": "department codes"})
    working_days = fields.Integer(load_default=None, allow_none=True, strict=True, metadata={
        "description": "days to answer (1–60; default: the rule base's, else 5)"})


class ConsultationSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    project_id = fields.Integer()
    department = fields.String(metadata={"description": "the consulted department"})
    due_date = fields.String()
    status = fields.String(metadata={"description": "requested, answered or waived"})
    verdict = fields.String(allow_none=True, metadata={"description": "agree, agree_with_conditions, disagree"})
    text = fields.String()
    requested_on = fields.String()
    answered_on = fields.String(allow_none=True)
    by_rule = fields.Boolean(metadata={"description": "a department the rule base always consults"})
    waived_reason = fields.String(allow_none=True)


class ConsultationListSchema(Schema):
    consultations = fields.List(fields.Nested(ConsultationSchema))


class OpinionRequestSchema(Schema):
    """``POST /consultations/{id}/opinion``: ``{verdict, text}``."""

    verdict = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    text = fields.String(load_default="", validate=validate.Length(max=limits.NOTE),
                         metadata={"description": "the conditions, or why the department disagrees (required then)"})


class VerificationRequestSchema(Schema):
    """``POST /items/{id}/verification``: ``{outcome: passed|failed, findings?}``."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    findings = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.NOTE),
                             metadata={"description": "required when the check failed"})
