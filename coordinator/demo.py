"""Demo accounts and projects for a first run on the embedded default
(a Tianjin setting). Never used when the app is configured for production."""
from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

from sqlalchemy import func, select

from .accounts.models import Organisation, OrganisationKind, Role, User
from .accounts.service import create_user
from .extensions import db
from .governance.service import current_rules
from .projects.service import create_project

DEMO_USERS = ("demo-owner", "demo-officer", "demo-utility", "demo-admin")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def seed_organisations() -> None:
    """One organisation per department of the rule base (idempotent), the
    coordinator office, and the utility providers of ``rules/providers.yaml``."""
    rules = current_rules()
    existing = set(db.session.scalars(select(Organisation.code)))
    for dept in rules.departments.values():
        if dept.kind != "utility" and dept.code not in existing:
            db.session.add(Organisation(kind=OrganisationKind.department, code=dept.code, name=dept.name))
    extra = [Organisation(kind=OrganisationKind.coordinator, code="gov_service", name="区政务服务办公室")]
    extra += [Organisation(kind=OrganisationKind.utility, code=p.code, name=p.name, utility=p.utility,
                           districts=list(p.districts)) for p in rules.providers]
    db.session.add_all(o for o in extra if o.code not in existing)
    db.session.commit()


def ensure_demo(production: bool, password: str | None = None) -> str | None:
    """On a first run of a non-production app, create the demo data and
    return its password; otherwise create nothing and return ``None``."""
    if production or db.session.scalar(select(func.count()).select_from(User)):
        return None
    return seed_demo(password)


def seed_demo(password: str | None = None, today: dt.date | None = None) -> str:
    """Create the demo accounts and two demo projects; return the password."""
    password = password or secrets.token_urlsafe(9)
    seed_organisations()
    org = {o.code: o for o in db.session.scalars(select(Organisation))}
    owner = create_user("demo-owner", password, Role.owner, "滨海示范仓储有限公司")
    create_user("demo-officer", password, Role.officer, "区住建委审批员", org["housing"])
    create_user("demo-utility", password, Role.utility, "滨海供电客户经理", org["power_binhai"])
    create_user("demo-admin", password, Role.admin, "区政务服务办", org["gov_service"])
    db.session.commit()
    today = today or dt.date.today()
    warehouse = json.loads((EXAMPLES / "warehouse.json").read_text(encoding="utf-8"))
    create_project(owner, "滨海新区智能物流仓库", warehouse, land_date=today + dt.timedelta(days=90), today=today)
    plant = json.loads((EXAMPLES / "chemical_plant.json").read_text(encoding="utf-8"))
    create_project(owner, "南港工业区精细化工厂房", plant, today=today)
    return password
