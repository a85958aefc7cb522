"""Structured logs: one JSON object per line (or plain text), each carrying the
id of the request it was written during.

The request id is the incoming ``X-Request-ID`` when it is short and made of
safe characters (a proxy's or load balancer's id, so one request can be
followed across systems), else a fresh random one. It is kept in a
:class:`~contextvars.ContextVar` for the request's lifetime, returned in the
``X-Request-ID`` response header, and added to every record by
:class:`RequestContextFilter` — whichever logger (the app's, a library's)
wrote it. Each request ends with one access line from the
``coordinator.request`` logger with its status and duration.

``LOG_FORMAT`` is ``json`` (the default in production) or ``text``;
``LOG_LEVEL`` is a level name (default ``INFO``).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any, Mapping

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect

REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming request id is kept only when it matches this (no spaces, no
#: newlines, nothing that could forge or break a log line).
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LOG_FORMATS = ("json", "text")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("coordinator.request")

#: Record attributes copied into the JSON object when set, in this order.
CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is safe to log, else a new one."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestContextFilter(logging.Filter):
    """Adds the request id, method, path and logged-in user's id to every
    record written while a request is being handled (never loads the user:
    only one Flask-Login already loaded counts)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if has_request_context():
            if getattr(record, "method", None) is None:
                record.method = request.method
            if getattr(record, "path", None) is None:
                record.path = request.path
            if getattr(record, "user_id", None) is None:
                record.user_id = _logged_in_user_id()
        return True


def _logged_in_user_id() -> int | None:
    """The id of the user Flask-Login has loaded for this request, read from
    the ORM's identity map key: a log line must never run a query (the
    instance may be expired after a commit, or its session failed)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = sa_inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return state.identity[0]
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts, level, logger, message`` and, when
    known, ``request_id, method, path, status, duration_ms, user_id``; an
    exception's traceback under ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["exc"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL [request id] logger: message`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (so a redirected or
    captured stderr gets the lines too)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler assigns it; stderr is always looked up
        pass

    def format(self, record: logging.LogRecord) -> str:
        # A lone surrogate in a logged value cannot be written as UTF-8: escape it.
        return super().format(record).encode("utf-8", "backslashreplace").decode("utf-8")


def init_logging(app: Flask) -> None:
    """Configure logging from the app's config (:func:`configure_logging`)
    and give every request its id and access line."""
    configure_logging(app.config)
    # Flask's own stderr handler would write every app.logger line a second time.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request)


def configure_logging(config: Mapping[str, Any]) -> None:
    """Configure the process's logging from ``LOG_FORMAT`` (unset: ``json``
    when ``PRODUCTION``, else ``text``) and ``LOG_LEVEL``: one handler on the
    root logger, replacing the one configured before."""
    fmt = config.get("LOG_FORMAT") or ("json" if config.get("PRODUCTION") else "text")
    if fmt not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestContextFilter())
    handler._coordinator = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_coordinator", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(config.get("LOG_LEVEL") or "INFO").upper())


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id_token = request_id_var.set(request_id_from(request.headers.get(REQUEST_ID_HEADER)))


def _finish_request(response: Response) -> Response:
    request_id = request_id_var.get()
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started is not None else None
    access_log.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"status": response.status_code, "duration_ms": duration_ms})
    return response


def _forget_request(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id_var.reset(token)
