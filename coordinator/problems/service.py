"""办不成事 operations shared by the pages, the JSON API and the delivery
worker: file a report, move it round the loop, remind and escalate late
steps, and read the ledger (台账) with its statistics. Each operation owns
its transaction and writes its notifications to the outbox in it."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from flask import current_app
from sqlalchemy import or_, select, update
from werkzeug.exceptions import NotFound

from ..accounts.models import Organisation, OrganisationKind, Role, User, utcnow
from ..agents.acts import record_act
from ..extensions import db
from ..materials.models import StoredFile
from ..materials.service import MaterialError, check_file, logged_read, store_file
from ..notifications.outbox import enqueue
from ..projects.access import acts_for_owner, project_audience, projects_acted_for
from ..projects.models import PlanItem, Project
from ..servicerequests.service import admins, coordinator_offices, unshared
from ..governance.service import current_calendar as calendar
from ..tracking.stats import to_csv
from . import loop
from .loop import CATEGORIES, DEPARTMENT, FILED, OFFICE, REPORTER, InvalidMove, LoopError, Move, Report
from .models import ProblemAttachment, ProblemEvent, ProblemReport
from .rules import ProblemRules, load_problem_rules

DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
# Texts stored in notifications are Chinese, the product's language of record.
CATEGORY_NAMES = {"beyond_list": "超出清单要求材料", "time_exceeded": "超过办理时限",
                  "refused_without_reason": "无理由拒绝办理", "system_fault": "系统故障", "other": "其他"}
STATUS_NAMES = {"filed": "待受理", "accepted": "已受理", "classified": "已分类", "transferred": "已转办",
                "resolved": "已办结", "feedback": "已反馈", "verified": "已核查", "archived": "已备案"}


def problem_rules() -> ProblemRules:
    """The loop's time limits of the configured rule base."""
    return load_problem_rules(current_app.config.get("RULES_DIR"))


def departments() -> dict[str, Organisation]:
    """The approval departments a report may be transferred to, by code."""
    return {o.code: o for o in db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.department).order_by(Organisation.code))}


def state_of(report: ProblemReport) -> Report:
    """The loop's view of a stored report."""
    return Report(status=report.status, category=report.category, department=report.department,
                  since=report.since, due=report.due, reopened=report.reopened)


def role_on(user: User, report: ProblemReport) -> str | None:
    """``reporter`` for whoever filed it (or acts for the project's owner),
    ``office`` for the 政务服务办 (admins), ``department`` for an officer of
    the department it is transferred to; ``None`` for anyone else."""
    if user.id == report.reporter_id or acts_for_owner(user, report.project):
        return REPORTER
    if user.role == Role.admin:
        return OFFICE
    if user.role == Role.officer and user.organisation is not None and user.organisation.code == report.department:
        return DEPARTMENT
    return None


def report_for(user: User, report_id: int) -> ProblemReport:
    """The report if ``user`` has a part in it; 404 otherwise, as for one that does not exist."""
    report = db.session.get(ProblemReport, report_id)
    if report is None or role_on(user, report) is None:
        raise NotFound()
    return report


def problems_for(user: User) -> list[ProblemReport]:
    """The reports ``user`` sees, newest first: the office all of them, a
    department those transferred to it, everyone else those they filed or
    that concern a project they act for."""
    query = select(ProblemReport).order_by(ProblemReport.id.desc())
    if user.role == Role.admin:
        return list(db.session.scalars(query))
    if user.role == Role.officer:
        code = user.organisation.code if user.organisation else None
        return list(db.session.scalars(query.where(ProblemReport.department == code)))
    return list(db.session.scalars(query.where(or_(ProblemReport.reporter_id == user.id,
                                                   ProblemReport.project_id.in_(projects_acted_for(user))))))


def file_problem(user: User, project_id: Any, category: Any, description: Any, item_id: Any = None,
                 today: dt.date | None = None, attachments: Sequence[Upload] = ()) -> ProblemReport:
    """File a report on a project the user acts for (or one of its items),
    with ``attachments`` (filename, bytes). Raises :class:`InvalidMove`
    (400) naming every bad field (``attachments``: a file that is empty or
    not a PDF, JPEG or PNG), :class:`AttachmentRefused` (413) for a file too
    large; nothing is stored then. The office is told, in the same transaction."""
    today = today or dt.date.today()
    fields: dict[str, list[str]] = {}
    content_types = []
    for _, data in attachments:
        try:
            content_types.append(_checked_attachment(data))
        except AttachmentRefused as exc:
            if exc.status != 400:
                raise
            fields.setdefault("attachments", []).extend(exc.fields["attachments"])
    project = db.session.get(Project, project_id) if isinstance(project_id, int) else None
    if project is None or not acts_for_owner(user, project):
        fields["project_id"] = ["no such project of yours"]
    item = db.session.get(PlanItem, item_id) if isinstance(item_id, int) else None
    if item_id is not None and (item is None or project is None or item.project_id != project.id):
        fields["item_id"] = ["no such item of this project"]
    if category not in CATEGORIES:
        fields["category"] = ["one of: " + ", ".join(CATEGORIES)]
    text = description.strip() if isinstance(description, str) else ""
    if not text:
        fields["description"] = ["required"]
    elif len(text) > DESCRIPTION_MAX:
        fields["description"] = [f"at most {DESCRIPTION_MAX} characters"]
    if fields:
        raise InvalidMove("invalid", "the report has invalid fields", fields=fields)
    due = loop.step_deadline(FILED, today, problem_rules().limits, calendar())
    report = ProblemReport(project=project, item=item, reporter=user, category=category, description=text,
                           status=FILED, since=today, due=due)
    report.events.append(ProblemEvent(actor_id=user.id, happened_on=today, to_status=FILED, note=text, due=due))
    db.session.add(report)
    db.session.flush()
    for (filename, data), content_type in zip(attachments, content_types):
        _store_attachment(report, user, filename, data, content_type)
    record_act(user, project, "problem", f"#{report.id}（{CATEGORY_NAMES[category]}）：{text[:200]}",
               {"problem_id": report.id})
    enqueue("problem_filed", f"新的办不成事反映：{project.name}",
            f"{user.display_name}反映（{CATEGORY_NAMES[category]}）：{text}\n受理期限：{due.isoformat()}",
            organisations=coordinator_offices(), users=admins(), link=f"/problems/{report.id}",
            payload={"problem": problem_json(report)}, key=f"problem{report.id}:filed")
    db.session.commit()
    return report


#: An uploaded file: its name and its bytes.
Upload = tuple[str, bytes]


class AttachmentRefused(LoopError):
    """A file that cannot be attached; ``status`` 400 (empty, not a PDF,
    JPEG or PNG by its content), 413 (too large), 403 (not the reporter's
    side) or 409 (the report is archived)."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(code, message, fields=fields)
        self.status = status


def _checked_attachment(data: bytes) -> str:
    """The file's content type, checked as a material's is (size, content)."""
    try:
        return check_file(data)
    except MaterialError as exc:
        raise AttachmentRefused(exc.status, exc.code, exc.message,
                                {"attachments": [m for ms in exc.fields.values() for m in ms]}) from None


def _store_attachment(report: ProblemReport, user: User, filename: str, data: bytes,
                      content_type: str) -> ProblemAttachment:
    stored = store_file(report.project, filename, data, content_type, user)
    db.session.flush()
    attachment = ProblemAttachment(report_id=report.id, file_id=stored.id, attached_by_id=user.id)
    report.attachments.append(attachment)
    return attachment


def attach(user: User, report_id: int, filename: str, data: bytes) -> ProblemAttachment:
    """The reporter's side (the reporter, its company, the agent holding the
    project) attaches a file to an open report: checked and stored like a
    material. 404 for anyone without a part in the report."""
    report = report_for(user, report_id)
    if role_on(user, report) != REPORTER:
        raise AttachmentRefused(403, "forbidden", "only the reporter's side attaches files")
    if report.status == loop.ARCHIVED:
        raise AttachmentRefused(409, "archived", "the report is closed into the ledger")
    attachment = _store_attachment(report, user, filename, data, _checked_attachment(data))
    db.session.flush()
    record_act(user, report.project, "problem", f"#{report.id} 附件：{attachment.file.filename}",
               {"problem_id": report.id, "file_id": attachment.file_id})
    db.session.commit()
    return attachment


def read_attachment(user: User, report_id: int, file_id: int) -> tuple[StoredFile, bytes]:
    """An attachment of the report and its bytes (logged), for whoever has a
    part in the report; 404 otherwise, exactly as for one that does not exist."""
    report = report_for(user, report_id)
    attachment = next((a for a in report.attachments if a.file_id == file_id), None)
    if attachment is None:
        raise NotFound()
    return attachment.file, logged_read(user, attachment.file, "problem")


def move(user: User, report_id: int, to: str, note: str | None = None, department: str | None = None,
         category: str | None = None, satisfied: bool | None = None, today: dt.date | None = None) -> ProblemReport:
    """Move a report one step round the loop on behalf of ``user`` (404 when
    they have no part in it). Raises :class:`LoopError`: 409 for an illegal
    move (also when someone else moved it first), 403 for another party's
    move, 400 for missing inputs. Whoever acts next is told."""
    report = report_for(user, report_id)
    actor = role_on(user, report)
    on = today or dt.date.today()
    before = state_of(report)
    clean_note = (note or "").strip()[:NOTE_MAX] or None
    after = loop.apply_move(before, Move(to=to, actor=actor, on=on, note=clean_note, department=department,
                                         category=category, satisfied=satisfied),
                            problem_rules().limits, calendar(), tuple(departments()))
    # Conditional update: of two people acting at once only one finds the state it read.
    changed = db.session.execute(
        update(ProblemReport).where(ProblemReport.id == report.id, ProblemReport.status == before.status)
        .values(status=after.status, category=after.category, department=after.department, since=after.since,
                due=after.due, reopened=after.reopened, reminded_at=None, escalated_at=None,
                closed_on=on if after.status == loop.ARCHIVED else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(report)
        raise loop.IllegalMove("conflict", f"the report was moved to {report.status} meanwhile",
                               allowed=loop.allowed_moves(state_of(report), actor))
    event = ProblemEvent(report_id=report.id, actor_id=user.id, happened_on=on, from_status=before.status,
                         to_status=after.status, note=clean_note, satisfied=satisfied if to == loop.FEEDBACK else None,
                         department=after.department if after.department != before.department or
                         after.status == loop.TRANSFERRED else None, due=after.due)
    db.session.add(event)
    db.session.flush()
    db.session.refresh(report)
    _notify_move(report, event)
    db.session.commit()
    return report


def _party(report: ProblemReport, role: str) -> dict[str, Any]:
    """The recipients of the party whose step it is, as ``enqueue`` keywords."""
    if role == REPORTER:
        return {"users": _reporter_side(report)}
    if role == DEPARTMENT:
        return {"organisations": [o for o in [departments().get(report.department)] if o]}
    return {"organisations": coordinator_offices(), "users": admins()}


def _reporter_side(report: ProblemReport) -> list[User]:
    """The reporter and whoever hears about the report's project."""
    return list({u.id: u for u in [report.reporter, *project_audience(report.project)]}.values())


def _notify_move(report: ProblemReport, event: ProblemEvent) -> None:
    """Tell the party that acts next — and the reporter's side of every move — what happened."""
    verdict = {True: "（满意）", False: "（不满意，退回部门重新办理）"}.get(event.satisfied, "")
    text = (f"{report.project.name}：办不成事反映 #{report.id} {STATUS_NAMES[event.to_status]}{verdict}。"
            + (f"\n说明：{event.note}" if event.note else "")
            + (f"\n下一步期限：{report.due.isoformat()}" if report.due else ""))
    subject = f"办不成事反映 #{report.id}：{STATUS_NAMES[event.to_status]}"
    nxt = loop.NEXT_ACTOR.get(report.status)
    recipients = _party(report, nxt) if nxt else {}
    users = {u.id: u for u in [*recipients.get("users", []), *_reporter_side(report)]}
    enqueue("problem_moved", subject, text, users=users.values(), organisations=recipients.get("organisations", ()),
            link=f"/problems/{report.id}", payload={"problem": problem_json(report)},
            key=f"problem-event:{event.id}")


# --- reminders and escalation ------------------------------------------------------


def sweep_problems(today: dt.date | None = None) -> int:
    """Remind whoever must act of a step due today, and escalate a step past
    its deadline to the office (督办; for the department's step, the
    department too). Each step is reminded and escalated once. Returns how
    many were escalated."""
    today = today or dt.date.today()
    now = utcnow()
    open_states = tuple(loop.NEXT_ACTOR)
    due_today = db.session.scalars(unshared(select(ProblemReport).where(
        ProblemReport.status.in_(open_states), ProblemReport.due == today, ProblemReport.reminded_at.is_(None)), ProblemReport)).all()
    for report in due_today:
        report.reminded_at = now
        step = problem_rules().steps[loop.allowed_moves(state_of(report))[0]]
        enqueue("problem_reminder", f"今天到期：办不成事反映 #{report.id}（{step.name}）",
                f"{report.project.name}：请在今天内完成“{step.name}”。", link=f"/problems/{report.id}",
                payload={"problem": problem_json(report)}, key=f"problem{report.id}:{report.status}:"
                f"{report.since.isoformat()}:reminder", **_party(report, loop.NEXT_ACTOR[report.status]))
    late = db.session.scalars(unshared(select(ProblemReport).where(
        ProblemReport.status.in_(open_states), ProblemReport.due < today, ProblemReport.escalated_at.is_(None)), ProblemReport)).all()
    for report in late:
        report.escalated_at = now
        nxt = loop.NEXT_ACTOR[report.status]
        step = problem_rules().steps[loop.allowed_moves(state_of(report))[0]]
        report.events.append(ProblemEvent(happened_on=today, kind="escalated", from_status=report.status,
                                          to_status=report.status, due=report.due,
                                          note=f"“{step.name}”超过期限{report.due.isoformat()}，已督办"))
        recipients = _party(report, OFFICE)
        if nxt != OFFICE:
            extra = _party(report, nxt)
            recipients["users"] = [*recipients["users"], *extra.get("users", [])]
            recipients["organisations"] = [*recipients["organisations"], *extra.get("organisations", [])]
        enqueue("problem_escalated", f"督办：办不成事反映 #{report.id}“{step.name}”超期",
                f"{report.project.name}：“{step.name}”应于{report.due.isoformat()}前完成，至今未办。",
                link=f"/problems/{report.id}", payload={"problem": problem_json(report, today)},
                key=f"problem{report.id}:{report.status}:{report.since.isoformat()}:escalated", **recipients)
    db.session.commit()
    return len(late)


# --- reading ------------------------------------------------------------------------


def problem_json(report: ProblemReport, today: dt.date | None = None) -> dict[str, Any]:
    """The API shape of a report."""
    today = today or dt.date.today()
    return {
        "id": report.id, "project_id": report.project_id, "project_name": report.project.name,
        "item_id": report.item_id, "category": report.category, "description": report.description,
        "status": report.status, "department": report.department,
        "due": report.due.isoformat() if report.due else None,
        "overdue": loop.is_overdue(state_of(report), today), "reopened": report.reopened,
        "reporter": report.reporter.username, "filed_on": report.events[0].happened_on.isoformat()
        if report.events else report.since.isoformat(),
        "closed_on": report.closed_on.isoformat() if report.closed_on else None,
        "attachments": [{"id": a.file.id, "filename": a.file.filename, "size": a.file.size,
                         "content_type": a.file.content_type} for a in report.attachments],
    }


def events_json(report: ProblemReport) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(), "on": e.happened_on.isoformat(), "kind": e.kind,
             "actor": e.actor.display_name if e.actor else None, "from_status": e.from_status,
             "to_status": e.to_status, "note": e.note, "department": e.department, "satisfied": e.satisfied,
             "due": e.due.isoformat() if e.due else None} for e in report.events]


@dataclass
class StepTime:
    """One step a report went through: when, how many working days it took
    against its limit, and whether it was late."""

    step: str
    on: dt.date
    working_days: int
    limit: int
    late: bool


@dataclass
class LedgerRow:
    report: ProblemReport
    steps: list[StepTime]
    outcome: str
    overdue: bool


def ledger_row(report: ProblemReport, today: dt.date) -> LedgerRow:
    """A report's path with the working days each step took (from the
    previous step) against its limit."""
    cal, limits = calendar(), problem_rules().limits
    moves = [e for e in report.events if e.kind == "move"]
    steps = []
    for prev, event in zip(moves, moves[1:]):
        step = loop.FEEDBACK if prev.to_status == loop.RESOLVED else event.to_status
        steps.append(StepTime(step, event.happened_on, cal.count_between(prev.happened_on, event.happened_on),
                              limits[step], bool(prev.due and event.happened_on > prev.due)))
    if report.status == loop.ARCHIVED:
        outcome = "solved" if report.reopened == 0 else "solved_after_reopening"
    else:
        outcome = "open"
    return LedgerRow(report, steps, outcome, loop.is_overdue(state_of(report), today))


def ledger(today: dt.date | None = None, department: str | None = None, category: str | None = None) -> list[LedgerRow]:
    """Every report (of one department or category), newest first, with its path and times."""
    today = today or dt.date.today()
    query = select(ProblemReport).order_by(ProblemReport.id.desc())
    if department:
        query = query.where(ProblemReport.department == department)
    if category:
        query = query.where(ProblemReport.category == category)
    return [ledger_row(r, today) for r in db.session.scalars(query)]


@dataclass
class Tally:
    """Counts of one department or category."""

    total: int = 0
    open: int = 0
    overdue: int = 0
    archived: int = 0
    reopened: int = 0
    late_steps: int = 0
    days_to_close: list[int] = field(default_factory=list)

    @property
    def average_days_to_close(self) -> float | None:
        return round(sum(self.days_to_close) / len(self.days_to_close), 1) if self.days_to_close else None


def statistics(rows: Iterable[LedgerRow]) -> dict[str, dict[str, Tally]]:
    """The ledger per department (``—`` before transfer) and per category."""
    cal = calendar()
    out: dict[str, dict[str, Tally]] = {"department": defaultdict(Tally), "category": defaultdict(Tally)}
    for row in rows:
        r = row.report
        for key, tally in (("department", out["department"][r.department or "—"]),
                           ("category", out["category"][r.category])):
            tally.total += 1
            tally.open += r.status != loop.ARCHIVED
            tally.overdue += row.overdue
            tally.archived += r.status == loop.ARCHIVED
            tally.reopened += r.reopened > 0
            tally.late_steps += sum(s.late for s in row.steps)
            if r.closed_on and r.events:
                tally.days_to_close.append(cal.count_between(r.events[0].happened_on, r.closed_on))
    return {k: dict(sorted(v.items())) for k, v in out.items()}


CSV_COLUMNS = ("id", "project", "item", "reporter", "category", "description", "department", "status", "filed_on",
               "due", "overdue", "reopened", "outcome", "closed_on", "path")


def ledger_csv(rows: Iterable[LedgerRow]) -> str:
    """The ledger as CSV (with a BOM for spreadsheets); formula cells escaped.
    ``path`` lists each step as ``step@date(working days/limit)``, ``!`` when late."""
    return "\ufeff" + to_csv(CSV_COLUMNS, [
        [r.id, r.project.name, r.item.name if r.item else "", r.reporter.username, r.category, r.description,
         r.department or "", r.status, r.events[0].happened_on.isoformat() if r.events else "",
         r.due.isoformat() if r.due else "", "yes" if row.overdue else "no", r.reopened, row.outcome,
         r.closed_on.isoformat() if r.closed_on else "",
         " → ".join(f"{s.step}@{s.on.isoformat()}({s.working_days}/{s.limit}{'!' if s.late else ''})"
                    for s in row.steps)]
        for row in rows for r in [row.report]])
