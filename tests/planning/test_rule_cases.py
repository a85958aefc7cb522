"""The rule base's own tests, written as data in ``rules/tests/*.yaml``.

One pytest test per YAML case, plus a check that the ``coordinator rules
test`` console script runs the same cases and reports them all passed.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator.planning import load_rule_base
from coordinator.planning.rulecases import RuleCase, load_cases, run_case

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "rules"
CASES_DIR = RULES_DIR / "tests"

CASES = load_cases(CASES_DIR)


@pytest.fixture(scope="module")
def rules():
    """The rule base, loaded once for every case."""
    return load_rule_base(RULES_DIR)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(rules, case: RuleCase) -> None:
    result = run_case(rules, case)
    assert result.ok, f"{case.id}:\n  " + "\n  ".join(result.failures)


def test_cases_are_many_and_uniquely_named() -> None:
    assert len(CASES) >= 18
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_cli_rules_test_passes_every_case() -> None:
    script = Path(sys.executable).parent / "coordinator"
    env = {k: v for k, v in os.environ.items() if k != "COORDINATOR_RULES"}
    proc = subprocess.run(
        [str(script), "rules", "test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(rf"\b{len(CASES)} passed, 0 failed\b", proc.stdout), proc.stdout + proc.stderr
