"""Answer validation against the seed questionnaire (SPEC §4.1)."""
from __future__ import annotations

import copy
import json

import pytest

from coordinator.planning import AnswersError, load_rule_base, validate_answers
from coordinator.planning.answers import TEXT_MAX_LENGTH, nest_answers

from tests.conftest import WAREHOUSE


@pytest.fixture(scope="module")
def rules():
    return load_rule_base()



def answers(**changes):
    out = copy.deepcopy(WAREHOUSE)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def errors_of(rules, given) -> dict[str, list[str]]:
    with pytest.raises(AnswersError) as info:
        validate_answers(rules, given)
    # The message names every field too.
    for name in info.value.fields:
        assert name in str(info.value)
    return info.value.fields


# --------------------------------------------------------------------------
# Valid answers


def test_complete_warehouse_answers_pass_with_defaults(rules):
    flat = validate_answers(rules, WAREHOUSE)
    assert set(flat) == set(rules.questions)
    # Given answers, numbers as floats unless integer questions.
    assert flat["project_type"] == "warehouse"
    assert flat["floor_area_m2"] == 8000.0 and isinstance(flat["floor_area_m2"], float)
    assert flat["utilities.power_kva"] == 400.0
    assert flat["utilities.water"] is True and flat["utilities.gas"] is False
    assert flat["district"] == "滨海新区"
    # Defaults filled in for unanswered optional questions.
    assert flat["underground_floors"] == 0
    assert flat["construction_working_days"] == 0
    assert flat["cultural_relics"] is False
    assert flat["tree_felling"] is False
    assert flat["road_excavation"] is False
    assert flat["utilities.dual_supply"] is False  # shown: power is wanted
    # Optional without a default stays unanswered.
    assert flat["site_area_m2"] is None
    assert flat["contact_name"] is None
    # Hidden for a warehouse, even though it has a default.
    assert flat["civil_air_defence"] is None
    assert WAREHOUSE["utilities"] == {"water": True, "power": True, "power_kva": 400, "gas": False, "heat": False}


def test_defaults_come_from_the_rule_base(rules):
    flat = validate_answers(rules, WAREHOUSE)
    for q in rules.questions.values():
        if q.id.split(".")[0] not in WAREHOUSE and (q.id not in ("civil_air_defence",)) and q.default is not None:
            assert flat[q.id] == q.default, q.id


def test_given_answers_override_defaults(rules):
    flat = validate_answers(rules, answers(underground_floors=2, cultural_relics=True, site_area_m2=12000))
    assert flat["underground_floors"] == 2
    assert flat["cultural_relics"] is True
    assert flat["site_area_m2"] == 12000.0


def test_shown_question_gets_its_default_for_residential(rules):
    flat = validate_answers(rules, answers(project_type="residential", fire_hazard_class=...))
    assert flat["civil_air_defence"] == "relocation_fee"
    assert flat["fire_hazard_class"] is None


def test_dual_supply_hidden_without_power(rules):
    flat = validate_answers(rules, answers(utilities={"water": True, "power": False, "gas": False, "heat": False}))
    assert flat["utilities.dual_supply"] is None
    assert flat["utilities.power_kva"] is None


def test_whole_numbers_and_null_for_hidden_questions_are_fine(rules):
    flat = validate_answers(rules, answers(project_type="residential", fire_hazard_class=None,
                                           underground_floors=2.0, building_height_m=0.5))
    assert flat["underground_floors"] == 2
    assert flat["fire_hazard_class"] is None
    assert flat["building_height_m"] == 0.5


def test_round_trip_through_nest_answers(rules):
    flat = validate_answers(rules, WAREHOUSE)
    assert validate_answers(rules, nest_answers(flat)) == flat
    assert nest_answers(flat)["utilities"]["power_kva"] == 400.0


def test_json_parsed_answers_pass(rules):
    assert validate_answers(rules, json.loads(json.dumps(WAREHOUSE, ensure_ascii=False)))


# --------------------------------------------------------------------------
# Invalid answers: every bad field at once


def test_every_bad_field_is_named_at_once(rules):
    days = rules.questions["construction_working_days"]
    bad = answers(
        project_type="residential",
        fire_hazard_class="C",            # not asked for residential
        colour="red",                     # unknown top-level key
        utilities={"water": True, "power": "yes", "steam": True, "power_kva": 200, "gas": False, "heat": False},
        investment=5,                     # wrong type for a choice
        hazardous_chemicals="no",         # wrong type for a bool
        district="",                      # blank text
        floor_area_m2=True,               # True is not a number
        building_height_m=0,              # out of range (exclusive minimum)
        annual_energy_tce=-1,             # out of range (minimum)
        underground_floors=1.5,           # not a whole number
        construction_working_days=int(days.maximum) + 1,  # out of range (maximum)
        eia_category=...,                 # missing, required
        in_park=...,                      # missing, required
    )
    errors = errors_of(rules, bad)
    assert errors == {
        "colour": ["unknown question"],
        "utilities.steam": ["unknown question"],
        "utilities.power": ["must be true or false"],
        "investment": ["must be one of enterprise, government"],
        "hazardous_chemicals": ["must be true or false"],
        "district": ["must be a non-empty string"],
        "floor_area_m2": ["must be a number"],
        "building_height_m": ["must be greater than 0"],
        "annual_energy_tce": ["must be at least 0"],
        "underground_floors": ["must be a whole number"],
        "construction_working_days": [f"must be at most {int(days.maximum)}"],
        "fire_hazard_class": ["not asked for these answers (its condition is not met)"],
        "eia_category": ["required"],
        "in_park": ["required"],
    }


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"project_type": "Warehouse"}, "project_type", "must be one of industrial_plant, warehouse"),
        ({"project_type": None}, "project_type", "required"),
        ({"land_supply": ["auction"]}, "land_supply", "must be one of"),
        ({"in_park": 1}, "in_park", "must be true or false"),
        ({"in_park": "true"}, "in_park", "must be true or false"),
        ({"floor_area_m2": "8000"}, "floor_area_m2", "must be a number"),
        ({"floor_area_m2": False}, "floor_area_m2", "must be a number"),
        ({"floor_area_m2": float("nan")}, "floor_area_m2", "must be a number"),
        ({"floor_area_m2": float("inf")}, "floor_area_m2", "must be a number"),
        ({"floor_area_m2": 10**400}, "floor_area_m2", "must be"),
        ({"floor_area_m2": 0}, "floor_area_m2", "must be greater than 0"),
        ({"floor_area_m2": -5}, "floor_area_m2", "must be greater than 0"),
        ({"floor_area_m2": 10**12}, "floor_area_m2", "must be at most"),
        ({"underground_floors": True}, "underground_floors", "must be a number"),
        ({"underground_floors": 1000}, "underground_floors", "must be at most"),
        ({"underground_floors": -1}, "underground_floors", "must be at least 0"),
        ({"underground_floors": 0.5}, "underground_floors", "must be a whole number"),
        ({"district": "   "}, "district", "must be a non-empty string"),
        ({"district": 12}, "district", "must be a non-empty string"),
        ({"district": "区" * (TEXT_MAX_LENGTH + 1)}, "district", f"at most {TEXT_MAX_LENGTH} characters"),
        ({"contact_name": {"first": "王"}}, "contact_name", "must be a non-empty string"),
        ({"fire_hazard_class": "F"}, "fire_hazard_class", "must be one of A, B, C, D, E"),
        ({"fire_hazard_class": ...}, "fire_hazard_class", "required"),
        ({"civil_air_defence": "build"}, "civil_air_defence", "not asked"),
        ({"utilities": {"water": True, "power": False, "dual_supply": True, "gas": False, "heat": False}},
         "utilities.dual_supply", "not asked"),
        ({"utilities": {"water": True, "power": True, "gas": False}}, "utilities.heat", "required"),
        ({"utilities": {"water": True, "power": True, "power_kva": True, "gas": False, "heat": False}},
         "utilities.power_kva", "must be a number"),
        ({"utilities": {"water": True, "power": True, "gas": False, "heat": False, "Water": True}},
         "utilities.Water", "unknown question"),
        ({"utilities.water": True}, "utilities.water", "unknown question"),
        ({"utilities": ...}, "utilities.water", "required"),
        ({"power": True}, "power", "unknown question"),
    ],
)
def test_single_bad_field(rules, changes, field, message):
    errors = errors_of(rules, answers(**changes))
    assert field in errors, errors
    assert any(message in m for m in errors[field]), errors[field]


@pytest.mark.parametrize("value", [True, None, [], ["water"], "water", 1])
def test_utilities_must_be_an_object(rules, value):
    errors = errors_of(rules, answers(utilities=value))
    assert errors["utilities"] == ["must be an object with water, power, power_kva, dual_supply, gas, heat"]


@pytest.mark.parametrize("value", [[], ["project_type"], "warehouse", None, 42])
def test_answers_must_be_an_object(rules, value):
    assert errors_of(rules, value) == {"answers": ["must be a JSON object of question ids to answers"]}


def test_empty_answers_name_every_required_question(rules):
    errors = errors_of(rules, {})
    required = {q.id for q in rules.questions.values()
                if q.required and q.default is None and q.show_if is None}
    assert required <= set(errors)
    assert all(errors[k] == ["required"] for k in required)
    # fire_hazard_class is only asked for plants and warehouses.
    assert "fire_hazard_class" not in errors
    # Optional questions are never "required".
    assert "site_area_m2" not in errors and "underground_floors" not in errors


def test_core_keys_of_spec_are_questions(rules):
    core = {"project_type", "investment", "land_supply", "in_park", "regional_assessment_done", "floor_area_m2",
            "building_height_m", "fire_hazard_class", "hazardous_chemicals", "eia_category", "annual_energy_tce",
            "utilities", "district"}
    assert core <= rules.top_level_keys
    assert set(WAREHOUSE) == core
