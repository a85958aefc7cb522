"""Alembic environment: migrates the database of the running Flask app."""
from __future__ import annotations

from alembic import context
from flask import current_app

from coordinator.extensions import db

config = context.config


def run_migrations() -> None:
    engine = db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    context.configure(url=current_app.config["SQLALCHEMY_DATABASE_URI"], target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
