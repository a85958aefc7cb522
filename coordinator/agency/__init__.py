"""The intermediary agencies' portal (``/agency``): requests offered to the
agency with their quote deadlines, the quote form, the work it was awarded
with progress reporting, its ratings and figures."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

blueprint = Blueprint("agency", __name__, url_prefix="/agency")

#: Names of the intermediary requests' statuses and of quotes' on the pages.
SERVICE_STATUS_NAMES = {"offered": _l("待报价"), "quoted": _l("已报价"), "awarded": _l("已委托"),
                        "drafting": _l("编制中"), "delivered": _l("已交付"), "withdrawn": _l("已撤回"),
                        "escalated": _l("报价超时上报")}
QUOTE_STATUS_NAMES = {"submitted": _l("已提交"), "awarded": _l("已中选"), "declined": _l("未中选")}


def service_label(code: str) -> str:
    """An intermediary service's name from the rule base, in the page's language."""
    from .. import _pick
    from ..governance.service import current_rules

    service = current_rules().services.get(code)
    return _pick(service.name, service.name_en) if service else code


def _globals(state) -> None:
    state.app.jinja_env.globals.update(service_status_names=SERVICE_STATUS_NAMES,
                                       quote_status_names=QUOTE_STATUS_NAMES, service_label=service_label)


blueprint.record_once(_globals)

from . import views  # noqa: E402,F401  (registers the routes)
