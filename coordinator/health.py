"""``/healthz``: is the app up and can it reach its database?"""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from .extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
def healthz():
    """200 ``{"status": "ok"}`` when the database answers, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}
