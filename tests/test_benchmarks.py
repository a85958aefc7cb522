"""Smoke test of the benchmark's rule-base generator, so it cannot silently rot."""
import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from coordinator.planning import PlanOptions, load_rule_base, make_plan

from tests.conftest import example_answers

SYNTHETIC = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"
ANSWERS = example_answers("warehouse")


def _synthetic():
    """Load benchmarks/synthetic.py by path: it works whatever is on sys.path."""
    name = "benchmarks_synthetic_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SYNTHETIC)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_synthetic_rule_base_loads_and_plans(tmp_path):
    synthetic = _synthetic()
    info = synthetic.generate_rule_base(tmp_path, items=60, dependencies=150, seed=7)

    rules = load_rule_base(tmp_path)  # validates references, conditions and acyclicity
    assert len(info.codes) == 60
    assert set(info.codes) <= set(rules.items)
    assert set(rules.required_codes) <= set(rules.items)
    assert sum(len(rules.items[c].requires) for c in info.codes) == 150 == info.dependencies
    written = [
        row for f in info.files for row in yaml.safe_load((tmp_path / f).read_text(encoding="utf-8"))["items"]
    ]
    assert sum(len(row.get("requires", [])) for row in written) == 150
    assert info.conditional_items > 0 and info.conditional_dependencies > 0

    plan = make_plan(rules, ANSWERS, PlanOptions(land_date=dt.date(2026, 9, 15), today=dt.date(2026, 3, 2)))
    assert any(code in info.codes for code in plan.codes)
    assert plan.to_json()["items"]


def test_synthetic_generator_is_deterministic_and_checks_capacity(tmp_path):
    synthetic = _synthetic()
    a = synthetic.generate_rule_base(tmp_path / "a", items=30, dependencies=60, seed=3)
    b = synthetic.generate_rule_base(tmp_path / "b", items=30, dependencies=60, seed=3)
    assert [(tmp_path / "a" / f).read_text(encoding="utf-8") for f in a.files] == [
        (tmp_path / "b" / f).read_text(encoding="utf-8") for f in b.files
    ]
    with pytest.raises(ValueError):
        synthetic.generate_rule_base(tmp_path / "c", items=5, dependencies=10_000, seed=3)
