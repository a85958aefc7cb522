"""Security headers on every response: a CSP that allows only the app's own
scripts and styles, no framing, no referrer leaks; no NUL characters, lone
surrogates or unreadable JSON in what a request submits."""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from flask import Flask, Response, current_app, request
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


#: What a multipart form adds around an uploaded file (boundaries, headers, the other fields).
MULTIPART_ALLOWANCE = 64 * 1024


def accepts_files(view):
    """Mark a view that takes an uploaded material: its body may be as large
    as a material (``MATERIAL_MAX_BYTES``) and its form, not only
    ``MAX_CONTENT_LENGTH``."""
    view.accepts_files = True
    return view


def _body_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "accepts_files", False):
        largest = int(current_app.config.get("MATERIAL_MAX_BYTES", 20 * 2**20))
        request.max_content_length = largest + MULTIPART_ALLOWANCE
        if (request.content_length or 0) > request.max_content_length:
            abort(413, error="too_large", message=f"a file may be at most {largest // 2**20} MB",
                  errors={"file": [f"larger than {largest} bytes"]})


def init_security(app: Flask) -> None:
    app.before_request(_body_limit)
    app.before_request(reject_nul_characters)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


NUL_PROBLEM = "must not contain NUL characters"
SURROGATE_PROBLEM = "must be valid Unicode text (it holds a lone surrogate)"
#: JSON bodies nest at most this deep (the deepest the API documents is 4).
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def reject_nul_characters() -> None:
    """400 in the API's error shape, naming the fields, when a request
    cannot be stored or read safely: a NUL character or a lone surrogate in
    a query argument, form field or JSON string (no text column of
    PostgreSQL can store a NUL, and a surrogate cannot be encoded: both were
    500s), or a JSON body that does not parse — nested too deep (a
    RecursionError), a number of more digits than Python converts — or
    nests deeper than :data:`MAX_JSON_DEPTH`. A body above
    ``MAX_CONTENT_LENGTH`` is a 413 as it is read."""
    bad: dict[str, list[str]] = {}
    for key, value in request.args.items(multi=True):
        _check_text(bad, f"query.{key}", key + value)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if None in request.form or None in request.files:  # a part named by a lone line break parses to no name
            _refuse({"body": ["a part of the form has no name"]})
        for key, value in request.form.items(multi=True):
            _check_text(bad, key, key + value)
    if request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        raw = request.get_data(cache=True)
        if raw.strip():
            try:
                body = json.loads(raw)
            except RecursionError:
                _refuse({"body": [f"nested deeper than {MAX_JSON_DEPTH} levels"]})
            except ValueError as exc:  # not JSON, not UTF-8, or an integer of more than 4,300 digits
                _refuse({"body": [f"not valid JSON: {str(exc)[:200]}"]})
            if _depth(body) > MAX_JSON_DEPTH:
                _refuse({"body": [f"nested deeper than {MAX_JSON_DEPTH} levels"]})
            for path, text in _strings(body, ""):
                _check_text(bad, path or "body", text)
    if bad:
        _refuse(bad)


def _check_text(bad: dict[str, list[str]], field: str, text: str) -> None:
    if "\x00" in text:
        bad.setdefault(field, []).append(NUL_PROBLEM)
    if _SURROGATE.search(text):
        bad.setdefault(field, []).append(SURROGATE_PROBLEM)


def _refuse(fields: dict[str, list[str]]) -> None:
    message = "text must not contain NUL characters" if all(
        m == [NUL_PROBLEM] for m in fields.values()) else "the request body or its text cannot be read"
    abort(400, error="bad_request", message=message, errors=fields)


def _depth(value: Any) -> int:
    """How deep ``value`` nests (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level + 1)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(dotted path, text) of every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            yield here, str(key)
            yield from _strings(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))
