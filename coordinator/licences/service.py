"""Issuing an approved item's licence, serving it, and its public verification."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..accounts.models import Organisation, User, utcnow
from ..circulation.models import AGREE_WITH_CONDITIONS
from ..circulation.opinions import opinions_of
from ..extensions import db
from ..materials.service import read_file, store_file
from ..projects.models import PlanItem
from ..tracking.lifecycle import APPROVED
from ..rendering.licence import LicenceDocument, licence_pdf
from .models import Licence


#: Where the public verification pages live (``licences.views``).
VERIFY_PATH = "/licences/verify/"


def verify_url(code: str) -> str:
    """The absolute address of a licence's verification page: on
    ``COORDINATOR_PUBLIC_URL`` when set, else the host of the current request."""
    base = current_app.config.get("COORDINATOR_PUBLIC_URL") or (
        request.host_url if has_request_context() else "http://127.0.0.1:5000/")
    return base.rstrip("/") + VERIFY_PATH + code


def department_name(code: str) -> str:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    return org.name if org else code


def issue_licence(item: PlanItem, officer: User, number: str, on: dt.date) -> Licence:
    """Render and store the licence of an item just approved with document
    ``number`` (the PDF is written before its rows; the caller commits). An
    item approved again after a revocation gets a new licence in place of
    the old one, whose verification code then finds nothing."""
    code = secrets.token_urlsafe(18)
    project = item.project
    document = LicenceDocument(
        title=item.name, number=number, item_code=item.code, project=project.name,
        owner=project.owner.display_name, department=department_name(item.department), issued_on=on,
        accepted_on=item.accepted_on, verify_url=verify_url(code), verification_code=code,
        conditions=tuple(f"{department_name(o.department)}：{o.text}" for o in opinions_of(item)
                         if o.verdict == AGREE_WITH_CONDITIONS),
    )
    pdf = licence_pdf(document, current_app.config.get("COORDINATOR_PDF_FONT"))
    stored = store_file(project, f"{item.name}-{number}.pdf", pdf, "application/pdf", officer)
    db.session.flush()
    licence = licence_of(item) or Licence(item_id=item.id, project_id=project.id, item_code=item.code)
    licence.number, licence.issued_on, licence.verification_code = number, on, code
    licence.file_id, licence.sha256, licence.issued_by_id, licence.issued_at = stored.id, stored.sha256, officer.id, utcnow()
    db.session.add(licence)
    return licence


def licence_of(item: PlanItem) -> Licence | None:
    return db.session.scalar(select(Licence).where(Licence.item_id == item.id))


def licences_by_item(project_id: int) -> dict[int, Licence]:
    return {lic.item_id: lic for lic in db.session.scalars(select(Licence).where(Licence.project_id == project_id))}


def licence_json(licence: Licence | None) -> dict[str, Any] | None:
    """``{number, issued_on, verify_url, sha256}`` (the project API's ``licence``)."""
    if licence is None:
        return None
    return {"number": licence.number, "issued_on": licence.issued_on.isoformat(),
            "verify_url": verify_url(licence.verification_code), "sha256": licence.sha256}


def licence_pdf_for(user: User, item: PlanItem) -> tuple[Licence, bytes]:
    """The item's licence PDF for someone who may read it (logged); 404 otherwise."""
    licence = licence_of(item)
    if licence is None:
        raise NotFound()
    _, data = read_file(user, licence.file_id, what="licence")
    return licence, data


def verification(code: str) -> dict[str, Any] | None:
    """What the public verification page shows of a licence — genuine, and
    ``revoked`` once its approval is (a failed 告知承诺 核查) —, its number, item, project, department, date and SHA-256 — or None for an
    unknown (or altered) code."""
    if not code or len(code) > 64:
        return None
    licence = db.session.scalar(select(Licence).where(Licence.verification_code == code))
    if licence is None:
        return None
    revoked = licence.item.status != APPROVED
    return {"valid": not revoked, "revoked": revoked, "number": licence.number, "item": licence.item.name, "project": licence.item.project.name,
            "department": department_name(licence.item.department), "issued_on": licence.issued_on.isoformat(),
            "sha256": licence.sha256}
