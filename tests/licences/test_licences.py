"""E-licences: issued when an item is approved, carried by the project API,
served as a PDF to those who may see the item, verified publicly."""
from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from coordinator.extensions import db
from tests.conftest import login
from tests.tracking.tracking_fixtures import approve, more_officers, project  # noqa: F401  (fixtures)


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def licensed(app, project):
    """The warehouse with its project filing approved (document 文号-project_filing)."""
    approve(app, project, "project_filing", "drc_officer")
    return project


def test_approval_issues_a_licence_in_the_project_api(app, licensed):
    owner = as_user(app, "owner")
    items = {i["code"]: i for i in owner.get(f"/api/v1/projects/{licensed['id']}").json["items"]}
    licence = items["project_filing"]["licence"]
    assert set(licence) == {"number", "issued_on", "verify_url", "sha256"}
    assert licence["number"] == "文号-project_filing" and licence["issued_on"] == "2026-03-02"
    assert "/licences/verify/" in licence["verify_url"] and licence["verify_url"].startswith("http")
    assert items["land_transfer"]["licence"] is None
    pdf = owner.get(f"/api/v1/items/{licensed['items']['project_filing']}/licence.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == licence["sha256"]
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert owner.get(f"/api/v1/items/{licensed['items']['land_transfer']}/licence.pdf").status_code == 404


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_the_licence_pdf_states_the_facts_in_extractable_chinese(app, licensed, tmp_path):
    owner = as_user(app, "owner")
    pdf = owner.get(f"/api/v1/items/{licensed['items']['project_filing']}/licence.pdf").data
    (tmp_path / "l.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("电子证照", "企业投资项目备案", "文号-project_filing", "滨海仓库", "业主一", "2026-03-02",
                     "/licences/verify/"):
        assert expected in text, expected


def test_who_may_download_the_licence(app, licensed):
    item = licensed["items"]["project_filing"]  # 发改
    expected = {"owner": 200, "drc": 200, "admin": 200, "owner2": 404, "planner": 403, "utility": 404}
    for username, status in expected.items():
        assert as_user(app, username).get(f"/api/v1/items/{item}/licence.pdf").status_code == status, username
    from coordinator.materials.service import downloads_of

    with app.app_context():
        assert [(d.user.username, d.what) for d in downloads_of(licensed["id"])] == [
            ("owner", "licence"), ("drc", "licence"), ("admin", "licence")]


def test_public_verification_page_and_json(app, licensed):
    owner = as_user(app, "owner")
    licence = next(i for i in owner.get(f"/api/v1/projects/{licensed['id']}").json["items"]
                   if i["code"] == "project_filing")["licence"]
    path = licence["verify_url"].split("://", 1)[1].split("/", 1)[1]
    anonymous = app.test_client()
    page = anonymous.get("/" + path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "该证照真实有效" in html and licence["number"] in html
    assert licence["sha256"] in html and "滨海仓库" in html
    assert "竞买" not in html and "8000" not in html  # nothing else of the project
    data = anonymous.get("/" + path, headers={"Accept": "application/json"}).json
    assert data == {"valid": True, "revoked": False, "number": licence["number"], "item": "企业投资项目备案",
                    "project": "滨海仓库", "department": data["department"], "issued_on": "2026-03-02", "sha256": licence["sha256"]}
    assert data["department"] and data["department"] != "drc"
    code = path.rsplit("/", 1)[1]
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (altered, "nonsense", "x" * 200):
        assert anonymous.get(f"/licences/verify/{bad}").status_code == 404
        r = anonymous.get(f"/licences/verify/{bad}", headers={"Accept": "application/json"})
        assert r.status_code == 404 and r.json["error"] == "not_found"
    english = anonymous.get("/" + path + "?lang=en").get_data(as_text=True)
    assert "genuine" in english and "该证照真实有效" not in english


def test_no_licence_without_approval_and_one_per_item(app, project):
    from sqlalchemy import func, select

    from coordinator.licences.models import Licence

    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "land_transfer", "planning_officer")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Licence)) == 2
        codes = set(db.session.scalars(select(Licence.verification_code)))
        assert len(codes) == 2 and all(len(c) >= 24 for c in codes)
