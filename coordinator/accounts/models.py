"""Users, organisations (departments, utility providers) and API tokens."""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..planning import limits
from ..extensions import db

if TYPE_CHECKING:
    from ..companies.models import Company


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Role(str, enum.Enum):
    owner = "owner"
    officer = "officer"
    utility = "utility"
    admin = "admin"
    #: an intermediary agency's staff: quotes and delivers reports (coordinator.intermediaries)
    agency = "agency"
    #: 帮办代办员: works projects on their owners' behalf (coordinator.agents)
    agent = "agent"


class OrganisationKind(str, enum.Enum):
    department = "department"
    utility = "utility"
    coordinator = "coordinator"
    #: a 政务服务 station of the office or a zone, whose agents serve its ``districts``
    service_station = "service_station"
    agency = "agency"


class Organisation(db.Model):
    """An approval department (code = the rule base's department code), a
    utility provider (with its utility type and the districts it serves) or
    an intermediary agency (the districts or zones it serves; suspended by
    the admin when ``suspended_at`` is set)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(Enum(OrganisationKind, native_enum=False, length=20))
    code: Mapped[str] = mapped_column(String(limits.CODE), unique=True)
    name: Mapped[str] = mapped_column(String(limits.NAME))
    utility: Mapped[str | None] = mapped_column(String(20))
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    contacts: Mapped[str] = mapped_column(Text, default="")
    suspended_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")


class User(UserMixin, db.Model):
    """A person who logs in, with one role (and, for officers and utility
    staff, one organisation; for a project owner's staff, one company).

    ``session_generation`` is part of the session's user id: raising it
    (:meth:`end_sessions`: logout, a new password, deactivation, removal
    from the company) ends every session of the user on every app instance,
    since each reads it from the database when it loads the session's user."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(limits.USERNAME), unique=True)
    display_name: Mapped[str] = mapped_column(String(limits.DISPLAY_NAME))
    email: Mapped[str | None] = mapped_column(String(limits.EMAIL))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    #: the company's administrator: invites and removes colleagues
    company_admin: Mapped[bool] = mapped_column(default=False)
    #: registered itself (or was invited) and has not yet confirmed its e-mail address
    awaiting_verification: Mapped[bool] = mapped_column(default=False)
    session_generation: Mapped[int] = mapped_column(default=0)
    #: the ``sub`` claim of the unified identity platform (OIDC single sign-on)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    company: Mapped["Company | None"] = relationship(back_populates="members")
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        """A new password ends the sessions opened with the old one."""
        if self.password_hash:
            self.end_sessions()
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session keeps
        return f"{self.id}.{self.session_generation or 0}"

    def end_sessions(self) -> None:
        """Every session opened before this change stops working (the caller commits)."""
        self.session_generation = (self.session_generation or 0) + 1


class ApiToken(db.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(limits.TOKEN_NAME))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
