"""Account operations shared by the pages, the API and the CLI."""
from __future__ import annotations

import logging
import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.service import record
from ..extensions import db
from .passwords import password_problems
from .models import ApiToken, Organisation, OrganisationKind, Role, User, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "ndkg_"
_DUMMY_HASH = generate_password_hash("no such user")


class AccountUnverified(Exception):
    """The credentials are right but the account's e-mail address is not confirmed yet."""


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or ``None``.

    Raises :class:`AccountUnverified` for the right credentials of an account
    awaiting the confirmation of its e-mail address (only then: a wrong
    password says nothing about the account)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # as slow as a real check: no user enumeration by timing
        log.warning("failed login: no such user")
        return None
    if not user.active or not user.check_password(password):
        log.warning("failed login for user %s", user.id)
        return None
    if user.awaiting_verification:
        log.info("login of user %s refused: e-mail address not confirmed", user.id)
        raise AccountUnverified(user.username)
    log.info("user %s authenticated", user.id)
    return user


def create_user(
    username: str, password: str, role: Role, display_name: str = "", organisation: Organisation | None = None,
    email: str | None = None, password_hash: str | None = None,
) -> User:
    """Add a user (the caller commits); ``password_hash`` instead of hashing
    ``password`` again lets many accounts share one password cheaply (the demo)."""
    user = User(username=username, display_name=display_name or username, role=role,
                organisation=organisation, email=email)
    if password_hash:
        user.password_hash = password_hash
    else:
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
    """The active, verified user owning the unrevoked token ``clear``."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(clear)))
    if token is None or token.revoked_at is not None or not token.user.active or token.user.awaiting_verification:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user


def end_login_sessions(user: User) -> None:
    """End every login session of ``user`` (on every app instance) and
    commit; its API tokens stay (logout). :func:`end_sessions` revokes them too."""
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
    if problems := password_problems(password or "", username=username):
        raise AccountError("password", "; ".join(str(p) for p in problems))
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
    if role == Role.agent and (organisation is None or organisation.kind != OrganisationKind.service_station):
        raise AccountError("organisation_id", "an agent belongs to a 帮办代办 service station")
    if role == Role.agency and (organisation is None or organisation.kind != OrganisationKind.agency):
        raise AccountError("organisation_id", "agency staff belong to an agency")


def end_sessions(user: User) -> None:
    """End every session of ``user`` and revoke its API tokens (the caller commits)."""
    user.end_sessions()
    now = utcnow()
    for token in user.tokens:
        token.revoked_at = token.revoked_at or now


# --------------------------------------------------------------------------
# Accounts from the command line and by e-mail (field problems as lazy texts)


class AccountProblems(Exception):
    """An account request is refused; ``fields`` maps each bad field to its
    messages (Chinese msgids, rendered in the reader's language)."""

    #: 409 rather than 400: the username or company is registered already
    conflict = False

    def __init__(self, fields: dict[str, list]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in fields.items()))


class AccountConflict(AccountProblems):
    """The username, or the company, is registered already."""

    conflict = True


USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,79}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def username_problems(username: str) -> list:
    if not USERNAME.match(username or ""):
        return [_l("用户名为 3–80 个字母、数字或 _ . @ -，以字母或数字开头")]
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise AccountConflict({"username": [_l("该用户名已被使用")]})
    return []


def email_problems(email: str | None, required: bool = True) -> list:
    if not email:
        return [_l("请填写电子邮箱")] if required else []
    return [] if len(email) <= 200 and EMAIL.match(email) else [_l("电子邮箱格式不正确")]


def deactivate_account(username: str) -> User:
    """Deactivate an account from the command line: its sessions end and its tokens stop working."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountProblems({"username": [_l("没有这个用户：%(name)s", name=username)]})
    user.active = False
    end_sessions(user)
    db.session.commit()
    log.info("account %s deactivated", user.id)
    return user


def request_password_reset(email: str) -> None:
    """E-mail a password-reset link to every active account with this
    address; nothing happens (and nothing tells) when there is none."""
    from flask import url_for

    from ..notifications.outbox import enqueue
    from .links import account_token

    accounts = db.session.scalars(select(User).where(User.email == email, User.active.is_(True))).all()
    for user in accounts:
        link = url_for("accounts.set_password", purpose="reset", token=account_token("reset", user), _external=True)
        enqueue("password_reset", "重置密码 / Reset your password",
                f"{user.display_name}，您好：\n\n请在一小时内打开以下链接设置新密码（仅可使用一次）：\n{link}\n\n"
                f"如果不是您本人申请，请忽略本邮件。\n\nOpen the link above within an hour to choose a new password.",
                users=[user], channels=("email",))
    db.session.commit()
    log.info("password reset requested (%d account(s))", len(accounts))


def set_password_from_link(purpose: str, token: str, password: str) -> User:
    """Set the password of the user an ``invite`` or ``reset`` link is for:
    the link is used up, the address counts as confirmed, and every other
    session of the user ends. Raises :class:`~.links.LinkInvalid` or
    :class:`AccountProblems`."""
    from .links import user_for_link

    user = user_for_link(purpose, token)
    problems = password_problems(password, username=user.username, email=user.email)
    if problems:
        raise AccountProblems({"password": problems})
    user.set_password(password)
    user.awaiting_verification = False
    end_sessions(user)
    db.session.commit()
    log.info("password of user %s set by %s link", user.id, purpose)
    return user
