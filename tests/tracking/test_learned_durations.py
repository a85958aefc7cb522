"""Durations learned from the records: the pure statistics (hypothesis),
and a plan made with ``durations: observed`` from a seeded history."""
from __future__ import annotations

import statistics

from hypothesis import given, strategies as st

from coordinator.extensions import db
from coordinator.tracking.durations import MIN_RECORDS, Decision, learn, observed_days, percentile
from tests.conftest import TODAY, example_answers
from tests.tracking.tracking_fixtures import more_officers, move  # noqa: F401  (fixtures)

DAYS = st.lists(st.integers(0, 200), min_size=1, max_size=60)


@given(DAYS)
def test_the_85th_percentile_is_a_recorded_value_that_85_percent_do_not_exceed(days):
    p85 = percentile(days)
    assert p85 in days
    assert sum(d <= p85 for d in days) >= 0.85 * len(days)
    assert sum(d < p85 for d in days) < 0.85 * len(days)


@given(st.dictionaries(st.sampled_from(["eia_table", "energy_review", "planning_permit"]), DAYS, min_size=1))
def test_observed_days_only_where_there_are_enough_records(by_code):
    decisions = [Decision(code, "dept", d) for code, days in by_code.items() for d in days]
    learned = observed_days(decisions)
    assert set(learned) == {c for c, days in by_code.items() if len(days) >= MIN_RECORDS}
    for code, days in learned.items():
        assert days == percentile(by_code[code])
    rows = {o.code: o for o in learn(decisions)}
    for code, days in by_code.items():
        assert (rows[code].count, rows[code].median) == (len(days), statistics.median(days))


def _decide(app, users, working_days: int):
    """A new project whose land auction (planning) is accepted on TODAY and
    approved ``working_days`` working days later."""
    from coordinator.accounts.models import User
    from coordinator.projects.service import create_project
    from coordinator.governance.service import current_calendar as calendar

    with app.app_context():
        created = create_project(db.session.get(User, users["owner"]), f"历史项目{working_days}", example_answers(),
                                 today=TODAY)
        item = next(i.id for i in created.current_plan.items if i.code == "land_transfer")
        decided_on = calendar().shift(TODAY, working_days)
    move(app, users["owner"], item, "submitted", TODAY)
    move(app, users["planning_officer"], item, "accepted", TODAY)
    move(app, users["planning_officer"], item, "approved", decided_on, document_number=f"出让-{working_days}")


def test_a_plan_with_observed_durations_learns_from_a_seeded_history(app, client, more_officers):
    from coordinator.governance.service import current_rules
    from coordinator.planning.rulecases import with_preparation_done

    with app.app_context():  # design documents ready: the land auction is on the critical path
        answers = with_preparation_done(current_rules(), example_answers())
    body = {"answers": answers, "today": TODAY.isoformat(), "durations": "observed"}
    for n, days in enumerate((12, 14, 15, 18, 22, 30)):
        _decide(app, more_officers, days)
        plan = client.post("/api/v1/plans", json=body).json
        items = {i["code"]: i for i in plan["items"]}
        if n + 1 < MIN_RECORDS:  # too few records: the committed days stay
            assert (items["land_transfer"]["days"], items["land_transfer"]["days_source"]) == (20, "committed")
    # six decisions: 12 14 15 18 22 30 → the 85th percentile (nearest rank 6) is 30
    assert (items["land_transfer"]["days"], items["land_transfer"]["days_source"]) == (30, "observed")
    assert {i["days_source"] for c, i in items.items() if c != "land_transfer"} == {"committed"}
    committed = {i["code"]: i for i in client.post("/api/v1/plans", json={**body, "durations": "committed"}).json["items"]}
    assert (committed["land_transfer"]["days"], committed["land_transfer"]["days_source"]) == (20, "committed")
    assert plan["total_working_days"] > client.post("/api/v1/plans", json={**body, "durations": "committed"}).json[
        "total_working_days"]
    bad = client.post("/api/v1/plans", json={**body, "durations": "guessed"})
    assert bad.status_code == 400 and "durations" in str(bad.json["fields"])


def test_the_statistics_page_shows_committed_versus_observed(app, more_officers):
    from tests.conftest import login

    for days in (12, 14, 15, 18, 22, 30):
        _decide(app, more_officers, days)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/statistics").get_data(as_text=True)
    table = page[page.index("承诺时限与实际办理时长"):]
    assert "国有建设用地使用权招拍挂出让" in table and "<strong>30</strong>" in table and "16.5" in table
    csv = admin.get("/admin/statistics/durations.csv").get_data(as_text=True).splitlines()
    assert csv[1].split(",") == ["land_transfer", "国有建设用地使用权招拍挂出让（公告至成交确认）", "planning", "20", "6",
                                 "16.500", "30"]
