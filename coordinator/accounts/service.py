"""Account operations shared by the pages, the API and the CLI."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.service import record
from ..extensions import db
from .models import ApiToken, Organisation, OrganisationKind, Role, User, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "ndkg_"
_DUMMY_HASH = generate_password_hash("no such user")


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or ``None``."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # as slow as a real check: no user enumeration by timing
        log.warning("failed login: no such user")
        return None
    if not user.active or not user.check_password(password):
        log.warning("failed login for user %s", user.id)
        return None
    log.info("user %s authenticated", user.id)
    return user


def create_user(
    username: str, password: str, role: Role, display_name: str = "", organisation: Organisation | None = None,
    email: str | None = None,
) -> User:
    """Add a user (the caller commits)."""
    user = User(username=username, display_name=display_name or username, role=role,
                organisation=organisation, email=email)
    user.set_password(password)
    db.session.add(user)
    return user


def issue_token(user: User, name: str = "api") -> tuple[ApiToken, str]:
    """Create and store a bearer token; the clear text is returned once and never stored."""
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:80] or "api", token_hash=ApiToken.digest(clear), prefix=clear[:12])
    db.session.add(token)
    db.session.commit()
    return token, clear


def user_for_token(clear: str) -> User | None:
    """The active user owning the unrevoked token ``clear``."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(clear)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user


def end_sessions(user: User) -> None:
    """End every login session of ``user`` (on every app instance) and commit."""
    user.end_sessions()
    db.session.commit()
    log.info("sessions of user %s ended", user.id)


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False if it is not theirs."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    return True


# --------------------------------------------------------------------------
# Administration (every change audited)


class AccountError(Exception):
    """An account change is refused; ``field`` names the offending input."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _org_state(org: Organisation) -> dict:
    return {"code": org.code, "kind": org.kind.value, "name": org.name, "utility": org.utility,
            "districts": list(org.districts or []), "contacts": org.contacts}


def _user_state(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role.value,
            "organisation": user.organisation.code if user.organisation else None, "active": user.active}


def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.code)))


def save_organisation(admin: User, org: Organisation | None, *, code: str, kind: OrganisationKind, name: str,
                      utility: str | None, districts: list[str], contacts: str) -> Organisation:
    """Create (``org`` None) or change a department or utility provider."""
    before = _org_state(org) if org else None
    if org is None:
        if not code or db.session.scalar(select(Organisation).where(Organisation.code == code)):
            raise AccountError("code", "the code is missing or already used")
        org = Organisation(code=code, kind=kind, districts=[])
        db.session.add(org)
    if kind == OrganisationKind.utility and not utility:
        raise AccountError("utility", "a utility provider names its utility")
    org.name, org.contacts = name, contacts
    org.utility = utility if org.kind == OrganisationKind.utility else None
    org.districts = [d for d in districts if d]
    db.session.flush()
    record(admin, "organisation", org.code, "create" if before is None else "update", before, _org_state(org))
    db.session.commit()
    return org


def admin_create_user(admin: User, *, username: str, password: str, role: Role, display_name: str,
                      organisation: Organisation | None) -> User:
    """Add an account on behalf of the coordinator office."""
    if not username or db.session.scalar(select(User).where(User.username == username)):
        raise AccountError("username", "the username is missing or already used")
    if not password or len(password) < 8:
        raise AccountError("password", "the initial password has at least 8 characters")
    _check_membership(role, organisation)
    user = create_user(username, password, role, display_name, organisation)
    db.session.flush()
    record(admin, "user", user.username, "create", None, _user_state(user))
    db.session.commit()
    return user


def change_user(admin: User, user: User, *, role: Role, organisation: Organisation | None) -> User:
    """Change a user's role and organisation."""
    _check_membership(role, organisation)
    before = _user_state(user)
    user.role, user.organisation = role, organisation
    record(admin, "user", user.username, "update", before, _user_state(user))
    db.session.commit()
    return user


def set_user_active(admin: User, user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account: it cannot log in or use its
    tokens, and everything it did stays in the audit."""
    if user.id == admin.id and not active:
        raise AccountError("active", "you cannot deactivate your own account")
    before = _user_state(user)
    user.active = active
    if not active:
        user.end_sessions()  # reactivation does not revive them
    record(admin, "user", user.username, "activate" if active else "deactivate", before, _user_state(user))
    db.session.commit()
    return user


def _check_membership(role: Role, organisation: Organisation | None) -> None:
    if role == Role.officer and (organisation is None or organisation.kind != OrganisationKind.department):
        raise AccountError("organisation_id", "an officer belongs to a department")
    if role == Role.utility and (organisation is None or organisation.kind != OrganisationKind.utility):
        raise AccountError("organisation_id", "utility staff belong to a utility provider")
