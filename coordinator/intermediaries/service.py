"""Intermediary-service operations shared by the agency portal, the owner's
plan page, the admin's registry and the JSON API: offering a project's
report requests to qualified agencies, quotes, the award, progress,
ratings and per-agency figures.

Offers, deadlines, transitions, notifications and escalation are the
service-request core's (:mod:`coordinator.servicerequests.service`); this
module adds the quote → award rules and the agencies.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import Organisation, OrganisationKind, Role, User, utcnow
from ..audit.service import record as record_audit
from ..extensions import db
from ..governance.service import current_calendar, current_rules
from ..notifications.outbox import enqueue
from ..planning import Plan
from ..projects.access import acts_for_owner, project_audience
from ..projects.models import Project
from ..servicerequests import service as core
from ..servicerequests.deadlines import past_deadline, working_days_left
from ..servicerequests.models import ServiceOffer
from ..servicerequests.service import RequestConflict, RequestNotFound
from .models import AgencyQualification, AgencyRating, IntermediaryRequest, ServiceQuote

OFFERED, QUOTED, AWARDED, DRAFTING, DELIVERED, WITHDRAWN = (
    "offered", "quoted", "awarded", "drafting", "delivered", "withdrawn")
STATUSES = (OFFERED, QUOTED, AWARDED, DRAFTING, DELIVERED, WITHDRAWN)
#: The agency's path after the award, in order.
PROGRESS = (AWARDED, DRAFTING, DELIVERED)
PROGRESS_TARGETS = PROGRESS[1:]
STATUS_NAMES = {OFFERED: "待报价", QUOTED: "已报价", AWARDED: "已委托", DRAFTING: "编制中",
                DELIVERED: "已交付", WITHDRAWN: "已撤回"}
MAX_FEE_YUAN = 100_000_000
MAX_WORKING_DAYS = 500


class IntermediaryError(ValueError):
    """Bad input; ``fields`` names every bad field (HTTP 400)."""

    def __init__(self, fields: dict[str, list[str]], message: str = "the request is invalid"):
        super().__init__(message)
        self.fields, self.message = fields, message


class NotTheOwner(PermissionError):
    """Only the project's owner may award, record or rate (HTTP 403)."""


def service_name(code: str) -> str:
    """The service's Chinese name from the rule base's catalogue (the code if unknown)."""
    service = current_rules().services.get(code)
    return service.name if service else code


# --- agencies --------------------------------------------------------------------


def qualified_agencies(service: str, district: str, on: dt.date) -> list[Organisation]:
    """Agencies not suspended, serving ``district``, with a qualification for
    ``service`` valid on ``on``: whom a request is offered to."""
    rows = db.session.scalars(
        select(Organisation).join(AgencyQualification, AgencyQualification.organisation_id == Organisation.id)
        .where(Organisation.kind == OrganisationKind.agency, Organisation.suspended_at.is_(None),
               AgencyQualification.service == service, AgencyQualification.valid_until >= on)
        .order_by(Organisation.id)).all()
    return [o for o in rows if district in (o.districts or ())]


def agencies() -> list[Organisation]:
    """Every agency, in registration order (the admin's registry)."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.agency).order_by(Organisation.id)))


def qualifications_of(org: Organisation) -> list[AgencyQualification]:
    return list(db.session.scalars(select(AgencyQualification).where(
        AgencyQualification.organisation_id == org.id).order_by(AgencyQualification.service)))


def register_agency(code: str, name: str, districts: list[str], contacts: str = "") -> Organisation:
    """Register an agency (the caller audits and commits); 400 on bad fields."""
    errors: dict[str, list[str]] = {}
    code, name = (code or "").strip(), (name or "").strip()
    districts = [d.strip() for d in districts if d and d.strip()]
    if not code or len(code) > 64:
        errors["code"] = ["required, at most 64 characters"]
    elif db.session.scalar(select(Organisation.id).where(Organisation.code == code)):
        errors["code"] = ["already taken"]
    if not name or len(name) > 200:
        errors["name"] = ["required, at most 200 characters"]
    if not districts:
        errors["districts"] = ["name at least one district or zone served"]
    if errors:
        raise IntermediaryError(errors)
    org = Organisation(kind=OrganisationKind.agency, code=code, name=name, districts=districts, contacts=contacts)
    db.session.add(org)
    db.session.flush()
    return org


def qualify(org: Organisation, service: str, certificate_name: str, certificate_number: str,
            valid_until: dt.date | None) -> AgencyQualification:
    """Record (or renew) the agency's qualification for ``service`` (the caller commits)."""
    errors: dict[str, list[str]] = {}
    if service not in current_rules().services:
        errors["service"] = [f"one of {', '.join(current_rules().services)}"]
    if not (certificate_name or "").strip():
        errors["certificate_name"] = ["required"]
    if not (certificate_number or "").strip():
        errors["certificate_number"] = ["required"]
    if valid_until is None:
        errors["valid_until"] = ["required"]
    if errors:
        raise IntermediaryError(errors)
    row = db.session.scalar(select(AgencyQualification).where(
        AgencyQualification.organisation_id == org.id, AgencyQualification.service == service))
    if row is None:
        row = AgencyQualification(organisation_id=org.id, service=service)
        db.session.add(row)
    row.certificate_name, row.certificate_number = certificate_name.strip()[:200], certificate_number.strip()[:100]
    row.valid_until = valid_until
    return row


def set_suspended(org: Organisation, suspended: bool) -> Organisation:
    """Suspend an agency (no new offers, no quotes) or reinstate it (the caller commits)."""
    org.suspended_at = (org.suspended_at or utcnow()) if suspended else None
    return org


def agency_state(org: Organisation) -> dict[str, Any]:
    """What the admin audit keeps of an agency: name, districts, suspension, qualifications."""
    return {"name": org.name, "districts": list(org.districts or ()), "suspended": org.suspended_at is not None,
            "qualifications": {q.service: {"certificate": q.certificate_name, "number": q.certificate_number,
                                           "valid_until": q.valid_until.isoformat()} for q in qualifications_of(org)}}


def registry_act(admin: User, org: Organisation | None, action: str,
                 change: Callable[[], Organisation | AgencyQualification]) -> Organisation:
    """An admin's change to the agency registry (``register_agency``,
    ``qualify``, ``set_suspended`` through ``change``): audited with the
    agency's state before and after, and committed; nothing is kept when
    ``change`` raises."""
    before = agency_state(org) if org is not None else None
    try:
        changed = change()
        db.session.flush()
    except IntermediaryError:
        db.session.rollback()
        raise
    org = changed if isinstance(changed, Organisation) else org
    record_audit(admin, "agency", org.code, action, before, agency_state(org))
    db.session.commit()
    return org


# --- offering ----------------------------------------------------------------------


def _describe(request: IntermediaryRequest) -> str:
    return (f"项目：{request.project.name}（{request.district}）\n服务：{service_name(request.service)}"
            f"（计划事项 {request.item_code}）\n报价期限：{request.respond_by.isoformat()}")


NOTICES = core.Notices(
    prefix="service", portal="/agency/",
    offered_subject="新的中介服务需求（{title}）：{project}", offered_body="请在报价期限内提交报价（费用、工作日）。",
    unrouted_subject="无具备资质的中介机构服务{district}（{title}）：{project}",
    unrouted_body="该中介服务需求没有可推送的机构，请登记具备资质的中介机构。",
    reminder_subject="今天是报价期限：{title} {project}", reminder_body="该中介服务需求尚无报价，请在今天内报价。",
    escalated_subject="中介服务无人报价：{project}（{title}）", escalated_body="截至{respond_by}仍无机构报价。",
    escalated_note="报价超时，已上报政务服务办",
    title=lambda r: service_name(r.service),
    describe=_describe,
    payload=lambda r, today: {"service_request": agency_json(r)},
    responders=lambda r: [o.organisation for o in r.offers if o.organisation.suspended_at is None],
)


def requests_of(project: Project) -> list[IntermediaryRequest]:
    """The project's intermediary requests, oldest first, with their quotes
    and events (read with the project's other service requests; the quotes
    in one more statement, however many requests)."""
    requests = [r for r in core.requests_of_project(project.id) if isinstance(r, IntermediaryRequest)]
    unread = {r.id: r for r in requests if "quotes" not in r.__dict__}
    if unread:
        quotes: dict[int, list[ServiceQuote]] = {i: [] for i in unread}
        for quote in db.session.scalars(select(ServiceQuote).where(ServiceQuote.request_id.in_(unread))
                                        .order_by(ServiceQuote.id)):
            quotes[quote.request_id].append(quote)
        for request_id, request in unread.items():
            set_committed_value(request, "quotes", quotes[request_id])
    return requests


def sync_service_requests(project: Project, plan: Plan, today: dt.date | None = None) -> list[IntermediaryRequest]:
    """Bring the project's intermediary requests in line with its plan,
    inside the caller's transaction (project filing and revision): a request
    per preparation item done by an intermediary, offered to the qualified
    agencies of the project's district with the catalogue's response
    deadline; re-offered when the district changes before the award;
    withdrawn when the plan no longer needs it. Returns the new requests."""
    today = today or dt.date.today()
    db.session.flush()
    needed = {p.code: p.item.service for p in plan.items
              if p.item.kind == "preparation" and p.item.party == "intermediary" and p.item.service}
    current = {r.item_code: r for r in requests_of(project) if r.status != WITHDRAWN}
    created = []
    for code, service in needed.items():
        request = current.get(code)
        if request is None:
            request = IntermediaryRequest(project=project, service=service, item_code=code, district=project.district)
            core.open_request(request, today, plan.rules.services[service].respond_days)
            core.offer(request, qualified_agencies(service, request.district, today), NOTICES)
            created.append(request)
        elif request.district != project.district and request.status in (OFFERED, QUOTED):
            request.district = project.district
            core.offer(request, qualified_agencies(service, request.district, today), NOTICES)
    for code, request in current.items():
        if code not in needed and request.status != DELIVERED:
            core.withdraw(request, today, "项目不再需要该中介服务", NOTICES,
                          f"中介服务需求已撤回：{request.project.name}（{service_name(request.service)}）",
                          "建设单位修改了项目信息，不再需要该服务。")
    return created


def agreed_days(project: Project) -> dict[str, int]:
    """Plan item code → the awarded quote's working days (the plan uses them)."""
    rows = db.session.execute(
        select(IntermediaryRequest.item_code, ServiceQuote.working_days)
        .join(ServiceQuote, ServiceQuote.request_id == IntermediaryRequest.id)
        .where(IntermediaryRequest.project_id == project.id, ServiceQuote.status == "awarded",
               IntermediaryRequest.status != WITHDRAWN)).all()
    return {code: days for code, days in rows if code}


def engagement_dates(project: Project) -> dict[str, tuple[dt.date, dt.date | None]]:
    """Plan item code → the actual start and finish of the agency's work, as
    reported (the re-planning of the owner's projected dates uses them): it
    starts on the day the agency reports ``drafting`` (the award's day until
    then) and finishes on the delivery day."""
    out: dict[str, tuple[dt.date, dt.date | None]] = {}
    for request in requests_of(project):
        if request.status not in PROGRESS or not request.item_code:
            continue
        started = {e.status: e.happened_on for e in request.events if e.status in (AWARDED, DRAFTING)}
        start = started.get(DRAFTING) or started.get(AWARDED)
        if start is None:
            continue
        finish = request.finished_on if request.status == DELIVERED else None
        out[request.item_code] = (min(start, finish) if finish else start, finish)
    return out


# --- the agency's side ----------------------------------------------------------------


def _agency_of(user: User) -> Organisation:
    org = user.organisation
    if user.role != Role.agency or org is None or org.kind != OrganisationKind.agency:
        raise RequestNotFound()
    return org


def requests_for(org: Organisation) -> list[IntermediaryRequest]:
    """The requests offered to the agency or awarded to it, open ones first."""
    offered = select(ServiceOffer.request_id).where(ServiceOffer.organisation_id == org.id)
    rows = db.session.scalars(select(IntermediaryRequest).where(
        or_(IntermediaryRequest.id.in_(offered), IntermediaryRequest.assignee_id == org.id))
        .order_by(IntermediaryRequest.respond_by, IntermediaryRequest.id)).all()
    return sorted(rows, key=lambda r: r.status in (DELIVERED, WITHDRAWN)
                  or (r.assignee_id is not None and r.assignee_id != org.id))


def request_for_agency(user: User, request_id: int) -> IntermediaryRequest:
    """The request if it was offered to (or awarded to) the user's agency;
    :class:`RequestNotFound` otherwise."""
    org = _agency_of(user)
    request = db.session.get(IntermediaryRequest, request_id)
    if request is None or not (request.assignee_id == org.id or core.offered_to(request, org)):
        raise RequestNotFound()
    return request


def quotes_of(request: IntermediaryRequest, org: Organisation | None = None) -> list[ServiceQuote]:
    return [q for q in request.quotes if org is None or q.agency_id == org.id]


def whole_number(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def submit_quote(request_id: int, user: User, fee_yuan: Any, working_days: Any, note: Any = "",
                 today: dt.date | None = None) -> ServiceQuote:
    """The agency's quote: fee in yuan, working days to deliver, a note.
    :class:`IntermediaryError` names every bad field; after the deadline,
    after the award, a second quote or a suspended agency is a
    :class:`RequestConflict`. A conditional UPDATE of the request in the same
    transaction orders the quote against a concurrent award: a quote either
    lands before the award or is refused."""
    today = today or dt.date.today()
    request = request_for_agency(user, request_id)
    org = user.organisation
    errors: dict[str, list[str]] = {}
    if not whole_number(fee_yuan, 0, MAX_FEE_YUAN):
        errors["fee_yuan"] = [f"a whole number of yuan from 0 to {MAX_FEE_YUAN}"]
    if not whole_number(working_days, 1, MAX_WORKING_DAYS):
        errors["working_days"] = [f"a whole number of working days from 1 to {MAX_WORKING_DAYS}"]
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        errors["note"] = ["text of at most 2000 characters"]
    if errors:
        raise IntermediaryError(errors)
    if refusal := quote_refusal(request, org, today):
        raise RequestConflict(QUOTE_REFUSALS[refusal].format(respond_by=request.respond_by.isoformat()),
                              request.status, reason=refusal)
    if not core.move(request, (OFFERED, QUOTED), QUOTED):
        raise RequestConflict(QUOTE_REFUSALS["closed"], db.session.get(IntermediaryRequest, request_id).status,
                              reason="closed")
    quote = ServiceQuote(request_id=request.id, agency_id=org.id, fee_yuan=fee_yuan, working_days=working_days,
                         note=(note or "").strip(), submitted_by_id=user.id)
    db.session.add(quote)
    core.record(request, QUOTED, today, f"{org.name}：{fee_yuan} 元，{working_days} 个工作日", user, org)
    enqueue("service_quoted", f"{org.name}报价：{service_name(request.service)}（{request.project.name}）",
            f"费用 {fee_yuan} 元，{working_days} 个工作日。{quote.note}",
            users=project_audience(request.project), payload={"service_request": agency_json(request)},
            link=f"/owner/projects/{request.project_id}", key=f"service{request.id}:quote:org{org.id}")
    try:
        db.session.commit()
    except IntegrityError:  # the same agency quoting twice at the same moment
        db.session.rollback()
        raise RequestConflict(QUOTE_REFUSALS["quoted"], QUOTED, reason="quoted") from None
    return quote


#: Why a quote is refused (409), by the reason the pages name.
QUOTE_REFUSALS = {"suspended": "the agency is suspended", "closed": "the request is no longer open for quotes",
                  "deadline": "the deadline to quote was {respond_by}", "quoted": "the agency has quoted already"}


def quote_refusal(request: IntermediaryRequest, org: Organisation, today: dt.date) -> str | None:
    """Why ``org`` may not quote for ``request`` today (a key of
    :data:`QUOTE_REFUSALS`), or ``None`` when it may."""
    if org.suspended_at is not None:
        return "suspended"
    if request.status not in (OFFERED, QUOTED):
        return "closed"
    if past_deadline(request.respond_by, today):
        return "deadline"
    if quotes_of(request, org):
        return "quoted"
    return None


def next_progress(status: str) -> list[str]:
    """The steps the awarded agency may report from ``status``."""
    return list(PROGRESS[PROGRESS.index(status) + 1:]) if status in PROGRESS else []


def report_progress(request_id: int, user: User, to: str, note: str = "", on: dt.date | None = None,
                    report_title: str | None = None) -> IntermediaryRequest:
    """The awarded agency reports ``drafting`` or ``delivered`` (with the
    day); the owner is told and the plan takes the actual dates. Anyone but
    the awarded agency: :class:`RequestNotFound`; a step back or before the
    award: :class:`RequestConflict` listing the allowed steps; a day before
    the previous step's: :class:`IntermediaryError`."""
    on = on or dt.date.today()
    request = request_for_agency(user, request_id)
    if request.assignee_id != user.organisation_id:
        raise RequestNotFound() if request.assignee_id else RequestConflict(
            "the request has not been awarded", request.status)
    current = request.status
    allowed = next_progress(current)
    if to not in allowed:
        raise RequestConflict(f"cannot go from {current} to {to}", current, allowed)
    since = max((e.happened_on for e in request.events if e.status in PROGRESS), default=None)
    if since is not None and on < since:
        raise IntermediaryError({"on": [f"not before {since.isoformat()}, the day of the previous step"]})
    values: dict[str, Any] = {"finished_on": on} if to == DELIVERED else {}
    if not core.move(request, current, to, **values):
        raise RequestConflict("the request changed meanwhile", current, allowed)
    if to == DELIVERED:
        request.report_title = (report_title or note or service_name(request.service))[:300]
    core.record(request, to, on, note, user, user.organisation)
    enqueue("service_progress", f"中介服务进展：{service_name(request.service)}（{request.project.name}）",
            f"{request.assignee.name}：{STATUS_NAMES[to]}（{on.isoformat()}）{note or ''}",
            users=project_audience(request.project), payload={"service_request": agency_json(request), "to": to},
            link=f"/owner/projects/{request.project_id}", key=f"service{request.id}:{to}")
    db.session.commit()
    return request


# --- the owner's side -------------------------------------------------------------------


def owner_request(user: User, request_id: int, act: str | None = None) -> IntermediaryRequest:
    """The request if ``user`` acts for its project's owner (for ``act``, see
    :func:`~coordinator.projects.access.acts_for_owner`): 404 when there is
    no such request, :class:`NotTheOwner` (403) for anyone else."""
    request = db.session.get(IntermediaryRequest, request_id)
    if request is None:
        raise RequestNotFound()
    if not acts_for_owner(user, request.project, act):
        raise NotTheOwner()
    return request


def rate(request_id: int, user: User, score: Any, comment: Any = "") -> AgencyRating:
    """The owner rates the agency of a delivered request once (好差评, 1–5)."""
    request = owner_request(user, request_id)
    if not whole_number(score, 1, 5):
        raise IntermediaryError({"score": ["between 1 and 5"]})
    if request.status != DELIVERED:
        raise RequestConflict("only a delivered request can be rated", request.status)
    if rating_of(request) is not None:
        raise RequestConflict("rated already", request.status)
    rating = AgencyRating(request_id=request.id, agency_id=request.assignee_id, score=score,
                          comment=(comment if isinstance(comment, str) else "").strip()[:2000], rated_by_id=user.id)
    db.session.add(rating)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RequestConflict("rated already", request.status) from None
    return rating


def rating_of(request: IntermediaryRequest) -> AgencyRating | None:
    return db.session.scalar(select(AgencyRating).where(AgencyRating.request_id == request.id))


# --- figures ----------------------------------------------------------------------------------


@dataclass
class AgencyRecord:
    """An agency's record: awarded and delivered work, on-time deliveries,
    quoted against actual working days, ratings."""

    agency: Organisation
    awarded: int = 0
    delivered: int = 0
    on_time: int = 0
    quoted_days: int = 0
    actual_days: int = 0
    ratings: int = 0
    rating_total: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.delivered if self.delivered else None

    @property
    def mean_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


def agency_records(orgs: list[Organisation] | None = None) -> dict[int, AgencyRecord]:
    """Agency id → its record (every agency, or those given)."""
    orgs = agencies() if orgs is None else orgs
    records = {o.id: AgencyRecord(o) for o in orgs}
    if not records:
        return records
    calendar = current_calendar()
    rows = db.session.execute(
        select(IntermediaryRequest, ServiceQuote)
        .join(ServiceQuote, ServiceQuote.request_id == IntermediaryRequest.id)
        .where(ServiceQuote.status == "awarded", ServiceQuote.agency_id.in_(list(records)))).all()
    for request, quote in rows:
        record = records[quote.agency_id]
        record.awarded += 1
        start = next((e.happened_on for e in request.events if e.status == AWARDED), None)
        if request.status == DELIVERED and request.finished_on and start:
            actual = calendar.count_between(start, request.finished_on + dt.timedelta(days=1))
            record.delivered += 1
            record.quoted_days += quote.working_days
            record.actual_days += actual
            record.on_time += actual <= quote.working_days
    for agency_id, score in db.session.execute(select(AgencyRating.agency_id, AgencyRating.score).where(
            AgencyRating.agency_id.in_(list(records)))):
        records[agency_id].ratings += 1
        records[agency_id].rating_total += score
    return records


# --- the agency's portal ------------------------------------------------------------------------


@dataclass
class Offer:
    """A request offered to the agency: working days left to quote, its own
    quote, and why it may not quote now (``None``: it may)."""

    request: IntermediaryRequest
    days_left: int
    quote: ServiceQuote | None
    refusal: str | None


@dataclass
class Engagement:
    """Work awarded to the agency: what the owner needs (the plan's item, the
    approvals it feeds) and when (the item's planned finish), the agreed
    quote and the progress steps it may report next."""

    request: IntermediaryRequest
    quote: ServiceQuote | None
    item_name: str
    needed_by: dt.date | None
    feeds: list[str]
    next_steps: list[str]
    #: the material of the approvals that the report becomes (the rule base's ``delivers``)
    delivers: str | None = None


@dataclass
class AgencyDesk:
    """Everything the agency's portal shows."""

    agency: Organisation
    offers: list[Offer]
    engagements: list[Engagement]
    #: offers it did not win, let pass unquoted, or withdrawn
    closed: list[IntermediaryRequest]
    record: AgencyRecord
    ratings: list[tuple[AgencyRating, IntermediaryRequest]]


def desk(user: User, today: dt.date | None = None) -> AgencyDesk:
    """The agency portal of ``user``'s agency (:class:`RequestNotFound` for anyone else)."""
    today = today or dt.date.today()
    org = _agency_of(user)
    calendar = current_calendar()
    offers, engagements, closed = [], [], []
    for request in requests_for(org):
        if request.assignee_id == org.id:
            engagements.append(_engagement(request))
        elif request.status in (OFFERED, QUOTED):
            mine = quotes_of(request, org)
            refusal = quote_refusal(request, org, today)
            if refusal == "deadline" and not mine:
                closed.append(request)
                continue
            offers.append(Offer(request, working_days_left(request.respond_by, today, calendar),
                                mine[0] if mine else None, refusal))
        else:
            closed.append(request)
    ratings = list(db.session.execute(
        select(AgencyRating, IntermediaryRequest)
        .join(IntermediaryRequest, IntermediaryRequest.id == AgencyRating.request_id)
        .where(AgencyRating.agency_id == org.id).order_by(AgencyRating.id.desc())).all())
    return AgencyDesk(org, offers, engagements, closed, agency_records([org])[org.id], ratings)


def _engagement(request: IntermediaryRequest) -> Engagement:
    plan = request.project.current_plan.plan if request.project.current_plan else {"items": []}
    entry = next((i for i in plan["items"] if i["code"] == request.item_code), {})
    feeds = [i["name"] for i in plan["items"] if request.item_code in i.get("requires", ())]
    quote = next((q for q in request.quotes if q.status == "awarded"), None)
    return Engagement(request, quote, entry.get("name", request.item_code or ""),
                      dt.date.fromisoformat(entry["finish"]) if entry.get("finish") else None, feeds,
                      next_progress(request.status), delivered_material(request))


def delivered_material(request: IntermediaryRequest) -> str | None:
    """The material the request's report becomes (its preparation item's
    ``delivers`` in the rule base in force), if any."""
    rule = current_rules().items.get(request.item_code or "")
    return rule.delivers if rule else None


# --- JSON shapes -----------------------------------------------------------------------------


def quote_json(quote: ServiceQuote) -> dict[str, Any]:
    return {"id": quote.id, "agency": quote.agency_name, "agency_code": quote.agency.code if quote.agency else None,
            "fee_yuan": quote.fee_yuan, "working_days": quote.working_days, "note": quote.note,
            "status": quote.status}


def agency_json(request: IntermediaryRequest, org: Organisation | None = None) -> dict[str, Any]:
    """A request as an agency sees it (``GET /service-requests``): only its own quotes."""
    return {
        "id": request.id, "project_id": request.project_id, "project_name": request.project.name,
        "service": request.service, "service_name": service_name(request.service), "item_code": request.item_code,
        "district": request.district, "status": request.status, "respond_by": request.respond_by.isoformat(),
        "awarded_to_you": org is not None and request.assignee_id == org.id,
        "quotes": [quote_json(q) for q in quotes_of(request, org)] if org is not None else [],
    }


def project_requests_json(project: Project) -> list[dict[str, Any]]:
    """The ``service_requests`` of ``GET /projects/{id}``."""
    out = []
    requests = requests_of(project)
    scores = {request_id: score for request_id, score in db.session.execute(
        select(AgencyRating.request_id, AgencyRating.score).where(
            AgencyRating.request_id.in_([r.id for r in requests])))} if requests else {}
    for r in requests:
        awarded = next((q for q in r.quotes if q.status == "awarded"), None)
        out.append({
            "id": r.id, "service": r.service, "service_name": service_name(r.service), "item_code": r.item_code,
            "status": r.status, "respond_by": r.respond_by.isoformat(), "escalated": r.escalated,
            "quotes": [quote_json(q) for q in r.quotes],
            "awarded_quote_id": awarded.id if awarded else None,
            "delivered_on": r.finished_on.isoformat() if r.finished_on else None,
            "report_title": r.report_title, "rating": scores.get(r.id),
            "events": [{"status": e.status, "note": e.note, "date": e.happened_on.isoformat()} for e in r.events],
        })
    return out


def sweep(today: dt.date | None = None) -> int:
    """Remind agencies of today's quote deadlines and escalate requests with no
    quote after theirs; returns how many were escalated."""
    escalated = core.sweep_unanswered(IntermediaryRequest, NOTICES, today or dt.date.today())
    db.session.commit()
    return escalated
