"""告知承诺 核查: the department checks an approval it gave on commitment.
A failed check revokes the approval and cascades through the live project:
the items and hookups that depended on it are flagged, the company's
record gets the breach, the schedule is re-planned (without 告知承诺 for the
breach period) and everyone concerned is told, in one transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Forbidden

from ..accounts.models import Organisation, User, utcnow
from ..projects.access import project_audience
from ..compliance.service import record_breach
from ..extensions import db
from ..hookups.models import HookupRequest
from ..hookups.service import hookups_of
from ..notifications.outbox import enqueue
from ..planning.planner import commitment_barred_until
from ..projects.models import PlanItem
from ..governance.service import current_rules
from ..projects.service import reschedule
from . import lifecycle
from .lifecycle import APPROVED, COMMITMENT, DEPARTMENT, NOT_SUBMITTED, InvalidTransition, TransitionError
from .models import FAILED, OUTCOMES, CommitmentCheck, ItemEvent, RevocationFlag
from .service import stored_columns, item_for, role_on, tracked


class CheckError(TransitionError):
    """A check that may not be recorded: not an approval on commitment, or checked already (409)."""


def record_check(user: User, item_id: int, outcome: str, findings: str | None = None,
                 today: dt.date | None = None) -> CommitmentCheck:
    """The item's department records its 核查: ``passed``, or ``failed``
    with ``findings`` (which revokes the approval, see the module). 403 for
    anyone else, 400 for a bad outcome or failed without findings, 409 for
    an item not approved on commitment or checked already."""
    item = item_for(user, item_id)
    if role_on(user, item) != DEPARTMENT:
        raise Forbidden()
    findings = (findings or "").strip()
    fields = {}
    if outcome not in OUTCOMES:
        fields["outcome"] = ["one of " + ", ".join(OUTCOMES)]
    elif outcome == FAILED and not findings:
        fields["findings"] = ["required when the check failed"]
    if fields:
        raise InvalidTransition("invalid", "the check has invalid fields", fields=fields)
    if item.mode != COMMITMENT or item.status != APPROVED or item.verification_due is None:
        raise CheckError("not_on_commitment", "only approvals given on commitment (告知承诺) are checked")
    on = today or dt.date.today()
    check = CommitmentCheck(item_id=item.id, project_id=item.project_id, outcome=outcome, findings=findings,
                            checked_by_id=user.id, checked_on=on)
    db.session.add(check)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise CheckError("already_checked", "this approval has been checked already") from None
    if outcome == FAILED:
        _revoke(item, check, user, on)
    db.session.commit()
    return check


def _revoke(item: PlanItem, check: CommitmentCheck, user: User, on: dt.date) -> None:
    before = tracked(item)
    standard_days = int(item.plan_entry.get("committed_days") or item.days)
    after = lifecycle.revoke(before, standard_days)
    columns = {**stored_columns(after), "mode": after.mode, "days": after.days}
    revoked = db.session.execute(
        update(PlanItem).where(PlanItem.id == item.id, PlanItem.version == item.version)
        .values(**columns, status_changed_at=utcnow(), version=item.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if revoked != 1:
        db.session.rollback()
        raise CheckError("conflict", "the item was changed meanwhile")
    db.session.add(ItemEvent(item_id=item.id, project_id=item.project_id, actor_id=user.id, from_status=APPROVED,
                             to_status=lifecycle.REVOKED, reason=f"告知承诺核查未通过：{check.findings}",
                             due_date=None))
    db.session.refresh(item)
    project = item.project
    flags = _flag_dependants(item, check)
    record_breach(item, check.findings, on)
    reschedule(project, on)
    _tell_everyone(item, check, flags, on)


def _flag_dependants(item: PlanItem, check: CommitmentCheck) -> list[RevocationFlag]:
    """Flag the project's items under way or done, and its hookups, that
    need the revoked approval (directly or through other items)."""
    plan = item.plan.plan
    needs = {i["code"]: set(i.get("requires", ())) for i in plan["items"]}
    dependants: set[str] = set()
    frontier = {item.code}
    while frontier:
        frontier = {c for c, reqs in needs.items() if reqs & frontier and c not in dependants}
        dependants |= frontier
    flags = [RevocationFlag(check_id=check.id, project_id=item.project_id, item_id=other.id, code=other.code)
             for other in item.plan.items
             if other.code in dependants and other.kind == "approval" and other.status != NOT_SUBMITTED]
    flags += [RevocationFlag(check_id=check.id, project_id=item.project_id, hookup_id=request.id,
                             code=f"{request.utility}_hookup")
              for request in hookups_of(item.project)
              if f"{request.utility}_hookup" in dependants and request.status != "withdrawn"]
    db.session.add_all(flags)
    db.session.flush()
    return flags


def flags_of(project_id: int) -> list[RevocationFlag]:
    """The project's items and hookups flagged by revoked approvals."""
    return list(db.session.scalars(select(RevocationFlag).where(RevocationFlag.project_id == project_id)
                                   .order_by(RevocationFlag.id)))


def revoked_prerequisites(item: PlanItem) -> list[str]:
    """The codes of revoked approvals the item was flagged for (one item;
    :func:`~coordinator.tracking.service.progress_of` reads a whole project's)."""
    return list(db.session.scalars(
        select(PlanItem.code).join(CommitmentCheck, CommitmentCheck.item_id == PlanItem.id)
        .join(RevocationFlag, RevocationFlag.check_id == CommitmentCheck.id)
        .where(RevocationFlag.item_id == item.id).order_by(RevocationFlag.id)))


def check_of(item: PlanItem) -> CommitmentCheck | None:
    return db.session.scalar(select(CommitmentCheck).where(CommitmentCheck.item_id == item.id))


def _tell_everyone(item: PlanItem, check: CommitmentCheck, flags: list[RevocationFlag], on: dt.date) -> None:
    """The owner, the departments of the flagged items and the providers of
    the flagged hookups learn of the revocation."""
    project = item.project
    until = commitment_barred_until(current_rules(), on)
    flagged = "、".join(f.code for f in flags) or "无"
    body = (f"{project.name}：{item.name}（文号 {item.document_number or '—'}）告知承诺核查未通过，审批决定已撤销。\n"
            f"核查意见：{check.findings}\n受影响的事项和报装：{flagged}\n"
            + (f"{until} 前新办事项不适用告知承诺，计划已按一般程序重新编排。" if until else ""))
    subject = f"告知承诺核查未通过，已撤销：{item.name} · {project.name}"
    payload = {"project_id": project.id, "item_id": item.id, "check_id": check.id,
               "flagged": [f.code for f in flags], "barred_until": until.isoformat() if until else None}
    enqueue("approval_revoked", subject, body, users=project_audience(project), link=f"/owner/projects/{project.id}",
            payload=payload, key=f"check:{check.id}:owner")
    departments = {i.department for i in item.plan.items if i.id in {f.item_id for f in flags}}
    organisations = list(db.session.scalars(select(Organisation).where(Organisation.code.in_(departments))))
    providers = [r.provider for r in db.session.scalars(select(HookupRequest).where(
        HookupRequest.id.in_([f.hookup_id for f in flags if f.hookup_id]))) if r.provider]
    if organisations or providers:
        enqueue("approval_revoked", subject, body, organisations=organisations + providers, payload=payload,
                key=f"check:{check.id}:concerned")

