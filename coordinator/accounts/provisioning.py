"""Accounts made by the operator from the command line (the first
administrator among them), checked as a whole before anything is stored."""
from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..companies.service import company_named
from ..extensions import db
from .models import Organisation, OrganisationKind, Role, User
from .passwords import password_problems
from .service import AccountConflict, AccountProblems, create_user, email_problems, username_problems

log = logging.getLogger(__name__)


def find_organisation(name: str, kind: OrganisationKind) -> Organisation | None:
    """The organisation of ``kind`` with this code or name."""
    return db.session.scalar(select(Organisation).where(
        Organisation.kind == kind, (Organisation.code == name) | (Organisation.name == name)))


#: The organisation each role's users belong to (``None``: none).
ROLE_ORGANISATION = {
    Role.officer: OrganisationKind.department,
    Role.utility: OrganisationKind.utility,
    Role.agency: OrganisationKind.agency,
    Role.admin: OrganisationKind.coordinator,
    Role.agent: None,
    Role.owner: None,
}


def create_account(username: str, password: str, role: str, *, department: str | None = None,
                   organisation: str | None = None, email: str | None = None, display_name: str = "") -> User:
    """Create an account from the command line (the first administrator among
    them): an officer names a ``department`` (code), utility and agency staff
    an ``organisation`` (name or code), an admin belongs to the coordinator
    office, an owner optionally names its company (a new company when none
    has that name). Every problem is reported at once;
    nothing is stored unless all is well."""
    problems: dict[str, list] = {}
    try:
        chosen = Role(role)
    except ValueError:
        problems["role"] = [_l("未知角色；可选：%(roles)s", roles=", ".join(r.value for r in Role))]
        chosen = None
    try:
        problems["username"] = username_problems(username)
    except AccountConflict as exc:
        problems.update(exc.fields)
    problems["email"] = email_problems(email, required=False)
    problems["password"] = password_problems(password, username=username, email=email)
    org, company = None, None
    if chosen is not None:
        if department and chosen != Role.officer:
            problems["department"] = [_l("只有审批人员属于审批部门")]
        elif chosen == Role.officer:
            org = find_organisation(department or "", OrganisationKind.department)
            if org is None:
                problems["department"] = [_l("未知的审批部门代码：%(code)s", code=department or "")]
        if organisation and chosen not in (Role.owner, Role.agent):
            org = find_organisation(organisation, ROLE_ORGANISATION[chosen])
            if org is None:
                problems["organisation"] = [_l("未知的单位：%(name)s", name=organisation)]
        elif chosen in (Role.utility, Role.agency):
            problems["organisation"] = [_l("该角色需要所属单位（--organisation）")]
        elif chosen == Role.admin:  # the coordinator office, when there is exactly one
            offices = db.session.scalars(select(Organisation).where(
                Organisation.kind == OrganisationKind.coordinator).limit(2)).all()
            org = offices[0] if len(offices) == 1 else None
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        raise AccountProblems(problems)
    user = create_user(username, password, chosen, display_name, org, email)
    if chosen == Role.owner:
        company = company_named(organisation or display_name or username)
        user.company_admin = not company.members
        user.company = company
    db.session.commit()
    log.info("account %s created (%s)", user.id, chosen.value)
    return user
