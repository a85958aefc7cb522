"""The agency's report becomes the material of the application that waits
for it (the rule base's ``delivers``): attached once by the awarded agency,
never uploaded again by the owner; refused, and nothing attached, for anyone
else, before drafting, for a bad file or an application already submitted."""
from __future__ import annotations

import io

import pytest

from coordinator.extensions import db
from coordinator.materials.models import MaterialFile
from coordinator.projects.models import PlanItem, Project
from tests.conftest import login, pdf_bytes, provide_materials
from tests.intermediaries.test_api_service_requests import _error, offered  # noqa: F401  (fixture)

REPORT = "环境影响报告书"


def _award(client, offered, to="drafting"):
    login(client, "agency_a")
    quote = client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                        json={"fee_yuan": 80000, "working_days": 25}).get_json()
    client.post("/logout")
    login(client, "owner")
    assert client.post(f"/api/v1/service-requests/{offered['eia']}/award",
                       json={"quote_id": quote["id"]}).status_code == 200
    client.post("/logout")
    login(client, "agency_a")
    if to:
        assert client.post(f"/api/v1/service-requests/{offered['eia']}/progress", json={"to": to}).status_code == 200


def _send(client, offered, data: bytes, name: str = "eia-report.pdf"):
    return client.post(f"/api/v1/service-requests/{offered['eia']}/report",
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _report_files(app, project_id: int) -> list[MaterialFile]:
    with app.app_context():
        return list(db.session.scalars(db.select(MaterialFile).where(
            MaterialFile.project_id == project_id, MaterialFile.material == REPORT)))


def _materials(client, item_id: int) -> dict:
    return {m["name"]: m for m in client.get(f"/api/v1/items/{item_id}/materials").get_json()["materials"]}


def test_the_report_becomes_the_approvals_material_once(app, client, offered):
    _award(client, offered)
    sent = _send(client, offered, pdf_bytes("报告书第一版"))
    assert sent.status_code == 201, sent.get_json()
    (attached,) = sent.get_json()["materials"]
    assert (attached["item_code"], attached["material"]) == ("eia_report", REPORT)
    # The owner finds it provided, by the intermediary, and needs not upload it.
    client.post("/logout")
    login(client, "owner")
    material = _materials(client, attached["item_id"])[REPORT]
    assert material["provided"] and material["source"] == "intermediary"
    assert [f["id"] for f in material["files"]] == [attached["file_id"]]
    # A second version replaces the first.
    client.post("/logout")
    login(client, "agency_a")
    again = _send(client, offered, pdf_bytes("报告书第二版"), "eia-report-v2.pdf").get_json()["materials"][0]
    client.post("/logout")
    login(client, "owner")
    files = _materials(client, attached["item_id"])[REPORT]["files"]
    assert [f["id"] for f in files] == [again["file_id"]] and files[0]["filename"] == "eia-report-v2.pdf"
    with app.app_context():
        from coordinator.notifications.models import Notification
        told = db.session.scalars(db.select(Notification).where(Notification.kind == "service_report")).all()
        assert len(told) == 2 and all(REPORT in n.subject for n in told)


@pytest.mark.parametrize("who", ["agency_b", "owner", "officer"])
def test_only_the_awarded_agency_attaches(app, client, offered, who):
    _award(client, offered)
    client.post("/logout")
    login(client, who)
    assert _send(client, offered, pdf_bytes("x")).status_code in (403, 404)
    assert _report_files(app, offered["project"]) == []


def test_not_before_drafting_not_a_bad_file_not_a_submitted_application(app, client, offered):
    _award(client, offered, to=None)
    body = _error(_send(client, offered, pdf_bytes("x")), 409)
    assert body["fields"]["to"] == ["drafting", "delivered"]
    client.post(f"/api/v1/service-requests/{offered['eia']}/progress", json={"to": "drafting"})
    assert "file" in _error(_send(client, offered, b"#!/bin/sh\nrm -rf /\n", "report.pdf"), 400)["fields"]
    assert _report_files(app, offered["project"]) == []
    # The owner filed the approval with a report of its own, and the
    # department has it: the agency's can no longer change it.
    with app.app_context():
        project = db.session.get(Project, offered["project"])  # its current plan: the award re-planned it
        item_id = next(i.id for i in project.current_plan.items if i.code == "eia_report")
    provide_materials(app, item_id)
    with app.app_context():
        db.session.get(PlanItem, item_id).status = "accepted"  # as after submission and acceptance
        db.session.commit()
    before = len(_report_files(app, offered["project"]))
    assert before == 1  # the owner's own
    assert "建设项目环境影响报告书审批" in _error(_send(client, offered, pdf_bytes("late")), 409)["message"]
    assert len(_report_files(app, offered["project"])) == before


def test_the_agency_uploads_its_report_on_its_portal(app, client, offered):
    _award(client, offered)
    page = client.get("/agency/").get_data(as_text=True)
    assert "成果文件（作为“环境影响报告书”申报材料）" in page
    url = f"/agency/requests/{offered['eia']}/report"
    assert f'action="{url}"' in page and 'enctype="multipart/form-data"' in page
    refused = client.post(url, data={"file": (io.BytesIO(b"not a pdf"), "r.pdf")}, content_type="multipart/form-data",
                          headers={"HX-Request": "true"})
    assert refused.status_code == 400 and "PDF、JPEG 或 PNG" in refused.get_data(as_text=True)
    assert _report_files(app, offered["project"]) == []
    done = client.post(url, data={"file": (io.BytesIO(pdf_bytes("终稿")), "报告书终稿.pdf")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert done.status_code == 200 and "已上传成果文件，已作为建设项目环境影响报告书审批的申报材料" in done.get_data(as_text=True)
    (row,) = _report_files(app, offered["project"])
    assert row.source == "intermediary"


def test_an_agency_registers_its_webhook_on_its_portal(app, client, offered, dns):
    """Offers, awards and reminders reach the agency's own system: the same
    settings page as the utilities', under the agency's portal."""
    dns["hooks.agency-a.cn"] = "1.2.3.4"
    login(client, "agency_a")
    assert 'href="/agency/settings"' in client.get("/agency/").get_data(as_text=True)
    page = client.get("/agency/settings").get_data(as_text=True)
    assert 'action="/agency/settings"' in page
    saved = client.post("/agency/settings", data={"url": "https://hooks.agency-a.cn/coordinator"})
    assert saved.status_code == 200 and 'id="new-secret"' in saved.get_data(as_text=True)
    assert client.get("/api/v1/webhook").get_json()["url"] == "https://hooks.agency-a.cn/coordinator"
    refused = client.post("/agency/settings", data={"url": "http://10.1.2.3/"})
    assert refused.status_code == 400
    assert client.get("/api/v1/webhook").get_json()["url"] == "https://hooks.agency-a.cn/coordinator"
    rotated = client.post("/agency/settings/rotate")
    assert rotated.status_code == 200 and 'id="new-secret"' in rotated.get_data(as_text=True)
    client.post("/logout")
    login(client, "owner")
    assert client.get("/agency/settings").status_code == 403
