"""A broken 告知承诺 commitment on the record of the company that made it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..companies.models import Company
from ..extensions import db
from ..projects.models import PlanItem


class CommitmentBreach(db.Model):
    """A failed 核查 of an approval given on commitment: the company that
    owns the project broke its commitment on ``broken_on``."""

    __tablename__ = "commitment_breach"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), unique=True)
    broken_on: Mapped[dt.date]
    findings: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    company: Mapped[Company] = relationship()
    item: Mapped[PlanItem] = relationship()
