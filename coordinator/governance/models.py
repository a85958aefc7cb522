"""Stored rule-base versions and the admin's calendar days."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..planning import limits
from ..accounts.models import User, utcnow
from ..extensions import db


class VersionStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    superseded = "superseded"


class RuleBaseVersion(db.Model):
    """A whole rule base as YAML files (path → text), with the result of its
    last validation. At most one version is published at a time."""

    __tablename__ = "rule_base_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=20), default=VersionStatus.draft, index=True)
    note: Mapped[str] = mapped_column(String(limits.VERSION_NOTE), default="")
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[str] = mapped_column(String(64), default="")
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cases_run: Mapped[int] = mapped_column(default=0)
    cases_failed: Mapped[int] = mapped_column(default=0)
    validated_at: Mapped[dt.datetime | None]
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rule_base_version.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def label(self) -> str:
        """The version plans record: the rule base's own version and this number."""
        return f"{self.version or '?'}+r{self.number}"

    @property
    def valid(self) -> bool:
        return self.validated_at is not None and not self.errors


class CalendarEntry(db.Model):
    """A statutory holiday or 调休 workday entered by the admin; it takes
    precedence over the rule base's calendar and chinesecalendar."""

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
