"""Routes of the JSON API: thin wrappers over the planning, project and account services."""
from __future__ import annotations

from dataclasses import asdict

import datetime as dt
import io

from flask import Response, current_app, jsonify, send_file, url_for
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import NotFound

from .. import encoding
from ..accounts.models import Role
from ..accounts.service import AccountUnverified, authenticate, issue_token, revoke_token
from ..planning import AnswersError, validate_answers
from ..planning.planner import OBSERVED
from ..planning.service import plan_project, rule_base
from ..tracking import durations
from ..tracking.service import decisions
from ..projects.service import ProjectError, check_name, create_project, project_for, project_json, projects_of
from . import blueprint
from .auth import protected, throttle_tokens
from .schemas import (
    ErrorSchema, PlanRequestSchema, PlanSchema, ProjectListSchema, ProjectRequestSchema, ProjectSchema,
    QuestionnaireSchema, StoredProjectSchema, TokenRequestSchema, TokenSchema,
)

_STORED_PROJECT = StoredProjectSchema()


def _rules():
    return rule_base(current_app.config.get("RULES_DIR"))


@blueprint.route("/questionnaire")
@blueprint.response(200, QuestionnaireSchema)
def questionnaire():
    """The questions, with their conditions, in the rule base's order."""
    rules = _rules()
    questions = []
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        row = asdict(q)
        row["show_if"] = q.show_if.spec if q.show_if else None
        questions.append(row)
    return {"version": rules.version, "sections": [asdict(s) for s in rules.sections], "questions": questions}


@blueprint.route("/plans", methods=["POST"])
@blueprint.arguments(PlanRequestSchema)
@blueprint.response(200, PlanSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="invalid answers (`invalid_answers`) or body: every "
                        "bad field named")
def create_plan(body):
    """Plan the answers (nothing is stored; no login needed); with
    ``durations: observed`` each standard-mode item takes the working days
    observed in the records (85th percentile, at least 5 decisions) and
    says so in ``days_source``."""
    try:
        observed = durations.observed_days(decisions()) if body["durations"] == OBSERVED else None
        plan = plan_project(_rules(), body["answers"], body["land_date"], body["commitment"], body["today"],
                            observed_days=observed)
    except AnswersError as exc:
        abort(400, error="invalid_answers", message="the answers are invalid", errors=exc.fields)
    return planned_json(plan.to_json())


def planned_json(data: dict) -> Response:
    """The plan JSON as the response, serialised once: the planner already
    builds it in its documented shape (``PlanSchema``), and marshmallow's
    field-by-field dump of it (an identical copy) plus Flask's sorted
    encoding took ~45 % of a ``POST /plans`` under load."""
    return current_app.response_class(encoding.dumps(data), mimetype="application/json")


# --- projects ---------------------------------------------------------------


def _me():
    """The logged-in user itself (not Flask-Login's proxy), for the services."""
    return current_user._get_current_object()


@blueprint.route("/projects", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(ProjectRequestSchema)
@blueprint.response(201, ProjectSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="invalid answers (`invalid_answers`) or name: every "
                        "bad field named, nothing stored")
def create_project_view(body):
    """Create a project from the answers, plan it and store it (owners only)."""
    problems: dict[str, list[str]] = {}
    answer_problems: dict[str, list[str]] = {}
    try:
        check_name(body["name"])
    except ProjectError as exc:
        problems.update(exc.fields)
    try:
        validate_answers(_rules(), body["answers"])
    except AnswersError as exc:
        answer_problems = exc.fields
    if answer_problems:
        abort(400, error="invalid_answers", message="the answers are invalid", errors={**answer_problems, **problems})
    if problems:
        abort(400, error="bad_request", message="the request has invalid fields", errors=problems)
    try:
        project = create_project(_me(), body["name"], body["answers"], body["land_date"], body["commitment"],
                                 body["today"])
    except AnswersError as exc:  # pragma: no cover - validated above
        abort(400, error="invalid_answers", message="the answers are invalid", errors=exc.fields)
    except ProjectError as exc:  # pragma: no cover - validated above
        abort(400, error="bad_request", message="the request has invalid fields", errors=exc.fields)
    return project_response(project), 201


@blueprint.route("/projects")
@protected()
@blueprint.response(200, ProjectListSchema)
def list_projects():
    """The caller's own projects, newest first (empty for anyone who owns none)."""
    return {"projects": [
        {"id": s.project.id, "name": s.project.name, "eligible": s.eligible,
         "total_working_days": s.total_working_days}
        for s in projects_of(_me())
    ]}


@blueprint.route("/projects/<int:project_id>")
@protected()
@blueprint.response(200, ProjectSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such project, or not one the caller may see")
def get_project(project_id: int):
    """A project with its plan and item statuses: for its owner, officers of a
    department with an item in it, and admins; 404 for anyone else."""
    try:
        project = project_for(_me(), project_id)
    except NotFound:
        abort(404, error="not_found", message="no such project")
    return project_response(project)


def project_response(project) -> Response:
    """The project's JSON (``ProjectSchema``), its stored plan passed through as is."""
    return jsonify(_STORED_PROJECT.dump(project_json(project)))


@blueprint.route("/projects/<int:project_id>/plan.pdf")
@protected()
@blueprint.doc(responses={"200": {
    "description": "the plan as a PDF: cover, flowchart, Gantt chart and checklist, in Chinese",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}})
@blueprint.alt_response(404, schema=ErrorSchema, description="no such project, or not one the caller may see")
def project_plan_pdf(project_id: int):
    """The project's current plan as a PDF, for the same callers as
    ``GET /projects/{id}``; 404 for anyone else."""
    from ..rendering.pdf import PdfOptions, plan_pdf

    try:
        project = project_for(_me(), project_id)
    except NotFound:
        abort(404, error="not_found", message="no such project")
    stored = project.current_plan
    if stored is None:  # pragma: no cover - every project is created with a plan
        abort(404, error="not_found", message="the project has no plan")
    answers = project.current_answers
    options = PdfOptions(
        project_name=project.name,
        owner=project.owner.display_name if project.owner else "",
        answers=answers.answers if answers else None,
        url=url_for("owner.project", project_id=project.id, _external=True),
        generated=dt.datetime.now(),
        font=current_app.config.get("COORDINATOR_PDF_FONT"),  # else the env variable, then the font search
    )
    pdf = plan_pdf(stored.plan, _rules(), options)
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"{project.name}-审批计划.pdf", etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- tokens -----------------------------------------------------------------


@blueprint.route("/tokens", methods=["POST"])
@throttle_tokens
@blueprint.arguments(TokenRequestSchema)
@blueprint.response(201, TokenSchema)
@blueprint.alt_response(401, schema=ErrorSchema, description="wrong username or password")
@blueprint.alt_response(403, schema=ErrorSchema, description="`unverified`: the account's e-mail address is not "
                        "confirmed yet")
@blueprint.alt_response(429, schema=ErrorSchema, description="too many requests from this address (RATELIMIT_TOKENS)")
def create_token(body):
    """Exchange a username and password for a bearer token (throttled per
    address). The token is returned once; only its SHA-256 is stored."""
    try:
        user = authenticate(body["username"], body["password"])
    except AccountUnverified:
        abort(403, error="unverified", message="confirm the e-mail address first (open the link sent to it)")
    if user is None:
        abort(401, error="invalid_credentials", message="wrong username or password")
    token, clear = issue_token(user, body["name"])
    return {"token": clear, "id": token.id, "name": token.name}


@blueprint.route("/tokens/<int:token_id>", methods=["DELETE"])
@protected()
@blueprint.response(204)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such token of the caller's")
def delete_token(token_id: int):
    """Revoke one of the caller's tokens; later requests with it are 401."""
    if not revoke_token(_me(), token_id):
        abort(404, error="not_found", message="no such token")
