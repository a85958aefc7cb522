"""Request and response schemas of the JSON API."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, pre_load, validate

from ..planning import limits
from ..planning.planner import COMMITTED, DAYS_SOURCES
from .tracking_schemas import ItemTrackingSchema

PLAN_OPTIONS = ("land_date", "commitment", "today", "durations")


def planning_date(**kwargs) -> fields.Date:
    """A date within the range the calendar plans (``coordinator.planning.limits``)."""
    return fields.Date(validate=validate.Range(min=limits.EARLIEST_DATE, max=limits.LATEST_DATE), **kwargs)


class PlanRequestSchema(Schema):
    """``{answers, land_date?, commitment?}`` — or the answers themselves
    with ``land_date`` beside them."""

    class Meta:
        unknown = INCLUDE

    answers = fields.Dict(required=True, metadata={"description": "answers keyed by question id (SPEC §4.1)"})
    land_date = planning_date(load_default=None, allow_none=True)
    commitment = fields.Boolean(load_default=True)
    today = planning_date(load_default=None, allow_none=True, metadata={"description": "planning date"})
    durations = fields.String(load_default=COMMITTED, validate=validate.OneOf(DAYS_SOURCES), metadata={
        "description": "`committed` time limits, or `observed`: the 85th percentile of the recorded working days "
                       "where an item has at least 5 records (its committed days otherwise)"})

    @pre_load
    def _wrap_bare_answers(self, data, **kwargs):
        if isinstance(data, dict) and not isinstance(data.get("answers"), dict):
            options = {k: data[k] for k in PLAN_OPTIONS if k in data}
            answers = {k: v for k, v in data.items() if k not in PLAN_OPTIONS}
            return {"answers": answers, **options}
        return data


class OptionSchema(Schema):
    value = fields.String()
    label = fields.String()
    label_en = fields.String()


class QuestionSchema(Schema):
    id = fields.String()
    section = fields.String()
    order = fields.Integer()
    text = fields.String()
    text_en = fields.String()
    help = fields.String()
    help_en = fields.String()
    basis = fields.String()
    type = fields.String()
    required = fields.Boolean()
    options = fields.List(fields.Nested(OptionSchema))
    unit = fields.String()
    minimum = fields.Float(allow_none=True)
    maximum = fields.Float(allow_none=True)
    exclusive_minimum = fields.Boolean()
    integer = fields.Boolean()
    default = fields.Raw(allow_none=True)
    show_if = fields.Raw(allow_none=True, metadata={"description": "condition on earlier answers"})


class SectionSchema(Schema):
    id = fields.String()
    title = fields.String()
    title_en = fields.String()


class QuestionnaireSchema(Schema):
    version = fields.String()
    sections = fields.List(fields.Nested(SectionSchema))
    questions = fields.List(fields.Nested(QuestionSchema))


class PlanItemSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    kind = fields.String()
    stage = fields.String()
    stage_name = fields.String()
    department = fields.String()
    department_name = fields.String()
    days = fields.Integer()
    requires = fields.List(fields.String())
    mode = fields.String()
    modes = fields.List(fields.String())
    start = fields.String()
    finish = fields.String()
    slack = fields.Integer()
    critical = fields.Boolean()
    legal_days = fields.Integer(allow_none=True)
    committed_days = fields.Integer()
    lag = fields.Integer()
    utility = fields.String(allow_none=True)
    party = fields.String(allow_none=True, metadata={"description": "preparation items: owner or intermediary"})
    service = fields.String(allow_none=True, metadata={
        "description": "intermediary preparation items: eia, energy, soil_water, safety_evaluation or survey"})
    delivers = fields.String(allow_none=True, metadata={
        "description": "intermediary preparation items: the material of the items that require it which the "
                       "agency's delivered report becomes"})
    review = fields.Boolean(metadata={"description": "counts as government review time"})
    because = fields.List(fields.String())
    basis = fields.List(fields.String())
    materials = fields.List(fields.Dict())
    days_source = fields.String(metadata={"description": "where `days` comes from: `committed` (the rule base's "
                                                      "time limit) or `observed` (85th percentile of the records)"})
    consulted = fields.List(fields.String(), metadata={"description": "departments always asked for an opinion"})
    consulted_days = fields.Integer(allow_none=True, metadata={"description": "working days they have to answer"})


class EligibilitySchema(Schema):
    eligible = fields.Boolean()
    reasons = fields.List(fields.String())


class PlanSchema(Schema):
    """The plan JSON of SPEC §4.3 (fields may be added, never renamed)."""

    land_day_start = fields.Nested(EligibilitySchema)
    land_date = fields.String(allow_none=True)
    items = fields.List(fields.Nested(PlanItemSchema))
    parallel_groups = fields.List(fields.List(fields.String()))
    critical_path = fields.List(fields.String())
    total_working_days = fields.Integer()
    serial_working_days = fields.Integer()
    warnings = fields.List(fields.String())
    start_date = fields.String()
    end_date = fields.String()
    days_before_land = fields.Integer(allow_none=True)
    saved_working_days = fields.Integer()
    government_working_days = fields.Integer(metadata={
        "description": "committed government review time on the critical path"})
    to_permit_working_days = fields.Integer(allow_none=True, metadata={
        "description": "from the first step to the construction permit (or to construction start without one)"})
    parallel_review_working_days = fields.Integer(metadata={
        "description": "the same reviews as serial_working_days, run in parallel"})
    construction_working_days = fields.Integer()
    construction_counted = fields.Boolean()
    notices = fields.List(fields.Dict())
    commitment = fields.Boolean()
    excluded = fields.List(fields.Dict())
    rule_base = fields.Dict()


class ErrorSchema(Schema):
    """Every error of the API: ``{"error": code, "message": str, "fields": {...}}``."""

    error = fields.String(required=True, metadata={"description": "machine-readable code, e.g. invalid_answers"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields", keys=fields.String(), required=True,
        metadata={"description": "each bad field with its messages (empty when no field is at fault)"},
    )


class TransitionConflictSchema(ErrorSchema):
    """A refused item transition (409): the error plus the moves allowed now."""

    allowed = fields.List(fields.String(), required=True,
                          metadata={"description": "the transitions the caller may make from the current state"})


class ProjectRequestSchema(Schema):
    """``POST /projects``: ``{name, answers, land_date?, commitment?}``."""

    name = fields.String(required=True, metadata={"description": "the project's name (1–200 characters)"})
    answers = fields.Dict(required=True, metadata={"description": "answers keyed by question id (SPEC §4.1)"})
    land_date = planning_date(load_default=None, allow_none=True)
    commitment = fields.Boolean(load_default=True, metadata={"description": "plan items as 告知承诺 where allowed"})
    today = planning_date(load_default=None, allow_none=True, metadata={"description": "planning date"})


class ProjectItemSchema(ItemTrackingSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    status = fields.String()
    department = fields.String()
    due_date = fields.String(allow_none=True)


class HookupEventSchema(Schema):
    status = fields.String()
    note = fields.String()
    date = fields.String()


class HookupSchema(Schema):
    """A project's hookup request as its owner sees it."""

    id = fields.Integer()
    utility = fields.String(metadata={"description": "water, power, gas, heat or sewer"})
    status = fields.String(metadata={"description": "offered, claimed, surveyed, designed, constructed, connected "
                                                    "(or withdrawn when the project no longer needs it)"})
    provider = fields.String(allow_none=True, metadata={"description": "the claiming provider's name; null while "
                                                                       "waiting for a provider"})
    provider_code = fields.String(allow_none=True)
    target_date = fields.String(allow_none=True, metadata={"description": "connected-by target from the plan"})
    claim_by = fields.String(metadata={"description": "last day for a provider to claim it"})
    escalated = fields.Boolean(metadata={"description": "unclaimed past claim_by; the coordinator office was told"})
    overdue = fields.Boolean(metadata={"description": "not connected by target_date"})
    connected_on = fields.String(allow_none=True, metadata={"description": "the day it was connected"})
    events = fields.List(fields.Nested(HookupEventSchema))


class QuoteSchema(Schema):
    """An agency's quote for a service request."""

    id = fields.Integer()
    agency = fields.String(metadata={"description": "the agency's name"})
    agency_code = fields.String(allow_none=True, metadata={"description": "null for an agency engaged outside the "
                                                                          "platform"})
    fee_yuan = fields.Integer()
    working_days = fields.Integer()
    note = fields.String()
    status = fields.String(metadata={"description": "submitted, awarded or declined"})


class ProjectServiceRequestSchema(Schema):
    """A project's intermediary service request as its owner sees it."""

    id = fields.Integer()
    service = fields.String(metadata={"description": "eia, energy, soil_water, safety_evaluation, survey, …"})
    service_name = fields.String()
    item_code = fields.String(metadata={"description": "the plan's preparation item it is for"})
    status = fields.String(metadata={"description": "offered, quoted, awarded, drafting, delivered (or withdrawn)"})
    respond_by = fields.String(metadata={"description": "last day for agencies to quote"})
    escalated = fields.Boolean()
    quotes = fields.List(fields.Nested(QuoteSchema))
    awarded_quote_id = fields.Integer(allow_none=True)
    delivered_on = fields.String(allow_none=True)
    report_title = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    events = fields.List(fields.Nested(HookupEventSchema))


class ProjectAgentSchema(Schema):
    """The agent (帮办代办员) holding a project, and what the owner granted."""

    username = fields.String()
    display_name = fields.String()
    granted = fields.List(fields.String(), metadata={"description": "answers, materials, submit, award"})


class ProjectSchema(Schema):
    """A stored project (SPEC §4.4): its current answers, plan and item statuses."""

    id = fields.Integer()
    name = fields.String()
    answers = fields.Dict()
    land_date = fields.String(allow_none=True)
    version = fields.Integer(metadata={"description": "version of the answers"})
    plan = fields.Nested(PlanSchema, allow_none=True)
    rule_base_version = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ProjectItemSchema))
    hookups = fields.List(fields.Nested(HookupSchema))
    service_requests = fields.List(fields.Nested(ProjectServiceRequestSchema))
    agent = fields.Nested(ProjectAgentSchema, allow_none=True,
                          metadata={"description": "the agent holding the project (null when none)"})


class StoredProjectSchema(ProjectSchema):
    """:class:`ProjectSchema` as the responses are dumped: the stored plan is
    written as stored — the planner built it in ``PlanSchema``'s shape, and
    dumping it field by field (an identical copy) was most of the cost of
    ``GET /projects/{id}``. The API document still shows ``ProjectSchema``."""

    plan = fields.Raw(allow_none=True)


class ProjectSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    eligible = fields.Boolean(metadata={"description": "qualifies for 拿地即开工"})
    total_working_days = fields.Integer()


class ProjectListSchema(Schema):
    projects = fields.List(fields.Nested(ProjectSummarySchema))


class TokenRequestSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="api", validate=validate.Length(min=1, max=limits.TOKEN_NAME),
                         metadata={"description": "a label for the token"})


class TokenSchema(Schema):
    token = fields.String(metadata={"description": "the bearer token; shown once, only its SHA-256 is stored"})
    id = fields.Integer(metadata={"description": "for DELETE /tokens/{id}"})
    name = fields.String()
