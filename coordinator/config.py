"""Configuration from the environment, with safe embedded defaults."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class Config:
    """Read once by :func:`coordinator.create_app`; tests pass overrides.

    ``SQLALCHEMY_DATABASE_URI`` defaults to a SQLite file in the instance
    folder (filled in by the factory when ``DATABASE_URL`` is not set)."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    RULES_DIR = os.environ.get("COORDINATOR_RULES") or None
    PRODUCTION = os.environ.get("COORDINATOR_ENV", "development") == "production"
    DEMO_PASSWORD = os.environ.get("COORDINATOR_DEMO_PASSWORD")
    # Logs (coordinator/logs.py): JSON lines in production, text otherwise.
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or None
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

    # The largest request body (a rule-base zip is the largest legitimate
    # one); above it: 413, as JSON in the API.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(6 * 1024 * 1024)))

    # Where the login and token throttles count. Several app instances must
    # share it: unset, it is Redis in production (REDIS_URL, default
    # redis://127.0.0.1:6379/0) and this process's memory elsewhere
    # (coordinator.create_app decides, after the overrides).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "zh"
    # The package's catalogs (msgids are the Chinese texts; English in en/).
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")
    LANGUAGES = ("zh", "en")

    # Advance utility service and notifications (README "Utility hookups and notifications").
    HOOKUP_CLAIM_LIMIT_DAYS = int(os.environ.get("HOOKUP_CLAIM_LIMIT_DAYS", "2"))
    AGENT_CLAIM_LIMIT_DAYS = int(os.environ.get("AGENT_CLAIM_LIMIT_DAYS", "1"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@coordinator.local")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # One deadline for a whole webhook delivery (connect, send, answer), in seconds.
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    # Networks webhooks may be sent to although they are not public
    # (comma-separated, e.g. "10.20.0.0/16" for an intranet receiver).
    WEBHOOK_ALLOWED_NETWORKS = os.environ.get("WEBHOOK_ALLOWED_NETWORKS", "")
    DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "8"))
    DELIVERY_BACKOFF_SECONDS = float(os.environ.get("DELIVERY_BACKOFF_SECONDS", "30"))
    DELIVERY_BACKOFF_MAX_SECONDS = float(os.environ.get("DELIVERY_BACKOFF_MAX_SECONDS", "21600"))
    DELIVERY_POLL_SECONDS = float(os.environ.get("DELIVERY_POLL_SECONDS", "5"))
    # "1": `coordinator serve` runs the delivery worker in a thread; "0": run
    # `coordinator deliver` separately; unset: only on the embedded SQLite default.
    DELIVERY_IN_PROCESS = os.environ.get("DELIVERY_IN_PROCESS")

    # Single sign-on (coordinator/accounts/oidc.py): on when all three are set.
    OIDC_ISSUER = os.environ.get("COORDINATOR_OIDC_ISSUER") or None
    OIDC_CLIENT_ID = os.environ.get("COORDINATOR_OIDC_CLIENT_ID") or None
    OIDC_CLIENT_SECRET = os.environ.get("COORDINATOR_OIDC_CLIENT_SECRET") or None
    OIDC_USCC_CLAIM = os.environ.get("COORDINATOR_OIDC_USCC_CLAIM", "uscc")
    OIDC_COMPANY_NAME_CLAIM = os.environ.get("COORDINATOR_OIDC_COMPANY_NAME_CLAIM", "company_name")
    OIDC_DEPARTMENT_CLAIM = os.environ.get("COORDINATOR_OIDC_DEPARTMENT_CLAIM", "department")
    # Online application (README "Online application"): where files are stored
    # (default: the instance folder's files/), the size limit of one file, and
    # the public address licences' verification links start with.
    COORDINATOR_STORAGE_URL = os.environ.get("COORDINATOR_STORAGE_URL") or None
    MATERIAL_MAX_BYTES = int(os.environ.get("MATERIAL_MAX_BYTES", str(20 * 1024 * 1024)))
    COORDINATOR_PUBLIC_URL = os.environ.get("COORDINATOR_PUBLIC_URL") or None

    API_TITLE = "拿地即开工 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


def ratelimit_storage(config) -> str:
    """``RATELIMIT_STORAGE_URI``, or when unset: ``REDIS_URL`` in production
    (every app instance counts the same attempts), ``memory://`` elsewhere."""
    return config.get("RATELIMIT_STORAGE_URI") or (
        config.get("REDIS_URL") or "redis://127.0.0.1:6379/0" if config.get("PRODUCTION") else "memory://")


def production_problems(config) -> list[str]:
    """Why this configuration must not run in production (empty when it may)."""
    problems = []
    if config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY) or len(str(config.get("SECRET_KEY"))) < 32:
        problems.append("SECRET_KEY is the development default or shorter than 32 characters")
    if str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        problems.append("DATABASE_URL points at SQLite; production runs on PostgreSQL")
    if ratelimit_storage(config).startswith("memory://"):
        problems.append("RATELIMIT_STORAGE_URI is memory://: each app instance would count login attempts on its "
                        "own; point it (or REDIS_URL) at Redis")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off; serve over HTTPS and set SESSION_COOKIE_SECURE=1")
    return problems


class ConfigError(RuntimeError):
    """The app is configured for production but the configuration is unsafe."""
