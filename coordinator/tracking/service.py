"""Tracking operations shared by the officer and owner pages and the JSON API:
move an item through its lifecycle, the department queue, the audit log,
ratings. Each function owns its transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden, NotFound

from ..accounts.models import Role, User, utcnow
from ..agents.acts import record_act
from ..extensions import db
from ..licences.models import Licence
from ..licences.service import issue_licence, licence_json
from ..materials import service as materials_service
from ..notifications.outbox import enqueue
from ..governance.service import current_calendar, current_rules
from ..planning.calendar import WorkingCalendar
from ..projects.access import acts_for_owner, project_audience
from ..circulation import opinions
from ..projects.models import AnswerSet, PlanItem, Project, ProjectPlan
from . import durations, lifecycle, replan, stats
from .lifecycle import (
    APPROVED, DEPARTMENT, NOT_SUBMITTED, OPEN_STATES, OWNER, REFUSED, RETURNED, SUBMITTED, IllegalTransition,
    InvalidTransition, Material, PrerequisitesPending, TrackedItem, TransitionError, TransitionRequest,
)
from .models import CommitmentCheck, ItemEvent, ItemRating, RevocationFlag
from .projection import projection_of, refresh_delays

#: The states an officer's queue shows: waiting for the department, or back with the owner.
QUEUE_STATES = (*OPEN_STATES, RETURNED)
QUEUE_LIMIT_MAX = 200


class OpinionsPending(TransitionError):
    """Approving while consulted departments have not answered, without
    saying why the department goes ahead (409, naming them in ``pending``)."""

    def __init__(self, pending: list[str]):
        super().__init__("opinions_pending", "these departments have not given their opinion: " + ", ".join(pending),
                         fields={"override_reason": ["required to approve without these opinions"]})
        self.pending = pending


class RatingError(TransitionError):
    """A rating that may not be given: before approval or twice (409)."""


class InvalidRating(RatingError):
    """A score outside 1–5 (400)."""

    status = 400




def tracked(item: PlanItem) -> TrackedItem:
    """The lifecycle's view of a stored item."""
    entry = item.plan_entry
    return TrackedItem(
        status=item.status, mode=item.mode, modes=tuple(entry.get("modes", ())), days=item.days,
        materials=tuple(Material(m["name"], m.get("essential", True)) for m in entry.get("materials", ())),
        due_date=item.due_date, submitted_on=item.submitted_on, accepted_on=item.accepted_on,
        clock_pauses=clock_pauses_of(item),
        missing_materials=tuple(item.missing_materials or ()), gaps_materials=tuple(item.gaps_materials or ()),
        gaps_due=item.gaps_due, verification_due=item.verification_due, actual_start=item.actual_start,
        actual_finish=item.actual_finish, document_number=item.document_number,
    )


def clock_pauses_of(item: PlanItem) -> tuple[tuple[dt.date, dt.date | None], ...]:
    """The stored clock pauses as dates: (returned on, resubmitted on or None)."""
    return _pauses(item.clock_pauses)


def _pauses(stored) -> tuple[tuple[dt.date, dt.date | None], ...]:
    return tuple((dt.date.fromisoformat(r), dt.date.fromisoformat(s) if s else None) for r, s in stored or ())


def stored_columns(t: TrackedItem) -> dict[str, Any]:
    return {
        "status": t.status, "due_date": t.due_date, "submitted_on": t.submitted_on, "accepted_on": t.accepted_on,
        "clock_pauses": [[r.isoformat(), s.isoformat() if s else None] for r, s in t.clock_pauses],
        "missing_materials": list(t.missing_materials), "gaps_materials": list(t.gaps_materials),
        "gaps_due": t.gaps_due, "verification_due": t.verification_due, "actual_start": t.actual_start,
        "actual_finish": t.actual_finish, "document_number": t.document_number,
    }


def department_names(codes: Sequence[str]) -> list[str]:
    """The departments' names, in the order of their codes."""
    departments = current_rules().departments
    return [departments[c].name if c in departments else c for c in codes]


def role_on(user: User, item: PlanItem) -> str | None:
    """``owner`` for whoever may submit for the project's owner (the owner,
    or its agent when granted), ``department`` for an officer of the item's
    department, ``None`` for anyone else."""
    if acts_for_owner(user, item.project, "submit"):
        return OWNER
    if user.role == Role.officer and user.organisation is not None and user.organisation.code == item.department:
        return DEPARTMENT
    return None


def item_for(user: User, item_id: int) -> PlanItem:
    """The item if ``user`` may see it: the project's owner, any officer of
    the item's department, an admin. Another department's officer: 403;
    anyone else (another owner): 404, as for an item that does not exist."""
    item = db.session.get(PlanItem, item_id)
    if item is None:
        raise NotFound()
    if user.role == Role.admin or role_on(user, item) is not None or acts_for_owner(user, item.project):
        return item
    if user.role == Role.officer:
        raise Forbidden()
    raise NotFound()


def transition(
    user: User, item_id: int, to: str, reason: str | None = None, missing_materials: Sequence[str] | None = None,
    gaps_due: dt.date | None = None, document_number: str | None = None, today: dt.date | None = None,
    faulty_files: Sequence[int] = (),
    version: int | None = None,
    override_reason: str | None = None,
) -> PlanItem:
    """Move an item to ``to`` on behalf of ``user`` and record it in the audit log.

    The owner submits and resubmits; an officer of the item's department does
    the rest (anyone else: 403, or 404 for an owner of another project).
    Raises a :class:`~coordinator.tracking.lifecycle.TransitionError` (409 for
    an illegal move — also when another officer moved the item first — or
    pending prerequisites or opinions — approving while a consulted
    department has not answered needs ``override_reason`` —, 400 for
    missing inputs or materials). This is the one place a state change is
    committed.

    Submitting needs every essential material, and after a return the named
    materials with the files at fault replaced; a return may name the
    ``faulty_files`` (their materials join the one-time notice); approving
    issues the item's licence.

    Transitions of one item are serialised by its ``version``, which each
    one raises: the change is written only if the item is still at the
    version read here (or, when given, at ``version`` — the one the caller
    decided on), so of any number of concurrent transitions decided on the
    same version exactly one wins and the others get 409 ``conflict``."""
    item = item_for(user, item_id)
    actor = role_on(user, item)
    if actor is None:
        raise Forbidden()
    if item.kind != "approval":
        raise IllegalTransition("not_tracked", "utility steps are tracked as hookup requests")
    before, read_version = tracked(item), item.version
    if version is not None and version != read_version:
        raise IllegalTransition("conflict", f"the item changed meanwhile: it is at version {read_version}, "
                                f"not {version}; it is {item.status} now",
                                allowed=lifecycle.allowed_transitions(before, actor))
    on = today or dt.date.today()
    if before.status == NOT_SUBMITTED and to == SUBMITTED:
        statuses = {i.code: i.status for i in item.plan.items}
        blocking = lifecycle.blocking_prerequisites(item.plan.plan, item.code, statuses)
        if blocking:
            raise PrerequisitesPending("prerequisites_pending", "these items must be approved first: "
                                       + ", ".join(blocking), fields={"requires": blocking},
                                       allowed=lifecycle.allowed_transitions(before, actor))
    named = tuple(m.strip() for m in (missing_materials or ()))
    if to == SUBMITTED and actor == OWNER and before.status in (NOT_SUBMITTED, RETURNED):
        problems = materials_service.submission_problems(item)
        if problems:
            raise InvalidTransition("materials_missing", "provide these first: " + "、".join(
                [*problems.get("materials", ()), *problems.get("files", ())]), fields=problems,
                allowed=lifecycle.allowed_transitions(before, actor))
    if to == RETURNED and faulty_files:
        try:
            named = tuple(materials_service.faulty_materials(item, faulty_files, named))
        except materials_service.MaterialError as exc:
            raise InvalidTransition(exc.code, exc.message, fields=exc.fields) from None
    request = TransitionRequest(
        to=to, actor=actor, on=on, reason=(reason or "").strip() or None,
        missing_materials=named, gaps_due=gaps_due,
        document_number=(document_number or "").strip() or None,
    )
    cal = current_calendar()
    after = lifecycle.apply_transition(before, request, cal)
    waiving = (override_reason or "").strip()
    pending = opinions.pending_departments(item) if after.status == APPROVED else []
    if pending and not waiving:
        raise OpinionsPending(pending)
    # Conditional update on the version read: of two transitions at once only
    # one finds it (on PostgreSQL the second waits for the first's commit and
    # then matches no row); the other's update changes nothing.
    changed = db.session.execute(
        update(PlanItem)
        .where(PlanItem.id == item.id, PlanItem.version == read_version)
        .values(**stored_columns(after), status_changed_at=utcnow(), version=read_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        fresh = db.session.get(PlanItem, item_id)
        db.session.refresh(fresh)
        raise IllegalTransition("conflict", f"the item was moved to {fresh.status} meanwhile",
                                allowed=lifecycle.allowed_transitions(tracked(fresh), actor))
    materials = after.gaps_materials if after.status == lifecycle.ACCEPTED_WITH_GAPS else (
        after.missing_materials if after.status == RETURNED else ())
    event = ItemEvent(
        item_id=item.id, project_id=item.project_id, actor_id=user.id, from_status=before.status,
        to_status=after.status, reason=request.reason or (
            f"未收到{'、'.join(department_names(pending))}的意见即办结：{waiving}" if pending else None), materials=list(materials),
        document_number=after.document_number if after.status == APPROVED else None, due_date=after.due_date,
    )
    db.session.add(event)
    if after.status == RETURNED:
        materials_service.mark_at_fault(item, faulty_files, after.missing_materials)
    if after.status == APPROVED:
        issue_licence(item, user, after.document_number, on)
    db.session.flush()
    _notify_owner(item, event, after)
    if actor == OWNER:
        record_act(user, item.project, "submit",
                   f"{'重新申报' if before.status == RETURNED else '申报'}{item.name}（{item.code}）",
                   {"item_id": item.id, "code": item.code, "to": after.status})
    if pending:
        opinions.waive_pending(item, waiving)
    if after.status in (lifecycle.ACCEPTED, lifecycle.ACCEPTED_WITH_GAPS) and before.accepted_on is None:
        opinions.open_standing_consultations(item, item.plan_entry, user, on, cal)
    db.session.refresh(item)
    refresh_delays(item.project, cal, on)
    db.session.commit()
    db.session.refresh(item)
    return item


#: How the owner is told of each state an officer moves an item to.
OWNER_NOTICES = {
    "accepted": "已受理", "accepted_with_gaps": "已容缺受理，请按期补齐材料", "returned": "已退回补正，请一次性补齐以下材料",
    "approved": "已办结", "refused": "不予许可",
}


def _notify_owner(item: PlanItem, event: ItemEvent, after: lifecycle.TrackedItem) -> None:
    """Tell the project's owner (in the same transaction) of an officer's decision."""
    notice = OWNER_NOTICES.get(event.to_status)
    if notice is None:
        return
    project = item.project
    lines = [f"{project.name}：{item.name}{notice}。"]
    lines += [f"- {m}" for m in event.materials or ()]
    if event.reason:
        lines.append(f"理由：{event.reason}")
    if event.document_number:
        lines.append(f"文号：{event.document_number}")
    if after.due_date and event.to_status in ("accepted", "accepted_with_gaps"):
        lines.append(f"承诺办结日期：{after.due_date.isoformat()}")
    enqueue(f"item_{event.to_status}", f"{item.name}{notice.split('，')[0]}：{project.name}", "\n".join(lines),
            users=project_audience(project), link=f"/owner/projects/{project.id}",
            payload={"project_id": project.id, "item_id": item.id, "code": item.code, "status": event.to_status},
            key=f"item-event:{event.id}")


def events_of(item: PlanItem) -> list[ItemEvent]:
    """The item's audit log, oldest first."""
    return list(db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(ItemEvent.id)))


def rate(user: User, item_id: int, score: int, comment: str = "") -> ItemRating:
    """The owner rates an approved item once (好差评); 404 for anyone but its
    owner, 409 before approval or a second time, 400 out of 1–5."""
    item = item_for(user, item_id)
    if not acts_for_owner(user, item.project, "rate"):  # the owner's own: never granted to an agent
        raise NotFound()
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidRating("invalid", "the score is 1 to 5", fields={"score": ["between 1 and 5"]})
    if item.status != APPROVED:
        raise RatingError("not_approved", "only approved items can be rated")
    if rating_of(item) is not None:
        raise RatingError("already_rated", "this item has been rated already")
    rating = ItemRating(item_id=item.id, project_id=item.project_id, owner_id=user.id, department=item.department,
                        score=score, comment=(comment or "").strip()[:2000])
    db.session.add(rating)
    try:
        db.session.commit()
    except IntegrityError:  # a second rating at the same moment
        db.session.rollback()
        raise RatingError("already_rated", "this item has been rated already") from None
    return rating


def rating_of(item: PlanItem) -> ItemRating | None:
    return db.session.scalar(select(ItemRating).where(ItemRating.item_id == item.id))


# --- the department queue -------------------------------------------------------


@dataclass
class QueuePage:
    items: list[PlanItem]
    total: int
    limit: int
    offset: int


def _department_of(user: User) -> str:
    if user.role != Role.officer or user.organisation is None:
        raise Forbidden()
    return user.organisation.code


def queue_statement(department: str, status: str | None = None, overdue: bool | None = None,
                    project_type: str | None = None, today: dt.date | None = None):
    """The SELECT of a department's queue with its filters (unordered, unpaged)."""
    today = today or dt.date.today()
    conditions = [PlanItem.department == department]
    if status:
        conditions.append(PlanItem.status == status)
    if overdue is True:
        if status not in OPEN_STATES:
            conditions.append(PlanItem.status.in_(OPEN_STATES))
        conditions.append(PlanItem.due_date < today)
    elif not status:
        conditions.append(PlanItem.status.in_(QUEUE_STATES))
    if overdue is False:
        conditions.append(or_(PlanItem.status.not_in(OPEN_STATES), PlanItem.due_date.is_(None),
                              PlanItem.due_date >= today))
    query = select(PlanItem).where(*conditions)
    if project_type:
        query = query.where(PlanItem.project_type == project_type)
    return query


#: The queue's orders: soonest due first, or biggest delay cost (impact) first.
QUEUE_SORTS = ("due", "impact")


def queue(
    user: User, status: str | None = None, overdue: bool | None = None, project_type: str | None = None,
    limit: int = 50, offset: int = 0, today: dt.date | None = None, sort: str = "due",
) -> QueuePage:
    """The officer's department queue: items waiting for the department and
    those returned to their owners, filtered by state, overdue (an open item
    past its due date) and project type; soonest due first, or (``sort``
    ``impact``) the items whose slip moves the owner's construction start or
    completion most first, soonest due among equals."""
    query = queue_statement(_department_of(user), status, overdue, project_type, today)
    limit = max(1, min(limit, QUEUE_LIMIT_MAX))
    if sort == "impact":
        return _queue_by_impact(query, limit, offset)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(
        query.options(joinedload(PlanItem.project))
        .order_by(PlanItem.due_date.asc().nulls_last(), PlanItem.id).limit(limit).offset(offset)
    ).all()
    return QueuePage(list(items), total or 0, limit, offset)


def _queue_by_impact(query, limit: int, offset: int) -> QueuePage:
    """The page in impact order, read as one due-date ordered run per impact
    value (each an index range of ``ix_plan_item_impact_queue``)."""
    groups = list(db.session.execute(
        query.with_only_columns(PlanItem.impact_days, func.count()).group_by(PlanItem.impact_days)
    ).all())
    groups.sort(key=lambda g: (g[0] is None, -(g[0] or 0)))
    items: list[PlanItem] = []
    skip, wanted = offset, limit
    for impact_days, count in groups:
        if skip >= count:
            skip -= count
            continue
        same = PlanItem.impact_days.is_(None) if impact_days is None else PlanItem.impact_days == impact_days
        rows = db.session.scalars(
            query.where(same).options(joinedload(PlanItem.project))
            .order_by(PlanItem.due_date.asc().nulls_last(), PlanItem.id).limit(wanted).offset(skip)
        ).all()
        items += rows
        skip, wanted = 0, wanted - len(rows)
        if wanted <= 0:
            break
    return QueuePage(items, sum(count for _, count in groups), limit, offset)


def queue_counts(user: User, today: dt.date | None = None) -> dict[str, int]:
    """How many items of the department are in each queue state, and overdue (one query)."""
    department = _department_of(user)
    today = today or dt.date.today()
    rows = db.session.execute(
        select(PlanItem.status, func.count(), func.count(case((PlanItem.due_date < today, 1))))
        .where(PlanItem.department == department, PlanItem.status.in_(QUEUE_STATES)).group_by(PlanItem.status)
    ).all()
    counts = {s: 0 for s in QUEUE_STATES} | {s: n for s, n, _ in rows}
    counts["overdue"] = sum(late for s, _, late in rows if s in OPEN_STATES)
    return counts


def item_json(item: PlanItem, cal: WorkingCalendar, today: dt.date, licence: Licence | None = None) -> dict[str, Any]:
    """The tracking fields of an item for the API (added beside the SPEC's
    ones), with its ``licence`` once approved."""
    def iso(d):
        return d.isoformat() if d else None

    return {
        "kind": item.kind, "mode": item.mode, "days": item.days, "version": item.version,
        "planned_start": iso(item.planned_start), "planned_finish": iso(item.planned_finish),
        "submitted_on": iso(item.submitted_on), "accepted_on": iso(item.accepted_on),
        "actual_start": iso(item.actual_start), "actual_finish": iso(item.actual_finish),
        "document_number": item.document_number,
        "missing_materials": list(item.missing_materials or []), "gaps_materials": list(item.gaps_materials or []),
        "gaps_due": iso(item.gaps_due), "verification_due": iso(item.verification_due),
        "clock_stopped": item.status == RETURNED and item.accepted_on is not None,
        "overdue": lifecycle.is_overdue(item.status, item.due_date, today),
        "deadline": lifecycle.deadline_flag(cal, item.status, item.due_date, today),
        "licence": licence_json(licence),
        "slack": item.slack, "impact_days": item.impact_days,
    }


def due_in_month(user: User, year: int, month: int) -> dict[dt.date, list[PlanItem]]:
    """The department's open items by due date, for one month's calendar."""
    department = _department_of(user)
    first = dt.date(year, month, 1)
    after = dt.date(year + (month == 12), month % 12 + 1, 1)
    items = db.session.scalars(
        select(PlanItem).where(PlanItem.department == department, PlanItem.status.in_(OPEN_STATES),
                               PlanItem.due_date >= first, PlanItem.due_date < after)
        .order_by(PlanItem.due_date, PlanItem.id)
    ).all()
    out: dict[dt.date, list[PlanItem]] = {}
    for item in items:
        out.setdefault(item.due_date, []).append(item)
    return out


@dataclass
class ItemProgress:
    """One item of the owner's progress table."""

    item: PlanItem
    allowed: list[str]
    blocking: list[str]
    deadline: str | None
    projected: "replan.Projected | None"
    rating: ItemRating | None
    #: why the department returned or refused it (its latest such decision)
    reason: str | None = None
    name_en: str = ""
    #: working days the projected finish is after the planned one (negative: before)
    late: int = 0
    opinions: list = field(default_factory=list)
    #: codes of revoked approvals this item depended on
    revoked_prerequisites: list[str] = field(default_factory=list)


@dataclass
class ProjectProgress:
    items: list[ItemProgress]
    construction_start: "replan.Projected | None"
    today: dt.date
    #: utility → when its last step is projected to finish (the connection)
    connections: dict[str, dt.date] = field(default_factory=dict)

    def row_of(self, code: str) -> "ItemProgress | None":
        """The row of the plan's item ``code``."""
        return next((r for r in self.items if r.item.code == code), None)

    def needing(self, code: str) -> list[ItemProgress]:
        """The rows of the items that need the item ``code`` done first."""
        return [r for r in self.items if code in r.item.plan_entry.get("requires", ())]

    @property
    def submittable(self) -> list[ItemProgress]:
        """What the owner can submit (or resubmit) today."""
        return [r for r in self.items if SUBMITTED in r.allowed and not r.blocking]

    @property
    def due_this_week(self) -> list[ItemProgress]:
        """Items a department must decide within the next seven days (or already late)."""
        return [r for r in self.items if r.item.status in OPEN_STATES and r.item.due_date
                and r.item.due_date <= self.today + dt.timedelta(days=7)]

    @property
    def waiting_on(self) -> dict[str, list[ItemProgress]]:
        """Department code → its items the owner is waiting on."""
        out: dict[str, list[ItemProgress]] = {}
        for r in self.items:
            if r.item.status in OPEN_STATES:
                out.setdefault(r.item.department, []).append(r)
        return out


def progress_of(project: Project, user: User, today: dt.date | None = None) -> ProjectProgress:
    """The owner's view of tracking: each item's state, what the owner can do,
    its planned and projected dates, and construction start planned vs projected."""
    today = today or dt.date.today()
    stored = project.current_plan
    if stored is None:
        return ProjectProgress([], None, today)
    cal = current_calendar()
    projected, _ = projection_of(project, cal, today)
    statuses = {i.code: i.status for i in stored.items}
    ratings = {r.item_id: r for r in db.session.scalars(select(ItemRating).where(ItemRating.project_id == project.id))}
    reasons = _decision_reasons(project) if any(i.status in (RETURNED, REFUSED) for i in stored.items) else {}
    names_en = {i["code"]: i.get("name_en", "") for i in stored.plan.get("items", [])}
    opinions_of_items = opinions.opinions_by_item(project.id)
    revoked: dict[int, list[str]] = {}
    for item_id, code in db.session.execute(
            select(RevocationFlag.item_id, PlanItem.code).join(CommitmentCheck, CommitmentCheck.id == RevocationFlag.check_id)
            .join(PlanItem, PlanItem.id == CommitmentCheck.item_id).where(RevocationFlag.project_id == project.id)):
        revoked.setdefault(item_id, []).append(code)
    rows = []
    for item in stored.items:
        actor = role_on(user, item) if item.kind == "approval" else None
        state = tracked(item)
        allowed = lifecycle.allowed_transitions(state, actor) if actor else []
        blocking = (lifecycle.blocking_prerequisites(stored.plan, item.code, statuses)
                    if item.status == NOT_SUBMITTED and item.kind == "approval" else [])
        step = projected.get(item.code)
        rows.append(ItemProgress(item, allowed, blocking, lifecycle.deadline_flag(cal, item.status, item.due_date, today),
                                 step, ratings.get(item.id), reasons.get(item.id), names_en.get(item.code, ""),
                                 replan.working_days_late(cal, step) if step else 0,
                                 opinions_of_items.get(item.id, []), revoked.get(item.id, [])))
    rows.sort(key=lambda r: (r.item.planned_start or dt.date.max, r.item.planned_finish or dt.date.max, r.item.position))
    connections: dict[str, dt.date] = {}
    for entry in stored.plan.get("items", []):
        step = projected.get(entry["code"])
        if entry.get("utility") and step:
            connections[entry["utility"]] = max(step.finish, connections.get(entry["utility"], step.finish))
    return ProjectProgress(rows, projected.get(replan.CONSTRUCTION_START), today, connections)


def _decision_reasons(project: Project) -> dict[int, str]:
    """Item id → the reason of its latest return or refusal (one query)."""
    rows = db.session.execute(
        select(ItemEvent.item_id, ItemEvent.reason)
        .where(ItemEvent.project_id == project.id, ItemEvent.to_status.in_((RETURNED, REFUSED)))
        .order_by(ItemEvent.id)
    ).all()
    return {item_id: reason for item_id, reason in rows if reason}


def decisions() -> list[durations.Decision]:
    """Every item decided the standard way (approved or refused), with the
    working days its clock ran from acceptance to decision: what
    :mod:`.durations` learns from."""
    cal = current_calendar()
    rows = db.session.execute(
        select(PlanItem.code, PlanItem.department, PlanItem.accepted_on, PlanItem.actual_finish,
               PlanItem.clock_pauses)
        .where(PlanItem.status.in_(lifecycle.FINAL_STATES), PlanItem.mode == "standard",
               PlanItem.accepted_on.is_not(None), PlanItem.actual_finish.is_not(None))
    ).all()
    return [durations.Decision(code, department, lifecycle.working_days_used(cal, accepted, decided, _pauses(pauses)))
            for code, department, accepted, decided, pauses in rows]


def statistics_records(department: str | None = None) -> tuple[list["stats.ItemRecord"], list[tuple[str, int]]]:
    """Every tracked approval item of the projects' current plans that has
    been submitted (or is a land-day permit of a 拿地即开工 plan), and every
    rating as ``(department, score)`` — the input of :mod:`.stats`; only
    ``department``'s when given."""
    current = select(func.max(ProjectPlan.id)).group_by(ProjectPlan.project_id)
    query = (
        select(PlanItem, Project.name, ProjectPlan.land_day_eligible, AnswerSet.land_date)
        .join(ProjectPlan, ProjectPlan.id == PlanItem.plan_id)
        .join(AnswerSet, AnswerSet.id == ProjectPlan.answer_set_id)
        .join(Project, Project.id == PlanItem.project_id)
        .where(PlanItem.plan_id.in_(current), PlanItem.kind == "approval",
               or_(PlanItem.status != NOT_SUBMITTED,
                   and_(ProjectPlan.land_day_eligible.is_(True), PlanItem.code.in_(stats.LAND_DAY_PERMITS))))
    )
    scores = select(ItemRating.department, ItemRating.score)
    if department is not None:
        query = query.where(PlanItem.department == department)
        scores = scores.where(ItemRating.department == department)
    rows = db.session.execute(query).all()
    records = [
        stats.ItemRecord(
            item.project_id, name, item.department, item.code, item.status, item.days, item.due_date,
            item.accepted_on, item.actual_finish, clock_pauses_of(item),
            bool(eligible), land_date,
        )
        for item, name, eligible, land_date in rows
    ]
    ratings = [(d, s) for d, s in db.session.execute(scores)]
    return records, ratings


#: What the new plan decides about an item that is already under way.
_PLANNED_FIELDS = ("position", "name", "kind", "stage", "department", "mode", "days", "planned_start",
                   "planned_finish", "project_type")


def carry_over(previous: ProjectPlan | None, stored: ProjectPlan) -> None:
    """A revised plan continues the tracking of the previous one: every item
    already submitted moves to the new plan as the same row (its audit log,
    deadline and rating stay with it) and takes the new plan's dates and
    mode; the rest start afresh. Part of the caller's transaction."""
    if previous is None:
        return
    fresh = {i.code: i for i in stored.items}
    moving = [(item, fresh[item.code]) for item in previous.items
              if item.code in fresh and item.status != NOT_SUBMITTED]
    for item, new in moving:
        for name in _PLANNED_FIELDS:
            setattr(item, name, getattr(new, name))
        stored.items.remove(new)  # delete-orphan: the fresh copy goes
    db.session.flush()
    for item, _ in moving:
        item.plan = stored
    stored.items.sort(key=lambda i: i.position)
