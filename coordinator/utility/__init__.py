"""The utility providers' portal (``/utility``): requests offered in the
provider's area, claiming, progress, webhook settings; plus the admin's
view of escalations and dead letters."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

blueprint = Blueprint("utility", __name__, url_prefix="/utility")

#: Names of the hookup statuses and utilities on the pages.
HOOKUP_STATUS_NAMES = {
    "offered": _l("待认领"), "claimed": _l("已认领"), "surveyed": _l("已勘察"), "designed": _l("已设计"),
    "constructed": _l("已施工"), "connected": _l("已接通"), "withdrawn": _l("已撤回"), "escalated": _l("认领超时上报"),
}
UTILITY_LABELS = {"water": _l("供水"), "power": _l("供电"), "gas": _l("供气"), "heat": _l("供热"), "sewer": _l("排水")}


DEMAND_LABELS = {"power_kva": _l("报装容量 %(value)s kVA"), "dual_supply": _l("双电源")}


def demand_text(demand: dict) -> str:
    """A request's demand in words, e.g. "报装容量 800 kVA；双电源"."""
    parts = []
    for key, value in (demand or {}).items():
        if isinstance(value, bool):
            if value and key in DEMAND_LABELS:
                parts.append(str(DEMAND_LABELS[key]))
        elif key in DEMAND_LABELS:
            parts.append(str(DEMAND_LABELS[key]) % {"value": f"{value:g}" if isinstance(value, float) else value})
        else:
            parts.append(f"{key}: {value}")
    return "；".join(parts) or "—"


def _globals(state) -> None:
    from ..hookups.service import hookups_of

    state.app.jinja_env.globals.update(
        hookup_status_names=HOOKUP_STATUS_NAMES, utility_labels=UTILITY_LABELS, hookups_of_project=hookups_of,
    )
    state.app.add_template_filter(demand_text)


blueprint.record_once(_globals)

from . import views  # noqa: E402,F401  (registers the routes)
