"""A generator of large, valid rule bases for benchmarking the planner.

``generate_rule_base(directory)`` writes a complete rule-base directory that
``coordinator.planning.load_rule_base`` accepts:

* ``rulebase.yaml``, ``questions.yaml``, ``stages.yaml``, ``departments.yaml``,
  ``facts.yaml`` and ``calendar.yaml`` are copied from the seed rules;
* the seed ``items/*.yaml`` are copied unchanged, so every code in
  ``required_codes`` exists with its real prerequisites and conditions;
* ``items/synthetic_NNN.yaml`` hold ``items`` generated items over the real
  stages and departments, with exactly ``dependencies`` prerequisites in
  total (each ``requires`` entry counts once).

The generated graph is acyclic by construction: generated item ``i`` only
requires seed items or generated items of a strictly lower *level*, and levels
grow with the index, so every edge runs from a lower to a higher index.
Levels bound the depth of the graph (roughly ``levels`` items on the longest
chain) so the schedule stays a plausible length.

About a third of the items carry an ``applies_if`` on real questions or facts
(``{answer: floor_area_m2, gte: N}``, ``{fact: simple_low_risk}``, ``all``/
``any``/``not`` combinations), about a fifth of the prerequisites are
conditional (``{item: CODE, if: CONDITION}``), and some items have
``commitment``/``before_land``/``land_day`` modes and ``days_if`` overrides,
so planning does the same kinds of work it does on the seed rules.

Everything is derived from the seed files (question types and options,
stage and department codes, fact names), so the generator follows the rule
base as it evolves; ``tests/test_benchmarks.py`` keeps it honest.
"""
from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SEED_RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
COPIED_FILES = (
    "rulebase.yaml",
    "questions.yaml",
    "stages.yaml",
    "departments.yaml",
    "facts.yaml",
    "calendar.yaml",
    "services.yaml",  # the intermediary services the preparation items name
)
CODE_PREFIX = "syn_"
ITEMS_PER_FILE = 100
# Thresholds for numeric conditions; clipped to each question's range.
NUMBER_THRESHOLDS = (1, 10, 100, 300, 1000, 5000, 10000, 20000, 50000, 100000)


@dataclass(frozen=True)
class SyntheticRuleBase:
    """What :func:`generate_rule_base` wrote."""

    directory: Path
    codes: tuple[str, ...]          # the generated item codes, in index order
    seed_codes: tuple[str, ...]     # the copied seed item codes
    dependencies: int               # requires entries across generated items
    conditional_dependencies: int   # of which carry an ``if``
    conditional_items: int          # generated items with an ``applies_if``
    files: tuple[str, ...]          # generated item files, relative to directory


def generate_rule_base(
    directory: str | Path,
    items: int = 1000,
    dependencies: int = 3000,
    seed: int = 20260302,
    *,
    levels: int = 40,
    seed_rules: str | Path = SEED_RULES_DIR,
    seed_dependency_share: float = 0.05,
    conditional_item_share: float = 0.35,
    conditional_dependency_share: float = 0.2,
) -> SyntheticRuleBase:
    """Write a synthetic rule base of the seed files plus ``items`` generated
    items with exactly ``dependencies`` prerequisites into ``directory``.

    Deterministic for a given ``seed``.  Raises :class:`ValueError` when the
    requested number of dependencies cannot fit in an acyclic graph of that
    many items and levels."""
    if items < 1 or dependencies < 0:
        raise ValueError("need at least one item and a non-negative number of dependencies")
    rng = random.Random(seed)
    directory = Path(directory)
    seed_rules = Path(seed_rules)
    (directory / "items").mkdir(parents=True, exist_ok=True)
    for name in COPIED_FILES:
        if (seed_rules / name).exists():
            shutil.copyfile(seed_rules / name, directory / name)
    seed_codes: list[str] = []
    for path in sorted((seed_rules / "items").glob("*.yaml")):
        shutil.copyfile(path, directory / "items" / path.name)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        seed_codes.extend(row["code"] for row in data.get("items", []))

    questions = _load_questions(seed_rules / "questions.yaml")
    facts = [f["name"] for f in _load(seed_rules / "facts.yaml").get("facts", [])]
    stages = [s["code"] for s in _load(seed_rules / "stages.yaml")["stages"]]
    departments = _load(seed_rules / "departments.yaml")["departments"]
    gov_departments = [d["code"] for d in departments if d.get("kind", "government") != "utility"]
    utility_departments = [d["code"] for d in departments if d.get("kind") == "utility"]
    conditions = _ConditionMaker(rng, questions, facts)

    levels = max(1, min(levels, items))
    level_of = [i * levels // items for i in range(items)]
    first_of_level = {}
    for i, lv in enumerate(level_of):
        first_of_level.setdefault(lv, i)
    codes = [f"{CODE_PREFIX}{i:04d}" for i in range(items)]
    edges = _choose_edges(rng, items, dependencies, level_of, first_of_level, seed_codes, seed_dependency_share)

    work_stages = [s for s in stages if s != "utility"] or stages
    rows: list[dict[str, Any]] = []
    n_conditional_deps = 0
    n_conditional_items = 0
    for i, code in enumerate(codes):
        roll = rng.random()
        kind = "milestone" if roll < 0.03 else ("utility" if roll < 0.10 and utility_departments else "approval")
        row: dict[str, Any] = {
            "code": code,
            "name": f"合成事项 {i:04d}",
            "name_en": f"Synthetic item {i:04d}",
            "kind": kind,
        }
        if kind == "utility":
            row["utility"] = rng.choice(("water", "power", "gas", "heat"))
            row["stage"] = "utility" if "utility" in stages else rng.choice(stages)
            row["department"] = rng.choice(utility_departments)
        else:
            # Stages follow the index, like the real process.
            row["stage"] = work_stages[min(len(work_stages) - 1, i * len(work_stages) // items)]
            if kind == "approval":
                row["department"] = rng.choice(gov_departments)
        committed = rng.randint(0, 3) if kind == "milestone" else rng.randint(1, 15)
        if kind != "milestone":
            row["legal_days"] = committed + rng.randint(0, 10)
        row["committed_days"] = committed
        if kind != "milestone":
            modes: list[Any] = ["standard"]
            extra = rng.random()
            if extra < 0.15 and committed > 0:
                row["commitment_days"] = rng.randint(0, committed)
                modes.append("commitment" if rng.random() < 0.5 else {"mode": "commitment", "if": conditions.make()})
            elif extra < 0.45:
                modes.append("before_land")
            elif extra < 0.50:
                modes.append("land_day")
            elif extra < 0.55:
                modes.append("gaps")
            row["modes"] = modes
            if rng.random() < 0.1:
                row["days_if"] = [{"if": conditions.make(), "days": rng.randint(0, committed)}]
        if rng.random() < conditional_item_share:
            row["applies_if"] = conditions.make()
            n_conditional_items += 1
        requires: list[Any] = []
        for target in edges[i]:
            target_code = target if isinstance(target, str) else codes[target]
            if rng.random() < conditional_dependency_share:
                requires.append({"item": target_code, "if": conditions.make()})
                n_conditional_deps += 1
            else:
                requires.append(target_code)
        if requires:
            row["requires"] = requires
        if kind != "milestone":
            row["materials"] = [f"申请材料 {i:04d}-1", {"name": f"申请材料 {i:04d}-2", "essential": False, "note": "可容缺后补"}]
            row["basis"] = [{"document": "合成规则库（基准测试用）", "article": f"第{i + 1}条"}]
        rows.append(row)

    files = []
    for start in range(0, items, ITEMS_PER_FILE):
        rel = f"items/synthetic_{start // ITEMS_PER_FILE:03d}.yaml"
        text = "# Generated by benchmarks/synthetic.py; do not edit.\n" + yaml.safe_dump(
            {"items": rows[start:start + ITEMS_PER_FILE]}, allow_unicode=True, sort_keys=False, width=120
        )
        (directory / rel).write_text(text, encoding="utf-8")
        files.append(rel)

    total = sum(len(e) for e in edges)
    assert total == dependencies, (total, dependencies)
    return SyntheticRuleBase(
        directory=directory,
        codes=tuple(codes),
        seed_codes=tuple(seed_codes),
        dependencies=total,
        conditional_dependencies=n_conditional_deps,
        conditional_items=n_conditional_items,
        files=tuple(files),
    )


def _choose_edges(rng, items, dependencies, level_of, first_of_level, seed_codes, seed_share):
    """Exactly ``dependencies`` distinct prerequisites: ``edges[i]`` lists seed
    codes (str) and lower-level generated indices (int) that item ``i`` requires."""
    # How many distinct prerequisites item i could have.
    capacity = [first_of_level[level_of[i]] + len(seed_codes) for i in range(items)]
    if dependencies > sum(capacity):
        raise ValueError(
            f"{dependencies} dependencies do not fit in an acyclic graph of {items} items "
            f"over {len(first_of_level)} levels (at most {sum(capacity)})"
        )
    edges: list[list[Any]] = [[] for _ in range(items)]
    chosen: list[set] = [set() for _ in range(items)]
    candidates = [i for i in range(items) if capacity[i] > 0]
    remaining = dependencies
    while remaining:
        i = rng.choice(candidates)
        if len(chosen[i]) >= capacity[i]:
            candidates.remove(i)
            continue
        below = first_of_level[level_of[i]]  # generated items 0..below-1 are on lower levels
        if seed_codes and (below == 0 or rng.random() < seed_share):
            target: Any = rng.choice(seed_codes)
        else:
            # Prefer the last few levels below, like a real process does.
            lo = max(0, below - rng.choice((below, 50, 150, 300)))
            target = rng.randrange(lo, below)
        if target in chosen[i]:
            continue
        chosen[i].add(target)
        edges[i].append(target)
        remaining -= 1
    for e in edges:
        e.sort(key=lambda t: (isinstance(t, int), t))
    return edges


class _ConditionMaker:
    """Random, valid conditions over the real questions and facts."""

    def __init__(self, rng: random.Random, questions: list[dict], facts: list[str]):
        self.rng = rng
        self.numbers = [q for q in questions if q["type"] == "number"]
        self.bools = [q for q in questions if q["type"] == "bool"]
        self.choices = [q for q in questions if q["type"] == "choice"]
        self.facts = facts

    def make(self, depth: int = 0) -> Any:
        rng = self.rng
        roll = rng.random()
        if depth == 0 and roll < 0.15:
            parts = [self.make(depth + 1) for _ in range(rng.randint(2, 3))]
            return {rng.choice(("all", "any")): parts}
        if depth == 0 and roll < 0.2:
            return {"not": self.make(depth + 1)}
        roll = rng.random()
        if roll < 0.35 and self.numbers:
            q = rng.choice(self.numbers)
            top = q.get("maximum")
            limits = [t for t in NUMBER_THRESHOLDS if top is None or t <= top] or [q.get("minimum") or 0]
            return {"answer": q["id"], rng.choice(("gt", "gte", "lt", "lte")): rng.choice(limits)}
        if roll < 0.6 and self.choices:
            q = rng.choice(self.choices)
            values = [o["value"] for o in q["options"]]
            picked = rng.sample(values, rng.randint(1, max(1, len(values) - 1)))
            if len(picked) == 1:
                return {"answer": q["id"], rng.choice(("eq", "ne")): picked[0]}
            return {"answer": q["id"], rng.choice(("in", "not_in")): picked}
        if roll < 0.85 and self.bools:
            return {"answer": rng.choice(self.bools)["id"], "is": rng.random() < 0.5}
        if self.facts:
            return {"fact": rng.choice(self.facts)}
        return True


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _load_questions(path: Path) -> list[dict]:
    return [q for sec in _load(path).get("sections", []) for q in sec.get("questions", [])]


if __name__ == "__main__":  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--dependencies", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20260302)
    args = parser.parse_args()
    out = generate_rule_base(args.directory, args.items, args.dependencies, args.seed)
    print(f"wrote {len(out.codes)} items, {out.dependencies} dependencies to {out.directory}")
