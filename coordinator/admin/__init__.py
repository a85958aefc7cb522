"""The coordinator office's pages (政务服务办): rule versions, calendar,
organisations and users, audit. Admins only."""
from flask import Blueprint

from .audit_labels import action_name, audit_fields, entity_name, value_text

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
for _filter in (action_name, audit_fields, entity_name, value_text):
    blueprint.add_app_template_filter(_filter)

from . import views  # noqa: E402,F401  (registers the routes)
