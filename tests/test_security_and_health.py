"""Security headers on pages and API; the health endpoint."""
from __future__ import annotations


from coordinator import create_app
from coordinator.security import HEADERS


def test_every_response_carries_the_security_headers(client):
    for url in ("/login", "/api/v1/questionnaire", "/api/v1/nothing", "/static/app.css"):
        response = client.get(url)
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (url, name)
    csp = HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp


def test_pages_have_no_inline_script_or_style(client, users):
    from tests.conftest import login

    login(client, "owner")
    for url in ("/owner/projects", "/owner/projects/new", "/owner/settings"):
        text = client.get(url).get_data(as_text=True)
        assert "<script>" not in text and "<style" not in text and " style=" not in text, url
        assert "<script src=" in text


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-dir/x.sqlite", "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"
