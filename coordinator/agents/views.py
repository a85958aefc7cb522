"""The agent's workspace (``/agent/``): requests to claim, the projects in
hand with what each is waiting for, items due and overdue, latest notices."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..servicerequests.service import RequestConflict, RequestNotFound
from . import service

blueprint = Blueprint("agent", __name__, url_prefix="/agent")

ACT_LABELS = {"answers": _l("修改项目答案"), "materials": _l("上传材料"), "submit": _l("申报事项"),
              "award": _l("选定中介服务"), "problem": _l("反映“办不成事”")}


@blueprint.app_template_global()
def agent_act_label(act: str) -> str:
    """The UI name of an act an owner may grant (or an agent did)."""
    return str(ACT_LABELS.get(act, act))


def _agent():
    if current_user.role != Role.agent:
        abort(403)
    return current_user._get_current_object()


@blueprint.route("/")
@login_required
def workspace():
    """The agent's desk."""
    return render_template("agents/workspace.html", desk=service.workspace(_agent()), today=dt.date.today())


@blueprint.route("/requests/<int:request_id>/claim", methods=["POST"])
@login_required
def claim(request_id: int):
    """Claim a request offered to the agent's station."""
    try:
        request = service.claim(_agent(), request_id)
    except RequestNotFound:
        abort(404)
    except RequestConflict:
        flash(_("该申请已被其他帮办代办员认领。"), "error")
        return redirect(url_for("agent.workspace"), code=303)
    flash(_("已认领：%(project)s", project=request.project.name), "success")
    return redirect(url_for("owner.project", project_id=request.project_id), code=303)
