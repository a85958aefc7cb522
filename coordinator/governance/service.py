"""Rule-base versions and the admin's calendar: the rule base in force,
drafts, validation, publishing; every change is audited."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace
from typing import Any, Mapping

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User, utcnow
from ..audit.service import record
from ..extensions import db
from .bundles import (
    BundleReport, CalendarDay, as_text, edit_item, find_item, validate_bundle, with_calendar_days,
)
from ..planning.calendar import WorkingCalendar
from ..planning.planner import working_calendar
from ..planning.rulebase import RuleBase, load_bundle, read_bundle
from ..planning.service import rule_base
from .models import CalendarEntry, RuleBaseVersion, VersionStatus


class GovernanceError(Exception):
    """A rule-governance operation is refused; ``code`` names why."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# --------------------------------------------------------------------------
# The rule base in force

_cache: dict[tuple, RuleBase] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 8


def current_rules() -> RuleBase:
    """The rule base every plan uses: the published version (else the seed
    ``rules/``) with the admin's calendar days; parsed once per (version,
    calendar state)."""
    seed_dir = current_app.config.get("RULES_DIR")
    published = db.session.execute(
        select(RuleBaseVersion.id, RuleBaseVersion.number, RuleBaseVersion.digest)
        .where(RuleBaseVersion.status == VersionStatus.published)
    ).first()
    calendar_state = tuple(db.session.execute(
        select(func.count(CalendarEntry.id), func.max(CalendarEntry.updated_at))).one())
    key = (seed_dir, tuple(published) if published else None, calendar_state)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    base = version_rules(db.session.get(RuleBaseVersion, published.id)) if published else rule_base(seed_dir)
    rules = with_calendar_days(base, calendar_days())
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = rules
    return rules


def current_calendar() -> WorkingCalendar:
    """The working calendar of the rule base in force: every deadline counts on it."""
    return working_calendar(current_rules())


def version_rules(version: RuleBaseVersion) -> RuleBase:
    """The rule base of a stored version (raises ``RuleBaseError``), labelled
    with the version's number so plans record which one they used."""
    return replace(load_bundle(version.files), version=version.label)


def seed_bundle() -> dict[str, str]:
    """The rule files of ``rules/`` (or ``RULES_DIR``), with their tests."""
    return as_text(read_bundle(current_app.config.get("RULES_DIR")))


def published_version() -> RuleBaseVersion | None:
    return db.session.scalar(select(RuleBaseVersion).where(RuleBaseVersion.status == VersionStatus.published))


def current_bundle() -> dict[str, str]:
    """The files of the rule base in force (published, else the seed)."""
    published = published_version()
    return dict(published.files) if published else seed_bundle()


def versions() -> list[RuleBaseVersion]:
    """Every stored version, newest first."""
    return list(db.session.scalars(select(RuleBaseVersion).order_by(RuleBaseVersion.number.desc())))


def get_version(version_id: int) -> RuleBaseVersion | None:
    return db.session.get(RuleBaseVersion, version_id)


def open_draft() -> RuleBaseVersion | None:
    """The newest draft, which form edits go to."""
    return db.session.scalar(select(RuleBaseVersion).where(RuleBaseVersion.status == VersionStatus.draft)
                             .order_by(RuleBaseVersion.number.desc()).limit(1))


# --------------------------------------------------------------------------
# Drafts


def _summary(version: RuleBaseVersion) -> dict[str, Any]:
    return {"number": version.number, "status": version.status.value, "version": version.version,
            "digest": version.digest, "note": version.note, "errors": len(version.errors),
            "cases_run": version.cases_run, "cases_failed": version.cases_failed}


def _apply_report(version: RuleBaseVersion, report: BundleReport) -> None:
    version.errors = [{"file": e.file, "path": e.path, "reason": e.reason, "line": e.line} for e in report.errors]
    version.cases_run, version.cases_failed = report.cases_run, report.cases_failed
    version.version = report.rules.version if report.rules else ""
    version.digest = report.rules.digest if report.rules else ""
    version.validated_at = utcnow()


def create_draft(admin: User, files: Mapping[str, str], note: str = "") -> RuleBaseVersion:
    """Store ``files`` as a new draft version, validated."""
    files = as_text(files)
    number = (db.session.scalar(select(func.max(RuleBaseVersion.number))) or 0) + 1
    published = published_version()
    version = RuleBaseVersion(number=number, status=VersionStatus.draft, note=note[:500], files=files,
                              created_by_id=admin.id, based_on_id=published.id if published else None)
    _apply_report(version, validate_bundle(files))
    db.session.add(version)
    db.session.flush()
    record(admin, "rule_base_version", version.id, "create_draft", None, _summary(version))
    db.session.commit()
    return version


def _editable(version: RuleBaseVersion) -> None:
    if version.status != VersionStatus.draft:
        raise GovernanceError("not_draft", "only drafts can be changed")


def edit_draft_item(admin: User, code: str, changes: Mapping[str, Any],
                    draft: RuleBaseVersion | None = None) -> RuleBaseVersion:
    """Apply an item edit to ``draft`` (default: the open draft, or a new
    draft copied from the rule base in force) and re-validate it."""
    draft = draft or open_draft()
    if draft is None:
        draft = create_draft(admin, current_bundle(), note=f"edit {code}")
    _editable(draft)
    _, before = find_item(draft.files, code)
    files = edit_item(draft.files, code, changes)
    _, after = find_item(files, code)
    draft.files = files
    _apply_report(draft, validate_bundle(files))
    record(admin, "rule_item", f"{draft.number}:{code}", "edit", _jsonable(before), _jsonable(after))
    db.session.commit()
    return draft


def replace_draft_file(admin: User, draft: RuleBaseVersion, name: str, text: str) -> RuleBaseVersion:
    """Replace (or add) one file of a draft and re-validate it."""
    _editable(draft)
    if not name.endswith(".yaml") or name.startswith("/") or ".." in name.split("/"):
        raise GovernanceError("bad_name", "files are relative paths ending in .yaml")
    before = draft.files.get(name)
    draft.files = {**draft.files, name: text.replace("\r\n", "\n")}
    _apply_report(draft, validate_bundle(draft.files))
    record(admin, "rule_file", f"{draft.number}:{name}", "edit", before, draft.files[name])
    db.session.commit()
    return draft


def publish(admin: User, version: RuleBaseVersion) -> RuleBaseVersion:
    """Publish a draft whose checks and rule tests all pass; the version in
    force before becomes superseded."""
    _editable(version)
    _apply_report(version, validate_bundle(version.files))
    if version.errors:
        db.session.commit()
        raise GovernanceError("invalid", f"{len(version.errors)} problem(s): the version cannot be published")
    previous = published_version()
    before = _summary(previous) if previous else None
    if previous:
        previous.status = VersionStatus.superseded
        db.session.flush()
    version.status = VersionStatus.published
    version.published_at, version.published_by_id = utcnow(), admin.id
    record(admin, "rule_base_version", version.id, "publish", before, _summary(version))
    db.session.commit()
    return version


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------
# Calendar


def calendar_days() -> list[CalendarDay]:
    """The admin's calendar days, in date order."""
    return [CalendarDay(e.day, e.kind, e.name)
            for e in db.session.scalars(select(CalendarEntry).order_by(CalendarEntry.day))]


def save_calendar_days(admin: User, days: list[CalendarDay]) -> int:
    """Add or change the given days (a pasted notice); returns how many changed."""
    existing = {e.day: e for e in db.session.scalars(
        select(CalendarEntry).where(CalendarEntry.day.in_([d.date for d in days])))}
    changed = 0
    for day in days:
        entry = existing.get(day.date)
        before = {"kind": entry.kind, "name": entry.name} if entry else None
        after = {"kind": day.kind, "name": day.name}
        if before == after:
            continue
        if entry is None:
            db.session.add(CalendarEntry(day=day.date, kind=day.kind, name=day.name, created_by_id=admin.id))
        else:
            entry.kind, entry.name = day.kind, day.name
        record(admin, "calendar_day", day.date.isoformat(), "set", before, after)
        changed += 1
    db.session.commit()
    return changed


def delete_calendar_day(admin: User, day: dt.date) -> bool:
    """Remove one of the admin's days (chinesecalendar applies again)."""
    entry = db.session.scalar(select(CalendarEntry).where(CalendarEntry.day == day))
    if entry is None:
        return False
    record(admin, "calendar_day", day.isoformat(), "delete", {"kind": entry.kind, "name": entry.name}, None)
    db.session.delete(entry)
    db.session.commit()
    return True
