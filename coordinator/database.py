"""Schema migrations (Alembic) for the app's database."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
