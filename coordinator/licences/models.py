"""The licence issued for an approved item."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..materials.models import StoredFile
from ..projects.models import PlanItem


class Licence(db.Model):
    """An e-licence: the approved item's document number and dates, the PDF
    (a stored file) with its SHA-256, and the code of its public verification page."""

    __tablename__ = "licence"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[dt.date]
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[PlanItem] = relationship()
    file: Mapped[StoredFile] = relationship()
