"""Planner benchmarks: ``.venv/bin/python benchmarks/run.py``.

Times, with ``time.perf_counter`` over many iterations (after a few warm-up
runs that are not counted):

1. loading and validating the seed rule base (``load_rule_base()``);
2. planning a typical warehouse end to end — answers dict → validated →
   graph → schedule → ``plan.to_json()`` → ``json.dumps`` — without and with a
   land date (target p50 ≤ 5 ms);
3. loading a generated rule base of 1,000 items and 3,000 dependencies
   (``benchmarks/synthetic.py``) and planning the same warehouse against it
   (target p50 ≤ 100 ms).

Prints a table of p50 / p95 / mean in milliseconds with the iteration
counts, and the size of each measured plan.  ``--scale 0.2`` runs fewer
iterations; ``--strict`` exits with status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import generate_rule_base  # noqa: E402
from coordinator.planning import PlanOptions, load_rule_base, make_plan  # noqa: E402

# The typical warehouse of the README and the demo data.
TYPICAL_WAREHOUSE: dict[str, Any] = json.loads((ROOT / "examples" / "warehouse.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 3, 2)
LAND_DATE = dt.date(2026, 9, 15)
SYNTHETIC_ITEMS = 1000
SYNTHETIC_DEPENDENCIES = 3000
SYNTHETIC_SEED = 20260302

TYPICAL_TARGET_MS = 5.0
SYNTHETIC_TARGET_MS = 100.0


@dataclass
class Result:
    name: str
    times_ms: list[float]
    target_ms: float | None = None

    @property
    def n(self) -> int:
        return len(self.times_ms)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        if self.n < 2:
            return self.times_ms[0]
        return statistics.quantiles(self.times_ms, n=100, method="inclusive")[94]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times_ms)

    @property
    def status(self) -> str:
        if self.target_ms is None:
            return ""
        return "ok" if self.p50 <= self.target_ms else "MISSED"


def measure(name: str, fn: Callable[[], Any], iterations: int, warmup: int = 3,
            target_ms: float | None = None) -> Result:
    """Run ``fn`` ``warmup`` times untimed, then ``iterations`` times timed."""
    for _ in range(warmup):
        fn()
    gc.collect()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return Result(name, times, target_ms)


def plan_json(rules, answers, land_date: dt.date | None) -> str:
    """The end-to-end path a request takes: plan, to_json, json.dumps."""
    plan = make_plan(rules, answers, PlanOptions(land_date=land_date, today=TODAY))
    return json.dumps(plan.to_json(), ensure_ascii=False)


def plan_size(label: str, rules, answers, land_date: dt.date | None) -> dict[str, Any]:
    plan = make_plan(rules, answers, PlanOptions(land_date=land_date, today=TODAY))
    text = json.dumps(plan.to_json(), ensure_ascii=False)
    return {
        "plan": label,
        "rule items": len(rules.items),
        "rule deps": sum(len(i.requires) for i in rules.items.values()),
        "items in plan": len(plan.items),
        "edges": plan.graph.number_of_edges(),
        "excluded": len(plan.excluded),
        "working days": plan.total_working_days,
        "critical path": len(plan.critical_path),
        "JSON KiB": f"{len(text.encode()) / 1024:.0f}",
    }


def results_table(results: list["Result"], digits: int) -> str:
    """The p50 / p95 / mean table of timed results."""
    return table([
        {
            "benchmark": r.name,
            "iterations": r.n,
            "p50 ms": f"{r.p50:.{digits}f}",
            "p95 ms": f"{r.p95:.{digits}f}",
            "mean ms": f"{r.mean:.{digits}f}",
            "target p50": f"≤ {r.target_ms:g} ms" if r.target_ms else "—",
            "status": r.status or "—",
        }
        for r in results
    ])


def exit_status(results: list["Result"], strict: bool) -> int:
    """Name the missed targets; 1 when there are some and ``--strict`` was given."""
    missed = [r.name for r in results if r.status == "MISSED"]
    if missed:
        print("targets missed: " + "; ".join(missed))
    return 1 if (missed and strict) else 0


def table(rows: list[dict[str, Any]]) -> str:
    headers = list(rows[0])
    cells = [[str(r[h]) for h in headers] for r in rows]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = lambda vals: "  ".join(  # noqa: E731
        (v.ljust(w + len(v) - _width(v)) if i == 0 else v.rjust(w + len(v) - _width(v)))
        for i, (v, w) in enumerate(zip(vals, widths))
    )
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(c) for c in cells]
    return "\n".join(out)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark rule loading and planning.")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every iteration count (default 1)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a p50 target is missed")
    args = parser.parse_args(argv)
    iters = lambda n: max(2, math.ceil(n * args.scale))  # noqa: E731

    from importlib.metadata import version

    import networkx
    import yaml

    began = time.perf_counter()
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; networkx {networkx.__version__}, marshmallow "
        f"{version('marshmallow')}, PyYAML {yaml.__version__} "
        f"(libyaml {'available' if yaml.__with_libyaml__ else 'missing'})"
    )
    print(f"answers: typical warehouse, today {TODAY}; land date {LAND_DATE} where noted\n")

    results: list[Result] = []
    results.append(measure("load seed rules/", load_rule_base, iters(20), warmup=2))
    seed = load_rule_base()
    results.append(measure("plan warehouse, no land date", lambda: plan_json(seed, TYPICAL_WAREHOUSE, None),
                           iters(200), warmup=10, target_ms=TYPICAL_TARGET_MS))
    results.append(measure(f"plan warehouse, land {LAND_DATE}", lambda: plan_json(seed, TYPICAL_WAREHOUSE, LAND_DATE),
                           iters(200), warmup=10, target_ms=TYPICAL_TARGET_MS))

    with tempfile.TemporaryDirectory(prefix="synthetic-rules-") as tmp:
        start = time.perf_counter()
        info = generate_rule_base(tmp, SYNTHETIC_ITEMS, SYNTHETIC_DEPENDENCIES, seed=SYNTHETIC_SEED)
        generated_s = time.perf_counter() - start
        label = f"synthetic ({SYNTHETIC_ITEMS} items/{SYNTHETIC_DEPENDENCIES} deps)"
        results.append(measure(f"{label} load", lambda: load_rule_base(tmp), iters(3), warmup=0))
        synthetic = load_rule_base(tmp)
    results.append(measure(f"{label} plan, no land date",
                           lambda: plan_json(synthetic, TYPICAL_WAREHOUSE, None),
                           iters(30), warmup=2, target_ms=SYNTHETIC_TARGET_MS))
    results.append(measure(f"{label} plan, land {LAND_DATE}",
                           lambda: plan_json(synthetic, TYPICAL_WAREHOUSE, LAND_DATE),
                           iters(30), warmup=2, target_ms=SYNTHETIC_TARGET_MS))

    print(results_table(results, digits=2))
    print()
    print("What was measured (plan sizes):")
    print(table([
        plan_size("seed, no land date", seed, TYPICAL_WAREHOUSE, None),
        plan_size(f"seed, land {LAND_DATE}", seed, TYPICAL_WAREHOUSE, LAND_DATE),
        plan_size("synthetic, no land date", synthetic, TYPICAL_WAREHOUSE, None),
        plan_size(f"synthetic, land {LAND_DATE}", synthetic, TYPICAL_WAREHOUSE, LAND_DATE),
    ]))
    print(
        f"\nsynthetic rule base: {len(info.codes)} generated + {len(info.seed_codes)} seed items; "
        f"{info.dependencies} generated dependencies ({info.conditional_dependencies} conditional), "
        f"{info.conditional_items} generated items with applies_if; generated in {generated_s:.2f} s (not timed above)"
    )
    print(f"total run time {time.perf_counter() - began:.1f} s")
    return exit_status(results, args.strict)


if __name__ == "__main__":
    sys.exit(main())
