"""Authentication, authorisation and throttling for the JSON API.

The API accepts the session cookie of the pages or ``Authorization: Bearer
<token>`` (Flask-Login's request loader in ``accounts/views.py``). Every
protected view says who may call it with :func:`require`; the answers are
JSON in the API's error shape:

- nobody logged in: Flask-Login's ``unauthorized()``, which for the API
  blueprint (and only there) aborts with 401 instead of redirecting to the
  login page — the one place that decides; :func:`_unauthorized` renders
  it in the error shape with ``WWW-Authenticate: Bearer``;
- logged in with another role: 403.

``POST /tokens`` is throttled by Flask-Limiter per remote address
(``RATELIMIT_TOKENS``, default :data:`DEFAULT_TOKEN_LIMIT`; storage
``RATELIMIT_STORAGE_URI``: Redis in production, shared by every app
instance); a breach is a 429 in the same error shape.

With the session cookie, a request that changes something also needs the
page's CSRF token in ``X-CSRFToken`` (bearer clients do not).
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import current_app, request, session
from flask_wtf.csrf import validate_csrf
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from ..accounts.models import Role
from ..extensions import api, limiter, login_manager
from . import blueprint
from .schemas import ErrorSchema

DEFAULT_TOKEN_LIMIT = "10 per minute"

#: OpenAPI security requirement of the protected operations: either one.
SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]

# Flask-Login aborts with 401 (rendered as JSON) for the API blueprint rather
# than redirecting to the login page as it does for the pages.
login_manager.blueprint_login_views[blueprint.name] = None


def require(*roles: Role) -> Callable:
    """Decorator: the caller must be logged in (401) and, when ``roles`` are
    given, have one of them (403)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403, error="forbidden",
                      message="this needs the role " + " or ".join(r.value for r in roles))
            return view(*args, **kwargs)

        return wrapper

    return decorate


def protected(*roles: Role) -> Callable:
    """:func:`require` plus its OpenAPI description: the security schemes and
    the 401 (and, with ``roles``, 403) responses. Put it right under
    ``@blueprint.route``."""

    def decorate(view):
        view = blueprint.alt_response(401, schema=ErrorSchema, description="not logged in (no session, or a missing, "
                                      "unknown or revoked bearer token)")(view)
        if roles:
            view = blueprint.alt_response(403, schema=ErrorSchema, description="only for the role "
                                          + " or ".join(r.value for r in roles))(view)
        view = blueprint.doc(security=SECURITY)(view)
        return require(*roles)(view)

    return decorate


def token_limit() -> str:
    return current_app.config.get("RATELIMIT_TOKENS") or DEFAULT_TOKEN_LIMIT


throttle_tokens = limiter.limit(
    token_limit, error_message=lambda: f"too many token requests from this address (limit: {token_limit()})",
)


UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@blueprint.before_request
def require_csrf_with_the_session_cookie():
    """A request that changes something and is authenticated by the login
    session's cookie (not by a bearer token) must carry the page's CSRF
    token in ``X-CSRFToken`` (as htmx sends it): a form on another site can
    send the cookie but not the header. 403 ``csrf_failed`` otherwise."""
    if request.method not in UNSAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.headers.get("Authorization", "").startswith("Bearer ") or "_user_id" not in session:
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
    except ValidationError:
        abort(403, error="csrf_failed", message="with the session cookie, send the page's CSRF token in the "
                                               "X-CSRFToken header (or authenticate with a bearer token)")


@blueprint.errorhandler(401)
def _unauthorized(error: HTTPException):
    """Every 401 of the API: the error shape, a useful message when the
    abort gave none (Flask-Login's), and the bearer challenge."""
    data = dict(getattr(error, "data", None) or {})
    data.setdefault("error", "unauthorized")
    data.setdefault("message", "log in, or send Authorization: Bearer <token> (from POST /api/v1/tokens)")
    data["headers"] = {**data.get("headers", {}), "WWW-Authenticate": 'Bearer realm="api"'}
    error.data = data
    return api.handle_http_exception(error)


def _setup(state) -> None:
    """Per app: bind the limiter, describe the security schemes and give the
    OpenAPI ``Error`` component the product's error shape."""
    app = state.app
    app.config.setdefault("RATELIMIT_TOKENS", DEFAULT_TOKEN_LIMIT)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

    components = api.spec.components
    components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "a token from POST /api/v1/tokens, sent as Authorization: Bearer <token>",
    })
    components.security_scheme("sessionCookie", {
        "type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME") or "session",
        "description": "the session of the web pages (after logging in at /login)",
    })
    # flask-smorest registers its own error schema as "Error" (used by the
    # default responses); replace it with the shape the API really returns.
    components.schemas.pop("Error", None)
    components.schema("Error", schema=ErrorSchema)


blueprint.record_once(_setup)
