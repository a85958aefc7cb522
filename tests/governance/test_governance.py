"""Rule governance as pure functions: item edits, bundle validation, impact
preview, the holiday notice and the calendar precedence."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.governance.bundles import (
    BundleError, CalendarDay, CalendarNoticeError, ImpactCase, bundle_from_zip, compare_plans, edit_item,
    find_item, impact, parse_calendar_notice, plan_diff, replace_files, validate_bundle, with_calendar_days,
)
from coordinator.planning.planner import PlanOptions, make_plan, working_calendar
from coordinator.planning.rulebase import bundle_digest, load_bundle, load_rule_base, read_bundle

from tests.conftest import WAREHOUSE, example_answers

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def seed():
    return {k: v.decode() for k, v in read_bundle().items()}


@pytest.fixture(scope="module")
def seed_rules(seed):
    return load_bundle(seed)


def test_a_bundle_loads_like_its_directory(seed):
    assert load_bundle(seed).digest == load_rule_base().digest == bundle_digest(seed)


def test_editing_an_item_rewrites_only_that_item(seed):
    edited = edit_item(seed, "lightning_protection_acceptance", {"committed_days": 8})
    name, row = find_item(edited, "lightning_protection_acceptance")
    assert name == "items/4_completion_acceptance.yaml" and row["committed_days"] == 8
    changed = [n for n in seed if seed[n] != edited[n]]
    assert changed == [name]
    before, after = seed[name].splitlines(), edited[name].splitlines()
    assert before[0] == after[0] and before[0].startswith("#")  # the file's comments are kept
    assert yaml.safe_load(edited[name])["items"][0] == yaml.safe_load(seed[name])["items"][0]
    assert load_bundle(edited).items["lightning_protection_acceptance"].committed_days == 8
    assert bundle_digest(edited) != bundle_digest(seed)


def test_editing_materials_modes_and_condition(seed):
    edited = edit_item(seed, "fire_design_review", {
        "materials": ["消防设计审查申请表", {"name": "专家评审意见", "essential": False}],
        "modes": ["standard"],
        "applies_if": {"answer": "hazardous_chemicals", "is": True},
    })
    item = load_bundle(edited).items["fire_design_review"]
    assert [m.name for m in item.materials] == ["消防设计审查申请表", "专家评审意见"]
    assert not item.materials[1].essential and [m.mode for m in item.modes] == ["standard"]
    assert item.applies_if({"hazardous_chemicals": True}, {}) and not item.applies_if({"hazardous_chemicals": False}, {})
    assert edit_item(edited, "fire_design_review", {"applies_if": None})  # removing the condition
    with pytest.raises(BundleError):
        edit_item(seed, "no_such_item", {"committed_days": 1})
    with pytest.raises(BundleError):
        edit_item(seed, "fire_design_review", {"name": "x"})


def test_the_seed_bundle_validates_and_runs_its_rule_tests(seed):
    report = validate_bundle(seed)
    assert report.ok and report.cases_run >= 77 and report.cases_failed == 0


def test_a_changed_time_limit_fails_the_rule_tests_that_pin_it(seed):
    report = validate_bundle(edit_item(seed, "lightning_protection_acceptance", {"committed_days": 8}))
    assert not report.ok and report.rules is not None and report.cases_failed == 2
    assert {(e.file, e.path) for e in report.errors} == {("tests/fire.yaml", "cases[0]"), ("tests/fire.yaml", "cases[1]")}
    assert any("expected 71, got 74" in e.reason for e in report.errors)


def test_a_broken_rule_is_reported_with_file_and_path(seed):
    report = validate_bundle(edit_item(seed, "construction_permit", {"committed_days": 99}))
    assert report.rules is None
    error = next(e for e in report.errors if e.path.endswith("committed_days"))
    assert error.file.startswith("items/") and "exceeds the legal one" in error.reason and error.line


def test_impact_lists_only_changed_plans(seed, seed_rules):
    new = load_bundle(edit_item(seed, "lightning_protection_acceptance", {"committed_days": 8}))
    cases = [ImpactCase(1, example_answers("chemical_plant"), None), ImpactCase(2, WAREHOUSE, None)]
    diffs = impact(seed_rules, new, cases, TODAY)
    assert [d.key for d in diffs] == [1]
    diff = diffs[0]
    assert diff.total_after == diff.total_before + 3
    assert diff.days_changed == [("lightning_protection_acceptance", 5, 8)] and not diff.added and not diff.removed


def test_impact_names_added_and_removed_items(seed, seed_rules):
    new = load_bundle(edit_item(seed, "fire_design_review", {"applies_if": None}))
    diff = plan_diff(seed_rules, new, ImpactCase(7, WAREHOUSE, None), TODAY)
    assert diff.added == ["fire_design_review"] and diff.changed
    back = plan_diff(new, seed_rules, ImpactCase(7, WAREHOUSE, None), TODAY)
    assert back.removed == ["fire_design_review"]


def test_comparing_with_a_stored_plan_and_with_rejected_answers(seed_rules):
    plan = make_plan(seed_rules, WAREHOUSE, PlanOptions(today=TODAY))
    assert not compare_plans(1, plan.to_json(), plan).changed
    diff = compare_plans(1, plan.to_json(), "answers no longer valid: x")
    assert diff.changed and diff.error and diff.total_after is None


def test_items_out_of_force_are_left_out_of_plans(seed):
    edited = edit_item(seed, "fire_design_review", {"applies_if": None})
    text = edited["items/3_construction_licensing.yaml"].replace(
        "valid_from: 2020-06-01", "valid_from: 2020-06-01\n    valid_until: 2026-06-30")
    rules = load_bundle({**edited, "items/3_construction_licensing.yaml": text})
    assert "fire_design_review" in make_plan(rules, WAREHOUSE, PlanOptions(today=dt.date(2026, 6, 30))).codes
    assert "fire_design_review" not in make_plan(rules, WAREHOUSE, PlanOptions(today=dt.date(2026, 7, 1))).codes
    assert "fire_design_review" not in make_plan(rules, WAREHOUSE, PlanOptions(today=dt.date(2020, 5, 29))).codes


def test_zip_and_single_file_uploads(seed):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in seed.items():
            z.writestr(f"rules/{name}", text)
        z.writestr("rules/README.txt", "ignored")
    assert bundle_from_zip(buf.getvalue()) == seed
    replaced = replace_files(seed, {"fire.yaml": "cases: []\n"})
    assert replaced["tests/fire.yaml"] == "cases: []\n" and replaced["rulebase.yaml"] == seed["rulebase.yaml"]
    with pytest.raises(BundleError):
        replace_files(seed, {"new.yaml": "x: 1\n"})
    with pytest.raises(BundleError):
        bundle_from_zip(b"not a zip")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../x.yaml", "a: 1")
    with pytest.raises(BundleError):
        bundle_from_zip(evil.getvalue())


NOTICE = """
# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01..2027-01-03 元旦 holiday
2027-02-05..2027-02-11 春节 holiday
2027-02-14 workday
2027-02-20 春节调休 班
"""


def test_the_holiday_notice_is_read_day_by_day():
    days = parse_calendar_notice(NOTICE)
    by_date = {d.date: d for d in days}
    assert len(days) == 3 + 7 + 2
    assert by_date[dt.date(2027, 2, 8)] == CalendarDay(dt.date(2027, 2, 8), "holiday", "春节")
    assert by_date[dt.date(2027, 2, 14)].kind == "workday" and by_date[dt.date(2027, 2, 14)].name == ""
    assert by_date[dt.date(2027, 2, 20)].name == "春节调休"


def test_bad_notice_lines_are_named():
    with pytest.raises(CalendarNoticeError) as exc:
        parse_calendar_notice("2027-02-30 holiday\n\n2027-01-01 元旦 maybe\n2027-03-01..2027-02-01 holiday\n"
                              "2027-05-01 holiday\n2027-05-01 workday")
    assert [n for n, _ in exc.value.errors] == [1, 3, 4, 6]


@settings(max_examples=50, deadline=None)
@given(st.dates(dt.date(2027, 1, 1), dt.date(2030, 12, 1)), st.integers(0, 30),
       st.sampled_from(["holiday", "workday"]))
def test_any_range_round_trips(start, length, kind):
    end = start + dt.timedelta(days=length)
    days = parse_calendar_notice(f"{start}..{end} 假日 {kind}")
    assert [d.date for d in days] == [start + dt.timedelta(days=i) for i in range(length + 1)]
    assert {d.kind for d in days} == {kind}


def test_admin_days_take_precedence_and_cover_their_year(seed_rules):
    assert working_calendar(seed_rules).is_workday(dt.date(2026, 10, 1)) is False  # chinesecalendar: 国庆
    rules = with_calendar_days(seed_rules, parse_calendar_notice(NOTICE + "2026-10-01 workday\n"))
    cal = working_calendar(rules)
    assert cal.is_workday(dt.date(2026, 10, 1)) is True       # the admin's day wins
    assert cal.is_workday(dt.date(2026, 10, 2)) is False      # the rest of 2026 stays chinesecalendar's
    assert cal.is_workday(dt.date(2027, 2, 8)) is False and cal.is_workday(dt.date(2027, 2, 14)) is True
    plan = make_plan(rules, WAREHOUSE, PlanOptions(today=dt.date(2026, 12, 1)))
    assert plan.end_date.year == 2027 and not any("2027" in w for w in plan.warnings)
    plain = make_plan(seed_rules, WAREHOUSE, PlanOptions(today=dt.date(2026, 12, 1)))
    assert any("2027" in w for w in plain.warnings)


def test_the_governance_benchmark_runs(capsys):
    from benchmarks.governance import main

    assert main(["--scale", "0.01", "--projects", "2"]) == 0
    out = capsys.readouterr().out
    assert "current_rules(), cached" in out and "impact preview: 2 of 2 projects change" in out


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_editing_a_time_limit_changes_only_that_limit(seed, seed_rules, data):
    """Any item, any committed time limit within its legal one: the loaded
    rule base differs in that one value only."""
    code = data.draw(st.sampled_from(sorted(c for c, i in seed_rules.items.items() if i.kind != "milestone")))
    item = seed_rules.items[code]
    days = data.draw(st.integers(item.commitment_days or 0, item.legal_days if item.legal_days is not None else 60))
    name, before = find_item(seed, code)
    files = edit_item(seed, code, {"committed_days": days})
    after = find_item(files, code)[1]
    assert after == {**before, "committed_days": days}
    rows = yaml.safe_load(seed[name])["items"]
    assert yaml.safe_load(files[name])["items"] == [after if r["code"] == code else r for r in rows]
    assert load_bundle(files).items[code].committed_days == days
