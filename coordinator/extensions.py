"""Flask extensions, created once and bound to the app in the factory."""
from __future__ import annotations

from flask_smorest import Api
from werkzeug.exceptions import HTTPException


class CoordinatorApi(Api):
    """flask-smorest's Api with errors in the product's JSON shape:
    ``{"error": code, "message": str, "fields": {...}}``."""

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        fields = data.get("errors") or data.get("messages") or {}
        # webargs nests body errors under the location ("json").
        if isinstance(fields, dict) and set(fields) == {"json"}:
            fields = fields["json"]
        if not isinstance(fields, dict):
            fields = {"body": fields}
        payload = {
            "error": data.get("error") or (error.name or "error").lower().replace(" ", "_"),
            "message": data.get("message") or ("the request has invalid fields" if fields else error.description),
            "fields": fields,
        }
        return payload, error.code, data.get("headers", {})


api = CoordinatorApi()
