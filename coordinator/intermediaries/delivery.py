"""The agency's report as a file: it becomes the material of the
applications that wait for it (the rule base's ``delivers``), so the owner
does not upload it again (材料一次提交)."""
from __future__ import annotations

from ..accounts.models import User
from ..extensions import db
from ..materials.models import MaterialFile
from ..materials.service import MaterialError, attach_material, check_file, uploadable
from ..notifications.outbox import enqueue
from ..projects.access import project_audience
from ..projects.models import PlanItem
from ..servicerequests.service import RequestConflict, RequestNotFound
from .models import IntermediaryRequest
from .service import DELIVERED, DRAFTING, delivered_material, next_progress, request_for_agency, service_name


def fed_items(request: IntermediaryRequest) -> tuple[str | None, list[PlanItem]]:
    """The material the request's report becomes and the applications of the
    project's current plan that require the request's preparation item and
    list that material."""
    material = delivered_material(request)
    stored = request.project.current_plan
    if not material or stored is None:
        return material, []
    codes = {entry["code"] for entry in stored.plan.get("items", [])
             if request.item_code in entry.get("requires", ())
             and any(m.get("name") == material for m in entry.get("materials", ()))}
    return material, [item for item in stored.items if item.code in codes and item.kind == "approval"]


def deliver_report(request_id: int, user: User, filename: str | None, data: bytes
                   ) -> list[tuple[PlanItem, MaterialFile]]:
    """The awarded agency attaches its report (a PDF, JPEG or PNG), while
    drafting or once delivered: it becomes the material ``delivers`` of every
    application waiting for it, replacing an earlier version, and the owner
    is told. Anyone but the awarded agency: :class:`RequestNotFound`; before
    drafting, or with no application taking it: :class:`RequestConflict`;
    a bad file, or an application already with its department:
    :class:`~coordinator.materials.service.MaterialError` — and nothing is
    attached. Returns each application with its new file."""
    request = request_for_agency(user, request_id)
    if request.assignee_id != user.organisation_id:
        raise RequestNotFound() if request.assignee_id else RequestConflict(
            "the request has not been awarded", request.status)
    if request.status not in (DRAFTING, DELIVERED):
        raise RequestConflict("report drafting before attaching the report", request.status,
                              next_progress(request.status))
    material, items = fed_items(request)
    if not items:
        raise RequestConflict("no application of the project takes this report as a material", request.status,
                              reason="no_material")
    check_file(data)
    locked = [item.name for item in items if (allowed := uploadable(item)) is not None and material not in allowed]
    if locked:
        message = "with its department, its materials cannot change now: " + "、".join(locked)
        raise MaterialError(409, "materials_locked", message, {"file": [message]})
    rows = [attach_material(item, material, data, filename or f"{material}.pdf", by=user)
            for item in items]
    enqueue("service_report", f"中介机构已上传{material}：{request.project.name}",
            f"{request.assignee.name}上传了{service_name(request.service)}成果（{rows[0].file.filename}），"
            f"已作为{'、'.join(i.name for i in items)}的申报材料，无需再次上传。",
            users=project_audience(request.project), link=f"/owner/projects/{request.project_id}",
            payload={"service_request_id": request.id, "material": material,
                     "items": [i.id for i in items], "file_id": rows[0].file_id},
            key=f"service{request.id}:report:{rows[0].file_id}")
    db.session.commit()
    return list(zip(items, rows))
