"""A project, its versioned answers, the plans made from them, and items."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..planning import limits
from ..accounts.models import User, utcnow
from ..companies.models import Company
from ..extensions import db


#: The states of the officers' queue (coordinator.tracking.service.QUEUE_STATES), as SQL.
OPEN_QUEUE = "status IN ('submitted', 'accepted', 'accepted_with_gaps', 'returned')"


class Project(db.Model):
    """A company's construction project; ``owner`` is the person who created it."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    name: Mapped[str] = mapped_column(String(limits.NAME))
    district: Mapped[str] = mapped_column(String(limits.ANSWER_TEXT), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    company: Mapped[Company] = relationship()
    answer_sets: Mapped[list["AnswerSet"]] = relationship(
        back_populates="project", order_by="AnswerSet.version", cascade="all, delete-orphan"
    )
    plans: Mapped[list["ProjectPlan"]] = relationship(
        back_populates="project", order_by="ProjectPlan.id", cascade="all, delete-orphan"
    )

    @property
    def current_plan(self) -> "ProjectPlan | None":
        return self.plans[-1] if self.plans else None

    @property
    def current_answers(self) -> "AnswerSet | None":
        return self.answer_sets[-1] if self.answer_sets else None


class AnswerSet(db.Model):
    """One version of a project's answers; editing makes a new version."""

    __tablename__ = "answer_set"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    version: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    land_date: Mapped[dt.date | None]
    commitment: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    project: Mapped[Project] = relationship(back_populates="answer_sets")


class ProjectPlan(db.Model):
    """The plan made from one answer set, with the rule-base version it used."""

    __tablename__ = "project_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    answer_set_id: Mapped[int] = mapped_column(ForeignKey("answer_set.id"))
    rule_base_version: Mapped[str] = mapped_column(String(64))
    rule_base_digest: Mapped[str] = mapped_column(String(64))
    planned_on: Mapped[dt.date]
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    land_day_eligible: Mapped[bool]
    total_working_days: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="plans")
    answer_set: Mapped[AnswerSet] = relationship()
    items: Mapped[list["PlanItem"]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan"
    )


class PlanItem(db.Model):
    """One approval item or hookup step of a plan, as tracked."""

    __tablename__ = "plan_item"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        Index("ix_plan_item_queue", "department", "status", "due_date"),
        # The officers' queue (coordinator/tracking): its open items in due-date
        # order, with what its filters and counts read, without the table.
        Index("ix_plan_item_open_queue", "department", "due_date", "id",
              postgresql_include=["status", "project_type"], postgresql_where=text(OPEN_QUEUE),
              sqlite_where=text(OPEN_QUEUE)),
        # The queue sorted by impact: one due-date ordered run per impact value.
        Index("ix_plan_item_impact_queue", "department", "impact_days", "due_date", "id",
              postgresql_where=text(OPEN_QUEUE), sqlite_where=text(OPEN_QUEUE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("project_plan.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(limits.CODE))
    name: Mapped[str] = mapped_column(String(limits.NAME))
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(limits.STAGE))
    department: Mapped[str] = mapped_column(String(limits.CODE), default="")
    mode: Mapped[str] = mapped_column(String(20))
    days: Mapped[int]
    planned_start: Mapped[dt.date]
    planned_finish: Mapped[dt.date]
    due_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(32), default="not_submitted")
    #: the answer ``project_type`` the plan was made from (the queue's filter)
    project_type: Mapped[str] = mapped_column(String(limits.CHOICE), default="")
    # Tracking (coordinator/tracking): the lifecycle's fields; ``due_date`` is the
    # planned finish until submission, then the deadline the department works to.
    submitted_on: Mapped[dt.date | None]
    accepted_on: Mapped[dt.date | None]
    clock_pauses: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    missing_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    gaps_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    gaps_due: Mapped[dt.date | None]
    verification_due: Mapped[dt.date | None]
    actual_start: Mapped[dt.date | None]
    actual_finish: Mapped[dt.date | None]
    document_number: Mapped[str | None] = mapped_column(String(limits.DOCUMENT_NUMBER))
    status_changed_at: Mapped[dt.datetime | None]
    #: Raised by every transition; a transition applies only to the version
    #: it was decided on (concurrent ones: exactly one wins, the rest 409).
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The owner's current projection (coordinator/tracking/impact.py), kept
    # with the item for the queue's impact order: working days the item can
    # slip without moving construction start or completion, and how many
    # working days they move if it slips one (null once the item is done).
    slack: Mapped[int | None]
    impact_days: Mapped[int | None]

    plan: Mapped[ProjectPlan] = relationship(back_populates="items")
    project: Mapped[Project] = relationship()

    @property
    def plan_entry(self) -> dict[str, Any]:
        """The item's entry in its plan JSON (modes, materials, requires, basis)."""
        return next((i for i in self.plan.plan.get("items", []) if i["code"] == self.code), {})


class QuestionnaireDraft(db.Model):
    """An owner's unfinished questionnaire, saved as they type."""

    __tablename__ = "questionnaire_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    name: Mapped[str] = mapped_column(String(limits.NAME), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    land_date: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
