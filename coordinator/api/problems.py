"""Routes of the 办不成事 API: file a problem report, list the caller's
reports, read one with its path, move it round the loop, attach files and read them."""
from __future__ import annotations

import io

from flask import send_file
from flask_login import current_user
from flask_smorest import abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import NotFound

from ..accounts.models import Role
from ..database import MAX_ROW_ID
from ..materials.service import max_bytes
from ..problems import loop, service
from ..problems.loop import LoopError
from ..security import accepts_files
from . import blueprint
from .auth import protected
from .materials import BINARY
from .schemas import ErrorSchema, TransitionConflictSchema
from .tracking import _error


class ProblemRequestSchema(Schema):
    """``POST /problems``."""

    project_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ROW_ID))
    item_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(min=1, max=MAX_ROW_ID),
                             metadata={"description": "an item of the project, when the problem concerns one"})
    category = fields.String(required=True, validate=validate.OneOf(loop.CATEGORIES), metadata={
        "description": "beyond_list (materials demanded beyond the list), time_exceeded, refused_without_reason, "
                       "system_fault, other"})
    description = fields.String(required=True, validate=validate.Length(min=1, max=service.DESCRIPTION_MAX))


class ProblemAttachmentSchema(Schema):
    id = fields.Integer(metadata={"description": "the file's id (GET /problems/{id}/attachments/{file_id})"})
    filename = fields.String()
    size = fields.Integer()
    content_type = fields.String()


class ProblemSchema(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    project_name = fields.String()
    item_id = fields.Integer(allow_none=True)
    category = fields.String()
    description = fields.String()
    status = fields.String(metadata={"description": "filed, accepted, classified, transferred, resolved, feedback, "
                                                   "verified, archived"})
    department = fields.String(allow_none=True, metadata={"description": "the department it is transferred to"})
    due = fields.String(allow_none=True, metadata={"description": "when the next step is due (working days from "
                                                                  "rules/problems.yaml)"})
    overdue = fields.Boolean()
    reopened = fields.Integer(metadata={"description": "how often the reporter was not satisfied"})
    reporter = fields.String()
    filed_on = fields.String()
    closed_on = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(ProblemAttachmentSchema))


class ProblemEventSchema(Schema):
    at = fields.String()
    on = fields.String()
    kind = fields.String(metadata={"description": "move or escalated"})
    actor = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    satisfied = fields.Boolean(allow_none=True)
    due = fields.String(allow_none=True)


class ProblemDetailSchema(ProblemSchema):
    allowed = fields.List(fields.String(), metadata={"description": "the moves the caller may make now"})
    events = fields.List(fields.Nested(ProblemEventSchema))


class ProblemListSchema(Schema):
    problems = fields.List(fields.Nested(ProblemSchema))


class ProblemMoveSchema(Schema):
    """``POST /problems/{id}/transition``."""

    to = fields.String(required=True, validate=validate.OneOf(loop.STEPS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=service.NOTE_MAX))
    department = fields.String(load_default=None, allow_none=True,
                               metadata={"description": "to transfer: the responsible department's code"})
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(loop.CATEGORIES),
                             metadata={"description": "to classify: the category, if it changes"})
    satisfied = fields.Boolean(load_default=None, allow_none=True,
                               metadata={"description": "反馈: false sends the report back to the department"})


def _me():
    return current_user._get_current_object()


def detail(report) -> dict:
    actor = service.role_on(_me(), report)
    return {**service.problem_json(report), "events": service.events_json(report),
            "allowed": loop.allowed_moves(service.state_of(report), actor) if actor else []}


@blueprint.route("/problems", methods=["POST"])
@protected(Role.owner, Role.agent)
@blueprint.arguments(ProblemRequestSchema)
@blueprint.response(201, ProblemDetailSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="a bad field (also: not a project the caller acts "
                        "for, an item of another project); nothing is stored")
def file_problem(body):
    """File a 办不成事 report on a project the caller owns or holds as its
    agent (or on one of its items); the 政务服务办 is told at once."""
    try:
        report = service.file_problem(_me(), body["project_id"], body["category"], body["description"],
                                      body["item_id"])
    except LoopError as exc:
        return _error(exc)
    return detail(report)


@blueprint.route("/problems")
@protected()
@blueprint.response(200, ProblemListSchema)
def list_problems():
    """The caller's reports, newest first: the reporter's own, all of them
    for the 政务服务办 (admins), a department's those transferred to it."""
    return {"problems": [service.problem_json(r) for r in service.problems_for(_me())]}


@blueprint.route("/problems/<int:problem_id>")
@protected()
@blueprint.response(200, ProblemDetailSchema)
@blueprint.alt_response(404, schema=ErrorSchema, description="no such report, or none the caller has a part in")
def get_problem(problem_id: int):
    """One report with its path and the moves the caller may make."""
    try:
        return detail(service.report_for(_me(), problem_id))
    except NotFound:
        abort(404, error="not_found", message="no such problem report")


@blueprint.route("/problems/<int:problem_id>/transition", methods=["POST"])
@protected()
@blueprint.arguments(ProblemMoveSchema)
@blueprint.response(200, ProblemDetailSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="a required input is missing: `department` to "
                        "transfer, `note` to resolve or with an unsatisfied feedback, `satisfied` for feedback")
@blueprint.alt_response(403, schema=ErrorSchema, description="another party's move (the office "
                        "accepts, classifies, transfers, verifies and archives; the department resolves; the "
                        "reporter gives feedback)")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such report, or none the caller has a part in")
@blueprint.alt_response(409, schema=TransitionConflictSchema, description="not a move from the current state "
                        "(also: someone moved it first); `allowed` lists the moves possible now")
def move_problem(body, problem_id: int):
    """Move a report one step: 受理 ``accepted``, 分类 ``classified``
    (``category``), 转办 ``transferred`` (``department``), 办结 ``resolved``
    (``note``), 反馈 ``feedback`` (``satisfied``; false sends it back to the
    department), 核查 ``verified``, 备案 ``archived``."""
    try:
        report = service.move(_me(), problem_id, body["to"], body["note"], body["department"], body["category"],
                              body["satisfied"])
    except NotFound:
        abort(404, error="not_found", message="no such problem report")
    except LoopError as exc:
        return _error(exc, list_allowed=True)
    return detail(report)


class AttachmentUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a PDF, JPEG or PNG (judged by its content) of at most "
                                                         "20 MB"})


@blueprint.route("/problems/<int:problem_id>/attachments", methods=["POST"])
@accepts_files
@protected()
@blueprint.arguments(AttachmentUploadSchema, location="files")
@blueprint.response(201, ProblemAttachmentSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="`fields.attachments`: empty, or not a PDF, JPEG or "
                        "PNG by its content")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the reporter's side (the office, the department)")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such report, or none the caller has a part in")
@blueprint.alt_response(409, schema=ErrorSchema, description="the report is archived")
@blueprint.alt_response(413, schema=ErrorSchema, description="the file is larger than 20 MB")
def attach_to_problem(files, problem_id: int):
    """The reporter (its company, the agent holding the project) attaches a
    file to an open report (multipart ``file``), checked like a material."""
    upload = files["file"]
    try:
        attachment = service.attach(_me(), problem_id, upload.filename, upload.stream.read(max_bytes() + 1))
    except NotFound:
        abort(404, error="not_found", message="no such problem report")
    except LoopError as exc:
        return _error(exc)
    f = attachment.file
    return {"id": f.id, "filename": f.filename, "size": f.size, "content_type": f.content_type}


@blueprint.route("/problems/<int:problem_id>/attachments/<int:file_id>")
@protected()
@blueprint.doc(responses={"200": {"description": "the file's bytes with their content type", "content": {
    "application/pdf": BINARY, "image/jpeg": BINARY, "image/png": BINARY}}})
@blueprint.alt_response(404, schema=ErrorSchema, description="no such attachment, or a report the caller has no "
                        "part in")
def get_problem_attachment(problem_id: int, file_id: int):
    """An attachment of a report, for whoever has a part in it (the reporter's
    side, the office, the department it is transferred to); logged."""
    try:
        stored, data = service.read_attachment(_me(), problem_id, file_id)
    except NotFound:
        abort(404, error="not_found", message="no such attachment")
    response = send_file(io.BytesIO(data), mimetype=stored.content_type, as_attachment=True,
                         download_name=stored.filename, etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
