"""拿地即开工: construction-project approval guidance and parallel-approval coordinator."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext
from flask_login import current_user

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: configuration from the environment, then ``overrides``."""
    from .config import Config
    from .extensions import api, babel, csrf, db, login_manager

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .database import RowIdConverter
    from .encoding import JSONProvider

    app.json = JSONProvider(app)

    app.url_map.converters["int"] = RowIdConverter  # before any route: ids beyond a row id are 404
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app)
    from .config import ratelimit_storage

    app.config["RATELIMIT_STORAGE_URI"] = ratelimit_storage(app.config)  # shared by every instance in production
    if app.config["PRODUCTION"]:
        from .config import ConfigError, production_problems

        problems = production_problems(app.config)
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))

    from .logs import init_logging

    init_logging(app)  # first, so every later request hook logs with the request id
    db.init_app(app)
    csrf.init_app(app)
    _compile_translations(app)
    babel.init_app(app, locale_selector=_locale)
    from .i18n import install_template_translations

    install_template_translations(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("请登录后访问此页面。")
    login_manager.localize_callback = str  # the lazy text, in the request's language
    api.init_app(app)

    from . import models  # noqa: F401  (every model registered with the metadata)
    from .accounts.views import blueprint as accounts_bp
    from .agency import blueprint as agency_bp
    from .agents.views import blueprint as agent_bp
    from .admin import blueprint as admin_bp
    from .companies.views import blueprint as companies_bp
    from .api import blueprint as api_bp
    from .health import blueprint as health_bp
    from .officer import blueprint as officer_bp
    from .officer.stats_views import blueprint as statistics_bp
    from .notifications.views import blueprint as notifications_bp
    from .owner import blueprint as owner_bp
    from .licences.views import blueprint as licences_bp
    from .materials.storage import init_storage
    from .problems.views import blueprint as problems_bp
    from .security import init_security
    from .utility import blueprint as utility_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(owner_bp)
    app.register_blueprint(companies_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(statistics_bp)
    app.register_blueprint(utility_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(licences_bp)
    init_storage(app)
    app.register_blueprint(problems_bp)
    app.register_blueprint(agent_bp)
    app.register_blueprint(agency_bp)
    init_security(app)
    from .accounts.oidc import init_oidc

    init_oidc(app)
    csrf.exempt(api_bp)
    api.register_blueprint(api_bp)

    @app.route("/")
    def home():
        """Each role lands on its own workspace: owners on their projects,
        officers on their queue, utility staff on their portal, admins on the
        coordinator office's pages."""
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login"))
        if current_user.role.value == "owner":
            return redirect(url_for("owner.projects"))
        if current_user.role.value == "officer" and current_user.organisation is not None:
            return redirect(url_for("officer.queue"))
        if current_user.role.value == "utility":
            return redirect(url_for("utility.inbox"))
        if current_user.role.value == "admin":
            return redirect(url_for("admin.index"))
        if current_user.role.value == "agent":
            return redirect(url_for("agent.workspace"))
        if current_user.role.value == "agency":
            return redirect(url_for("agency.portal"))
        return render_template("home.html")

    @app.context_processor
    def _language():
        return {"lang": _locale()}

    from .rendering.textreport import MODE_NAMES

    app.jinja_env.globals.update(pick=_pick, mode_names=MODE_NAMES)
    from .i18n import beijing_time

    app.jinja_env.filters["beijing_time"] = beijing_time

    return app


def _database_url(app: Flask) -> str:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(app.instance_path) / 'coordinator.sqlite'}"
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _compile_translations(app: Flask) -> None:
    """Compile the message catalogs that are missing or stale (``.mo`` files
    are build output, not committed)."""
    from .i18n import compile_catalogs

    for directory in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        if directory:
            compile_catalogs(Path(app.root_path) / directory)


def _pick(zh: str, en: str) -> str:
    """The English text on English pages (when there is one), else the Chinese."""
    return en if en and _locale() == "en" else zh


def _locale() -> str:
    from flask import current_app

    wanted = request.args.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        session["lang"] = wanted
    return session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
