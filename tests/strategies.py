"""Hypothesis strategies for valid answers, driven by the rule base itself."""
from __future__ import annotations

from hypothesis import strategies as st

from coordinator.planning.answers import nest_answers
from coordinator.planning.rulebase import Question, RuleBase


def _value(q: Question) -> st.SearchStrategy:
    if q.type == "bool":
        return st.booleans()
    if q.type == "choice":
        return st.sampled_from(q.option_values)
    if q.type == "text":
        return st.sampled_from(["滨海新区", "西青区", "东丽区", "武清区"])
    low = q.minimum or 0
    high = min(q.maximum or 1e6, 200_000 if "area" in q.id else 2_000)
    if q.integer:
        return st.integers(int(low) + (1 if q.exclusive_minimum else 0), int(min(high, 300)))
    # Round values so thresholds such as 300 m² or 1,000 tce are hit exactly too.
    return st.one_of(
        st.sampled_from([v for v in (1, 24, 160, 300, 1000, 5000, 10000, 50000) if v > low and v <= high]),
        st.integers(int(low) + 1, int(high)),
        st.floats(low, high, exclude_min=q.exclusive_minimum, allow_nan=False).filter(lambda x: x > 0 or not q.exclusive_minimum),
    )


@st.composite
def valid_answers(draw, rules: RuleBase) -> dict:
    """Answers that follow the questionnaire: hidden questions are left out,
    optional questions are sometimes left out."""
    flat: dict = {}
    given: dict = {}
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        if q.show_if is not None and not q.show_if(flat, {}):
            flat[q.id] = None
        elif not q.required and draw(st.booleans()):
            flat[q.id] = q.default
        else:
            flat[q.id] = given[q.id] = draw(_value(q))
    return nest_answers(given)
