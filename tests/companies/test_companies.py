"""Projects belong to the company: its members share them, its administrator
invites colleagues by e-mail and removes them (their sessions end), and the
audit names the person who acted."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.accounts.service import create_user, issue_token
from coordinator.audit.models import AdminAuditEntry
from coordinator.companies.service import company_of
from coordinator.extensions import db
from coordinator.projects.service import create_project

from tests.conftest import PASSWORD, TODAY, example_answers, login
from tests.notifications.mail_fixtures import mailbox  # noqa: F401  (fixture)


def _company_with_project(app) -> dict:
    """``boss`` (the company's administrator) with a project; ``outsider`` of another company."""
    with app.app_context():
        boss = create_user("boss", PASSWORD, Role.owner, "王总", email="boss@example.cn")
        outsider = create_user("outsider", PASSWORD, Role.owner, "别家公司")
        db.session.flush()
        project = create_project(boss, "滨海新区智能物流仓库", example_answers("warehouse"), today=TODAY)
        create_project(outsider, "别家的厂房", example_answers("warehouse"), today=TODAY)
        return {"boss": boss.id, "outsider": outsider.id, "project": project.id, "company": boss.company_id}


def _invite(app, client, mailbox, username="colleague", email="li@example.cn") -> str:
    """The administrator (logged in on ``client``) invites a colleague, who chooses a password."""
    answer = client.post("/company", data={"display_name": "李工", "email": email, "username": username})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        mailbox.deliver()
        link = mailbox.link_to(email)
    assert link.startswith("/password/invite/")
    other = app.test_client()
    assert other.get(link).status_code == 200
    assert other.post(link, data={"password": "li-gong-2026-secret"}).status_code == 302
    return link


def test_an_owners_first_project_makes_its_company(app):
    ids = _company_with_project(app)
    with app.app_context():
        boss = db.session.get(User, ids["boss"])
        assert boss.company.name == "王总" and boss.company_admin
        assert company_of(boss).id == ids["company"]


def test_an_invited_colleague_shares_the_companys_projects(app, client, mailbox):
    ids = _company_with_project(app)
    login(client, "boss")
    _invite(app, client, mailbox)
    colleague = app.test_client()
    assert login(colleague, "colleague", "li-gong-2026-secret").status_code == 302
    listed = colleague.get("/api/v1/projects").get_json()["projects"]
    assert [p["id"] for p in listed] == [ids["project"]]
    assert colleague.get(f"/api/v1/projects/{ids['project']}").status_code == 200
    assert "滨海新区智能物流仓库" in colleague.get("/owner/projects").get_data(as_text=True)
    # a project the colleague creates is the company's too
    made = colleague.post("/api/v1/projects", json={"name": "二期仓库", "answers": example_answers("warehouse")})
    assert made.status_code == 201
    assert made.get_json()["id"] in [p["id"] for p in client.get("/api/v1/projects").get_json()["projects"]]
    # another company sees none of it
    outsider = app.test_client()
    login(outsider, "outsider")
    assert outsider.get(f"/api/v1/projects/{ids['project']}").status_code == 404
    assert ids["project"] not in [p["id"] for p in outsider.get("/api/v1/projects").get_json()["projects"]]
    with app.app_context():
        entry = db.session.scalar(select(AdminAuditEntry).where(AdminAuditEntry.action == "invite"))
        assert entry.actor.username == "boss" and entry.entity_id == "colleague"


def test_an_invitation_link_works_once(app, client, mailbox):
    _company_with_project(app)
    login(client, "boss")
    link = _invite(app, client, mailbox)
    assert app.test_client().post(link, data={"password": "another-secret-2026"}).status_code == 410


def test_a_removed_colleague_is_logged_out_everywhere(app, client, mailbox):
    _company_with_project(app)
    login(client, "boss")
    _invite(app, client, mailbox)
    colleague = app.test_client()
    login(colleague, "colleague", "li-gong-2026-secret")
    assert colleague.get("/owner/projects").status_code == 200
    with app.app_context():
        member = db.session.scalar(select(User).where(User.username == "colleague"))
        _, token = issue_token(member)
        member_id = member.id
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    page = client.get("/company").get_data(as_text=True)
    assert "李工" in page and "移除" in page
    assert client.post(f"/company/members/{member_id}/remove").status_code == 302
    assert colleague.get("/owner/projects").status_code == 302  # to the login page
    assert app.test_client().get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(app.test_client(), "colleague", "li-gong-2026-secret").status_code == 401
    assert "<td>李工</td>" not in client.get("/company").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AdminAuditEntry).where(AdminAuditEntry.action == "remove"))
        assert entry.actor.username == "boss" and entry.before["display_name"] == "李工"


def test_only_the_companys_administrator_invites_and_removes(app, client, mailbox):
    ids = _company_with_project(app)
    login(client, "boss")
    _invite(app, client, mailbox)
    colleague = app.test_client()
    login(colleague, "colleague", "li-gong-2026-secret")
    assert "邀请同事" not in colleague.get("/company").get_data(as_text=True)
    assert colleague.post("/company", data={"display_name": "x", "email": "x@example.cn",
                                            "username": "xxx"}).status_code == 403
    assert colleague.post(f"/company/members/{ids['boss']}/remove").status_code == 403
    outsider = app.test_client()
    login(outsider, "outsider")
    with app.app_context():
        member_id = db.session.scalar(select(User.id).where(User.username == "colleague"))
    # another company's administrator: no such colleague of theirs
    assert outsider.post(f"/company/members/{member_id}/remove").status_code == 404
    with app.app_context():
        assert db.session.get(User, member_id).active


def test_an_invitation_with_bad_fields_names_them_and_stores_nothing(app, client):
    _company_with_project(app)
    login(client, "boss")
    answer = client.post("/company", data={"display_name": "", "email": "nope", "username": "boss"})
    assert answer.status_code == 409  # the username is taken
    answer = client.post("/company", data={"display_name": "", "email": "nope", "username": "new-one"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "电子邮箱格式不正确" in text and "必填" in text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "new-one")) is None


def test_officers_and_utility_staff_have_no_company_page(app, client, users):
    login(client, "officer")
    assert client.get("/company").status_code == 403


def test_the_company_api_invites_lists_and_removes(app, client, mailbox):
    ids = _company_with_project(app)
    login(client, "boss")
    bad = client.post("/api/v1/company/members", json={"username": "li", "display_name": "", "email": "x"})
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"username", "display_name", "email"}
    taken = client.post("/api/v1/company/members", json={"username": "outsider", "display_name": "李工",
                                                          "email": "li@example.cn"})
    assert taken.status_code == 409
    made = client.post("/api/v1/company/members", json={"username": "li-gong", "display_name": "李工",
                                                         "email": "li@example.cn"})
    assert made.status_code == 201 and made.get_json()["awaiting_verification"] is True
    company = client.get("/api/v1/company").get_json()
    assert company["id"] == ids["company"] and [m["username"] for m in company["members"]] == ["boss", "li-gong"]
    with app.app_context():
        mailbox.deliver()
        assert mailbox.link_to("li@example.cn").startswith("/password/invite/")
    colleague_id = made.get_json()["id"]
    outsider = app.test_client()
    login(outsider, "outsider")
    assert outsider.delete(f"/api/v1/company/members/{colleague_id}").status_code == 404
    assert client.delete(f"/api/v1/company/members/{ids['boss']}").status_code == 400
    assert client.delete(f"/api/v1/company/members/{colleague_id}").status_code == 204
    assert [m["username"] for m in client.get("/api/v1/company").get_json()["members"]] == ["boss"]
