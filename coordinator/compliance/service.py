"""The record of broken 告知承诺 commitments, per company (建设单位);
:func:`last_breach_on` is what planning reads."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..extensions import db
from ..projects.models import PlanItem
from .models import CommitmentBreach


def record_breach(item: PlanItem, findings: str, on: dt.date) -> CommitmentBreach:
    """Write the broken commitment behind ``item`` on the record of the
    company owning its project (part of the caller's transaction)."""
    breach = CommitmentBreach(company_id=item.project.company_id, project_id=item.project_id, item_id=item.id,
                              broken_on=on, findings=findings)
    db.session.add(breach)
    return breach


def last_breach_on(company_id: int | None) -> dt.date | None:
    """The day the company last broke a commitment (``None``: a clean record)."""
    if company_id is None:
        return None
    return db.session.scalar(select(func.max(CommitmentBreach.broken_on))
                             .where(CommitmentBreach.company_id == company_id))

