"""End to end in headless Chromium: the owner uploads the materials of the
construction drawing review, the 住建 officer opens them and returns one
file, the owner replaces exactly that file, the officer approves, the owner
downloads the e-licence and the public verification page confirms it."""
from __future__ import annotations

import hashlib

from tests.conftest import pdf_bytes
from tests.tracking.test_e2e_tracking import _page, _shot, ready_item  # noqa: F401  (fixtures)

from tests.owner.test_e2e_browser import _new_page, browser, expect, live_server  # noqa: F401  (fixtures)

DRAWINGS = "施工图设计文件（含消防、人防、节能专篇）"
SURVEY = "岩土工程勘察报告"


def _upload(page, material: str, name: str, data: bytes) -> None:
    form = page.locator(f'li.material[data-material="{material}"] form.upload')
    form.locator("input[type=file]").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": data})
    form.get_by_role("button", name="上传").click()
    expect(page.locator(f'li.material[data-material="{material}"] .files')).to_contain_text(name)


def test_upload_return_one_file_replace_it_approve_download_and_verify(browser, ready_item, live_server):
    app, _ = live_server
    base, project_id, item_id = ready_item
    # ready_item provided the materials through the service; start from an item without files
    from sqlalchemy import update

    from coordinator.extensions import db
    from coordinator.materials.models import MaterialFile
    from coordinator.projects.models import PlanItem

    with app.app_context():
        code = db.session.get(PlanItem, item_id).code
        db.session.execute(update(MaterialFile).where(MaterialFile.project_id == project_id,
                                                      MaterialFile.item_code == code).values(superseded_at=db.func.now()))
        db.session.commit()
        db.session.remove()
    owner_ctx, owner = _page(browser, base, "demo-owner", "/owner/projects")
    officer_ctx, officer = _page(browser, base, "demo-officer", "/officer/queue")
    public_ctx, public = _new_page(browser, base)
    try:
        owner.goto(f"/owner/projects/{project_id}")
        row = owner.locator(f"#item-{item_id}")
        row.get_by_role("button", name="申报").click()
        expect(owner.locator(".flash.error")).to_contain_text(SURVEY)  # the materials are missing
        row.get_by_role("link", name="申报材料").click()
        owner.wait_for_url(f"**/owner/items/{item_id}/materials")
        _upload(owner, DRAWINGS, "施工图.pdf", pdf_bytes("drawings"))
        _upload(owner, SURVEY, "勘察报告-初版.pdf", pdf_bytes("survey v1"))
        _shot(owner, "owner-materials")
        owner.goto(f"/owner/projects/{project_id}")
        row.get_by_role("button", name="申报").click()
        expect(owner.locator(".flash.success")).to_contain_text("已申报")

        officer.goto(f"/officer/items/{item_id}")
        link = officer.locator(".checklist-materials").get_by_role("link", name="勘察报告-初版.pdf")
        opened = officer.request.get(link.get_attribute("href"))
        assert opened.status == 200 and opened.body() == pdf_bytes("survey v1")
        form = officer.locator("form.action-returned")
        form.get_by_label(f"勘察报告-初版.pdf（{SURVEY}）").check()
        form.get_by_label("理由").fill("勘察报告缺少审查合格书")
        form.get_by_role("button").click()
        expect(officer.locator("h1 .badge[class*=status-]")).to_have_text("退回补正")

        owner.goto(f"/owner/items/{item_id}/materials")
        survey = owner.locator(f'li.material[data-material="{SURVEY}"]')
        expect(survey.locator(".at-fault")).to_have_count(1)
        expect(owner.locator(f'li.material[data-material="{DRAWINGS}"] form.upload')).to_have_count(0)
        _upload(owner, SURVEY, "勘察报告-合格.pdf", pdf_bytes("survey v2"))
        expect(survey.locator(".files li")).to_have_count(1)
        expect(survey.locator(".at-fault")).to_have_count(0)
        owner.goto(f"/owner/projects/{project_id}")
        row.get_by_role("button", name="重新申报").click()
        expect(row).to_contain_text("已申报")

        officer.reload()
        expect(officer.locator(".checklist-materials")).to_contain_text("勘察报告-合格.pdf")
        officer.locator("form.action-accepted").get_by_role("button").click()
        approve = officer.locator("form.action-approved")
        approve.get_by_label("办结文号").fill("津滨住建审〔2026〕202号")
        # 联合图审: 人防 was consulted on acceptance and has not answered yet
        approve.get_by_label("未收到全部意见即办结的理由").fill("人防意见已在方案审查时出具")
        approve.get_by_role("button").click()
        expect(officer.locator("h1 .badge[class*=status-]")).to_have_text("已办结")

        owner.goto(f"/owner/items/{item_id}/materials")
        expect(owner.locator(".licence")).to_contain_text("津滨住建审〔2026〕202号")
        sha256 = owner.locator(".licence code").inner_text()
        with owner.expect_download() as download:
            owner.locator(".licence").get_by_role("link", name="下载电子证照").click()
        pdf = open(download.value.path(), "rb").read()
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == sha256
        verify = owner.locator(".licence").get_by_role("link", name="核验页面").get_attribute("href")
        _shot(owner, "owner-licence")

        public.goto(verify)  # no login
        expect(public.locator(".verified")).to_contain_text("该证照真实有效")
        expect(public.locator(".number")).to_have_text("津滨住建审〔2026〕202号")
        expect(public.locator(".sha256")).to_have_text(sha256)
        public.set_viewport_size({"width": 390, "height": 800})
        assert public.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(public, "public-verify")
        assert public.goto(verify[:-2] + "zz").status == 404
        assert owner.problems == [] and officer.problems == []
    finally:
        owner_ctx.close()
        officer_ctx.close()
        public_ctx.close()
