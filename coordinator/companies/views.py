"""Company pages: self-registration, e-mail confirmation, the company's members."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.links import LinkInvalid
from ..accounts.models import Role, User
from ..accounts.service import AccountProblems
from ..extensions import db, limiter
from . import service
from .forms import InviteForm, RegistrationForm, ResendConfirmationForm

blueprint = Blueprint("companies", __name__)

DEFAULT_REGISTRATION_LIMIT = "5 per hour"


def registration_limit() -> str:
    return current_app.config.get("REGISTRATION_RATE_LIMIT") or DEFAULT_REGISTRATION_LIMIT


#: One budget per address for the registration page and ``POST /api/v1/registrations``.
throttle_registrations = limiter.shared_limit(registration_limit, scope="registration", methods=["POST"])


DEFAULT_RESEND_LIMIT = "5 per hour"


def resend_limit() -> str:
    return current_app.config.get("RESEND_CONFIRMATION_RATE_LIMIT") or DEFAULT_RESEND_LIMIT


#: One budget per address for the resend page and ``POST /api/v1/registrations/resend``.
throttle_resends = limiter.shared_limit(resend_limit, scope="resend_confirmation", methods=["POST"])


def _show_problems(form, exc: AccountProblems) -> None:
    for name, messages in exc.fields.items():
        form[name].errors = [str(m) for m in messages]


@blueprint.route("/register", methods=["GET", "POST"])
@throttle_registrations
def register():
    """A company registers itself; its first user confirms the e-mail address before logging in."""
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            service.register_company(**{name: form[name].data or "" for name in service.REGISTRATION_FIELDS})
        except AccountProblems as exc:
            _show_problems(form, exc)
            return render_template("companies/register.html", form=form), 409 if exc.conflict else 400
        return render_template("companies/registered.html", email=form.email.data), 201
    return render_template("companies/register.html", form=form), 400 if form.errors else 200


@blueprint.errorhandler(429)
def _too_many_registrations(error):
    if request.endpoint == "companies.resend_confirmation":
        flash(_("请求过于频繁，请稍后再试。"), "error")
        return render_template("companies/resend.html", form=ResendConfirmationForm()), 429
    flash(_("注册请求过于频繁，请稍后再试。"), "error")
    return render_template("companies/register.html", form=RegistrationForm()), 429


@blueprint.route("/register/resend", methods=["GET", "POST"])
@throttle_resends
def resend_confirmation():
    """Send the confirmation link again; the answer is the same whether or not the address awaits confirmation."""
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        service.resend_verification(form.email.data)
        flash(_("如果该邮箱的账号尚未确认，新的确认链接已发往该邮箱，三天内有效。"), "success")
        return redirect(url_for("accounts.login"))
    return render_template("companies/resend.html", form=form), 400 if form.errors else 200


@blueprint.route("/register/confirm/<token>")
def confirm_email(token: str):
    try:
        service.confirm_email(token)
    except LinkInvalid:
        return render_template("accounts/link_invalid.html"), 410
    flash(_("邮箱已确认，现在可以登录了。"), "success")
    return redirect(url_for("accounts.login"))


def _company_member():
    if current_user.role != Role.owner or current_user.company is None:
        abort(403)
    return current_user._get_current_object()


@blueprint.route("/company", methods=["GET", "POST"])
@login_required
def company():
    """The company's members; its administrator invites colleagues here."""
    me = _company_member()
    form = InviteForm()
    status = 200
    if form.is_submitted():
        if not me.company_admin:
            abort(403)
        try:
            service.invite_colleague(me, username=form.username.data or "", display_name=form.display_name.data or "",
                                     email=form.email.data or "")
        except AccountProblems as exc:
            _show_problems(form, exc)
            status = 409 if exc.conflict else 400
        else:
            flash(_("邀请已发出：%(name)s 打开邮件中的链接设置密码后即可登录。", name=form.display_name.data), "success")
            return redirect(url_for("companies.company"))
    return render_template("companies/company.html", company=me.company, members=service.members(me.company),
                           form=form), status


@blueprint.route("/company/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(user_id: int):
    me = _company_member()
    member = db.session.get(User, user_id) or abort(404)
    try:
        service.remove_colleague(me, member)
    except PermissionError:
        abort(403)
    except LookupError:
        abort(404)
    except AccountProblems as exc:
        flash("; ".join(str(m) for v in exc.fields.values() for m in v), "error")
        return redirect(url_for("companies.company"))
    flash(_("已移除 %(name)s，其登录已失效。", name=member.display_name), "success")
    return redirect(url_for("companies.company"))
