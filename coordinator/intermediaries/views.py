"""The agency's workspace (``/agency/``): the intermediary-service requests
offered to it, a quote for each open one, and the progress of those awarded
to it — the same service as ``/api/v1/service-requests``."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import _pick as pick
from ..accounts.models import Role
from ..governance.service import current_rules
from ..servicerequests.deadlines import past_deadline
from ..servicerequests.service import RequestConflict, RequestNotFound
from . import service
from .service import IntermediaryError

blueprint = Blueprint("agency", __name__, url_prefix="/agency")

SERVICE_STATUS_NAMES = {"offered": _l("待报价"), "quoted": _l("已报价"), "awarded": _l("已委托"),
                        "drafting": _l("编制中"), "delivered": _l("已交付"), "withdrawn": _l("已撤回"),
                        "escalated": _l("报价超时上报")}
QUOTE_STATUS_NAMES = {"submitted": _l("已提交"), "awarded": _l("已中选"), "declined": _l("未中选")}


def _agency():
    if current_user.role != Role.agency or current_user.organisation is None:
        abort(403)
    return current_user._get_current_object()


@blueprint.route("/")
@login_required
def workspace():
    """The requests offered or awarded to the agency, open ones first."""
    me = _agency()
    org = me.organisation
    rules = current_rules()
    requests = service.requests_for(org)
    today = dt.date.today()
    return render_template(
        "agency/workspace.html", requests=requests, org=org, today=today,
        closed={r.id for r in requests if past_deadline(r.respond_by, today)},
        own_quotes={r.id: service.quotes_of(r, org) for r in requests},
        service_names={c: pick(s.name, s.name_en) for c, s in rules.services.items()},
        item_names={c: pick(i.name, i.name_en) for c, i in rules.items.items()},
        status_names=SERVICE_STATUS_NAMES, quote_status_names=QUOTE_STATUS_NAMES)


def _whole(name: str) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return None


@blueprint.route("/requests/<int:request_id>/quote", methods=["POST"])
@login_required
def quote(request_id: int):
    """Quote a fee in yuan and the working days to deliver."""
    try:
        service.submit_quote(request_id, _agency(), _whole("fee_yuan"), _whole("working_days"),
                             request.form.get("note", ""))
    except RequestNotFound:
        abort(404)
    except IntermediaryError:
        flash(_("请填写费用（整数元）和工作日（1–500 的整数），说明不超过 2000 字。"), "error")
    except RequestConflict:
        flash(_("该需求已不能报价：已过报价期限、已委托或本机构已报价。"), "error")
    else:
        flash(_("报价已提交，建设单位会收到通知。"), "success")
    return redirect(url_for("agency.workspace", _anchor=f"request-{request_id}"), code=303)


@blueprint.route("/requests/<int:request_id>/progress", methods=["POST"])
@login_required
def progress(request_id: int):
    """The awarded agency reports drafting or delivered, with the day."""
    on = None
    if request.form.get("on"):
        try:
            on = dt.date.fromisoformat(request.form["on"])
        except ValueError:
            flash(_("日期格式应为 YYYY-MM-DD"), "error")
            return redirect(url_for("agency.workspace", _anchor=f"request-{request_id}"), code=303)
    try:
        service.report_progress(request_id, _agency(), request.form.get("to", ""),
                                request.form.get("note", "")[:2000], on, request.form.get("report_title") or None)
    except RequestNotFound:
        abort(404)
    except RequestConflict:
        flash(_("不能登记这一步：进展只能向前（编制中、已交付）。"), "error")
    else:
        flash(_("进展已登记，建设单位的计划随之更新。"), "success")
    return redirect(url_for("agency.workspace", _anchor=f"request-{request_id}"), code=303)
