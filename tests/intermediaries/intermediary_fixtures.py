"""Helpers for the intermediary tests: agencies registered and qualified
through the service, with a staff user each."""
from __future__ import annotations

import datetime as dt

from coordinator.accounts.models import Role
from coordinator.accounts.service import create_user
from coordinator.extensions import db
from coordinator.intermediaries.service import qualify, register_agency

from tests.conftest import PASSWORD


def agency(code: str, name: str, services=("eia", "energy"), districts=("滨海新区",),
           valid_until: dt.date = dt.date(2030, 1, 1), username: str | None = None) -> int:
    """Register a qualified agency with one staff user; the user's id."""
    org = register_agency(code, name, list(districts))
    for service in services:
        qualify(org, service, f"{service} 资质证书", f"{code}-{service}-001", valid_until)
    user = create_user(username or code, PASSWORD, Role.agency, f"{name}项目经理", org)
    db.session.commit()
    return user.id
