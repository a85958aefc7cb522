"""Planner benchmarks: ``.venv/bin/python benchmarks/run.py``.

Times wall-clock and CPU time of each iteration (after a few warm-up runs
that are not counted); every verdict is on CPU time, so that it does not flip
with the load of a shared machine:

1. loading and validating the seed rule base (``load_rule_base()``);
2. planning a typical warehouse end to end — answers dict → validated →
   graph → schedule → ``plan.to_json()`` → the API's JSON encoder (orjson) — without and with a
   land date (CPU p50 ≤ 5 ms), timed alternately with its floor, a bare
   hand-written CPM pass over the same graph (:func:`bare_cpm`): the plan
   may take at most 20× the floor;
3. loading generated rule bases of 1,000 and 5,000 items with three
   prerequisites each (``benchmarks/synthetic.py``): ≤ 400 ms CPU per 1,000
   items, and linear (5,000 items in at most 6× the time of 1,000);
4. planning the same warehouse against the 1,000-item rule base (CPU p50 ≤
   100 ms, ≤ 20× its floor).

Prints wall and CPU p50 / p95, the ratio to the floor and the verdict, and
the size of each measured plan.  ``--scale 0.2`` runs fewer
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import generate_rule_base  # noqa: E402
from coordinator import encoding  # noqa: E402
from coordinator.planning import PlanOptions, load_rule_base, make_plan  # noqa: E402

# The typical warehouse of the README and the demo data.
TYPICAL_WAREHOUSE: dict[str, Any] = json.loads((ROOT / "examples" / "warehouse.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 3, 2)
LAND_DATE = dt.date(2026, 9, 15)
SYNTHETIC_SEED = 20260302
LOADING_SIZES = (1000, 5000)  # generated items (the seed items come on top)

TYPICAL_TARGET_MS = 5.0  # CPU p50 of a typical plan + JSON
SYNTHETIC_TARGET_MS = 100.0  # CPU p50 of a plan against the 1,000-item rule base
PLAN_MAX_RATIO = 20.0  # plan + JSON over the bare CPM pass on the same graph
LOADING_TARGET_MS_PER_1000 = 400.0  # CPU to load and validate 1,000 rule items


@dataclass
class Result:
    """Timings of one benchmark: wall-clock and CPU milliseconds per iteration.

    The verdict uses CPU time (the machine is shared; wall time moves with its
    load): ``target_ms`` bounds the CPU p50 and ``max_ratio`` the CPU p50 over
    that of ``floor``, a baseline measured in the same run."""

    name: str
    times_ms: list[float]
    target_ms: float | None = None
    cpu_ms: list[float] = field(default_factory=list)
    floor: "Result | None" = None
    max_ratio: float | None = None

    @property
    def n(self) -> int:
        return len(self.times_ms)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return _p95(self.times_ms)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times_ms)

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu_ms) if self.cpu_ms else self.p50

    @property
    def cpu_p95(self) -> float:
        return _p95(self.cpu_ms) if self.cpu_ms else self.p95

    @property
    def ratio(self) -> float | None:
        """CPU p50 over the floor's CPU p50."""
        return self.cpu_p50 / self.floor.cpu_p50 if self.floor and self.floor.cpu_p50 > 0 else None

    @property
    def status(self) -> str:
        if self.target_ms is None and self.max_ratio is None:
            return ""
        ok = self.target_ms is None or self.cpu_p50 <= self.target_ms
        if self.max_ratio is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.max_ratio
        return "ok" if ok else "MISSED"


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0


def measure(name: str, fn: Callable[[], Any], iterations: int, warmup: int = 3,
            target_ms: float | None = None) -> Result:
    """Run ``fn`` ``warmup`` times untimed, then ``iterations`` times timed
    (wall and CPU); ``target_ms`` bounds the CPU p50."""
    for _ in range(warmup):
        fn()
    gc.collect()
    result = Result(name, [], target_ms)
    for _ in range(iterations):
        wall, cpu = _timed(fn)
        result.times_ms.append(wall)
        result.cpu_ms.append(cpu)
    return result


def measure_against(name: str, fn: Callable[[], Any], floor_name: str, floor_fn: Callable[[], Any],
                    iterations: int, max_ratio: float, warmup: int = 3) -> tuple[Result, Result]:
    """Time ``fn`` and its floor ``floor_fn`` alternately in this process, so
    that both see the same machine; the verdict is the ratio of CPU p50s."""
    for _ in range(warmup):
        fn()
        floor_fn()
    gc.collect()
    floor = Result(floor_name, [])
    subject = Result(name, [], floor=floor, max_ratio=max_ratio)
    for _ in range(iterations):
        for result, f in ((subject, fn), (floor, floor_fn)):
            wall, cpu = _timed(f)
            result.times_ms.append(wall)
            result.cpu_ms.append(cpu)
    return subject, floor


def bare_cpm(durations: Mapping[str, int], predecessors: Mapping[str, list[tuple[str, int]]]) -> int:
    """The floor of planning: a hand-written critical-path pass on dicts —
    Kahn's topological order, forward pass (earliest start/finish), backward
    pass (latest start/finish), slack — over a graph already built."""
    successors: dict[str, list[tuple[str, int]]] = {c: [] for c in durations}
    indegree = {c: len(predecessors[c]) for c in durations}
    for code, preds in predecessors.items():
        for q, lag in preds:
            successors[q].append((code, lag))
    order = [c for c, n in indegree.items() if n == 0]
    for code in order:
        for s, _ in successors[code]:
            indegree[s] -= 1
            if indegree[s] == 0:
                order.append(s)
    es, ef = {}, {}
    for code in order:
        es[code] = max((ef[q] + lag for q, lag in predecessors[code]), default=0)
        ef[code] = es[code] + durations[code]
    total = max(ef.values(), default=0)
    ls = {}
    for code in reversed(order):
        lf = min((ls[s] - lag for s, lag in successors[code]), default=total)
        ls[code] = lf - durations[code]
    return sum(1 for c in order if ls[c] == es[c])


def cpm_input(plan) -> tuple[dict[str, int], dict[str, list[tuple[str, int]]]]:
    """The plan's graph as the plain dicts :func:`bare_cpm` takes."""
    graph = plan.graph
    durations = {c: graph.nodes[c]["planned"].days for c in graph}
    predecessors = {c: [(q, graph.edges[q, c]["lag"]) for q in graph.predecessors(c)] for c in graph}
    return durations, predecessors


def plan_json(rules, answers, land_date: dt.date | None) -> str:
    """The end-to-end path a request takes: plan, to_json, the API's encoder."""
    plan = make_plan(rules, answers, PlanOptions(land_date=land_date, today=TODAY))
    return encoding.dumps(plan.to_json())


def plan_size(label: str, rules, answers, land_date: dt.date | None) -> dict[str, Any]:
    plan = make_plan(rules, answers, PlanOptions(land_date=land_date, today=TODAY))
    text = encoding.dumps(plan.to_json())
    return {
        "plan": label,
        "rule items": len(rules.items),
        "rule deps": sum(len(i.requires) for i in rules.items.values()),
        "items in plan": len(plan.items),
        "edges": plan.graph.number_of_edges(),
        "excluded": len(plan.excluded),
        "working days": plan.total_working_days,
        "critical path": len(plan.critical_path),
        "JSON KiB": f"{len(text) / 1024:.0f}",
    }


def results_table(results: list["Result"], digits: int) -> str:
    """Wall and CPU p50 / p95, the ratio to the floor where there is one, the
    target and the verdict (on CPU time)."""
    def target(r: Result) -> str:
        parts = ([f"CPU p50 ≤ {r.target_ms:g} ms"] if r.target_ms else []) + \
                ([f"≤ {r.max_ratio:g}× floor"] if r.max_ratio else [])
        return ", ".join(parts) or "—"

    return table([
        {
            "benchmark": r.name,
            "iterations": r.n,
            "wall p50 ms": f"{r.p50:.{digits}f}",
            "wall p95 ms": f"{r.p95:.{digits}f}",
            "CPU p50 ms": f"{r.cpu_p50:.{digits}f}",
            "CPU p95 ms": f"{r.cpu_p95:.{digits}f}",
            "× floor": f"{r.ratio:.1f}" if r.ratio is not None else "—",
            "target": target(r),
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
    for land in (None, LAND_DATE):
        where = f"land {land}" if land else "no land date"
        durations, predecessors = cpm_input(make_plan(seed, TYPICAL_WAREHOUSE, PlanOptions(land_date=land, today=TODAY)))
        results.extend(measure_against(
            f"plan + JSON, warehouse, {where}", lambda: plan_json(seed, TYPICAL_WAREHOUSE, land),
            f"  floor: bare CPM pass, same graph ({len(durations)} nodes)", lambda: bare_cpm(durations, predecessors),
            iters(300), max_ratio=PLAN_MAX_RATIO, warmup=10))
        results[-2].target_ms = TYPICAL_TARGET_MS

    synthetic = {}
    for size in LOADING_SIZES:
        with tempfile.TemporaryDirectory(prefix="synthetic-rules-") as tmp:
            info = generate_rule_base(tmp, size, size * 3, seed=SYNTHETIC_SEED)
            total_items = len(info.codes) + len(info.seed_codes)
            loading = measure(f"load synthetic rule base, {total_items} items", lambda: load_rule_base(tmp),
                              iters(5), warmup=1)
            synthetic[size] = (load_rule_base(tmp), loading)
        loading.target_ms = LOADING_TARGET_MS_PER_1000 * total_items / 1000
        if size != LOADING_SIZES[0]:  # linear: n× the items in at most (1.2 n)× the time
            loading.floor = synthetic[LOADING_SIZES[0]][1]
            loading.max_ratio = 1.2 * size / LOADING_SIZES[0]
        results.append(loading)
    large, _ = synthetic[LOADING_SIZES[0]]
    for land in (None, LAND_DATE):
        where = f"land {land}" if land else "no land date"
        plan = make_plan(large, TYPICAL_WAREHOUSE, PlanOptions(land_date=land, today=TODAY))
        durations, predecessors = cpm_input(plan)
        results.extend(measure_against(
            f"plan + JSON, {len(plan.items)} of {len(large.items)} rule items apply, {where}",
            lambda: plan_json(large, TYPICAL_WAREHOUSE, land),
            f"  floor: bare CPM pass, same graph ({len(durations)} nodes)", lambda: bare_cpm(durations, predecessors),
            iters(20), max_ratio=PLAN_MAX_RATIO, warmup=2))
        results[-2].target_ms = SYNTHETIC_TARGET_MS

    print(results_table(results, digits=2))
    print()
    print("What was measured (plan sizes):")
    print(table([
        plan_size("seed, no land date", seed, TYPICAL_WAREHOUSE, None),
        plan_size(f"seed, land {LAND_DATE}", seed, TYPICAL_WAREHOUSE, LAND_DATE),
        plan_size("synthetic, no land date", large, TYPICAL_WAREHOUSE, None),
        plan_size(f"synthetic, land {LAND_DATE}", large, TYPICAL_WAREHOUSE, LAND_DATE),
    ]))
    print(f"total run time {time.perf_counter() - began:.1f} s")
    return exit_status(results, args.strict)


if __name__ == "__main__":
    sys.exit(main())
