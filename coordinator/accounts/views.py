"""Login and logout pages; session and bearer-token authentication."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from .forms import LoginForm
from .models import User
from .service import authenticate, end_sessions, user_for_token

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
    if user is None or not user.active or generation != str(user.session_generation or 0):
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
        user = authenticate(form.username.data, form.password.data)
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
    end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("accounts.login"))


@blueprint.errorhandler(429)
def _too_many_attempts(error):
    flash(_("登录失败次数过多，请稍后再试。"), "error")
    return render_template("accounts/login.html", form=LoginForm()), 429
