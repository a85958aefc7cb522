"""Owner pages of the online application: an item's materials page (upload,
replace after a return, the 告知承诺书 to confirm) — a full page without
JavaScript, the materials fragment for htmx."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden, NotFound

from ..licences.service import licence_of
from ..materials import service
from ..materials.service import MaterialError
from ..projects.access import acts_for_owner
from ..security import accepts_files
from ..tracking import lifecycle
from ..tracking.service import item_for
from . import blueprint
from .views import _htmx, owner_required

#: What the owner is told when an upload or confirmation is refused, by error code.
REFUSALS = {
    "unsupported_file": lambda exc: _("只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）。"),
    "too_large": lambda exc: _("文件不能超过 %(mb)s MB。", mb=service.max_bytes() // 2**20),
    "materials_locked": lambda exc: _("该材料当前不能更改：退回补正后只能替换被指出的材料。"),
    "not_commitment": lambda exc: _("该事项不实行告知承诺。"),
}


def _item(item_id: int):
    try:
        item = item_for(current_user._get_current_object(), item_id)
    except (NotFound, Forbidden):
        abort(404)
    if item.kind != "approval":
        abort(404)
    return item


def _render(item, status: int = 200):
    me = current_user._get_current_object()
    context = dict(item=item, materials=service.materials_of(item), uploadable=service.uploadable(item),
                   letter=service.commitment_letter_of(item), licence=licence_of(item),
                   commitment=item.mode == lifecycle.COMMITMENT, owner=acts_for_owner(me, item.project),
                   max_mb=service.max_bytes() // 2**20)
    if item.mode == lifecycle.COMMITMENT and context["letter"] is None:
        context["letter_text"] = service.commitment_letter_text(item)
    template = "owner/_materials.html" if _htmx() else "owner/materials.html"
    return render_template(template, **context), status


def _refused(item, exc: MaterialError):
    flash(REFUSALS.get(exc.code, lambda e: _("请检查：%(fields)s", fields="；".join(
        f"{k}: {'；'.join(v)}" for k, v in e.fields.items()) or e.message))(exc), "error")
    return _render(item, exc.status)


@blueprint.route("/items/<int:item_id>/materials")
@owner_required
def materials(item_id: int):
    """The item's materials: what is provided and how, upload forms, the licence."""
    return _render(_item(item_id))


@blueprint.route("/items/<int:item_id>/materials", methods=["POST"])
@accepts_files
@owner_required
def upload_material(item_id: int):
    """Upload (or, after a return, replace) a file for one material."""
    item = _item(item_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要上传的文件。"), "error")
        return _render(item, 400)
    replaces = request.form.get("replaces", type=int)
    try:
        service.upload(current_user._get_current_object(), item, request.form.get("material"), upload.filename,
                       upload.stream.read(service.max_bytes() + 1), replaces)
    except MaterialError as exc:
        return _refused(item, exc)
    flash(_("已上传：%(name)s", name=request.form.get("material")), "success")
    if _htmx():
        return _render(item)
    return redirect(url_for("owner.materials", item_id=item_id), code=303)


@blueprint.route("/items/<int:item_id>/commitment", methods=["POST"])
@owner_required
def confirm_commitment(item_id: int):
    """Confirm the 告知承诺书 in place of the listed proofs."""
    item = _item(item_id)
    try:
        service.confirm_commitment(current_user._get_current_object(), item)
    except MaterialError as exc:
        return _refused(item, exc)
    flash(_("已确认告知承诺书。"), "success")
    return redirect(url_for("owner.materials", item_id=item_id), code=303)
