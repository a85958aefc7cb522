"""Login and logout pages; session and bearer-token authentication."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from .forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from .links import LinkInvalid, user_for_link
from .models import User
from .service import (
    AccountProblems, AccountUnverified, authenticate, end_login_sessions, request_password_reset, set_password_from_link, user_for_token,
)

blueprint = Blueprint("accounts", __name__)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user while it is active and the session is of its
    current generation (:meth:`User.end_sessions` ends the older ones)."""
    user_id, _, generation = session_id.partition(".")
    try:
        user = db.session.get(User, int(user_id))
    except (ValueError, OverflowError):
        return None
    if user is None or not user.active or user.awaiting_verification or generation != str(user.session_generation or 0):
        return None
    return user


@login_manager.request_loader
def _load_user_from_bearer(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return user_for_token(header[7:].strip())
    return None


DEFAULT_LOGIN_LIMIT = "5 per minute"


def _login_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT") or DEFAULT_LOGIN_LIMIT


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 401)
def login():
    """Only failed attempts count towards the limit (per address)."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except AccountUnverified:
            flash(_("账号尚未激活：请先打开注册时发到您邮箱的确认链接，然后再登录。"), "error")
            return render_template("accounts/login.html", form=form), 403
        if user:
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("home")
            return redirect(target)
        flash(_("用户名或密码不正确"), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends the user's sessions on the server, everywhere (a saved copy of
    the cookie no longer works, on any app instance)."""
    end_login_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("accounts.login"))


@blueprint.errorhandler(429)
def _too_many_attempts(error):
    if request.endpoint == "accounts.forgot_password":
        flash(_("请求过于频繁，请稍后再试。"), "error")
        return render_template("accounts/forgot_password.html", form=ForgotPasswordForm()), 429
    flash(_("登录失败次数过多，请稍后再试。"), "error")
    return render_template("accounts/login.html", form=LoginForm()), 429


DEFAULT_RESET_LIMIT = "5 per hour"


def _reset_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_RATE_LIMIT") or DEFAULT_RESET_LIMIT


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data.strip())
        flash(_("如果该邮箱属于某个账号，重置密码的链接已发往该邮箱，一小时内有效。"), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), 400 if form.errors else 200


@blueprint.route("/password/<any(invite, reset):purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    """Choose a password from an invitation or reset link (single use); every
    other session of the account ends."""
    try:
        user = user_for_link(purpose, token)
    except LinkInvalid:
        return render_template("accounts/link_invalid.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_from_link(purpose, token, form.password.data)
        except AccountProblems as exc:
            form.password.errors = [str(m) for m in exc.fields["password"]]
            return render_template("accounts/set_password.html", form=form, user=user), 400
        flash(_("密码已设置，请用新密码登录。"), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=user), 400 if form.errors else 200


@blueprint.route("/login/sso")
def oidc_login():
    """Off to the unified identity platform (only when single sign-on is configured)."""
    from .oidc import oauth, oidc_enabled

    if not oidc_enabled(current_app):
        abort(404)
    return oauth.unified.authorize_redirect(url_for("accounts.oidc_callback", _external=True))


@blueprint.route("/login/sso/callback")
def oidc_callback():
    """Back from the identity platform: log the matched (or provisioned) account in."""
    from authlib.integrations.base_client import OAuthError

    from .oidc import SsoRefused, oauth, oidc_enabled, sso_user

    if not oidc_enabled(current_app):
        abort(404)
    try:
        token = oauth.unified.authorize_access_token()
        claims = {**(token.get("userinfo") or {}), **oauth.unified.userinfo(token=token)}
        user = sso_user(claims)
    except (OAuthError, SsoRefused) as exc:
        current_app.logger.warning("single sign-on refused: %s", exc)
        flash(_("统一身份认证登录未成功：该身份在本系统没有对应的单位或部门，请联系政务服务办。"), "error")
        return render_template("accounts/login.html", form=LoginForm()), 403
    login_user(user)
    return redirect(url_for("home"))
