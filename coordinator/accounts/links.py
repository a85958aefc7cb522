"""Signed, expiring, single-use links for accounts (itsdangerous): confirming
an e-mail address, setting a password after an invitation, resetting it.

A link carries the user's id and a fingerprint of the account's password
hash, session generation and verification state: once any of them changes
(the link was used, the password changed, the sessions were ended) every
older link stops working."""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db
from .models import User

#: How long each kind of link is valid.
MAX_AGE = {
    "verify": dt.timedelta(days=3),
    "invite": dt.timedelta(days=7),
    "reset": dt.timedelta(hours=1),
}


class LinkInvalid(Exception):
    """The link is forged, expired, already used or of another kind."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account-{purpose}")


def _fingerprint(user: User) -> str:
    state = f"{user.password_hash}|{user.session_generation}|{user.awaiting_verification}|{user.active}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def account_token(purpose: str, user: User) -> str:
    """The signed token of a ``purpose`` link (``verify``, ``invite`` or ``reset``) for ``user``."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_link(purpose: str, token: str) -> User:
    """The user a valid, unexpired and unused ``purpose`` token is for."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(MAX_AGE[purpose].total_seconds()))
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid(purpose) from None
    if user is None or data.get("f") != _fingerprint(user):
        raise LinkInvalid(purpose)
    return user
