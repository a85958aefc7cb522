"""A company (建设单位) that owns projects; its staff are its member users."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db


class Company(db.Model):
    """A project owner's company, identified by its 统一社会信用代码 (USCC).

    Companies made for a person (by the migration, or for an owner created
    without one) have no USCC until they register it."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="company", order_by="User.id")
