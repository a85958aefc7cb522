"""The medium and low findings of the second attack (issue 16) that have no
module of their own: 500s on bad input (5), the body limit, CSV formula
injection (9), cookie-authenticated API writes without CSRF (10), claim
losers of another provider (11), HTML routes while the database is down
(12), and a rule change that invalidates live projects (13)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from coordinator import create_app
from coordinator.accounts.models import Organisation, OrganisationKind, Role, User
from coordinator.accounts.service import create_user, issue_token
from coordinator.extensions import db
from coordinator.hookups.models import HookupRequest
from coordinator.projects.models import PlanItem, Project
from coordinator.tracking.models import ItemEvent
from coordinator.tracking.stats import to_csv

from tests.conftest import PASSWORD, example_answers, login
from tests.hookups.hookup_fixtures import file_project, requests_of
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401  (fixtures)


def bearer(app, users, who: str) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {issue_token(db.session.get(User, users[who]))[1]}"}


@pytest.fixture
def no_propagation(app, monkeypatch):
    """Errors are answered as in production (not raised into the test)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app, "testing", False)


# --- 5: bad input is a 400 naming the field, never a 500 ----------------------------


def _raw(client, path, text, headers=None):
    return client.post(path, data=text, content_type="application/json", headers=headers or {})


BAD_PLANS = {
    "land date 9999-12-31": ("land_date", lambda ex: json.dumps({"answers": ex, "land_date": "9999-12-31"})),
    "land date 0001-01-01": ("land_date", lambda ex: json.dumps({"answers": ex, "land_date": "0001-01-01"})),
    "planning date 9999-12-31": ("today", lambda ex: json.dumps({"answers": ex, "today": "9999-12-31"})),
    "JSON nested 5,000 deep": ("body", lambda ex: "[" * 5000 + "]" * 5000),
    "an object nested 5,000 deep": ("body", lambda ex: '{"answers": ' + '{"a": ' * 5000 + "1" + "}" * 5001),
    "a number of 5,000 digits": ("body", lambda ex: '{"answers": {"floor_area_m2": ' + "1" * 5000 + "}}"),
    "a lone surrogate": ("answers.contact_name",
                         lambda ex: json.dumps({"answers": {**ex, "contact_name": "a\ud800b"}})),
}


@pytest.mark.parametrize("case", sorted(BAD_PLANS))
def test_bad_input_to_the_plan_api_is_a_400_naming_the_field(client, no_propagation, case):
    field, body = BAD_PLANS[case]
    response = _raw(client, "/api/v1/plans", body(example_answers()))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert field in response.get_json()["fields"], response.get_json()


def test_a_lone_surrogate_in_a_project_name_is_a_400_and_nothing_is_stored(app, client, users, no_propagation):
    headers = bearer(app, users, "owner")
    body = '{"name": "\\ud800仓库", "answers": ' + json.dumps(example_answers()) + "}"
    response = _raw(client, "/api/v1/projects", body, headers)
    assert response.status_code == 400 and "name" in response.get_json()["fields"]
    assert response.mimetype == "application/json"
    with app.app_context():
        assert db.session.scalar(select(Project)) is None
    # and the app goes on serving (no broken session, no failed log line)
    assert client.get("/api/v1/projects", headers=headers).status_code == 200


def test_dates_out_of_range_on_projects_transitions_and_progress(app, client, project, no_propagation):
    u = project["users"]
    owner, officer = bearer(app, u, "owner"), bearer(app, u, "officer")
    response = client.post("/api/v1/projects", json={"name": "仓库", "answers": example_answers(),
                                                      "land_date": "9999-12-31"}, headers=owner)
    assert response.status_code == 400 and "land_date" in response.get_json()["fields"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    item = project["items"]["construction_drawing_review"]
    move(app, u["owner"], item, "submitted")
    response = client.post(f"/api/v1/items/{item}/transition", headers=officer, json={
        "to": "accepted_with_gaps", "missing_materials": ["施工图设计文件"], "gaps_due": "9999-12-31"})
    assert response.status_code == 400 and "gaps_due" in response.get_json()["fields"]


def test_a_huge_queue_offset_is_a_400(app, client, users, no_propagation):
    headers = bearer(app, users, "officer")
    response = client.get("/api/v1/queue?offset=9223372036854775808", headers=headers)
    assert response.status_code == 400 and "offset" in json.dumps(response.get_json()["fields"])
    assert client.get("/api/v1/queue?offset=2147483647", headers=headers).status_code == 200


def test_a_form_part_whose_name_does_not_parse_is_no_500(app, client, users, no_propagation):
    """A multipart part named by a lone line break has no name once parsed:
    the upload is refused as a bad request, not a crash."""
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="\n"\r\n\r\nnull\r\n--{boundary}--\r\n')
    response = client.post("/api/v1/items/1/materials", data=body.encode(), headers=bearer(app, users, "owner"),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400 and "has no name" in json.dumps(response.get_json()["fields"])


def test_the_owner_page_refuses_a_land_date_the_calendar_cannot_plan(app, client, users, no_propagation):
    login(client, "owner")
    response = client.post("/owner/projects/new", data={"name": "仓库", "land_date": "9999-12-31", "action": "preview"})
    assert response.status_code == 200 and "2099-12-31" in response.get_data(as_text=True)


def test_bodies_above_the_limit_are_a_413_as_json_in_the_api(app, client, users):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit < 12 * 1024 * 1024  # 12 MB was accepted before
    response = _raw(client, "/api/v1/plans", "{" + " " * limit + "}")
    assert response.status_code == 413 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "request_entity_too_large"
    login(client, "admin")
    page = client.post("/admin/rules/upload", data={"note": "x" * limit})
    assert page.status_code == 413 and page.mimetype == "text/html"


# --- 9: CSV formula injection --------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped():
    text = to_csv(["project", "n"], [["=HYPERLINK(\"http://evil\")", 3], ["+1", -2], ["-1", 1.5], ["@SUM(A1)", None],
                                     ["普通项目", 0]])
    lines = text.splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"http://evil\"\")\",3"
    assert lines[2] == "'+1,-2" and lines[3] == "'-1,1.500" and lines[4] == "'@SUM(A1),"
    assert lines[5] == "普通项目,0"


def test_a_project_named_as_a_formula_is_exported_as_text(app, project):
    from tests.tracking.test_tracking_pages import as_user

    with app.app_context():
        db.session.get(Project, project["id"]).name = "=cmd|' /C calc'!A0"
        db.session.commit()
    admin = as_user(app, "admin")
    land_day = admin.get("/admin/statistics/land_day.csv").get_data(as_text=True)
    assert "'=cmd|' /C calc'!A0" in land_day and ",=cmd" not in land_day


# --- 10: CSRF on cookie-authenticated API writes -----------------------------------------


def test_a_cookie_authenticated_api_write_needs_the_csrf_header(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.app_context():
        project_id = file_project(users["owner"])
        request_id = requests_of(project_id)["power"].id
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0] if 'type="hidden" value="' in page \
        else page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "utility", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    # a form on another site: the cookie goes along, the header cannot
    forged = client.post(f"/api/v1/hookups/{request_id}/claim")
    assert forged.status_code == 403 and forged.get_json()["error"] == "csrf_failed"
    with app.app_context():
        assert db.session.get(HookupRequest, request_id).status == "offered"
    page = client.get("/utility/").get_data(as_text=True)
    header = page.split('"X-CSRFToken": "')[1].split('"')[0]
    assert client.post(f"/api/v1/hookups/{request_id}/claim", headers={"X-CSRFToken": header}).status_code == 200
    # reading needs no token, and a bearer token needs none either
    assert client.get("/api/v1/hookups").status_code == 200
    other = app.test_client()
    assert other.post("/api/v1/plans", json={"answers": example_answers()}).status_code == 200


def test_bearer_clients_need_no_csrf_header(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.app_context():
        request_id = requests_of(file_project(users["owner"]))["power"].id
    headers = bearer(app, users, "utility")
    assert client.post(f"/api/v1/hookups/{request_id}/claim", headers=headers).status_code == 200


# --- 11: claim losers of another provider ---------------------------------------------


def test_a_provider_claiming_what_another_provider_claimed_gets_409(app, client, users):
    with app.app_context():
        rival = Organisation(kind=OrganisationKind.utility, code="power_rival", name="滨海第二供电公司",
                             utility="power", districts=["滨海新区"])
        db.session.add(rival)
        db.session.flush()
        create_user("rival", PASSWORD, Role.utility, "第二供电", rival)
        db.session.commit()
        request_id = requests_of(file_project(users["owner"]))["power"].id
        rival_token = {"Authorization": f"Bearer {issue_token(db.session.scalar(select(User).where(User.username == 'rival')))[1]}"}
    assert client.post(f"/api/v1/hookups/{request_id}/claim", headers=bearer(app, users, "utility")).status_code == 200
    lost = client.post(f"/api/v1/hookups/{request_id}/claim", headers=rival_token)
    assert lost.status_code == 409 and lost.get_json()["fields"]["status"] == ["claimed"]
    # progress on another provider's request stays a 404, as documented
    assert client.post(f"/api/v1/hookups/{request_id}/progress", json={"to": "surveyed"},
                       headers=rival_token).status_code == 404
    document = client.get("/api/v1/openapi.json").get_json()
    claim_409 = document["paths"]["/api/v1/hookups/{hookup_id}/claim"]["post"]["responses"]["409"]["description"]
    assert "another provider" in claim_409


# --- 12: people get an error page while the database is down --------------------------------


@pytest.mark.parametrize("url", ["sqlite:////nonexistent-folder/coordinator.sqlite",
                                 "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"])
def test_pages_show_an_html_error_page_while_the_database_is_down(app, url):
    down = create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": app.config["SECRET_KEY"],
                       "WTF_CSRF_ENABLED": False})
    client = down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.0"
    response = client.get("/owner/projects")
    assert response.status_code == 500 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "服务暂时不可用" in html and "<!doctype html>" in html.lower()
    english = client.get("/owner/projects?lang=en").get_data(as_text=True)
    assert "temporarily unavailable" in english
    api = client.get("/api/v1/projects")
    assert api.status_code == 500 and api.mimetype == "application/json"
    assert client.get("/healthz").status_code == 503


def test_ordinary_page_errors_are_html_too(app, client, users):
    login(client, "owner")
    missing = client.get("/owner/projects/2147483000")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert client.get("/admin/").status_code == 403
    assert client.get("/api/v1/projects/2147483000").mimetype == "application/json"


# --- 13: a rule change that invalidates live projects ------------------------------------


def _publish(app, admin_id: int, change) -> None:
    from coordinator.governance import service as rules_service

    with app.app_context():
        files = {n: c for n, c in rules_service.current_bundle().items() if not n.startswith("tests/")}
        files = change(files)
        admin = db.session.get(User, admin_id)
        draft = rules_service.create_draft(admin, files, "live projects")
        assert not draft.errors, draft.errors
        rules_service.publish(admin, draft)


def _state(app, project_id: int):
    with app.app_context():
        project = db.session.get(Project, project_id)
        plan = project.current_plan
        items = {i.code: (i.id, i.status) for i in plan.items}
        events = db.session.scalars(select(ItemEvent.id).where(ItemEvent.project_id == project_id)).all()
        return plan.id, items, sorted(events)


def test_a_rule_change_that_drops_an_item_under_way_keeps_the_project_whole(app, project):
    from coordinator.governance.impact import replan_stale_projects, stale_projects
    from coordinator.governance.bundles import edit_item

    u = project["users"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")  # under way: approved
    before = _state(app, project["id"])
    _publish(app, u["admin"], lambda files: edit_item(files, "design_scheme_review",
                                                      {"applies_if": {"answer": "floor_area_m2", "gt": 10 ** 9}}))
    with app.app_context():
        [stale] = stale_projects()
        assert "design_scheme_review" in stale.diff.error
        assert replan_stale_projects(db.session.get(User, u["admin"])) == []
    assert _state(app, project["id"]) == before  # same plan, items, states and audit log

    from tests.tracking.test_tracking_pages import as_user

    page = as_user(app, "admin").get("/admin/rules").get_data(as_text=True)
    assert "保留原计划" in page and "design_scheme_review" in page


def test_a_rule_change_that_invalidates_the_answers_keeps_the_plan(app, project):
    from coordinator.governance.impact import replan_stale_projects, stale_projects

    u = project["users"]
    approve(app, project, "project_filing", "drc_officer")
    before = _state(app, project["id"])

    def contact_phone_required(files):
        text = files["questions.yaml"]
        old = "      - id: contact_phone\n        text: 联系电话\n        text_en: Contact phone\n        type: text\n        required: false"
        assert old in text
        return {**files, "questions.yaml": text.replace(old, old.replace("required: false", "required: true"))}

    _publish(app, u["admin"], contact_phone_required)
    with app.app_context():
        [stale] = stale_projects()
        assert "contact_phone" in stale.diff.error
        assert replan_stale_projects(db.session.get(User, u["admin"])) == []
    assert _state(app, project["id"]) == before
    # the owner still works on the item under way
    with app.app_context():
        assert db.session.get(PlanItem, project["items"]["project_filing"]).status == "approved"
