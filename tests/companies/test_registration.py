"""Companies register themselves (page and API), confirm their e-mail
address through a link delivered by a real SMTP server, and only then log in."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import func, select

from coordinator.accounts.models import User
from coordinator.companies.models import Company
from coordinator.companies.uscc import ALPHABET, check_character, uscc_problem
from coordinator.extensions import db

from tests.conftest import login
from tests.notifications.mail_fixtures import mailbox  # noqa: F401  (fixture)

USCC = "91350100M000100Y43"  # a published example; check character 3
PASSWORD = "窗外的梧桐树 2026"


def registration(**changes) -> dict:
    return {"company_name": "天津滨海示范制造有限公司", "uscc": USCC, "contact_name": "王经理",
            "email": "wang@example.cn", "username": "binhai-wang", "password": PASSWORD, **changes}


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Company)),
            db.session.scalar(select(func.count()).select_from(User)))


# --- the check character of GB 32100-2015 ------------------------------------------


def test_published_codes_pass_and_a_wrong_check_character_fails():
    assert uscc_problem(USCC) is None
    assert uscc_problem("91110000600037341L") is None
    assert uscc_problem("91350100M000100Y44") == "check"
    assert uscc_problem("91350100M000100Y4") == "length"
    assert uscc_problem("91350100M000100YI3") == "alphabet"  # I is not in the alphabet


codes = st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(lambda s: s + check_character(s))


@given(codes, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_changed_character_is_caught(code, position, replacement):
    assert uscc_problem(code) is None
    changed = code[:position] + replacement + code[position + 1:]
    assert (uscc_problem(changed) is None) == (changed == code)


@given(codes, st.integers(0, 16))
def test_swapped_neighbours_are_caught_unless_equal(code, position):
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    assert (uscc_problem(swapped) is None) == (swapped == code)


# --- the API ------------------------------------------------------------------------


def test_registration_is_pending_until_the_emailed_link_is_opened(app, client, mailbox):
    answer = client.post("/api/v1/registrations", json=registration())
    assert answer.status_code == 201 and answer.get_json() == {"status": "pending_verification"}
    token = client.post("/api/v1/tokens", json={"username": "binhai-wang", "password": PASSWORD})
    assert token.status_code == 403 and token.get_json()["error"] == "unverified"
    page = login(client, "binhai-wang", PASSWORD)
    assert page.status_code == 403 and "请先打开注册时发到您邮箱的确认链接" in page.get_data(as_text=True)
    wrong = login(client, "binhai-wang", "not the password at all")
    assert wrong.status_code == 401 and "确认链接" not in wrong.get_data(as_text=True)  # says nothing without the password

    with app.app_context():
        mailbox.deliver()
        confirm = mailbox.link_to("wang@example.cn")
    assert confirm.startswith("/register/confirm/")
    assert client.get(confirm).status_code == 302
    assert client.get(confirm).status_code == 410  # used once
    assert login(client, "binhai-wang", PASSWORD).status_code == 302
    assert client.get("/company").status_code == 200
    assert client.post("/api/v1/tokens", json={"username": "binhai-wang", "password": PASSWORD}).status_code == 201
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "binhai-wang"))
        assert user.company.uscc == USCC and user.company_admin and user.role.value == "owner"


def test_a_wrong_check_character_is_400_naming_uscc_and_stores_nothing(app, client):
    answer = client.post("/api/v1/registrations", json=registration(uscc="91350100M000100Y44"))
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == "bad_request" and set(body["fields"]) == {"uscc"}
    assert "check character" in body["fields"]["uscc"][0]
    with app.app_context():
        assert counts() == (0, 0)


def test_every_bad_field_is_named_at_once(app, client):
    answer = client.post("/api/v1/registrations", json=registration(
        company_name=" ", email="not-an-address", username="x", password="short", contact_name=""))
    assert answer.status_code == 400
    assert set(answer.get_json()["fields"]) == {"company_name", "email", "username", "password", "contact_name"}
    missing = client.post("/api/v1/registrations", json={"uscc": USCC})
    assert missing.status_code == 400 and "company_name" in missing.get_json()["fields"]
    with app.app_context():
        assert counts() == (0, 0)


def test_one_company_per_uscc_and_one_account_per_username(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_RATE_LIMIT", "100 per hour")
    assert client.post("/api/v1/registrations", json=registration()).status_code == 201
    again = client.post("/api/v1/registrations", json=registration(username="another-one", uscc=USCC.lower()))
    assert again.status_code == 409 and set(again.get_json()["fields"]) == {"uscc"}
    taken = client.post("/api/v1/registrations", json=registration(uscc="91110000600037341L"))
    assert taken.status_code == 409 and set(taken.get_json()["fields"]) == {"username"}
    with app.app_context():
        assert counts() == (1, 1)


def test_registration_is_throttled_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_RATE_LIMIT", "2 per hour")
    for n in range(2):
        client.post("/api/v1/registrations", json=registration(uscc="bad", username=f"user-{n}"))
    refused = client.post("/api/v1/registrations", json=registration())
    assert refused.status_code == 429
    page = client.post("/register", data=registration())  # the page shares the budget
    assert page.status_code == 429 and "注册请求过于频繁" in page.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 0)


def test_the_openapi_document_describes_registrations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/registrations"]["post"]
    assert {"201", "400", "409", "429"} <= set(operation["responses"])
    assert "403" in spec["paths"]["/api/v1/tokens"]["post"]["responses"]


# --- the page -----------------------------------------------------------------------


def test_the_registration_page_shows_field_problems_then_registers(app, client, mailbox):
    page = client.get("/register")
    assert page.status_code == 200 and "统一社会信用代码" in page.get_data(as_text=True)
    bad = client.post("/register", data=registration(uscc="91350100M000100Y44"))
    assert bad.status_code == 400 and "校验位不正确" in bad.get_data(as_text=True)
    done = client.post("/register", data=registration())
    assert done.status_code == 201 and "wang@example.cn" in done.get_data(as_text=True)
    with app.app_context():
        mailbox.deliver()
        assert mailbox.to("wang@example.cn")[0]["Subject"].startswith("请确认您的电子邮箱")


def test_the_english_page_is_english(client):
    text = client.get("/register?lang=en").get_data(as_text=True)
    assert "Register your company" in text and "统一社会信用代码" not in text


@pytest.mark.parametrize("token", ["nonsense", "eyJ1Ijo1fQ.forged.signature"])
def test_a_forged_confirmation_link_is_refused(client, token):
    assert client.get(f"/register/confirm/{token}").status_code == 410
