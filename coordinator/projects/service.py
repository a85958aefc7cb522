"""Project operations shared by the owner pages, the JSON API and the CLI.

Each function is one domain operation with an explicit transaction; views
only parse input, call one of these and render the result.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden, NotFound

from ..planning import limits
from ..accounts.models import Role, User
from ..agents.acts import record_act
from ..agents.service import agent_json, offer_to_key_project
from ..extensions import db
from ..compliance.service import last_breach_on
from ..governance.service import current_calendar, current_rules
from ..hookups.service import project_hookups_json, sync_hookups
from ..intermediaries.service import agreed_days, project_requests_json, sync_service_requests
from ..licences.service import licences_by_item
from ..planning import AnswersError, Plan
from ..planning.answers import problem
from ..planning.service import plan_project
from ..companies.service import company_of
from ..tracking.projection import refresh_delays
from ..tracking.service import carry_over, item_json
from .access import acted_for_by, acts_for_owner
from .models import AnswerSet, PlanItem, Project, ProjectPlan, QuestionnaireDraft

NAME_MAX = limits.NAME


class ProjectError(AnswersError):
    """A project request is invalid (its name, or its answers); ``fields``
    names every bad field."""


def check_name(name: Any) -> str:
    """A project name: non-empty text of at most :data:`NAME_MAX` characters."""
    if not isinstance(name, str) or not name.strip():
        raise ProjectError({"name": [problem("required")]})
    if len(name.strip()) > NAME_MAX:
        raise ProjectError({"name": [problem("too_long", max=NAME_MAX)]})
    return name.strip()


def create_project(
    owner: User, name: str, answers: dict[str, Any], land_date: dt.date | None = None,
    commitment: bool = True, today: dt.date | None = None,
) -> Project:
    """Validate, plan and store a new project with its first answer set.

    Raises ``AnswersError`` or :class:`ProjectError` before anything is stored."""
    errors: dict[str, list[str]] = {}
    try:
        name = check_name(name)
    except ProjectError as exc:
        errors.update(exc.fields)
    try:
        plan = plan_project(current_rules(), answers, land_date, commitment, today,
                            commitment_breach_on=last_breach_on(owner.company_id))
    except AnswersError as exc:
        errors.update(exc.fields)
    if errors:
        raise ProjectError(errors)
    project = Project(owner=owner, company=company_of(owner), name=name,
                      district=str(plan.answers.get("district") or ""))
    db.session.add(project)
    _store_plan(project, owner, answers, land_date, commitment, plan)
    sync_hookups(project, plan, today)
    sync_service_requests(project, plan, today)
    offer_to_key_project(project, plan, today)
    db.session.flush()
    refresh_delays(project, current_calendar(), today)
    db.session.execute(db.delete(QuestionnaireDraft).where(QuestionnaireDraft.owner_id == owner.id))
    db.session.commit()
    return project


def revise_project(
    project: Project, user: User, answers: dict[str, Any], land_date: dt.date | None,
    commitment: bool = True, today: dt.date | None = None,
) -> ProjectPlan:
    """Store a new version of the answers and its plan; older ones are kept.
    Only the owner, or its agent when granted ``answers``, may (403)."""
    if not acts_for_owner(user, project, "answers"):
        raise Forbidden()
    plan = plan_project(current_rules(), answers, land_date, commitment, today, agreed_days(project),
                        commitment_breach_on=last_breach_on(project.company_id))
    previous = project.current_plan
    stored = _store_plan(project, user, answers, land_date, commitment, plan)
    carry_over(previous, stored)
    project.district = str(plan.answers.get("district") or "")
    sync_hookups(project, plan, today)
    sync_service_requests(project, plan, today)
    offer_to_key_project(project, plan, today)
    record_act(user, project, "answers", f"第 {len(project.answer_sets)} 版答案", {"version": len(project.answer_sets)})
    db.session.flush()
    refresh_delays(project, current_calendar(), today)
    db.session.commit()
    return stored


def planning_inputs(project: Project) -> dict[str, Any]:
    """What the project's plan is made from besides the rule base and the
    day: its current answers, land date and 告知承诺 choice, the working
    days agreed with its agencies and its company's last broken commitment
    (the keyword arguments of ``plan_project`` and of ``ImpactCase``)."""
    answers = project.current_answers
    return {"answers": answers.answers, "land_date": answers.land_date, "commitment": answers.commitment,
            "agreed_days": agreed_days(project), "commitment_breach_on": last_breach_on(project.company_id)}


def what_if(project: Project, land_date: dt.date | None, today: dt.date | None = None) -> Plan:
    """The project's plan for another land date; nothing is stored."""
    return plan_project(current_rules(), **{**planning_inputs(project), "land_date": land_date}, today=today)


def planned_anew(project: Project, today: dt.date | None = None) -> Plan:
    """The plan of the project's current answers under the rule base in
    force (:func:`planning_inputs`); nothing is stored
    (:class:`AnswersError` when the rule base no longer accepts the answers)."""
    return plan_project(current_rules(), **planning_inputs(project), today=today)


def _replan(project: Project, today: dt.date | None) -> tuple[Plan, ProjectPlan]:
    plan = planned_anew(project, today)
    return plan, _plan_row(project, project.current_answers, plan)


def reschedule(project: Project, today: dt.date | None = None) -> ProjectPlan:
    """A new plan for the project's current answers under the rule base in
    force that continues the tracking of the current one (the answers keep
    their version): after a new rule base, working days agreed since (an
    awarded quote) or a revoked approval (the company's record may now bar
    告知承诺). Part of the caller's transaction."""
    previous = project.current_plan
    plan, stored = _replan(project, today)
    carry_over(previous, stored)
    sync_hookups(project, plan, today)
    db.session.flush()
    refresh_delays(project, current_calendar(), today)
    return stored


def _store_plan(project, user, answers, land_date, commitment, plan: Plan) -> ProjectPlan:
    version = len(project.answer_sets) + 1
    answer_set = AnswerSet(project=project, version=version, answers=answers, land_date=land_date,
                           commitment=commitment, created_by_id=user.id)
    db.session.add(answer_set)
    return _plan_row(project, answer_set, plan)


def _plan_row(project: Project, answer_set: AnswerSet, plan: Plan) -> ProjectPlan:
    stored = ProjectPlan(
        project=project, answer_set=answer_set, rule_base_version=plan.rules.version,
        rule_base_digest=plan.rules.digest, planned_on=plan.start_date, plan=plan.to_json(),
        land_day_eligible=plan.eligibility.eligible, total_working_days=plan.total_working_days,
    )
    db.session.add(stored)
    for position, p in enumerate(plan.items):
        if p.item.kind == "milestone":
            continue
        stored.items.append(PlanItem(
            project=project, position=position, code=p.code, name=p.item.name, kind=p.item.kind,
            stage=p.item.stage, department=p.department or "", mode=p.mode, days=p.days,
            planned_start=p.start, planned_finish=p.finish, due_date=p.finish,
            project_type=str(plan.answers.get("project_type") or ""),
        ))
    return stored


def project_for(user: User, project_id: int) -> Project:
    """The project if ``user`` may see it: its owner, an officer whose
    department has an item in it, or an admin. Anything else is 404."""
    project = db.session.get(Project, project_id, options=[joinedload(Project.company)])
    if project is None:
        raise NotFound()
    if user.role == Role.admin or acts_for_owner(user, project):
        return project
    if user.role == Role.officer and user.organisation is not None:
        plan = project.current_plan
        if plan and any(i.department == user.organisation.code for i in plan.items):
            return project
    raise NotFound()


@dataclass
class ProjectSummary:
    project: Project
    eligible: bool
    total_working_days: int
    next_item: PlanItem | None
    done: int
    total: int


def projects_of(owner: User) -> list[ProjectSummary]:
    """The projects of the owner's company, newest first, with status and next due item."""
    projects = db.session.scalars(select(Project).where(acted_for_by(owner)).order_by(Project.id.desc())).all()
    out = []
    for project in projects:
        plan = project.current_plan
        items = plan.items if plan else []
        open_items = [i for i in items if i.status != "approved"]
        next_item = min(open_items, key=lambda i: (i.due_date or dt.date.max, i.position), default=None)
        out.append(ProjectSummary(project, plan.land_day_eligible if plan else False,
                                  plan.total_working_days if plan else 0, next_item,
                                  len(items) - len(open_items), len(items)))
    return out


def project_json(project: Project) -> dict[str, Any]:
    """The API shape of a project (SPEC §4.4)."""
    plan = project.current_plan
    licences = licences_by_item(project.id)
    answers = project.current_answers
    cal, today = current_calendar(), dt.date.today()
    return {
        "id": project.id,
        "name": project.name,
        "answers": answers.answers if answers else {},
        "land_date": answers.land_date.isoformat() if answers and answers.land_date else None,
        "version": answers.version if answers else 0,
        "plan": plan.plan if plan else None,
        "rule_base_version": plan.rule_base_version if plan else None,
        "items": [
            {"id": i.id, "code": i.code, "name": i.name, "status": i.status, "department": i.department,
             "due_date": i.due_date.isoformat() if i.due_date else None, **item_json(i, cal, today, licences.get(i.id))}
            for i in (plan.items if plan else [])
        ],
        "hookups": project_hookups_json(project),
        "agent": agent_json(project),
        "service_requests": project_requests_json(project),
    }


def save_draft(owner: User, name: str, answers: dict[str, Any], land_date: dt.date | None) -> None:
    """Keep the owner's unfinished questionnaire so they can come back to it."""
    draft = db.session.scalar(select(QuestionnaireDraft).where(QuestionnaireDraft.owner_id == owner.id))
    if draft is None:
        draft = QuestionnaireDraft(owner_id=owner.id)
        db.session.add(draft)
    draft.name, draft.answers, draft.land_date = (name or "")[:NAME_MAX], answers, land_date
    db.session.commit()


def draft_of(owner: User) -> QuestionnaireDraft | None:
    return db.session.scalar(select(QuestionnaireDraft).where(QuestionnaireDraft.owner_id == owner.id))
