"""办不成事 pages: file a report, the list of one's reports, a report with
its path and the moves the viewer may make, and the office's ledger (台账)
with statistics and CSV. Views parse the form and call the service."""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from ..accounts.models import Role
from ..extensions import db
from ..materials.service import max_bytes
from ..security import accepts_files
from ..governance.service import current_rules
from ..projects.access import projects_acted_for
from ..projects.models import Project
from . import loop, service
from .loop import LoopError

blueprint = Blueprint("problems", __name__, url_prefix="/problems")

CATEGORY_LABELS = {"beyond_list": _l("超出清单要求材料"), "time_exceeded": _l("超过办理时限"),
                   "refused_without_reason": _l("无理由拒绝办理"), "system_fault": _l("系统故障"), "other": _l("其他")}
STATUS_LABELS = {"filed": _l("待受理"), "accepted": _l("已受理"), "classified": _l("已分类"), "transferred": _l("已转办"),
                 "resolved": _l("已办结"), "feedback": _l("已反馈"), "verified": _l("已核查"), "archived": _l("已备案")}
MOVE_LABELS = {"accepted": _l("受理"), "classified": _l("分类"), "transferred": _l("转办"), "resolved": _l("办结"),
               "feedback": _l("反馈"), "verified": _l("核查"), "archived": _l("备案")}
OUTCOME_LABELS = {"open": _l("办理中"), "solved": _l("已解决"), "solved_after_reopening": _l("退回重办后解决")}


@blueprint.app_template_global()
def problem_label(kind: str, value: str | None) -> str:
    """The UI name of a category, state, move or outcome of a problem report."""
    labels = {"category": CATEGORY_LABELS, "status": STATUS_LABELS, "move": MOVE_LABELS,
              "outcome": OUTCOME_LABELS}[kind]
    return str(labels.get(value, value or "—"))


def _me():
    return current_user._get_current_object()


def department_names() -> dict[str, str]:
    """The departments a report may go to, by code, named in the page's language."""
    from .. import _pick

    rules = current_rules().departments
    return {code: _pick(rules[code].name, rules[code].name_en) if code in rules else org.name
            for code, org in service.departments().items()}


def _office_only() -> None:
    if current_user.role != Role.admin:
        abort(403)


def _my_projects() -> list[Project]:
    """The projects the user may report on: their own, or held as an agent."""
    return list(db.session.scalars(db.select(Project).where(Project.id.in_(projects_acted_for(_me())))
                                   .order_by(Project.id.desc())))


@blueprint.route("")
@login_required
def index():
    """The viewer's reports (the office: all; a department: those transferred to it)."""
    return render_template("problems/list.html", reports=service.problems_for(_me()), today=dt.date.today(),
                           departments=department_names(),
                           can_file=current_user.role in (Role.owner, Role.agent))


@blueprint.route("/new", methods=["GET", "POST"])
@accepts_files
@login_required
def new():
    """The form to file a report on one of the user's projects (or one of its items)."""
    if current_user.role not in (Role.owner, Role.agent):
        abort(403)
    projects = _my_projects()
    form = request.form if request.method == "POST" else request.args
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        item_id = form.get("item_id", type=int) if form.get("item_id") else None
        uploads = [(f.filename, f.stream.read(max_bytes() + 1))
                   for f in request.files.getlist("attachments") if f.filename]
        try:
            report = service.file_problem(_me(), form.get("project_id", type=int), form.get("category"),
                                          form.get("description"), item_id, attachments=uploads)
        except LoopError as exc:
            if exc.status == 413:
                abort(413)
            errors = exc.fields
        else:
            flash(_("已提交“办不成事”反映，政务服务办将在期限内受理。"), "success")
            return redirect(url_for("problems.show", problem_id=report.id))
    chosen = next((p for p in projects if str(p.id) == str(form.get("project_id"))), projects[0] if projects else None)
    return render_template("problems/new.html", projects=projects, chosen=chosen, form=form, errors=errors,
                           categories=loop.CATEGORIES), 400 if errors else 200


@blueprint.route("/<int:problem_id>")
@login_required
def show(problem_id: int):
    """A report with its path and, for the party whose step it is, the form of that step."""
    try:
        report = service.report_for(_me(), problem_id)
    except NotFound:
        abort(404)
    return _detail(report)


def _detail(report, errors: dict | None = None, status: int = 200):
    actor = service.role_on(_me(), report)
    allowed = loop.allowed_moves(service.state_of(report), actor) if actor else []
    rules = service.problem_rules()
    may_attach = actor == loop.REPORTER and report.status != loop.ARCHIVED
    return render_template("problems/detail.html", report=report, allowed=allowed, errors=errors or {},
                           may_attach=may_attach,
                           departments=department_names(), categories=loop.CATEGORIES, steps=rules.steps,
                           overdue=loop.is_overdue(service.state_of(report), dt.date.today())), status


@blueprint.route("/<int:problem_id>/attachments", methods=["POST"])
@accepts_files
@login_required
def add_attachment(problem_id: int):
    """The reporter's side attaches a file to the report."""
    upload = request.files.get("file")
    try:
        report = service.report_for(_me(), problem_id)
        if upload is None or not upload.filename:
            return _detail(report, {"attachments": [_("请选择要上传的文件。")]}, 400)
        service.attach(_me(), problem_id, upload.filename, upload.stream.read(max_bytes() + 1))
    except NotFound:
        abort(404)
    except LoopError as exc:
        if exc.status == 403:
            abort(403)
        messages = {413: _("文件过大：每个附件不超过 %(n)d MB。", n=max_bytes() // 2**20),
                    409: _("该反映已备案，不能再添加附件。")}
        return _detail(report, {"attachments": [messages.get(exc.status, _("附件只能是 PDF、JPEG 或 PNG 文件。"))]},
                       exc.status)
    flash(_("已上传附件。"), "success")
    return redirect(url_for("problems.show", problem_id=problem_id, _anchor="attachments"), code=303)


@blueprint.route("/<int:problem_id>/attachments/<int:file_id>")
@login_required
def attachment(problem_id: int, file_id: int):
    """An attachment, for whoever has a part in the report (downloads are logged)."""
    try:
        stored, data = service.read_attachment(_me(), problem_id, file_id)
    except NotFound:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=stored.content_type, as_attachment=True,
                         download_name=stored.filename, etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route("/<int:problem_id>/move", methods=["POST"])
@login_required
def move(problem_id: int):
    """Make one move of the loop from the report page's form."""
    form = request.form
    satisfied = {"yes": True, "no": False}.get(form.get("satisfied", ""))
    try:
        report = service.move(_me(), problem_id, form.get("to", ""), form.get("note"),
                              form.get("department") or None, form.get("category") or None, satisfied)
    except NotFound:
        abort(404)
    except LoopError as exc:
        report = service.report_for(_me(), problem_id)
        message = {409: _("该反映的状态已变化，请按当前状态办理。"), 403: _("这一步不由您办理。")}.get(exc.status)
        if message:
            flash(message, "error")
        return _detail(report, exc.fields, exc.status)
    flash(_("已办理：%(step)s", step=problem_label("move", form.get("to"))), "success")
    return redirect(url_for("problems.show", problem_id=report.id))


def _ledger_filters():
    department = request.args.get("department") or None
    category = request.args.get("category") or None
    return department, category


@blueprint.route("/ledger")
@login_required
def ledger():
    """The office's ledger: every report with its path, times per step and
    outcome, statistics per department and category; the filters swap the
    table in place (htmx) or reload the page."""
    _office_only()
    department, category = _ledger_filters()
    rows = service.ledger(dt.date.today(), department, category)
    context = dict(rows=rows, stats=service.statistics(rows), departments=department_names(),
                   categories=loop.CATEGORIES, department=department, category=category)
    if request.headers.get("HX-Request"):
        return render_template("problems/_ledger.html", **context)
    return render_template("problems/ledger.html", **context)


@blueprint.route("/ledger.csv")
@login_required
def ledger_csv():
    """The ledger (with the same filters) as CSV."""
    _office_only()
    department, category = _ledger_filters()
    text = service.ledger_csv(service.ledger(dt.date.today(), department, category))
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=problem-ledger.csv"})
