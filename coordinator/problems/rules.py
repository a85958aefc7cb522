"""The 办不成事 loop's time limits as rule-base data (``rules/problems.yaml``),
validated at load like the rest of the rule base: every problem is reported
with file, line, path and reason."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from marshmallow import fields, validate

from ..planning.rulebase import (
    DEFAULT_RULES_DIR, Basis, BasisSchema, RuleBaseError, RuleError, _load_file, _Strict,
)
from .loop import STEPS

FILE = "problems.yaml"


class StepSchema(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1))
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60))
    basis = fields.Nested(BasisSchema, required=True)


#: every step of the loop needs its limit; no others exist
StepsSchema = _Strict.from_dict({code: fields.Nested(StepSchema, required=True) for code in STEPS}, name="Steps")


class ProblemsFileSchema(_Strict):
    basis = fields.Nested(BasisSchema)
    steps = fields.Nested(StepsSchema, required=True)


@dataclass(frozen=True)
class Step:
    """One step of the loop: its names, its limit in working days, its basis."""

    code: str
    name: str
    name_en: str
    days: int
    basis: Basis


@dataclass(frozen=True)
class ProblemRules:
    steps: dict[str, Step]

    @property
    def limits(self) -> dict[str, int]:
        """Working days per step, as :func:`coordinator.problems.loop.apply_move` takes them."""
        return {code: step.days for code, step in self.steps.items()}


def parse_problem_rules(content: str | bytes | None, display: str = FILE) -> ProblemRules:
    """Validate the file's content; raises :class:`RuleBaseError` listing
    every problem (a step missing, a limit that is not a positive whole number …)."""
    errors: list[RuleError] = []
    data, _ = _load_file(content, display, ProblemsFileSchema(), errors)
    if errors:
        raise RuleBaseError(errors)
    return ProblemRules({code: Step(code, s["name"], s["name_en"], s["days"], Basis(**s["basis"]))
                         for code in STEPS for s in [data["steps"][code]]})


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> ProblemRules:
    return parse_problem_rules(path.read_bytes() if path.exists() else None, FILE)


def load_problem_rules(directory: str | Path | None = None) -> ProblemRules:
    """The loop's rules from ``DIRECTORY/problems.yaml`` (default ``rules/``), cached per file version."""
    path = Path(directory or DEFAULT_RULES_DIR) / FILE
    return _load(path, path.stat().st_mtime if path.exists() else 0.0)
