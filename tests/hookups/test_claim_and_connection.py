"""What the provider and the owner read about a claim: the working days left
to claim, a second claim by the same company, and the owner's projection
once the utility is connected."""
from __future__ import annotations

import datetime as dt

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.servicerequests import deadlines
from coordinator.hookups.service import claim_hookup, report_progress
from coordinator.planning.calendar import WorkingCalendar
from coordinator.projects.models import Project
from coordinator.tracking.service import progress_of

from tests.conftest import TODAY, login
from tests.hookups.hookup_fixtures import file_project, requests_of

HX = {"HX-Request": "true"}


def test_a_limit_of_two_working_days_leaves_two_then_none_on_the_deadline_day():
    calendar = WorkingCalendar()
    thursday = dt.date(2026, 12, 3)
    claim_by = deadlines.respond_by(thursday, 2, calendar)
    assert claim_by == dt.date(2026, 12, 7)  # Friday, Monday
    assert deadlines.working_days_left(claim_by, thursday, calendar) == 2
    assert deadlines.working_days_left(claim_by, dt.date(2026, 12, 4), calendar) == 1
    assert deadlines.working_days_left(claim_by, dt.date(2026, 12, 5), calendar) == 1  # Saturday
    assert deadlines.working_days_left(claim_by, claim_by, calendar) == 0


def test_the_same_company_claiming_again_is_told_it_holds_the_request(app, client, users):
    with app.app_context():
        power = requests_of(file_project(users["owner"], today=dt.date.today()))["power"].id
        db.session.remove()
    login(client, "utility")
    page = client.get("/utility/").get_data(as_text=True)
    assert "剩 2 个工作日" in page
    assert client.post(f"/utility/hookups/{power}/claim", headers=HX).status_code == 200
    again = client.post(f"/utility/hookups/{power}/claim", headers=HX)  # e.g. from another tab
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and "您单位已认领该需求" in html and "其他企业" not in html


def test_once_connected_the_owner_sees_the_connection_done_not_months_ahead(app, client, users):
    with app.app_context():
        project_id = file_project(users["owner"])
        power = requests_of(project_id)["power"].id
        utility = db.session.get(User, users["utility"])
        claim_hookup(power, utility, today=TODAY)
        connected_on = TODAY + dt.timedelta(days=10)
        report_progress(power, utility, "connected", "已送电", on=connected_on)
        project = db.session.get(Project, project_id)
        planned_last = max(dt.date.fromisoformat(i["finish"]) for i in project.current_plan.plan["items"]
                           if i.get("utility") == "power")
        assert planned_last > connected_on + dt.timedelta(days=30)  # the plan had it a month or more ahead
        progress = progress_of(project, db.session.get(User, users["owner"]), today=connected_on)
        assert progress.connections["power"] == connected_on
        db.session.remove()
    login(client, "owner")
    page = client.get(f"/owner/projects/{project_id}").get_data(as_text=True)
    assert f"已于 {connected_on.isoformat()} 接通" in page
