"""Reminders of overdue items, consultations and 容缺 materials: sent the
working day after the due date, exactly once per due date even when two
delivery workers sweep and deliver at the same time; the overdue board."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select

from coordinator.extensions import db
from tests.conftest import TODAY, login
from tests.tracking.tracking_fixtures import more_officers, move, project  # noqa: F401  (fixtures)


def _two_workers(app, today):
    """Two delivery workers at once, each sweeping (as of ``today``) and
    delivering; on SQLite (no SKIP LOCKED) both may take the same row and
    the inbox's unique notification id makes the loser's round fail."""
    from coordinator.notifications.delivery import deliver_all_due, sweep

    errors = []
    start = threading.Barrier(2)

    def worker():
        start.wait()
        for _ in range(5):  # like run_worker: a round that lost a race is logged and run again
            try:
                with app.app_context():
                    sweep(today)
                    deliver_all_due()
                    db.session.remove()
                return
            except Exception as exc:  # noqa: BLE001 - the race's loser
                last = exc
        errors.append(last)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def _inbox(app, kind):
    from coordinator.notifications.models import InboxMessage

    with app.app_context():
        return sorted((m.user_id, m.subject) for m in db.session.scalars(
            select(InboxMessage).where(InboxMessage.kind == kind)))


def test_reminders_go_out_once_per_overdue_due_date_across_two_workers(app, project):
    from coordinator.accounts.models import User
    from coordinator.circulation.service import request_opinions
    from coordinator.governance.service import current_calendar as calendar

    users, items = project["users"], project["items"]
    land = items["land_transfer"]
    move(app, users["owner"], land, "submitted", TODAY)
    move(app, users["planning_officer"], land, "accepted", TODAY)
    with app.app_context():
        request_opinions(db.session.get(User, users["planning_officer"]), land, ["housing"], 2, today=TODAY)
        cal = calendar()
        consultation_due, item_due = cal.shift(TODAY, 2), cal.shift(TODAY, 20)
        db.session.remove()

    _two_workers(app, consultation_due)  # due today: not late yet
    assert _inbox(app, "consultation_overdue") == []
    day_after = cal.shift(consultation_due, 1)
    _two_workers(app, day_after)
    reminded = _inbox(app, "consultation_overdue")
    assert [u for u, _ in reminded] == sorted([users["officer"], users["officer2"]])  # each 住建 officer, once
    _two_workers(app, cal.shift(day_after, 1))  # still overdue the next day: no second reminder
    assert _inbox(app, "consultation_overdue") == reminded
    assert _inbox(app, "item_overdue") == []

    after_item = cal.shift(item_due, 1)
    _two_workers(app, after_item)
    assert [u for u, _ in _inbox(app, "item_overdue")] == [users["planning_officer"]]
    _two_workers(app, cal.shift(after_item, 1))
    assert [u for u, _ in _inbox(app, "item_overdue")] == [users["planning_officer"]]
    # no reminders on a day off
    from coordinator.notifications.models import Notification

    mine = select(func.count()).select_from(Notification).where(
        Notification.kind.in_(("item_overdue", "consultation_overdue", "gaps_overdue")))
    with app.app_context():
        before = db.session.scalar(mine)
    _two_workers(app, dt.date(2026, 10, 3))  # 国庆
    with app.app_context():
        assert db.session.scalar(mine) == before


def test_the_overdue_board_shows_red_and_yellow_with_counts_per_department(app, project):
    from coordinator.accounts.models import User
    from coordinator.tracking.reminders import overdue_board
    from coordinator.governance.service import current_calendar as calendar

    users, items = project["users"], project["items"]
    move(app, users["owner"], items["land_transfer"], "submitted", TODAY)       # due TODAY + 5
    move(app, users["owner"], items["project_filing"], "submitted", TODAY)      # binhai_approval, due TODAY + 5
    move(app, users["drc_officer"], items["project_filing"], "accepted", TODAY)  # 1 day: due TODAY + 1
    with app.app_context():
        cal = calendar()
        board = overdue_board(cal.shift(TODAY, 4))
        assert [(w.level, w.department, w.kind) for w in board.warnings] == [
            ("red", "binhai_approval", "item"), ("yellow", "planning", "item")]
        assert board.counts == {"binhai_approval": {"red": 1, "yellow": 0}, "planning": {"red": 0, "yellow": 1}}
        db.session.remove()
    client = app.test_client()
    login(client, "admin")
    page = client.get("/admin/overdue")
    assert page.status_code == 200
    login(app.test_client(), "owner")
    other = app.test_client()
    login(other, "officer")
    assert other.get("/admin/overdue").status_code == 403
