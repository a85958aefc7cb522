"""Routes of the online application: an item's materials (multipart
upload, list), the 告知承诺 letter, reading a file, the licence PDF."""
from __future__ import annotations

import io

from flask import jsonify, request, send_file
from flask_smorest import abort
from werkzeug.exceptions import NotFound

from ..licences.service import licence_pdf_for
from ..materials import service
from ..materials.service import MaterialError
from ..security import accepts_files
from ..tracking import lifecycle
from . import blueprint
from .auth import protected
from .material_schemas import (
    CommitmentLetterSchema, MaterialListSchema, MaterialUploadFileSchema, MaterialUploadFormSchema,
    UploadedMaterialSchema,
)
from .schemas import ErrorSchema
from .tracking import _item_or_abort, _me

#: Room for the multipart envelope and the ``material`` field around the file.

BINARY = {"schema": {"type": "string", "format": "binary"}}


def _material_error(exc: MaterialError):
    response = jsonify({"error": exc.code, "message": exc.message, "fields": exc.fields})
    response.status_code = exc.status
    return response


def material_list(item) -> dict:
    """``{materials: [{name, essential, provided, source, files, at_fault}], commitment}``."""
    return {
        "materials": [{
            "name": m.name, "essential": m.essential, "provided": m.provided, "source": m.source,
            "files": [{"id": f.id, "filename": f.filename, "size": f.size, "sha256": f.sha256} for f in m.files],
            "at_fault": [f.id for f in m.at_fault],
        } for m in service.materials_of(item)],
        "commitment": item.mode == lifecycle.COMMITMENT,
    }


@blueprint.route("/items/<int:item_id>/materials", methods=["POST"])
@accepts_files
@protected()
@blueprint.arguments(MaterialUploadFormSchema, location="form")
@blueprint.arguments(MaterialUploadFileSchema, location="files")
@blueprint.response(201, UploadedMaterialSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="`fields.material`: not one of the item's materials; "
                        "`fields.file`: missing, empty, or not a PDF, JPEG or PNG by its content")
@blueprint.alt_response(403, schema=ErrorSchema, description="not the project's owner (an officer of the item's "
                        "department, the admin)")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item, or not one the caller may see")
@blueprint.alt_response(409, schema=ErrorSchema, description="the item is with its department (after a return only "
                        "the named materials may be replaced)")
@blueprint.alt_response(413, schema=ErrorSchema, description="the file is larger than 20 MB")
def upload_material(form, files, item_id: int):
    """The owner uploads a file for one of the item's materials (multipart
    ``material``, ``file``); after a return it replaces the files at fault."""
    item = _item_or_abort(item_id)
    upload = files["file"]
    data = upload.stream.read(service.max_bytes() + 1)
    try:
        row = service.upload(_me(), item, form["material"], upload.filename, data, form["replaces"])
    except MaterialError as exc:
        return _material_error(exc)
    f = row.file
    return {"id": f.id, "material": row.material, "filename": f.filename, "size": f.size, "sha256": f.sha256,
            "content_type": f.content_type}


@blueprint.route("/items/<int:item_id>/materials")
@protected()
@blueprint.response(200, MaterialListSchema)
@blueprint.alt_response(403, schema=ErrorSchema, description="an officer of another department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item, or not one the caller may see")
def list_materials(item_id: int):
    """The item's materials: whether each is provided, by what (upload, an
    earlier licence, an intermediary, the 告知承诺书) and its files."""
    return material_list(_item_or_abort(item_id))


@blueprint.route("/items/<int:item_id>/commitment")
@protected()
@blueprint.response(200, CommitmentLetterSchema)
@blueprint.alt_response(403, schema=ErrorSchema, description="an officer of another department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item, or not one the caller may see")
def get_commitment(item_id: int):
    """The item's 告知承诺书 as generated from the rule base, and whether the owner confirmed it."""
    item = _item_or_abort(item_id)
    letter = service.commitment_letter_of(item)
    return {"text": letter.text if letter else service.commitment_letter_text(item), "confirmed": letter is not None,
            "confirmed_at": letter.confirmed_at if letter else None, "sha256": letter.sha256 if letter else None}


@blueprint.route("/items/<int:item_id>/commitment", methods=["POST"])
@protected()
@blueprint.response(201, CommitmentLetterSchema)
@blueprint.alt_response(403, schema=ErrorSchema, description="not the project's owner")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item, or not one the caller may see")
@blueprint.alt_response(409, schema=ErrorSchema, description="not a 告知承诺 item, or with its department")
def confirm_commitment(item_id: int):
    """The owner confirms the 告知承诺书: its listed proofs count as provided."""
    item = _item_or_abort(item_id)
    try:
        letter = service.confirm_commitment(_me(), item)
    except MaterialError as exc:
        return _material_error(exc)
    return {"text": letter.text, "confirmed": True, "confirmed_at": letter.confirmed_at, "sha256": letter.sha256}


def _download(stored, data: bytes, as_attachment: bool):
    response = send_file(io.BytesIO(data), mimetype=stored.content_type, as_attachment=as_attachment,
                         download_name=stored.filename, etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route("/files/<int:file_id>")
@protected()
@blueprint.doc(responses={"200": {"description": "the file's bytes with their content type", "content": {
    "application/pdf": BINARY, "image/jpeg": BINARY, "image/png": BINARY}}})
@blueprint.alt_response(404, schema=ErrorSchema, description="no such file, or not one the caller may read")
def get_file(file_id: int):
    """A material file (or licence PDF) for the project's owner, officers of a
    department handling it and the admin; every download is logged."""
    try:
        stored, data = service.read_file(_me(), file_id)
    except NotFound:
        abort(404, error="not_found", message="no such file")
    return _download(stored, data, as_attachment=False)


@blueprint.route("/items/<int:item_id>/licence.pdf")
@protected()
@blueprint.doc(responses={"200": {"description": "the e-licence PDF", "content": {"application/pdf": BINARY}}})
@blueprint.alt_response(403, schema=ErrorSchema, description="an officer of another department")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such item or licence, or not one the caller may see")
def get_licence_pdf(item_id: int):
    """The licence of an approved item (logged like every download)."""
    item = _item_or_abort(item_id)
    try:
        licence, data = licence_pdf_for(_me(), item)
    except NotFound:
        abort(404, error="not_found", message="the item has no licence")
    return _download(licence.file, data, as_attachment=True)
