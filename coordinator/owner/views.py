"""Owner pages. Each view parses input, calls one service, renders a page
or — for htmx requests — the fragment that changed."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from werkzeug.exceptions import NotFound

from ..planning import limits
from ..accounts.forms import TokenForm
from ..accounts.models import Role
from ..accounts.service import issue_token, revoke_token
from ..agents import service as agents
from ..governance.service import current_rules
from ..planning import AnswersError, make_plan
from ..planning.planner import PlanOptions
from ..extensions import db
from ..intermediaries import service as intermediaries
from ..intermediaries.award import award, engage_outside
from ..intermediaries.models import IntermediaryRequest
from ..intermediaries.service import IntermediaryError, NotTheOwner
from ..projects import service
from ..servicerequests.service import RequestConflict, RequestNotFound
from ..tracking.lifecycle import TransitionError
from . import blueprint
from .charts import plan_charts
from .questionnaire import ALL, form_state, moved, parse_form, step_of, steps




def _roles_required(*roles: Role):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


#: The owner's own pages (their project list, new projects, settings).
owner_required = _roles_required(Role.owner)
#: A project's pages: its owner, or the agent holding it (``project_for`` decides which project).
for_owner_required = _roles_required(Role.owner, Role.agent)


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _date(text: str | None) -> tuple[dt.date | None, list[str]]:
    if not text:
        return None, []
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None, [_("日期格式应为 YYYY-MM-DD")]
    if limits.date_problem(day):
        return None, [_("日期应在 %(min)s 至 %(max)s 之间", min=limits.EARLIEST_DATE.isoformat(),
                        max=limits.LATEST_DATE.isoformat())]
    return day, []


@blueprint.route("/projects")
@owner_required
def projects():
    return render_template("owner/projects.html", summaries=service.projects_of(current_user),
                           draft=service.draft_of(current_user))


@blueprint.route("/projects/new", methods=["GET", "POST"])
@owner_required
def new_project():
    """The questionnaire for a new project; the answers are kept as a draft."""
    return _questionnaire(None)


@blueprint.route("/projects/<int:project_id>/answers", methods=["GET", "POST"])
@for_owner_required
def edit_answers(project_id: int):
    """Change a project's answers: a new answer version and a new plan."""
    return _questionnaire(service.project_for(current_user, project_id))


def _questionnaire(project):
    """GET shows the questionnaire's first step (or ``?step=``). A POST
    carries every answer given so far and the ``step`` shown: ``action=next``
    checks that step's answers and moves on, ``back`` and ``step:ID`` move
    without checking, ``preview`` (htmx on every change, or the no-JavaScript
    "update" button) re-renders the step, ``submit`` plans and stores. A
    post without ``step`` is the whole questionnaire on one page."""
    rules = current_rules()
    form_url = url_for("owner.edit_answers", project_id=project.id) if project else url_for("owner.new_project")
    if request.method == "GET":
        if project:
            current = project.current_answers
            state = form_state(rules, current.answers, name=project.name, land_date=current.land_date,
                               step=request.args.get("step", ""))
        else:
            draft = service.draft_of(current_user)
            state = form_state(rules, draft.answers if draft else {}, name=draft.name if draft else "",
                               land_date=draft.land_date if draft else None, step=request.args.get("step", ""))
        return render_template("owner/new_project.html", state=state, project=project, form_url=form_url,
                               preview=_preview(rules, state.answers, state.land_date))

    answers, raw = parse_form(rules, request.form)
    name = project.name if project else request.form.get("name", "").strip()
    land_date, date_errors = _date(request.form.get("land_date"))
    errors: dict[str, list[str]] = {"land_date": date_errors} if date_errors else {}
    action = request.form.get("action", "preview")
    step = request.form.get("step") or ALL
    order = steps(rules, answers)
    refused = False
    if action == "submit" and not errors:
        try:
            if project:
                service.revise_project(project, current_user, answers, land_date)
            else:
                project = service.create_project(current_user, name, answers, land_date)
        except (AnswersError, service.ProjectError) as exc:
            errors.update(exc.fields)
        else:
            flash(_("审批计划已生成"), "success")
            return redirect(url_for("owner.project", project_id=project.id), code=303)
    if action == "submit":
        refused = True
        if step != ALL:  # back to the first step with an error, where it is shown
            wrong = {step_of(rules, key, order) for key in errors}
            step = next((s for s in order if s in wrong), step)
    else:
        if project is None:
            service.save_draft(current_user, name, answers, land_date)
        problems = _problems(rules, answers, land_date, name if project is None else None)
        # While typing, only flag answers that are wrong, not the ones still missing.
        errors.update({k: v for k, v in problems.items() if v != ["required"]})
        if action == "next" and step in order:
            here = {k for k in list(problems) + list(errors) if step_of(rules, k, order) == step}
            if here:
                # A required answer is flagged once its question was on the page the owner sent.
                asked = set(request.form.getlist("asked"))
                errors.update({k: problems[k] for k in here if k in asked and k in problems})
                refused = any(errors.get(k) for k in here)
            else:
                step = moved(order, step, action)
        else:
            step = moved(order, step, action)
    state = form_state(rules, answers, raw, errors, name, land_date, step)
    template = "owner/_questionnaire.html" if _htmx() else "owner/new_project.html"
    return render_template(template, state=state, project=project, form_url=form_url,
                           preview=_preview(rules, answers, land_date)), 400 if refused else 200


def _problems(rules, answers, land_date, name: str | None) -> dict[str, list[str]]:
    """Every problem of the answers (and of the new project's ``name``), missing ones included."""
    problems: dict[str, list[str]] = {}
    if name is not None:
        try:
            service.check_name(name)
        except service.ProjectError as exc:
            problems.update(exc.fields)
    try:
        make_plan(rules, answers, PlanOptions(land_date=land_date))
    except AnswersError as exc:
        problems.update(exc.fields)
    return problems


def _preview(rules, answers, land_date):
    """How many items and working days the answers lead to, when they are complete."""
    try:
        plan = make_plan(rules, answers, PlanOptions(land_date=land_date))
    except AnswersError as exc:
        missing = sum(1 for v in exc.fields.values() if v == ["required"])
        return {"ready": False, "missing": missing}
    return {
        "ready": True,
        "items": sum(1 for p in plan.items if p.item.kind != "milestone"),
        "total": plan.total_working_days,
        "serial": plan.serial_working_days,
        "parallel": plan.parallel_review_working_days,
        "saved": plan.saved_working_days,
        "government": plan.government_working_days,
        "eligible": plan.eligibility.eligible,
    }


@blueprint.route("/projects/<int:project_id>")
@for_owner_required
def project(project_id: int):
    project = service.project_for(current_user, project_id)
    plan = project.current_plan.plan
    return render_template("owner/project.html", project=project, plan=plan, helper=agents.helper_of(project),
                           acts=agents.ACTS, **_charts(plan), **_service_requests(project))


def _service_requests(project) -> dict:
    """The project's intermediary requests with the record of every agency that quoted."""
    requests = intermediaries.requests_of(project)
    agencies = {q.agency for r in requests for q in r.quotes if q.agency is not None}
    return {"service_requests": requests, "agency_records": intermediaries.agency_records(list(agencies)),
            "item_names": {c: (i.name, i.name_en) for c, i in current_rules().items.items()},
            "agency_ratings": {r.id: intermediaries.rating_of(r) for r in requests if r.status == "delivered"}}


@blueprint.route("/service-requests/<int:request_id>/award", methods=["POST"])
@for_owner_required
def award_quote(request_id: int):
    """Award a quote from the comparison on the plan page."""
    try:
        quote_id = int(request.form.get("quote_id", ""))
        awarded = award(request_id, current_user, quote_id)
    except (ValueError, IntermediaryError):
        flash(_("请选择该需求的一份报价。"), "error")
        awarded = None
    except RequestNotFound:
        abort(404)
    except NotTheOwner:
        abort(403)
    except RequestConflict:
        flash(_("该需求已委托，不能再次委托。"), "error")
        awarded = None
    if awarded is not None:
        flash(_("已委托，计划已按报价工期更新。"), "success")
        project_id = awarded.project_id
    else:
        project_id = db.session.get(IntermediaryRequest, request_id).project_id
    return redirect(url_for("owner.project", project_id=project_id, _anchor="service-requests"), code=303)



@blueprint.route("/service-requests/<int:request_id>/outside-agency", methods=["POST"])
@for_owner_required
def engage_outside_agency(request_id: int):
    """Record an agency engaged outside the platform (awarded at once)."""
    try:
        request_row = intermediaries.owner_request(current_user, request_id, "award")
        engage_outside(request_id, current_user, request.form.get("agency", ""),
                       _whole(request.form.get("fee_yuan")), _whole(request.form.get("working_days")))
    except RequestNotFound:
        abort(404)
    except NotTheOwner:
        abort(403)
    except IntermediaryError:
        flash(_("未保存：请填写机构名称、费用（整数元）和工期（工作日）。"), "error")
    except RequestConflict:
        flash(_("该需求已委托，不能再次委托。"), "error")
    else:
        flash(_("已记录平台外委托，计划已按约定工期更新。"), "success")
    return redirect(url_for("owner.project", project_id=request_row.project_id, _anchor="service-requests"),
                    code=303)


def _whole(text: str | None) -> int | None:
    """A whole number typed in a form (``None`` when it is not one)."""
    try:
        return int((text or "").strip())
    except ValueError:
        return None


@blueprint.route("/projects/<int:project_id>/agent-requests", methods=["POST"])
@owner_required
def ask_for_agent(project_id: int):
    """申请帮办代办 from the project page, granting the acts ticked."""
    try:
        agents.request_agent(current_user._get_current_object(), project_id, request.form.getlist("acts"))
    except NotFound:
        abort(404)
    except (TransitionError, RequestConflict):
        flash(_("请至少选择一项授权，且项目没有正在办理的帮办代办。"), "error")
    else:
        flash(_("已申请帮办代办，服务站点的帮办代办员认领后会与您联系。"), "success")
    return redirect(url_for("owner.project", project_id=project_id, _anchor="agent"), code=303)


@blueprint.route("/projects/<int:project_id>/agent-requests/decline", methods=["POST"])
@owner_required
def decline_agent(project_id: int):
    """The owner declines the agent offered to a key project (or withdraws its own request)."""
    try:
        agents.decline(current_user._get_current_object(), project_id)
    except NotFound:
        abort(404)
    flash(_("已撤回帮办代办申请。"), "success")
    return redirect(url_for("owner.project", project_id=project_id, _anchor="agent"), code=303)


@blueprint.route("/projects/<int:project_id>/agent/revoke", methods=["POST"])
@owner_required
def revoke_agent(project_id: int):
    """The owner ends the agent's grant."""
    try:
        agents.revoke(current_user._get_current_object(), project_id)
    except NotFound:
        abort(404)
    flash(_("已撤销帮办代办授权。"), "success")
    return redirect(url_for("owner.project", project_id=project_id, _anchor="agent"), code=303)


@blueprint.route("/projects/<int:project_id>/what-if", methods=["POST"])
@for_owner_required
def what_if(project_id: int):
    """Re-plan for another land date without storing it ("what if we win the land on …")."""
    project = service.project_for(current_user, project_id)
    land_date, errors = _date(request.form.get("land_date"))
    if errors:
        plan, what_if_error = project.current_plan.plan, errors[0]
    else:
        plan, what_if_error = service.what_if(project, land_date).to_json(), None
    template = "owner/_plan.html" if _htmx() else "owner/project.html"
    return render_template(template, project=project, plan=plan, what_if=True,
                           what_if_error=what_if_error, **_charts(plan)), 400 if errors else 200


@blueprint.route("/projects/<int:project_id>/land-date", methods=["POST"])
@for_owner_required
def save_land_date(project_id: int):
    """Keep a land date: a new answer version and plan."""
    project = service.project_for(current_user, project_id)
    land_date, errors = _date(request.form.get("land_date"))
    if errors:
        flash(errors[0], "error")
    else:
        answers = project.current_answers
        service.revise_project(project, current_user, answers.answers, land_date, answers.commitment)
        flash(_("已按新的拿地日期重新生成计划"), "success")
    return redirect(url_for("owner.project", project_id=project.id), code=303)


def _charts(plan: dict) -> dict:
    rules = current_rules()
    stages = sorted(rules.stages.values(), key=lambda s: s.order)
    gantt, flowchart = plan_charts(plan, rules, str(get_locale() or "zh")[:2])
    return {"gantt": gantt, "flowchart": flowchart, "stages": stages}


@blueprint.route("/settings", methods=["GET", "POST"])
@owner_required
def settings():
    """API tokens: create (shown once) and revoke."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = issue_token(current_user, form.name.data)
    tokens = sorted(current_user.tokens, key=lambda t: t.id, reverse=True)
    return render_template("owner/settings.html", form=form, tokens=tokens, new_token=new_token)


@blueprint.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@owner_required
def revoke(token_id: int):
    if not revoke_token(current_user, token_id):
        abort(404)
    flash(_("令牌已撤销"), "success")
    return redirect(url_for("owner.settings"), code=303)
