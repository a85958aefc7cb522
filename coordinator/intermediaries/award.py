"""The owner's award of a service request (and of an agency engaged outside
the platform): exactly once, the agencies told, and the project re-planned
with the quoted working days. It sits above the intermediaries' and the
projects' services, since it changes both."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from ..accounts.models import User, utcnow
from ..agents.acts import record_act
from ..extensions import db
from ..notifications.outbox import enqueue
from ..projects.service import reschedule
from ..servicerequests import service as core
from ..servicerequests.service import RequestConflict
from .models import IntermediaryRequest, ServiceQuote
from .service import (
    AWARDED, MAX_FEE_YUAN, MAX_WORKING_DAYS, OFFERED, QUOTED, IntermediaryError, agency_json, owner_request,
    service_name, whole_number,
)


def award(request_id: int, user: User, quote_id: Any, today: dt.date | None = None) -> IntermediaryRequest:
    """The owner awards one quote: exactly once (a conditional UPDATE; a
    second award is a :class:`RequestConflict`); the winner and the other
    agencies are told, and the plan's preparation item takes the quote's
    working days."""
    today = today or dt.date.today()
    request = owner_request(user, request_id, "award")
    quote = next((q for q in request.quotes if q.id == quote_id and q.status == "submitted"), None)
    if not whole_number(quote_id, 1, 2**31 - 1) or quote is None:
        if request.status not in (OFFERED, QUOTED):
            raise RequestConflict("the request has been awarded already", request.status)
        raise IntermediaryError({"quote_id": ["not a quote of this request"]})
    return _award(request, quote, user, today)


def engage_outside(request_id: int, user: User, agency_name: Any, fee_yuan: Any, working_days: Any,
                   today: dt.date | None = None) -> IntermediaryRequest:
    """The owner records an agency engaged outside the platform: a quote in
    its name, awarded at once."""
    today = today or dt.date.today()
    request = owner_request(user, request_id, "award")
    errors: dict[str, list[str]] = {}
    if not isinstance(agency_name, str) or not agency_name.strip() or len(agency_name) > 200:
        errors["agency"] = ["the agency's name, at most 200 characters"]
    if not whole_number(fee_yuan, 0, MAX_FEE_YUAN):
        errors["fee_yuan"] = [f"a whole number of yuan from 0 to {MAX_FEE_YUAN}"]
    if not whole_number(working_days, 1, MAX_WORKING_DAYS):
        errors["working_days"] = [f"a whole number of working days from 1 to {MAX_WORKING_DAYS}"]
    if errors:
        raise IntermediaryError(errors)
    if request.status not in (OFFERED, QUOTED):
        raise RequestConflict("the request has been awarded already", request.status)
    quote = ServiceQuote(request=request, outside_agency=agency_name.strip(), fee_yuan=fee_yuan,
                         working_days=working_days, note="平台外委托", submitted_by_id=user.id)
    db.session.add(quote)
    db.session.flush()
    return _award(request, quote, user, today)


def _award(request: IntermediaryRequest, quote: ServiceQuote, user: User, today: dt.date) -> IntermediaryRequest:
    moved = (core.assign(request, (OFFERED, QUOTED), AWARDED, quote.agency, user) if quote.agency
             else core.move(request, (OFFERED, QUOTED), AWARDED, assigned_by_id=user.id, assigned_at=utcnow()))
    if not moved:
        raise RequestConflict("the request has been awarded already", db.session.get(
            IntermediaryRequest, request.id).status)
    db.session.execute(update(ServiceQuote).where(ServiceQuote.request_id == request.id, ServiceQuote.id != quote.id)
                       .values(status="declined").execution_options(synchronize_session=False))
    quote.status = "awarded"
    core.record(request, AWARDED, today, f"{quote.agency_name}：{quote.fee_yuan} 元，{quote.working_days} 个工作日",
                user, quote.agency)
    db.session.flush()
    db.session.expire(request, ["quotes"])
    name = service_name(request.service)
    record_act(user, request.project, "award", f"{name}：{quote.agency_name}（{quote.fee_yuan} 元，"
               f"{quote.working_days} 个工作日）", {"service_request_id": request.id, "quote_id": quote.id})
    for other in request.quotes:
        if other.agency is None:
            continue
        won = other.id == quote.id
        enqueue("service_awarded" if won else "service_declined",
                f"{'已委托' if won else '未中选'}：{name}（{request.project.name}）",
                (f"建设单位已将{name}委托给贵单位，约定 {quote.working_days} 个工作日交付。" if won
                 else f"建设单位已将{name}委托给其他机构，感谢报价。"),
                organisations=[other.agency], payload={"service_request": agency_json(request)},
                link="/agency/", key=f"service{request.id}:award:org{other.agency_id}")
    reschedule(request.project, today)
    db.session.commit()
    return request
