"""The record of broken 告知承诺 commitments. Kept per project owner until
companies own projects; :func:`last_breach_on` is what planning reads."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from ..projects.models import PlanItem
from .models import CommitmentBreach


def record_breach(item: PlanItem, findings: str, on: dt.date) -> CommitmentBreach:
    """Write the broken commitment behind ``item`` on its owner's record
    (part of the caller's transaction)."""
    breach = CommitmentBreach(owner_id=item.project.owner_id, project_id=item.project_id, item_id=item.id,
                              broken_on=on, findings=findings)
    db.session.add(breach)
    return breach


def last_breach_on(owner: User | None) -> dt.date | None:
    """The day ``owner`` last broke a commitment (``None``: a clean record)."""
    if owner is None or owner.id is None:
        return None
    return db.session.scalar(select(func.max(CommitmentBreach.broken_on)).where(CommitmentBreach.owner_id == owner.id))


def breaches_of(owner: User) -> list[CommitmentBreach]:
    """The owner's record, newest first."""
    return list(db.session.scalars(select(CommitmentBreach).where(CommitmentBreach.owner_id == owner.id)
                                   .order_by(CommitmentBreach.broken_on.desc(), CommitmentBreach.id.desc())))
