"""Admin pages. Each view parses a form, calls one service and renders a
page or — for htmx requests — the fragment that changed."""
from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import _pick as pick
from ..accounts.models import Organisation, OrganisationKind, Role, User
from ..agents import service as agents
from ..accounts.service import AccountError, admin_create_user, change_user, organisations, save_organisation, \
    set_user_active
from ..audit.service import audit_entries
from ..extensions import db, login_manager
from ..governance import service as rules_service
from ..governance.impact import preview_impact, replan_stale_projects, stale_projects
from ..governance.models import VersionStatus
from ..hookups.models import ProviderWebhook
from ..governance.service import GovernanceError
from ..governance.bundles import BundleError, CalendarNoticeError, bundle_from_zip, bundle_items, \
    parse_calendar_notice, replace_files
from ..planning.rulebase import RuleBaseError, safe_load
from ..servicerequests.service import RequestConflict, RequestNotFound
from ..tracking.lifecycle import InvalidTransition
from ..governance.service import current_rules
from ..tracking.reminders import overdue_board
from . import blueprint
from ..intermediaries import service as intermediaries
from ..intermediaries.service import IntermediaryError
from .forms import AgencyForm, CalendarForm, choices, FileEditForm, ItemEditForm, OrganisationForm, QualificationForm, \
    UploadForm, UserForm

OPTIONAL_MARKS = ("容缺", "optional", "非必要")


@blueprint.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != Role.admin:
        abort(403)
    return None


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@blueprint.route("/")
def index():
    rules = current_rules()
    return render_template("admin/index.html", rules=rules, published=rules_service.published_version(),
                           draft=rules_service.open_draft(), days=rules_service.calendar_days(),
                           entries=audit_entries(limit=10))


# --------------------------------------------------------------------------
# Rule versions


@blueprint.route("/rules")
def rules():
    return render_template("admin/rules.html", versions=rules_service.versions(), rules=current_rules(),
                           form=UploadForm(), stale=stale_projects())


@blueprint.route("/rules/upload", methods=["POST"])
def upload():
    """A zip holds a whole rule base; single .yaml files replace the files
    of the same name in the rule base in force."""
    form = UploadForm()
    uploads = [f for f in (form.files.data or []) if f and f.filename]
    if not form.validate_on_submit() or not uploads:
        flash(_("请选择要上传的文件"), "error")
        return redirect(url_for("admin.rules"))
    try:
        if len(uploads) == 1 and uploads[0].filename.lower().endswith(".zip"):
            files = bundle_from_zip(uploads[0].read())
        else:
            files = replace_files(rules_service.current_bundle(), {f.filename: f.read() for f in uploads})
    except BundleError as exc:
        flash(_("无法读取上传的文件：%(reason)s", reason=str(exc)), "error")
        return redirect(url_for("admin.rules"))
    version = rules_service.create_draft(current_user, files, form.note.data or "")
    return redirect(url_for("admin.version", version_id=version.id))


@blueprint.route("/rules/items")
def items():
    """The items of the open draft (or the rule base in force), to edit."""
    draft = rules_service.open_draft()
    try:
        rows = bundle_items(draft.files if draft else rules_service.current_bundle())
    except BundleError as exc:
        return _unreadable_draft(draft, exc)
    return render_template("admin/items.html", rows=rows, draft=draft)


def _unreadable_draft(draft, exc: BundleError):
    flash(_("草稿中的事项文件无法读取：%(reason)s", reason=str(exc)), "error")
    return redirect(url_for("admin.version", version_id=draft.id))


@blueprint.route("/rules/items/<code>", methods=["GET", "POST"])
def edit_item(code: str):
    """Edit one item's time limit, materials, modes, condition and dates in
    force; the change goes to the open draft (a new draft when there is none)."""
    draft = rules_service.open_draft()
    files = draft.files if draft else rules_service.current_bundle()
    try:
        rows = dict((r["code"], r) for _file, r in bundle_items(files) if "code" in r)
    except BundleError as exc:
        return _unreadable_draft(draft, exc)
    row = rows.get(code) or abort(404)
    form = ItemEditForm(data=_item_form_data(row)) if request.method == "GET" else ItemEditForm()
    if form.validate_on_submit():
        changes = _item_changes(form, row)
        if changes is not None:
            if not changes:
                flash(_("没有修改"), "success")
                return redirect(url_for("admin.items"))
            draft = rules_service.edit_draft_item(current_user, code, changes, draft)
            flash(_("已保存到草稿版本 %(number)s", number=draft.number), "success")
            return redirect(url_for("admin.version", version_id=draft.id))
    return render_template("admin/item_edit.html", form=form, row=row, draft=draft), 400 if form.errors else 200


def _item_form_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "committed_days": row.get("committed_days", 0),
        "commitment_days": row.get("commitment_days"),
        "materials": "\n".join(_material_line(m) for m in row.get("materials") or ()),
        "modes": _yaml(row.get("modes", ["standard"])),
        "applies_if": _yaml(row["applies_if"]) if row.get("applies_if") is not None else "",
        "valid_from": row.get("valid_from"),
        "valid_until": row.get("valid_until"),
    }


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=True, width=1000).strip()


def _material_line(m: Any) -> str:
    if isinstance(m, str):
        return m
    parts = [m.get("name", ""), "" if m.get("essential", True) else OPTIONAL_MARKS[0], m.get("note", "")]
    if m.get("if") is not None:  # a material needed only while its condition holds
        parts.append(_yaml(m["if"]))
    return " | ".join(parts).rstrip(" |")


def _parse_materials(text: str) -> list[Any]:
    out: list[Any] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|", 3)]
        if not parts[0]:
            continue
        optional = len(parts) > 1 and parts[1] in OPTIONAL_MARKS
        note = parts[2] if len(parts) > 2 else ""
        try:
            condition = yaml.safe_load(parts[3]) if len(parts) > 3 and parts[3] else None
        except yaml.YAMLError:
            condition = parts[3]  # the rule checks reject it with its path
        if not optional and not note and condition is None:
            out.append(parts[0])
        else:
            entry: dict[str, Any] = {"name": parts[0]}
            if optional:
                entry["essential"] = False
            if note:
                entry["note"] = note
            if condition is not None:
                entry["if"] = condition
            out.append(entry)
    return out


def _item_changes(form: ItemEditForm, row: dict[str, Any]) -> dict[str, Any] | None:
    """The fields that differ from ``row``; ``None`` (with form errors) when
    the YAML fields cannot be read."""
    parsed: dict[str, Any] = {
        "committed_days": form.committed_days.data,
        "commitment_days": form.commitment_days.data,
        "materials": _parse_materials(form.materials.data or ""),
        "valid_from": form.valid_from.data,
        "valid_until": form.valid_until.data,
    }
    for name in ("modes", "applies_if"):
        field = getattr(form, name)
        try:
            parsed[name] = safe_load(field.data) if (field.data or "").strip() else None
        except yaml.YAMLError as exc:
            field.errors.append(_("不是有效的 YAML：%(reason)s", reason=getattr(exc, "problem", str(exc))))
            return None
    if parsed["modes"] is not None and not isinstance(parsed["modes"], list):
        form.modes.errors.append(_("办理方式是一个列表，例如 [standard, commitment]"))
        return None
    current = {"committed_days": row.get("committed_days", 0), "commitment_days": row.get("commitment_days"),
               "materials": row.get("materials") or [], "modes": row.get("modes", ["standard"]),
               "applies_if": row.get("applies_if"), "valid_from": row.get("valid_from"),
               "valid_until": row.get("valid_until")}
    return {k: v for k, v in parsed.items() if v != current[k]}


@blueprint.route("/rules/<int:version_id>")
def version(version_id: int):
    found = rules_service.get_version(version_id)
    if found is None:
        abort(404)
    return render_template("admin/version.html", version=found, draft=found.status == VersionStatus.draft)


@blueprint.route("/rules/<int:version_id>/impact")
def impact(version_id: int):
    """Which stored projects' plans the version would change."""
    found = rules_service.get_version(version_id)
    if found is None:
        abort(404)
    try:
        impacts, problem = preview_impact(found), ""
    except RuleBaseError:
        impacts, problem = [], _("该版本未通过校验，无法预览影响")
    template = "admin/_impact.html" if _htmx() else "admin/impact.html"
    names = {code: pick(item.name, item.name_en) for code, item in current_rules().items.items()}
    return render_template(template, version=found, impacts=impacts, problem=problem, item_names=names)


@blueprint.route("/rules/<int:version_id>/files/<path:name>", methods=["GET", "POST"])
def edit_file(version_id: int, name: str):
    """Edit one YAML file of a draft (for example its rule tests)."""
    found = rules_service.get_version(version_id)
    if found is None or (request.method == "GET" and name not in found.files):
        abort(404)
    form = FileEditForm(data={"text": found.files.get(name, "")}) if request.method == "GET" else FileEditForm()
    if form.validate_on_submit():
        try:
            rules_service.replace_draft_file(current_user, found, name, form.text.data or "")
        except GovernanceError as exc:
            flash(str(exc), "error")
        return redirect(url_for("admin.version", version_id=found.id))
    return render_template("admin/file_edit.html", version=found, name=name, form=form), 400 if form.errors else 200


@blueprint.route("/rules/<int:version_id>/publish", methods=["POST"])
def publish(version_id: int):
    found = rules_service.get_version(version_id)
    if found is None:
        abort(404)
    try:
        rules_service.publish(current_user, found)
    except GovernanceError:
        flash(_("版本 %(number)s 未通过校验或规则测试，不能发布", number=found.number), "error")
        return redirect(url_for("admin.version", version_id=found.id))
    flash(_("版本 %(number)s 已发布", number=found.number), "success")
    return redirect(url_for("admin.rules"))


@blueprint.route("/rules/replan", methods=["POST"])
def replan():
    """Re-plan every project whose plan changes under the rule base in force."""
    done = replan_stale_projects(current_user)
    if done:
        flash(_("已重新编制 %(count)s 个项目的计划：%(names)s", count=len(done),
                names="、".join(i.project.name for i in done)), "success")
    else:
        flash(_("没有需要重新编制计划的项目"), "success")
    return redirect(url_for("admin.rules"))


# --------------------------------------------------------------------------
# Calendar


@blueprint.route("/calendar", methods=["GET", "POST"])
def calendar():
    """Paste the State Council's holiday notice; the days are stored and
    take precedence over chinesecalendar."""
    form = CalendarForm()
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        try:
            days = parse_calendar_notice(form.notice.data)
        except CalendarNoticeError as exc:
            errors = exc.errors
        else:
            changed = rules_service.save_calendar_days(current_user, days)
            flash(_("已保存 %(count)s 天", count=changed), "success")
            return redirect(url_for("admin.calendar"))
    days = rules_service.calendar_days()
    years = sorted({d.date.year for d in days})
    status = 400 if errors or form.errors else 200
    return render_template("admin/calendar.html", form=form, days=days, years=years, errors=errors), status


@blueprint.route("/calendar/<day>/delete", methods=["POST"])
def delete_day(day: str):
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not rules_service.delete_calendar_day(current_user, date):
        abort(404)
    return redirect(url_for("admin.calendar"))


# --------------------------------------------------------------------------
# Organisations and users


def _user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    form.organisation_id.choices = choices([(0, "—")] + [(o.id, f"{o.name} ({o.code})") for o in organisations()])
    return form


@blueprint.route("/organisations")
def organisations_page():
    rules = current_rules()
    handled: dict[str, list[str]] = {}
    for item in rules.items.values():
        for department in dict.fromkeys([item.department] + [r.department for r in item.department_if]):
            if department:
                handled.setdefault(department, []).append(pick(item.name, item.name_en))
    users = list(db.session.scalars(select(User).order_by(User.role, User.username)))
    webhooks = {w.organisation_id: w.url for w in db.session.scalars(select(ProviderWebhook))}
    return render_template("admin/organisations.html", organisations=organisations(), handled=handled,
                           webhooks=webhooks, users=users, org_form=OrganisationForm(), user_form=_user_form(),
                           roles=[r.value for r in Role])


@blueprint.route("/organisations/new", methods=["POST"])
@blueprint.route("/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation(org_id: int | None = None):
    org = db.session.get(Organisation, org_id) if org_id else None
    if org_id and org is None:
        abort(404)
    if request.method == "GET":
        form = OrganisationForm(data={"code": org.code, "kind": org.kind.value, "name": org.name,
                                      "utility": org.utility or "", "districts": "，".join(org.districts or []),
                                      "contacts": org.contacts})
        return render_template("admin/organisation.html", org=org, form=form)
    form = OrganisationForm()
    if form.validate_on_submit():
        districts = _districts(form.districts.data)
        try:
            save_organisation(current_user, org, code=(form.code.data or "").strip(),
                              kind=org.kind if org else OrganisationKind(form.kind.data), name=form.name.data.strip(),
                              utility=form.utility.data or None, districts=districts, contacts=form.contacts.data or "")
        except AccountError as exc:
            flash(_("未保存：%(reason)s", reason=str(exc)), "error")
        else:
            flash(_("已保存"), "success")
    else:
        flash(_("未保存：请检查各项内容"), "error")
    return redirect(url_for("admin.organisations_page"))


def _districts(text: str) -> list[str]:
    """Districts or zones named in a field, separated by commas (，、 too)."""
    return [d.strip() for d in text.replace("，", ",").replace("、", ",").split(",")]


def _org_of(form: UserForm) -> Organisation | None:
    return db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None


@blueprint.route("/users/new", methods=["POST"])
def new_user():
    form = _user_form()
    if form.validate_on_submit():
        try:
            admin_create_user(current_user, username=(form.username.data or "").strip(), password=form.password.data or "",
                              role=Role(form.role.data), display_name=(form.display_name.data or "").strip(),
                              organisation=_org_of(form))
        except AccountError as exc:
            flash(_("未保存：%(reason)s", reason=str(exc)), "error")
        else:
            flash(_("已添加用户"), "success")
    else:
        flash(_("未保存：请检查各项内容"), "error")
    return redirect(url_for("admin.organisations_page"))


@blueprint.route("/users/<int:user_id>", methods=["POST"])
def user(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    form = _user_form()
    if form.validate_on_submit():
        try:
            change_user(current_user, target, role=Role(form.role.data), organisation=_org_of(form))
        except AccountError as exc:
            flash(_("未保存：%(reason)s", reason=str(exc)), "error")
        else:
            flash(_("已保存"), "success")
    return redirect(url_for("admin.organisations_page"))


@blueprint.route("/users/<int:user_id>/active", methods=["POST"])
def user_active(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    try:
        set_user_active(current_user, target, request.form.get("active") == "1")
    except AccountError as exc:
        flash(_("未保存：%(reason)s", reason=str(exc)), "error")
    return redirect(url_for("admin.organisations_page"))


# --------------------------------------------------------------------------
# 帮办代办: assigning agents


@blueprint.route("/agents")
def agents_page():
    """Requests waiting for an agent (escalated first) and the projects no agent holds, each with the agents to assign."""
    return render_template("admin/agents.html", waiting=agents.waiting_requests(), agents=agents.active_agents(),
                           projects=agents.projects_without_agent(), key_project=agents.offered_as_key_project)


@blueprint.route("/agents/requests/<int:request_id>/assign", methods=["POST"])
def assign_agent_request(request_id: int):
    """Give a waiting request to the chosen agent."""
    return _assigned(lambda: agents.assign(current_user, request_id, request.form.get("agent")))


@blueprint.route("/agents/projects/assign", methods=["POST"])
def assign_agent_to_project():
    """Assign the chosen agent to the chosen project directly."""
    return _assigned(lambda: agents.assign_to_project(current_user, request.form.get("project_id", type=int) or 0,
                                                      request.form.get("agent")))


def _assigned(assign):
    try:
        done = assign()
    except RequestNotFound:
        abort(404)
    except InvalidTransition:
        flash(_("未指派：请选择一名帮办代办员。"), "error")
    except RequestConflict:
        flash(_("未指派：该项目已有帮办代办员。"), "error")
    else:
        flash(_("已指派 %(agent)s 代办 %(project)s", agent=done.agent.display_name, project=done.project.name), "success")
    return redirect(url_for("admin.agents_page"), code=303)


# The agency registry (中介机构)


def _qualification_form(**kwargs) -> QualificationForm:
    form = QualificationForm(**kwargs)
    form.service.choices = choices([(c, s.name) for c, s in current_rules().services.items()])
    return form


@blueprint.route("/agencies")
def agencies():
    """Every agency with its districts, qualifications (an expired one or a
    suspension stops new offers) and figures."""
    rows = intermediaries.agencies()
    return render_template("admin/agencies.html", agencies=rows, today=dt.date.today(),
                           qualifications={o.id: intermediaries.qualifications_of(o) for o in rows},
                           records=intermediaries.agency_records(rows), agency_form=AgencyForm(),
                           qualification_form=_qualification_form())


def _registry_act(org: Organisation | None, action: str, change, done: str):
    """Do an audited registry change; the refusal names the fields at fault."""
    try:
        intermediaries.registry_act(current_user, org, action, change)
    except IntermediaryError as exc:
        labels = {**{f.name: f.label.text for f in AgencyForm()}, **{f.name: f.label.text for f in QualificationForm()}}
        flash(_("未保存：请检查%(fields)s", fields="、".join(str(labels.get(f, f)) for f in exc.fields)), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.agencies"), code=303)


@blueprint.route("/agencies", methods=["POST"])
def register_agency():
    form = AgencyForm()
    if not form.validate_on_submit():
        flash(_("未保存：请填写机构名称、代码和服务区域"), "error")
        return redirect(url_for("admin.agencies"), code=303)
    return _registry_act(None, "create", lambda: intermediaries.register_agency(
        form.code.data, form.name.data, _districts(form.districts.data)), _("已登记中介机构"))


def _agency(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind != OrganisationKind.agency:
        abort(404)
    return org


@blueprint.route("/agencies/<int:org_id>/qualifications", methods=["POST"])
def qualify_agency(org_id: int):
    org = _agency(org_id)
    form = _qualification_form()
    if not form.validate_on_submit():
        flash(_("未保存：请选择服务并填写证书名称、编号和有效期"), "error")
        return redirect(url_for("admin.agencies"), code=303)
    return _registry_act(org, "qualify", lambda: intermediaries.qualify(
        org, form.service.data, form.certificate_name.data, form.certificate_number.data, form.valid_until.data),
        _("已保存资质"))


@blueprint.route("/agencies/<int:org_id>/suspension", methods=["POST"])
def suspend_agency(org_id: int):
    org = _agency(org_id)
    suspend = request.form.get("suspended") == "1"
    return _registry_act(org, "suspend" if suspend else "reinstate",
                         lambda: intermediaries.set_suspended(org, suspend),
                         _("已暂停该机构") if suspend else _("已恢复该机构"))


# --------------------------------------------------------------------------
# Audit


@blueprint.route("/audit")
def audit():
    entity = request.args.get("entity") or None
    return render_template("admin/audit.html", entries=audit_entries(entity, limit=500), entity=entity)


@blueprint.route("/overdue")
def overdue():
    """The overdue board (电子监察): red once a deadline passed, yellow when
    at most one working day is left, with counts per department."""
    return render_template("admin/overdue.html", board=overdue_board(), today=dt.date.today())
