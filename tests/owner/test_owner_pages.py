"""The owner's pages through the Flask test client: questionnaire (plain
and htmx), project creation, plan page, what-if, answer versions, tokens."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coordinator.accounts.models import ApiToken
from coordinator.extensions import db
from coordinator.projects.models import AnswerSet, Project, ProjectPlan

from tests.conftest import example_answers, login

HX = {"HX-Request": "true"}


def form_for(answers: dict, name: str = "测试仓库", land_date: str = "", action: str = "submit") -> dict:
    data = {"name": name, "land_date": land_date, "action": action}
    for key, value in answers.items():
        if isinstance(value, dict):
            data.update({f"{key}.{k}": _text(v) for k, v in value.items()})
        else:
            data[key] = _text(value)
    return data


def _text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def owner_client(client, users):
    login(client, "owner")
    return client


def create(owner_client, answers=None, **kw) -> int:
    response = owner_client.post("/owner/projects/new", data=form_for(answers or example_answers(), **kw))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_owner_pages_need_login(client):
    response = client.get("/owner/projects")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["officer", "utility", "admin"])
def test_owner_pages_are_forbidden_to_other_roles(client, users, username):
    login(client, username)
    assert client.get("/owner/projects").status_code == 403
    assert client.get("/owner/projects/new").status_code == 403


def test_login_rejects_bad_password_and_refuses_open_redirects(client, users):
    response = client.post("/login", data={"username": "owner", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    response = client.post("/login?next=//evil.example/x", data={"username": "owner", "password": "correct horse battery staple"})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_logout_needs_post(owner_client):
    assert owner_client.get("/logout").status_code == 405
    assert owner_client.post("/logout").status_code == 302
    assert owner_client.get("/owner/projects").status_code == 302


def test_questionnaire_follow_up_appears_with_htmx(owner_client):
    page = owner_client.get("/owner/projects/new").get_data(as_text=True)
    assert 'id="f-project_type"' in page and 'id="f-fire_hazard_class"' not in page
    fragment = owner_client.post("/owner/projects/new", headers=HX,
                                 data={"project_type": "warehouse", "action": "preview"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="questionnaire"' in fragment
    assert 'id="f-fire_hazard_class"' in fragment and 'id="f-civil_air_defence"' not in fragment
    fragment = owner_client.post("/owner/projects/new", headers=HX,
                                 data={"project_type": "residential", "action": "preview"}).get_data(as_text=True)
    assert 'id="f-fire_hazard_class"' not in fragment and 'id="f-civil_air_defence"' in fragment


def test_questionnaire_works_without_javascript(owner_client):
    page = owner_client.post("/owner/projects/new", data={"project_type": "warehouse", "action": "preview"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<html" in text and 'id="f-fire_hazard_class"' in text


def test_preview_counts_items_and_days_when_complete(owner_client):
    fragment = owner_client.post("/owner/projects/new", headers=HX,
                                 data=form_for(example_answers(), action="preview")).get_data(as_text=True)
    assert "个审批和报装事项" in fragment and "并联审批节省" in fragment


def test_preview_flags_wrong_answers_but_not_missing_ones(owner_client):
    fragment = owner_client.post("/owner/projects/new", headers=HX,
                                 data={"project_type": "warehouse", "floor_area_m2": "-3", "action": "preview"})
    text = fragment.get_data(as_text=True)
    assert "必须大于 0" in text
    assert text.count('class="error"') == 1


def test_draft_answers_are_kept_between_visits(owner_client):
    owner_client.post("/owner/projects/new", headers=HX,
                      data={"name": "草稿项目", "project_type": "warehouse", "floor_area_m2": "8000", "action": "preview"})
    page = owner_client.get("/owner/projects/new").get_data(as_text=True)
    assert 'value="草稿项目"' in page and 'value="8000"' in page
    assert "未完成的问卷" in owner_client.get("/owner/projects").get_data(as_text=True)


def test_invalid_submission_shows_every_error_and_stores_nothing(app, owner_client):
    answers = example_answers()
    answers["floor_area_m2"] = "abc"
    del answers["district"]
    response = owner_client.post("/owner/projects/new", data=form_for(answers, name=""))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "请输入数字" in text and "请回答此问题" in text
    assert count(app, Project) == 0


def test_submit_creates_project_with_plan_page(app, owner_client):
    project_id = create(owner_client, land_date="2026-09-15")
    page = owner_client.get(f"/owner/projects/{project_id}").get_data(as_text=True)
    assert "拿地即开工" in page and "适用" in page
    assert "<svg" in page and 'class="chart gantt"' in page and 'class="chart flow"' in page
    assert "建筑工程施工许可证" in page and "2026-09-15" in page
    assert count(app, ProjectPlan) == 1
    listing = owner_client.get("/owner/projects").get_data(as_text=True)
    assert "测试仓库" in listing


def test_another_owner_sees_404_everywhere(client, users):
    login(client, "owner")
    project_id = create(client)
    client.post("/logout")
    login(client, "owner2")
    for method, url in [("get", f"/owner/projects/{project_id}"), ("post", f"/owner/projects/{project_id}/what-if"),
                        ("post", f"/owner/projects/{project_id}/land-date"), ("get", f"/owner/projects/{project_id}/answers")]:
        assert getattr(client, method)(url, data={"land_date": "2026-09-15"}).status_code == 404, url
    assert "测试仓库" not in client.get("/owner/projects").get_data(as_text=True)


def test_what_if_replans_in_place_without_storing(app, owner_client):
    project_id = create(owner_client, land_date="2026-09-15")
    response = owner_client.post(f"/owner/projects/{project_id}/what-if", headers=HX, data={"land_date": "2026-10-20"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text and 'id="plan"' in text
    assert "2026-10-20" in text and "尚未保存" in text
    assert count(app, AnswerSet) == 1
    bad = owner_client.post(f"/owner/projects/{project_id}/what-if", headers=HX, data={"land_date": "someday"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)


def test_saving_a_land_date_makes_a_new_version_and_keeps_the_old(app, owner_client):
    project_id = create(owner_client, land_date="2026-09-15")
    response = owner_client.post(f"/owner/projects/{project_id}/land-date", data={"land_date": "2026-10-20"})
    assert response.status_code == 303
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert [a.version for a in project.answer_sets] == [1, 2]
        assert [str(a.land_date) for a in project.answer_sets] == ["2026-09-15", "2026-10-20"]
        assert len(project.plans) == 2 and project.current_plan.plan["land_date"] == "2026-10-20"


def test_editing_answers_makes_a_new_plan(app, owner_client):
    project_id = create(owner_client)
    page = owner_client.get(f"/owner/projects/{project_id}/answers").get_data(as_text=True)
    assert 'value="12000"' in page
    answers = example_answers()
    answers["hazardous_chemicals"] = True
    response = owner_client.post(f"/owner/projects/{project_id}/answers", data=form_for(answers))
    assert response.status_code == 303
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert len(project.answer_sets) == 2
        codes = {i.code for i in project.current_plan.items}
        assert "fire_design_review" in codes
        assert project.current_plan.land_day_eligible is False


def test_project_names_are_escaped(owner_client):
    project_id = create(owner_client, name='<script>alert("x")</script>')
    for url in ("/owner/projects", f"/owner/projects/{project_id}"):
        text = owner_client.get(url).get_data(as_text=True)
        assert '<script>alert("x")</script>' not in text
        assert "&lt;script&gt;" in text


def test_api_token_is_shown_once_stored_hashed_and_revocable(app, owner_client):
    response = owner_client.post("/owner/settings", data={"name": "ERP"})
    text = response.get_data(as_text=True)
    token = text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("ndkg_")
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == ApiToken.digest(token) and token not in (row.prefix + row.token_hash)
        token_id = row.id
    assert token not in owner_client.get("/owner/settings").get_data(as_text=True)
    api = owner_client.application.test_client()
    assert api.get("/api/v1/questionnaire", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert owner_client.post(f"/owner/settings/tokens/{token_id}/revoke").status_code == 303
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_csrf_is_enforced_on_forms(app, users):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        assert client.post("/login", data={"username": "owner", "password": "x"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
