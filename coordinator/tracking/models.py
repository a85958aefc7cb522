"""The audit log of item transitions (append-only), the owners' service
ratings and the 核查 of approvals given on commitment."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..planning import limits
from ..accounts.models import User, utcnow
from ..extensions import db
from ..projects.models import PlanItem


class AuditLogError(Exception):
    """The audit log is append-only: its entries are never changed or deleted."""


class ItemEvent(db.Model):
    """One transition of a plan item: who, when, from, to, why, and the
    materials listed (missing ones on a return, those to follow under 容缺受理)."""

    __tablename__ = "item_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    document_number: Mapped[str | None] = mapped_column(String(limits.DOCUMENT_NUMBER))
    due_date: Mapped[dt.date | None]

    item: Mapped[PlanItem] = relationship()
    actor: Mapped[User] = relationship()


@event.listens_for(ItemEvent, "before_update")
def _no_update(mapper, connection, target) -> None:
    raise AuditLogError("audit log entries cannot be changed")


@event.listens_for(ItemEvent, "before_delete")
def _no_delete(mapper, connection, target) -> None:
    raise AuditLogError("audit log entries cannot be deleted")


class ItemRating(db.Model):
    """The owner's rating of one approved item (好差评): 1–5 and a comment, once."""

    __tablename__ = "item_rating"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    department: Mapped[str] = mapped_column(String(limits.CODE), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[PlanItem] = relationship()


PASSED = "passed"
FAILED = "failed"
OUTCOMES = (PASSED, FAILED)


class CommitmentCheck(db.Model):
    """The department's 核查 of an approval given on commitment (告知承诺):
    passed, or failed with findings (which revokes the approval)."""

    __tablename__ = "commitment_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    findings: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    checked_on: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[PlanItem] = relationship()
    checked_by: Mapped[User] = relationship()


class RevocationFlag(db.Model):
    """An item or hookup of the project that depended on a revoked approval."""

    __tablename__ = "revocation_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("commitment_check.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id"))
    hookup_id: Mapped[int | None] = mapped_column(ForeignKey("service_request.id"))
    #: the flagged item's code (``<utility>_hookup`` for a hookup)
    code: Mapped[str] = mapped_column(String(limits.CODE))

    check: Mapped[CommitmentCheck] = relationship()
