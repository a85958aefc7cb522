"""Security headers on every response: a CSP that allows only the app's own
scripts and styles, no framing, no referrer leaks; and no NUL characters in
what a request submits."""
from __future__ import annotations

from typing import Any, Iterator

from flask import Flask, Response, request
from flask_smorest import abort

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_security(app: Flask) -> None:
    app.before_request(reject_nul_characters)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


NUL_PROBLEM = "must not contain NUL characters"


def reject_nul_characters() -> None:
    """400 in the API's error shape, naming the fields, when a query
    argument, form field or JSON string holds a NUL character: no text column
    of PostgreSQL can store one (it was a 500 there, found by the fuzzer)."""
    bad = [f"query.{key}" for key, value in request.args.items(multi=True) if "\x00" in key + value]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        bad += [key for key, value in request.form.items(multi=True) if "\x00" in key + value]
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        bad += list(_nul_paths(request.get_json(silent=True), ""))
    if bad:
        abort(400, error="bad_request", message="text must not contain NUL characters",
              errors={field or "body": [NUL_PROBLEM] for field in bad})


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    """The dotted paths of the strings (keys included) holding a NUL in a JSON value."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                yield here
            else:
                yield from _nul_paths(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))
