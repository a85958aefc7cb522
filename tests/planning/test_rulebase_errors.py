"""A broken rule base is rejected with the file, YAML path, line and reason.

Each test copies the seed ``rules/`` directory, breaks one thing in it and
checks the :class:`RuleBaseError` the loader raises.  Expected YAML paths
and values are computed from the copied data, so the tests follow the seed
rule base as it grows; an edit anchor that disappears fails loudly.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from coordinator.planning import RuleBaseError, RuleError, load_rule_base
from coordinator.planning.rulebase import DEFAULT_RULES_DIR

SEED = DEFAULT_RULES_DIR
COORDINATOR = Path(sys.executable).parent / "coordinator"


# --------------------------------------------------------------------------
# Helpers


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A private copy of the seed rule base (without its YAML test cases)."""
    target = tmp_path / "rules"
    shutil.copytree(SEED, target, ignore=shutil.ignore_patterns("tests"))
    return target


def load_errors(directory: Path) -> list[RuleError]:
    with pytest.raises(RuleBaseError) as info:
        load_rule_base(directory)
    errors = info.value.errors
    assert errors, "RuleBaseError without errors"
    # The exception message lists every error, one a line.
    assert str(info.value).splitlines() == [str(e) for e in errors]
    return errors


def find_error(errors: list[RuleError], file: str, path: str, *reason_parts: str) -> RuleError:
    """The error for ``file`` at ``path`` whose reason holds every part."""
    hits = [
        e for e in errors
        if e.file == file and e.path == path and all(p in e.reason for p in reason_parts)
    ]
    assert hits, f"no error {file} {path} {reason_parts!r}; got:\n" + "\n".join(map(str, errors))
    return hits[0]


def line_of(file: Path, needle: str, start: int = 0) -> int:
    """1-based line of the first ``needle`` at or after character ``start``."""
    text = file.read_text(encoding="utf-8")
    at = text.index(needle, start)
    return text.count("\n", 0, at) + 1


def read(file: Path) -> Any:
    return yaml.safe_load(file.read_text(encoding="utf-8"))


def find_path(data: Any, target: Any, path: str = "") -> str | None:
    """The YAML path (``.key``/``[i]`` steps) of the first node equal to ``target``."""
    if data == target:
        return path
    if isinstance(data, dict):
        steps = ((f"{path}.{k}", v) for k, v in data.items())
    elif isinstance(data, list):
        steps = ((f"{path}[{i}]", v) for i, v in enumerate(data))
    else:
        return None
    for sub, value in steps:
        found = find_path(value, target, sub)
        if found is not None:
            return found
    return None


def locate(directory: Path, kind: str, name: str) -> tuple[str, str, dict]:
    """(file as reported, YAML path, data) of an item, question or fact."""
    if kind == "item":
        for p in sorted((directory / "items").glob("*.yaml")):
            for i, row in enumerate(read(p)["items"]):
                if row["code"] == name:
                    return f"items/{p.name}", f"items[{i}]", row
    elif kind == "question":
        for si, sec in enumerate(read(directory / "questions.yaml")["sections"]):
            for qi, q in enumerate(sec["questions"]):
                if q["id"] == name:
                    return "questions.yaml", f"sections[{si}].questions[{qi}]", q
    else:
        for i, row in enumerate(read(directory / "facts.yaml")["facts"]):
            if row["name"] == name:
                return "facts.yaml", f"facts[{i}]", row
    raise AssertionError(f"no {kind} {name} in the seed rule base")


# Blocks of the YAML files, found by their first line.
ANCHORS = {"item": "  - code: ", "question": "      - id: ", "fact": "  - name: "}


def _block_span(text: str, kind: str, name: str) -> tuple[int, int]:
    start = text.index(f"{ANCHORS[kind]}{name}\n")
    nxt = text.find("\n" + ANCHORS[kind], start + 1)
    return start, len(text) if nxt == -1 else nxt + 1


def block_text(directory: Path, kind: str, name: str) -> str:
    file, _, _ = locate(directory, kind, name)
    text = (directory / file).read_text(encoding="utf-8")
    start, end = _block_span(text, kind, name)
    return text[start:end]


@dataclass
class Edit:
    file: str  # as reported, e.g. items/1_land_use_planning.yaml
    path: str  # YAML path of the edited block
    line: int  # line of the replacement (or of the removed text)
    row: dict  # the block's data before the edit
    start: int  # character offset of the block in the file

    def path_to(self, old_yaml: str) -> str:
        """YAML path of the node the text ``old_yaml`` stood for."""
        sub = find_path(self.row, yaml.safe_load(old_yaml))
        assert sub is not None, old_yaml
        return self.path + sub


def edit_block(directory: Path, kind: str, name: str, old: str | re.Pattern, new: str) -> Edit:
    """Replace the first ``old`` (text or regex) inside the block of the
    item, question or fact ``name`` with ``new``."""
    file, path, row = locate(directory, kind, name)
    full = directory / file
    text = full.read_text(encoding="utf-8")
    start, end = _block_span(text, kind, name)
    if isinstance(old, re.Pattern):
        match = old.search(text, start, end)
        assert match, f"{old.pattern!r} not in {kind} {name}"
        at, stop = match.span()
    else:
        at = text.find(old, start, end)
        assert at >= 0, f"{old!r} not in {kind} {name}"
        stop = at + len(old)
    full.write_text(text[:at] + new + text[stop:], encoding="utf-8")
    line = text.count("\n", 0, at) + 1 + (len(new) - len(new.lstrip("\n")) if new else 0)
    return Edit(file, path, line, row, start)


def edit_file(directory: Path, file: str, old: str, new: str) -> int:
    """Replace the first ``old`` in ``file``; return the line of the last line of ``new``."""
    full = directory / file
    text = full.read_text(encoding="utf-8")
    at = text.index(old)
    full.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return line_of(full, new.rstrip("\n").split("\n")[-1], at)


# --------------------------------------------------------------------------
# The seed rule base itself


def test_seed_copy_loads(rules):
    rb = load_rule_base(rules)
    assert set(rb.required_codes) <= set(rb.items)


# --------------------------------------------------------------------------
# Conditions: unknown questions and facts, bad forms, operators and values

# (kind, name, old flow-mapping text, new text, path below the old node, reason parts)
BAD_CONDITIONS = [
    # Unknown question referenced in each place a condition may appear.
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: investmnt, eq: enterprise}", ".answer", ["unknown question 'investmnt'"],
                 id="applies_if-unknown-question"),
    pytest.param("question", "fire_hazard_class", "{answer: project_type, in: [industrial_plant, warehouse]}",
                 "{answer: project_kind, in: [industrial_plant, warehouse]}", ".answer",
                 ["unknown question 'project_kind'"], id="show_if-unknown-question"),
    pytest.param("item", "design_scheme_review", "{not: {fact: land_day_start}}",
                 "{answer: land_day, is: true}", ".answer", ["unknown question 'land_day'"],
                 id="requires-if-unknown-question"),
    pytest.param("fact", "special_fire_works", "{answer: fire_hazard_class, in: [A, B]}",
                 "{answer: fire_class, in: [A, B]}", ".answer", ["unknown question 'fire_class'"],
                 id="fact-if-unknown-question"),
    pytest.param("fact", "land_day_start", "{answer: investment, eq: enterprise}",
                 "{answer: investor, eq: enterprise}", ".answer", ["unknown question 'investor'"],
                 id="fact-criterion-unknown-question"),
    pytest.param("item", "eia_table", "{answer: regional_assessment_done, is: true}",
                 "{answer: regional_done, is: true}", ".answer", ["unknown question 'regional_done'"],
                 id="mode-if-unknown-question"),
    pytest.param("item", "power_supply_plan", "{answer: utilities.dual_supply, is: true}",
                 "{answer: utilities.dual, is: true}", ".answer", ["unknown question 'utilities.dual'"],
                 id="days_if-unknown-question"),
    # Unknown fact.
    pytest.param("item", "construction_drawing_review", "{fact: simple_low_risk}",
                 "{fact: simple_low_risks}", ".fact", ["unknown fact 'simple_low_risks'"], id="unknown-fact"),
    pytest.param("item", "fire_design_review", "{fact: special_fire_works}",
                 "{fact: special_fire_works, answer: investment}", "", ["'fact' must stand alone"],
                 id="fact-not-alone"),
    # Unknown key form and unknown or doubled operator.
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answr: investment, eq: enterprise}", "", ["unknown condition form", "answr"],
                 id="unknown-key-form"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{every: [{answer: investment, eq: enterprise}]}", "", ["unknown condition form", "every"],
                 id="unknown-combinator"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: investment, like: enterprise}", "", ["exactly one comparison", "like"],
                 id="unknown-operator"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: investment, eq: enterprise, ne: government}", "",
                 ["exactly one comparison", "'eq'", "'ne'"], id="two-operators"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: investment}", "", ["exactly one comparison"], id="no-operator"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{all: []}", ".all", ["non-empty list"], id="empty-all"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{not: {answer: investment, eq: enterprise}, any: [true]}", "",
                 ["must stand alone"], id="combinators-mixed"),
    # Values that cannot match the question.
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: investment, eq: enterprize}", ".eq",
                 ["'enterprize' is not an option of 'investment'", "enterprise, government"],
                 id="choice-value-not-an-option"),
    pytest.param("fact", "special_fire_works", "{answer: fire_hazard_class, in: [A, B]}",
                 "{answer: fire_hazard_class, in: [A, F]}", ".in", ["'F' is not an option of 'fire_hazard_class'"],
                 id="choice-list-value-not-an-option"),
    pytest.param("fact", "special_fire_works", "{answer: fire_hazard_class, in: [A, B]}",
                 "{answer: fire_hazard_class, in: A}", ".in", ["'in' needs a non-empty list"],
                 id="in-not-a-list"),
    pytest.param("fact", "special_fire_works", "{answer: hazardous_chemicals, is: true}",
                 "{answer: hazardous_chemicals, gt: 0}", ".gt",
                 ["'gt' compares a number question", "'hazardous_chemicals' is bool"],
                 id="numeric-operator-on-bool"),
    pytest.param("fact", "construction_permit_required", "{answer: floor_area_m2, gt: 300}",
                 "{answer: floor_area_m2, gte: '300'}", ".gte",
                 ["'gte' compares a number question with a number"], id="numeric-operator-with-string"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: investment, is: true}", ".is",
                 ["'is' compares a bool question", "'investment' is choice"], id="is-on-choice"),
    pytest.param("item", "tree_felling_permit", "{answer: tree_felling, is: true}",
                 "{answer: tree_felling, eq: yes please}", ".eq",
                 ["'tree_felling' is a bool question"], id="bool-compared-with-string"),
    pytest.param("fact", "construction_permit_required", "{answer: floor_area_m2, gt: 300}",
                 "{answer: floor_area_m2, eq: big}", ".eq",
                 ["'floor_area_m2' is a number question"], id="number-compared-with-string"),
    pytest.param("fact", "construction_permit_required", "{answer: floor_area_m2, gt: 300}",
                 "{answer: floor_area_m2, in: [[300]]}", ".in",
                 ["'floor_area_m2' is a number question"], id="number-compared-with-list"),
    pytest.param("fact", "construction_permit_required", "{answer: floor_area_m2, gt: 300}",
                 "{answer: floor_area_m2, present: maybe}", ".present",
                 ["must be true or false"], id="present-not-bool"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{answer: [investment], eq: enterprise}", ".answer",
                 ["question id"], id="answer-key-not-a-string"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{fact: {name: land_day_start}}", ".fact",
                 ["fact name"], id="fact-name-not-a-string"),
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "{1: 2, any: [true]}", "", ["must stand alone"], id="non-string-keys"),
    # A string is not an expression: it is rejected, never evaluated.
    pytest.param("item", "project_filing", "{answer: investment, eq: enterprise}",
                 "\"investment == 'enterprise' or __import__('os').system('false')\"", "",
                 ["a condition must be a mapping or true/false"], id="string-expression"),
]


@pytest.mark.parametrize("kind, name, old, new, tail, reasons", BAD_CONDITIONS)
def test_bad_condition(rules, kind, name, old, new, tail, reasons):
    edit = edit_block(rules, kind, name, old, new)
    error = find_error(load_errors(rules), edit.file, edit.path_to(old) + tail, *reasons)
    assert error.line == edit.line


@pytest.mark.parametrize(
    "kind, name, old",
    [
        ("item", "project_filing", "{answer: investment, eq: enterprise}"),
        ("item", "design_scheme_review", "{not: {fact: land_day_start}}"),
        ("fact", "special_fire_works", "{answer: fire_hazard_class, in: [A, B]}"),
        ("fact", "land_day_start", "{answer: investment, eq: enterprise}"),
        ("question", "fire_hazard_class", "{answer: project_type, in: [industrial_plant, warehouse]}"),
    ],
    ids=["applies_if", "requires-if", "fact-if", "criterion", "show_if"],
)
def test_paths_of_condition_places(rules, kind, name, old):
    """The places the parametrized cases above break are the ones the brief names."""
    edit = edit_block(rules, kind, name, old, old)
    assert re.fullmatch(
        r"items\[\d+\]\.applies_if|items\[\d+\]\.requires\[\d+\]\.if|facts\[\d+\]\.if\.any\[\d+\]"
        r"|facts\[\d+\]\.criteria\[\d+\]\.if|sections\[\d+\]\.questions\[\d+\]\.show_if",
        edit.path_to(old),
    ), edit.path_to(old)


def test_show_if_may_not_refer_to_a_later_question(rules):
    # eia_category is asked after fire_hazard_class.
    old = "{answer: project_type, in: [industrial_plant, warehouse]}"
    edit = edit_block(rules, "question", "fire_hazard_class", old, "{answer: eia_category, eq: report}")
    error = find_error(load_errors(rules), edit.file, edit.path_to(old) + ".answer", "'eia_category'")
    assert "not asked before this question" in error.reason
    assert "unknown" not in error.reason  # the question exists; it just comes too late
    assert error.line == edit.line


def test_show_if_may_not_refer_to_its_own_question(rules):
    old = "{answer: utilities.power, is: true}"
    edit = edit_block(rules, "question", "utilities.dual_supply", old, "{answer: utilities.dual_supply, is: true}")
    error = find_error(load_errors(rules), edit.file, edit.path_to(old) + ".answer", "'utilities.dual_supply'",
                       "not asked before this question")
    assert error.line == edit.line


def test_show_if_may_refer_to_an_earlier_question_in_another_section(rules):
    edit_block(rules, "question", "utilities.dual_supply", "{answer: utilities.power, is: true}",
               "{answer: in_park, is: true}")
    rb = load_rule_base(rules)
    assert rb.questions["utilities.dual_supply"].show_if.answer_keys == ("in_park",)


def test_show_if_may_not_use_facts(rules):
    old = "{answer: project_type, in: [industrial_plant, warehouse]}"
    edit = edit_block(rules, "question", "fire_hazard_class", old, "{fact: simple_low_risk}")
    find_error(load_errors(rules), edit.file, edit.path_to(old) + ".fact", "unknown fact 'simple_low_risk'")


def test_condition_yaml_cannot_construct_python_objects(rules, tmp_path):
    marker = tmp_path / "pwned"
    edit = edit_block(rules, "item", "project_filing", "{answer: investment, eq: enterprise}",
                      f"!!python/object/apply:os.system ['touch {marker}']")
    error = find_error(load_errors(rules), edit.file, "", "not valid YAML")
    assert error.line == edit.line
    assert not marker.exists()


# --------------------------------------------------------------------------
# Items: references, duplicates, types


def test_unknown_item_in_requires(rules):
    _, _, row = locate(rules, "item", "planning_permit")
    index = row["requires"].index("land_planning_permit")
    edit = edit_block(rules, "item", "planning_permit", re.compile(r"\bland_planning_permit\b"), "land_planing_permit")
    error = find_error(load_errors(rules), edit.file, f"{edit.path}.requires[{index}]",
                       "unknown item 'land_planing_permit'")
    assert error.line == edit.line


def test_unknown_item_in_conditional_requires(rules):
    old = "{item: land_planning_permit, if: {not: {fact: land_day_start}}}"
    edit = edit_block(rules, "item", "design_scheme_review", old,
                      "{item: land_permit, if: {not: {fact: land_day_start}}}")
    error = find_error(load_errors(rules), edit.file, edit.path_to(old), "unknown item 'land_permit'")
    assert error.line == edit.line


def test_item_cannot_require_itself(rules):
    _, _, row = locate(rules, "item", "planning_permit")
    index = row["requires"].index("land_planning_permit")
    edit = edit_block(rules, "item", "planning_permit", re.compile(r"\bland_planning_permit\b"), "planning_permit")
    error = find_error(load_errors(rules), edit.file, f"{edit.path}.requires[{index}]", "cannot require itself")
    assert error.line == edit.line


def test_malformed_prerequisite(rules):
    old = "{item: land_planning_permit, if: {not: {fact: land_day_start}}}"
    edit = edit_block(rules, "item", "design_scheme_review", old, "{code: land_planning_permit}")
    error = find_error(load_errors(rules), edit.file, edit.path_to(old), "{item: CODE, if: CONDITION}")
    assert error.line == edit.line


def test_duplicate_item_code_within_a_file(rules):
    file, _, _ = locate(rules, "item", "project_filing")
    full = rules / file
    count = len(read(full)["items"])
    with full.open("a", encoding="utf-8") as f:
        f.write("\n" + block_text(rules, "item", "project_filing"))
    errors = load_errors(rules)
    error = find_error(errors, file, f"items[{count}].code", "duplicate item code 'project_filing'")
    text = full.read_text(encoding="utf-8")
    assert error.line == line_of(full, "  - code: project_filing", text.rindex("  - code: project_filing"))
    assert len(errors) == 1


def test_duplicate_item_code_across_files(rules):
    first_file, _, _ = locate(rules, "item", "planning_permit")
    extra = rules / "items" / "9_extra.yaml"
    extra.write_text("items:\n" + block_text(rules, "item", "planning_permit"), encoding="utf-8")
    errors = load_errors(rules)
    error = find_error(errors, "items/9_extra.yaml", "items[0].code", "duplicate item code 'planning_permit'")
    assert first_file in error.reason  # names where the first one is
    assert error.line == 2
    assert len(errors) == 1


DAYS = re.compile(r"(?<=\n    committed_days: )\d+")
LEGAL = re.compile(r"(?<=\n    legal_days: )\d+")
MODES = re.compile(r"(?<=\n    modes: \[)standard")


@pytest.mark.parametrize(
    "code, old, new, tail, reason",
    [
        ("project_filing", DAYS, "ten", ".committed_days", "Not a valid integer"),
        ("project_filing", DAYS, "1.5", ".committed_days", "Not a valid integer"),
        ("project_filing", DAYS, "'1'", ".committed_days", "Not a valid integer"),
        ("project_filing", DAYS, "-1", ".committed_days", "greater than or equal to 0"),
        ("project_filing", LEGAL, "true", ".legal_days", "Not a valid integer"),
        ("project_filing", "\n    stage: ", "\n    kind: foo\n    stage: ", ".kind", "approval, utility, milestone"),
        ("project_filing", "\n    committed_days:", "\n    commited_days:", ".commited_days", "Unknown field"),
        ("project_filing", MODES, "express", ".modes[0]", "unknown mode 'express'"),
        ("project_filing", "\n    modes: [", "\n    modes: [{mode: standard, when: true}, ", ".modes[0]",
         "unknown mode None"),
        ("project_filing", re.compile(r"\n    name_en: .*"), "", ".name_en", "Missing data for required field"),
        ("project_filing", "{document: ", "{documnet: ", ".basis[0].documnet", "Unknown field"),
        ("project_filing", re.compile(r"(?<=\n    materials:\n      - ).*"), "{name: 材料, essential: maybe}",
         ".materials[0].essential", "Not a valid boolean"),
        ("project_filing", re.compile(r"(?<=\n    materials:\n      - ).*"), "{name: 材料, essentail: false}",
         ".materials[0].essentail", "Unknown field"),
        ("project_filing", re.compile(r"(?<=\n    materials:\n      - ).*"), "42", ".materials[0]",
         "Invalid input type"),
        ("power_hookup", "utility: power", "utility: electricity", ".utility", "water, power, gas, heat"),
        ("power_hookup", "\n    utility: power", "", ".utility", "name their utility"),
        ("construction_complete", "answer: construction_working_days}", "answer: district}", ".lag",
         "NUMBER_QUESTION"),
        ("project_filing", re.compile(r"\n    department: \w+"), "", ".department", "need a department"),
        ("project_filing", re.compile(r"\n    basis:\n(      - .*\n)+"), "\n", ".basis", "cites its legal or policy basis"),
        ("project_filing", "\n    stage: ", "\n    valid_until: 2026-01-01\n    valid_from: 2026-06-01\n    stage: ",
         ".valid_until", "valid_from is after valid_until"),
        ("project_filing", "\n    stage: ", "\n    valid_from: 2026-06-31\n    stage: ", "", "day is out of range"),
        ("power_supply_plan", re.compile(r"(?<=days: )\d+(?=})"), "-30", ".days_if[0]",
         "{if: CONDITION, days: WORKING_DAYS}"),
    ],
    ids=["days-word", "days-float", "days-string", "days-negative", "days-bool", "kind", "typo-key",
         "unknown-mode", "mode-typo", "missing-field", "typo-nested-key", "material", "material-typo",
         "material-int", "utility", "utility-missing", "lag", "department-missing", "basis-missing",
         "validity", "impossible-date", "days_if"],
)
def test_bad_item_field(rules, code, old, new, tail, reason):
    edit = edit_block(rules, "item", code, old, new)
    path = edit.path + tail if tail else ""
    error = find_error(load_errors(rules), edit.file, path, reason)
    key = tail.split(".")[-1].split("[")[0]
    if key and key in new:
        assert error.line == edit.line
    else:  # the key is gone or the entry reported as a whole: a line in the item
        assert error.line is not None
        assert line_of(rules / edit.file, f"  - code: {code}\n") <= error.line <= edit.line + 1


def test_committed_days_may_not_exceed_legal_days(rules):
    _, _, row = locate(rules, "item", "project_filing")
    legal = row["legal_days"]
    edit = edit_block(rules, "item", "project_filing", DAYS, str(legal + 2))
    error = find_error(load_errors(rules), edit.file, edit.path + ".committed_days",
                       f"committed time limit ({legal + 2}) exceeds the legal one ({legal})")
    assert error.line == edit.line


def test_committed_days_may_equal_legal_days(rules):
    _, _, row = locate(rules, "item", "project_filing")
    edit_block(rules, "item", "project_filing", DAYS, str(row["legal_days"]))
    assert load_rule_base(rules).items["project_filing"].committed_days == row["legal_days"]


def test_commitment_days_may_not_exceed_committed_days(rules):
    _, _, row = locate(rules, "item", "eia_table")
    committed = row["committed_days"]
    edit = edit_block(rules, "item", "eia_table", re.compile(r"(?<=\n    commitment_days: )\d+"), str(committed + 1))
    error = find_error(load_errors(rules), edit.file, edit.path + ".commitment_days",
                       f"commitment time limit ({committed + 1}) exceeds the committed one ({committed})")
    assert error.line == edit.line


@pytest.mark.parametrize("code", ["civil_air_defence_relocation", "eia_table"])
def test_commitment_mode_needs_commitment_days(rules, code):
    edit = edit_block(rules, "item", code, re.compile(r"\n    commitment_days: \d+"), "")
    error = find_error(load_errors(rules), edit.file, edit.path + ".commitment_days",
                       "commitment mode need commitment_days")
    assert error.line == line_of(rules / edit.file, f"  - code: {code}\n")


@pytest.mark.parametrize(
    "old, new, tail, reason",
    [
        (re.compile(r"(?<=\n    stage: )\w+"), "land_use", ".stage", "unknown stage 'land_use'"),
        (re.compile(r"(?<=\n    department: )\w+"), "ndrc", ".department", "unknown department 'ndrc'"),
    ],
    ids=["stage", "department"],
)
def test_unknown_stage_or_department(rules, old, new, tail, reason):
    edit = edit_block(rules, "item", "project_filing", old, new)
    error = find_error(load_errors(rules), edit.file, edit.path + tail, reason)
    assert error.line == edit.line


# --------------------------------------------------------------------------
# Questions, stages, departments, facts


def test_duplicate_question_id(rules):
    block = block_text(rules, "question", "in_park")
    file, path, _ = locate(rules, "question", "in_park")
    full = rules / file
    text = full.read_text(encoding="utf-8")
    at = text.index(block) + len(block)
    full.write_text(text[:at] + block + text[at:], encoding="utf-8")
    section, index = re.fullmatch(r"sections\[(\d+)\]\.questions\[(\d+)\]", path).groups()
    errors = load_errors(rules)
    error = find_error(errors, file, f"sections[{section}].questions[{int(index) + 1}].id",
                       "duplicate question id 'in_park'")
    assert error.line == line_of(full, "      - id: in_park", at)
    assert len(errors) == 1


def test_question_nested_under_a_question(rules):
    edit = edit_block(rules, "question", "contact_phone", "id: contact_phone", "id: district.phone")
    find_error(load_errors(rules), edit.file, edit.path + ".id", "'district.phone' is nested under 'district'")


@pytest.mark.parametrize(
    "qid, old, new, tail, reason",
    [
        ("in_park", "type: bool", "type: boolean", ".type", "choice, bool, number, text"),
        ("in_park", "type: bool", "tpye: bool", ".tpye", "Unknown field"),
        ("in_park", "type: bool", "type: choice", ".options", "a choice question needs options"),
        ("in_park", "type: bool", "type: bool\n        options: [{value: y, label: 是, label_en: yes please}]", ".options",
         "only choice questions have options"),
        ("underground_floors", re.compile(r"(?<=default: )\d+"), "none", ".default", "not a valid number answer"),
        ("civil_air_defence", re.compile(r"(?<=default: )\w+"), "relocate", ".default", "not a valid choice answer"),
        ("underground_floors", re.compile(r"(?<=minimum: )\d+"), "zero", ".minimum", "Not a valid number"),
        ("in_park", "id: in_park", "id: In-Park", ".id", "String does not match expected pattern"),
    ],
    ids=["type", "typo-key", "options", "options-on-bool", "default-type", "default-option", "minimum",
         "id-pattern"],
)
def test_bad_question_field(rules, qid, old, new, tail, reason):
    edit = edit_block(rules, "question", qid, old, new)
    error = find_error(load_errors(rules), edit.file, edit.path + tail, reason)
    full = rules / edit.file
    text = full.read_text(encoding="utf-8")
    end = min(i for i in (text.find("\n      - id: ", edit.start + 1), text.find("\n  - id: ", edit.start + 1),
                          len(text)) if i >= 0)
    key = tail.lstrip(".")
    if f" {key}:" in text[edit.start:end]:  # the question's line for that key
        assert error.line == line_of(full, f" {key}:", edit.start)
    else:  # the key is missing: the question's own line
        assert error.line == line_of(full, "      - id: ", edit.start)


def _index(rows: list[dict], key: str, value: str) -> int:
    return next(i for i, r in enumerate(rows) if r[key] == value)


@pytest.mark.parametrize(
    "file, old, new, path, reason",
    [
        ("stages.yaml", "  - code: works_planning\n", "  - code: land_use_planning\n",
         lambda d: f"stages[{_index(d['stages'], 'code', 'works_planning')}].code",
         "duplicate code 'land_use_planning'"),
        ("departments.yaml", "  - code: housing\n", "  - code: planning\n",
         lambda d: f"departments[{_index(d['departments'], 'code', 'housing')}].code", "duplicate code 'planning'"),
        ("departments.yaml", "    kind: utility\n", "    kind: company\n",
         lambda d: f"departments[{next(i for i, r in enumerate(d['departments']) if r.get('kind'))}].kind",
         "government, utility, agency"),
        ("facts.yaml", "  - name: simple_low_risk\n", "  - name: special_fire_works\n",
         lambda d: f"facts[{_index(d['facts'], 'name', 'simple_low_risk')}].name",
         "duplicate name 'special_fire_works'"),
        ("facts.yaml", "  - name: large_site\n    title:", "  - name: large_site\n    tilte:",
         lambda d: f"facts[{_index(d['facts'], 'name', 'large_site')}].tilte", "Unknown field"),
        ("rulebase.yaml", "version:", "versoin:", lambda d: "versoin", "Unknown field"),
        ("calendar.yaml", "holidays: []", "holidays: [2027-01-01, new year]", lambda d: "holidays[1]",
         "Not a valid date"),
        ("calendar.yaml", "years: []", "years: [twenty]", lambda d: "years[0]", "Not a valid integer"),
    ],
    ids=["stage-code", "department-code", "department-kind", "fact-name", "fact-typo", "meta-typo",
         "calendar-date", "calendar-year"],
)
def test_bad_entry_in_other_files(rules, file, old, new, path, reason):
    expected_path = path(read(rules / file))
    line = edit_file(rules, file, old, new)
    error = find_error(load_errors(rules), file, expected_path, reason)
    assert error.line == line


def test_unknown_fact_in_a_fact(rules):
    old = "{answer: cultural_relics, is: false}"
    edit = edit_block(rules, "fact", "land_day_start", old, "{fact: no_relics}")
    error = find_error(load_errors(rules), edit.file, edit.path_to(old) + ".fact", "unknown fact 'no_relics'")
    assert error.line == edit.line


def test_fact_needs_if_or_criteria(rules):
    edit = edit_block(rules, "fact", "large_site", "\n    if:", "\n    when:")
    errors = load_errors(rules)
    find_error(errors, edit.file, edit.path + ".when", "Unknown field")


def test_land_day_start_fact_must_be_defined(rules):
    edit_block(rules, "fact", "land_day_start", "  - name: land_day_start\n", "  - name: land_day\n")
    error = find_error(load_errors(rules), "facts.yaml", "facts", "'land_day_start'", "must be defined")
    assert error.line == line_of(rules / "facts.yaml", "facts:")


CYCLE = re.compile(r"cycle: (\w+(?: → \w+)+)$")


def cycle_names(reason: str) -> list[str]:
    match = CYCLE.search(reason)
    assert match, reason
    names = match.group(1).split(" → ")
    assert names[0] == names[-1], "the cycle must close"
    assert len(set(names[:-1])) == len(names) - 1, "each node once"
    return names


def test_fact_cycle(rules):
    edit_block(rules, "fact", "special_fire_works", "{answer: hazardous_chemicals, is: true}",
               "{fact: simple_low_risk}")
    edit_block(rules, "fact", "simple_low_risk", "{answer: hazardous_chemicals, is: false}",
               "{not: {fact: special_fire_works}}")
    errors = load_errors(rules)
    error = find_error(errors, "facts.yaml", "facts", "facts depend on each other in a cycle")
    assert sorted(cycle_names(error.reason)[:-1]) == ["simple_low_risk", "special_fire_works"]
    assert error.reason.endswith(("special_fire_works → simple_low_risk → special_fire_works",
                                  "simple_low_risk → special_fire_works → simple_low_risk"))
    assert error.line == line_of(rules / "facts.yaml", "facts:")
    assert len(errors) == 1


def test_fact_depending_on_itself(rules):
    edit_block(rules, "fact", "large_site", "{answer: site_area_m2, gte: 50000}", "{fact: large_site}")
    error = find_error(load_errors(rules), "facts.yaml", "facts", "cycle")
    assert error.reason.endswith("cycle: large_site → large_site")


def test_facts_may_use_facts_defined_later(rules):
    # Order in the file does not matter; only cycles do.
    edit_block(rules, "fact", "special_fire_works", "{answer: major_infrastructure, is: true}",
               "{fact: in_binhai}")
    rb = load_rule_base(rules)
    order = list(rb.fact_order)
    assert order.index("in_binhai") < order.index("special_fire_works")


CYCLE_ITEMS = """\
items:
  - code: x_alpha
    name: 甲
    name_en: Alpha
    kind: milestone
    stage: utility
    requires: [x_beta]

  - code: x_beta
    name: 乙
    name_en: Beta
    kind: milestone
    stage: utility
    requires: [x_alpha]
"""


def test_dependency_cycle_is_named(rules):
    extra = rules / "items" / "9_cycle.yaml"
    extra.write_text(CYCLE_ITEMS, encoding="utf-8")
    errors = load_errors(rules)
    assert len(errors) == 1
    assert_cycle_at_closing_item(errors[0], extra)


def test_conditional_prerequisites_count_for_cycles(rules):
    extra = rules / "items" / "9_cycle.yaml"
    extra.write_text(CYCLE_ITEMS.replace("requires: [x_alpha]",
                                         "requires: [{item: x_alpha, if: {answer: in_park, is: true}}]"),
                     encoding="utf-8")
    errors = load_errors(rules)
    assert len(errors) == 1
    assert_cycle_at_closing_item(errors[0], extra)


def assert_cycle_at_closing_item(error: RuleError, file: Path) -> None:
    """The cycle error of CYCLE_ITEMS sits at the requires of the item the
    first arrow leads to (it requires the cycle's first item)."""
    assert error.file == "items/9_cycle.yaml"
    assert "prerequisites form a cycle" in error.reason
    assert error.reason.endswith(("x_alpha → x_beta → x_alpha", "x_beta → x_alpha → x_beta"))
    second = cycle_names(error.reason)[1]
    index = 0 if second == "x_alpha" else 1
    assert error.path == f"items[{index}].requires"
    assert error.line == line_of(file, "requires:", file.read_text().index(f"  - code: {second}"))


def test_dependency_cycle_through_seed_items(rules):
    # project_filing comes first; make it wait for the construction permit.
    edit_block(rules, "item", "project_filing", "\n    stage: ", "\n    requires: [construction_permit]\n    stage: ")
    errors = load_errors(rules)
    error = next(e for e in errors if "prerequisites form a cycle" in e.reason)
    names = cycle_names(error.reason)
    assert "project_filing" in names and "construction_permit" in names
    # Every arrow is a real prerequisite: a → b means b requires a.
    requires = {}
    for p in sorted((rules / "items").glob("*.yaml")):
        for row in read(p)["items"]:
            requires[row["code"]] = {r if isinstance(r, str) else r["item"] for r in row.get("requires", [])}
    for a, b in zip(names, names[1:]):
        assert a in requires[b], f"{b} does not require {a}"
    file, path, _ = locate(rules, "item", names[1])
    assert (error.file, error.path) == (file, path + ".requires")


def _required_index(directory: Path, code: str) -> int:
    return read(directory / "rulebase.yaml")["required_codes"].index(code)


def test_required_code_missing(rules):
    file, _, _ = locate(rules, "item", "construction_permit")
    full = rules / file
    full.write_text(full.read_text(encoding="utf-8").replace(block_text(rules, "item", "construction_permit"), ""),
                    encoding="utf-8")
    errors = load_errors(rules)
    meta = rules / "rulebase.yaml"
    error = find_error(errors, "rulebase.yaml", f"required_codes[{_required_index(rules, 'construction_permit')}]",
                       "required item code 'construction_permit' is not defined")
    assert error.line == line_of(meta, "  - construction_permit\n")
    # The items that required it are reported too.
    start_file, start_path, _ = locate(rules, "item", "construction_start")
    assert any(e.file == start_file and e.path.startswith(start_path + ".requires")
               and "unknown item 'construction_permit'" in e.reason for e in errors)


def test_required_code_listed_but_not_an_item(rules):
    last = read(rules / "rulebase.yaml")["required_codes"][-1]
    line = edit_file(rules, "rulebase.yaml", f"  - {last}\n", f"  - {last}\n  - steam_hookup\n")
    errors = load_errors(rules)
    assert len(errors) == 1
    error = find_error(errors, "rulebase.yaml", f"required_codes[{_required_index(rules, 'steam_hookup')}]",
                       "'steam_hookup'")
    assert error.line == line


# --------------------------------------------------------------------------
# Files: syntax, missing, shape


@pytest.mark.parametrize(
    "file, old, new",
    [
        ("stages.yaml", "    name_en: Construction permit\n", "    name_en: Construction: permit\n"),
        ("items/2_works_planning.yaml", "    name_en: Design scheme review\n", "    name_en: Design: scheme review\n"),
        ("questions.yaml", "        text_en: Project type\n", "        text_en: Project type\n       bad: indent\n"),
        ("facts.yaml", "  - name: large_site\n", "  - name: large_site\n\tindent: tab\n"),
    ],
    ids=["stages", "items", "questions", "tab"],
)
def test_invalid_yaml_syntax(rules, file, old, new):
    line = edit_file(rules, file, old, new)
    errors = load_errors(rules)
    assert len(errors) == 1
    find_error(errors, file, "", "not valid YAML")
    assert errors[0].line == line


def test_impossible_date(rules):
    line = edit_file(rules, "calendar.yaml", "workdays: []", "workdays:\n  - 2027-02-07\n  - 2027-02-30")
    error = find_error(load_errors(rules), "calendar.yaml", "", "day is out of range for month")
    assert error.line == line


def test_file_not_utf8(rules):
    (rules / "stages.yaml").write_bytes("stages:\n  - code: x\n    name: 施工\n".encode("gb18030"))
    errors = load_errors(rules)
    find_error(errors, "stages.yaml", "", "not UTF-8")
    assert len(errors) == 1


@pytest.mark.parametrize("file", ["rulebase.yaml", "questions.yaml", "stages.yaml", "departments.yaml", "facts.yaml"])
def test_missing_file(rules, file):
    (rules / file).unlink()
    errors = load_errors(rules)
    assert [(e.file, e.path, e.reason, e.line) for e in errors] == [(file, "", "file is missing", None)]


def test_calendar_file_is_optional(rules):
    (rules / "calendar.yaml").unlink()
    assert load_rule_base(rules).calendar.years == frozenset()


def test_no_item_files(rules):
    shutil.rmtree(rules / "items")
    error = find_error(load_errors(rules), "items/", "", "no item files")
    assert error.line is None


def test_not_a_directory(tmp_path):
    error = find_error(load_errors(tmp_path / "nowhere"), str(tmp_path / "nowhere"), "", "not a directory")
    assert error.line is None


@pytest.mark.parametrize("content", ["- a\n- b\n", "just text\n", ""])
def test_top_level_must_be_a_mapping(rules, content):
    (rules / "departments.yaml").write_text(content, encoding="utf-8")
    find_error(load_errors(rules), "departments.yaml", "", "the top level must be a mapping")


def test_errors_in_several_files_are_all_reported(rules):
    a = edit_block(rules, "item", "project_filing", re.compile(r"(?<=\n    stage: )\w+"), "nowhere")
    b = edit_block(rules, "item", "planning_permit", re.compile(r"(?<=\n    department: )\w+"), "nobody")
    c = edit_block(rules, "fact", "special_fire_works", "{answer: fire_hazard_class, in: [A, B]}",
                   "{answer: fire_class, in: [A, B]}")
    errors = load_errors(rules)
    assert sorted((e.file, e.path, e.line) for e in errors) == sorted([
        (a.file, a.path + ".stage", a.line),
        (b.file, b.path + ".department", b.line),
        (c.file, c.path_to("{answer: fire_hazard_class, in: [A, B]}") + ".answer", c.line),
    ])


# --------------------------------------------------------------------------
# coordinator rules check


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COORDINATOR_RULES"}
    return subprocess.run([str(COORDINATOR), *args], capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=120)


def test_cli_rules_check_ok_on_seed():
    result = run_cli("rules", "check", str(SEED))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")
    rb = load_rule_base(SEED)
    assert rb.version in result.stdout
    assert f"{len(rb.items)} items" in result.stdout
    assert result.stderr == ""


def test_cli_rules_check_reports_every_error(rules):
    a = edit_block(rules, "item", "project_filing", re.compile(r"(?<=\n    stage: )\w+"), "nowhere")
    old = "{answer: fire_hazard_class, in: [A, B]}"
    b = edit_block(rules, "fact", "special_fire_works", old, "{answer: fire_class, in: [A, B]}")
    result = run_cli("rules", "check", str(rules))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "the rule base has 2 error(s):"
    assert sorted(lines[1:]) == sorted([
        f"  {a.file}:{a.line}: {a.path}.stage: unknown stage 'nowhere'",
        f"  {b.file}:{b.line}: {b.path_to(old)}.answer: unknown question 'fire_class'",
    ])


def test_cli_rules_check_missing_directory(tmp_path):
    result = run_cli("rules", "check", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "not a directory" in result.stderr


def test_a_delivered_report_must_be_a_material_of_an_application_that_waits_for_it(rules):
    edit = edit_block(rules, "item", "eia_report_writing", "delivers: 环境影响报告书", "delivers: 环境影响报告")
    find_error(load_errors(rules), edit.file, f"{edit.path}.delivers",
               "no application that requires 'eia_report_writing' lists the material '环境影响报告'")


def test_only_intermediary_preparation_items_deliver(rules):
    edit = edit_block(rules, "item", "eia_report", "department: eco_env", "department: eco_env\n    delivers: 批复")
    find_error(load_errors(rules), edit.file, f"{edit.path}.delivers", "only intermediary preparation items")
