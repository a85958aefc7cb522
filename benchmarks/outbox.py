"""Outbox throughput: ``.venv/bin/python benchmarks/outbox.py``.

Enqueues N webhook notifications for one provider, then runs 1 and 4
``coordinator deliver --once`` worker processes at once against the same
PostgreSQL database (``FOR UPDATE SKIP LOCKED`` shares the rows out) and a
local webhook receiver (``http.server`` in threads, checking every HMAC).
Prints, per worker count, the notifications delivered per second over the
delivery window (first to last POST received) and over the whole run
including process start-up, plus duplicates seen by the receiver.

The database is ``--database`` or ``DATABASE_URL`` (migrated to head; rows
of kind ``benchmark`` are removed before each run).
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.accounts.models import Organisation, OrganisationKind  # noqa: E402
from coordinator.database import upgrade  # noqa: E402
from coordinator.extensions import db  # noqa: E402
from coordinator.notifications.models import Notification  # noqa: E402
from coordinator.notifications.outbox import enqueue  # noqa: E402
from coordinator.utility.service import register_webhook, rotate_secret  # noqa: E402

COORDINATOR = Path(sys.executable).parent / "coordinator"
PROVIDER = "benchmark_power"
KIND = "benchmark"


#: The local receiver is on loopback, which webhooks may not call unless allowed.
LOOPBACK = "127.0.0.1/32"


class Receiver:
    """Counts signed POSTs by idempotency key, with the time of each."""

    def __init__(self):
        self.secret = ""
        self.keys: dict[str, int] = {}
        self.times: list[float] = []
        self.bad = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stamp = self.headers.get("X-Signature-Timestamp", "").encode()
                good = hmac.compare_digest(
                    hmac.new(receiver.secret.encode(), stamp + b"." + body, hashlib.sha256).hexdigest(),
                    self.headers.get("X-Signature", ""))
                with receiver.lock:
                    receiver.times.append(time.perf_counter())
                    if good:
                        key = self.headers["Idempotency-Key"]
                        receiver.keys[key] = receiver.keys.get(key, 0) + 1
                    else:
                        receiver.bad += 1
                self.send_response(200 if good else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        self.keys.clear()
        self.times.clear()
        self.bad = 0


def prepare(app, receiver: Receiver, count: int) -> None:
    with app.app_context():
        db.session.execute(delete(Notification).where(Notification.kind == KIND))
        provider = db.session.scalar(select(Organisation).where(Organisation.code == PROVIDER))
        if provider is None:
            provider = Organisation(kind=OrganisationKind.utility, code=PROVIDER, name="基准测试供电公司",
                                    utility="power", districts=[])
            db.session.add(provider)
        db.session.commit()
        register_webhook(provider, receiver.url)
        receiver.secret = rotate_secret(provider)
        for i in range(count):
            enqueue(KIND, f"基准测试通知 {i}", "正文", organisations=[provider], channels=["webhook"],
                    payload={"n": i})
            if i % 500 == 499:
                db.session.commit()
        db.session.commit()
        db.session.remove()


def run(app, database: str, receiver: Receiver, count: int, workers: int, batch: int) -> dict:
    prepare(app, receiver, count)
    receiver.reset()
    env = {**os.environ, "DATABASE_URL": database, "COORDINATOR_ENV": "development",
           "WEBHOOK_ALLOWED_NETWORKS": LOOPBACK}
    start = time.perf_counter()
    procs = [subprocess.Popen([str(COORDINATOR), "deliver", "--once", "--batch", str(batch)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(workers)]
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode:
            raise SystemExit(f"worker failed:\n{out}")
    wall = time.perf_counter() - start
    with app.app_context():
        sent = db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == KIND, Notification.status == "sent"))
        db.session.remove()
    window = (max(receiver.times) - min(receiver.times)) if len(receiver.times) > 1 else float("nan")
    return {
        "workers": workers, "sent": sent, "received": len(receiver.keys),
        "duplicates": sum(receiver.keys.values()) - len(receiver.keys), "bad_signatures": receiver.bad,
        "window_s": window, "wall_s": wall, "per_s": count / window, "per_s_wall": count / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="SQLAlchemy URL of a PostgreSQL database (default: DATABASE_URL)")
    parser.add_argument("--count", type=int, default=2000, help="notifications per run")
    parser.add_argument("--batch", type=int, default=100, help="rows per worker round (each row is committed on its own)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    if not args.database:
        raise SystemExit("set DATABASE_URL or --database to a PostgreSQL database")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "WEBHOOK_ALLOWED_NETWORKS": LOOPBACK})
    upgrade(app)
    receiver = Receiver()
    print(f"outbox throughput: {args.count} webhook notifications, batch {args.batch}, "
          f"{os.cpu_count()} CPUs, {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}")
    print(f"{'workers':>7} {'delivered':>9} {'dups':>5} {'window s':>9} {'per s':>8} {'wall s':>7} {'per s (wall)':>13}")
    for workers in args.workers:
        r = run(app, args.database, receiver, args.count, workers, args.batch)
        print(f"{r['workers']:>7} {r['received']:>9} {r['duplicates']:>5} {r['window_s']:>9.2f} {r['per_s']:>8.0f} "
              f"{r['wall_s']:>7.2f} {r['per_s_wall']:>13.0f}")
        if r["sent"] != args.count or r["received"] != args.count or r["bad_signatures"]:
            raise SystemExit(f"lost or unsigned deliveries: {r}")
    with app.app_context():
        db.session.execute(delete(Notification).where(Notification.kind == KIND))
        db.session.commit()


if __name__ == "__main__":
    main()
