"""The 办不成事 loop's time limits as data: the shipped rules/problems.yaml
is complete and cites its basis; a bad file is refused with file, line,
path and reason, also by ``coordinator rules check``."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coordinator.planning.rulebase import RuleBaseError
from coordinator.problems.loop import STEPS
from coordinator.problems.rules import load_problem_rules, parse_problem_rules
from tests.planning.test_rulebase_errors import SEED, run_cli


def test_the_shipped_limits_cover_every_step_and_cite_the_measures():
    rules = load_problem_rules(SEED)
    assert tuple(rules.steps) == STEPS
    assert [rules.steps[s].name for s in STEPS] == ["受理", "分类", "转办", "办结", "反馈", "核查", "备案"]
    for step in rules.steps.values():
        assert step.days >= 1
        assert "（十五）" in step.basis.article and "滨海新区" in step.basis.document
    assert rules.limits["resolved"] == 5


GOOD = (SEED / "problems.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("change,path,reason", [
    (("    days: 5\n", "    days: 0\n"), "steps.resolved.days", "greater than or equal to 1"),
    (("    days: 5\n", "    days: five\n"), "steps.resolved.days", "Not a valid integer"),
    (("  verified:\n", "  checked:\n"), "steps.checked", "Unknown field"),
    (("    name: 办结\n", ""), "steps.resolved.name", "Missing data for required field"),
])
def test_a_bad_file_is_refused_with_file_line_path_and_reason(change, path, reason):
    bad = GOOD.replace(*change, 1)
    assert bad != GOOD
    with pytest.raises(RuleBaseError) as exc:
        parse_problem_rules(bad)
    errors = exc.value.errors
    assert any(e.file == "problems.yaml" and e.path.startswith(path) and reason in e.reason and e.line
               for e in errors), errors


def test_a_missing_step_is_named():
    cut = GOOD[:GOOD.index("  archived:")]
    with pytest.raises(RuleBaseError) as exc:
        parse_problem_rules(cut)
    assert [(e.path, e.reason) for e in exc.value.errors] == [
        ("steps.archived", "Missing data for required field.")]


def test_rules_check_reports_a_bad_problems_file(tmp_path: Path):
    rules = tmp_path / "rules"
    shutil.copytree(SEED, rules)
    ok = run_cli("rules", "check", str(rules))
    assert ok.returncode == 0 and "7 problem-loop steps" in ok.stdout
    (rules / "problems.yaml").write_text(GOOD.replace("    days: 3\n", "    days: -3\n"), encoding="utf-8")
    result = run_cli("rules", "check", str(rules))
    assert result.returncode == 1
    assert "problems.yaml:" in result.stderr and "steps.feedback.days" in result.stderr
