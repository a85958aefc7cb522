"""The ``coordinator plan`` command, run as a real subprocess (SPEC §4.2, §4.3)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator.planning import load_rule_base

from tests.conftest import WAREHOUSE

COORDINATOR = Path(sys.executable).parent / "coordinator"
TODAY = "2026-03-02"


ITEM_KEYS = {
    "code": str, "name": str, "name_en": str, "kind": str, "stage": str, "department": str,
    "days": int, "requires": list, "mode": str, "start": str, "finish": str, "slack": int, "critical": bool,
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COORDINATOR_RULES"}
    return subprocess.run([str(COORDINATOR), *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120)


@pytest.fixture
def write(tmp_path):
    def write(data, name="answers.json") -> str:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)
    return write


def plan_json(*args: str) -> dict:
    result = run("plan", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_console_script_exists():
    assert COORDINATOR.exists(), COORDINATOR


# --------------------------------------------------------------------------
# JSON output


def test_plan_json_has_the_public_shape(write):
    plan = plan_json(write(WAREHOUSE), "--today", TODAY)
    for key, kind in {"land_day_start": dict, "items": list, "parallel_groups": list, "critical_path": list,
                      "total_working_days": int, "serial_working_days": int, "warnings": list}.items():
        assert isinstance(plan[key], kind), key
    assert "land_date" in plan and plan["land_date"] is None
    assert isinstance(plan["land_day_start"]["eligible"], bool)
    assert plan["land_day_start"]["eligible"] is True  # a new enterprise warehouse on auctioned land
    assert plan["land_day_start"]["reasons"] and all(isinstance(r, str) for r in plan["land_day_start"]["reasons"])
    assert all(isinstance(w, str) for w in plan["warnings"])
    assert not isinstance(plan["total_working_days"], bool)

    rules = load_rule_base()
    codes = [i["code"] for i in plan["items"]]
    assert len(codes) == len(set(codes))
    for item in plan["items"]:
        for key, kind in ITEM_KEYS.items():
            assert isinstance(item[key], kind), (item["code"], key, item[key])
        assert not isinstance(item["days"], bool) and not isinstance(item["slack"], bool)
        assert item["kind"] in ("approval", "utility", "milestone")
        assert item["stage"] in rules.stages
        assert item["department"] == "" if item["kind"] == "milestone" else item["department"] in rules.departments
        assert DATE.match(item["start"]) and DATE.match(item["finish"])
        assert item["start"] <= item["finish"]
        assert item["days"] >= 0 and item["slack"] >= 0
        assert item["critical"] == (item["slack"] == 0)
        assert set(item["requires"]) <= set(codes)
        assert re.search(r"[\u4e00-\u9fff]", item["name"]), item["name"]  # Chinese name
        assert item["name"] == rules.items[item["code"]].name

    # The codes SPEC §4.3 names for this kind of project.
    for code in ("project_filing", "land_contract", "land_planning_permit", "planning_permit", "eia_table",
                 "quality_safety_registration", "construction_permit", "construction_start",
                 "fire_acceptance_filing", "joint_acceptance", "water_hookup", "power_hookup"):
        assert code in codes, code
    for code in ("project_approval", "eia_report", "fire_acceptance", "gas_hookup", "heat_hookup"):
        assert code not in codes, code

    for group in plan["parallel_groups"]:
        assert isinstance(group, list) and group and set(group) <= set(codes)
    assert plan["critical_path"] and set(plan["critical_path"]) <= set(codes)
    by_code = {i["code"]: i for i in plan["items"]}
    assert all(by_code[c]["critical"] for c in plan["critical_path"])
    assert plan["total_working_days"] > 0
    assert plan["serial_working_days"] >= plan["total_working_days"]
    assert by_code["construction_start"]["kind"] == "milestone"
    # Nothing starts before the planning date.
    assert min(i["start"] for i in plan["items"]) >= TODAY


def test_plan_is_deterministic(write):
    path = write(WAREHOUSE)
    assert plan_json(path, "--today", TODAY) == plan_json(path, "--today", TODAY)


def test_plan_reads_stdin():
    result = run("plan", "-", "--today", TODAY, stdin=json.dumps(WAREHOUSE))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["items"]


def test_land_date_sets_land_date(write):
    plan = plan_json(write(WAREHOUSE), "--today", TODAY, "--land-date", "2026-09-15")
    assert plan["land_date"] == "2026-09-15"
    land = next(i for i in plan["items"] if i["code"] == "land_contract")
    assert land["start"] == "2026-09-15"
    # 拿地即开工: the permits are issued on the land day.
    permit = next(i for i in plan["items"] if i["code"] == "construction_permit")
    assert permit["mode"] == "land_day" and permit["start"] == "2026-09-15"


def test_without_land_date_land_date_is_null(write):
    assert plan_json(write(WAREHOUSE), "--today", TODAY)["land_date"] is None


def test_no_commitment_plans_eia_table_the_standard_way(write):
    path = write(WAREHOUSE)
    rules = load_rule_base()
    with_commitment = {i["code"]: i for i in plan_json(path, "--today", TODAY)["items"]}
    without = {i["code"]: i for i in plan_json(path, "--today", TODAY, "--no-commitment")["items"]}
    assert with_commitment["eia_table"]["mode"] == "commitment"
    assert with_commitment["eia_table"]["days"] == rules.items["eia_table"].commitment_days
    assert without["eia_table"]["mode"] == "standard"
    assert without["eia_table"]["days"] == rules.items["eia_table"].committed_days
    assert "commitment" not in {i["mode"] for i in without.values()}


def test_commitment_needs_the_regional_assessment(write):
    items = {i["code"]: i for i in plan_json(write({**WAREHOUSE, "regional_assessment_done": False}),
                                              "--today", TODAY)["items"]}
    assert items["eia_table"]["mode"] == "standard"


# --------------------------------------------------------------------------
# Text output


def test_text_format_prints_the_checklist(write):
    result = run("plan", write(WAREHOUSE), "--today", TODAY, "--format", "text", "--land-date", "2026-09-15")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("拿地即开工：适用")
    for heading in ("【施工许可】", "【立项用地规划许可】", "【工程建设许可】", "【竣工验收】", "【水电气热报装】"):
        assert heading in out, heading
    assert out.index("【立项用地规划许可】") < out.index("【施工许可】") < out.index("【竣工验收】")
    assert "建筑工程施工许可证（construction_permit）" in out
    assert "拿地日期：2026-09-15" in out
    assert re.search(r"\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}", out)
    assert "2026-09-15" in out.split("【施工许可】")[1]
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


# --------------------------------------------------------------------------
# Errors


def test_invalid_answers_exit_2_with_each_field(write):
    bad = {**WAREHOUSE, "colour": "red", "floor_area_m2": True, "investment": "private",
           "utilities": {"water": "yes", "power": True, "gas": False, "heat": False}}
    del bad["eia_category"]
    result = run("plan", write(bad), "--today", TODAY)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "invalid answers" in result.stderr
    for field, message in [("colour", "unknown question"), ("floor_area_m2", "must be a number"),
                           ("investment", "must be one of"), ("utilities.water", "must be true or false"),
                           ("eia_category", "required")]:
        assert re.search(rf"^\s+{re.escape(field)}: .*{re.escape(message)}", result.stderr, re.M), field


@pytest.mark.parametrize("text", ["{", "{'project_type': 'warehouse'}", "", "[1, 2", "{\"a\": NaN"])
def test_invalid_json_exits_2(write, text):
    result = run("plan", write(text), "--today", TODAY)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error:" in result.stderr


def test_answers_not_utf8_exit_2(tmp_path):
    path = tmp_path / "answers.json"
    path.write_bytes(json.dumps(WAREHOUSE, ensure_ascii=False).encode("gb18030"))
    result = run("plan", str(path), "--today", TODAY)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_json_that_is_not_an_object_exits_2(write):
    result = run("plan", write("[]"), "--today", TODAY)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "answers" in result.stderr


@pytest.mark.parametrize("value", ["2026-13-01", "15.09.2026", "tomorrow", "2026-02-30"])
def test_bad_land_date_exits_2(write, value):
    result = run("plan", write(WAREHOUSE), "--today", TODAY, "--land-date", value)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--land-date" in result.stderr


def test_bad_format_exits_2(write):
    result = run("plan", write(WAREHOUSE), "--format", "yaml")
    assert result.returncode == 2
    assert result.stdout == ""


def test_pdf_is_written_beside_the_plan(write, tmp_path):
    out = tmp_path / "out.pdf"
    result = run("plan", write(WAREHOUSE), "--today", TODAY, "--pdf", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["items"]  # the plan is still printed
    assert out.read_bytes().startswith(b"%PDF-")
    assert "PDF written to" in result.stderr


def test_pdf_is_not_written_for_invalid_answers(write, tmp_path):
    out = tmp_path / "out.pdf"
    result = run("plan", write({**WAREHOUSE, "floor_area_m2": -1}), "--today", TODAY, "--pdf", str(out))
    assert result.returncode == 2
    assert result.stdout == ""
    assert not out.exists()


def test_missing_answers_file_exits_2(tmp_path):
    result = run("plan", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert result.stdout == ""


def test_broken_rules_exit_1(write, tmp_path):
    result = run("plan", write(WAREHOUSE), "--today", TODAY, "--rules", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "not a directory" in result.stderr


def test_today_defaults_to_today(write):
    plan = plan_json(write(WAREHOUSE))
    first = min(i["start"] for i in plan["items"])
    assert dt.date.fromisoformat(first) >= dt.date.today()
