"""The coordinator office's pages (政务服务办): rule versions, calendar,
organisations and users, audit. Admins only."""
import json
from typing import Any

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.app_template_filter("readable_json")
def readable_json(value: Any) -> str:
    """JSON with Chinese text as it is (the page escapes it)."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)

from . import views  # noqa: E402,F401  (registers the routes)
