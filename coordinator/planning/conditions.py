"""A small, safe condition language over answers and derived facts.

Conditions are plain data (parsed from YAML) and are compiled into Python
closures once, at rule-base load time.  No expression is ever evaluated as
code.  Forms::

    {answer: KEY, eq: V} | ne | in: [V...] | not_in: [V...]
    {answer: KEY, gt: N} | gte | lt | lte
    {answer: KEY, is: true|false}          # booleans
    {answer: KEY, present: true|false}     # answered (or defaulted) at all
    {fact: NAME}                           # a named fact of the rule base
    {all: [C...]} | {any: [C...]} | {not: C}
    true | false
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

Predicate = Callable[[Mapping[str, Any], Mapping[str, bool]], bool]

COMPARATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is", "present")
NUMERIC_OPS = {"gt", "gte", "lt", "lte"}


class ConditionError(ValueError):
    """A condition is malformed; ``path`` is relative to the condition."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Condition:
    """A compiled condition: ``test(answers, facts)`` plus what it reads."""

    spec: Any
    test: Predicate
    answer_keys: tuple[str, ...]
    facts: tuple[str, ...]

    def __call__(self, answers: Mapping[str, Any], facts: Mapping[str, bool]) -> bool:
        return self.test(answers, facts)

    def reasons(self, answers: Mapping[str, Any], facts: Mapping[str, bool]) -> list[tuple[str, str]]:
        """The leaves that decide the outcome, as ``("answer", key)`` or
        ``("fact", name)``: for ``any`` that holds, only the branches that
        hold; for ``all`` that fails, only the parts that fail."""
        return list(dict.fromkeys(self.test.why(answers, facts)))



def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def compile_condition(
    spec: Any,
    questions: Mapping[str, Any],
    known_facts: Iterable[str],
    path: str = "",
) -> Condition:
    """Compile ``spec`` into a :class:`Condition`, checking every answer key,
    operator and value against ``questions`` (id → question with ``type`` and
    ``option_values``, and ``unavailable``: why it may not be used here) and
    every fact against ``known_facts``."""
    keys: list[str] = []
    facts: list[str] = []
    test = _compile(spec, questions, frozenset(known_facts), path, keys, facts)
    return Condition(spec, test, tuple(dict.fromkeys(keys)), tuple(dict.fromkeys(facts)))


def _compile(spec, questions, known_facts, path, keys, facts) -> Predicate:
    if spec is True or spec is None:
        return _with_reasons(lambda a, f: True, lambda a, f: [])
    if spec is False:
        return _with_reasons(lambda a, f: False, lambda a, f: [])
    if not isinstance(spec, Mapping):
        raise ConditionError(path, f"a condition must be a mapping or true/false, not {spec!r}")
    if "all" in spec or "any" in spec:
        op = "all" if "all" in spec else "any"
        if len(spec) != 1:
            raise ConditionError(path, f"'{op}' must stand alone, found keys {_keys(spec)}")
        parts = spec[op]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(_join(path, op), "must be a non-empty list of conditions")
        tests = [
            _compile(p, questions, known_facts, f"{_join(path, op)}[{i}]", keys, facts)
            for i, p in enumerate(parts)
        ]
        wanted = op == "any"  # the parts that decide: holding for any, failing for all

        def why(a, f):
            deciding = [t for t in tests if t(a, f) == wanted]
            return [r for t in (deciding or tests) for r in t.why(a, f)]

        if op == "all":
            return _with_reasons(lambda a, f: all(t(a, f) for t in tests), why)
        return _with_reasons(lambda a, f: any(t(a, f) for t in tests), why)
    if "not" in spec:
        if len(spec) != 1:
            raise ConditionError(path, f"'not' must stand alone, found keys {_keys(spec)}")
        inner = _compile(spec["not"], questions, known_facts, _join(path, "not"), keys, facts)
        return _with_reasons(lambda a, f: not inner(a, f), inner.why)
    if "fact" in spec:
        name = spec["fact"]
        if len(spec) != 1:
            raise ConditionError(path, f"'fact' must stand alone, found keys {_keys(spec)}")
        if not isinstance(name, str):
            raise ConditionError(_join(path, "fact"), f"must be a fact name, not {name!r}")
        if name not in known_facts:
            raise ConditionError(_join(path, "fact"), f"unknown fact '{name}'")
        facts.append(name)
        return _with_reasons(lambda a, f: bool(f.get(name, False)), lambda a, f: [("fact", name)])
    if "answer" in spec:
        test = _compile_answer(spec, questions, path, keys)
        return _with_reasons(test, lambda a, f: [("answer", spec["answer"])])
    raise ConditionError(path, f"unknown condition form with keys {_keys(spec)}")


def _with_reasons(test: Predicate, why: Callable) -> Predicate:
    test.why = why  # type: ignore[attr-defined]
    return test


def _keys(spec: Mapping) -> list[str]:
    return sorted(str(k) for k in spec)


def _compile_answer(spec, questions, path, keys) -> Predicate:
    key = spec["answer"]
    if not isinstance(key, str):
        raise ConditionError(_join(path, "answer"), f"must be a question id, not {key!r}")
    if key not in questions:
        raise ConditionError(_join(path, "answer"), f"unknown question '{key}'")
    if questions[key].get("unavailable"):
        raise ConditionError(_join(path, "answer"), f"'{key}' {questions[key]['unavailable']}")
    ops = [k for k in spec if k != "answer"]
    if len(ops) != 1 or ops[0] not in COMPARATORS:
        raise ConditionError(
            path, f"needs exactly one comparison of {', '.join(COMPARATORS)}; found {ops}"
        )
    op = ops[0]
    value = spec[op]
    question = questions[key]
    qtype = question["type"]
    opath = _join(path, op)
    keys.append(key)
    if op == "present":
        if not isinstance(value, bool):
            raise ConditionError(opath, "must be true or false")
        return lambda a, f: (a.get(key) is not None) == value
    if op == "is":
        if qtype != "bool" or not isinstance(value, bool):
            raise ConditionError(opath, f"'is' compares a bool question with true/false ('{key}' is {qtype})")
        return lambda a, f: a.get(key) is value
    if op in NUMERIC_OPS:
        if qtype != "number" or not _is_number(value):
            raise ConditionError(opath, f"'{op}' compares a number question with a number ('{key}' is {qtype})")
        cmp = {
            "gt": lambda x: x > value,
            "gte": lambda x: x >= value,
            "lt": lambda x: x < value,
            "lte": lambda x: x <= value,
        }[op]
        return lambda a, f: (x := a.get(key)) is not None and cmp(x)
    values = value if op in ("in", "not_in") else [value]
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        raise ConditionError(opath, f"'{op}' needs a non-empty list")
    options = question.get("option_values")
    for v in values:
        if options is not None and v not in options:
            raise ConditionError(opath, f"'{v}' is not an option of '{key}' ({', '.join(options)})")
        if qtype == "bool" and not isinstance(v, bool):
            raise ConditionError(opath, f"'{key}' is a bool question; compare with true/false")
        if qtype == "number" and not _is_number(v):
            raise ConditionError(opath, f"'{key}' is a number question; compare with numbers, not {v!r}")
        if qtype == "text" and not isinstance(v, str):
            raise ConditionError(opath, f"'{key}' is a text question; compare with strings, not {v!r}")
    if op == "eq":
        return lambda a, f: a.get(key) == value
    if op == "ne":
        return lambda a, f: a.get(key) != value
    allowed = frozenset(values)
    if op == "in":
        return lambda a, f: a.get(key) in allowed
    return lambda a, f: a.get(key) not in allowed


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
