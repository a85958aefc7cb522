"""The condition language: every operator, combinators, facts, missing
answers, and that a condition is data that is checked, never code that runs."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coordinator.planning.conditions import Condition, ConditionError, compile_condition

QUESTIONS = {
    "kind": {"type": "choice", "option_values": ("plant", "warehouse", "office")},
    "area": {"type": "number", "option_values": None},
    "flag": {"type": "bool", "option_values": None},
    "name": {"type": "text", "option_values": None},
    "utilities.power": {"type": "bool", "option_values": None},
}
FACTS = ("big", "small")


def cc(spec, facts=FACTS) -> Condition:
    return compile_condition(spec, QUESTIONS, facts)


def check(spec, answers, facts=None) -> bool:
    return cc(spec)(answers, facts or {})


# --------------------------------------------------------------------------
# Each operator, true and false


@pytest.mark.parametrize(
    "spec, answers, expected",
    [
        ({"answer": "kind", "eq": "plant"}, {"kind": "plant"}, True),
        ({"answer": "kind", "eq": "plant"}, {"kind": "office"}, False),
        ({"answer": "kind", "ne": "plant"}, {"kind": "office"}, True),
        ({"answer": "kind", "ne": "plant"}, {"kind": "plant"}, False),
        ({"answer": "kind", "in": ["plant", "warehouse"]}, {"kind": "warehouse"}, True),
        ({"answer": "kind", "in": ["plant", "warehouse"]}, {"kind": "office"}, False),
        ({"answer": "kind", "not_in": ["plant", "warehouse"]}, {"kind": "office"}, True),
        ({"answer": "kind", "not_in": ["plant", "warehouse"]}, {"kind": "plant"}, False),
        ({"answer": "area", "gt": 100}, {"area": 100.5}, True),
        ({"answer": "area", "gt": 100}, {"area": 100}, False),
        ({"answer": "area", "gte": 100}, {"area": 100}, True),
        ({"answer": "area", "gte": 100}, {"area": 99.9}, False),
        ({"answer": "area", "lt": 100}, {"area": 99.9}, True),
        ({"answer": "area", "lt": 100}, {"area": 100}, False),
        ({"answer": "area", "lte": 100}, {"area": 100}, True),
        ({"answer": "area", "lte": 100}, {"area": 100.1}, False),
        ({"answer": "area", "eq": 100}, {"area": 100.0}, True),
        ({"answer": "area", "in": [1, 2.5]}, {"area": 2.5}, True),
        ({"answer": "flag", "is": True}, {"flag": True}, True),
        ({"answer": "flag", "is": True}, {"flag": False}, False),
        ({"answer": "flag", "is": False}, {"flag": False}, True),
        ({"answer": "flag", "is": False}, {"flag": True}, False),
        ({"answer": "flag", "eq": True}, {"flag": True}, True),
        ({"answer": "name", "eq": "滨海新区"}, {"name": "滨海新区"}, True),
        ({"answer": "name", "ne": "滨海新区"}, {"name": "和平区"}, True),
        ({"answer": "utilities.power", "is": True}, {"utilities.power": True}, True),
        ({"answer": "area", "present": True}, {"area": 0}, True),
        ({"answer": "area", "present": True}, {"area": None}, False),
        ({"answer": "area", "present": False}, {}, True),
        ({"answer": "flag", "present": True}, {"flag": False}, True),
        (True, {}, True),
        (False, {}, False),
    ],
)
def test_operator(spec, answers, expected):
    assert check(spec, answers) is expected


def test_is_means_the_bool_not_a_truthy_value():
    # 1 == True in Python; a condition on a bool question wants the bool.
    assert check({"answer": "flag", "is": True}, {"flag": 1}) is False
    assert check({"answer": "flag", "is": False}, {"flag": 0}) is False
    assert check({"answer": "flag", "is": False}, {"flag": None}) is False


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("answers", [{}, {"area": None}], ids=["absent", "none"])
def test_missing_answer_never_satisfies_a_numeric_comparison(op, answers):
    assert check({"answer": "area", op: 0}, answers) is False
    assert check({"answer": "area", op: -1e9}, answers) is False
    assert check({"answer": "area", op: 1e9}, answers) is False


@pytest.mark.parametrize("answers", [{}, {"kind": None}], ids=["absent", "none"])
def test_missing_answer_with_equality(answers):
    assert check({"answer": "kind", "eq": "plant"}, answers) is False
    assert check({"answer": "kind", "in": ["plant"]}, answers) is False
    assert check({"answer": "kind", "ne": "plant"}, answers) is True
    assert check({"answer": "kind", "not_in": ["plant"]}, answers) is True
    assert check({"answer": "flag", "is": True}, answers) is False


# --------------------------------------------------------------------------
# Combinators and facts

YES = {"answer": "flag", "is": True}
NO = {"answer": "flag", "is": False}


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"all": [YES]}, True),
        ({"all": [YES, YES]}, True),
        ({"all": [YES, NO]}, False),
        ({"any": [NO, YES]}, True),
        ({"any": [NO, NO]}, False),
        ({"not": YES}, False),
        ({"not": NO}, True),
        ({"not": {"not": YES}}, True),
        ({"all": [YES, {"any": [NO, {"not": NO}]}]}, True),
        ({"any": [{"all": [YES, NO]}, {"not": YES}]}, False),
    ],
)
def test_combinators(spec, expected):
    assert check(spec, {"flag": True}) is expected


def test_facts():
    cond = cc({"all": [{"fact": "big"}, {"not": {"fact": "small"}}]})
    assert cond.facts == ("big", "small")
    assert cond({}, {"big": True, "small": False}) is True
    assert cond({}, {"big": True, "small": True}) is False
    assert cond({}, {"big": False}) is False
    # A fact not evaluated (yet) is false.
    assert cc({"fact": "big"})({}, {}) is False


def test_condition_records_what_it_reads():
    cond = cc({"any": [{"answer": "kind", "eq": "plant"}, {"answer": "area", "gt": 5},
                       {"answer": "kind", "ne": "office"}, {"fact": "big"}]})
    assert cond.answer_keys == ("kind", "area")
    assert cond.facts == ("big",)
    # The kind holds, so only the branches that hold are reasons.
    assert cond.reasons({"kind": "plant", "area": 5.0}, {"big": True}) == [
        ("answer", "kind"), ("fact", "big")]


# --------------------------------------------------------------------------
# Malformed conditions are rejected with a path and a reason


@pytest.mark.parametrize(
    "spec, path, reason",
    [
        ({"answer": "colour", "eq": "red"}, "answer", "unknown question 'colour'"),
        ({"answer": "kind", "eq": "house"}, "eq", "'house' is not an option of 'kind'"),
        ({"answer": "kind", "in": ["plant", "house"]}, "in", "'house' is not an option"),
        ({"answer": "kind", "in": []}, "in", "non-empty list"),
        ({"answer": "kind", "not_in": "plant"}, "not_in", "non-empty list"),
        ({"answer": "kind", "like": "pl%"}, "", "exactly one comparison"),
        ({"answer": "kind"}, "", "exactly one comparison"),
        ({"answer": "kind", "eq": "plant", "ne": "office"}, "", "exactly one comparison"),
        ({"answer": "flag", "gt": 0}, "gt", "'flag' is bool"),
        ({"answer": "kind", "lte": 3}, "lte", "'kind' is choice"),
        ({"answer": "area", "gt": "100"}, "gt", "compares a number question with a number"),
        ({"answer": "area", "gt": True}, "gt", "compares a number question with a number"),
        ({"answer": "area", "gt": float("nan")}, "gt", "compares a number question with a number"),
        ({"answer": "area", "eq": "big"}, "eq", "'area' is a number question"),
        ({"answer": "area", "in": [[1]]}, "in", "'area' is a number question"),
        ({"answer": "area", "eq": None}, "eq", "'area' is a number question"),
        ({"answer": "name", "in": [{"a": 1}]}, "in", "'name' is a text question"),
        ({"answer": "name", "eq": 5}, "eq", "'name' is a text question"),
        ({"answer": "area", "is": True}, "is", "'is' compares a bool question"),
        ({"answer": "flag", "is": "yes"}, "is", "'is' compares a bool question"),
        ({"answer": "flag", "eq": "yes"}, "eq", "bool question"),
        ({"answer": "flag", "present": "yes"}, "present", "must be true or false"),
        ({"answer": ["kind"], "eq": "plant"}, "answer", "must be a question id"),
        ({"answer": {"k": 1}, "eq": "plant"}, "answer", "must be a question id"),
        ({"fact": "huge"}, "fact", "unknown fact 'huge'"),
        ({"fact": ["big"]}, "fact", "must be a fact name"),
        ({"fact": "big", "answer": "flag"}, "", "'fact' must stand alone"),
        ({"all": []}, "all", "non-empty list"),
        ({"any": YES}, "any", "non-empty list"),
        ({"all": [YES], "any": [YES]}, "", "must stand alone"),
        ({"not": YES, "fact": "big"}, "", "'not' must stand alone"),
        ({"all": [YES], 1: 2}, "", "must stand alone"),
        ({1: 2, "x": 3}, "", "unknown condition form"),
        ({}, "", "unknown condition form"),
        ({"all": [YES, {"answer": "kind", "eq": "house"}]}, "all[1].eq", "not an option"),
        ({"any": [YES, {"not": {"fact": "huge"}}]}, "any[1].not.fact", "unknown fact"),
        ("flag", "", "a condition must be a mapping"),
        (1, "", "a condition must be a mapping"),
        ([YES], "", "a condition must be a mapping"),
    ],
)
def test_malformed_condition(spec, path, reason):
    with pytest.raises(ConditionError) as info:
        cc(spec)
    assert info.value.path == path
    assert reason in info.value.reason


def test_error_path_is_prefixed():
    with pytest.raises(ConditionError) as info:
        compile_condition({"not": {"answer": "nope", "eq": 1}}, QUESTIONS, FACTS, path="applies_if")
    assert info.value.path == "applies_if.not.answer"
    assert str(info.value) == "applies_if.not.answer: unknown question 'nope'"


# --------------------------------------------------------------------------
# A condition is data: nothing in it is ever run


@pytest.mark.parametrize(
    "spec",
    [
        "__import__('os').system('false')",
        "flag == True",
        "lambda a, f: True",
        {"answer": "__import__('os')", "eq": 1},
        {"answer": "kind", "eq": "__import__('os').system('false')"},
        {"answer": "name", "eq": 1},  # a text question compared with a non-string
        {"fact": "__import__('os').system('false')"},
        {"eval": "1 + 1"},
        {"answer": "area", "gt": "__import__('os').getpid()"},
        {"all": ["flag"]},
        {"answer": "kind", "eq": lambda: True},
    ],
)
def test_strings_and_code_are_rejected_not_evaluated(spec, monkeypatch):
    import builtins

    def forbidden(*args, **kwargs):  # pragma: no cover - would mean code ran
        raise AssertionError("condition code was evaluated")

    outcome: object = None
    with monkeypatch.context() as m:
        for name in ("eval", "exec", "compile", "__import__"):
            m.setattr(builtins, name, forbidden)
        try:
            outcome = cc(spec)
        except BaseException as exc:  # noqa: BLE001 - judged below, with the builtins restored
            outcome = exc
    assert isinstance(outcome, ConditionError), outcome


def test_a_string_answer_value_is_compared_not_evaluated():
    # "name" is a text question: any string is a fine value, and it is only compared.
    cond = cc({"answer": "name", "eq": "__import__('os').system('false')"})
    assert cond({"name": "__import__('os').system('false')"}, {}) is True
    assert cond({"name": "x"}, {}) is False


# --------------------------------------------------------------------------
# Properties

KIND_VALUES = st.sampled_from(["plant", "warehouse", "office", None])
AREA_VALUES = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False))
FLAG_VALUES = st.sampled_from([True, False, None])
ANSWERS = st.fixed_dictionaries({"kind": KIND_VALUES, "area": AREA_VALUES, "flag": FLAG_VALUES})
NUMBERS = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False))


@st.composite
def leaf_specs(draw):
    """A random valid comparison on one question."""
    which = draw(st.sampled_from(["kind", "area", "flag"]))
    if which == "kind":
        op = draw(st.sampled_from(["eq", "ne", "in", "not_in", "present"]))
        if op in ("in", "not_in"):
            value = draw(st.lists(st.sampled_from(["plant", "warehouse", "office"]), min_size=1, max_size=3))
        elif op == "present":
            value = draw(st.booleans())
        else:
            value = draw(st.sampled_from(["plant", "warehouse", "office"]))
    elif which == "area":
        op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "eq", "ne", "present"]))
        value = draw(st.booleans()) if op == "present" else draw(NUMBERS)
    else:
        op = draw(st.sampled_from(["is", "eq", "ne", "present"]))
        value = draw(st.booleans())
    return {"answer": which, op: value}


def reference(spec, answers) -> bool:
    """An independent reading of the documented semantics of a leaf."""
    key = spec["answer"]
    (op, value), = ((k, v) for k, v in spec.items() if k != "answer")
    x = answers.get(key)
    if op == "present":
        return (x is not None) == value
    if op == "is":
        return x is value
    if op == "eq":
        return x == value
    if op == "ne":
        return x != value
    if op == "in":
        return x in value
    if op == "not_in":
        return x not in value
    if x is None:
        return False
    return {"gt": x > value, "gte": x >= value, "lt": x < value, "lte": x <= value}[op]


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, values=st.lists(st.sampled_from(["plant", "warehouse", "office"]), min_size=1, max_size=3))
def test_in_and_not_in_are_complements(answers, values):
    inside = cc({"answer": "kind", "in": values})(answers, {})
    outside = cc({"answer": "kind", "not_in": values})(answers, {})
    assert inside is not outside
    assert inside == (answers["kind"] in values)


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, values=st.lists(NUMBERS, min_size=1, max_size=4))
def test_in_and_not_in_are_complements_for_numbers(answers, values):
    inside = cc({"answer": "area", "in": values})(answers, {})
    outside = cc({"answer": "area", "not_in": values})(answers, {})
    assert inside is not outside


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, spec=leaf_specs())
def test_leaf_matches_reference(answers, spec):
    assert cc(spec)(answers, {}) is reference(spec, answers)


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, parts=st.lists(leaf_specs(), min_size=1, max_size=5))
def test_all_and_any_agree_with_python(answers, parts):
    each = [cc(p)(answers, {}) for p in parts]
    assert cc({"all": parts})(answers, {}) is all(each)
    assert cc({"any": parts})(answers, {}) is any(each)
    assert cc({"not": {"all": parts}})(answers, {}) is (not all(each))
    # De Morgan: not all == any not
    assert cc({"any": [{"not": p} for p in parts]})(answers, {}) is (not all(each))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6),
                    st.sampled_from(["kind", "area", "flag", "name", "big", "huge", "plant", "house"]))
OPS = ["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is", "present"]


def junk_specs():
    """Condition-shaped YAML data, valid or not."""
    values = st.recursive(SCALARS, lambda c: st.one_of(st.lists(c, max_size=3),
                                                       st.dictionaries(st.one_of(st.text(max_size=3), st.integers()),
                                                                       c, max_size=2)), max_leaves=4)
    return st.recursive(
        st.one_of(
            SCALARS,
            st.builds(lambda k, op, v: {"answer": k, op: v},
                      st.one_of(st.sampled_from(["kind", "area", "flag", "name", "nope"]), values),
                      st.sampled_from(OPS + ["like"]), values),
            st.builds(lambda v: {"fact": v}, st.one_of(st.sampled_from(["big", "huge"]), values)),
        ),
        lambda children: st.one_of(
            st.builds(lambda op, parts: {op: parts}, st.sampled_from(["all", "any"]), st.lists(children, max_size=3)),
            st.builds(lambda inner: {"not": inner}, children),
            # Extra keys next to a valid form, of any type.
            st.builds(lambda spec, k, v: {**spec, k: v} if isinstance(spec, dict) else spec,
                      children, st.one_of(st.sampled_from(["all", "any", "not", "fact", "answer", "x"]),
                                          st.integers()), values),
        ),
        max_leaves=8,
    )


@settings(max_examples=1000, deadline=None)
@given(spec=junk_specs(), answers=ANSWERS)
@example(spec={"answer": ["kind"], "eq": "plant"}, answers={"kind": "plant", "area": 1, "flag": True})
@example(spec={"fact": {"name": "big"}}, answers={"kind": None, "area": None, "flag": None})
@example(spec={"answer": "area", "in": [[1]]}, answers={"kind": None, "area": 1, "flag": None})
@example(spec={"all": [True], 1: 2}, answers={"kind": None, "area": None, "flag": None})
def test_any_spec_compiles_or_raises_condition_error(spec, answers):
    """Whatever the YAML holds, compiling never crashes with another error,
    and a compiled condition always answers a bool."""
    try:
        cond = cc(spec)
    except ConditionError as exc:
        assert exc.reason
        return
    assert cond(answers, {"big": True}) in (True, False)


def test_reasons_name_only_the_deciding_branches():
    questions = {
        "a": {"type": "bool", "option_values": None},
        "b": {"type": "number", "option_values": None},
        "c": {"type": "choice", "option_values": ("x", "y")},
    }
    cond = compile_condition(
        {"any": [{"answer": "a", "is": True}, {"all": [{"answer": "b", "gt": 5}, {"fact": "f"}]}]},
        questions, ["f"],
    )
    # Holds through the second branch only: the first branch is not a reason.
    assert cond.reasons({"a": False, "b": 9}, {"f": True}) == [("answer", "b"), ("fact", "f")]
    # Fails: every branch counts; within the failing `all`, only the failing part.
    assert cond.reasons({"a": False, "b": 9}, {"f": False}) == [("answer", "a"), ("fact", "f")]
    negated = compile_condition({"not": {"answer": "c", "eq": "x"}}, questions, [])
    assert negated.reasons({"c": "y"}, {}) == [("answer", "c")]
