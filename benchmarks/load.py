"""Load test: ``DATABASE_URL=postgresql+psycopg://… .venv/bin/python benchmarks/load.py``.

Starts gunicorn (the ``deploy`` extra) with ``--workers`` sync workers on the
PostgreSQL database of ``DATABASE_URL`` (migrated; the demo data created when
the database is empty; a ``load-owner`` and a ``load-officer`` account made
or given a fresh password), in production configuration with JSON logs going
to a file, bound to 127.0.0.1 on a free port. Then drives each scenario with
``wrk`` (Debian's package ``wrk``) over loopback for ``--duration`` seconds:

1. ``POST /api/v1/plans`` — the typical warehouse with a land date
   (target: ≥ 300 requests/s with p95 ≤ 50 ms on 2 cores);
2. the owner's plan page ``GET /owner/projects/<id>`` with the login session;
3. the officer's queue ``GET /api/v1/queue`` with a bearer token — skipped
   while the OpenAPI document has no such operation.

Prints requests/s, p50, p95, p99 (wrk's latency histogram, through a Lua
``done`` hook), errors (socket errors and non-2xx/3xx answers) and
gunicorn's CPU time per request (from ``/proc``: what the app costs,
whatever else is running), and stops the server. wrk shares the machine's cores with the server: its one
thread takes part of a core, which the figures include. ``--strict`` exits 1
when the plan API misses its target.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import table  # noqa: E402

WAREHOUSE = json.loads((ROOT / "examples" / "warehouse.json").read_text(encoding="utf-8"))
PLAN_BODY = {"answers": WAREHOUSE, "land_date": "2026-09-15", "today": "2026-03-02"}
PLAN_TARGET_RPS = 300
PLAN_TARGET_P95_MS = 50.0
#: Projects of the load owner, each with its own plan: more than a worker's
#: chart cache holds (``owner.charts.CACHED_PLANS``), so the cycling scenarios
#: draw charts as a stream of different plan pages would.
DISTINCT_PROJECTS = 200
PROJECT_JSON_MAX_RATIO = 4.0  # server CPU per request over /healthz's
PLAN_PAGE_MAX_RATIO = 6.0

#: wrk script: the scenario's request, then one JSON line with the results.
WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
{headers}
paths = {{ {paths} }}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Scenario:
    """One request kind. ``paths`` (when given) are requested in turn, so that
    per-worker caches see many different resources; ``max_ratio`` bounds its
    server CPU per request over the floor's (``/healthz``)."""

    name: str
    path: str
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] | None = None
    paths: list[str] | None = None
    max_ratio: float | None = None


@dataclass
class Outcome:
    scenario: Scenario
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float | None = None  # gunicorn's CPU time (master and workers) per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def lua_string(text: str) -> str:
    """A Lua long-bracket string: raw UTF-8, no escapes to translate."""
    level = "="
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def wrk_script(scenario: Scenario) -> str:
    headers = "\n".join(f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in (scenario.headers or {}).items())
    paths = ", ".join(lua_string(p) for p in (scenario.paths or [scenario.path]))
    return WRK_SCRIPT.format(method=lua_string(scenario.method), body=lua_string(scenario.body), headers=headers,
                             paths=paths)


def run_wrk(base: str, scenario: Scenario, duration: int, connections: int, threads: int, workdir: Path) -> Outcome:
    script = workdir / (re.sub(r"\W+", "_", scenario.name) + ".lua")
    script.write_text(wrk_script(scenario), encoding="utf-8")
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(script),
         base + scenario.path],
        capture_output=True, text=True, check=True, timeout=duration + 60,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"wrk printed no results for {scenario.name}:\n{done.stdout}\n{done.stderr}")
    line = lines[-1]
    r = json.loads(line)
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return Outcome(scenario, r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1000, r["p95_us"] / 1000,
                   r["p99_us"] / 1000, errors)


def server_cpu_seconds(master_pid: int) -> float | None:
    """User + system CPU time of gunicorn's master and its workers so far
    (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        ticks = 0
        for pid in [str(master_pid), *children]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(database_url: str) -> dict[str, str]:
    """Migrate, create the demo data on an empty database, and (re)create the
    load-test accounts; returns their password and the owner's project id."""
    import datetime as dt

    from sqlalchemy import select

    from coordinator import create_app
    from coordinator.accounts.models import Organisation, Role, User
    from coordinator.accounts.service import create_user
    from coordinator.database import upgrade
    from coordinator.demo import ensure_demo, seed_organisations
    from coordinator.extensions import db
    from coordinator.projects.models import Project
    from coordinator.projects.service import create_project

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LOG_LEVEL": "WARNING"})
    upgrade(app)
    password = secrets.token_urlsafe(12)
    with app.app_context():
        ensure_demo(production=False, password=secrets.token_urlsafe(12))
        seed_organisations()
        housing = db.session.scalar(select(Organisation).where(Organisation.code == "housing"))
        accounts = {}
        for username, role, org in (("load-owner", Role.owner, None), ("load-officer", Role.officer, housing)):
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(username, password, role, username, org)
            user.set_password(password)
            accounts[username] = user
        db.session.commit()
        owner = accounts["load-owner"]
        projects = list(db.session.scalars(select(Project.id).where(Project.owner_id == owner.id).order_by(Project.id)))
        for n in range(len(projects), DISTINCT_PROJECTS):  # distinct land dates: distinct plans and charts
            land = dt.date(2026, 9, 15) + dt.timedelta(days=n)
            projects.append(create_project(owner, f"压测仓库 {n + 1}", WAREHOUSE, land, True, dt.date(2026, 3, 2)).id)
        db.session.remove()
        db.engine.dispose()
    return {"password": password, "project_ids": [str(p) for p in projects[:DISTINCT_PROJECTS]]}


def start_server(database_url: str, port: int, workers: int, worker_class: str, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "COORDINATOR_ENV": "production",
        "SESSION_COOKIE_SECURE": "1",
        "LOG_FORMAT": "json",
    }
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", worker_class,
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_cookie(base: str, username: str, password: str) -> str:
    """Log in through the login page (with its CSRF token); the ``Cookie``
    header of the session. Cookies are carried by hand: they are ``Secure``
    in production and this is plain HTTP on loopback."""
    with urllib.request.urlopen(base + "/login", timeout=10) as response:
        cookie = _cookie_header(response.headers)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode()).group(1)
    opener = urllib.request.build_opener(_NoRedirect)
    data = urlencode({"username": username, "password": password, "csrf_token": csrf}).encode()
    try:
        opener.open(urllib.request.Request(base + "/login", data=data, headers={"Cookie": cookie}), timeout=10)
    except urllib.error.HTTPError as redirect:  # 302 to the owner's projects
        if redirect.code == 302:
            return _cookie_header(redirect.headers)
        raise SystemExit(f"login as {username} failed: {redirect.code}") from None
    raise SystemExit(f"login as {username} did not redirect")


def _cookie_header(headers) -> str:
    cookie = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        cookie.load(value)
    return "; ".join(f"{k}={v.value}" for k, v in cookie.items())


def bearer_token(base: str, username: str, password: str) -> str:
    request = urllib.request.Request(base + "/api/v1/tokens", method="POST",
                                     data=json.dumps({"username": username, "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


def api_paths(base: str) -> set[str]:
    with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=10) as response:
        return set(json.load(response)["paths"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load-test gunicorn on PostgreSQL with wrk (loopback only).")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the plan API misses its target")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("set DATABASE_URL to a PostgreSQL database (e.g. postgresql+psycopg://postgres@127.0.0.1/bench); "
              "the load test migrates it and adds its own accounts", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        print("gunicorn is not installed: .venv/bin/pip install -e '.[deploy]'", file=sys.stderr)
        return 2

    accounts = prepare_database(database_url)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="coordinator-load-") as tmp:
        workdir = Path(tmp)
        log_path = workdir / "gunicorn.log"
        server = start_server(database_url, port, args.workers, args.worker_class, log_path)
        base = f"http://127.0.0.1:{port}"
        try:
            password = accounts["password"]
            ids = accounts["project_ids"]
            owner_cookie = {"Cookie": session_cookie(base, "load-owner", password)}
            scenarios = [
                Scenario("GET /healthz (floor)", "/healthz"),
                Scenario("POST /api/v1/plans", "/api/v1/plans", "POST", json.dumps(PLAN_BODY, ensure_ascii=False),
                         {"Content-Type": "application/json"}),
                Scenario(f"GET /api/v1/projects/<id> ({len(ids)} projects in turn)", f"/api/v1/projects/{ids[0]}",
                         headers=owner_cookie, paths=[f"/api/v1/projects/{i}" for i in ids],
                         max_ratio=PROJECT_JSON_MAX_RATIO),
                Scenario("plan page, one project (charts cached)", f"/owner/projects/{ids[0]}", headers=owner_cookie),
                Scenario(f"plan page, {len(ids)} projects in turn (charts drawn)", f"/owner/projects/{ids[0]}",
                         headers=owner_cookie, paths=[f"/owner/projects/{i}" for i in ids],
                         max_ratio=PLAN_PAGE_MAX_RATIO),
            ]
            if "/api/v1/queue" in api_paths(base):
                scenarios.append(Scenario("GET /api/v1/queue (officer token)", "/api/v1/queue",
                                          headers={"Authorization": f"Bearer {bearer_token(base, 'load-officer', password)}"}))
            else:
                print("GET /api/v1/queue: not in this build's API, skipped")
            print(f"gunicorn: {args.workers} {args.worker_class} workers on PostgreSQL, 127.0.0.1:{port}; wrk: {args.threads} "
                  f"thread(s), {args.connections} connections, {args.duration} s per scenario; {os.cpu_count()} CPUs\n")
            outcomes = []
            for scenario in scenarios:
                for warm in range(20):  # each worker loads the rule base on its first requests
                    req = urllib.request.Request(base + scenario.path, method=scenario.method,
                                                 data=scenario.body.encode() or None, headers=scenario.headers or {})
                    urllib.request.urlopen(req, timeout=10).read()
                cpu_before = server_cpu_seconds(server.pid)
                outcome = run_wrk(base, scenario, args.duration, args.connections, args.threads, workdir)
                cpu_after = server_cpu_seconds(server.pid)
                if cpu_before is not None and cpu_after is not None and outcome.requests:
                    outcome.cpu_ms = (cpu_after - cpu_before) * 1000 / outcome.requests
                outcomes.append(outcome)
        finally:
            stop_server(server)
        log_lines = sum(1 for _ in log_path.open("rb"))

    floor = outcomes[0].cpu_ms

    def ratio(o: Outcome) -> float | None:
        return o.cpu_ms / floor if o.cpu_ms and floor else None

    print(table([
        {"scenario": o.scenario.name, "requests": o.requests, "req/s": f"{o.rps:.0f}", "p50 ms": f"{o.p50_ms:.1f}",
         "p95 ms": f"{o.p95_ms:.1f}", "p99 ms": f"{o.p99_ms:.1f}", "errors": o.errors,
         "server CPU ms/req": f"{o.cpu_ms:.2f}" if o.cpu_ms is not None else "—",
         "× /healthz": f"{ratio(o):.1f}" if ratio(o) is not None else "—",
         "target": f"≤ {o.scenario.max_ratio:g}×" if o.scenario.max_ratio else "—",
         "status": ("ok" if ratio(o) is not None and ratio(o) <= o.scenario.max_ratio and not o.errors else "MISSED")
                   if o.scenario.max_ratio else "—"}
        for o in outcomes
    ]))
    print("(server CPU per request is gunicorn's own CPU time — master and workers — divided by the requests;\n"
          " the ratios compare it with /healthz measured in the same run, so they do not move with the machine's load.\n"
          " req/s is lower while wrk, PostgreSQL and anything else running share the cores)")
    print(f"\n(server wrote {log_lines} log lines)")
    plan = outcomes[1]
    met = plan.rps >= PLAN_TARGET_RPS and plan.p95_ms <= PLAN_TARGET_P95_MS and plan.errors == 0
    print(f"plan API target (≥ {PLAN_TARGET_RPS} req/s, p95 ≤ {PLAN_TARGET_P95_MS:g} ms, no errors): "
          + ("ok" if met else "MISSED") + f"; server CPU {plan.cpu_ms or 0:.2f} ms per request")
    ratios_met = all(ratio(o) is not None and ratio(o) <= o.scenario.max_ratio and not o.errors
                     for o in outcomes if o.scenario.max_ratio)
    met = met and ratios_met
    return 1 if (args.strict and not met) else 0


if __name__ == "__main__":
    sys.exit(main())
