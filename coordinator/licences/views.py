"""The public verification page of a licence (no login): a page, or JSON
with ``Accept: application/json``; 404 for an unknown or altered code."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request

from .service import VERIFY_PATH, verification, verify_url

blueprint = Blueprint("licences", __name__)


@blueprint.route(VERIFY_PATH + "<code>")
def verify(code: str):
    found = verification(code)
    wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    if found is None:
        if wants_json:
            response = jsonify({"error": "not_found", "message": "no licence has this code", "fields": {}})
            response.status_code = 404
            return response
        abort(404)
    if wants_json:
        return jsonify(found)
    return render_template("licences/verify.html", licence=found)


@blueprint.app_template_global()
def licence_url(licence) -> str:
    """The verification page of a licence, for the pages that link to it."""
    return verify_url(licence.verification_code)
