"""拿地即开工: construction-project approval guidance and parallel-approval coordinator."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: configuration from the environment, then ``overrides``."""
    from .config import Config
    from .extensions import api
    from .api import blueprint as api_blueprint

    app = Flask(__name__, instance_relative_config=True, template_folder="../templates", static_folder="../static")
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    api.init_app(app)
    api.register_blueprint(api_blueprint)
    return app
