"""The opinions on an item as its lifecycle needs them: who is still to
answer, the rule base's standing consultations opened on acceptance, and
going ahead without an opinion. Each function joins the caller's transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

from sqlalchemy import select

from ..accounts.models import Organisation, User
from ..extensions import db
from ..notifications.outbox import enqueue
from ..planning.calendar import WorkingCalendar
from ..projects.models import PlanItem
from .models import REQUESTED, WAIVED, Consultation

#: Working days a consulted department has when the request names none.
DEFAULT_WORKING_DAYS = 5


def opinions_of(item: PlanItem) -> list[Consultation]:
    """Every consultation of the item with its answer, in the order asked
    (the item page, the owner's view and the licence PDF show them)."""
    return list(db.session.scalars(select(Consultation).where(Consultation.item_id == item.id)
                                   .order_by(Consultation.id)))


def opinions_by_item(project_id: int) -> dict[int, list[Consultation]]:
    """The consultations of a project's items, by item id (one query)."""
    out: dict[int, list[Consultation]] = {}
    for c in db.session.scalars(select(Consultation).where(Consultation.project_id == project_id)
                                .order_by(Consultation.id)):
        out.setdefault(c.item_id, []).append(c)
    return out


def pending_departments(item: PlanItem) -> list[str]:
    """The departments whose opinion on the item is still missing."""
    return [c.department for c in opinions_of(item) if c.status == REQUESTED]


def open_consultations(item: PlanItem, departments: Iterable[str], working_days: int, requested_by: User,
                       today: dt.date, calendar: WorkingCalendar, by_rule: bool = False) -> list[Consultation]:
    """Ask each of ``departments`` for its opinion, due ``working_days``
    working days after ``today``, and tell their officers."""
    due = calendar.shift(today, working_days)
    made = []
    for department in departments:
        consultation = Consultation(item_id=item.id, project_id=item.project_id, department=department,
                                    requested_by_id=requested_by.id, requested_on=today, due_date=due,
                                    by_rule=by_rule)
        db.session.add(consultation)
        made.append(consultation)
    db.session.flush()
    for consultation in made:
        _tell_consulted(item, consultation)
    return made


def open_standing_consultations(item: PlanItem, entry: Mapping[str, Any], lead: User, today: dt.date,
                                calendar: WorkingCalendar) -> list[Consultation]:
    """On acceptance: ask the departments the rule base always consults on
    this item (the plan entry's ``consulted``) that were not asked yet —
    never the department leading it (a zone may route the item to one of them)."""
    asked = {c.department for c in opinions_of(item)} | {item.department}
    missing = [d for d in entry.get("consulted", ()) if d not in asked]
    if not missing:
        return []
    return open_consultations(item, missing, int(entry.get("consulted_days") or DEFAULT_WORKING_DAYS), lead,
                              today, calendar, by_rule=True)


def waive_pending(item: PlanItem, reason: str) -> list[str]:
    """The lead department decides without the missing opinions and records why."""
    waived = []
    for consultation in opinions_of(item):
        if consultation.status == REQUESTED:
            consultation.status, consultation.waived_reason = WAIVED, reason
            waived.append(consultation.department)
    return waived


def department_named(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def _tell_consulted(item: PlanItem, consultation: Consultation) -> None:
    organisation = department_named(consultation.department)
    if organisation is None:
        return
    project = item.project
    enqueue("consultation_requested", f"征求意见：{project.name} · {item.name}",
            f"{item.name}（{item.code}）的牵头部门请贵单位出具意见，"
            f"请于 {consultation.due_date.isoformat()} 前答复。",
            organisations=[organisation], link=f"/officer/consultations/{consultation.id}",
            payload={"consultation_id": consultation.id, "item_id": item.id, "project_id": project.id,
                     "due_date": consultation.due_date.isoformat()},
            key=f"consultation:{consultation.id}:requested")
