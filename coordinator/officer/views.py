"""Officer pages. Each view parses input, calls the tracking service and
renders a page or — for htmx requests — the fragment that changed."""
from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden, NotFound
from wtforms.fields.choices import SelectChoice

from .. import _pick as pick
from ..accounts.models import Role
from ..circulation import service as circulation
from ..circulation.opinions import opinions_of
from ..governance.service import current_calendar, current_rules
from ..licences.service import licence_of
from ..materials.service import materials_of
from ..tracking import lifecycle, service, stats, verification
from ..tracking.lifecycle import TransitionError
from . import blueprint
from .forms import ConsultationRequestForm, OpinionForm, QueueFilterForm, TransitionForm, VerificationForm
from .stats_views import statistics_tables

PAGE_SIZE = 50

STATUS_LABELS = {
    "not_submitted": _l("未申报"), "submitted": _l("已申报"), "accepted": _l("已受理"),
    "accepted_with_gaps": _l("容缺受理"), "returned": _l("退回补正"), "approved": _l("已办结"),
    "refused": _l("不予许可"), "revoked": _l("已撤销"),
}
ACTION_LABELS = {
    "submitted": _l("申报"), "accepted": _l("受理"), "accepted_with_gaps": _l("容缺受理"),
    "returned": _l("退回补正（一次性告知）"), "approved": _l("办结"), "refused": _l("不予许可"),
}
DEADLINE_LABELS = {"overdue": _l("已超期"), "due_soon": _l("即将到期"), "on_time": _l("按期")}


@blueprint.app_template_global()
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@blueprint.app_template_global()
def action_label(target: str) -> str:
    return str(ACTION_LABELS.get(target, target))


VERDICT_LABELS = {"agree": _l("同意"), "agree_with_conditions": _l("有条件同意"), "disagree": _l("不同意")}


@blueprint.app_template_global()
def verdict_label(verdict: str) -> str:
    return str(VERDICT_LABELS.get(verdict, verdict))


@blueprint.app_template_global()
def deadline_label(flag: str | None) -> str:
    return str(DEADLINE_LABELS.get(flag, "")) if flag else ""


def officer_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.officer or current_user.organisation is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _me():
    return current_user._get_current_object()


def _project_types() -> list[tuple[str, str]]:
    question = current_rules().questions.get("project_type")
    return [(o.value, o.label) for o in question.options] if question else []


@blueprint.route("/queue")
@officer_required
def queue():
    """The department's queue, soonest due first, with filters; the htmx
    filter form swaps only the table."""
    form = QueueFilterForm(request.args)
    form.state.choices = [SelectChoice("", _("全部待办"))] + [SelectChoice(s, status_label(s))
                                                                for s in service.QUEUE_STATES]
    form.project_type.choices = [SelectChoice("", _("全部类型"))] + [SelectChoice(v, label) for v, label in _project_types()]
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    today = dt.date.today()
    state = form.state.data if form.state.data in service.QUEUE_STATES else None
    sort = form.sort.data if form.sort.data in service.QUEUE_SORTS else "due"
    result = service.queue(_me(), status=state, overdue=True if form.overdue.data else None,
                           project_type=form.project_type.data or None, limit=PAGE_SIZE,
                           offset=(page - 1) * PAGE_SIZE, today=today, sort=sort)
    cal = current_calendar()
    context = dict(form=form, result=result, page=page, today=today,
                   deadline_flag=lambda i: lifecycle.deadline_flag(cal, i.status, i.due_date, today),
                   counts=service.queue_counts(_me(), today), project_types=dict(_project_types()),
                   filters={k: v for k, v in request.args.items() if k != "page"})
    if _htmx() and request.headers.get("HX-Target") == "queue":
        return render_template("officer/_queue.html", **context)
    return render_template("officer/queue.html", **context)


@blueprint.route("/queue/counts")
@officer_required
def counts():
    """The queue's counts alone (refreshed by htmx without reloading the page)."""
    return render_template("officer/_counts.html", counts=service.queue_counts(_me(), dt.date.today()))


def _item(item_id: int):
    try:
        return service.item_for(_me(), item_id)
    except (NotFound, Forbidden) as exc:
        abort(exc.code)


def _forms(item, allowed: list[str]) -> dict[str, TransitionForm]:
    entry = item.plan_entry
    forms = {}
    for target in allowed:
        form = TransitionForm(prefix=target)
        materials = entry.get("materials", [])
        if target == lifecycle.ACCEPTED_WITH_GAPS:
            materials = [m for m in materials if not m.get("essential", True)]
        form.materials.choices = [SelectChoice(m["name"], m["name"]) for m in materials]
        if target == lifecycle.RETURNED:
            form.files.choices = [SelectChoice(f.id, f"{f.filename}（{m.name}）") for m in materials_of(item)
                                  if m.source in ("upload", "intermediary") for f in m.files]
        forms[target] = form
    return forms


@blueprint.app_template_global()
def department_names(codes) -> list[str]:
    return service.department_names(codes)


def _render_item(item, forms=None, status: int = 200, request_form=None, verification_form=None):
    role = service.role_on(_me(), item)
    allowed = lifecycle.allowed_transitions(service.tracked(item), role)
    forms = forms or _forms(item, allowed)
    today = dt.date.today()
    opinions = opinions_of(item)
    lead = role == lifecycle.DEPARTMENT
    if lead and item.status in lifecycle.OPEN_STATES:
        request_form = request_form or ConsultationRequestForm(prefix="consult")
        asked = {c.department for c in opinions}
        request_form.departments.choices = [
            SelectChoice(code, d.name) for code, d in current_rules().departments.items()
            if d.kind == "government" and code != item.department and code not in asked]
    check = verification.check_of(item)
    if lead and item.mode == lifecycle.COMMITMENT and item.status == lifecycle.APPROVED and check is None:
        verification_form = verification_form or VerificationForm(prefix="check")
    return render_template(
        "officer/item.html", item=item, entry=item.plan_entry, allowed=allowed, forms=forms,
        materials=materials_of(item), licence=licence_of(item),
        events=service.events_of(item), today=today, opinions=opinions, request_form=request_form,
        verification_form=verification_form, check=check,
        pending=[c.department for c in opinions if c.status == "requested"],
        revoked_prerequisites=verification.revoked_prerequisites(item),
        deadline=lifecycle.deadline_flag(current_calendar(), item.status, item.due_date, today),
        used=(lifecycle.working_days_used(current_calendar(), item.accepted_on, today, service.clock_pauses_of(item))
              if item.accepted_on else None),
    ), status


@blueprint.route("/items/<int:item_id>")
@officer_required
def item(item_id: int):
    """An item: project, deadline, materials checklist, actions and audit log."""
    return _render_item(_item(item_id))


@blueprint.route("/items/<int:item_id>/transition", methods=["POST"])
@officer_required
def transition(item_id: int):
    """Accept, accept with gaps, return, approve or refuse; back to the item."""
    item = _item(item_id)
    target = request.form.get("to", "")
    allowed = lifecycle.allowed_transitions(service.tracked(item), service.role_on(_me(), item))
    forms = _forms(item, allowed)
    form = forms.get(target) or TransitionForm(prefix=target)
    if not form.validate_on_submit():
        flash(_("表单有误，请检查后重新提交。"), "error")
        return _render_item(item, forms, 400)
    seen = request.form.get("version", "")
    try:
        service.transition(_me(), item_id, target, reason=form.reason.data,
                           missing_materials=form.listed_materials(), gaps_due=form.gaps_due.data,
                           document_number=form.document_number.data, faulty_files=form.files.data or [],
                           version=int(seen) if seen.isdigit() and len(seen) < 10 else None,
                           override_reason=form.override_reason.data)
    except TransitionError as exc:
        message = {
            "illegal_transition": _("该事项当前状态不允许此操作。"),
            "conflict": _("其他审批员刚刚处理了该事项，请查看最新状态。"),
            "invalid": _("请填写必填内容：%(fields)s", fields=_("、").join(
                str(getattr(form, INPUT_FIELDS.get(name, name), None).label.text)
                if hasattr(form, INPUT_FIELDS.get(name, name)) else name for name in exc.fields)),
            "opinions_pending": _("尚有部门未出具意见：%(departments)s。请等待意见，或填写未收到全部意见即办结的理由。",
                                  departments=_("、").join(department_names(getattr(exc, "pending", [])))),
        }.get(exc.code, exc.message)
        flash(message, "error")
        return _render_item(service.item_for(_me(), item_id), forms if exc.status == 400 else None, exc.status)
    except Forbidden:
        abort(403)
    flash(_("已%(action)s。", action=action_label(target)), "success")
    return redirect(url_for("officer.item", item_id=item_id), code=303)


#: The service's input names → the form field that asks for each.
INPUT_FIELDS = {"missing_materials": "materials"}


@blueprint.route("/figures")
@officer_required
def figures():
    """The department's own figures (the statistics' rows of its department):
    on-time rate, working days used against the committed, overdue now, due
    this week, ratings."""
    today = dt.date.today()
    tables = statistics_tables(today, _me().organisation.code)
    chart = stats.weekly_chart_svg(tables["weeks"], _("每周办结事项数"))
    return render_template("officer/figures.html", today=today, chart=chart,
                           item_names={c: pick(i.name, i.name_en) for c, i in current_rules().items.items()},
                           **tables)


@blueprint.route("/calendar")
@officer_required
def calendar():
    """A month grid of the department's open items by due date."""
    today = dt.date.today()
    try:
        year, month = (int(p) for p in request.args.get("month", f"{today:%Y-%m}").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        year, month, first = today.year, today.month, today.replace(day=1)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render_template("officer/calendar.html", weeks=weeks, first=first, today=today,
                           due=service.due_in_month(_me(), year, month), cal=current_calendar(),
                           previous=previous, following=following)


# --- circulation (征求意见) and 告知承诺 核查 ---------------------------------------


def _error_message(exc: TransitionError) -> str:
    return {
        "invalid": _("请填写必填内容：%(fields)s", fields=_("、").join(exc.fields)),
        "not_open": _("该事项当前不在办理中，不能征求意见。"),
        "already_requested": _("已向这些部门征求过意见。"),
        "already_answered": _("该征求意见已答复。"),
        "not_on_commitment": _("只有以告知承诺方式作出的审批决定需要核查。"),
        "already_checked": _("该审批决定已核查。"),
    }.get(exc.code, exc.message)


@blueprint.route("/items/<int:item_id>/consultations", methods=["POST"])
@officer_required
def request_consultations(item_id: int):
    """The lead department asks the checked departments for their opinions."""
    item = _item(item_id)
    form = ConsultationRequestForm(prefix="consult")
    if not form.validate_on_submit():
        flash(_("表单有误，请检查后重新提交。"), "error")
        return _render_item(item, status=400, request_form=form)
    try:
        circulation.request_opinions(_me(), item_id, form.departments.data or [], form.working_days.data)
    except TransitionError as exc:
        flash(_error_message(exc), "error")
        return _render_item(service.item_for(_me(), item_id), status=exc.status, request_form=form)
    except Forbidden:
        abort(403)
    flash(_("已发出征求意见。"), "success")
    return redirect(url_for("officer.item", item_id=item_id), code=303)


@blueprint.route("/items/<int:item_id>/verification", methods=["POST"])
@officer_required
def verify(item_id: int):
    """Record the 核查 of an approval given on commitment."""
    item = _item(item_id)
    form = VerificationForm(prefix="check")
    if not form.validate_on_submit():
        flash(_("表单有误，请检查后重新提交。"), "error")
        return _render_item(item, status=400, verification_form=form)
    try:
        verification.record_check(_me(), item_id, form.outcome.data, form.findings.data)
    except TransitionError as exc:
        flash(_error_message(exc), "error")
        return _render_item(service.item_for(_me(), item_id), status=exc.status, verification_form=form)
    except Forbidden:
        abort(403)
    flash(_("核查结果已记录。") if form.outcome.data == "passed" else _("核查未通过，审批决定已撤销。"), "success")
    return redirect(url_for("officer.item", item_id=item_id), code=303)


@blueprint.route("/consultations")
@officer_required
def consultations():
    """The open requests for the department's opinion, soonest due first."""
    return render_template("officer/consultations.html", requests=circulation.open_requests(_me()),
                           today=dt.date.today())


@blueprint.route("/consultations/<int:consultation_id>", methods=["GET", "POST"])
@officer_required
def consultation(consultation_id: int):
    """One request for the department's opinion, and the answer form."""
    try:
        found = circulation.consultation_for(_me(), consultation_id)
    except (NotFound, Forbidden) as exc:
        abort(exc.code)
    form = OpinionForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                circulation.answer(_me(), consultation_id, form.verdict.data, form.text.data)
            except TransitionError as exc:
                flash(_error_message(exc), "error")
                status = exc.status
            else:
                flash(_("意见已提交。"), "success")
                return redirect(url_for("officer.consultations"), code=303)
        else:
            flash(_("表单有误，请检查后重新提交。"), "error")
            status = 400
    return render_template("officer/consultation.html", consultation=found, item=found.item,
                           entry=found.item.plan_entry, form=form,
                           opinions=opinions_of(found.item)), status
