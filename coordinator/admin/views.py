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

from ..accounts.models import Organisation, OrganisationKind, Role, User
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
from ..governance.service import current_rules
from ..tracking.reminders import overdue_board
from . import blueprint
from .forms import CalendarForm, choices, FileEditForm, ItemEditForm, OrganisationForm, UploadForm, UserForm

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
    return render_template(template, version=found, impacts=impacts, problem=problem)


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
                handled.setdefault(department, []).append(item.name)
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
        districts = [d.strip() for d in form.districts.data.replace("，", ",").replace("、", ",").split(",")]
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
