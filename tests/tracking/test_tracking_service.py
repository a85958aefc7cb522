"""The tracking service on the database: transitions, audit log, access,
prerequisites, ratings and two officers acting at once."""
from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from sqlalchemy import select, update
from werkzeug.exceptions import Forbidden, NotFound

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.notifications.models import Notification
from coordinator.projects.models import PlanItem
from coordinator.tracking.lifecycle import IllegalTransition, InvalidTransition, NotPermitted, PrerequisitesPending
from coordinator.tracking.models import AuditLogError, ItemEvent, ItemRating
from coordinator.tracking.service import RatingError, events_of, queue, queue_counts, rate, transition
from tests.conftest import TODAY
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401

pytestmark = pytest.mark.usefixtures("project")


def _item(app, item_id):
    with app.app_context():
        item = db.session.get(PlanItem, item_id)
        db.session.expunge(item)
        return item


def test_submit_return_resubmit_approve_with_audit_log(app, project):
    u, item = project["users"], project["items"]["land_transfer"]
    assert move(app, u["owner"], item, "submitted") == "submitted"
    assert move(app, u["planning_officer"], item, "accepted", today=TODAY + dt.timedelta(days=1)) == "accepted"
    assert move(app, u["planning_officer"], item, "returned", today=dt.date(2026, 3, 5), reason="宗地图不清晰",
                missing_materials=["宗地图", "出让公告"]) == "returned"
    stored = _item(app, item)
    assert stored.missing_materials == ["宗地图", "出让公告"] and stored.due_date is None
    assert move(app, u["owner"], item, "submitted", today=dt.date(2026, 3, 9)) == "submitted"
    stored = _item(app, item)
    # 20 days from Tue 3 Mar; Wed 4 and Thu 5 used, paused Fri 6 … Mon 9; 18 more from Tue 10 → Thu 2 Apr
    assert stored.due_date == dt.date(2026, 4, 2)
    assert move(app, u["planning_officer"], item, "accepted", today=dt.date(2026, 3, 10)) == "accepted"
    assert move(app, u["planning_officer"], item, "approved", today=dt.date(2026, 3, 20),
                document_number="津滨规〔2026〕3号") == "approved"
    stored = _item(app, item)
    assert stored.actual_start == TODAY and stored.actual_finish == dt.date(2026, 3, 20)
    with app.app_context():
        log = events_of(db.session.get(PlanItem, item))
        assert [(e.from_status, e.to_status) for e in log] == [
            ("not_submitted", "submitted"), ("submitted", "accepted"), ("accepted", "returned"),
            ("returned", "submitted"), ("submitted", "accepted"), ("accepted", "approved")]
        assert log[2].reason == "宗地图不清晰" and log[2].materials == ["宗地图", "出让公告"]
        assert log[0].actor.username == "owner" and log[1].actor.username == "planner"
        assert log[-1].document_number == "津滨规〔2026〕3号"
        # The owner is told of every officer's decision, in the same transaction (outbox).
        told = db.session.scalars(select(Notification).where(Notification.channel == "inbox",
                                                             Notification.kind.startswith("item_"))
                                  .order_by(Notification.id)).all()
        assert [n.kind for n in told] == ["item_accepted", "item_returned", "item_accepted", "item_approved"]
        assert {n.recipient_user_id for n in told} == {log[0].actor_id}
        assert "宗地图" in told[1].body and "出让公告" in told[1].body
        assert "津滨规〔2026〕3号" in told[-1].body


def test_audit_log_is_append_only(app, project):
    u, item = project["users"], project["items"]["land_transfer"]
    move(app, u["owner"], item, "submitted")
    with app.app_context():
        event = db.session.scalar(select(ItemEvent))
        event.reason = "rewritten"
        with pytest.raises(AuditLogError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditLogError):
            db.session.delete(db.session.scalar(select(ItemEvent)))
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(ItemEvent)).reason is None


def test_department_isolation_and_owner_privacy(app, project):
    u, item = project["users"], project["items"]["land_transfer"]  # a 规划 item
    move(app, u["owner"], item, "submitted")
    with app.app_context():
        with pytest.raises(Forbidden):  # 住建 officer on a 规划 item
            transition(db.session.get(User, u["officer"]), item, "accepted", today=TODAY)
        with pytest.raises(NotFound):  # another owner
            transition(db.session.get(User, u["other_owner"]), item, "accepted", today=TODAY)
        with pytest.raises(Forbidden):  # the admin watches, does not act
            transition(db.session.get(User, u["admin"]), item, "accepted", today=TODAY)
        with pytest.raises(NotPermitted):  # the owner cannot accept their own item
            transition(db.session.get(User, u["owner"]), item, "accepted", today=TODAY)
        with pytest.raises(IllegalTransition) as exc:
            transition(db.session.get(User, u["planning_officer"]), item, "approved", today=TODAY)
        assert exc.value.allowed == ["accepted", "returned", "refused"]  # no 容缺受理 for this item
        with pytest.raises(InvalidTransition):
            transition(db.session.get(User, u["planning_officer"]), item, "returned", today=TODAY, reason="x")
        assert db.session.get(PlanItem, item).status == "submitted"


def test_prerequisites_block_submission_until_approved(app, project):
    u, items = project["users"], project["items"]
    with app.app_context():
        with pytest.raises(PrerequisitesPending) as exc:
            transition(db.session.get(User, u["owner"]), items["design_scheme_review"], "submitted", today=TODAY)
        assert exc.value.fields == {"requires": ["project_filing"]}
    approve(app, project, "project_filing", "drc_officer")
    assert move(app, u["owner"], items["design_scheme_review"], "submitted") == "submitted"
    # 拿地即开工: the permits issued on the land day may be pre-reviewed before the land contract
    move(app, u["planning_officer"], items["design_scheme_review"], "accepted")
    move(app, u["planning_officer"], items["design_scheme_review"], "approved", document_number="津滨规〔2026〕9号")
    assert move(app, u["owner"], items["planning_permit"], "submitted") == "submitted"


def test_utility_steps_are_not_moved_here(app, project):
    u = project["users"]
    with app.app_context():
        with pytest.raises(IllegalTransition) as exc:
            transition(db.session.get(User, u["owner"]), project["items"]["power_application"], "submitted",
                       today=TODAY)
        assert exc.value.code == "not_tracked"


def test_rating_once_after_approval(app, project):
    u, item = project["users"], project["items"]["project_filing"]
    with app.app_context():
        owner = db.session.get(User, u["owner"])
        with pytest.raises(RatingError) as exc:
            rate(owner, item, 5, "很快")
        assert exc.value.code == "not_approved"
    approve(app, project, "project_filing", "drc_officer")
    with app.app_context():
        owner = db.session.get(User, u["owner"])
        with pytest.raises(NotFound):
            rate(db.session.get(User, u["other_owner"]), item, 5)
        with pytest.raises(RatingError) as exc:
            rate(owner, item, 6)
        assert exc.value.status == 400
        assert rate(owner, item, 4, "很快").score == 4
        with pytest.raises(RatingError) as exc:
            rate(owner, item, 5)
        assert exc.value.code == "already_rated"
        assert db.session.query(ItemRating).count() == 1


def test_queue_sorted_filtered_and_counted(app, project):
    u, items = project["users"], project["items"]
    approve(app, project, "project_filing", "drc_officer")
    move(app, u["owner"], items["land_transfer"], "submitted", today=TODAY)
    move(app, u["owner"], items["eia_registration"], "submitted", today=TODAY)
    move(app, u["owner"], items["design_scheme_review"], "submitted", today=TODAY + dt.timedelta(days=1))
    with app.app_context():
        planner = db.session.get(User, u["planning_officer"])
        page = queue(planner, today=TODAY)
        assert [i.code for i in page.items] == ["land_transfer", "design_scheme_review"]
        assert page.total == 2
        late = TODAY + dt.timedelta(days=8)  # land_transfer's acceptance was due Mon 9 Mar
        assert [i.code for i in queue(planner, overdue=True, today=late).items] == ["land_transfer"]
        assert [i.code for i in queue(planner, overdue=False, today=late).items] == ["design_scheme_review"]
        assert queue(planner, project_type="industrial_plant", today=TODAY).total == 0
        assert queue(planner, project_type="warehouse", limit=1, today=TODAY).items[0].code == "land_transfer"
        assert queue(planner, status="returned", today=TODAY).total == 0
        counts = queue_counts(planner, today=late)
        assert counts["submitted"] == 2 and counts["overdue"] == 1
        with pytest.raises(Forbidden):
            queue(db.session.get(User, u["owner"]))
        # another department's items never show
        assert [i.code for i in queue(db.session.get(User, u["eco_officer"]), today=TODAY).items] == ["eia_registration"]


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL")
def test_two_officers_acting_at_once_one_wins(app, project):
    """Two 住建 officers on two connections decide the same item at the same
    moment: exactly one decision is stored, the other gets a 409."""
    u, items = project["users"], project["items"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    item = items["construction_drawing_review"]
    for round_ in range(5):
        with app.app_context():
            db.session.execute(update(PlanItem).where(PlanItem.id == item).values(status="submitted"))
            db.session.commit()
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def act(who: str, to: str, inputs: dict):
            with app.app_context():
                officer = db.session.get(User, u[who])
                barrier.wait()
                try:
                    outcomes[who] = transition(officer, item, to, today=TODAY, **inputs).status
                except IllegalTransition as exc:
                    outcomes[who] = exc
                finally:
                    db.session.remove()

        threads = [
            threading.Thread(target=act, args=("officer", "accepted", {})),
            threading.Thread(target=act, args=("officer2", "returned",
                                               {"reason": "图纸缺章", "missing_materials": ["施工图设计文件"]})),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [w for w, o in outcomes.items() if isinstance(o, str)]
        lost = [o for o in outcomes.values() if isinstance(o, IllegalTransition)]
        assert len(won) == 1 and len(lost) == 1, (round_, outcomes)
        assert lost[0].status == 409
        with app.app_context():
            stored = db.session.get(PlanItem, item).status
            assert stored == outcomes[won[0]]
            decided = db.session.scalars(select(ItemEvent).where(
                ItemEvent.item_id == item, ItemEvent.from_status == "submitted")).all()
            assert len(decided) == round_ + 1


def test_the_queue_index_covers_exactly_the_queue_states(app):
    from coordinator.projects.models import OPEN_QUEUE
    from coordinator.tracking.service import QUEUE_STATES

    assert OPEN_QUEUE == "status IN (" + ", ".join(f"'{s}'" for s in QUEUE_STATES) + ")"


def test_a_revised_plan_continues_the_tracking(app, project):
    """Saving a new land date makes a new plan; the items under way move to it
    with their state and audit log, and the queue holds each once."""
    from coordinator.projects.models import Project
    from coordinator.projects.service import revise_project

    u, items = project["users"], project["items"]
    move(app, u["owner"], items["land_transfer"], "submitted")
    move(app, u["planning_officer"], items["land_transfer"], "accepted")
    with app.app_context():
        stored = db.session.get(Project, project["id"])
        answers = stored.current_answers
        new_plan = revise_project(stored, db.session.get(User, u["owner"]), answers.answers,
                                  dt.date(2026, 10, 20), answers.commitment, today=TODAY)
        moved = next(i for i in new_plan.items if i.code == "land_transfer")
        assert moved.id == items["land_transfer"] and moved.status == "accepted"
        assert moved.planned_finish.isoformat() == next(p for p in new_plan.plan["items"]
                                                        if p["code"] == "land_transfer")["finish"]
        assert [e.to_status for e in events_of(moved)] == ["submitted", "accepted"]
        fresh = next(i for i in new_plan.items if i.code == "project_filing")
        assert fresh.id != items["project_filing"] and fresh.status == "not_submitted"
        assert len(new_plan.items) == len({i.code for i in new_plan.items})
        page = queue(db.session.get(User, u["planning_officer"]), today=TODAY)
        assert [i.id for i in page.items] == [items["land_transfer"]]
