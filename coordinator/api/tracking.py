"""Routes of the tracking API: the officers' queue and item transitions
(SPEC §4.4), an item with its audit log, and the owners' ratings."""
from __future__ import annotations

import datetime as dt

from flask import jsonify
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import Forbidden, NotFound

from ..accounts.models import Role
from ..governance.service import current_calendar
from ..licences.service import licence_of
from ..tracking import lifecycle, service
from ..tracking.lifecycle import TransitionError
from . import blueprint
from .auth import protected
from .schemas import ErrorSchema, TransitionConflictSchema
from .tracking_schemas import (
    ItemSchema, QueueArgsSchema, QueueSchema, RatingRequestSchema, RatingSchema, TransitionRequestSchema,
)


def _me():
    return current_user._get_current_object()


def _item_or_abort(item_id: int):
    try:
        return service.item_for(_me(), item_id)
    except NotFound:
        abort(404, error="not_found", message="no such item")
    except Forbidden:
        abort(403, error="forbidden", message="the item belongs to another department")


def _error(exc: TransitionError, list_allowed: bool = False):
    """A lifecycle error in the API's shape; a refused transition's 409 also
    lists the transitions allowed now (``list_allowed``)."""
    body = {"error": exc.code, "message": exc.message, "fields": exc.fields}
    if list_allowed and exc.status == 409:
        body["allowed"] = exc.allowed
    response = jsonify(body)
    response.status_code = exc.status
    return response


def item_view(item) -> dict:
    """An item with its tracking fields, the caller's allowed moves and its audit log."""
    cal, today = current_calendar(), dt.date.today()
    actor = service.role_on(_me(), item)
    allowed = lifecycle.allowed_transitions(service.tracked(item), actor) if actor else []
    return {
        "id": item.id, "project_id": item.project_id, "code": item.code, "name": item.name, "status": item.status,
        "department": item.department, "due_date": item.due_date.isoformat() if item.due_date else None,
        **service.item_json(item, cal, today, licence_of(item)), "allowed": allowed,
        "events": [{"at": e.at, "actor": e.actor.display_name, "from_status": e.from_status,
                    "to_status": e.to_status, "reason": e.reason, "materials": e.materials,
                    "document_number": e.document_number} for e in service.events_of(item)],
    }


@blueprint.route("/queue")
@protected(Role.officer)
@blueprint.arguments(QueueArgsSchema, location="query")
@blueprint.response(200, QueueSchema)
def get_queue(args):
    """The officer's department queue, soonest due first: submitted, accepted
    (also with gaps) and returned items; filter by ``state``, ``overdue``
    and ``project_type``; ``limit`` (≤ 200) and ``offset`` page it."""
    today = dt.date.today()
    cal = current_calendar()
    page = service.queue(_me(), status=args["state"], overdue=args["overdue"], project_type=args["project_type"],
                         limit=args["limit"], offset=args["offset"], today=today)
    return {
        "items": [{
            "id": i.id, "project_id": i.project_id, "code": i.code, "status": i.status,
            "due_date": i.due_date.isoformat() if i.due_date else None,
            "overdue": lifecycle.is_overdue(i.status, i.due_date, today),
            "name": i.name, "project_name": i.project.name, "project_type": i.project_type,
            "deadline": lifecycle.deadline_flag(cal, i.status, i.due_date, today),
        } for i in page.items],
        "total": page.total, "limit": page.limit, "offset": page.offset,
        "counts": service.queue_counts(_me(), today),
    }


@blueprint.route("/items/<int:item_id>")
@protected()
@blueprint.response(200, ItemSchema)
@blueprint.alt_response(403, schema=ErrorSchema, description="an officer of another department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item, or not one the caller may see")
def get_item(item_id: int):
    """One item with its tracking fields, the caller's allowed transitions and its audit log."""
    return item_view(_item_or_abort(item_id))


@blueprint.route("/items/<int:item_id>/transition", methods=["POST"])
@protected()
@blueprint.arguments(TransitionRequestSchema)
@blueprint.response(200, ItemSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="a required input is missing: `reason` to return or "
                        "refuse, `missing_materials` to return or accept with gaps, `gaps_due`, `document_number`")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the caller's move (the owner submits and "
                        "resubmits; the item's department does the rest)")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item, or not one the caller may see")
@blueprint.alt_response(409, schema=TransitionConflictSchema, description="illegal transition (also: another officer moved the "
                        "item first, or the item is no longer at the `version` sent) or prerequisites not approved; `allowed` lists the "
                        "transitions possible now")
def transition_item(body, item_id: int):
    """Move an item: the owner submits and resubmits; an officer of the
    item's department accepts (容缺受理 with ``missing_materials`` and
    ``gaps_due``), returns (``reason`` and every missing material at once),
    approves (``document_number``) or refuses (``reason``)."""
    _item_or_abort(item_id)
    try:
        item = service.transition(_me(), item_id, body["to"], reason=body["reason"],
                                  missing_materials=body["missing_materials"], gaps_due=body["gaps_due"],
                                  document_number=body["document_number"], faulty_files=body["files"],
                                  version=body["version"])
    except TransitionError as exc:
        return _error(exc, list_allowed=True)
    except Forbidden:
        abort(403, error="forbidden", message="only the owner or the item's department may move it")
    return item_view(item)


@blueprint.route("/items/<int:item_id>/rating", methods=["POST"])
@protected(Role.owner)
@blueprint.arguments(RatingRequestSchema)
@blueprint.response(201, RatingSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="not an item of the caller's projects")
@blueprint.alt_response(409, schema=ErrorSchema, description="not approved yet, or rated already")
def rate_item(body, item_id: int):
    """The owner rates an approved item once (好差评): ``score`` 1–5 and a ``comment``."""
    try:
        rating = service.rate(_me(), item_id, body["score"], body["comment"])
    except NotFound:
        abort(404, error="not_found", message="no such item")
    except TransitionError as exc:
        return _error(exc)
    return {"id": rating.id, "item_id": rating.item_id, "score": rating.score, "comment": rating.comment}
