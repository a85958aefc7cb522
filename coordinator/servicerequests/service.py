"""Operations every kind of service request shares: opening one with its
response deadline, offering it through the outbox, recording its history,
the exactly-once transitions (claim, award, progress) as conditional
UPDATEs, withdrawal, and the sweep that reminds and escalates unanswered
requests. Kinds (hookups, intermediaries, agents) add their own rules and
words (:class:`Notices`) on top; none repeats these.

Nothing here commits: the kinds' operations commit their change together
with the notifications it causes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, joinedload, selectinload, with_polymorphic

from ..accounts.models import Organisation, OrganisationKind, Role, User, utcnow
from ..extensions import db
from ..governance.service import current_calendar
from ..notifications.outbox import enqueue
from . import deadlines
from .models import ServiceOffer, ServiceRequest, ServiceRequestEvent

OFFERED, WITHDRAWN = "offered", "withdrawn"

#: ``Session.info`` key of the requests read per project in this unit of work.
_READ = "service_requests_by_project"


class RequestNotFound(LookupError):
    """No such request, or not one the caller may see."""


class RequestConflict(RuntimeError):
    """The request is not in a state that allows the operation (already
    claimed or awarded, a step that does not follow, past its deadline);
    ``allowed`` lists the statuses that may be reported now; ``reason``
    names the refusal for the pages (e.g. ``deadline``, ``closed``)."""

    def __init__(self, message: str, status: str, allowed: list[str] | None = None, reason: str = ""):
        super().__init__(message)
        self.message, self.status, self.allowed, self.reason = message, status, allowed or [], reason


@dataclass(frozen=True)
class Notices:
    """How one kind of request speaks in notifications (Chinese, the
    language of record). Texts are formatted with ``title`` (e.g. 供电报装),
    ``project``, ``district`` and ``respond_by``."""

    prefix: str
    portal: str
    offered_subject: str
    offered_body: str
    unrouted_subject: str
    unrouted_body: str
    reminder_subject: str
    reminder_body: str
    escalated_subject: str
    escalated_body: str
    escalated_note: str
    title: Callable[[Any], str]
    describe: Callable[[Any], str]
    payload: Callable[[Any, dt.date], dict[str, Any]]
    responders: Callable[[Any], list[Organisation]]

    def text(self, template: str, request: ServiceRequest) -> str:
        return template.format(title=self.title(request), project=request.project.name,
                               district=request.district, respond_by=request.respond_by.isoformat())


def requests_of_project(project_id: int) -> list[ServiceRequest]:
    """Every service request of the project, of every kind (hookups,
    intermediaries, agents), oldest first, with its assignee and events, in
    two statements; read once per unit of work: pages that ask for the
    hookups, the reports and the agent in several places share one read,
    which any write in the session (pending, flushed, an UPDATE, a commit or
    rollback) discards."""
    session = db.session()
    read = session.info.setdefault(_READ, {})
    if project_id not in read or session.new or session.dirty or session.deleted:
        every_kind = with_polymorphic(ServiceRequest, "*")  # the kinds' own columns in the same row
        read[project_id] = list(db.session.scalars(
            select(every_kind).where(every_kind.project_id == project_id).order_by(every_kind.id)
            .options(joinedload(every_kind.assignee), selectinload(every_kind.events))))
    return read[project_id]


def _forget_read_requests(session: Session, *_: Any) -> None:
    session.info.pop(_READ, None)


for _moment in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _moment, _forget_read_requests)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state) -> None:
    if not state.is_select:
        _forget_read_requests(state.session)


def record(request: ServiceRequest, status: str, on: dt.date, note: str = "",
           user: User | None = None, organisation: Organisation | None = None) -> ServiceRequestEvent:
    """Add a step to the request's history."""
    event = ServiceRequestEvent(status=status, happened_on=on, note=note or "",
                                user_id=user.id if user else None,
                                organisation_id=organisation.id if organisation else None)
    request.events.append(event)
    return event


def open_request(request: ServiceRequest, today: dt.date, limit_days: int) -> ServiceRequest:
    """Store a new request as ``offered`` with its response deadline
    (``limit_days`` working days from ``today``)."""
    request.status = OFFERED
    request.respond_by = deadlines.respond_by(today, limit_days, current_calendar())
    record(request, OFFERED, today)
    db.session.add(request)
    db.session.flush()
    return request


def offer(request: ServiceRequest, organisations: Iterable[Organisation], notices: Notices) -> None:
    """Offer the request to ``organisations`` (recorded once each) and tell
    them; with nobody to offer it to, tell the coordinator office and admins."""
    organisations = list(organisations)
    if not organisations:
        enqueue(f"{notices.prefix}_unrouted", notices.text(notices.unrouted_subject, request),
                f"{notices.text(notices.unrouted_body, request)}\n{notices.describe(request)}",
                organisations=coordinator_offices(), users=admins(),
                payload=notices.payload(request, dt.date.today()), link="/utility/admin/deliveries",
                key=f"{notices.prefix}{request.id}:unrouted:{request.district}")
        return
    offered = {o.organisation_id for o in request.offers}
    for org in organisations:
        if org.id not in offered:
            request.offers.append(ServiceOffer(organisation_id=org.id))
        enqueue(f"{notices.prefix}_offered", notices.text(notices.offered_subject, request),
                f"{notices.text(notices.offered_body, request)}\n{notices.describe(request)}",
                organisations=[org], payload=notices.payload(request, dt.date.today()), link=notices.portal,
                key=f"{notices.prefix}{request.id}:offered:org{org.id}")


def offered_to(request: ServiceRequest, org: Organisation) -> bool:
    """Whether the request was offered to ``org``."""
    return any(o.organisation_id == org.id for o in request.offers)


def move(request: ServiceRequest, current: str | tuple[str, ...], to: str, **values: Any) -> bool:
    """Set the request's status to ``to`` (and ``values``) only if it is
    still ``current`` (one status or several): a conditional UPDATE, so of
    concurrent callers exactly one succeeds. On success the request is
    refreshed; on failure the session is rolled back and ``False`` returned."""
    currents = (current,) if isinstance(current, str) else tuple(current)
    moved = db.session.execute(
        update(ServiceRequest).where(ServiceRequest.id == request.id, ServiceRequest.status.in_(currents))
        .values(status=to, updated_at=utcnow(), **values).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not moved:
        db.session.rollback()
        return False
    db.session.refresh(request)
    return True


def assign(request: ServiceRequest, current: str | tuple[str, ...], to: str, org: Organisation,
           user: User) -> bool:
    """Give the request to ``org`` (a claim, an award) if it is still
    ``current``: exactly one of concurrent callers wins (see :func:`move`)."""
    return move(request, current, to, assignee_id=org.id, assigned_by_id=user.id, assigned_at=utcnow())


def withdraw(request: ServiceRequest, today: dt.date, note: str, notices: Notices, subject: str, body: str) -> None:
    """The project no longer needs the request: ``withdrawn``, and whoever
    holds it is told."""
    request.status = WITHDRAWN
    record(request, WITHDRAWN, today, note)
    if request.assignee is not None:
        enqueue(f"{notices.prefix}_withdrawn", subject, body, organisations=[request.assignee],
                payload=notices.payload(request, today), key=f"{notices.prefix}{request.id}:withdrawn")


# --- the worker's sweep ---------------------------------------------------------


def coordinator_offices() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.coordinator)))


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.admin, User.active.is_(True))))


def unshared(query, model=ServiceRequest):
    """On PostgreSQL, lock the selected requests and skip those another
    worker's sweep holds, so two workers never notify the same thing."""
    if db.engine.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=model)
    return query


def sweep_unanswered(model: type[ServiceRequest], notices: Notices, today: dt.date) -> int:
    """Remind the organisations that may answer requests (of ``model``)
    whose deadline is today, and escalate those still unanswered after it
    to the coordinator office and admins, flagging them ``escalated``.
    Deadlines are on the working calendar, so holidays never count. Returns
    how many were escalated; the caller commits."""
    now = utcnow()
    due = db.session.scalars(unshared(select(model).where(
        model.status == OFFERED, model.reminded_at.is_(None), model.respond_by == today))).all()
    for request in due:
        request.reminded_at = now
        for org in notices.responders(request):
            enqueue(f"{notices.prefix}_claim_reminder", notices.text(notices.reminder_subject, request),
                    f"{notices.text(notices.reminder_body, request)}\n{notices.describe(request)}",
                    organisations=[org], payload=notices.payload(request, today), link=notices.portal,
                    key=f"{notices.prefix}{request.id}:reminder:org{org.id}")
    late = db.session.scalars(unshared(select(model).where(
        model.status == OFFERED, model.escalated.is_(False), model.respond_by < today))).all()
    offices, admin_users = (coordinator_offices(), admins()) if late else ([], [])
    for request in late:
        request.escalated, request.escalated_at = True, now
        record(request, "escalated", today, notices.text(notices.escalated_note, request))
        enqueue(f"{notices.prefix}_escalated", notices.text(notices.escalated_subject, request),
                f"{notices.text(notices.escalated_body, request)}\n{notices.describe(request)}",
                organisations=offices, users=admin_users, payload=notices.payload(request, today),
                link="/utility/admin/deliveries", key=f"{notices.prefix}{request.id}:escalated")
    return len(late)
