"""Message catalogs: the ``.po`` files are the source, the ``.mo`` files build
output compiled here when the app starts (missing or older than the ``.po``)."""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)


def compile_catalogs(directory: str | os.PathLike) -> list[Path]:
    """Compile every ``<locale>/LC_MESSAGES/<domain>.po`` under ``directory``
    whose ``.mo`` is missing or out of date; returns the ``.mo`` files written.

    Cheap when up to date (two ``stat`` calls per catalog). The ``.mo`` is
    written to a temporary file and renamed, so a worker starting at the same
    time never reads half a catalog. Fuzzy entries are left out, as by
    ``pybabel compile``."""
    written: list[Path] = []
    for po in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        try:
            if mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
                continue
        except FileNotFoundError:
            pass
        try:
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            tmp = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
            try:
                with tmp.open("wb") as f:
                    write_mo(f, catalog)
                os.replace(tmp, mo)
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:  # e.g. a read-only installation
            log.warning("could not compile %s: %s", po, exc)
            continue
        written.append(mo)
    return written


BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def beijing_time(moment: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment (UTC; naive means UTC) as Beijing time, the time every page shows."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BEIJING).strftime(fmt)
