"""The queue's slack and impact: stored from the owner's projection at
every change, shown on the rows, and ``?sort=impact`` puts first the items
whose slip moves construction start or completion."""
from __future__ import annotations

import datetime as dt

from coordinator.extensions import db
from tests.conftest import TODAY, example_answers, login
from tests.tracking.tracking_fixtures import more_officers, move  # noqa: F401  (fixtures)

LATE = dt.date(2026, 3, 25)


def _project(app, users, name, review_submitted_on):
    """A warehouse with its design documents ready (no preparation time left)
    whose land auction runs from TODAY and whose drawing review (住建) is
    submitted on ``review_submitted_on``."""
    from coordinator.accounts.models import User
    from coordinator.governance.service import current_rules
    from coordinator.planning.rulecases import with_preparation_done
    from coordinator.projects.service import create_project

    with app.app_context():
        answers = with_preparation_done(current_rules(), example_answers())
        created = create_project(db.session.get(User, users["owner"]), name, answers, today=TODAY)
        items = {i.code: i.id for i in created.current_plan.items}
    move(app, users["owner"], items["land_transfer"], "submitted", TODAY)
    for code, officer in (("project_filing", "drc_officer"), ("design_scheme_review", "planning_officer")):
        move(app, users["owner"], items[code], "submitted", TODAY)
        move(app, users[officer], items[code], "accepted", TODAY)
        move(app, users[officer], items[code], "approved", TODAY, document_number=f"{code}-1")
    move(app, users["owner"], items["construction_drawing_review"], "submitted", review_submitted_on)
    return items


def test_queue_rows_carry_slack_and_impact_and_sort_by_impact_then_due_date(app, more_officers):
    housing = more_officers["officer"]
    # submitted at once, the drawing review finishes before the land auction
    # (slack); submitted late it finishes after it and moves construction
    # start (impact 1), however soon it is due
    early, late, later = (_project(app, more_officers, name, day) for name, day in (
        ("按时仓库", TODAY), ("迟到仓库", LATE), ("更迟仓库", LATE + dt.timedelta(days=1))))
    code = "construction_drawing_review"
    client = app.test_client()
    login(client, "officer")

    by_due = client.get("/api/v1/queue").json["items"]
    assert [i["id"] for i in by_due] == [early[code], late[code], later[code]]
    rows = {i["id"]: i for i in by_due}
    assert rows[early[code]]["impact_days"] == 0 and rows[early[code]]["slack"] > 0
    assert rows[late[code]]["impact_days"] == 1 and rows[late[code]]["slack"] == 0

    by_impact = client.get("/api/v1/queue?sort=impact").json
    assert [i["id"] for i in by_impact["items"]] == [late[code], later[code], early[code]]
    assert by_impact["total"] == 3
    paged = client.get("/api/v1/queue?sort=impact&limit=1&offset=2").json["items"]
    assert [i["id"] for i in paged] == [early[code]]
    assert [i["id"] for i in client.get("/api/v1/queue?sort=impact&limit=2&offset=1").json["items"]] == [
        later[code], early[code]]
    bad = client.get("/api/v1/queue?sort=cost")
    assert bad.status_code == 400 and "sort" in bad.json["fields"]["query"]

    # an approval done moves the item out of the projection: no slack, no impact
    move(app, housing, late[code], "accepted", LATE)
    move(app, housing, late[code], "approved", LATE, document_number="图审-1", override_reason="人防已在方案阶段同意")
    detail = client.get(f"/api/v1/items/{late[code]}").json
    assert (detail["slack"], detail["impact_days"]) == (None, None)
