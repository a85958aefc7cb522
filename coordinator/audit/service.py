"""Recording and reading the admin audit."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..planning import limits
from ..accounts.models import User
from ..extensions import db
from .models import AdminAuditEntry


def record(actor: User, entity: str, entity_id: Any, action: str, before: Any = None, after: Any = None) -> AdminAuditEntry:
    """Add an audit entry to the caller's transaction (the caller commits)."""
    entry = AdminAuditEntry(actor_id=actor.id, entity=entity, entity_id=str(entity_id)[:limits.AUDIT_ENTITY_ID], action=action,
                            before=before, after=after)
    db.session.add(entry)
    return entry


def audit_entries(entity: str | None = None, limit: int = 200) -> list[AdminAuditEntry]:
    """The newest audit entries first, optionally of one kind of entity."""
    query = select(AdminAuditEntry).order_by(AdminAuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AdminAuditEntry.entity == entity)
    return list(db.session.scalars(query))
