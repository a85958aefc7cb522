"""One audit entry per admin change; rows are only ever added."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..planning import limits
from ..accounts.models import User, utcnow
from ..extensions import db


class AdminAuditEntry(db.Model):
    """Who changed which entity when, with its state before and after."""

    __tablename__ = "admin_audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(limits.AUDIT_ENTITY_ID))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)

    actor: Mapped[User] = relationship()


class AuditIsAppendOnly(Exception):
    """An audit entry was about to be changed or deleted."""


@event.listens_for(AdminAuditEntry, "before_update")
@event.listens_for(AdminAuditEntry, "before_delete")
def _refuse_change(mapper, connection, entry) -> None:
    raise AuditIsAppendOnly(f"audit entry {entry.id} cannot be changed or deleted")
