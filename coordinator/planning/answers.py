"""Check a questionnaire's answers against the rule base's questions."""
from __future__ import annotations

import math
from typing import Any, Mapping

from .rulebase import Question, RuleBase

TEXT_MAX_LENGTH = 200


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
        raise AnswersError({"answers": ["must be a JSON object of question ids to answers"]})
    errors: dict[str, list[str]] = {}
    given: dict[str, Any] = {}
    groups = rules.question_groups()
    for key, value in answers.items():
        if key not in groups:
            errors.setdefault(str(key), []).append("unknown question")
            continue
        members = groups[key]
        if members[0].id == key:  # a plain question
            given[key] = value
            continue
        if not isinstance(value, Mapping):
            errors.setdefault(key, []).append("must be an object with " + ", ".join(q.id.split(".")[1] for q in members))
            continue
        known = {q.id for q in members}
        for sub, sub_value in value.items():
            qid = f"{key}.{sub}"
            if qid not in known:
                errors.setdefault(qid, []).append("unknown question")
            else:
                given[qid] = sub_value

    flat: dict[str, Any] = {}
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        shown = q.show_if is None or q.show_if(flat, {})
        value = given.get(q.id)
        if not shown:
            if value is not None:
                errors.setdefault(q.id, []).append("not asked for these answers (its condition is not met)")
            flat[q.id] = None
            continue
        if value is None:
            if q.required and q.default is None:
                errors.setdefault(q.id, []).append("required")
            flat[q.id] = q.default
            continue
        problem = check_value(q, value)
        if problem:
            errors.setdefault(q.id, []).append(problem)
            flat[q.id] = None
        else:
            flat[q.id] = float(value) if q.type == "number" and not q.integer else value
    if errors:
        raise AnswersError(errors)
    return flat


def check_value(q: Question, value: Any) -> str | None:
    """The problem with ``value`` as an answer to ``q``, or ``None``."""
    if q.type == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if q.type == "choice":
        if value in q.option_values:
            return None
        return f"must be one of {', '.join(q.option_values)}"
    if q.type == "text":
        if not isinstance(value, str) or not value.strip():
            return "must be a non-empty string"
        return f"must be at most {TEXT_MAX_LENGTH} characters" if len(value) > TEXT_MAX_LENGTH else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        return "must be a number"
    if q.integer and value != int(value):
        return "must be a whole number"
    if q.minimum is not None:
        if q.exclusive_minimum and value <= q.minimum:
            return f"must be greater than {_num(q.minimum)}"
        if not q.exclusive_minimum and value < q.minimum:
            return f"must be at least {_num(q.minimum)}"
    if q.maximum is not None and value > q.maximum:
        return f"must be at most {_num(q.maximum)}"
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
