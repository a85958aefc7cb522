"""Hookup operations shared by the utility portal, the owner's pages, the
JSON API, the CLI and the delivery worker.

Each operation commits its change together with the notifications it
causes (:func:`coordinator.notifications.outbox.enqueue`), or — for
:func:`sync_hookups`, which runs inside project filing — leaves the commit
to the caller's transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Organisation, OrganisationKind, Role, User, utcnow
from ..extensions import db
from ..notifications.outbox import enqueue
from ..planning import Plan
from ..planning.rulebase import HOOKUP_UTILITIES
from ..projects.access import project_audience
from ..projects.models import Project
from ..servicerequests import service as core
from ..servicerequests.service import RequestConflict, RequestNotFound
from . import flow
from .models import HookupRequest

DEFAULT_CLAIM_LIMIT_DAYS = 2
# Notification texts are stored in Chinese, the product's language of record.
UTILITY_NAMES = {"water": "供水", "power": "供电", "gas": "供气", "heat": "供热", "sewer": "排水"}
STATUS_NAMES = {"offered": "待认领", "claimed": "已认领", "surveyed": "已勘察", "designed": "已设计",
                "constructed": "已施工", "connected": "已接通", "withdrawn": "已撤回"}


class HookupNotFound(RequestNotFound):
    """No such hookup request, or not one the caller may see."""


class HookupConflict(RequestConflict):
    """The hookup request is already claimed, or a progress step does not
    follow; ``mine``: the caller's own organisation holds it (claimed a
    moment ago, e.g. in another tab)."""

    def __init__(self, message: str, status: str, allowed: list[str] | None = None, mine: bool = False):
        super().__init__(message, status, allowed)
        self.mine = mine


def claim_limit_days() -> int:
    """Working days a provider has to claim a request (``HOOKUP_CLAIM_LIMIT_DAYS``)."""
    return int(current_app.config.get("HOOKUP_CLAIM_LIMIT_DAYS") or DEFAULT_CLAIM_LIMIT_DAYS)


# --- filing ----------------------------------------------------------------


def target_date(plan: Plan, utility: str) -> dt.date | None:
    """When the utility must be connected: the land date of a 拿地即开工
    plan, else the planned finish of the plan's ``<utility>_hookup`` step.
    A sewer connection comes after completion (its drainage permit first),
    so it keeps its step's date on the 拿地即开工 track too."""
    if plan.eligibility.eligible and plan.land_date and utility != "sewer":
        return plan.land_date
    code = f"{utility}_hookup"
    return plan.item(code).finish if code in plan.codes else None


def demand_of(answers: dict[str, Any], utility: str) -> dict[str, Any]:
    """From the plan's (flattened) answers, those describing how much of ``utility`` the project needs (e.g. ``power_kva``)."""
    prefix = f"utilities.{utility}_"
    demand = {k[len("utilities."):]: v for k, v in answers.items() if k.startswith(prefix) and v is not None}
    if utility == "power" and answers.get("utilities.dual_supply") is not None:
        demand["dual_supply"] = answers["utilities.dual_supply"]
    return demand


def providers_for(utility: str, district: str) -> list[Organisation]:
    """Every provider of ``utility`` serving ``district`` (routing by type and area)."""
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.utility).order_by(Organisation.id)
    ).all()
    areas = [flow.ProviderArea(o, o.utility, o.districts or ()) for o in orgs]
    return flow.route(utility, district, areas)


def sync_hookups(project: Project, plan: Plan, today: dt.date | None = None) -> list[HookupRequest]:
    """Bring the project's hookup requests in line with its plan, inside the
    caller's transaction (project filing and revision): a request per
    utility the answers need, offered to the routed providers; demand,
    target date and district refreshed on the others; requests for
    utilities no longer needed withdrawn. Returns the new requests."""
    today = today or dt.date.today()
    db.session.flush()
    needed = [u for u in HOOKUP_UTILITIES if plan.answers.get(f"utilities.{u}") is True]
    current = {r.utility: r for r in hookups_of(project) if r.status != flow.WITHDRAWN}
    created = []
    for utility in needed:
        request = current.get(utility)
        if request is None:
            request = _open_request(project, plan, utility, today)
            created.append(request)
            continue
        request.demand = demand_of(plan.answers, utility)
        request.target_date = target_date(plan, utility)
        request.contact_name = plan.answers.get("contact_name") or project.owner.display_name
        request.contact_phone = plan.answers.get("contact_phone")
        if request.district != project.district:
            request.district = project.district
            if request.status == flow.OFFERED:
                _offer(request)
    for utility, request in current.items():
        if utility not in needed and request.status != flow.CONNECTED:
            _withdraw(request, today)
    return created


def _open_request(project: Project, plan: Plan, utility: str, today: dt.date) -> HookupRequest:
    owner = project.owner
    request = HookupRequest(
        project=project, utility=utility, district=project.district, demand=demand_of(plan.answers, utility),
        contact_name=plan.answers.get("contact_name") or owner.display_name, contact_email=owner.email,
        contact_phone=plan.answers.get("contact_phone"), target_date=target_date(plan, utility),
    )
    core.open_request(request, today, claim_limit_days())
    _offer(request)
    return request


def _describe(request: HookupRequest) -> str:
    demand = "；".join(f"{k}={v}" for k, v in (request.demand or {}).items()) or "—"
    target = request.target_date.isoformat() if request.target_date else "—"
    return (f"项目：{request.project.name}（{request.district}）\n需求：{demand}\n"
            f"目标接通日期：{target}\n认领期限：{request.claim_by.isoformat()}")


NOTICES = core.Notices(
    prefix="hookup", portal="/utility/",
    offered_subject="新的{title}报装需求：{project}", offered_body="请在认领期限内认领并联系建设单位。",
    unrouted_subject="无{title}企业服务{district}：{project}",
    unrouted_body="该{title}报装需求没有可推送的企业，请指定服务企业。",
    reminder_subject="今天是认领期限：{title}报装 {project}", reminder_body="该报装需求尚未被认领，请在今天内认领。",
    escalated_subject="报装认领超时：{project}（{title}）", escalated_body="截至{respond_by}仍无企业认领。",
    escalated_note="认领超时，已上报政务服务办",
    title=lambda r: UTILITY_NAMES[r.utility],
    describe=_describe,
    payload=lambda r, today: {"hookup": hookup_json(r, today)},
    responders=lambda r: providers_for(r.utility, r.district),
)


def _offer(request: HookupRequest) -> None:
    core.offer(request, providers_for(request.utility, request.district), NOTICES)


def _withdraw(request: HookupRequest, today: dt.date) -> None:
    core.withdraw(request, today, "项目不再需要该公用设施", NOTICES,
                  f"{UTILITY_NAMES[request.utility]}报装需求已撤回：{request.project.name}",
                  "建设单位修改了项目信息，不再需要该报装。")


# --- reading ---------------------------------------------------------------


def hookups_of(project: Project) -> list[HookupRequest]:
    """The project's requests, oldest first, with their provider and events
    (read with the project's other service requests, however many)."""
    return [r for r in core.requests_of_project(project.id) if isinstance(r, HookupRequest)]


def offered_to(org: Organisation | None) -> list[HookupRequest]:
    """Unclaimed requests of the provider's utility type in its districts, soonest deadline first."""
    if org is None or org.kind != OrganisationKind.utility or not org.districts:
        return []
    return list(db.session.scalars(
        select(HookupRequest).where(
            HookupRequest.utility == org.utility, HookupRequest.status == flow.OFFERED,
            HookupRequest.district.in_(list(org.districts)),
        ).order_by(HookupRequest.claim_by, HookupRequest.id)))


def claimed_by(org: Organisation | None) -> list[HookupRequest]:
    """The requests the provider claimed, open ones first."""
    if org is None:
        return []
    rows = db.session.scalars(
        select(HookupRequest).where(HookupRequest.provider_id == org.id).order_by(HookupRequest.id.desc())).all()
    return sorted(rows, key=lambda r: r.status in (flow.CONNECTED, flow.WITHDRAWN))


def escalated() -> list[HookupRequest]:
    """Requests still unclaimed after their claim deadline (the admin's list)."""
    return list(db.session.scalars(
        select(HookupRequest).where(HookupRequest.escalated.is_(True), HookupRequest.status == flow.OFFERED)
        .order_by(HookupRequest.claim_by)))


def request_for(user: User, request_id: int) -> HookupRequest:
    """The request if ``user``'s provider may see it (its type and area, or
    it claimed it); :class:`HookupNotFound` otherwise."""
    request = db.session.get(HookupRequest, request_id)
    org = user.organisation
    if request is None or user.role != Role.utility or org is None or org.utility != request.utility:
        raise HookupNotFound()
    if request.provider_id == org.id:
        return request
    if request.status == flow.OFFERED and request.district in (org.districts or ()):
        return request
    raise HookupNotFound()


def hookup_json(request: HookupRequest, today: dt.date | None = None) -> dict[str, Any]:
    """The API shape of a request for providers (SPEC §4.4 ``GET /hookups``, plus details)."""
    today = today or dt.date.today()
    return {
        "id": request.id, "project_id": request.project_id, "project_name": request.project.name,
        "utility": request.utility, "status": request.status, "district": request.district,
        "claim_by": request.claim_by.isoformat(), "demand": request.demand,
        "target_date": request.target_date.isoformat() if request.target_date else None,
        "escalated": request.escalated,
        "overdue": flow.target_overdue(request.target_date, request.status, today),
    }


def project_hookups_json(project: Project, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The ``hookups`` of ``GET /projects/{id}``: ``{id, utility, status,
    provider}`` plus the target date, progress and ``connected_on`` (the
    actual connection day, for re-planning from actual dates)."""
    today = today or dt.date.today()
    return [{
        "id": r.id, "utility": r.utility, "status": r.status,
        "provider": r.provider.name if r.provider else None,
        "provider_code": r.provider.code if r.provider else None,
        "target_date": r.target_date.isoformat() if r.target_date else None,
        "claim_by": r.claim_by.isoformat(), "escalated": r.escalated,
        "overdue": flow.target_overdue(r.target_date, r.status, today),
        "connected_on": r.connected_on.isoformat() if r.connected_on else None,
        "events": [{"status": e.status, "note": e.note, "date": e.happened_on.isoformat()} for e in r.events],
    } for r in hookups_of(project)]


# --- claiming and progress ----------------------------------------------------


def claim_hookup(request_id: int, user: User, today: dt.date | None = None) -> HookupRequest:
    """Claim a request for the user's provider. A conditional update
    (``… WHERE status = 'offered'``) lets exactly one of several concurrent
    claimers win; the others get :class:`HookupConflict` — also a provider
    of the request's type and area that comes after another one claimed it
    (it was offered to it too). The owner is told who claimed it, in the
    same transaction."""
    today = today or dt.date.today()
    org = user.organisation
    found = db.session.get(HookupRequest, request_id)
    if (found is not None and user.role == Role.utility and org is not None and found.provider_id not in (None, org.id)
            and found.utility == org.utility and found.district in (org.districts or ())):
        raise HookupConflict("the request was already claimed by another provider", found.status)
    request = request_for(user, request_id)
    if not core.assign(request, flow.OFFERED, flow.CLAIMED, org, user):
        db.session.refresh(request)
        if request.provider_id == org.id:
            raise HookupConflict("your organisation has already claimed the request", request.status, mine=True)
        raise HookupConflict("the request was already claimed", request.status)
    core.record(request, flow.CLAIMED, today, user=user, organisation=org)
    name = UTILITY_NAMES[request.utility]
    enqueue("hookup_claimed", f"{org.name}已认领{name}报装：{request.project.name}",
            f"{org.name}（{user.display_name}）已认领您的{name}报装需求，将与您联系。",
            users=project_audience(request.project), payload={"hookup": hookup_json(request, today)},
            link=f"/owner/projects/{request.project_id}", key=f"hookup{request.id}:claimed")
    db.session.commit()
    return request


def report_progress(request_id: int, user: User, to: str, note: str = "",
                    on: dt.date | None = None) -> HookupRequest:
    """Record the next step of a claimed request (``surveyed``, ``designed``,
    ``constructed``, ``connected``) with a note and the day it happened; the
    owner is notified. Only the claiming provider may report
    (:class:`HookupNotFound` otherwise; :class:`HookupConflict` while
    nobody claimed it); a step that does not come later
    than the current one is a :class:`HookupConflict` listing the allowed ones."""
    on = on or dt.date.today()
    request = request_for(user, request_id)
    if request.status == flow.OFFERED:
        raise HookupConflict("claim the request before reporting progress", request.status)
    if request.provider_id != user.organisation_id:
        raise HookupNotFound()
    current = request.status
    allowed = flow.allowed_progress(current)
    if to not in allowed:
        raise HookupConflict(f"cannot go from {current} to {to}", current, allowed)
    if not core.move(request, current, to, **({"finished_on": on} if to == flow.CONNECTED else {})):
        db.session.refresh(request)
        raise HookupConflict("the request changed meanwhile", request.status, flow.allowed_progress(request.status))
    core.record(request, to, on, note, user=user, organisation=user.organisation)
    enqueue("hookup_progress", f"{UTILITY_NAMES[request.utility]}报装进展：{request.project.name}",
            f"{request.provider.name}：{STATUS_NAMES[to]}（{on.isoformat()}）{note or ''}",
            users=project_audience(request.project), payload={"hookup": hookup_json(request), "to": to, "note": note,
                                                   "date": on.isoformat()},
            link=f"/owner/projects/{request.project_id}", key=f"hookup{request.id}:{to}")
    db.session.commit()
    return request


# --- the worker's sweep ---------------------------------------------------------


def escalate_unclaimed(today: dt.date | None = None) -> int:
    """Remind the routed providers of requests whose claim deadline is today,
    and escalate those still unclaimed after it to the coordinator office
    (and admins); flags them ``escalated``. Returns how many were escalated."""
    escalated_count = core.sweep_unanswered(HookupRequest, NOTICES, today or dt.date.today())
    db.session.commit()
    return escalated_count


def warn_overdue_targets(today: dt.date | None = None) -> int:
    """Warn the owner, the provider and the coordinator office once when a
    request is not connected by its target date. Returns how many were warned."""
    today = today or dt.date.today()
    rows = db.session.scalars(core.unshared(select(HookupRequest).where(
        HookupRequest.overdue_warned_at.is_(None), HookupRequest.target_date < today,
        HookupRequest.status.in_((flow.OFFERED,) + flow.PROGRESS[:-1])))).all()
    offices = core.coordinator_offices() if rows else []
    for request in rows:
        request.overdue_warned_at = utcnow()
        orgs = offices + ([request.provider] if request.provider else [])
        enqueue("hookup_overdue", f"{UTILITY_NAMES[request.utility]}未按期接通：{request.project.name}",
                f"目标接通日期{request.target_date.isoformat()}已过，当前状态：{STATUS_NAMES[request.status]}。",
                users=project_audience(request.project), organisations=orgs,
                payload={"hookup": hookup_json(request, today)}, key=f"hookup{request.id}:overdue")
    db.session.commit()
    return len(rows)
