"""Rule governance as pure functions over rule bundles: edit one item,
validate a bundle (checks + its YAML rule tests), preview the impact of a
new rule base on existing plans, and read the State Council's holiday notice.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

import yaml

from ..planning.answers import AnswersError
from ..planning.planner import Plan, PlanOptions, make_plan
from ..planning.rulebase import (
    MAX_YAML_BYTES, CalendarOverride, RuleBase, RuleBaseError, RuleBundle, RuleError, item_files, load_bundle,
    safe_load,
)
from ..planning.rulecases import case_errors, run_case

EDITABLE_FIELDS = ("committed_days", "commitment_days", "materials", "modes", "applies_if", "valid_from", "valid_until")
MAX_BUNDLE_FILES = 200
MAX_BUNDLE_BYTES = 5 * 1024 * 1024


class BundleError(ValueError):
    """A bundle cannot be edited or read as asked; ``str()`` says why."""


def as_text(bundle: RuleBundle) -> dict[str, str]:
    """The bundle with every file as text (bytes are decoded as UTF-8)."""
    out = {}
    for name, content in bundle.items():
        try:
            out[name] = content.decode("utf-8") if isinstance(content, bytes) else content
        except UnicodeDecodeError as exc:
            raise BundleError(f"{name}: not UTF-8 text") from exc
    return out


# --------------------------------------------------------------------------
# Editing one item


def bundle_items(bundle: RuleBundle) -> list[tuple[str, dict[str, Any]]]:
    """(file name, YAML data) of every item of the bundle's item files, in order.

    Raises :class:`BundleError` when an item file cannot be read."""
    rows = []
    for name in item_files(bundle):
        try:
            data = safe_load(as_text({name: bundle[name]})[name]) or {}
        except yaml.YAMLError as exc:
            raise BundleError(f"{name} is not valid YAML") from exc
        items = data.get("items") if isinstance(data, dict) else None
        rows.extend((name, row) for row in (items if isinstance(items, list) else ()) if isinstance(row, dict))
    return rows


def find_item(bundle: RuleBundle, code: str) -> tuple[str, dict[str, Any]]:
    """(file name, the item's YAML data) of item ``code`` in ``bundle``."""
    for name, row in bundle_items(bundle):
        if row.get("code") == code:
            return name, row
    raise BundleError(f"no item '{code}' in the rule base")


def edit_item(bundle: RuleBundle, code: str, changes: Mapping[str, Any]) -> dict[str, str]:
    """A new bundle where item ``code`` has the ``changes`` (a subset of
    :data:`EDITABLE_FIELDS`; ``None`` removes an optional field).

    Only that item's lines of its file are rewritten; the rest of the file,
    comments included, is kept as it was."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise BundleError(f"cannot edit {', '.join(sorted(unknown))}")
    files = as_text(bundle)
    name, row = find_item(files, code)
    new_row = dict(row)
    for key, value in changes.items():
        if value is None:
            new_row.pop(key, None)
        else:
            new_row[key] = value
    files[name] = _replace_item_block(files[name], code, new_row)
    return files


def _replace_item_block(text: str, code: str, row: dict[str, Any]) -> str:
    """Rewrite the lines of one ``- code: CODE`` entry; fall back to dumping
    the whole file when the entry's lines cannot be found safely."""
    lines = text.splitlines(keepends=True)
    pattern = re.compile(r"^(\s*)- code:\s*['\"]?" + re.escape(code) + r"['\"]?\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if pattern.match(line.rstrip("\n"))), None)
    expected = safe_load(text) or {}
    expected["items"] = [row if isinstance(r, dict) and r.get("code") == code else r for r in expected["items"]]
    if start is not None:
        indent = pattern.match(lines[start].rstrip("\n")).group(1)
        end = start + 1
        while end < len(lines) and not re.match(re.escape(indent) + r"- |\S", lines[end]):
            end += 1
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # blank lines and the next entry's comments stay
        dumped = yaml.safe_dump([row], allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)
        block = "".join(indent + line if line.strip() else line for line in dumped.splitlines(keepends=True))
        candidate = "".join(lines[:start]) + block + "".join(lines[end:])
        if safe_load(candidate) == expected:
            return candidate
    return yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)


# --------------------------------------------------------------------------
# Validation


@dataclass
class BundleReport:
    """The result of validating a bundle: the loaded rule base (when it
    loads), every problem, and how many rule tests ran."""

    rules: RuleBase | None
    errors: list[RuleError] = field(default_factory=list)
    cases_run: int = 0
    cases_failed: int = 0

    @property
    def ok(self) -> bool:
        return self.rules is not None and not self.errors


def validate_bundle(bundle: RuleBundle) -> BundleReport:
    """The checks of ``coordinator rules check`` and then the bundle's own
    rule tests (``tests/*.yaml``); each failure is a :class:`RuleError`."""
    try:
        rules = load_bundle(bundle)
    except RuleBaseError as exc:
        return BundleReport(None, list(exc.errors))
    tests = {n: c for n, c in bundle.items() if n.startswith("tests/") and n.endswith(".yaml")}
    cases, errors = case_errors(tests)
    failed = 0
    for case in cases:
        result = run_case(rules, case)
        if not result.ok:
            failed += 1
            errors.extend(RuleError(case.file, f"cases[{case.index}]", f"{case.name}: {f}") for f in result.failures)
    return BundleReport(rules, errors, len(cases), failed)


# --------------------------------------------------------------------------
# Reading uploads


def check_sizes(files: Mapping[str, str | bytes]) -> None:
    """:class:`BundleError` when a file is larger than a rule file may be
    (:data:`~.rulebase.MAX_YAML_BYTES`) or all together exceed
    :data:`MAX_BUNDLE_BYTES`."""
    sizes = {name: len(c.encode("utf-8") if isinstance(c, str) else c) for name, c in files.items()}
    too_large = sorted(name for name, size in sizes.items() if size > MAX_YAML_BYTES)
    if too_large:
        raise BundleError(f"{', '.join(too_large)}: larger than {MAX_YAML_BYTES // 1024} KiB")
    if sum(sizes.values()) > MAX_BUNDLE_BYTES:
        raise BundleError("the files are larger than the rule base may be")


def bundle_from_zip(data: bytes) -> dict[str, str]:
    """The ``*.yaml`` files of a zip archive; a single top folder
    (``rules/…``) is removed from the names."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BundleError("not a zip archive") from exc
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.endswith(".yaml")
               and not m.filename.startswith("__MACOSX/")]
    if not members:
        raise BundleError("the archive has no .yaml files")
    if len(members) > MAX_BUNDLE_FILES or sum(m.file_size for m in members) > MAX_BUNDLE_BYTES:
        raise BundleError("the archive is too large")
    names = [m.filename.replace("\\", "/") for m in members]
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        raise BundleError("the archive has unsafe paths")
    tops = {n.split("/", 1)[0] for n in names}
    strip = len(tops) == 1 and all("/" in n for n in names)
    files = {}
    for member, name in zip(members, names):
        files[name.split("/", 1)[1] if strip else name] = archive.read(member)
    check_sizes(files)
    return as_text(files)


def replace_files(bundle: RuleBundle, uploads: Mapping[str, str | bytes]) -> dict[str, str]:
    """``bundle`` with each uploaded file replacing the file of the same
    name (``fire.yaml`` replaces ``tests/fire.yaml``)."""
    files = as_text(bundle)
    check_sizes(uploads)
    by_base: dict[str, list[str]] = {}
    for name in files:
        by_base.setdefault(name.rsplit("/", 1)[-1], []).append(name)
    for upload, content in as_text(uploads).items():
        base = upload.replace("\\", "/").rsplit("/", 1)[-1]
        targets = by_base.get(base, [])
        if len(targets) != 1:
            raise BundleError(f"{base}: no single file of that name in the rule base; upload a zip to add files")
        files[targets[0]] = content
    return files


# --------------------------------------------------------------------------
# Impact preview


@dataclass(frozen=True)
class ImpactCase:
    """One existing project to re-plan: its answers and planning options
    (the working days agreed with its agencies, its company's last broken
    commitment)."""

    key: int
    answers: Mapping[str, Any]
    land_date: dt.date | None
    commitment: bool = True
    agreed_days: Mapping[str, int] = field(default_factory=dict)
    commitment_breach_on: dt.date | None = None


@dataclass
class PlanDiff:
    """How one project's plan changes under the new rule base."""

    key: int
    total_before: int | None
    total_after: int | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    days_changed: list[tuple[str, int, int]] = field(default_factory=list)
    error: str = ""
    departments_changed: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.error or self.added or self.removed or self.days_changed or self.departments_changed
                    or self.total_before != self.total_after)


def plan_diff(old: RuleBase, new: RuleBase, case: ImpactCase, today: dt.date) -> PlanDiff:
    """Plan ``case`` under both rule bases on ``today`` and compare."""
    options = PlanOptions(land_date=case.land_date, today=today, commitment=case.commitment,
                          agreed_days=case.agreed_days, commitment_breach_on=case.commitment_breach_on)
    return compare_plans(case.key, _plan_or_error(old, case, options), _plan_or_error(new, case, options))


def compare_plans(key: int, before: Plan | Mapping[str, Any] | str, after: Plan | Mapping[str, Any] | str) -> PlanDiff:
    """Items added and removed, durations and total changed from ``before``
    to ``after`` (each a plan, a stored plan JSON, or why there is no plan)."""
    old, new = _shape(before), _shape(after)
    if old is None or new is None:
        return PlanDiff(key, old and old[0], new and new[0], error=after if isinstance(after, str) else "")
    (total_before, old_days, old_departments), (total_after, new_days, new_departments) = old, new
    return PlanDiff(
        key, total_before, total_after,
        added=[c for c in new_days if c not in old_days],
        removed=[c for c in old_days if c not in new_days],
        days_changed=[(c, old_days[c], d) for c, d in new_days.items() if c in old_days and old_days[c] != d],
        departments_changed=[(c, old_departments[c], d) for c, d in new_departments.items()
                             if c in old_departments and old_departments[c] != d],
    )


def _shape(plan: Plan | Mapping[str, Any] | str) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """(total, days by code, department by code) of a plan or a stored plan JSON."""
    if isinstance(plan, str):
        return None
    if isinstance(plan, Plan):
        return (plan.total_working_days, {p.code: p.days for p in plan.items},
                {p.code: p.department or "" for p in plan.items})
    return (plan["total_working_days"], {i["code"]: i["days"] for i in plan["items"]},
            {i["code"]: i.get("department") or "" for i in plan["items"]})


def _plan_or_error(rules: RuleBase, case: ImpactCase, options: PlanOptions) -> Plan | str:
    try:
        return make_plan(rules, dict(case.answers), options)
    except AnswersError as exc:
        return "answers no longer valid: " + ", ".join(sorted(exc.fields))


def impact(old: RuleBase, new: RuleBase, cases: Iterable[ImpactCase], today: dt.date) -> list[PlanDiff]:
    """The plans that change (in items, durations or total) under ``new``."""
    return [d for d in (plan_diff(old, new, c, today) for c in cases) if d.changed]


# --------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True)
class CalendarDay:
    """A statutory holiday or a 调休 make-up working day."""

    date: dt.date
    kind: str  # "holiday" | "workday"
    name: str = ""


class CalendarNoticeError(ValueError):
    """Lines of a holiday notice that cannot be read: ``errors`` is
    ``[(line number, reason)]``."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"line {n}: {r}" for n, r in errors))


KIND_WORDS = {"holiday": "holiday", "休": "holiday", "放假": "holiday",
              "workday": "workday", "班": "workday", "上班": "workday"}
MAX_RANGE_DAYS = 31
_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?(?:\s+(.*?))?\s+(\S+)$")


def parse_calendar_notice(text: str) -> list[CalendarDay]:
    """Read lines like ``2027-02-05..2027-02-11 春节 holiday`` or
    ``2027-02-14 workday`` (also 休/放假, 班/上班); ``#`` starts a comment.

    Raises :class:`CalendarNoticeError` naming each bad line."""
    days: dict[dt.date, CalendarDay] = {}
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match or match.group(4) not in KIND_WORDS:
            errors.append((number, "expected 'YYYY-MM-DD[..YYYY-MM-DD] [name] holiday|workday'"))
            continue
        first, last, name, kind = match.groups()
        try:
            start = dt.date.fromisoformat(first)
            end = dt.date.fromisoformat(last) if last else start
        except ValueError as exc:
            errors.append((number, f"not a date: {exc}"))
            continue
        if end < start or (end - start).days >= MAX_RANGE_DAYS:
            errors.append((number, f"a range runs forwards and covers at most {MAX_RANGE_DAYS} days"))
            continue
        kind = KIND_WORDS[kind]
        day = start
        while day <= end:
            if day in days and days[day].kind != kind:
                errors.append((number, f"{day} is both a holiday and a working day"))
            days[day] = CalendarDay(day, kind, (name or "").strip())
            day += dt.timedelta(days=1)
    if errors:
        raise CalendarNoticeError(errors)
    return sorted(days.values(), key=lambda d: d.date)


def with_calendar_days(rules: RuleBase, days: Iterable[CalendarDay]) -> RuleBase:
    """``rules`` with the admin's calendar days taking precedence over the
    rule base's ``calendar.yaml`` (and, through it, over chinesecalendar);
    every year with an entered day counts as covered."""
    days = list(days)
    if not days:
        return rules
    holidays = {d.date for d in days if d.kind == "holiday"}
    workdays = {d.date for d in days if d.kind == "workday"}
    cal = rules.calendar
    return replace(rules, calendar=CalendarOverride(
        holidays=frozenset((cal.holidays - workdays) | holidays),
        workdays=frozenset((cal.workdays - holidays) | workdays),
        years=frozenset(cal.years | {d.date.year for d in days}),
    ))
