"""Routes of the JSON API: thin wrappers over the planning service."""
from __future__ import annotations

from dataclasses import asdict

from flask import current_app
from flask_smorest import abort

from ..planning import AnswersError
from ..planning.service import plan_project, rule_base
from . import blueprint
from .schemas import PlanRequestSchema, PlanSchema, QuestionnaireSchema


def _rules():
    return rule_base(current_app.config.get("RULES_DIR"))


@blueprint.route("/questionnaire")
@blueprint.response(200, QuestionnaireSchema)
def questionnaire():
    """The questions, with their conditions, in the rule base's order."""
    rules = _rules()
    questions = []
    for q in sorted(rules.questions.values(), key=lambda q: q.order):
        row = asdict(q)
        row["show_if"] = q.show_if.spec if q.show_if else None
        questions.append(row)
    return {"version": rules.version, "sections": [asdict(s) for s in rules.sections], "questions": questions}


@blueprint.route("/plans", methods=["POST"])
@blueprint.arguments(PlanRequestSchema)
@blueprint.response(200, PlanSchema)
@blueprint.alt_response(400, description="invalid answers: every bad field named")
def create_plan(body):
    """Plan the answers (nothing is stored; no login needed)."""
    try:
        plan = plan_project(_rules(), body["answers"], body["land_date"], body["commitment"], body["today"])
    except AnswersError as exc:
        abort(400, error="invalid_answers", message="the answers are invalid", errors=exc.fields)
    return plan.to_json()
