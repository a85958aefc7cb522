"""Reminders and the overdue board (电子监察's red and yellow warnings).

The working day after something passes its due date, the party responsible
is reminded through the outbox, once: the outbox key names the thing and
its due date, so every later sweep — on any worker — adds nothing until a
new due date passes. Items (the department), consultations (the consulted
department) and 容缺 materials to follow (补正, the owner) are swept here;
other kinds (hookup claims) pass their own :class:`Reminder` rows to
:func:`remind_once`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import Organisation, User
from ..projects.access import project_audience
from ..circulation.models import REQUESTED, Consultation
from ..extensions import db
from ..governance.service import current_calendar
from ..notifications.outbox import enqueue
from ..projects.models import PlanItem
from . import lifecycle

RED = "red"
YELLOW = "yellow"


@dataclass(frozen=True)
class Reminder:
    """One overdue thing and who answers for it."""

    kind: str
    subject_id: int
    due_date: dt.date
    subject: str
    body: str
    users: tuple[User, ...] = ()
    organisations: tuple[Organisation, ...] = ()
    link: str | None = None
    payload: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"reminder:{self.kind}:{self.subject_id}:{self.due_date.isoformat()}"


def remind_once(reminders: Iterable[Reminder]) -> None:
    """Queue each reminder unless it was queued before (part of the caller's transaction)."""
    for r in reminders:
        enqueue(f"{r.kind}_overdue", r.subject, r.body, users=r.users, organisations=r.organisations, link=r.link,
                payload={"kind": r.kind, "id": r.subject_id, "due_date": r.due_date.isoformat(), **r.payload},
                key=r.key)


def remind_overdue(today: dt.date | None = None) -> int:
    """On a working day, remind everyone responsible for something overdue
    (at most once per due date); returns how many things are overdue.
    Two workers sweeping at once: the outbox's unique keys let one win and
    the other's sweep, run again, finds nothing left to add."""
    today = today or dt.date.today()
    if not current_calendar().is_workday(today):
        return 0
    for attempt in range(3):
        reminders = overdue_reminders(today)
        remind_once(reminders)
        try:
            db.session.commit()
            return len(reminders)
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("the reminder sweep kept colliding with another worker")


def _organisations(codes: Iterable[str]) -> dict[str, Organisation]:
    return {o.code: o for o in db.session.scalars(select(Organisation).where(Organisation.code.in_(set(codes))))}


def overdue_reminders(today: dt.date) -> list[Reminder]:
    """What is past its due date today: open items, unanswered consultations, 容缺 materials."""
    items = db.session.scalars(select(PlanItem).options(joinedload(PlanItem.project)).where(
        PlanItem.status.in_(lifecycle.OPEN_STATES), PlanItem.due_date < today)).all()
    consultations = db.session.scalars(select(Consultation).options(joinedload(Consultation.item)).where(
        Consultation.status == REQUESTED, Consultation.due_date < today)).all()
    gaps = db.session.scalars(select(PlanItem).options(joinedload(PlanItem.project)).where(
        PlanItem.status == lifecycle.ACCEPTED_WITH_GAPS, PlanItem.gaps_due < today)).all()
    orgs = _organisations([i.department for i in items] + [c.department for c in consultations])
    out = [Reminder("item", i.id, i.due_date, f"已超期：{i.name} · {i.project.name}",
                    f"{i.name}（{i.project.name}）应于 {i.due_date.isoformat()} 办结，现已超期，请尽快办理。",
                    organisations=tuple(o for o in [orgs.get(i.department)] if o), link=f"/officer/items/{i.id}",
                    payload={"item_id": i.id, "project_id": i.project_id})
           for i in items]
    out += [Reminder("consultation", c.id, c.due_date, f"征求意见已超期：{c.item.name}",
                     f"{c.item.name}的征求意见应于 {c.due_date.isoformat()} 答复，现已超期，请尽快出具意见。",
                     organisations=tuple(o for o in [orgs.get(c.department)] if o),
                     link=f"/officer/consultations/{c.id}", payload={"item_id": c.item_id})
            for c in consultations]
    out += [Reminder("gaps", i.id, i.gaps_due, f"容缺材料已超期：{i.name} · {i.project.name}",
                     f"请尽快补齐以下材料（应于 {i.gaps_due.isoformat()} 前补齐）：" + "、".join(i.gaps_materials or ()),
                     users=tuple(project_audience(i.project)), link=f"/owner/projects/{i.project_id}",
                     payload={"item_id": i.id, "project_id": i.project_id})
            for i in gaps]
    return out


# --- the overdue board ------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    """One row of the board: red once overdue, yellow when at most one working day is left."""

    level: str
    kind: str
    department: str
    name: str
    project_name: str
    due_date: dt.date
    link: str


@dataclass
class OverdueBoard:
    warnings: list[Warning]
    #: department code → {"red": n, "yellow": n}
    counts: dict[str, dict[str, int]]


def overdue_board(today: dt.date | None = None) -> OverdueBoard:
    """The 政务服务办's board: every open item and unanswered consultation
    that is overdue (red) or due within a working day (yellow), with counts
    per department; red first, then by due date."""
    today = today or dt.date.today()
    cal = current_calendar()
    horizon = cal.shift(today, 1)
    warnings: list[Warning] = []
    for item in db.session.scalars(select(PlanItem).options(joinedload(PlanItem.project)).where(
            PlanItem.status.in_(lifecycle.OPEN_STATES), PlanItem.due_date <= horizon)):
        flag = lifecycle.deadline_flag(cal, item.status, item.due_date, today)
        if flag in (lifecycle.OVERDUE, lifecycle.DUE_SOON):
            warnings.append(Warning(RED if flag == lifecycle.OVERDUE else YELLOW, "item", item.department, item.name,
                                    item.project.name, item.due_date, f"/officer/items/{item.id}"))
    for c in db.session.scalars(select(Consultation).options(joinedload(Consultation.item), joinedload(
            Consultation.project)).where(Consultation.status == REQUESTED, Consultation.due_date <= horizon)):
        level = RED if c.due_date < today else YELLOW
        warnings.append(Warning(level, "consultation", c.department, c.item.name, c.project.name, c.due_date,
                                f"/officer/consultations/{c.id}"))
    warnings.sort(key=lambda w: (w.level != RED, w.due_date, w.department))
    counts: dict[str, dict[str, int]] = {}
    for w in warnings:
        counts.setdefault(w.department, {RED: 0, YELLOW: 0})[w.level] += 1
    return OverdueBoard(warnings, dict(sorted(counts.items())))

