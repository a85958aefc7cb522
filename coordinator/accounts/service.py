"""Account operations shared by the pages, the API and the CLI."""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .models import ApiToken, Organisation, Role, User, utcnow

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


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False if it is not theirs."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    return True
