"""Message catalogs: the ``.po`` files are the source, the ``.mo`` files build
output compiled here when the app starts (missing or older than the ``.po``)."""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_translations

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


def request_translations() -> NullTranslations:
    """The request's translations, looked up once per request and locale:
    flask-babel looks them up again for every string (its context, the
    locale, the locale's name, the catalog cache), which was about a quarter
    of the plan page's time. Kept in flask-babel's own per-request context,
    beside the locale they are for, so that ``flask_babel.refresh()`` (a new
    locale) looks them up afresh."""
    context = g.get("_flask_babel") if g else None
    cached = getattr(context, "translations", None)
    if cached is not None and cached[0] is getattr(context, "babel_locale", None) is not None:
        return cached[1]
    translations = get_translations()
    context = g.get("_flask_babel") if g else None
    if context is not None:
        context.translations = (getattr(context, "babel_locale", None), translations)
    return translations


def install_template_translations(app: Flask) -> None:
    """Templates' ``_()``/``gettext``/``ngettext`` through :func:`request_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
