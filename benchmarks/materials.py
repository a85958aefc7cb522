"""Online-application benchmarks: ``.venv/bin/python benchmarks/materials.py``.

On a temporary SQLite database (or ``DATABASE_URL``'s, which it does not
empty: use a scratch database) and the configured storage
(``COORDINATOR_STORAGE_URL``, default a temporary directory), through the
JSON API with the test client, times:

1. uploading a 10 MB PDF (multipart parse, content sniffing, SHA-256, the
   blob written and fsynced, the rows committed) — MB/s;
2. downloading it (access check, blob read, download logged) — MB/s;
3. issuing a licence: the approving transition, which renders the licence
   PDF with its QR code, stores it and commits.

Prints wall and CPU time (``time.process_time``) for each, median of
``--rounds`` rounds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZE = 10 * 1024 * 1024
PASSWORD = "bench password"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark material upload/download and licence issue.")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from coordinator import create_app
    from coordinator.accounts.models import Organisation, Role
    from coordinator.accounts.service import create_user
    from coordinator.database import upgrade
    from coordinator.demo import seed_organisations
    from coordinator.extensions import db
    from coordinator.projects.service import create_project
    from coordinator.tracking.service import transition
    from sqlalchemy import select

    with tempfile.TemporaryDirectory(prefix="materials-bench-") as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
            "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
            "COORDINATOR_STORAGE_URL": os.environ.get("COORDINATOR_STORAGE_URL") or str(Path(tmp) / "files"),
        })
        upgrade(app)
        stamp = dt.datetime.now().strftime("%H%M%S%f")
        with app.app_context():
            seed_organisations()
            org = {o.code: o for o in db.session.scalars(select(Organisation))}
            owner = create_user(f"bench-owner-{stamp}", PASSWORD, Role.owner, "业主")
            officer = create_user(f"bench-drc-{stamp}", PASSWORD, Role.officer, "发改", org["drc"])
            db.session.commit()
            answers = __import__("json").loads((ROOT / "examples" / "warehouse.json").read_text(encoding="utf-8"))
            projects = [create_project(owner, f"基准仓库{i}", answers, today=dt.date(2026, 3, 2))
                        for i in range(args.rounds)]
            filings = [next(i.id for i in p.current_plan.items if i.code == "project_filing") for p in projects]
            owner_name, officer_id, owner_id = owner.username, officer.id, owner.id
        client = app.test_client()
        client.post("/login", data={"username": owner_name, "password": PASSWORD})

        uploads, downloads, issues = [], [], []
        for n, item in enumerate(filings):
            data = b"%PDF-1.4\n" + os.urandom(SIZE - 9)
            r, wall, cpu = timed(lambda: client.post(
                f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                data={"material": "项目符合产业政策的声明", "file": (io.BytesIO(data), f"声明{n}.pdf")}))
            assert r.status_code == 201, r.json
            uploads.append((wall, cpu))
            r, wall, cpu = timed(lambda: client.get(f"/api/v1/files/{r.json['id']}"))
            assert r.status_code == 200 and len(r.data) == SIZE
            downloads.append((wall, cpu))
            client.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                        data={"material": "项目备案信息表（项目单位基本情况、项目名称、建设地点、建设规模和内容、总投资）",
                              "file": (io.BytesIO(b"%PDF-1.4\n%small\n"), "备案表.pdf")})
            with app.app_context():
                from coordinator.accounts.models import User

                transition(db.session.get(User, owner_id), item, "submitted")
                officer_user = db.session.get(User, officer_id)
                transition(officer_user, item, "accepted")
                _, wall, cpu = timed(lambda: transition(officer_user, item, "approved", document_number=f"基准{n}"))
                issues.append((wall, cpu))
                db.session.remove()

    def row(label, samples, per_mb=False):
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        rate = f"{SIZE / 2**20 / wall:8.1f} MB/s" if per_mb else ""
        print(f"{label:<34} wall {wall * 1000:8.1f} ms   CPU {cpu * 1000:8.1f} ms  {rate}")

    print(f"{args.rounds} rounds, median; storage: {os.environ.get('COORDINATOR_STORAGE_URL') or 'temporary directory'}")
    row("upload 10 MB PDF (POST materials)", uploads, per_mb=True)
    row("download 10 MB (GET files/{id})", downloads, per_mb=True)
    row("approve + issue licence", issues)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
