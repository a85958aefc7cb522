"""The ``coordinator`` command line: plan, check and test the rule base."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .planning import AnswersError, PlanOptions, RuleBaseError, load_rule_base, make_plan

RULES_ENV = "COORDINATOR_RULES"


def _rules_dir(value: str | None) -> Path | None:
    value = value or os.environ.get(RULES_ENV)
    return Path(value) if value else None


@click.group()
def main() -> None:
    """拿地即开工 — construction approval guidance and coordination."""


@main.command()
@click.argument("answers_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--land-date", type=click.DateTime(["%Y-%m-%d"]), help="The day the land contract is signed (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--pdf", type=click.Path(dir_okay=False, writable=True),
              help="Also write the plan as a PDF here (cover, flowchart, Gantt chart, checklist).")
@click.option("--no-commitment", is_flag=True, help="Plan every item the standard way, without 告知承诺.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Planning date (default: today).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help=f"Rule base directory (env {RULES_ENV}).")
def plan(answers_file, land_date, fmt, pdf, no_commitment, today, rules_dir) -> None:
    """Print the plan for the answers in ANSWERS_FILE (JSON; - for stdin);
    with --pdf also write the plan as a PDF (cover, flowchart, Gantt chart,
    checklist)."""
    try:
        answers = json.load(answers_file)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        click.echo(f"error: {answers_file.name} is not valid JSON: {exc}", err=True)
        sys.exit(2)
    rules = _load(rules_dir)
    options = PlanOptions(
        land_date=land_date.date() if land_date else None,
        today=today.date() if today else None,
        commitment=not no_commitment,
    )
    try:
        result = make_plan(rules, answers, options)
    except AnswersError as exc:
        click.echo("error: invalid answers", err=True)
        for name, messages in exc.fields.items():
            click.echo(f"  {name}: {'; '.join(messages)}", err=True)
        sys.exit(2)
    if pdf:
        _write_pdf(pdf, result, answers, answers_file.name)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        from .rendering.textreport import render_text

        click.echo(render_text(result), nl=False)


def _write_pdf(out: str, result, answers, source: str) -> None:
    """Write the plan's PDF to ``out`` (exit 1 when it cannot be written)."""
    from .rendering.pdf import PdfOptions, pdf_font, plan_pdf

    name = Path(source).stem if source not in ("-", "<stdin>") else ""
    options = PdfOptions(project_name=name, answers=answers)
    data = plan_pdf(result.to_json(), result.rules, options)
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        click.echo(f"error: cannot write {out}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"PDF written to {out} ({len(data) // 1024} KiB; font: {pdf_font()})", err=True)


@main.group()
def rules() -> None:
    """Check and test the rule base."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def rules_check(directory) -> None:
    """Validate the rule base in DIRECTORY (default: the configured one)."""
    rb = _load(directory)
    click.echo(f"ok: {rb.title} {rb.version} — {len(rb.questions)} questions, {len(rb.items)} items")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def rules_test(directory) -> None:
    """Run the rule base's YAML cases (DIRECTORY/tests/*.yaml)."""
    from .planning.rulecases import run_cases

    rb = _load(directory)
    base = _rules_dir(directory) or Path(__file__).resolve().parents[1] / "rules"
    try:
        results = run_cases(rb, base / "tests")
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    failed = [r for r in results if not r.ok]
    for r in failed:
        click.echo(f"FAIL {r.case.id}", err=True)
        for f in r.failures:
            click.echo(f"  {f}", err=True)
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def _load(directory):
    try:
        return load_rule_base(_rules_dir(directory))
    except RuleBaseError as exc:
        click.echo(f"the rule base has {len(exc.errors)} error(s):", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)


@main.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations to head)."""
    from . import create_app
    from .database import upgrade

    app = create_app()
    upgrade(app)
    click.echo(f"database at head: {_safe_url(app.config['SQLALCHEMY_DATABASE_URI'])}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app: migrate, create the demo accounts on first run, serve."""
    from werkzeug.serving import run_simple

    from . import create_app
    from .database import upgrade
    from .demo import DEMO_USERS, ensure_demo

    app = create_app()
    upgrade(app)
    with app.app_context():
        password = ensure_demo(app.config["PRODUCTION"], app.config.get("DEMO_PASSWORD"))
    if password:
        click.echo("demo accounts (password from COORDINATOR_DEMO_PASSWORD, else generated):")
        for name in DEMO_USERS:
            click.echo(f"  {name} / {password}")
    elif app.config["PRODUCTION"]:
        click.echo("production configuration: no demo accounts are created")
    click.echo(f"database: {_safe_url(app.config['SQLALCHEMY_DATABASE_URI'])}")
    if _deliver_in_process(app):
        from .notifications.delivery import start_in_process

        start_in_process(app)
        click.echo("notifications: delivered by a worker thread in this process")
    click.echo(f"serving on http://{host}:{port}/")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _deliver_in_process(app) -> bool:
    """``DELIVERY_IN_PROCESS`` when set, else only on the embedded SQLite default."""
    setting = app.config.get("DELIVERY_IN_PROCESS")
    if setting is not None:
        return setting in ("1", "true", "yes", True)
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Notifications taken (and locked) per transaction.")
def deliver(once: bool, batch: int) -> None:
    """Run the outbox worker: deliver due notifications (in-app inbox, e-mail,
    signed webhook) with retries, and escalate unclaimed hookup requests.
    Several workers may run against PostgreSQL at once."""
    from . import create_app
    from .notifications.delivery import run_worker

    app = create_app()
    total = run_worker(app, once=once, batch=batch)
    click.echo(f"delivered {total.sent}, retry later {total.retried}, dead {total.dead}")


@main.command()
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="The day to judge deadlines on (default: today).")
def escalate(today) -> None:
    """Remind providers of today's claim deadlines, escalate unclaimed hookup
    requests past theirs and warn about overdue connection targets."""
    from . import create_app
    from .hookups.service import escalate_unclaimed, warn_overdue_targets

    app = create_app()
    day = today.date() if today else None
    with app.app_context():
        escalated = escalate_unclaimed(day)
        overdue = warn_overdue_targets(day)
    click.echo(f"escalated {escalated}, overdue warnings {overdue}")


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("check-config")
def check_config() -> None:
    """Check the configuration from the environment; exit 1 if it is unsafe for production."""
    from .config import Config, production_problems

    config = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = config["SQLALCHEMY_DATABASE_URI"] or "sqlite:///instance/coordinator.sqlite"
    problems = production_problems(config)
    mode = "production" if config["PRODUCTION"] else "development"
    for problem in problems:
        click.echo(f"{'error' if config['PRODUCTION'] else 'warning'}: {problem}", err=True)
    click.echo(f"{mode} configuration: {'unsafe for production' if problems else 'ok'}")
    sys.exit(1 if problems and config["PRODUCTION"] else 0)
