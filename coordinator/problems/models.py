"""办不成事 problem reports and their path through the loop (append-only events)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db
from ..materials.models import StoredFile
from ..projects.models import PlanItem, Project


class ProblemReport(db.Model):
    """A complaint that something could not be done although the conditions
    were met, on a project or one of its items, as it goes round the loop
    (:mod:`coordinator.problems.loop`)."""

    __tablename__ = "problem_report"
    __table_args__ = (Index("ix_problem_report_open", "status", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="filed")
    #: the department (rule-base code) it is transferred to
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    #: the day the current state was reached and the day the next step is due
    since: Mapped[dt.date]
    due: Mapped[dt.date | None]
    reopened: Mapped[int] = mapped_column(default=0)
    #: reminder and escalation of the current step (cleared by every move)
    reminded_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_on: Mapped[dt.date | None]

    project: Mapped[Project] = relationship()
    item: Mapped[PlanItem | None] = relationship()
    reporter: Mapped[User] = relationship()
    events: Mapped[list["ProblemEvent"]] = relationship(back_populates="report", order_by="ProblemEvent.id")
    attachments: Mapped[list["ProblemAttachment"]] = relationship(back_populates="report",
                                                                  order_by="ProblemAttachment.id")


class ProblemAttachment(db.Model):
    """A file the reporter's side attached to a report (stored like a
    material: :class:`coordinator.materials.models.StoredFile`)."""

    __tablename__ = "problem_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("problem_report.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    attached_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    attached_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    report: Mapped[ProblemReport] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")
    attached_by: Mapped[User] = relationship()


class ProblemEvent(db.Model):
    """One move of a report (or a reminder, or an escalation): who, when,
    from, to, the note, the department, the reporter's verdict."""

    __tablename__ = "problem_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("problem_report.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    happened_on: Mapped[dt.date]
    kind: Mapped[str] = mapped_column(String(20), default="move")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(64))
    satisfied: Mapped[bool | None]
    #: the deadline of the step after this one
    due: Mapped[dt.date | None]

    report: Mapped[ProblemReport] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ProblemLogError(Exception):
    """A report's path is append-only: its events are never changed or deleted."""


@event.listens_for(ProblemEvent, "before_update")
@event.listens_for(ProblemEvent, "before_delete")
def _refuse_change(mapper, connection, entry) -> None:
    raise ProblemLogError(f"problem event {entry.id} cannot be changed or deleted")
