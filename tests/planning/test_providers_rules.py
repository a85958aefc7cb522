"""``rules/providers.yaml``: the utility providers and their districts, validated like every rule file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coordinator.planning import RuleBaseError, load_rule_base
from coordinator.planning.rulebase import DEFAULT_RULES_DIR


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target, ignore=shutil.ignore_patterns("tests"))
    return target


def test_seed_providers_cover_binhai_for_every_utility():
    providers = load_rule_base().providers
    assert {p.utility for p in providers if "滨海新区" in p.districts} == {"water", "power", "gas", "heat"}
    assert "power_binhai" in {p.code for p in providers}


def test_a_bad_provider_is_rejected_with_file_path_and_line(rules):
    path = rules / "providers.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("utility: gas", "utility: steam", 1), encoding="utf-8")
    with pytest.raises(RuleBaseError) as info:
        load_rule_base(rules)
    errors = {(e.file, e.path): e for e in info.value.errors}
    steam = errors[("providers.yaml", "providers[3].utility")]
    assert "Must be one of" in steam.reason and steam.line == text[:text.index("utility: gas")].count("\n") + 1


def test_duplicate_provider_codes_are_rejected(rules):
    path = rules / "providers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("code: water_tianjin", "code: power_binhai", 1),
                    encoding="utf-8")
    with pytest.raises(RuleBaseError) as info:
        load_rule_base(rules)
    errors = {(e.file, e.path): e for e in info.value.errors}
    assert "duplicate code 'power_binhai'" in errors[("providers.yaml", "providers[2].code")].reason


def test_providers_are_optional(rules):
    (rules / "providers.yaml").unlink()
    assert load_rule_base(rules).providers == ()
