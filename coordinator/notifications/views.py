"""The in-app inbox page (``/inbox``) of every logged-in user."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from .inbox import inbox_of, mark_all_read

blueprint = Blueprint("notifications", __name__)


@blueprint.route("/inbox")
@login_required
def inbox():
    return render_template("notifications/inbox.html", messages=inbox_of(current_user))


@blueprint.route("/inbox/read", methods=["POST"])
@login_required
def read_all():
    mark_all_read(current_user)
    return redirect(url_for("notifications.inbox"))
