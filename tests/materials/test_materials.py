"""The online application through the JSON API: uploading materials (content
checks, limits), listing them, submitting only with the essential ones,
returning named files and replacing exactly those, 告知承诺 letters, reuse of
an earlier licence, who may read a file, and the download log."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coordinator.extensions import db
from tests.conftest import login, pdf_bytes, provide_materials
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401  (fixtures)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 60
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
ERROR_KEYS = {"error", "message", "fields"}


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def upload(client, item_id, material, data, filename="f.pdf", **form):
    return client.post(f"/api/v1/items/{item_id}/materials", content_type="multipart/form-data",
                       data={"material": material, "file": (io.BytesIO(data), filename), **form})


def materials(client, item_id) -> dict:
    r = client.get(f"/api/v1/items/{item_id}/materials")
    assert r.status_code == 200, r.json
    return {m["name"]: m for m in r.json["materials"]}


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_list_and_download(app, project):
    item = project["items"]["land_transfer"]
    owner = as_user(app, "owner")
    data = pdf_bytes("竞买申请书")
    r = upload(owner, item, "竞买申请书", data, filename="../docs/竞买申请书.pdf")
    assert r.status_code == 201
    assert set(r.json) == {"id", "material", "filename", "size", "sha256", "content_type"}
    assert r.json["material"] == "竞买申请书" and r.json["filename"] == "竞买申请书.pdf"
    assert r.json["size"] == len(data) and r.json["content_type"] == "application/pdf"
    import hashlib

    assert r.json["sha256"] == hashlib.sha256(data).hexdigest()
    listed = materials(owner, item)
    assert list(listed) == ["竞买申请书", "竞买保证金缴纳凭证", "营业执照"]
    assert listed["竞买申请书"] == {"name": "竞买申请书", "essential": True, "provided": True, "source": "upload",
                                 "files": [{"id": r.json["id"], "filename": "竞买申请书.pdf", "size": len(data),
                                            "sha256": r.json["sha256"]}], "at_fault": []}
    assert listed["营业执照"]["provided"] is False and listed["营业执照"]["source"] is None
    got = owner.get(f"/api/v1/files/{r.json['id']}")
    assert got.status_code == 200 and got.data == data and got.mimetype == "application/pdf"
    png = upload(owner, item, "营业执照", PNG, filename="licence.pdf")
    assert png.status_code == 201 and png.json["content_type"] == "image/png"
    assert upload(owner, item, "营业执照", JPEG, filename="x.png").json["content_type"] == "image/jpeg"


@pytest.mark.parametrize("data, filename", [(ELF, "申请书.pdf"), (WINDOWS_EXE, "scan.jpg"), (b"just text", "a.png"),
                                            (b"", "empty.pdf")])
def test_a_file_is_judged_by_its_content_not_its_name(app, project, data, filename):
    item = project["items"]["land_transfer"]
    owner = as_user(app, "owner")
    r = upload(owner, item, "竞买申请书", data, filename=filename)
    assert r.status_code == 400 and set(r.json) >= ERROR_KEYS and set(r.json["fields"]) == {"file"}
    from coordinator.materials.models import MaterialFile, StoredFile

    with app.app_context():
        assert rows(StoredFile) == 0 and rows(MaterialFile) == 0


def test_bad_requests_name_the_field_and_change_nothing(app, project):
    item = project["items"]["land_transfer"]
    owner = as_user(app, "owner")
    r = upload(owner, item, "不在清单里的材料", pdf_bytes())
    assert r.status_code == 400 and set(r.json["fields"]) == {"material"}
    r = owner.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                   data={"material": "竞买申请书"})
    assert r.status_code == 400 and set(r.json["fields"]) == {"file"}
    r = owner.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")})
    assert r.status_code == 400 and set(r.json["fields"]) == {"material"}
    assert all(not m["files"] for m in materials(owner, item).values())


def test_size_limit_is_413(app, project):
    item = project["items"]["land_transfer"]
    owner = as_user(app, "owner")
    app.config["MATERIAL_MAX_BYTES"] = 4096
    try:
        big = pdf_bytes() + b"0" * 4096
        r = upload(owner, item, "竞买申请书", big)
        assert r.status_code == 413 and set(r.json) >= ERROR_KEYS and set(r.json["fields"]) == {"file"}
        huge = pdf_bytes() + b"0" * 200_000  # beyond the body allowance: refused before reading the file
        r = upload(owner, item, "竞买申请书", huge)
        assert r.status_code == 413 and r.json["error"] == "too_large"
        assert upload(owner, item, "竞买申请书", pdf_bytes() + b"0" * 4000).status_code == 201
    finally:
        app.config["MATERIAL_MAX_BYTES"] = 20 * 1024 * 1024
    assert [len(f) for f in [materials(owner, item)["竞买申请书"]["files"]]] == [1]


def test_the_twenty_megabyte_limit(app, project):
    item = project["items"]["land_transfer"]
    owner = as_user(app, "owner")
    limit = 20 * 1024 * 1024
    assert upload(owner, item, "竞买申请书", pdf_bytes().ljust(limit, b"0")).status_code == 201
    assert upload(owner, item, "竞买申请书", pdf_bytes().ljust(limit + 1, b"0")).status_code == 413


def test_submitting_needs_every_essential_material(app, project):
    approve(app, project, "project_filing", "drc_officer")
    item = project["items"]["design_scheme_review"]  # the sunlight analysis (日照分析报告) may follow
    owner = as_user(app, "owner")
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 400 and r.json["error"] == "materials_missing"
    assert r.json["fields"] == {"materials": ["建设工程设计方案（总平面图、单体方案）", "规划条件或带方案出让的设计要求"]}
    assert upload(owner, item, "建设工程设计方案（总平面图、单体方案）", pdf_bytes("a")).status_code == 201
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 400 and r.json["fields"] == {"materials": ["规划条件或带方案出让的设计要求"]}
    assert owner.get(f"/api/v1/items/{item}").json["status"] == "not_submitted"
    assert upload(owner, item, "规划条件或带方案出让的设计要求", pdf_bytes("b")).status_code == 201
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 200 and r.json["status"] == "submitted"
    # with its department the materials are locked
    r = upload(owner, item, "日照分析报告", pdf_bytes("c"))
    assert r.status_code == 409 and r.json["error"] == "materials_locked"


def test_return_names_files_and_the_owner_replaces_exactly_those(app, project):
    item = project["items"]["land_transfer"]
    owner, planner = as_user(app, "owner"), as_user(app, "planner")
    ids = {name: upload(owner, item, name, pdf_bytes(name)).json["id"] for name in ("竞买申请书", "竞买保证金缴纳凭证", "营业执照")}
    assert owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"}).status_code == 200
    # a file that is not the item's is refused, nothing changes
    r = planner.post(f"/api/v1/items/{item}/transition", json={"to": "returned", "reason": "x", "files": [999999]})
    assert r.status_code == 400 and set(r.json["fields"]) == {"files"}
    r = planner.post(f"/api/v1/items/{item}/transition", json={
        "to": "returned", "reason": "保证金凭证不清晰", "files": [ids["竞买保证金缴纳凭证"]]})
    assert r.status_code == 200 and r.json["missing_materials"] == ["竞买保证金缴纳凭证"]
    listed = materials(owner, item)
    assert listed["竞买保证金缴纳凭证"]["at_fault"] == [ids["竞买保证金缴纳凭证"]]
    assert listed["营业执照"]["at_fault"] == []
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 400 and set(r.json["fields"]) == {"files"}
    # only the named material may change
    assert upload(owner, item, "营业执照", pdf_bytes("new")).status_code == 409
    new = upload(owner, item, "竞买保证金缴纳凭证", pdf_bytes("clear"))
    assert new.status_code == 201
    listed = materials(owner, item)
    assert [f["id"] for f in listed["竞买保证金缴纳凭证"]["files"]] == [new.json["id"]]
    assert [f["id"] for f in listed["营业执照"]["files"]] == [ids["营业执照"]]
    assert owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"}).json["status"] == "submitted"
    # the replaced file is kept (the department may still open it)
    assert planner.get(f"/api/v1/files/{ids['竞买保证金缴纳凭证']}").status_code == 200


def test_a_return_naming_a_material_needs_a_new_file_for_it(app, project):
    item = project["items"]["land_transfer"]
    owner, planner = as_user(app, "owner"), as_user(app, "planner")
    provide_materials(app, item)
    owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    planner.post(f"/api/v1/items/{item}/transition", json={
        "to": "returned", "reason": "缺授权书", "missing_materials": ["营业执照", "法定代表人授权委托书"]})
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 400 and r.json["fields"]["materials"] == ["法定代表人授权委托书"]
    assert len(r.json["fields"]["files"]) == 1
    assert upload(owner, item, "法定代表人授权委托书", pdf_bytes("auth")).status_code == 201
    assert upload(owner, item, "营业执照", PNG).status_code == 201
    assert owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"}).status_code == 200


def test_commitment_letter_replaces_the_proofs(app, project):
    """A warehouse in a park with its regional assessment done files its EIA
    form under 告知承诺: the owner confirms the letter instead of the report."""
    from coordinator.accounts.models import User
    from coordinator.projects.service import create_project
    from tests.conftest import TODAY, WAREHOUSE

    with app.app_context():
        created = create_project(db.session.get(User, project["users"]["owner"]), "园区仓库", WAREHOUSE, today=TODAY)
        item = next(i for i in created.current_plan.items if i.code == "eia_table")
        assert item.mode == "commitment"
        park = {"id": created.id, "items": {i.code: i.id for i in created.current_plan.items},
                "users": project["users"]}
        item, standard = item.id, park["items"]["land_transfer"]
    approve(app, park, "project_filing", "drc_officer")
    owner = as_user(app, "owner")
    letter = owner.get(f"/api/v1/items/{item}/commitment").json
    assert letter["confirmed"] is False and "告知承诺书" in letter["text"] and "园区仓库" in letter["text"]
    assert "环境影响报告表" in letter["text"] and "20 个工作日" in letter["text"]
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 400 and r.json["fields"] == {"materials": ["环境影响报告表"]}
    assert as_user(app, "eco").post(f"/api/v1/items/{item}/commitment").status_code == 403
    r = owner.post(f"/api/v1/items/{item}/commitment")
    assert r.status_code == 201 and r.json["confirmed"] is True and len(r.json["sha256"]) == 64
    listed = materials(owner, item)
    assert listed and all(m["provided"] and m["source"] == "commitment" for m in listed.values())
    assert owner.get(f"/api/v1/items/{item}/commitment").json["text"] == r.json["text"]
    r = owner.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 200
    # 告知承诺: approved on acceptance, with its licence
    r = as_user(app, "eco").post(f"/api/v1/items/{item}/transition", json={"to": "accepted", "document_number": "津滨环承〔2026〕1号"})
    assert r.json["status"] == "approved" and r.json["licence"]["number"] == "津滨环承〔2026〕1号"
    assert owner.post(f"/api/v1/items/{standard}/commitment").status_code == 409


def test_an_approved_licence_is_reused_downstream(app, project):
    """The planning permit's licence fills the construction permit's material
    of the same name (免提交), which that department may open."""
    owner = as_user(app, "owner")
    permit = project["items"]["construction_permit"]
    assert materials(owner, permit)["建设工程规划许可证"]["provided"] is False
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    approve(app, project, "planning_permit", "planning_officer")
    listed = materials(owner, permit)["建设工程规划许可证"]
    assert listed["provided"] is True and listed["source"] == "licence"
    licence = owner.get(f"/api/v1/items/{project['items']['planning_permit']}").json["licence"]
    file_id = listed["files"][0]["id"]
    pdf = owner.get(f"/api/v1/files/{file_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    import hashlib

    assert listed["files"][0]["sha256"] == licence["sha256"] == hashlib.sha256(pdf.data).hexdigest()
    assert as_user(app, "officer").get(f"/api/v1/files/{file_id}").status_code == 200  # 住建 issues the permit
    assert as_user(app, "eco").get(f"/api/v1/files/{file_id}").status_code == 404
    # the licence counts for submission: only the other essential ones are asked for
    r = owner.post(f"/api/v1/items/{permit}/transition", json={"to": "submitted"})
    missing = r.json["fields"].get("materials", []) if r.status_code == 400 else []
    assert "建设工程规划许可证" not in missing


def test_who_may_read_a_file(app, project):
    item = project["items"]["land_transfer"]  # 规划
    file_id = upload(as_user(app, "owner"), item, "竞买申请书", pdf_bytes()).json["id"]
    expected = {"owner": 200, "planner": 200, "admin": 200, "owner2": 404, "officer": 404, "eco": 404,
                "utility": 404, "drc": 404}
    for username, status in expected.items():
        r = as_user(app, username).get(f"/api/v1/files/{file_id}")
        assert r.status_code == status, username
        if status == 404:
            assert set(r.json) >= ERROR_KEYS and r.json["error"] == "not_found"
    assert app.test_client().get(f"/api/v1/files/{file_id}").status_code == 401
    assert as_user(app, "owner").get("/api/v1/files/999999").status_code == 404
    # only the owner uploads; another owner does not even see the item
    assert upload(as_user(app, "planner"), item, "营业执照", pdf_bytes()).status_code == 403
    assert upload(as_user(app, "admin"), item, "营业执照", pdf_bytes()).status_code == 403
    assert upload(as_user(app, "owner2"), item, "营业执照", pdf_bytes()).status_code == 404
    assert upload(as_user(app, "officer"), item, "营业执照", pdf_bytes()).status_code == 403
    assert as_user(app, "owner2").get(f"/api/v1/items/{item}/materials").status_code == 404


def test_every_download_is_logged(app, project):
    from coordinator.materials.service import downloads_of

    item = project["items"]["land_transfer"]
    file_id = upload(as_user(app, "owner"), item, "竞买申请书", pdf_bytes()).json["id"]
    for username in ("owner", "planner", "admin", "owner2"):
        as_user(app, username).get(f"/api/v1/files/{file_id}")
    with app.app_context():
        log = downloads_of(project["id"])
        assert [(e.user.username, e.file_id, e.what) for e in log] == [
            ("owner", file_id, "material"), ("planner", file_id, "material"), ("admin", file_id, "material")]
        from coordinator.materials.models import DownloadLogError

        with pytest.raises(DownloadLogError):
            db.session.delete(log[0])
            db.session.flush()
        db.session.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_stored_only_when_pdf_jpeg_or_png(app, project, data):
    import filetype

    owner = as_user(app, "owner")
    r = upload(owner, project["items"]["land_transfer"], "营业执照", data)
    kind = filetype.guess(data) if data else None
    if kind is not None and kind.mime in ("application/pdf", "image/jpeg", "image/png"):
        assert r.status_code == 201 and r.json["content_type"] == kind.mime
    else:
        assert r.status_code == 400 and set(r.json["fields"]) == {"file"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=300))
def test_any_filename_is_kept_as_a_plain_name(app, project, name):
    owner = as_user(app, "owner")
    r = upload(owner, project["items"]["land_transfer"], "营业执照", pdf_bytes(), filename=name or "x")
    if r.status_code == 400:  # werkzeug drops an empty file part name; NUL characters are refused
        assert set(r.json["fields"]) <= {"file"} | {k for k in r.json["fields"] if "\x00" in name}
        return
    assert r.status_code == 201
    stored = r.json["filename"]
    assert stored and "/" not in stored and "\\" not in stored and len(stored) <= 255
