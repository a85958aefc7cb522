"""Rule-governance benchmarks: ``.venv/bin/python benchmarks/governance.py``.

Times, on a temporary SQLite database:

1. ``current_rules()`` as every planning request calls it, with a published
   version and admin calendar days (cached: two small queries; target p50 ≤ 2 ms);
2. the same after the calendar changed (the published bundle parsed again);
3. validating the seed bundle: ``coordinator rules check`` plus its YAML
   rule tests;
4. the impact preview of a draft over stored projects (each planned under
   both rule bases), for ``--projects`` projects.

Prints p50 / p95 / mean in milliseconds; ``--strict`` exits 1 on a missed target.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import TYPICAL_WAREHOUSE, exit_status, measure, results_table  # noqa: E402

CACHED_TARGET_MS = 2.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the rule base in force, validation and impact preview.")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every iteration count (default 1)")
    parser.add_argument("--projects", type=int, default=50, help="stored projects for the impact preview")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a p50 target is missed")
    args = parser.parse_args(argv)
    iters = lambda n: max(2, math.ceil(n * args.scale))  # noqa: E731

    from coordinator import create_app
    from coordinator.accounts.models import Role
    from coordinator.accounts.service import create_user
    from coordinator.database import upgrade
    from coordinator.extensions import db
    from coordinator.governance import service
    from coordinator.governance.impact import preview_impact
    from coordinator.governance.bundles import CalendarDay, edit_item, validate_bundle
    from coordinator.governance.service import current_rules
    from coordinator.projects.service import create_project

    with tempfile.TemporaryDirectory(prefix="governance-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
        upgrade(app)
        with app.app_context():
            admin = create_user("bench-admin", "bench password", Role.admin)
            owner = create_user("bench-owner", "bench password", Role.owner)
            db.session.commit()
            today = dt.date(2026, 3, 2)
            for i in range(args.projects):
                create_project(owner, f"仓库 {i}", {**TYPICAL_WAREHOUSE, "floor_area_m2": 5000 + 100 * i}, today=today)
            seed = service.seed_bundle()
            published = service.create_draft(admin, seed, "bench")
            service.publish(admin, published)
            service.save_calendar_days(admin, [CalendarDay(dt.date(2027, 1, 1), "holiday", "元旦")])
            draft = service.create_draft(admin, edit_item(seed, "power_supply_plan", {"committed_days": 12}), "draft")

            results = [measure("current_rules(), cached", current_rules, iters(500), warmup=5,
                               target_ms=CACHED_TARGET_MS)]
            day = [dt.date(2027, 1, 2)]

            def after_calendar_change():
                day[0] += dt.timedelta(days=1)
                service.save_calendar_days(admin, [CalendarDay(day[0], "holiday", "")])
                return current_rules()

            results.append(measure("current_rules() after a calendar change (incl. the save)",
                                   after_calendar_change, iters(10), warmup=1))
            results.append(measure("validate seed bundle (checks + rule tests)", lambda: validate_bundle(seed),
                                   iters(5), warmup=1))
            results.append(measure(f"impact preview, {args.projects} projects", lambda: preview_impact(draft, today),
                                   iters(5), warmup=1))
            changed = len(preview_impact(draft, today))
            db.session.remove()
            db.engine.dispose()

    print(results_table(results, digits=2))
    print(f"\nimpact preview: {changed} of {args.projects} projects change; "
          f"validation runs {validate_bundle(seed).cases_run} rule tests")
    return exit_status(results, args.strict)


if __name__ == "__main__":
    sys.exit(main())
