"""End to end in headless Chromium (CSRF on): the 政务服务办 assigns the demo
agent to a project on the admin's assign page and the agent finds it on the
workspace; the owner files a 办不成事 report with a PDF attached and the
office opens it from the report page; someone without the confirmation
e-mail asks for it again from the login page."""
from __future__ import annotations

from tests.agents.test_e2e_agents_and_problems import _page
from tests.conftest import pdf_bytes
from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    _new_page, browser, demo, expect, live_server,
)

PLANT = "南港工业区精细化工厂房"


def test_the_office_assigns_an_agent_on_the_assign_page(browser, demo):
    office_ctx, office = _page(browser, demo, "demo-admin", "/admin/")
    agent_ctx, agent = _page(browser, demo, "demo-agent", "/agent/")
    try:
        office.get_by_role("link", name="帮办代办指派").click()
        direct = office.locator("section", has=office.locator("#direct-heading"))
        direct.get_by_label("项目").select_option(label=next(
            o for o in direct.locator("#project_id option").all_inner_texts() if PLANT in o))
        direct.get_by_label("帮办代办员").select_option("demo-agent")
        direct.get_by_role("button", name="指派").click()
        expect(office.locator(".flash.success")).to_contain_text(f"代办 {PLANT}")
        expect(office.locator("#project_id")).not_to_contain_text(PLANT)
        office.goto("/admin/audit?entity=agent_request")
        expect(office.locator("main")).to_contain_text("demo-agent")
        agent.reload()
        expect(agent.locator(".in-hand", has_text=PLANT)).to_be_visible()
        for page in (office, agent):
            assert page.problems == [], page.problems
    finally:
        office_ctx.close()
        agent_ctx.close()


def test_a_report_with_an_attachment_is_opened_by_the_office(browser, demo, tmp_path):
    notice = tmp_path / "不予受理通知.pdf"
    notice.write_bytes(pdf_bytes("refusal"))
    owner_ctx, owner = _page(browser, demo, "demo-owner", "/owner/projects")
    office_ctx, office = _page(browser, demo, "demo-admin", "/admin/")
    try:
        owner.goto("/problems/new")
        owner.get_by_label("无理由拒绝办理").check()
        owner.get_by_label("问题描述").fill("窗口未说明理由拒绝受理")
        owner.get_by_label("附件（可选）").set_input_files(str(notice))
        owner.get_by_role("button", name="提交反映").click()
        expect(owner.locator("#attachments")).to_contain_text("不予受理通知.pdf")
        office.goto(owner.url)
        link = office.locator("#attachments").get_by_role("link", name="不予受理通知.pdf")
        with office.expect_download() as download:
            link.click()
        assert open(download.value.path(), "rb").read() == pdf_bytes("refusal")
        expect(office.locator("#attachments")).not_to_contain_text("添加附件")
        for page in (owner, office):
            assert page.problems == [], page.problems
    finally:
        owner_ctx.close()
        office_ctx.close()


def test_the_confirmation_e_mail_is_asked_for_again_from_the_login_page(browser, demo):
    context, page = _new_page(browser, demo)
    try:
        page.goto("/login")
        page.get_by_role("link", name="没有收到确认邮件？").click()
        page.get_by_label("电子邮箱").fill("nobody@example.cn")
        page.get_by_role("button", name="发送确认链接").click()
        page.wait_for_url("**/login")
        expect(page.locator(".flash.success")).to_contain_text("新的确认链接已发往该邮箱")
        assert page.problems == [], page.problems
    finally:
        context.close()
