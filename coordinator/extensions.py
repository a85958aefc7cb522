"""Flask extensions, created once and bound to the app in the factory."""
from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import HTTPException


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for Alembic."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


API_PREFIX = "/api/"


class CoordinatorApi(Api):
    """flask-smorest's Api with errors in the product's JSON shape:
    ``{"error": code, "message": str, "fields": {...}}``.

    No catch-all ``default`` response in the OpenAPI document: every status
    an operation can answer is listed (the fuzz test holds the API to it)."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        """Every HTTP error of the app (flask-smorest registers this for all
        of them): JSON in the API, an HTML page for people elsewhere."""
        if not request.path.startswith(API_PREFIX):
            from .errors import error_page

            return error_page(error)
        data = getattr(error, "data", None) or {}
        fields = data.get("errors") or data.get("messages") or {}
        # webargs nests errors under their location ("json", "form", "files").
        if isinstance(fields, dict) and fields and set(fields) <= {"json", "form", "files"}:
            located = list(fields.values())
            fields = located[0] if len(located) == 1 else {
                k: v for location in located if isinstance(location, dict) for k, v in location.items()}
        if not isinstance(fields, dict):
            fields = {"body": fields}
        payload = {
            "error": data.get("error") or (error.name or "error").lower().replace(" ", "_"),
            "message": data.get("message") or ("the request has invalid fields" if fields else error.description),
            "fields": fields,
        }
        return payload, error.code, data.get("headers", {})


db = SQLAlchemy(model_class=Base)
api = CoordinatorApi()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Throttles the API's credential endpoint; bound to the app with the API
# blueprint (coordinator/api/auth.py), storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
