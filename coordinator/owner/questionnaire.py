"""The questionnaire as an HTML form: parse posted fields into answers and
describe each question's field (visible or not, value, errors).

The owner answers it step by step, one section of the rule base at a time,
then checks every answer (``REVIEW``) before the plan is made; ``ALL`` shows
every question on one page, as a client posting everything at once gets it.
The answers of the other steps travel with the form as hidden fields."""
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


#: The step that shows every answer before the plan is made.
REVIEW = "review"
#: Every question on one page.
ALL = "all"
#: The fields outside the rule base's questions, asked on the first step.
PROJECT_FIELDS = ("name", "land_date")


@dataclass
class FormState:
    """What the questionnaire page shows for the current input: the fields
    of the current ``step`` (by section), the other answers as ``hidden``
    ``(name, value)`` pairs, and the ``steps`` as ``(section, has errors)``."""

    sections: list[tuple[Any, list[FormField]]]
    answers: dict[str, Any]
    name: str
    land_date: dt.date | None
    errors: dict[str, list[str]]
    step: str = ALL
    steps: list[tuple[Any, bool]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)

    @property
    def first_step(self) -> bool:
        return bool(self.steps) and self.step == self.steps[0][0].id

    @property
    def number(self) -> int:
        """The current step's number, counting from 1 (the review is the last)."""
        ids = [s.id for s, _ in self.steps]
        return ids.index(self.step) + 1 if self.step in ids else len(ids) + 1


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


def steps(rules: RuleBase, answers: Mapping[str, Any]) -> list[str]:
    """The steps for these answers: each section with a question asked, then the review."""
    asked = {rules.questions[q].section for q in visible(rules, flatten(answers))}
    return [s.id for s in rules.sections if s.id in asked] + [REVIEW]


def step_of(rules: RuleBase, key: str, order: list[str]) -> str:
    """The step a field (question id, or name and land date) is asked on."""
    question = rules.questions.get(key)
    return question.section if question is not None else order[0]


def moved(order: list[str], step: str, action: str) -> str:
    """The step an action leads to from ``step``: ``next``, ``back`` or ``step:ID``."""
    if action.startswith("step:") and (action[5:] in order or action[5:] == ALL):
        return action[5:]
    if step not in order:
        return step if step == ALL else order[0]
    at = order.index(step)
    if action == "next":
        return order[min(at + 1, len(order) - 1)]
    if action == "back":
        return order[max(at - 1, 0)]
    return step


def form_state(
    rules: RuleBase, answers: Mapping[str, Any], raw: Mapping[str, str] | None = None,
    errors: Mapping[str, list[str]] | None = None, name: str = "", land_date: dt.date | None = None,
    step: str = ALL,
) -> FormState:
    """The fields to show on ``step``, grouped by section, with values and
    errors; the answers of the other steps as hidden fields."""
    flat = flatten(answers)
    shown = visible(rules, flat)
    errors = dict(errors or {})
    order = steps(rules, answers)
    if step != ALL and step not in order:
        step = order[0]
    by_section: dict[str, list[FormField]] = {}
    hidden: list[tuple[str, str]] = []
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        if q.id not in shown:
            continue
        text = (raw or {}).get(q.id)
        if text is None:
            text = _text(flat.get(q.id, q.default))
        if step not in (ALL, REVIEW, q.section):
            if text:
                hidden.append((q.id, text))
            continue
        if step == REVIEW and text:
            hidden.append((q.id, text))
        by_section.setdefault(q.section, []).append(FormField(q, text, errors.get(q.id, [])))
    if step not in (ALL, order[0]):
        hidden += [("name", name), ("land_date", land_date.isoformat() if land_date else "")]
    sections = [(s, by_section[s.id]) for s in rules.sections if s.id in by_section]
    wrong = {step_of(rules, key, order) for key, problems in errors.items() if problems}
    titles = {s.id: s for s in rules.sections}
    return FormState(sections, dict(answers), name, land_date, errors, step,
                     [(titles[s], s in wrong) for s in order[:-1]], hidden)


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
