"""The questionnaire as an HTML form: parse posted fields into answers and
describe each question's field (visible or not, value, errors)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from ..planning.answers import nest_answers, walk_questions
from ..planning.rulebase import Question, RuleBase


@dataclass
class FormField:
    question: Question
    value: str
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.question.id


@dataclass
class FormState:
    """What the questionnaire page shows for the current input."""

    sections: list[tuple[Any, list[FormField]]]
    answers: dict[str, Any]
    name: str
    land_date: dt.date | None
    errors: dict[str, list[str]]


def parse_form(rules: RuleBase, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed answers (nested, only visible questions) and the raw strings."""
    raw = {q: (form.get(q) or "").strip() for q in rules.questions}
    flat: dict[str, Any] = {}
    for qid, text in raw.items():
        if text == "":
            continue
        q = rules.questions[qid]
        if q.type == "bool":
            flat[qid] = {"true": True, "false": False}.get(text, text)
        elif q.type == "number":
            flat[qid] = _number(text)
        else:
            flat[qid] = text
    shown = visible(rules, flat)
    return nest_answers({k: v for k, v in flat.items() if k in shown}), raw


def visible(rules: RuleBase, given: Mapping[str, Any]) -> set[str]:
    """The questions asked for these (flat) answers, following ``show_if`` in order."""
    return {q.id for q, shown, _ in walk_questions(rules, given) if shown}


def flatten(answers: Mapping[str, Any]) -> dict[str, Any]:
    """``{"utilities": {"power": x}}`` → ``{"utilities.power": x}``."""
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, Mapping):
            flat.update({f"{key}.{sub}": v for sub, v in value.items()})
        else:
            flat[key] = value
    return flat


def form_state(
    rules: RuleBase, answers: Mapping[str, Any], raw: Mapping[str, str] | None = None,
    errors: Mapping[str, list[str]] | None = None, name: str = "", land_date: dt.date | None = None,
) -> FormState:
    """The fields to show, grouped by section, with values and errors."""
    flat = flatten(answers)
    shown = visible(rules, flat)
    errors = dict(errors or {})
    by_section: dict[str, list[FormField]] = {}
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        if q.id not in shown:
            continue
        text = (raw or {}).get(q.id)
        if text is None:
            text = _text(flat.get(q.id, q.default))
        by_section.setdefault(q.section, []).append(FormField(q, text, errors.get(q.id, [])))
    sections = [(s, by_section[s.id]) for s in rules.sections if s.id in by_section]
    return FormState(sections, dict(answers), name, land_date, errors)


def _number(text: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


PROBLEM_TEXTS = {
    "answers_object": _l("答案格式不正确"),
    "unknown": _l("未知的问题"),
    "not_object": _l("答案格式不正确"),
    "not_asked": _l("根据其他答案，此问题无需回答"),
    "required": _l("请回答此问题"),
    "bool": _l("请选择“是”或“否”"),
    "choice": _l("请从选项中选择"),
    "text": _l("请填写此项"),
    "too_long": _l("不能超过 %(max)s 个字符"),
    "number": _l("请输入数字"),
    "integer": _l("请输入整数"),
    "gt": _l("必须大于 %(min)s"),
    "gte": _l("不能小于 %(min)s"),
    "lte": _l("不能大于 %(max)s"),
}


def problem_text(message: Any) -> str:
    """A field problem in the reader's language (see ``planning.answers.problem``)."""
    text = PROBLEM_TEXTS.get(getattr(message, "code", None))
    return str(text) % message.params if text is not None else str(message)
