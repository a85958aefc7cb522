"""Circulation operations shared by the officer pages and the JSON API: the
lead department asks others for opinions, the consulted departments see
their open requests and answer. Each function owns its transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden, NotFound

from ..accounts.models import Role, User
from ..projects.access import project_audience
from ..extensions import db
from ..notifications.outbox import enqueue
from ..projects.models import PlanItem
from ..governance.service import current_calendar, current_rules
from ..tracking.lifecycle import DEPARTMENT, OPEN_STATES, InvalidTransition, TransitionError
from ..tracking.service import item_for, role_on
from .models import ANSWERED, REQUESTED, VERDICTS, Consultation
from .opinions import DEFAULT_WORKING_DAYS, department_named, open_consultations, opinions_of

#: The longest time a consulted department may be given.
MAX_WORKING_DAYS = 60
#: Verdicts that need a text: the conditions, or why the department disagrees.
EXPLAINED = ("agree_with_conditions", "disagree")


class CirculationError(TransitionError):
    """A consultation that may not be asked or answered now (409)."""


def request_opinions(user: User, item_id: int, departments: Sequence[str], working_days: int | None = None,
                     today: dt.date | None = None) -> list[Consultation]:
    """The item's department asks ``departments`` for their opinions, due in
    ``working_days`` (the rule base's, else :data:`DEFAULT_WORKING_DAYS`).

    403 for anyone but an officer of the item's department (404 for owners
    of other projects); 400 naming bad fields; 409 when the item is not
    open or a department was asked already."""
    item = item_for(user, item_id)
    if role_on(user, item) != DEPARTMENT:
        raise Forbidden()
    entry = item.plan_entry
    days = working_days if working_days is not None else int(entry.get("consulted_days") or DEFAULT_WORKING_DAYS)
    fields = _bad_request(item, departments, days)
    if fields:
        raise InvalidTransition("invalid", "the consultation request has invalid fields", fields=fields)
    if item.status not in OPEN_STATES:
        raise CirculationError("not_open", f"opinions are asked while the item is open, not {item.status}")
    asked = sorted({c.department for c in opinions_of(item)} & set(departments))
    if asked:
        raise CirculationError("already_requested", "these departments were asked already: " + ", ".join(asked),
                               fields={"departments": asked})
    made = open_consultations(item, list(dict.fromkeys(departments)), days, user, today or dt.date.today(),
                              current_calendar())
    db.session.commit()
    return made


def _bad_request(item: PlanItem, departments: Sequence[str], days: Any) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    known = {c for c, d in current_rules().departments.items() if d.kind == "government"}
    if not departments:
        fields["departments"] = ["required: a non-empty list of department codes"]
    else:
        bad = [d for d in departments if d not in known or d == item.department]
        if bad:
            fields["departments"] = ["not another government department: " + ", ".join(map(str, bad))]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WORKING_DAYS:
        fields["working_days"] = [f"between 1 and {MAX_WORKING_DAYS}"]
    return fields


def open_requests(user: User) -> list[Consultation]:
    """The open requests to the officer's department, soonest due first."""
    department = _department_of(user)
    return list(db.session.scalars(
        select(Consultation).options(joinedload(Consultation.item), joinedload(Consultation.project))
        .where(Consultation.department == department, Consultation.status == REQUESTED)
        .order_by(Consultation.due_date, Consultation.id)))


def consultation_for(user: User, consultation_id: int) -> Consultation:
    """The consultation, for an officer of the consulted department (403
    for anyone else; 404 when there is none)."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    if _department_of(user) != consultation.department:
        raise Forbidden()
    return consultation


def answer(user: User, consultation_id: int, verdict: str, text: str = "",
           today: dt.date | None = None) -> Consultation:
    """The consulted department answers once: agree, agree with conditions
    or disagree (the last two with a text). 403 for anyone else, 400 for a
    bad verdict or missing text, 409 when it was answered (or waived) already."""
    consultation = consultation_for(user, consultation_id)
    text = (text or "").strip()
    fields = {}
    if verdict not in VERDICTS:
        fields["verdict"] = ["one of " + ", ".join(VERDICTS)]
    elif verdict in EXPLAINED and not text:
        fields["text"] = ["required: the conditions, or why the department disagrees"]
    if fields:
        raise InvalidTransition("invalid", "the opinion has invalid fields", fields=fields)
    answered = db.session.execute(
        update(Consultation).where(Consultation.id == consultation.id, Consultation.status == REQUESTED)
        .values(status=ANSWERED, verdict=verdict, text=text[:4000], answered_by_id=user.id,
                answered_on=today or dt.date.today())
        .execution_options(synchronize_session=False)
    ).rowcount
    if answered != 1:
        db.session.rollback()
        raise CirculationError("already_answered", "this consultation has been answered already")
    db.session.refresh(consultation)
    _tell_lead(consultation)
    db.session.commit()
    return consultation


def _department_of(user: User) -> str:
    if user.role != Role.officer or user.organisation is None:
        raise Forbidden()
    return user.organisation.code


VERDICT_NAMES = {"agree": "同意", "agree_with_conditions": "有条件同意", "disagree": "不同意"}


def _tell_lead(consultation: Consultation) -> None:
    """The lead department and the owner learn of the opinion."""
    item, project = consultation.item, consultation.project
    consulted = department_named(consultation.department)
    lead = department_named(item.department)
    name = consulted.name if consulted else consultation.department
    body = f"{name}对{item.name}的意见：{VERDICT_NAMES[consultation.verdict]}。" + (
        f"\n{consultation.text}" if consultation.text else "")
    subject = f"{name}已出具意见：{project.name} · {item.name}"
    payload = {"consultation_id": consultation.id, "item_id": item.id, "verdict": consultation.verdict}
    enqueue("consultation_answered", subject, body, organisations=[lead] if lead else [],
            link=f"/officer/items/{item.id}", payload=payload, key=f"consultation:{consultation.id}:answered")
    enqueue("consultation_answered", subject, body, users=project_audience(project), link=f"/owner/projects/{project.id}",
            payload=payload, key=f"consultation:{consultation.id}:answered:owner")


def consultation_json(consultation: Consultation) -> dict[str, Any]:
    """A consultation in the API's shape."""
    return {
        "id": consultation.id, "item_id": consultation.item_id, "project_id": consultation.project_id,
        "department": consultation.department, "due_date": consultation.due_date.isoformat(),
        "status": consultation.status, "verdict": consultation.verdict, "text": consultation.text,
        "requested_on": consultation.requested_on.isoformat(), "by_rule": consultation.by_rule,
        "answered_on": consultation.answered_on.isoformat() if consultation.answered_on else None,
        "waived_reason": consultation.waived_reason,
    }
