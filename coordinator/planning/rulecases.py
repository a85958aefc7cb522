"""The rule base's own tests: YAML cases of answers → expected plan facts.

A case file (``rules/tests/*.yaml``) looks like::

    defaults: {today: 2026-03-02}
    cases:
      - name: 标准地仓库，拿地即开工
        answers: {...}
        land_date: 2026-09-15        # optional
        commitment: false            # optional (default true)
        preparation_done: true       # optional: every preparation_days.* answer
                                     # not given is 0 (documents ready), so a
                                     # case can test the approvals alone
        commitment_breach_on: 2026-02-01  # optional: the owner broke a 告知承诺 commitment then
        observed_days: {eia_table: 12}    # optional: learned working days by item code
        expect:
          eligible: true
          present: [construction_permit]
          absent: [fire_design_review]
          total_working_days: 42
          critical: [power_supply_plan]
          finish: {construction_permit: 2026-09-15}

Every key of ``expect`` is optional; see :data:`EXPECTATIONS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields

from .answers import AnswersError
from .planner import Plan, PlanOptions, make_plan
from .rulebase import RuleBase, RuleError, safe_load


class ExpectSchema(Schema):
    class Meta:
        unknown = RAISE

    eligible = fields.Boolean()
    reasons_include = fields.List(fields.String())
    present = fields.List(fields.String())
    absent = fields.List(fields.String())
    total_working_days = fields.Integer(strict=True)
    serial_working_days = fields.Integer(strict=True)
    critical = fields.List(fields.String())
    not_critical = fields.List(fields.String())
    modes = fields.Dict(keys=fields.String(), values=fields.String())
    days = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True))
    start = fields.Dict(keys=fields.String(), values=fields.Date())
    finish = fields.Dict(keys=fields.String(), values=fields.Date())
    start_date = fields.Date()
    days_before_land = fields.Integer(strict=True, allow_none=True)
    warnings = fields.Integer(strict=True)
    warnings_include = fields.List(fields.String())
    warnings_exclude = fields.List(fields.String())
    days_source = fields.Dict(keys=fields.String(), values=fields.String())
    consulted = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    error_fields = fields.List(fields.String())
    government_working_days = fields.Integer(strict=True)
    to_permit_working_days = fields.Integer(strict=True, allow_none=True)
    parallel_review_working_days = fields.Integer(strict=True)
    construction_working_days = fields.Integer(strict=True)
    departments = fields.Dict(keys=fields.String(), values=fields.String())
    party = fields.Dict(keys=fields.String(), values=fields.String())
    service = fields.Dict(keys=fields.String(), values=fields.String())
    delivers = fields.Dict(keys=fields.String(), values=fields.String())
    requires = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    notices = fields.List(fields.String())
    no_notices = fields.List(fields.String())
    texts_include = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    texts_exclude = fields.List(fields.String())


EXPECTATIONS = tuple(ExpectSchema().fields)


class CaseSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True)
    answers = fields.Raw(required=True)
    land_date = fields.Date(load_default=None, allow_none=True)
    today = fields.Date(load_default=None)
    commitment = fields.Boolean(load_default=True)
    preparation_done = fields.Boolean(load_default=False)
    commitment_breach_on = fields.Date(load_default=None, allow_none=True)
    observed_days = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), load_default=None)
    expect = fields.Nested(ExpectSchema, required=True)


class CaseFileSchema(Schema):
    class Meta:
        unknown = RAISE

    defaults = fields.Dict(load_default=dict)
    cases = fields.List(fields.Raw(), required=True)


@dataclass
class RuleCase:
    """One YAML rule test."""

    file: str
    index: int
    name: str
    answers: Any
    options: PlanOptions
    expect: dict[str, Any]
    preparation_done: bool = False

    @property
    def id(self) -> str:
        return f"{self.file}[{self.index}] {self.name}"


@dataclass
class CaseResult:
    case: RuleCase
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def load_cases(directory: str | Path) -> list[RuleCase]:
    """Read every ``*.yaml`` case file in ``directory``.

    Raises ``ValueError`` with a :class:`RuleError` per malformed case."""
    return parse_cases({f"tests/{p.name}": p.read_text(encoding="utf-8") for p in sorted(Path(directory).glob("*.yaml"))})


def case_errors(files: Mapping[str, str | bytes]) -> tuple[list[RuleCase], list[RuleError]]:
    """The cases of the case files ``files`` (``tests/NAME.yaml`` → YAML text)
    and a :class:`RuleError` per malformed file or case."""
    cases: list[RuleCase] = []
    errors: list[RuleError] = []
    for name in sorted(files):
        content = files[name]
        try:
            text = content.decode("utf-8") if isinstance(content, bytes) else content
            data = CaseFileSchema().load(safe_load(text) or {})
        except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
            errors.append(RuleError(name, "", str(getattr(exc, "messages", exc))))
            continue
        for i, raw in enumerate(data["cases"]):
            try:
                case = CaseSchema().load({**data["defaults"], **raw} if isinstance(raw, dict) else raw)
            except ValidationError as exc:
                errors.append(RuleError(name, f"cases[{i}]", str(exc.messages)))
                continue
            if case["today"] is None:
                errors.append(RuleError(name, f"cases[{i}].today", "a case needs a fixed planning date"))
                continue
            options = PlanOptions(case["land_date"], case["today"], case["commitment"],
                                  commitment_breach_on=case["commitment_breach_on"],
                                  observed_days=case["observed_days"])
            cases.append(RuleCase(name, i, case["name"], case["answers"], options, case["expect"],
                                  case["preparation_done"]))
    return cases, errors


def parse_cases(files: Mapping[str, str | bytes]) -> list[RuleCase]:
    """Like :func:`case_errors`, but raises ``ValueError`` listing malformed cases."""
    cases, errors = case_errors(files)
    if errors:
        raise ValueError("\n".join(str(e) for e in errors))
    return cases


def run_case(rules: RuleBase, case: RuleCase) -> CaseResult:
    """Plan ``case`` and compare the plan with every expectation."""
    result = CaseResult(case)
    expect = case.expect
    answers = with_preparation_done(rules, case.answers) if case.preparation_done else case.answers
    try:
        plan = make_plan(rules, answers, case.options)
    except AnswersError as exc:
        if "error_fields" in expect:
            missing = sorted(set(expect["error_fields"]) - set(exc.fields))
            extra = sorted(set(exc.fields) - set(expect["error_fields"]))
            if missing or extra:
                result.failures.append(f"error fields: expected {expect['error_fields']}, got {sorted(exc.fields)}")
        else:
            result.failures.append(f"answers rejected: {exc}")
        return result
    if "error_fields" in expect:
        result.failures.append(f"expected errors on {expect['error_fields']}, but a plan was made")
        return result
    _compare(plan, expect, result.failures)
    return result


PREPARATION_ANSWERS = "preparation_days"


def with_preparation_done(rules: RuleBase, answers: Any) -> Any:
    """``answers`` with every ``preparation_days.*`` question not answered set
    to 0: the documents are ready, only the approvals are left to plan."""
    if not isinstance(answers, Mapping):
        return answers
    keys = [q.split(".", 1)[1] for q in rules.questions if q.startswith(PREPARATION_ANSWERS + ".")]
    if not keys:
        return answers
    given = answers.get(PREPARATION_ANSWERS)
    given = dict(given) if isinstance(given, Mapping) else {}
    return {**answers, PREPARATION_ANSWERS: {**{k: 0 for k in keys}, **given}}


def _compare(plan: Plan, expect: dict[str, Any], failures: list[str]) -> None:
    codes = set(plan.codes)
    by_code = {p.code: p for p in plan.items}

    def check(label: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            failures.append(f"{label}: expected {expected}, got {actual}")

    if "eligible" in expect:
        check("拿地即开工 eligible", expect["eligible"], plan.eligibility.eligible)
    for text in expect.get("reasons_include", ()):
        if not any(text in r for r in plan.eligibility.reasons):
            failures.append(f"no eligibility reason mentions '{text}': {plan.eligibility.reasons}")
    for code in expect.get("present", ()):
        if code not in codes:
            failures.append(f"'{code}' should be in the plan")
    for code in expect.get("absent", ()):
        if code in codes:
            failures.append(f"'{code}' should not be in the plan")
    for key in ("total_working_days", "serial_working_days", "days_before_land"):
        if key in expect:
            check(key, expect[key], getattr(plan, key))
    if "start_date" in expect:
        check("start_date", expect["start_date"], plan.start_date)
    for code in expect.get("critical", ()):
        if code not in plan.critical_path:
            failures.append(f"'{code}' should be on the critical path {plan.critical_path}")
    for code in expect.get("not_critical", ()):
        if code in by_code and by_code[code].critical:
            failures.append(f"'{code}' should have slack")
    for attr in ("modes", "days", "start", "finish", "days_source"):
        for code, value in expect.get(attr, {}).items():
            if code not in by_code:
                failures.append(f"{attr}: '{code}' is not in the plan")
            else:
                check(f"{attr} of {code}", value, getattr(by_code[code], attr.rstrip("s") if attr == "modes" else attr))
    for code, departments in expect.get("consulted", {}).items():
        if code not in by_code:
            failures.append(f"consulted: '{code}' is not in the plan")
        else:
            consulted = by_code[code].item.consulted
            check(f"consulted of {code}", departments, list(consulted.departments) if consulted else [])
    if "warnings" in expect:
        check("number of warnings", expect["warnings"], len(plan.warnings))
    for text in expect.get("warnings_include", ()):
        if not any(text in w for w in plan.warnings):
            failures.append(f"no warning mentions '{text}': {plan.warnings}")
    for text in expect.get("warnings_exclude", ()):
        if any(text in w for w in plan.warnings):
            failures.append(f"a warning mentions '{text}': {plan.warnings}")
    for key in ("government_working_days", "to_permit_working_days", "parallel_review_working_days",
                "construction_working_days"):
        if key in expect:
            check(key, expect[key], getattr(plan, key))
    for attr, label in (("departments", "department"), ("party", "party"), ("service", "service"),
                        ("delivers", "delivered material")):
        for code, value in expect.get(attr, {}).items():
            if code not in by_code:
                failures.append(f"{label}: '{code}' is not in the plan")
            else:
                actual = by_code[code].department if attr == "departments" else getattr(by_code[code].item, attr)
                check(f"{label} of {code}", value, actual)
    for code, prerequisites in expect.get("requires", {}).items():
        if code not in by_code:
            failures.append(f"requires: '{code}' is not in the plan")
            continue
        missing = [r for r in prerequisites if r not in by_code[code].requires]
        if missing:
            failures.append(f"'{code}' should require {missing}; it requires {by_code[code].requires}")
    noticed = [n["fact"] for n in plan.notices]
    for fact in expect.get("notices", ()):
        if fact not in noticed:
            failures.append(f"the plan should tell the owner about '{fact}'; it tells {noticed}")
    for fact in expect.get("no_notices", ()):
        if fact in noticed:
            failures.append(f"the plan should not tell the owner about '{fact}'")
    for code, texts in expect.get("texts_include", {}).items():
        if code not in by_code:
            failures.append(f"texts: '{code}' is not in the plan")
            continue
        said = _texts(by_code[code])
        for text in texts:
            if not any(text in t for t in said):
                failures.append(f"no reason or basis of '{code}' mentions '{text}': {said}")
    for text in expect.get("texts_exclude", ()):
        for p in plan.items:
            if any(text in t for t in _texts(p)):
                failures.append(f"'{p.code}' speaks of '{text}', which does not apply to this project")


def _texts(p) -> list[str]:
    """What the plan says about one item: its reasons, basis and materials."""
    return [*p.because, *p.basis, *(m.name for m in p.materials)]


def run_cases(rules: RuleBase, directory: str | Path) -> list[CaseResult]:
    """Run every case in ``directory`` against ``rules``."""
    return [run_case(rules, c) for c in load_cases(directory)]
