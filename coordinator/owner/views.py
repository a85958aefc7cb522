"""Owner pages. Each view parses input, calls one service, renders a page
or — for htmx requests — the fragment that changed."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.forms import TokenForm
from ..accounts.models import Role
from ..accounts.service import issue_token, revoke_token
from ..governance.service import current_rules
from ..planning import AnswersError, make_plan
from ..planning.planner import PlanOptions
from ..projects import service
from . import blueprint
from .charts import plan_charts
from .questionnaire import form_state, parse_form


def owner_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _date(text: str | None) -> tuple[dt.date | None, list[str]]:
    if not text:
        return None, []
    try:
        return dt.date.fromisoformat(text), []
    except ValueError:
        return None, [_("日期格式应为 YYYY-MM-DD")]


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
@owner_required
def edit_answers(project_id: int):
    """Change a project's answers: a new answer version and a new plan."""
    return _questionnaire(service.project_for(current_user, project_id))


def _questionnaire(project):
    """GET shows the questionnaire; ``action=preview`` (htmx on every change,
    or the no-JavaScript "update" button) re-renders it; ``action=submit``
    plans and stores."""
    rules = current_rules()
    form_url = url_for("owner.edit_answers", project_id=project.id) if project else url_for("owner.new_project")
    if request.method == "GET":
        if project:
            current = project.current_answers
            state = form_state(rules, current.answers, name=project.name, land_date=current.land_date)
        else:
            draft = service.draft_of(current_user)
            state = form_state(rules, draft.answers if draft else {}, name=draft.name if draft else "",
                               land_date=draft.land_date if draft else None)
        return render_template("owner/new_project.html", state=state, project=project, form_url=form_url,
                               preview=_preview(rules, state.answers, state.land_date))

    answers, raw = parse_form(rules, request.form)
    name = project.name if project else request.form.get("name", "").strip()
    land_date, date_errors = _date(request.form.get("land_date"))
    errors: dict[str, list[str]] = {"land_date": date_errors} if date_errors else {}
    submitting = request.form.get("action") == "submit"
    if submitting and not errors:
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
    elif not submitting:
        if project is None:
            service.save_draft(current_user, name, answers, land_date)
        try:
            make_plan(rules, answers, PlanOptions(land_date=land_date))
        except AnswersError as exc:
            # While typing, only flag answers that are wrong, not the ones still missing.
            errors.update({k: v for k, v in exc.fields.items() if v != ["required"]})
    state = form_state(rules, answers, raw, errors, name, land_date)
    template = "owner/_questionnaire.html" if _htmx() else "owner/new_project.html"
    return render_template(template, state=state, project=project, form_url=form_url,
                           preview=_preview(rules, answers, land_date)), 400 if submitting else 200


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
        "eligible": plan.eligibility.eligible,
    }


@blueprint.route("/projects/<int:project_id>")
@owner_required
def project(project_id: int):
    project = service.project_for(current_user, project_id)
    plan = project.current_plan.plan
    return render_template("owner/project.html", project=project, plan=plan, **_charts(plan))


@blueprint.route("/projects/<int:project_id>/what-if", methods=["POST"])
@owner_required
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
@owner_required
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
    gantt, flowchart = plan_charts(plan, rules)
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
