"""What validation accepts fits the column (issue 16, finding 6): the
longest accepted value of every text field a person or a client writes is
stored — on PostgreSQL above all, whose ``varchar(n)`` refuses longer ones
(a 41-character ``contact_phone`` passed validation and then failed with a
500) — and one character more is a 400 naming the field, never a 500.
The lengths come from ``coordinator.planning.limits``, which the columns use too."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import String, select

from coordinator.planning import limits
from coordinator.accounts.models import Organisation, User
from coordinator.accounts.service import issue_token
from coordinator.extensions import db
from coordinator.governance.models import RuleBaseVersion
from coordinator.hookups.models import HookupRequest
from coordinator.projects.models import PlanItem, Project
from coordinator.tracking.models import ItemRating

from tests.conftest import PASSWORD, example_answers, login
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401  (fixtures)


def longest(n: int, char: str = "长") -> str:
    return char * n


def bearer(app, users, who: str) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {issue_token(db.session.get(User, users[who]))[1]}"}


def test_columns_that_copy_a_text_answer_are_as_long_as_the_answers_may_be():
    from coordinator.planning.answers import TEXT_MAX_LENGTH

    assert TEXT_MAX_LENGTH == limits.ANSWER_TEXT
    for column in (Project.district, HookupRequest.district, HookupRequest.contact_name, HookupRequest.contact_phone):
        assert column.type.length == limits.ANSWER_TEXT, column
    assert isinstance(PlanItem.document_number.type, String)
    assert PlanItem.document_number.type.length == limits.DOCUMENT_NUMBER


def test_a_project_with_the_longest_name_district_and_contact_is_stored(app, client, users):
    headers = bearer(app, users, "owner")
    answers = {**example_answers(), "contact_name": longest(limits.ANSWER_TEXT, "名"),
               "contact_phone": longest(limits.ANSWER_TEXT, "9")}  # (district is a choice now)
    response = client.post("/api/v1/projects", json={"name": longest(limits.NAME), "answers": answers}, headers=headers)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        project = db.session.get(Project, response.get_json()["id"])
        assert project.name == longest(limits.NAME)
        request = db.session.scalar(select(HookupRequest).where(HookupRequest.project_id == project.id))
        assert request.contact_phone == answers["contact_phone"] and request.contact_name == answers["contact_name"]


@pytest.mark.parametrize("field", ["contact_phone", "contact_name"])
def test_one_character_more_in_an_answer_is_a_400_naming_it(app, client, users, field):
    headers = bearer(app, users, "owner")
    answers = {**example_answers(), field: longest(limits.ANSWER_TEXT + 1, "9")}
    response = client.post("/api/v1/projects", json={"name": "仓库", "answers": answers}, headers=headers)
    assert response.status_code == 400 and field in response.get_json()["fields"]
    response = client.post("/api/v1/projects", json={"name": longest(limits.NAME + 1), "answers": example_answers()},
                           headers=headers)
    assert response.status_code == 400 and "name" in response.get_json()["fields"]
    with app.app_context():
        assert db.session.scalar(select(Project)) is None


def test_the_longest_transition_inputs_rating_and_token_name_are_stored(app, client, project):
    u, items = project["users"], project["items"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    item = items["construction_drawing_review"]
    move(app, u["owner"], item, "submitted")
    officer = bearer(app, u, "officer")
    too_long = client.post(f"/api/v1/items/{item}/transition", headers=officer, json={
        "to": "returned", "reason": longest(limits.NOTE + 1), "missing_materials": [longest(limits.MATERIAL + 1)]})
    assert too_long.status_code == 400 and {"reason", "missing_materials"} <= set(too_long.get_json()["fields"])
    returned = client.post(f"/api/v1/items/{item}/transition", headers=officer, json={
        "to": "returned", "reason": longest(limits.NOTE), "missing_materials": [longest(limits.MATERIAL)]})
    assert returned.status_code == 200, returned.get_json()
    move(app, u["owner"], item, "submitted")
    assert client.post(f"/api/v1/items/{item}/transition", headers=officer, json={"to": "accepted"}).status_code == 200
    number = longest(limits.DOCUMENT_NUMBER, "号")
    # acceptance asked 人防 for its opinion (联合图审): approving without it needs the reason
    refused = client.post(f"/api/v1/items/{item}/transition", headers=officer, json={
        "to": "approved", "document_number": number + "号", "override_reason": longest(limits.NOTE + 1)})
    assert refused.status_code == 400 and {"document_number", "override_reason"} <= set(refused.get_json()["fields"])
    approved = client.post(f"/api/v1/items/{item}/transition", headers=officer,
                           json={"to": "approved", "document_number": number, "override_reason": longest(limits.NOTE)})
    assert approved.status_code == 200 and approved.get_json()["document_number"] == number
    owner = bearer(app, u, "owner")
    assert client.post(f"/api/v1/items/{item}/rating", headers=owner,
                       json={"score": 5, "comment": longest(limits.NOTE + 1)}).status_code == 400
    assert client.post(f"/api/v1/items/{item}/rating", headers=owner,
                       json={"score": 5, "comment": longest(limits.NOTE)}).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(ItemRating)).comment == longest(limits.NOTE)
    name = longest(limits.TOKEN_NAME, "t")
    token = client.post("/api/v1/tokens", json={"username": "owner", "password": PASSWORD, "name": name})
    assert token.status_code == 201 and token.get_json()["name"] == name
    assert client.post("/api/v1/tokens", json={"username": "owner", "password": PASSWORD,
                                               "name": name + "t"}).status_code == 400


def test_the_longest_progress_note_and_webhook_url_are_stored(app, client, users, dns):
    from tests.hookups.hookup_fixtures import file_project

    with app.app_context():
        project_id = file_project(users["owner"])
        request_id = db.session.scalar(select(HookupRequest.id).where(HookupRequest.project_id == project_id,
                                                                      HookupRequest.utility == "power"))
    utility = bearer(app, users, "utility")
    assert client.post(f"/api/v1/hookups/{request_id}/claim", headers=utility).status_code == 200
    assert client.post(f"/api/v1/hookups/{request_id}/progress", headers=utility,
                       json={"to": "surveyed", "note": longest(limits.NOTE + 1)}).status_code == 400
    assert client.post(f"/api/v1/hookups/{request_id}/progress", headers=utility,
                       json={"to": "surveyed", "note": longest(limits.NOTE)}).status_code == 200
    dns["hooks.example.cn"] = "1.2.3.4"
    base = "https://hooks.example.cn/"
    url = base + "x" * (limits.URL - len(base))
    assert client.put("/api/v1/webhook", headers=utility, json={"url": url}).status_code == 200
    assert client.put("/api/v1/webhook", headers=utility, json={"url": url + "x"}).status_code == 400


def test_the_longest_admin_inputs_are_stored(app, client, users):
    assert login(client, "admin").status_code == 302
    code = longest(limits.CODE, "c")
    response = client.post("/admin/organisations/new", data={
        "code": code, "kind": "department", "name": longest(limits.NAME), "utility": "",
        "districts": "", "contacts": longest(limits.NOTE)})
    assert response.status_code == 302
    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id).where(Organisation.code == code))
    assert org_id is not None
    response = client.post("/admin/users/new", data={
        "username": longest(limits.USERNAME, "u"), "display_name": longest(limits.DISPLAY_NAME), "password": PASSWORD,
        "role": "officer", "organisation_id": str(org_id)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == longest(limits.USERNAME, "u"))) is not None
    too_long = client.post("/admin/organisations/new", data={
        "code": code + "c", "kind": "department", "name": "部门", "utility": "", "districts": "", "contacts": ""})
    assert too_long.status_code != 500
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.code == code + "c")) is None
