"""Rule files are read with limits (issue 16, finding 1): at most
``MAX_YAML_NODES`` values once anchors and aliases are expanded (nine levels
of them grew the server by 1 GB every 5 s) and a cap on the size of a file
and of an admin's edit — in the rule-base loader, the rule tests,
``coordinator rules check`` and the admin's pages. The rule tests' own
``<<: *defaults`` merges still work."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.governance.models import RuleBaseVersion
from coordinator.governance.bundles import BundleError, bundle_items, replace_files
from coordinator.planning.rulebase import (
    MAX_YAML_BYTES, RuleBaseError, YamlRefused, load_bundle, read_bundle, safe_load,
)
from coordinator.planning.rulecases import case_errors

from tests.conftest import login

RULES = Path(__file__).resolve().parents[2] / "rules"


def alias_bomb(levels: int, width: int = 9) -> str:
    """The "billion laughs": ``width ** levels`` strings from a few lines."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_aliases_are_refused_by_the_loader_with_file_and_line():
    bundle = dict(read_bundle())
    bundle["facts.yaml"] = bundle["facts.yaml"].decode() + "\n" + alias_bomb(6)
    with pytest.raises(RuleBaseError) as caught:
        load_bundle(bundle)
    [error] = [e for e in caught.value.errors if e.file == "facts.yaml"]
    assert "aliases" in error.reason and error.line is not None


def test_small_merges_are_read_and_recursive_aliases_refused():
    assert safe_load("base: &b {a: 1}\nother:\n  <<: *b\n  c: 2\n") == {"base": {"a": 1}, "other": {"a": 1, "c": 2}}
    with pytest.raises(YamlRefused):
        safe_load("a: &x [1, *x]\n")
    with pytest.raises(YamlRefused):
        safe_load(alias_bomb(6))
    assert len(safe_load(alias_bomb(4))["l4"]) == 9  # 9**4 strings are still fine


def test_every_seed_file_is_far_below_the_caps():
    for name, content in read_bundle().items():
        assert len(content) * 5 < MAX_YAML_BYTES, name


def test_a_file_larger_than_the_cap_is_refused():
    text = "items: []\n# " + "x" * MAX_YAML_BYTES + "\n"
    with pytest.raises(YamlRefused):
        safe_load(text)
    bundle = {**read_bundle(), "items/9_big.yaml": text}
    with pytest.raises(RuleBaseError) as caught:
        load_bundle(bundle)
    assert any(e.file == "items/9_big.yaml" and "KiB" in e.reason for e in caught.value.errors)
    with pytest.raises(BundleError):
        replace_files(read_bundle(), {"fire.yaml": text})


def test_rule_tests_and_item_edits_refuse_aliases():
    _cases, errors = case_errors({"tests/bomb.yaml": alias_bomb(6)})
    assert errors and "aliases" in str(errors[0])
    bundle = {**read_bundle(), "items/9_bomb.yaml": "items: []\n" + alias_bomb(6)}
    with pytest.raises(BundleError):
        bundle_items(bundle)


def test_rules_check_refuses_nine_levels_at_once(tmp_path):
    """The attack's own file: ``coordinator rules check`` answers at once,
    in little memory, instead of growing without end."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "facts.yaml").write_text((RULES / "facts.yaml").read_text(encoding="utf-8") + alias_bomb(9),
                                      encoding="utf-8")
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31)); "
              "from coordinator.cli import main; sys.exit(main(['rules', 'check', sys.argv[1]]))")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, str(rules)], capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr
    assert "facts.yaml" in done.stdout + done.stderr and "aliases" in done.stdout + done.stderr


def test_an_admin_edit_with_nine_levels_of_aliases_is_refused_at_once(app, client, users):
    assert login(client, "admin").status_code == 302
    from coordinator.governance import service as rules_service
    from coordinator.accounts.models import User

    with app.app_context():
        admin = db.session.get(User, users["admin"])
        draft = rules_service.create_draft(admin, rules_service.current_bundle(), "bomb")
        draft_id = draft.id
    started = time.monotonic()
    response = client.post(f"/admin/rules/{draft_id}/files/facts.yaml",
                           data={"text": (RULES / "facts.yaml").read_text(encoding="utf-8") + alias_bomb(9)})
    assert time.monotonic() - started < 30
    assert response.status_code == 302
    with app.app_context():
        version = db.session.scalar(select(RuleBaseVersion).where(RuleBaseVersion.id == draft_id))
        assert any("aliases" in e["reason"] for e in version.errors if e["file"] == "facts.yaml")


def test_an_admin_edit_larger_than_the_cap_is_refused_and_changes_nothing(app, client, users):
    assert login(client, "admin").status_code == 302
    from coordinator.governance import service as rules_service
    from coordinator.accounts.models import User

    with app.app_context():
        admin = db.session.get(User, users["admin"])
        draft_id = rules_service.create_draft(admin, rules_service.current_bundle(), "big").id
        before = dict(db.session.get(RuleBaseVersion, draft_id).files)
    response = client.post(f"/admin/rules/{draft_id}/files/facts.yaml",
                           data={"text": "facts: []\n# " + "x" * MAX_YAML_BYTES})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(RuleBaseVersion, draft_id).files == before
        with pytest.raises(rules_service.GovernanceError):
            rules_service.replace_draft_file(db.session.get(User, users["admin"]),
                                             db.session.get(RuleBaseVersion, draft_id), "facts.yaml",
                                             "facts: []\n# " + "x" * MAX_YAML_BYTES)


def test_the_item_form_refuses_aliases_in_its_yaml_fields(app, client, users):
    from tests.admin.test_admin_pages import LIGHTNING, _item_form

    assert login(client, "admin").status_code == 302
    response = client.post(f"/admin/rules/items/{LIGHTNING}",
                           data=_item_form(client, applies_if=alias_bomb(9)))
    assert response.status_code == 400 and "YAML" in response.get_data(as_text=True)


def test_seed_rule_base_still_loads():
    assert yaml.safe_load((RULES / "rulebase.yaml").read_text(encoding="utf-8"))
    assert load_bundle(read_bundle()).items
