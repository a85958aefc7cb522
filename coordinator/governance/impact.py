"""Which stored projects a rule-base version changes, and re-planning them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import User
from ..audit.service import record
from ..extensions import db
from ..notifications.outbox import enqueue
from ..planning import AnswersError
from .bundles import ImpactCase, PlanDiff, compare_plans, impact, with_calendar_days
from ..projects.access import project_audience
from ..projects.models import Project, ProjectPlan
from ..projects.service import planned_anew, planning_inputs, reschedule
from ..tracking.lifecycle import NOT_SUBMITTED
from .models import RuleBaseVersion
from .service import calendar_days, current_rules, version_rules


@dataclass
class ProjectImpact:
    project: Project
    diff: PlanDiff


def _projects() -> list[Project]:
    return [p for p in db.session.scalars(select(Project).order_by(Project.id)) if p.current_answers]


def _case(project: Project) -> ImpactCase:
    return ImpactCase(project.id, **planning_inputs(project))


def preview_impact(version: RuleBaseVersion, today: dt.date | None = None) -> list[ProjectImpact]:
    """The projects whose plan (items, durations or total) would change if
    ``version`` replaced the rule base in force, both planned on ``today``."""
    today = today or dt.date.today()
    new = with_calendar_days(version_rules(version), calendar_days())
    projects = {p.id: p for p in _projects()}
    diffs = impact(current_rules(), new, [_case(p) for p in projects.values()], today)
    return [ProjectImpact(projects[d.key], d) for d in diffs]


def stale_projects(today: dt.date | None = None) -> list[ProjectImpact]:
    """The projects whose stored plan was made with another rule-base version
    and whose plan under the rule base in force differs from it. A new plan
    that cannot be made — the answers are no longer valid, or an item
    already under way (submitted, decided) would leave the plan — is the
    diff's ``error``: such a project keeps its plan and its tracking."""
    rules = current_rules()
    today = today or dt.date.today()
    out = []
    for project in _projects():
        stored = project.current_plan
        if stored is None or stored.rule_base_version == rules.version and stored.rule_base_digest == rules.digest:
            continue
        try:
            new_plan = planned_anew(project, today)
        except AnswersError as exc:
            new_plan = "answers no longer valid: " + ", ".join(sorted(exc.fields))
        else:
            dropped = sorted(i.code for i in stored.items if i.status != NOT_SUBMITTED and i.code not in new_plan.codes)
            if dropped:
                new_plan = "items under way would leave the plan: " + ", ".join(dropped)
        diff = compare_plans(project.id, stored.plan, new_plan)
        if diff.changed:
            out.append(ProjectImpact(project, diff))
    return out


def replan_stale_projects(admin: User, today: dt.date | None = None) -> list[ProjectImpact]:
    """Give every stale project (see :func:`stale_projects`) a new plan under
    the rule base in force, audited, in one transaction (projects whose
    answers the new rule base rejects, or whose items under way it drops,
    keep their plan). Items under way move to the new plan with their
    tracking; hookups and the queue's delay costs follow the new plan.

    Each owner is told (through the outbox, in the same transaction) what
    changed in their plan."""
    impacts = [i for i in stale_projects(today) if not i.diff.error]
    for item in impacts:
        stored = reschedule(item.project, today)
        record(admin, "project_plan", item.project.id, "replan",
               {"total_working_days": item.diff.total_before},
               {"total_working_days": stored.total_working_days, "rule_base_version": stored.rule_base_version,
                "added": item.diff.added, "removed": item.diff.removed})
        _notify_owner(item, stored)
    db.session.commit()
    return impacts


def _notify_owner(impact: ProjectImpact, stored: ProjectPlan) -> None:
    """Tell whoever hears about a project that the new rule base changed their plan."""
    project, diff = impact.project, impact.diff
    lines = [f"{project.name}的审批计划已按新规则（{stored.rule_base_version}）重新编排：",
             f"总工期 {diff.total_before} → {stored.total_working_days} 个工作日。"]
    if diff.added:
        lines.append("新增事项：" + "、".join(diff.added))
    if diff.removed:
        lines.append("取消事项：" + "、".join(diff.removed))
    if diff.departments_changed:
        lines.append("办理部门变化：" + "、".join(f"{c}（{a or '—'} → {b or '—'}）" for c, a, b in diff.departments_changed))
    enqueue("plan_replanned", f"审批计划已更新：{project.name}", "\n".join(lines), users=project_audience(project),
            link=f"/owner/projects/{project.id}",
            payload={"project_id": project.id, "plan_id": stored.id, "total_before": diff.total_before,
                     "total_after": stored.total_working_days, "added": list(diff.added),
                     "removed": list(diff.removed)},
            key=f"replan:{stored.id}")
