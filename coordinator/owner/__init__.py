"""The project owner's pages: questionnaire, projects, plan, settings."""
from flask import Blueprint

blueprint = Blueprint("owner", __name__, url_prefix="/owner")

from . import views  # noqa: E402,F401  (registers the routes)
from .questionnaire import problem_text  # noqa: E402

blueprint.add_app_template_filter(problem_text)
from . import tracking  # noqa: E402,F401  (submit, resubmit and rate items)
from . import materials  # noqa: E402,F401  (materials, uploads, the commitment letter)
