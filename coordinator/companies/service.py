"""Company operations shared by the pages, the JSON API and the CLI:
self-registration with e-mail confirmation, a company for every owner,
colleagues invited and removed by the company's administrator."""
from __future__ import annotations

import logging
import secrets
import time

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.links import account_token, user_for_link
from ..accounts.models import Role, User
from ..accounts.passwords import password_problems
from ..accounts.service import (
    AccountConflict, AccountProblems, create_user, email_problems, end_sessions, username_problems,
)
from ..audit.service import record
from ..extensions import db
from ..notifications.outbox import enqueue
from .models import Company
from .uscc import uscc_problem

log = logging.getLogger(__name__)

USCC_PROBLEMS = {
    "length": _l("统一社会信用代码应为 18 位"),
    "alphabet": _l("统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）"),
    "check": _l("统一社会信用代码校验位不正确（GB 32100-2015）"),
}


def company_of(owner: User) -> Company:
    """The owner's company; one is made for an owner who has none (its first
    member becomes its administrator). The caller commits."""
    if owner.company is None:
        owner.company = Company(name=owner.display_name or owner.username)
        owner.company_admin = True
        db.session.add(owner.company)
    return owner.company


def company_named(name: str) -> Company:
    """The company with this name or USCC, or a new one of that name (the caller commits)."""
    company = db.session.scalar(select(Company).where((Company.name == name) | (Company.uscc == name)))
    if company is None:
        company = Company(name=name)
        db.session.add(company)
    return company


def _text(value: object, field: str, limit: int, problems: dict) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        problems[field] = [_l("必填")]
    elif len(text) > limit:
        problems[field] = [_l("最多 %(n)d 个字符", n=limit)]
    return text


#: What a company gives to register itself (``POST /api/v1/registrations``).
REGISTRATION_FIELDS = ("company_name", "uscc", "contact_name", "email", "username", "password")


def register_company(*, company_name: str, uscc: str, contact_name: str, email: str, username: str,
                     password: str) -> User:
    """A company registers itself: the company and its first user (its
    administrator) are stored, the user awaiting the confirmation of the
    e-mail address sent to it. Raises :class:`AccountProblems` (400) naming
    every bad field, or :class:`AccountConflict` (409) when the USCC or the
    username is registered already; nothing is stored then."""
    problems: dict[str, list] = {}
    company_name = _text(company_name, "company_name", 200, problems)
    contact_name = _text(contact_name, "contact_name", 120, problems)
    uscc = (uscc or "").strip().upper() if isinstance(uscc, str) else ""
    if (why := uscc_problem(uscc)) is not None:
        problems["uscc"] = [USCC_PROBLEMS[why]]
    problems["email"] = email_problems(email if isinstance(email, str) else None)
    username = username if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    conflicts: dict[str, list] = {}
    try:
        problems["username"] = username_problems(username)
    except AccountConflict as exc:
        conflicts.update(exc.fields)
    problems["password"] = password_problems(password, username=username, email=email)
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        raise AccountProblems(problems)
    if db.session.scalar(select(Company.id).where(Company.uscc == uscc)):
        conflicts["uscc"] = [_l("该统一社会信用代码的单位已经注册")]
    if conflicts:
        raise AccountConflict(conflicts)
    company = Company(name=company_name, uscc=uscc, contact_name=contact_name)
    user = create_user(username, password, Role.owner, contact_name, email=email)
    user.company, user.company_admin, user.awaiting_verification = company, True, True
    db.session.add(company)
    db.session.flush()
    _send_verification(user)
    record(user, "company", company.uscc, "register", None, company_state(company))
    db.session.commit()
    log.info("company %s registered; user %s awaits e-mail confirmation", company.id, user.id)
    return user


def _send_verification(user: User, key: str | None = None) -> None:
    link = url_for("companies.confirm_email", token=account_token("verify", user), _external=True)
    enqueue("account_verify", "请确认您的电子邮箱 / Confirm your e-mail address",
            f"{user.display_name}，您好：\n\n请在三天内打开以下链接确认电子邮箱，确认后即可登录：\n{link}\n\n"
            f"Open the link above within three days to confirm your address; then you can log in.",
            users=[user], channels=("email",), key=key)


#: A new confirmation e-mail goes out at most once in this many seconds per account.
RESEND_INTERVAL_SECONDS = 600


def resend_verification(email: str) -> None:
    """Send the confirmation link again to every account with this address
    still awaiting confirmation, at most once per account every
    :data:`RESEND_INTERVAL_SECONDS`; nothing happens (and nothing tells)
    when there is none, so the answer reveals no account."""
    accounts = db.session.scalars(select(User).where(
        User.email == (email or "").strip(), User.active.is_(True), User.awaiting_verification.is_(True))).all()
    window = int(time.time()) // RESEND_INTERVAL_SECONDS
    for user in accounts:
        _send_verification(user, key=f"account-verify:{user.id}:resend:{window}")
    db.session.commit()
    log.info("confirmation e-mail resend requested (%d account(s))", len(accounts))


def confirm_email(token: str) -> User:
    """Confirm the address a ``verify`` link was sent to: the account can log
    in. Raises :class:`~coordinator.accounts.links.LinkInvalid`."""
    user = user_for_link("verify", token)
    user.awaiting_verification = False
    record(user, "user", user.username, "confirm_email")
    db.session.commit()
    return user


def company_state(company: Company) -> dict:
    return {"name": company.name, "uscc": company.uscc, "contact_name": company.contact_name,
            "members": [m.username for m in company.members if m.active]}


def members(company: Company) -> list[User]:
    """The company's active members, its administrators first."""
    return sorted((m for m in company.members if m.active), key=lambda m: (not m.company_admin, m.id))


def _require_admin(actor: User) -> Company:
    if actor.company is None or not actor.company_admin or not actor.active:
        raise PermissionError("only the company's administrator manages its members")
    return actor.company


def invite_colleague(admin: User, *, username: str, display_name: str, email: str) -> User:
    """The company's administrator invites a colleague: an owner account of
    the company is made, and a link to choose a password (which also
    confirms the address) is e-mailed to it. Audited under the administrator."""
    company = _require_admin(admin)
    problems: dict[str, list] = {}
    display_name = _text(display_name, "display_name", 120, problems)
    problems["email"] = email_problems(email)
    problems["username"] = username_problems(username)  # AccountConflict when taken
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        raise AccountProblems(problems)
    user = create_user(username, secrets.token_urlsafe(32), Role.owner, display_name, email=email)
    user.company, user.awaiting_verification = company, True
    db.session.flush()
    link = url_for("accounts.set_password", purpose="invite", token=account_token("invite", user), _external=True)
    enqueue("account_invite", f"{company.name} 邀请您加入 / You are invited to {company.name}",
            f"{display_name}，您好：\n\n{admin.display_name} 邀请您以用户名 {username} 加入 {company.name}，"
            f"共同办理项目审批。请在七天内打开以下链接设置密码：\n{link}\n\n"
            f"{admin.display_name} invites you to work on {company.name}'s projects as {username}; "
            f"open the link above within seven days to choose your password.",
            users=[user], channels=("email",))
    record(admin, "company_member", username, "invite", None, {"company": company.name, "email": email,
                                                                "display_name": display_name})
    db.session.commit()
    return user


def remove_colleague(admin: User, member: User) -> None:
    """The company's administrator removes a colleague: the account leaves
    the company and is deactivated, its sessions end and its tokens stop
    working. Audited under the administrator."""
    company = _require_admin(admin)
    if member.company_id != company.id or not member.active:
        raise LookupError("no such colleague")
    if member.id == admin.id:
        raise AccountProblems({"member": [_l("不能移除自己")]})
    before = {"company": company.name, "username": member.username, "display_name": member.display_name}
    member.company, member.company_admin, member.active = None, False, False
    end_sessions(member)
    record(admin, "company_member", member.username, "remove", before, None)
    db.session.commit()
