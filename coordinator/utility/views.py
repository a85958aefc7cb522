"""Utility portal pages. Each view parses input, calls one service, renders
a page or — for htmx requests — the fragment that changed."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..governance.service import current_calendar
from ..hookups import flow
from ..hookups.service import (
    HookupConflict, HookupNotFound, claim_hookup, claimed_by, escalated, offered_to, report_progress,
)
from ..servicerequests.deadlines import working_days_left
from ..notifications.delivery import count_by_status, dead_letters, retry
from . import HOOKUP_STATUS_NAMES, blueprint
from .forms import ProgressForm, WebhookForm
from .service import WebhookError, register_webhook, rotate_secret, webhook_of


def role_required(role: Role):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _lists(status: int = 200, message: str | None = None, error: bool = False):
    """The inbox page, or its lists fragment for htmx."""
    org = current_user.organisation
    today = dt.date.today()
    calendar = current_calendar()
    context = {
        "offered": [(r, working_days_left(r.claim_by, today, calendar)) for r in offered_to(org)],
        "mine": claimed_by(org), "today": today, "org": org, "message": message, "error": error,
        "allowed_progress": flow.allowed_progress,
        "target_overdue": flow.target_overdue,
    }
    template = "utility/_hookups.html" if _htmx() else "utility/inbox.html"
    return render_template(template, **context), status


def _done(message: str, status: int = 200, error: bool = False):
    if _htmx():
        return _lists(status, message, error)
    flash(message, "error" if error else "success")
    return redirect(url_for("utility.inbox"))


@blueprint.route("/")
@role_required(Role.utility)
def inbox():
    """Requests offered in the provider's area, and the ones it claimed."""
    return _lists()


@blueprint.route("/hookups/<int:hookup_id>/claim", methods=["POST"])
@role_required(Role.utility)
def claim(hookup_id: int):
    try:
        claimed = claim_hookup(hookup_id, current_user)
    except HookupNotFound:
        abort(404)
    except HookupConflict as exc:
        if exc.mine:
            return _done(_("您单位已认领该需求（可能在另一个窗口中）。"), 409, error=True)
        return _done(_("该需求已被其他企业认领。"), 409, error=True)
    return _done(_("已认领：%(name)s。请尽快联系建设单位。", name=claimed.project.name))


@blueprint.route("/hookups/<int:hookup_id>/progress", methods=["POST"])
@role_required(Role.utility)
def progress(hookup_id: int):
    form = ProgressForm()
    if not form.validate():
        return _done(_("请选择有效的进展和日期。"), 400, error=True)
    try:
        report_progress(hookup_id, current_user, form.to.data, form.note.data or "", form.date.data)
    except HookupNotFound:
        abort(404)
    except HookupConflict:
        return _done(_("当前状态下不能登记该进展。"), 409, error=True)
    return _done(_("已登记进展：%(status)s", status=HOOKUP_STATUS_NAMES[form.to.data]))


@blueprint.route("/settings", methods=["GET", "POST"])
@role_required(Role.utility)
def settings():
    """Register the provider's webhook URL; a first registration shows the secret once."""
    return webhook_settings("utility.settings", "utility.rotate")


@blueprint.route("/settings/rotate", methods=["POST"])
@role_required(Role.utility)
def rotate():
    """A new signing secret, shown once on the page."""
    return webhook_rotation("utility.settings", "utility.rotate")


def webhook_settings(settings_endpoint: str, rotate_endpoint: str):
    """The webhook page of the user's organisation (a utility provider or an
    agency): register or change the URL; a first registration shows the
    secret once."""
    org = current_user.organisation
    hook = webhook_of(org) if org else None
    form = WebhookForm(url=hook.url if hook else "")
    new_secret, status = None, 200
    if org is not None and form.validate_on_submit():
        try:
            hook, new_secret = register_webhook(org, form.url.data)
            flash(_("Webhook 地址已保存。"), "success")
        except WebhookError as exc:
            form.url.errors = [webhook_problem(exc)]
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("utility/settings.html", form=form, hook=hook, new_secret=new_secret, org=org,
                           settings_url=url_for(settings_endpoint), rotate_url=url_for(rotate_endpoint)), status


def webhook_rotation(settings_endpoint: str, rotate_endpoint: str):
    """A new signing secret for the user's organisation, shown once on the page."""
    org = current_user.organisation
    new_secret = rotate_secret(org) if org else None
    if new_secret is None:
        flash(_("请先登记 Webhook 地址。"), "error")
        return redirect(url_for(settings_endpoint))
    hook = webhook_of(org)
    return render_template("utility/settings.html", form=WebhookForm(url=hook.url), hook=hook,
                           new_secret=new_secret, org=org, rotated=True,
                           settings_url=url_for(settings_endpoint), rotate_url=url_for(rotate_endpoint))


def webhook_problem(exc: WebhookError) -> str:
    """Why an address was refused, in the page's language."""
    if exc.code == "unresolvable":
        return _("无法解析该地址的主机名")
    if exc.code == "not_public":
        return _("该地址指向内网、本机或本服务自身，不能用于推送")
    return _("请输入以 http:// 或 https:// 开头的完整地址")


@blueprint.route("/admin/deliveries")
@role_required(Role.admin)
def deliveries():
    """For the coordinator office: escalated requests and dead letters."""
    return render_template("utility/deliveries.html", escalated=escalated(), dead=dead_letters(),
                           counts=count_by_status())


@blueprint.route("/admin/deliveries/<int:notification_id>/retry", methods=["POST"])
@role_required(Role.admin)
def retry_delivery(notification_id: int):
    if retry(notification_id):
        flash(_("已重新排队投递。"), "success")
    else:
        flash(_("该通知不在死信中。"), "error")
    return redirect(url_for("utility.deliveries"))
