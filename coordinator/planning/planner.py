"""Answers → dependency graph → critical-path schedule on working days.

Pure functions over plain data: no web framework, no database.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from calendar import monthrange
from dataclasses import dataclass, field
from typing import Any, Mapping

import networkx as nx

from . import limits
from .answers import AnswersError, validate_answers
from .calendar import DayIndex, WorkingCalendar
from .conditions import Condition
from .rulebase import LAND_DAY_FACT, LAND_MILESTONES, Basis, Item, Material, RuleBase

LAND_CONTRACT = "land_contract"
CONSTRUCTION_START = "construction_start"
CONSTRUCTION_COMPLETE = "construction_complete"
CONSTRUCTION_PERMIT = "construction_permit"
CONSTRUCTION_DAYS = "construction_working_days"
NO_CONSTRUCTION_TIME_WARNING = (
    "未填写预计施工工期：竣工验收阶段及之后的日期不含施工时间，实际会更晚"
    "（no construction period answered: completion-stage dates do not include construction time）"
)


#: Where an item's days come from: the rule base's committed time limit or
#: the durations observed in the records (:mod:`coordinator.tracking.durations`).
COMMITTED = "committed"
OBSERVED = "observed"
DAYS_SOURCES = (COMMITTED, OBSERVED)


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: the land date, the planning date, whether to use 告知承诺,
    working days agreed outside the rule base (item code → days, e.g. the
    awarded quote of an agency writing a report), when the owner last broke a
    告知承诺 commitment (``commitment_breach_on``: no 告知承诺 for the rule
    base's breach period after it) and observed working days by item code to
    use instead of the committed ones."""

    land_date: dt.date | None = None
    today: dt.date | None = None
    commitment: bool = True
    agreed_days: Mapping[str, int] = field(default_factory=dict)
    commitment_breach_on: dt.date | None = None
    observed_days: Mapping[str, int] | None = None


@dataclass
class Eligibility:
    """拿地即开工 eligibility with the reason behind each criterion."""

    eligible: bool
    reasons: list[str]
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class PlannedItem:
    """One node of the plan with its schedule (offsets in working days)."""

    item: Item
    mode: str
    days: int
    requires: list[str]
    because: list[str]
    modes: list[str]
    lag: int = 0
    department: str | None = None
    basis: list[str] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    days_source: str = COMMITTED
    es: int = 0
    ef: int = 0
    ls: int = 0
    lf: int = 0
    start: dt.date | None = None
    finish: dt.date | None = None

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def slack(self) -> int:
        return self.ls - self.es

    @property
    def critical(self) -> bool:
        return self.slack == 0


@dataclass
class Plan:
    """A scheduled plan; :meth:`to_json` gives the public plan JSON (SPEC §4.3)."""

    rules: RuleBase
    answers: dict[str, Any]
    facts: dict[str, bool]
    eligibility: Eligibility
    land_date: dt.date | None
    start_date: dt.date
    items: list[PlannedItem]
    graph: nx.DiGraph
    critical_path: list[str]
    parallel_groups: list[list[str]]
    total_working_days: int
    serial_working_days: int
    warnings: list[str]
    excluded: list[dict[str, Any]]
    commitment: bool
    government_working_days: int = 0
    to_permit_working_days: int | None = None
    parallel_review_working_days: int = 0
    construction_working_days: int = 0
    notices: list[dict[str, Any]] = field(default_factory=list)
    land_code: str | None = None

    def item(self, code: str) -> PlannedItem:
        return next(p for p in self.items if p.code == code)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.items]

    @property
    def days_before_land(self) -> int | None:
        land = self.graph.nodes.get(self.land_code) if self.land_code else None
        return land["planned"].es if land else None

    @property
    def saved_working_days(self) -> int:
        """Serial review time minus the same reviews run in parallel (like with like)."""
        return self.serial_working_days - self.parallel_review_working_days

    @property
    def construction_counted(self) -> bool:
        """Whether completion-stage dates include a construction period."""
        return self.construction_working_days > 0 or CONSTRUCTION_COMPLETE not in self.graph

    @property
    def end_date(self) -> dt.date:
        return max(p.finish for p in self.items)

    def to_json(self) -> dict[str, Any]:
        stages, departments = self.rules.stages, self.rules.departments
        return {
            "land_day_start": {"eligible": self.eligibility.eligible, "reasons": list(self.eligibility.reasons)},
            "land_date": self.land_date.isoformat() if self.land_date else None,
            "items": [
                {
                    "code": p.code,
                    "name": p.item.name,
                    "name_en": p.item.name_en,
                    "kind": p.item.kind,
                    "stage": p.item.stage,
                    "stage_name": stages[p.item.stage].name,
                    "department": p.department or "",
                    "department_name": departments[p.department].name if p.department else "",
                    "days": p.days,
                    "days_source": p.days_source,
                    "requires": list(p.requires),
                    "mode": p.mode,
                    "modes": list(p.modes),
                    "start": p.start.isoformat(),
                    "finish": p.finish.isoformat(),
                    "slack": p.slack,
                    "critical": p.critical,
                    "legal_days": p.item.legal_days,
                    "committed_days": p.item.committed_days,
                    "lag": p.lag,
                    "utility": p.item.utility,
                    "party": p.item.party,
                    "service": p.item.service,
                    "delivers": p.item.delivers,
                    "review": p.item.review,
                    "because": list(p.because),
                    "basis": list(p.basis),
                    "consulted": list(p.item.consulted.departments) if p.item.consulted else [],
                    "consulted_days": p.item.consulted.working_days if p.item.consulted else None,
                    "materials": [
                        {"name": m.name, "essential": m.essential, "note": m.note} for m in p.materials
                    ],
                }
                for p in self.items
            ],
            "parallel_groups": [list(g) for g in self.parallel_groups],
            "critical_path": list(self.critical_path),
            "total_working_days": self.total_working_days,
            "serial_working_days": self.serial_working_days,
            "warnings": list(self.warnings),
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "days_before_land": self.days_before_land,
            "government_working_days": self.government_working_days,
            "to_permit_working_days": self.to_permit_working_days,
            "parallel_review_working_days": self.parallel_review_working_days,
            "construction_working_days": self.construction_working_days,
            "construction_counted": self.construction_counted,
            "notices": [dict(n) for n in self.notices],
            "saved_working_days": self.saved_working_days,
            "commitment": self.commitment,
            "excluded": list(self.excluded),
            "rule_base": {"version": self.rules.version, "digest": self.rules.digest},
        }


def evaluate_facts(
    rules: RuleBase, answers: Mapping[str, Any], options: PlanOptions = PlanOptions()
) -> tuple[dict[str, bool], Eligibility]:
    """Derive the rule base's facts from validated answers (and the planning
    options, e.g. ``commitment``), in dependency order."""
    facts: dict[str, bool] = {"commitment": options.commitment}
    eligibility = Eligibility(False, [])
    for name in rules.fact_order:
        fact = rules.facts[name]
        if fact.condition is not None:
            facts[name] = fact.condition(answers, facts)
            continue
        passed, failed = [], []
        for c in fact.criteria:
            if c.condition(answers, facts):
                passed.append(_fill(c.passed, rules, answers))
            else:
                failed.append(_fill(c.failed, rules, answers))
        facts[name] = not failed
        if name == LAND_DAY_FACT:
            eligibility = Eligibility(not failed, failed or passed, passed, failed)
    return facts, eligibility


def explain(rules: RuleBase, condition: Condition, answers: Mapping[str, Any], facts: Mapping[str, bool]) -> list[str]:
    """What a condition read, in the owner's words: ``建筑高度：60 m``,
    ``特殊建设工程…`` or ``不属于：社会投资简易低风险工程``."""
    out = []
    for kind, name in condition.reasons(answers, facts):
        if kind == "answer":
            q = rules.questions[name]
            value = answers.get(name)
            shown = f"{value:g} {q.unit}".strip() if q.type == "number" and value is not None else q.label_of(value)
            out.append(f"{q.text}：{shown}")
        else:
            title = rules.facts[name].title if name in rules.facts else "采用告知承诺方式办理"
            out.append(title if facts.get(name) else f"不属于：{title}")
    return out


def _fill(template: str, rules: RuleBase, answers: Mapping[str, Any]) -> str:
    """Put the chosen options' labels into a reason: ``{project_type}``."""
    return template.format_map(_Labels(rules, answers)) if "{" in template else template


class _Labels(dict):
    """The label of each question's answer, looked up as ``str.format_map`` asks."""

    def __init__(self, rules: RuleBase, answers: Mapping[str, Any]):
        super().__init__()
        self.rules, self.answers = rules, answers

    def __missing__(self, key):
        q = self.rules.questions.get(key)
        return q.label_of(self.answers.get(key)) if q else "{" + key + "}"


def working_calendar(rules: RuleBase) -> WorkingCalendar:
    """The working-day calendar with the rule base's own corrections."""
    return WorkingCalendar(rules.calendar.holidays, rules.calendar.workdays, rules.calendar.years)


def make_plan(
    rules: RuleBase,
    answers: Any,
    options: PlanOptions = PlanOptions(),
    calendar: WorkingCalendar | None = None,
) -> Plan:
    """Validate ``answers`` and build the scheduled plan.

    Raises :class:`~coordinator.planning.answers.AnswersError` on bad
    answers, and on a land date or planning date outside the dates the
    calendar plans (:data:`coordinator.planning.limits.EARLIEST_DATE` … ``LATEST_DATE``)."""
    dates = {"land_date": options.land_date, "today": options.today}
    problems = {name: [limits.date_problem(d)] for name, d in dates.items() if d and limits.date_problem(d)}
    if problems:
        raise AnswersError(problems)
    flat = validate_answers(rules, answers)
    today = options.today or dt.date.today()
    warnings: list[str] = []
    barred_until = commitment_barred_until(rules, options.commitment_breach_on)
    if options.commitment and barred_until is not None and today < barred_until:
        options = dataclasses.replace(options, commitment=False)
        warnings.append(
            f"{options.commitment_breach_on} 告知承诺核查未通过，{barred_until} 前新办事项不适用告知承诺，按一般程序办理"
            f"（a broken commitment on {options.commitment_breach_on}: standard procedure until {barred_until}）"
        )
    facts, eligibility = evaluate_facts(rules, flat, options)
    calendar = calendar or working_calendar(rules)

    in_force = {c: i for c, i in rules.items.items() if i.in_force(today)}
    applies = {c: i for c, i in in_force.items() if i.applies_if is None or i.applies_if(flat, facts)}
    land_code = next((c for c in LAND_MILESTONES if c in applies), None)
    land_in_plan = land_code is not None
    graph = nx.DiGraph()
    planned: dict[str, PlannedItem] = {}
    for code, item in applies.items():
        mode, days, modes, days_basis = _choose_mode(item, flat, facts, eligibility.eligible and land_in_plan,
                                                     options.commitment)
        source = COMMITTED
        if item.days_answer and flat.get(item.days_answer) is not None and mode not in ("land_day", "milestone"):
            days = int(flat[item.days_answer])
        elif mode == "standard" and options.observed_days and code in options.observed_days:
            days, source = int(options.observed_days[code]), OBSERVED
        if code in options.agreed_days:
            days, source = options.agreed_days[code], COMMITTED
        because = explain(rules, item.applies_if, flat, facts) if item.applies_if else []
        reasons = [r.text for r in item.why if _holds(r.condition, flat, facts)]
        because += reasons or ([] if because or item.why else ["适用于所有项目（every project）"])
        department, department_basis = _route(item, flat, facts)
        basis = [str(b) for b in item.basis if _holds(b.condition, flat, facts)]
        basis += [str(b) for b in days_basis + department_basis if _holds(b.condition, flat, facts)]
        requires = [r.item for r in item.requires if r.item in applies and (r.condition is None or r.condition(flat, facts))]
        lag = int(flat.get(item.lag_answer) or 0) if item.lag_from in requires else 0
        planned[code] = PlannedItem(
            item, mode, days, requires, because, modes, lag, department,
            list(dict.fromkeys(basis)), [m for m in item.materials if _holds(m.condition, flat, facts)], source,
        )
        graph.add_node(code, planned=planned[code])
    for code, p in planned.items():
        for req in p.requires:
            graph.add_edge(req, code, lag=p.lag if req == p.item.lag_from else 0)

    if land_in_plan and eligibility.eligible:
        _anchor_land_contract(graph, planned, land_code)
    order = _schedule(graph)

    total = max((p.ef for p in planned.values()), default=0)
    origin = calendar.next_workday(today)
    land_date = options.land_date
    if land_date is not None:
        if not land_in_plan:
            warnings.append("土地已取得，忽略所填拿地日期（land already owned: the land date is ignored）")
            land_date = None
        else:
            land_day = calendar.next_workday(land_date)
            if land_day != land_date:
                warnings.append(
                    f"拿地日期 {land_date} 不是工作日，按下一个工作日 {land_day} 安排"
                    f"（the land date is not a working day; planned on {land_day}）"
                )
            origin = calendar.shift(land_day, -planned[land_code].es)
            if origin < calendar.next_workday(today):
                late = calendar.count_between(origin, calendar.next_workday(today))
                warnings.append(
                    f"要在 {land_day} 拿地即开工，前期手续应于 {origin} 启动，已晚 {late} 个工作日"
                    f"（to meet the land date the work should have started on {origin}, {late} working days ago）"
                )
    index = DayIndex(calendar, origin, total + 1)
    for p in planned.values():
        p.start = index.date(p.es)
        p.finish = index.date(p.ef - 1) if p.days > 0 else p.start
    construction_days = planned[CONSTRUCTION_COMPLETE].lag if CONSTRUCTION_COMPLETE in planned else 0
    if CONSTRUCTION_COMPLETE in planned and construction_days == 0:
        warnings.append(NO_CONSTRUCTION_TIME_WARNING)
    warnings.extend(calendar.warnings())

    stage_order = {c: s.order for c, s in rules.stages.items()}
    rule_order = {c: i for i, c in enumerate(rules.items)}
    items = sorted(planned.values(), key=lambda p: (p.es, stage_order[p.item.stage], rule_order[p.code]))
    groups: dict[int, list[str]] = {}
    for p in items:
        if p.item.kind != "milestone":
            groups.setdefault(p.es, []).append(p.code)
    excluded = [
        {"code": c, "name": i.name, "because": explain(rules, i.applies_if, flat, facts)}
        for c, i in in_force.items()
        if c not in applies
    ]
    critical_path = _critical_path(graph, total, rule_order)
    reviews = {c: p.days for c, p in planned.items() if p.item.review}
    if CONSTRUCTION_PERMIT in planned:
        to_permit: int | None = planned[CONSTRUCTION_PERMIT].ef
    elif CONSTRUCTION_START in planned:
        to_permit = planned[CONSTRUCTION_START].es
    else:
        to_permit = None
    return Plan(
        rules=rules,
        answers=flat,
        facts=facts,
        eligibility=eligibility,
        land_date=land_date,
        start_date=index.date(0),
        items=items,
        graph=graph,
        critical_path=critical_path,
        parallel_groups=list(groups.values()),
        total_working_days=total,
        serial_working_days=sum(reviews.values()),
        warnings=warnings,
        excluded=excluded,
        commitment=options.commitment,
        government_working_days=sum(reviews.get(c, 0) for c in critical_path),
        to_permit_working_days=to_permit,
        parallel_review_working_days=_longest_path(graph, order, reviews),
        construction_working_days=construction_days,
        notices=_notices(rules, flat, facts),
        land_code=land_code,
    )


def commitment_barred_until(rules: RuleBase, breach_on: dt.date | None) -> dt.date | None:
    """The day a company whose 告知承诺 commitment broke on ``breach_on`` may
    use 告知承诺 again (the rule base's breach period later); ``None`` without a breach."""
    if breach_on is None or rules.commitment_breach is None:
        return None
    months = breach_on.month - 1 + rules.commitment_breach.months
    year, month = breach_on.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(breach_on.day, monthrange(year, month)[1]))


def _holds(condition: Condition | None, answers, facts) -> bool:
    return condition is None or condition(answers, facts)


def _route(item: Item, answers, facts) -> tuple[str | None, tuple[Basis, ...]]:
    """The department that handles ``item`` for this project (zones, levels)."""
    for rule in item.department_if:
        if rule.condition(answers, facts):
            return rule.department, rule.basis
    return item.department, ()


def _notices(rules: RuleBase, answers, facts) -> list[dict[str, Any]]:
    """What the project's classifications mean, in words, for each fact that holds."""
    return [
        {"fact": name, "title": fact.title, "text": fact.notice,
         "basis": [str(b) for b in fact.basis if _holds(b.condition, answers, facts)]}
        for name in rules.fact_order
        if (fact := rules.facts[name]).notice and facts.get(name)
    ]


def _longest_path(graph: nx.DiGraph, order: list[str], weights: Mapping[str, int]) -> int:
    """The longest chain through ``graph`` (in topological ``order``) counting only ``weights`` (others 0)."""
    finish: dict[str, int] = {}
    pred = graph.pred
    for code in order:
        start = max((finish[q] for q in pred[code]), default=0)
        finish[code] = start + weights.get(code, 0)
    return max(finish.values(), default=0)


def _choose_mode(item: Item, answers, facts, land_day: bool,
                 commitment: bool) -> tuple[str, int, list[str], tuple[Basis, ...]]:
    """Pick the fastest mode the item allows for this project; also the basis
    of a conditional time limit when one applies."""
    modes = [m.mode for m in item.modes if m.condition is None or m.condition(answers, facts)]
    if item.kind == "milestone":
        return "milestone", item.committed_days, modes, ()
    if item.kind == "preparation":
        return "preparation", item.committed_days, modes, ()
    if land_day and "land_day" in modes:
        return "land_day", 0, modes, ()
    if commitment and "commitment" in modes:
        return "commitment", item.commitment_days or 0, modes, ()
    rule = next((r for r in item.days_if if r.condition(answers, facts)), None)
    if rule is not None:
        return "standard", rule.days, modes, rule.basis
    return "standard", item.committed_days, modes, ()


def _anchor_land_contract(graph: nx.DiGraph, planned: dict[str, PlannedItem], land_code: str = LAND_CONTRACT) -> None:
    """拿地即开工: everything construction start needs that does not itself
    need the land must be finished by the land date, so the land contract
    waits for the last steps of that pre-land track."""
    after_land = nx.descendants(graph, land_code) | {land_code}
    start_needs = nx.ancestors(graph, CONSTRUCTION_START) if CONSTRUCTION_START in graph else set()
    pre_land = (start_needs | nx.ancestors(graph, land_code)) - after_land
    last_steps = [c for c in pre_land if not any(s in pre_land for s in graph.successors(c))]
    land = planned[land_code]
    for code in sorted(last_steps):
        if code not in land.requires:
            land.requires.append(code)
            graph.add_edge(code, land_code, lag=0)
    land.because.append("拿地即开工：取得土地前完成前期手续（pre-land track finished by the land date）")


def _schedule(graph: nx.DiGraph) -> list[str]:
    """Critical-path method: earliest and latest start/finish of every node.
    Returns the topological order it used."""
    order = list(nx.topological_sort(graph))
    nodes, pred, succ = graph.nodes, graph.pred, graph.succ
    planned = {code: nodes[code]["planned"] for code in order}
    for code in order:
        p = planned[code]
        p.es = max((planned[q].ef + edge["lag"] for q, edge in pred[code].items()), default=0)
        p.ef = p.es + p.days
    total = max((p.ef for p in planned.values()), default=0)
    for code in reversed(order):
        p = planned[code]
        p.lf = min((planned[s].ls - edge["lag"] for s, edge in succ[code].items()), default=total)
        p.ls = p.lf - p.days
    return order


def _critical_path(graph: nx.DiGraph, total: int, rule_order: Mapping[str, int]) -> list[str]:
    """One chain of zero-slack nodes from the start to the end of the plan,
    each finishing exactly when the next may start."""
    nodes = {c: graph.nodes[c]["planned"] for c in graph}
    ends = [c for c, p in nodes.items() if p.critical and p.ef == total]
    if not ends:
        return []
    key = lambda c: (-nodes[c].days, rule_order[c])  # noqa: E731 - prefer long, then rule order
    path = [min(ends, key=lambda c: (-nodes[c].es, *key(c)))]
    while True:
        here = path[-1]
        tight = [
            q for q in graph.predecessors(here)
            if nodes[q].critical and nodes[q].ef + graph.edges[q, here]["lag"] == nodes[here].es
        ]
        if not tight:
            return path[::-1]
        path.append(min(tight, key=key))
