"""Single sign-on through the government's unified identity platform
(统一身份认证) with OpenID Connect (Authlib's Flask client).

Enabled when ``COORDINATOR_OIDC_ISSUER``, ``COORDINATOR_OIDC_CLIENT_ID`` and
``COORDINATOR_OIDC_CLIENT_SECRET`` are set. A person is matched by the
``sub`` claim; someone new is provisioned as an officer when the
department claim (``COORDINATOR_OIDC_DEPARTMENT_CLAIM``) names a
department, else as a member of the company whose 统一社会信用代码 is in
the company claim (``COORDINATOR_OIDC_USCC_CLAIM``; the company is made on
first sight, its first member its administrator).
"""
from __future__ import annotations

import logging
import secrets
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from sqlalchemy import select

from ..audit.service import record
from ..extensions import db
from .models import Organisation, OrganisationKind, Role, User
from .service import create_user

log = logging.getLogger(__name__)

oauth = OAuth()


class SsoRefused(Exception):
    """The identity platform's answer does not give an account here."""


def oidc_enabled(app: Flask) -> bool:
    return all(app.config.get(k) for k in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"))


def init_oidc(app: Flask) -> None:
    """Register the identity platform as an OpenID Connect client (when configured)."""
    if not oidc_enabled(app):
        return
    oauth.init_app(app)
    oauth.register(
        "unified", client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config.get("OIDC_SCOPE") or "openid profile email"},
    )


def sso_user(claims: dict[str, Any]) -> User:
    """The account for the identity platform's ``claims``: found by subject,
    else provisioned. Raises :class:`SsoRefused`."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SsoRefused("no subject")
    user = db.session.scalar(select(User).where(User.oidc_subject == subject))
    if user is not None:
        if not user.active:
            raise SsoRefused("the account is deactivated")
        return user
    config = current_app.config
    department_code = claims.get(config.get("OIDC_DEPARTMENT_CLAIM") or "department")
    uscc = claims.get(config.get("OIDC_USCC_CLAIM") or "uscc")
    name = str(claims.get("name") or claims.get("preferred_username") or subject)[:120]
    username = _free_username(str(claims.get("preferred_username") or ""), subject)
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    if department_code:
        department = db.session.scalar(select(Organisation).where(
            Organisation.kind == OrganisationKind.department, Organisation.code == str(department_code)))
        if department is None:
            raise SsoRefused(f"unknown department {department_code!r}")
        user = create_user(username, secrets.token_urlsafe(32), Role.officer, name, department, email)
    elif uscc:
        user = create_user(username, secrets.token_urlsafe(32), Role.owner, name, email=email)
        _join_company(user, str(uscc).strip().upper(), claims)
    else:
        raise SsoRefused("neither a department nor a company in the claims")
    user.oidc_subject = subject
    db.session.flush()
    record(user, "user", user.username, "sso_provision", None, {"role": user.role.value, "subject": subject})
    db.session.commit()
    log.info("user %s provisioned by single sign-on", user.id)
    return user


def _join_company(user: User, uscc: str, claims: dict[str, Any]) -> None:
    from ..companies.models import Company
    from ..companies.uscc import uscc_problem

    if uscc_problem(uscc) is not None:
        raise SsoRefused("the company claim is not a valid 统一社会信用代码")
    company = db.session.scalar(select(Company).where(Company.uscc == uscc))
    if company is None:
        company_name = str(claims.get(current_app.config.get("OIDC_COMPANY_NAME_CLAIM") or "company_name") or uscc)
        company = Company(name=company_name[:200], uscc=uscc, contact_name=user.display_name)
        db.session.add(company)
    user.company_admin = not company.members
    user.company = company


def _free_username(preferred: str, subject: str) -> str:
    for candidate in (preferred, f"sso-{subject}"):
        candidate = candidate[:80]
        if candidate and not db.session.scalar(select(User.id).where(User.username == candidate)):
            return candidate
    return f"sso-{secrets.token_hex(8)}"
