"""Check a questionnaire's answers against the rule base's questions."""
from __future__ import annotations

import math
from typing import Any, Iterator, Mapping

from . import limits
from .rulebase import Question, RuleBase

TEXT_MAX_LENGTH = limits.ANSWER_TEXT

MESSAGES = {
    "answers_object": "must be a JSON object of question ids to answers",
    "unknown": "unknown question",
    "not_object": "must be an object with {keys}",
    "not_asked": "not asked for these answers (its condition is not met)",
    "required": "required",
    "bool": "must be true or false",
    "choice": "must be one of {options}",
    "text": "must be a non-empty string",
    "too_long": "must be at most {max} characters",
    "number": "must be a number",
    "integer": "must be a whole number",
    "gt": "must be greater than {min}",
    "gte": "must be at least {min}",
    "lte": "must be at most {max}",
}


class Problem(str):
    """A field's problem: the English message, plus a ``code`` and ``params``
    so pages can show it in the reader's language."""

    code: str
    params: dict[str, Any]


def problem(code: str, **params: Any) -> Problem:
    message = Problem(MESSAGES[code].format(**params))
    message.code, message.params = code, params
    return message


class AnswersError(ValueError):
    """The answers are invalid; ``fields`` maps each bad field to its messages."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("invalid answers: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))


def validate_answers(rules: RuleBase, answers: Any) -> dict[str, Any]:
    """Return the answers as a flat ``{question id: value}`` mapping with
    defaults filled in and hidden questions set to ``None``.

    Raises :class:`AnswersError` naming every bad field at once: unknown
    keys, wrong types, out-of-range numbers, answers to questions that are
    not asked (``show_if`` false) and missing required answers."""
    if not isinstance(answers, Mapping):
        raise AnswersError({"answers": [problem("answers_object")]})
    errors: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    groups = rules.question_groups()
    for key, value in answers.items():
        if key not in groups:
            errors.setdefault(str(key), []).append(problem("unknown"))
            continue
        members = groups[key]
        if members[0].id == key:  # a plain question
            given[key] = value
            continue
        if not isinstance(value, Mapping):
            errors.setdefault(key, []).append(problem("not_object", keys=", ".join(q.id.split(".")[1] for q in members)))
            continue
        known = {q.id for q in members}
        for sub, sub_value in value.items():
            qid = f"{key}.{sub}"
            if qid not in known:
                errors.setdefault(qid, []).append(problem("unknown"))
            else:
                given[qid] = sub_value

    flat: dict[str, Any] = {}
    for q, shown, value in walk_questions(rules, given):
        flat[q.id] = value
        raw = given.get(q.id)
        if not shown:
            if raw is not None:
                errors.setdefault(q.id, []).append(problem("not_asked"))
        elif raw is None:
            if q.required and q.default is None:
                errors.setdefault(q.id, []).append(problem("required"))
        elif (bad := check_value(q, raw)) is not None:
            errors.setdefault(q.id, []).append(bad)
    if errors:
        raise AnswersError(errors)
    return flat


def walk_questions(rules: RuleBase, given: Mapping[str, Any]) -> Iterator[tuple[Question, bool, Any]]:
    """Each question in order, whether it is asked for these (flat) answers,
    and the value it takes: the answer when valid, the default when
    unanswered, ``None`` when not asked or invalid.  ``show_if`` only ever
    sees those values, never an invalid answer."""
    seen: dict[str, Any] = {}
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        shown = q.show_if is None or q.show_if(seen, {})
        raw = given.get(q.id)
        if not shown:
            value = None
        elif raw is None:
            value = q.default
        elif check_value(q, raw) is None:
            value = float(raw) if q.type == "number" and not q.integer else raw
        else:
            value = None
        seen[q.id] = value
        yield q, shown, value


def check_value(q: Question, value: Any) -> Problem | None:
    """The problem with ``value`` as an answer to ``q``, or ``None``."""
    if q.type == "bool":
        return None if isinstance(value, bool) else problem("bool")
    if q.type == "choice":
        if value in q.option_values:
            return None
        return problem("choice", options=", ".join(q.option_values))
    if q.type == "text":
        if not isinstance(value, str) or not value.strip():
            return problem("text")
        return problem("too_long", max=TEXT_MAX_LENGTH) if len(value) > TEXT_MAX_LENGTH else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        return problem("number")
    if q.integer and value != int(value):
        return problem("integer")
    if q.minimum is not None:
        if q.exclusive_minimum and value <= q.minimum:
            return problem("gt", min=_num(q.minimum))
        if not q.exclusive_minimum and value < q.minimum:
            return problem("gte", min=_num(q.minimum))
    if q.maximum is not None and value > q.maximum:
        return problem("lte", max=_num(q.maximum))
    return None


def nest_answers(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of flattening: ``{"utilities.power": x}`` → ``{"utilities": {"power": x}}``,
    leaving out unanswered (``None``) questions."""
    out: dict[str, Any] = {}
    for qid, value in flat.items():
        if value is None:
            continue
        if "." in qid:
            group, sub = qid.split(".", 1)
            out.setdefault(group, {})[sub] = value
        else:
            out[qid] = value
    return out


def _finite(x: float) -> bool:
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
