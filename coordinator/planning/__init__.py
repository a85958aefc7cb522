"""The planning core: rule base, answers, working-day calendar and scheduler.

Plain Python over plain data; nothing here imports a web framework or a
database, so the CLI, the web views and notebooks all call the same code.
"""
from .answers import AnswersError, validate_answers
from .calendar import WorkingCalendar
from .planner import Plan, PlanOptions, make_plan
from .rulebase import RuleBase, RuleBaseError, RuleError, load_rule_base

__all__ = [
    "AnswersError",
    "Plan",
    "PlanOptions",
    "RuleBase",
    "RuleBaseError",
    "RuleError",
    "WorkingCalendar",
    "load_rule_base",
    "make_plan",
    "validate_answers",
]
