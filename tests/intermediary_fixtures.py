"""Helpers for the intermediary tests: a rule base with preparation items
done by agencies (until the rule base ships its own), agencies registered
through the service, and agency staff."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from coordinator.accounts.models import Role
from coordinator.accounts.service import create_user
from coordinator.extensions import db
from coordinator.intermediaries.service import qualify, register_agency

from .conftest import PASSWORD

RULES = Path(__file__).resolve().parent.parent / "rules"
PREPARATION_ITEMS = """
items:
  - code: eia_report_writing
    name: 环境影响报告书编制
    name_en: Writing the EIA report
    kind: preparation
    party: intermediary
    service: eia
    stage: land_use_planning
    committed_days: 30
    applies_if: {answer: eia_category, eq: report}
    requires: [project_filing]
    basis:
      - {document: 中华人民共和国环境影响评价法, article: 第十九条}
  - code: energy_report_writing
    name: 节能报告编制
    name_en: Writing the energy report
    kind: preparation
    party: intermediary
    service: energy
    stage: land_use_planning
    committed_days: 15
    applies_if: {answer: annual_energy_tce, gte: 1000}
    requires: [project_filing]
    basis:
      - {document: 中华人民共和国节约能源法, article: 第十五条}
"""


def preparation_rules(directory: Path) -> Path:
    """A copy of ``rules/`` with intermediary preparation items added."""
    target = directory / "rules"
    shutil.copytree(RULES, target)
    (target / "items" / "9_preparation.yaml").write_text(PREPARATION_ITEMS, encoding="utf-8")
    return target


@pytest.fixture
def prep_rules(app, tmp_path, monkeypatch):
    """The app plans with :data:`PREPARATION_ITEMS` for this test."""
    monkeypatch.setitem(app.config, "RULES_DIR", str(preparation_rules(tmp_path)))


def agency(code: str, name: str, services=("eia", "energy"), districts=("滨海新区",),
           valid_until: dt.date = dt.date(2030, 1, 1), username: str | None = None) -> int:
    """Register a qualified agency with one staff user; the user's id."""
    org = register_agency(code, name, list(districts))
    for service in services:
        qualify(org, service, f"{service} 资质证书", f"{code}-{service}-001", valid_until)
    user = create_user(username or code, PASSWORD, Role.agency, f"{name}项目经理", org)
    db.session.commit()
    return user.id
