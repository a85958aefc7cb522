"""The JSON API (``/api/v1``), described by OpenAPI."""
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class _Parser(FlaskParser):
    """Request validation errors are 400, as the API promises (not webargs' 422)."""

    DEFAULT_VALIDATION_STATUS = 400


Blueprint.ARGUMENTS_PARSER = _Parser()

blueprint = Blueprint("api", __name__, url_prefix="/api/v1", description="拿地即开工 JSON API")

from . import routes  # noqa: E402,F401  (registers the routes)
from . import tracking  # noqa: E402,F401  (the tracking routes)
from . import hookups  # noqa: E402,F401  (the utility providers' routes)
from . import accounts  # noqa: E402,F401  (company self-registration)
from . import materials  # noqa: E402,F401  (materials, files and licences)
from . import servicerequests  # noqa: E402,F401  (the intermediary services' routes)
from . import problems  # noqa: E402,F401  (办不成事)
from . import agents  # noqa: E402,F401  (帮办代办)
from . import webhook  # noqa: E402,F401  (organisations register their webhook)
