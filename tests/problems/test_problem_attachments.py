"""Attachments of 办不成事 reports: the reporter's side attaches PDF, JPEG or
PNG files (judged by content and size, like materials) when filing or later;
whoever has a part in the report opens them — the office, the department it
is transferred to — and nobody else; bad files store nothing."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.materials.models import FileDownload, StoredFile
from coordinator.problems.models import ProblemAttachment, ProblemReport
from tests.conftest import pdf_bytes
from tests.problems.test_api_problems import as_user, file, go
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def attach(client, problem_id, data, name="清单外材料要求.pdf"):
    return client.post(f"/api/v1/problems/{problem_id}/attachments", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (ProblemReport, ProblemAttachment, StoredFile))


def test_the_owner_attaches_and_the_handling_staff_open_it_others_get_404(app, project):
    owner, office, officer, planner, stranger = (as_user(app, u) for u in ("owner", "admin", "officer", "planner",
                                                                           "owner2"))
    problem = file(owner, project["id"]).json["id"]
    r = attach(owner, problem, pdf_bytes("notice"))
    assert r.status_code == 201 and r.json["content_type"] == "application/pdf"
    file_id = r.json["id"]
    assert attach(owner, problem, PNG, "截图.png").json["content_type"] == "image/png"
    shown = owner.get(f"/api/v1/problems/{problem}").json["attachments"]
    assert [a["filename"] for a in shown] == ["清单外材料要求.pdf", "截图.png"]
    url = f"/api/v1/problems/{problem}/attachments/{file_id}"
    assert office.get(url).data == pdf_bytes("notice")
    assert officer.get(url).status_code == 404  # not transferred to 住建 yet
    for step, body in (("accepted", {}), ("classified", {}), ("transferred", {"department": "housing"})):
        assert go(office, problem, step, **body).status_code == 200
    got = officer.get(url)
    assert got.status_code == 200 and got.data == pdf_bytes("notice") and got.mimetype == "application/pdf"
    assert planner.get(url).status_code == 404 and stranger.get(url).status_code == 404
    assert stranger.get(f"/api/v1/problems/{problem}/attachments/{file_id + 99}").status_code == 404
    # the department and the office do not attach; a stranger does not learn the report exists
    assert attach(officer, problem, pdf_bytes("x")).status_code == 403
    assert attach(stranger, problem, pdf_bytes("x")).status_code == 404
    with app.app_context():
        assert {d.user.username for d in db.session.scalars(select(FileDownload).where(
            FileDownload.what == "problem"))} == {"admin", "officer"}


def test_bad_files_are_refused_and_store_nothing(app, project):
    owner = as_user(app, "owner")
    problem = file(owner, project["id"]).json["id"]
    before = counts(app)
    r = attach(owner, problem, b"MZ\x90\x00 an executable", "notice.pdf")
    assert r.status_code == 400 and "attachments" in r.json["fields"]
    assert attach(owner, problem, b"").status_code == 400
    app.config["MATERIAL_MAX_BYTES"] = 1024
    try:
        assert attach(owner, problem, pdf_bytes("big") + b"0" * 2048).status_code == 413
    finally:
        app.config.pop("MATERIAL_MAX_BYTES")
    assert counts(app) == before


def test_filing_on_the_page_with_attachments_and_adding_one_later(app, project):
    owner, office = as_user(app, "owner"), as_user(app, "admin")
    form = {"project_id": str(project["id"]), "category": "beyond_list", "description": "要求清单外材料",
            "attachments": [(io.BytesIO(pdf_bytes("a")), "通知.pdf"), (io.BytesIO(PNG), "窗口.png")]}
    r = owner.post("/problems/new", data=form, content_type="multipart/form-data")
    assert r.status_code == 302
    page = owner.get(r.location).get_data(as_text=True)
    assert "通知.pdf" in page and "窗口.png" in page and "添加附件" in page
    problem = int(r.location.rsplit("/", 1)[1])
    r = owner.post(f"/problems/{problem}/attachments", data={"file": (io.BytesIO(pdf_bytes("b")), "补充.pdf")},
                   content_type="multipart/form-data")
    assert r.status_code == 303
    office_page = office.get(f"/problems/{problem}").get_data(as_text=True)
    assert "补充.pdf" in office_page and "添加附件" not in office_page
    link = office_page.split('href="')[[i for i, part in enumerate(office_page.split('href="'))
                                         if "补充.pdf" in part.split("</a>")[0]][0]].split('"')[0]
    assert office.get(link).data == pdf_bytes("b")
    assert as_user(app, "owner2").get(link).status_code == 404


def test_a_bad_attachment_on_the_filing_page_files_nothing(app, project):
    owner = as_user(app, "owner")
    before = counts(app)
    form = {"project_id": str(project["id"]), "category": "other", "description": "系统报错",
            "attachments": [(io.BytesIO(b"just text"), "error.txt")]}
    r = owner.post("/problems/new", data=form, content_type="multipart/form-data")
    assert r.status_code == 400 and "附件只能是 PDF、JPEG 或 PNG 文件" in r.get_data(as_text=True)
    assert counts(app) == before


def test_an_archived_report_takes_no_more_files(app, project):
    owner, office, officer = as_user(app, "owner"), as_user(app, "admin"), as_user(app, "officer")
    problem = file(owner, project["id"]).json["id"]
    for client, step, body in ((office, "accepted", {}), (office, "classified", {}),
                               (office, "transferred", {"department": "housing"}),
                               (officer, "resolved", {"note": "已告知窗口按清单受理"}),
                               (owner, "feedback", {"satisfied": True}), (office, "verified", {}),
                               (office, "archived", {})):
        assert go(client, problem, step, **body).status_code == 200
    assert attach(owner, problem, pdf_bytes("late")).status_code == 409
