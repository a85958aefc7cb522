"""Reading a user's in-app inbox."""
from __future__ import annotations

from sqlalchemy import select, update

from ..accounts.models import User, utcnow
from ..extensions import db
from .models import InboxMessage


def inbox_of(user: User, limit: int = 200) -> list[InboxMessage]:
    """The user's messages, newest first."""
    return list(db.session.scalars(select(InboxMessage).where(InboxMessage.user_id == user.id)
                                   .order_by(InboxMessage.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(InboxMessage).where(InboxMessage.user_id == user.id, InboxMessage.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()
