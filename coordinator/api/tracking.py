"""Routes of the tracking API: the officers' queue and item transitions
(SPEC §4.4), an item with its audit log, and the owners' ratings."""
from __future__ import annotations

import datetime as dt

from flask import jsonify
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import Forbidden, NotFound

from ..accounts.models import Role
from ..circulation import service as circulation
from ..circulation.opinions import opinions_of
from ..circulation.service import consultation_json
from ..governance.service import current_calendar
from ..licences.service import licence_of
from ..tracking import lifecycle, service, verification
from ..tracking.lifecycle import TransitionError
from . import blueprint
from .auth import protected
from .schemas import ErrorSchema, TransitionConflictSchema
from .tracking_schemas import (
    ConsultationListSchema, ConsultationRequestSchema, ConsultationSchema, ItemSchema, OpinionRequestSchema,
    QueueArgsSchema, QueueSchema, RatingRequestSchema, RatingSchema, TransitionRequestSchema,
    VerificationRequestSchema,
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
    lists the transitions allowed now (``list_allowed``), and the departments
    whose opinions are missing (``pending``)."""
    body = {"error": exc.code, "message": exc.message, "fields": exc.fields}
    if list_allowed and exc.status == 409:
        body["allowed"] = exc.allowed
    if isinstance(exc, service.OpinionsPending):
        body["pending"] = exc.pending
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
        "opinions": [consultation_json(c) for c in opinions_of(item)],
        "verification": _check_json(verification.check_of(item)),
        "revoked_prerequisites": verification.revoked_prerequisites(item),
    }


def _check_json(check) -> dict | None:
    if check is None:
        return None
    return {"outcome": check.outcome, "findings": check.findings, "checked_on": check.checked_on.isoformat()}


@blueprint.route("/queue")
@protected(Role.officer)
@blueprint.arguments(QueueArgsSchema, location="query")
@blueprint.response(200, QueueSchema)
def get_queue(args):
    """The officer's department queue, soonest due first: submitted, accepted
    (also with gaps) and returned items; filter by ``state``, ``overdue``
    and ``project_type``; ``limit`` (≤ 200) and ``offset`` page it.
    ``sort=impact`` puts first the items whose slip moves the owner's
    construction start or completion (``impact_days``), soonest due among equals."""
    today = dt.date.today()
    cal = current_calendar()
    page = service.queue(_me(), status=args["state"], overdue=args["overdue"], project_type=args["project_type"],
                         limit=args["limit"], offset=args["offset"], today=today, sort=args["sort"])
    return {
        "items": [{
            "id": i.id, "project_id": i.project_id, "code": i.code, "status": i.status,
            "due_date": i.due_date.isoformat() if i.due_date else None,
            "overdue": lifecycle.is_overdue(i.status, i.due_date, today),
            "name": i.name, "project_name": i.project.name, "project_type": i.project_type,
            "deadline": lifecycle.deadline_flag(cal, i.status, i.due_date, today),
            "slack": i.slack, "impact_days": i.impact_days,
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
                        "item first, or the item is no longer at the `version` sent), prerequisites not approved, or "
                        "(`opinions_pending`) approving while consulted departments have not answered and no "
                        "`override_reason` is given: `pending` names them; `allowed` lists the transitions possible now")
def transition_item(body, item_id: int):
    """Move an item: the owner submits and resubmits; an officer of the
    item's department accepts (容缺受理 with ``missing_materials`` and
    ``gaps_due``), returns (``reason`` and every missing material at once),
    approves (``document_number``; ``override_reason`` to go ahead without
    a missing opinion) or refuses (``reason``)."""
    _item_or_abort(item_id)
    try:
        item = service.transition(_me(), item_id, body["to"], reason=body["reason"],
                                  missing_materials=body["missing_materials"], gaps_due=body["gaps_due"],
                                  document_number=body["document_number"], faulty_files=body["files"],
                                  version=body["version"], override_reason=body["override_reason"])
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


# --- circulation (征求意见) and 告知承诺 核查 ------------------------------------


@blueprint.route("/items/<int:item_id>/consultations", methods=["POST"])
@protected(Role.officer)
@blueprint.arguments(ConsultationRequestSchema)
@blueprint.response(201, ConsultationListSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="unknown departments (or the item's own), bad `working_days`")
@blueprint.alt_response(403, schema=ErrorSchema, description="not an officer of the item's department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item")
@blueprint.alt_response(409, schema=ErrorSchema, description="the item is not open, or a department was asked already")
def request_consultations(body, item_id: int):
    """The item's department asks other departments for their opinions
    (征求意见), due in ``working_days`` working days."""
    _item_or_abort(item_id)
    try:
        made = circulation.request_opinions(_me(), item_id, body["departments"], body["working_days"])
    except TransitionError as exc:
        return _error(exc)
    except Forbidden:
        abort(403, error="forbidden", message="only the item's department asks for opinions")
    return {"consultations": [consultation_json(c) for c in made]}


@blueprint.route("/consultations")
@protected(Role.officer)
@blueprint.response(200, ConsultationListSchema)
def list_consultations():
    """The open requests for the officer's department's opinion, soonest due first."""
    return {"consultations": [consultation_json(c) for c in circulation.open_requests(_me())]}


@blueprint.route("/consultations/<int:consultation_id>/opinion", methods=["POST"])
@protected()
@blueprint.arguments(OpinionRequestSchema)
@blueprint.response(200, ConsultationSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="bad verdict, or no text with conditions or a disagreement")
@blueprint.alt_response(403, schema=ErrorSchema, description="not an officer of the consulted department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such consultation")
@blueprint.alt_response(409, schema=ErrorSchema, description="answered (or decided without it) already")
def give_opinion(body, consultation_id: int):
    """The consulted department answers once: ``agree``,
    ``agree_with_conditions`` or ``disagree``, with ``text``."""
    try:
        consultation = circulation.answer(_me(), consultation_id, body["verdict"], body["text"])
    except NotFound:
        abort(404, error="not_found", message="no such consultation")
    except Forbidden:
        abort(403, error="forbidden", message="only the consulted department answers")
    except TransitionError as exc:
        return _error(exc)
    return consultation_json(consultation)


@blueprint.route("/items/<int:item_id>/verification", methods=["POST"])
@protected(Role.officer)
@blueprint.arguments(VerificationRequestSchema)
@blueprint.response(200, ItemSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="bad outcome, or failed without findings")
@blueprint.alt_response(403, schema=ErrorSchema, description="not an officer of the item's department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item")
@blueprint.alt_response(409, schema=ErrorSchema, description="not an approval given on commitment, or checked already")
def verify_item(body, item_id: int):
    """The item's department records its 告知承诺 核查. ``failed`` revokes
    the approval (status ``revoked``), flags what depended on it, writes the
    breach to the company's record and re-plans the project."""
    _item_or_abort(item_id)
    try:
        verification.record_check(_me(), item_id, body["outcome"], body["findings"])
    except Forbidden:
        abort(403, error="forbidden", message="only the item's department checks it")
    except TransitionError as exc:
        return _error(exc)
    return item_view(service.item_for(_me(), item_id))
