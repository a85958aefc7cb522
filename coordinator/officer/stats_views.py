"""The coordinator's statistics (admins only): per-department timeliness,
ratings, 拿地即开工 land-day permits, completions per week, CSV exports."""
from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import _pick as pick
from ..accounts.models import Role
from ..governance.service import current_calendar, current_rules
from ..tracking import durations, service, stats

blueprint = Blueprint("statistics", __name__, url_prefix="/admin/statistics")

WEEKS = 26


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def statistics_tables(today: dt.date, department: str | None = None) -> dict:
    """The statistics' tables, of every department or of ``department`` alone
    (an officer's own figures), and the open items due this week."""
    records, ratings = service.statistics_records(department)
    names = {code: pick(d.name, d.name_en) for code, d in current_rules().departments.items()}
    return {
        "departments": stats.department_table(records, current_calendar(), today, names),
        "ratings": stats.rating_table(ratings, names),
        "land_day": stats.land_day_table(records, today),
        "weeks": stats.completions_per_week(records, WEEKS, today),
        "due_this_week": stats.due_this_week(records, today),
        "durations": _durations(),
    }


def _durations() -> list[dict]:
    """Committed versus observed working days per item code and department."""
    rules = current_rules()
    return [{"code": o.code, "name": rules.items[o.code].name if o.code in rules.items else o.code,
             "department": o.department, "committed": rules.items[o.code].committed_days if o.code in rules.items
             else None, "count": o.count, "median": o.median, "p85": o.p85, "enough": o.enough}
            for o in durations.learn(service.decisions())]


def _csv_tables(tables) -> dict[str, tuple[list[str], list[list[object]]]]:
    return {
        "departments": (
            ["department", "name", "completed", "on_time", "on_time_rate", "median_working_days", "p90_working_days",
             "median_committed_days", "overdue_now"],
            [[r.department, r.name, r.completed, r.on_time, r.on_time_rate, r.median_days, r.p90_days,
              r.median_committed, r.overdue_now] for r in tables["departments"]]),
        "ratings": (
            ["department", "name", "count", "average", "score_1", "score_2", "score_3", "score_4", "score_5"],
            [[r.department, r.name, r.count, r.average, *r.distribution] for r in tables["ratings"]]),
        "land_day": (
            ["project_id", "project", "land_date", "permits", "issued_on_land_day", "verdict"],
            [[r.project_id, r.project_name, r.land_date, r.permits, r.issued_on_land_day, r.verdict]
             for r in tables["land_day"]]),
        "weeks": (["week_starting", "completed"], [[w.isoformat(), n] for w, n in tables["weeks"]]),
        "durations": (["code", "name", "department", "committed_days", "count", "median_working_days",
                       "p85_working_days"],
                      [[r["code"], r["name"], r["department"], r["committed"], r["count"], r["median"], r["p85"]]
                       for r in tables["durations"]]),
    }


@blueprint.route("")
@admin_required
def page():
    """The statistics page with its tables and the weekly chart."""
    tables = statistics_tables(dt.date.today())
    chart = stats.weekly_chart_svg(tables["weeks"], _("每周办结事项数"))
    return render_template("officer/statistics.html", chart=chart, **tables)


@blueprint.route("/<table>.csv")
@admin_required
def csv(table: str):
    """One table as CSV (departments, ratings, land_day, weeks, durations)."""
    tables = _csv_tables(statistics_tables(dt.date.today()))
    if table not in tables:
        abort(404)
    header, rows = tables[table]
    return Response("\ufeff" + stats.to_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=statistics-{table}.csv"})
