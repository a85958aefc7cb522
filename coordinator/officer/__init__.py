"""The approval officer's pages: the department queue, item detail with
actions and audit log, and a calendar of due dates."""
from flask import Blueprint

blueprint = Blueprint("officer", __name__, url_prefix="/officer")

from . import views  # noqa: E402,F401  (registers the routes)
