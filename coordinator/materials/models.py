"""Stored files, the materials they provide, 告知承诺 letters and the
download log (append-only)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db


class StoredFile(db.Model):
    """One uploaded or generated file of a project: its name and sniffed
    type, and the SHA-256 under which its bytes are stored."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MaterialFile(db.Model):
    """A file provided for one material of an item. Rows are keyed by the
    project and the item's code, so they outlive a revised plan; a replaced
    file keeps its row with ``superseded_at`` set."""

    __tablename__ = "material_file"
    __table_args__ = (Index("ix_material_file_item", "project_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    material: Mapped[str] = mapped_column(String(300))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    #: ``upload`` (the owner) or ``intermediary`` (an agency's delivered report)
    source: Mapped[str] = mapped_column(String(20))
    provided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    provided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: set when an officer returned the item naming this file (or its material)
    at_fault_since: Mapped[dt.datetime | None]
    superseded_at: Mapped[dt.datetime | None]

    file: Mapped[StoredFile] = relationship(lazy="joined")


class CommitmentLetter(db.Model):
    """The 告知承诺书 of a commitment-mode item, as generated from the rule
    base and confirmed by the owner in place of the listed proofs."""

    __tablename__ = "commitment_letter"
    __table_args__ = (UniqueConstraint("project_id", "item_code", name="uq_commitment_letter_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    confirmed_by: Mapped[User] = relationship()


class FileDownload(db.Model):
    """Who read which file (or licence PDF) when; never changed or deleted."""

    __tablename__ = "file_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    what: Mapped[str] = mapped_column(String(20))  # material | licence | problem (an attachment of a problem report)

    user: Mapped[User] = relationship()


class DownloadLogError(Exception):
    """The download log is append-only."""


@event.listens_for(FileDownload, "before_update")
@event.listens_for(FileDownload, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise DownloadLogError("download log entries cannot be changed or deleted")
