"""Schema migrations (Alembic) for the app's database."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: The largest row id: primary keys are SQL ``INTEGER`` (32-bit on PostgreSQL).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """The app's ``<int:…>`` URL converter: a non-negative integer no larger
    than a row id can be, so ``/projects/99999999999999999999`` is a 404
    rather than a database overflow (a 500); the OpenAPI document states the
    bound."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ROW_ID)  # stated in the OpenAPI document
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        """An id beyond any row is a 404 at once: failing the bound quietly made
        werkzeug answer 405 on paths with one rule per method."""
        number = int(value)
        if number > MAX_ROW_ID:
            raise NotFound()
        return number


def alembic_config(app: Flask) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"))
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    """Migrate the app's database up to ``revision``."""
    with app.app_context():
        command.upgrade(alembic_config(app), revision)


def downgrade(app: Flask, revision: str) -> None:
    """Migrate the app's database down to ``revision`` (``base`` for empty)."""
    with app.app_context():
        command.downgrade(alembic_config(app), revision)
