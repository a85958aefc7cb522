"""The utility portal, the inbox page, the owner's hookup section and the
admin's deliveries page, through Flask's test client."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.hookups.models import HookupRequest
from coordinator.hookups.service import escalate_unclaimed
from coordinator.notifications.delivery import deliver_all_due
from coordinator.notifications.models import Notification

from tests.conftest import login
from tests.hookups.hookup_fixtures import file_project, requests_of

HX = {"HX-Request": "true"}


def _filed(app, users) -> dict[str, int]:
    with app.app_context():
        project_id = file_project(users["owner"])
        ids = {u: r.id for u, r in requests_of(project_id).items()}
        ids["project"] = project_id
        db.session.remove()
    return ids


def test_utility_users_land_on_their_portal_with_the_offered_request(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/utility/")
    page = client.get("/utility/").get_data(as_text=True)
    assert "滨海物流仓库" in page and "报装容量 800 kVA" in page
    assert f'/utility/hookups/{ids["power"]}/claim' in page
    assert f'/utility/hookups/{ids["water"]}/claim' not in page  # water is not this provider's type
    assert "已超时" in page  # filed on 2 March 2026: its claim deadline has long passed


def test_claim_with_htmx_returns_the_lists_and_shows_the_contact(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    response = client.post(f"/utility/hookups/{ids['power']}/claim", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith('<div id="hookups">')
    assert "业主一" in html and "已认领" in html
    again = client.post(f"/utility/hookups/{ids['power']}/claim", headers=HX)
    assert again.status_code == 409 and "已被其他企业认领" in again.get_data(as_text=True)


def test_claim_and_progress_without_javascript(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    response = client.post(f"/utility/hookups/{ids['power']}/claim")
    assert response.status_code == 302
    response = client.post(f"/utility/hookups/{ids['power']}/progress",
                           data={"to": "surveyed", "note": "已到现场", "date": "2026-03-03"}, follow_redirects=True)
    assert "已登记进展" in response.get_data(as_text=True)
    with app.app_context():
        request = db.session.get(HookupRequest, ids["power"])
        assert request.status == "surveyed" and request.events[-1].note == "已到现场"
    bad = client.post(f"/utility/hookups/{ids['power']}/progress", data={"to": "claimed"}, headers=HX)
    assert bad.status_code == 400


def test_owner_page_shows_waiting_then_the_provider_and_progress(app, client, users):
    ids = _filed(app, users)
    login(client, "owner")
    page = client.get(f"/owner/projects/{ids['project']}").get_data(as_text=True)
    assert "水电气热报装" in page and page.count("等待企业认领") == 2
    client.post("/logout")
    login(client, "utility")
    client.post(f"/utility/hookups/{ids['power']}/claim")
    client.post(f"/utility/hookups/{ids['power']}/progress", data={"to": "designed", "note": "方案已出"})
    client.post("/logout")
    login(client, "owner")
    page = client.get(f"/owner/projects/{ids['project']}").get_data(as_text=True)
    assert page.count("等待企业认领") == 1
    assert "国网天津市电力公司滨海供电分公司" in page and "方案已出" in page


def test_the_owner_reads_the_claim_in_the_inbox(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    client.post(f"/utility/hookups/{ids['power']}/claim")
    with app.app_context():
        deliver_all_due()
    client.post("/logout")
    login(client, "owner")
    page = client.get("/inbox").get_data(as_text=True)
    assert "已认领供电报装" in page and "未读" in page
    client.post("/inbox/read")
    assert "未读" not in client.get("/inbox").get_data(as_text=True)


def test_webhook_settings_show_the_secret_once_and_rotate_it(app, client, users):
    login(client, "utility")
    response = client.post("/utility/settings", data={"url": "https://hooks.example.cn/coordinator"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="new-secret"' in html
    first = html.split('id="new-secret">')[1].split("<")[0]
    assert first.startswith("whsec_")
    assert first not in client.get("/utility/settings").get_data(as_text=True)  # shown once
    rotated = client.post("/utility/settings/rotate").get_data(as_text=True)
    second = rotated.split('id="new-secret">')[1].split("<")[0]
    assert second != first
    bad = client.post("/utility/settings", data={"url": "ftp://x"})
    assert bad.status_code == 400


def test_portal_pages_are_for_their_roles(app, client, users):
    login(client, "owner")
    assert client.get("/utility/").status_code == 403
    assert client.get("/utility/admin/deliveries").status_code == 403
    client.post("/logout")
    login(client, "utility")
    assert client.get("/utility/admin/deliveries").status_code == 403


def test_admin_sees_escalations_and_retries_dead_letters(app, client, users):
    _filed(app, users)
    with app.app_context():
        escalate_unclaimed(dt.date(2026, 3, 10))
        row = db.session.scalar(select(Notification).where(Notification.kind == "hookup_escalated"))
        row.status, row.attempts, row.last_error = "dead", 8, "webhook: HTTP 500"
        db.session.commit()
        row_id = row.id
    login(client, "admin")
    page = client.get("/utility/admin/deliveries").get_data(as_text=True)
    assert "认领超时的报装需求" in page and "滨海物流仓库" in page
    assert "webhook: HTTP 500" in page
    client.post(f"/utility/admin/deliveries/{row_id}/retry")
    with app.app_context():
        assert db.session.get(Notification, row_id).status == "pending"
