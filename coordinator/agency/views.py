"""Agency portal pages. Each view parses a form, calls one intermediary
service (the same the JSON API calls) and renders the portal or — for htmx
requests — its fragment."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..intermediaries import service
from ..intermediaries.delivery import deliver_report
from ..intermediaries.service import IntermediaryError
from ..materials.service import MaterialError, max_bytes
from ..security import accepts_files
from ..utility.views import webhook_rotation, webhook_settings
from ..servicerequests.service import RequestConflict, RequestNotFound
from . import SERVICE_STATUS_NAMES, blueprint
from .forms import QuoteForm, ServiceProgressForm

#: Why a quote is refused, as the page says it (keys of ``service.QUOTE_REFUSALS``).
QUOTE_REFUSALS = {"suspended": _l("贵单位已被暂停，不能报价。"), "closed": _l("该需求已委托或撤回，不再接受报价。"),
                  "deadline": _l("报价期限（%(date)s）已过，不能再报价。"),
                  "quoted": _l("贵单位已就该需求报价。")}


def agency_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.agency or current_user.organisation is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def refusal_text(reason: str, respond_by: dt.date) -> str:
    """Why the agency may not quote, in the page's language."""
    return str(QUOTE_REFUSALS[reason]) % {"date": respond_by.isoformat()}


def _portal(status: int = 200, message: str | None = None, error: bool = False):
    """The portal page, or its fragment for htmx."""
    context = {
        "desk": service.desk(current_user), "today": dt.date.today(), "message": message, "error": error,
        "refusal_text": refusal_text,
    }
    template = "agency/_desk.html" if _htmx() else "agency/portal.html"
    return render_template(template, **context), status


def _done(message: str, status: int = 200, error: bool = False):
    if _htmx():
        return _portal(status, message, error)
    flash(message, "error" if error else "success")
    return redirect(url_for("agency.portal"), code=303)


@blueprint.route("/")
@agency_required
def portal():
    """Offers with their deadlines, the work awarded, ratings and figures."""
    return _portal()


@blueprint.route("/requests/<int:request_id>/quote", methods=["POST"])
@agency_required
def quote(request_id: int):
    form = QuoteForm()
    if not form.validate():
        return _done(_("未报价：费用为 0 至 %(fee)s 的整数元，工期为 1 至 %(days)s 个工作日。",
                       fee=service.MAX_FEE_YUAN, days=service.MAX_WORKING_DAYS), 400, error=True)
    try:
        row = service.submit_quote(request_id, current_user, form.fee_yuan.data, form.working_days.data,
                                   form.note.data or "")
    except RequestNotFound:
        abort(404)
    except RequestConflict as exc:
        respond_by = service.request_for_agency(current_user, request_id).respond_by
        return _done(refusal_text(exc.reason or "closed", respond_by), 409, error=True)
    return _done(_("已报价：%(fee)s 元，%(days)s 个工作日。", fee=row.fee_yuan, days=row.working_days))


@blueprint.route("/requests/<int:request_id>/progress", methods=["POST"])
@agency_required
def progress(request_id: int):
    form = ServiceProgressForm()
    if not form.validate():
        return _done(_("请选择有效的进展和日期。"), 400, error=True)
    try:
        service.report_progress(request_id, current_user, form.to.data, form.note.data or "", form.on.data,
                                form.report_title.data or None)
    except RequestNotFound:
        abort(404)
    except IntermediaryError:
        return _done(_("实际日期不能早于上一步的日期。"), 400, error=True)
    except RequestConflict:
        return _done(_("当前状态下不能登记该进展。"), 409, error=True)
    return _done(_("已登记进展：%(status)s", status=SERVICE_STATUS_NAMES[form.to.data]))


@blueprint.route("/requests/<int:request_id>/report", methods=["POST"])
@accepts_files
@agency_required
def report(request_id: int):
    """The awarded agency uploads its report: it becomes the material of the
    applications waiting for it."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _done(_("请选择成果文件（PDF、JPEG 或 PNG）。"), 400, error=True)
    try:
        attached = deliver_report(request_id, current_user, upload.filename, upload.stream.read(max_bytes() + 1))
    except RequestNotFound:
        abort(404)
    except RequestConflict as exc:
        return _done(_("该事项没有需要此成果的申报事项。") if exc.reason == "no_material"
                     else _("请先登记“编制中”，再上传成果文件。"), 409, error=True)
    except MaterialError as exc:
        texts = {400: _("文件须为 PDF、JPEG 或 PNG 格式。"), 413: _("文件不能超过 %(mb)s MB。", mb=max_bytes() // 2**20)}
        return _done(texts.get(exc.status, _("申报事项已在部门办理中，材料不能再更换。")), exc.status, error=True)
    return _done(_("已上传成果文件，已作为%(items)s的申报材料。", items="、".join(item.name for item, _row in attached)))


@blueprint.route("/settings", methods=["GET", "POST"])
@agency_required
def settings():
    """The agency's webhook: offers, awards and reminders pushed to its own system."""
    return webhook_settings("agency.settings", "agency.rotate")


@blueprint.route("/settings/rotate", methods=["POST"])
@agency_required
def rotate():
    """A new signing secret, shown once on the page."""
    return webhook_rotation("agency.settings", "agency.rotate")
