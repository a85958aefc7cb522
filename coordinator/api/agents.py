"""Routes of the 帮办代办 API: an owner asks for an agent or revokes the
grant, agents list the requests offered to them and claim one, the
政务服务办 assigns one."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import NotFound

from ..accounts.models import Role
from ..agents import service
from ..agents.models import ACTS, DEFAULT_ACTS
from ..servicerequests.service import RequestConflict, RequestNotFound
from ..tracking.lifecycle import TransitionError
from . import blueprint
from .auth import protected
from .schemas import ErrorSchema
from .tracking import _error


class AgentRequestBodySchema(Schema):
    """``POST /projects/{id}/agent-requests``."""

    acts = fields.List(fields.String(validate=validate.OneOf(ACTS)), load_default=list(DEFAULT_ACTS),
                       metadata={"description": "what the agent may do: answers (edit the answers), materials "
                                                "(upload), submit (submit and resubmit items), award (award "
                                                "intermediary quotes); default answers, materials, submit"})


class AgentRequestSchema(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    project_name = fields.String()
    status = fields.String(metadata={"description": "offered, claimed"})
    district = fields.String()
    acts = fields.List(fields.String())
    claim_by = fields.String(metadata={"description": "last day to claim (working days from the request)"})
    escalated = fields.Boolean()
    agent = fields.String(allow_none=True)
    key_project = fields.Boolean(metadata={"description": "offered without asking because the project is a key "
                                                          "project (rules/facts.yaml key_project)"})


class AgentRequestListSchema(Schema):
    agent_requests = fields.List(fields.Nested(AgentRequestSchema))


def _me():
    return current_user._get_current_object()


def _answer(call, missing: str):
    """Run ``call`` on the agent-request core and answer the request's JSON;
    its refusals as the API's errors: 404 (no such ``missing``), 400, 409."""
    try:
        request = call()
    except (NotFound, RequestNotFound):
        abort(404, error="not_found", message=f"no such {missing}")
    except TransitionError as exc:
        return _error(exc)
    except RequestConflict as exc:
        abort(409, error="conflict", message=exc.message, errors={"status": [exc.status]})
    return service.request_json(request)


@blueprint.route("/projects/<int:project_id>/agent-requests", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(AgentRequestBodySchema)
@blueprint.response(201, AgentRequestSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="not one of the caller's projects")
@blueprint.alt_response(409, schema=ErrorSchema, description="an agent holds the project or a request is open")
def ask_for_agent(body, project_id: int):
    """申请帮办代办: the request is offered to the service stations serving
    the project's district; one of their agents claims it."""
    return _answer(lambda: service.request_agent(_me(), project_id, body["acts"]), "project")


@blueprint.route("/projects/<int:project_id>/agent", methods=["DELETE"])
@protected(Role.owner)
@blueprint.response(204)
@blueprint.alt_response(404, schema=ErrorSchema, description="not one of the caller's projects, or no agent holds it")
def revoke_agent(project_id: int):
    """The owner revokes the agent's grant; from now on the agent gets 404 on the project."""
    try:
        service.revoke(_me(), project_id)
    except NotFound:
        abort(404, error="not_found", message="no agent holds this project")


@blueprint.route("/projects/<int:project_id>/agent-request", methods=["DELETE"])
@protected(Role.owner)
@blueprint.response(204)
@blueprint.alt_response(404, schema=ErrorSchema, description="not one of the caller's projects, or no request is open")
def decline_agent(project_id: int):
    """The owner declines the agent offered to a key project (or withdraws
    its own request) while no agent has claimed it; a key project is not
    offered one again."""
    try:
        service.decline(_me(), project_id)
    except NotFound:
        abort(404, error="not_found", message="no open agent request on this project")


@blueprint.route("/agent-requests")
@protected(Role.agent)
@blueprint.response(200, AgentRequestListSchema)
def list_agent_requests():
    """The requests offered to the agent's station and still open (soonest
    deadline first), then those the agent claimed."""
    return {"agent_requests": [service.request_json(r) for r in service.offered_requests(_me())]}


@blueprint.route("/agent-requests/<int:request_id>/claim", methods=["POST"])
@protected(Role.agent)
@blueprint.response(200, AgentRequestSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request, or not offered to the agent's station")
@blueprint.alt_response(409, schema=ErrorSchema, description="already claimed (exactly one concurrent claimer wins)")
def claim_agent_request(request_id: int):
    """Claim a request: the agent receives the owner's grant and works the
    project through the owner's item and material endpoints."""
    return _answer(lambda: service.claim(_me(), request_id), "agent request")


class AssignSchema(Schema):
    agent = fields.String(required=True, metadata={"description": "the username of the agent"})


@blueprint.route("/agent-requests/<int:request_id>/assign", methods=["POST"])
@protected(Role.admin)
@blueprint.arguments(AssignSchema)
@blueprint.response(200, AgentRequestSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="no such active agent")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such request")
@blueprint.alt_response(409, schema=ErrorSchema, description="claimed meanwhile")
def assign_agent_request(body, request_id: int):
    """The 政务服务办 gives an open request to an agent (e.g. after escalation)."""
    return _answer(lambda: service.assign(_me(), request_id, body["agent"]), "agent request")


@blueprint.route("/projects/<int:project_id>/agent", methods=["POST"])
@protected(Role.admin)
@blueprint.arguments(AssignSchema)
@blueprint.response(200, AgentRequestSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="no such active agent")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such project")
@blueprint.alt_response(409, schema=ErrorSchema, description="an agent holds the project already")
def assign_agent_to_project(body, project_id: int):
    """The 政务服务办 assigns an agent to a project directly: to its open
    request, or to one opened for it (the default grant; the owner may revoke it)."""
    return _answer(lambda: service.assign_to_project(_me(), project_id, body["agent"]), "project")
