"""The stepwise questionnaire through the Flask test client, posting what a
browser without JavaScript posts: the form's own fields (hidden answers of
the other steps included) with the current step's answers filled in."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from coordinator.extensions import db
from coordinator.governance.service import current_rules
from coordinator.owner.questionnaire import ALL, REVIEW, moved, steps
from coordinator.projects.models import Project

from tests.conftest import example_answers, login
from tests.owner.test_owner_pages import form_for

URL = "/owner/projects/new"


class Form(HTMLParser):
    """The questionnaire form's fields as a browser would send them (no button)."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.visible: set[str] = set()
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") != "submit":
            if a.get("type") == "radio":
                self.visible.add(name)
                if "checked" in a:
                    self.fields[name] = [a.get("value", "")]
                return
            if a.get("type") != "hidden":
                self.visible.add(name)
            self.fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.visible.add(name)
            self.fields[name] = [""]
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = [a.get("value", "")]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def data(self, **extra) -> MultiDict:
        out = [(k, v) for k, values in self.fields.items() for v in values if k not in extra]
        return MultiDict(out + list(extra.items()))


def _flat(answers: dict) -> dict[str, str]:
    return {k: v for k, v in form_for(answers, name="逐步填写的仓库").items() if k != "action"}


@pytest.fixture
def owner_client(client, users):
    login(client, "owner")
    return client


def walk(client, answers: dict[str, str], limit: int = 12):
    """Answer every step as shown, pressing "next", until the review page."""
    page = client.get(URL).get_data(as_text=True)
    for _ in range(limit):
        form = Form(page)
        if form.fields.get("step") == [REVIEW]:
            return form, page
        mine = {k: answers[k] for k in form.visible if k in answers}
        response = client.post(URL, data=form.data(**mine, action="next"))
        assert response.status_code == 200, response.get_data(as_text=True)[:3000]
        page = response.get_data(as_text=True)
    pytest.fail("the review step was not reached")


def test_first_step_shows_one_section_and_the_progress(owner_client):
    page = owner_client.get(URL).get_data(as_text=True)
    assert 'id="f-project_type"' in page and 'id="f-name"' in page and 'id="f-land_date"' in page
    assert 'id="f-floor_area_m2"' not in page and 'id="f-contact_name"' not in page
    assert "第 1 步，共 7 步" in page and 'aria-current="step"' in page and "核对答案" in page
    assert 'value="next"' in page and 'value="back"' not in page  # nothing to go back to


def test_next_checks_only_the_step_and_keeps_its_errors_on_it(owner_client):
    response = owner_client.post(URL, data={"step": "project", "action": "next", "asked": ["name", "project_type"],
                                            "floor_area_m2": "-5"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert Form(page).fields["step"] == ["project"]
    assert 'id="err-name"' in page and 'id="f-project_type-err"' in page
    assert "必须大于 0" not in page  # the building step's problem waits for that step
    assert 'value="-5"' in page  # …and its answer travels along


def test_answers_are_kept_between_steps_back_and_forth(owner_client):
    answers = _flat(example_answers())
    form, review = walk(owner_client, answers)
    back = owner_client.post(URL, data=form.data(action="back")).get_data(as_text=True)
    assert Form(back).fields["step"] == ["contact"]
    first = owner_client.post(URL, data=form.data(action="step:project")).get_data(as_text=True)
    fields = Form(first)
    assert fields.fields["project_type"] == ["warehouse"] and fields.fields["name"] == ["逐步填写的仓库"]
    assert fields.fields["floor_area_m2"] == ["12000"]  # a later step's answer, hidden on this one
    # The check of every answer says them in words, with a way back to each section.
    assert "普通仓库" in review and "滨海新区" in review and "12000 m²" in review
    assert 'value="step:building"' in review and 'value="submit"' in review


def test_stepwise_and_all_at_once_make_the_same_project(app, owner_client):
    answers = _flat(example_answers())
    form, _ = walk(owner_client, answers)
    response = owner_client.post(URL, data=form.data(action="submit"))
    assert response.status_code == 303
    at_once = owner_client.post(URL, data=form_for(example_answers(), name="一次提交的仓库"))
    assert at_once.status_code == 303
    with app.app_context():
        stored = {p.name: p.current_plan.plan for p in db.session.scalars(select(Project))}
    # The form also sends the defaults it shows; the plan is the same.
    assert stored["逐步填写的仓库"] == stored["一次提交的仓库"]


def test_a_refused_submission_returns_to_the_step_of_the_error(app, owner_client):
    answers = _flat(example_answers())
    form, _ = walk(owner_client, answers)
    data = MultiDict([(k, "abc" if k == "floor_area_m2" else v) for k, v in form.data(action="submit").items(multi=True)])
    response = owner_client.post(URL, data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert Form(page).fields["step"] == ["building"]
    assert 'id="f-floor_area_m2"' in page and "请输入数字" in page
    assert 'class="wrong"' in page or " wrong" in page  # the progress marks the step
    with app.app_context():
        assert db.session.scalar(select(Project.id)) is None


def test_htmx_preview_keeps_the_step_and_the_other_answers(owner_client):
    answers = _flat(example_answers())
    form, _ = walk(owner_client, answers)
    page = owner_client.post(URL, data=form.data(action="step:utilities")).get_data(as_text=True)
    fragment = owner_client.post(URL, headers={"HX-Request": "true"},
                                 data=Form(page).data(**{"utilities.gas": "true"}, action="preview"))
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and Form(text).fields["step"] == ["utilities"]
    assert Form(text).fields["utilities.gas"] == ["true"] and "个审批和报装事项" in text


def test_one_page_mode_and_the_way_back(owner_client):
    page = owner_client.get(URL + "?step=all").get_data(as_text=True)
    assert 'id="f-project_type"' in page and 'id="f-contact_name"' in page and "第 1 步" not in page
    assert 'value="step:project"' in page


def test_edit_answers_walks_the_same_steps(app, owner_client):
    assert owner_client.post(URL, data=form_for(example_answers())).status_code == 303
    with app.app_context():
        project_id = db.session.scalar(select(Project.id))
    page = owner_client.get(f"/owner/projects/{project_id}/answers").get_data(as_text=True)
    form = Form(page)
    assert form.fields["step"] == ["project"] and form.fields["project_type"] == ["warehouse"]
    assert "name" not in form.visible and "测试仓库" in page


def test_step_moves(app):
    with app.app_context():
        rules = current_rules()
    order = steps(rules, example_answers())
    assert order[0] == "project" and order[-1] == REVIEW
    assert moved(order, "project", "back") == "project"
    assert moved(order, REVIEW, "next") == REVIEW
    assert moved(order, "building", "step:nowhere") == "building"
    assert moved(order, "nowhere", "next") == "project"
    assert moved(order, "building", "step:all") == ALL


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["next", "back", "preview", "step:project", "step:safety", "step:review"]),
       st.sampled_from(["project", "building", "safety", "utilities", "preparation", "contact", REVIEW]))
def test_no_move_loses_an_answer(owner_client, action, step):
    """Whatever step the owner is on and whatever they press, every answer comes back."""
    answers = _flat(example_answers())
    page = owner_client.post(URL, data={**answers, "step": step, "action": action}).get_data(as_text=True)
    fields = Form(page).fields
    for key, value in answers.items():
        if key != "action" and value:
            assert fields.get(key) == [value], (key, action, step)
