"""Materials operations shared by the pages and the JSON API: upload (the
owner) or attach (an intermediary's report) a file for one of an item's
materials, list what is provided, check a submission, name the files at
fault on a return, the 告知承诺 letter, and reading a file (logged).

A file's bytes are written to the blob store before its row is added, and
the caller's commit comes after both: a crash in between leaves a blob no
row names, never a row naming a missing blob."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Iterable, Mapping, Sequence

import filetype
from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..accounts.models import Role, User, utcnow
from ..agents.acts import record_act
from ..extensions import db
from ..licences.models import Licence
from ..projects.access import acts_for_owner
from ..projects.models import PlanItem, Project
from ..tracking import lifecycle
from .models import CommitmentLetter, FileDownload, MaterialFile, StoredFile
from .storage import blob_store, digest

#: What a material file may be, by its content (not its name).
ACCEPTED_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
#: The size limit of one file (``MATERIAL_MAX_BYTES`` overrides it).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FILENAME_MAX = 255

UPLOAD, LICENCE, INTERMEDIARY, COMMITMENT = "upload", "licence", "intermediary", "commitment"


class MaterialError(Exception):
    """A material request that cannot be done: ``status`` 400 (bad input,
    ``fields`` names it), 403 (not the caller's to do), 409 (not now) or 413."""

    def __init__(self, status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = dict(fields or {})


@dataclass
class MaterialState:
    """One material of an item: whether it is provided, by what, with which files."""

    name: str
    essential: bool
    listed: bool
    source: str | None = None
    files: list[StoredFile] = field(default_factory=list)
    at_fault: list[StoredFile] = field(default_factory=list)

    @property
    def provided(self) -> bool:
        return self.source is not None


def max_bytes() -> int:
    return int(current_app.config.get("MATERIAL_MAX_BYTES") or DEFAULT_MAX_BYTES)


def listed_materials(item: PlanItem) -> list[lifecycle.Material]:
    """The materials the item's plan lists (with 容缺受理 ones marked non-essential)."""
    return [lifecycle.Material(m["name"], m.get("essential", True)) for m in item.plan_entry.get("materials", ())]


def _current_files(item: PlanItem) -> list[MaterialFile]:
    return list(db.session.scalars(
        select(MaterialFile).where(MaterialFile.project_id == item.project_id, MaterialFile.item_code == item.code,
                                   MaterialFile.superseded_at.is_(None)).order_by(MaterialFile.id)))


def issued_licences(project_id: int) -> dict[str, Licence]:
    """The project's licences by the name of their item (which is how later
    items list them among their materials: 建设工程规划许可证 …)."""
    rows = db.session.execute(
        select(PlanItem.name, Licence).join(Licence, Licence.item_id == PlanItem.id)
        .where(Licence.project_id == project_id)).all()
    return {name: licence for name, licence in rows}


def commitment_letter_of(item: PlanItem) -> CommitmentLetter | None:
    return db.session.scalar(select(CommitmentLetter).where(
        CommitmentLetter.project_id == item.project_id, CommitmentLetter.item_code == item.code))


def materials_of(item: PlanItem) -> list[MaterialState]:
    """Every material of the item, listed ones first, then those an officer
    asked for beyond the list: provided by files (upload or intermediary),
    else by an earlier item's licence (免提交), else by the confirmed 告知承诺书."""
    states = {m.name: MaterialState(m.name, m.essential, True) for m in listed_materials(item)}
    for name in [*(item.missing_materials or ()), *(item.gaps_materials or ())]:
        states.setdefault(name, MaterialState(name, False, False))
    for row in _current_files(item):
        state = states.setdefault(row.material, MaterialState(row.material, False, False))
        state.files.append(row.file)
        state.source = row.source
        if row.at_fault_since is not None:
            state.at_fault.append(row.file)
    licences = issued_licences(item.project_id)
    letter = commitment_letter_of(item) if item.mode == lifecycle.COMMITMENT else None
    for state in states.values():
        if state.files:
            continue
        licence = licences.get(state.name)
        if licence is not None and licence.item_id != item.id:
            state.source, state.files = LICENCE, [licence.file]
        elif letter is not None and state.listed:
            state.source = COMMITMENT
    return list(states.values())


def sniff(data: bytes) -> str:
    """The content type of ``data`` judged by its bytes; 400 unless PDF, JPEG or PNG."""
    if not data:
        raise MaterialError(400, "invalid", "the file is empty", {"file": ["the file is empty"]})
    kind = filetype.guess(data)
    mime = kind.mime if kind else "unknown"
    if mime not in ACCEPTED_TYPES:
        raise MaterialError(400, "unsupported_file", "only PDF, JPEG and PNG files are accepted",
                            {"file": [f"not a PDF, JPEG or PNG file (its content is {mime})"]})
    return mime


def check_file(data: bytes) -> str:
    """The content type of a file fit to store: 413 above ``MATERIAL_MAX_BYTES``, 400 unless PDF, JPEG or PNG."""
    if len(data) > max_bytes():
        raise MaterialError(413, "too_large", f"a file may be at most {max_bytes() // (1024 * 1024)} MB",
                            {"file": [f"larger than {max_bytes()} bytes"]})
    return sniff(data)


def clean_filename(name: str | None) -> str:
    """The file's own name without any directory, control characters or excess length."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    return base[-FILENAME_MAX:] or "file"


def store_file(project: Project, filename: str, data: bytes, content_type: str, user: User | None) -> StoredFile:
    """Write the bytes to the blob store, then add their row to the session
    (the caller commits)."""
    sha256 = digest(data)
    blob_store().put(sha256, data)
    stored = StoredFile(project_id=project.id, sha256=sha256, size=len(data), content_type=content_type,
                        filename=clean_filename(filename), created_by_id=user.id if user else None)
    db.session.add(stored)
    return stored


def uploadable(item: PlanItem) -> set[str] | None:
    """The material names the owner may provide now (None: any listed or requested one)."""
    if item.status == lifecycle.NOT_SUBMITTED:
        return None
    if item.status == lifecycle.RETURNED:
        return set(item.missing_materials or ())
    if item.status == lifecycle.ACCEPTED_WITH_GAPS:
        return set(item.gaps_materials or ())
    return set()


def _check_material(item: PlanItem, material: str | None) -> str:
    name = (material or "").strip()
    known = {m.name for m in listed_materials(item)} | set(item.missing_materials or ()) | set(
        item.gaps_materials or ())
    if name not in known:
        raise MaterialError(400, "invalid", "no such material for this item",
                            {"material": ["one of: " + "；".join(sorted(known))] if known else ["this item lists no materials"]})
    return name


def provide(item: PlanItem, material: str | None, filename: str | None, data: bytes, user: User | None,
            source: str = UPLOAD, replaces: int | None = None) -> MaterialFile:
    """Add a file for one material of the item and commit. While the item is
    returned the new file replaces the material's files at fault (or the one
    named by ``replaces``). The material must be the item's; the file a PDF,
    JPEG or PNG of at most ``MATERIAL_MAX_BYTES``."""
    if item.kind != "approval":
        raise MaterialError(409, "not_tracked", "utility steps carry no materials")
    name = _check_material(item, material)
    content_type = check_file(data)
    allowed = uploadable(item)
    if allowed is not None and name not in allowed:
        message = ("only the materials named in the return can be replaced" if item.status == lifecycle.RETURNED
                   else "the item is with its department; its materials cannot change now")
        raise MaterialError(409, "materials_locked", message, {"material": [message]})
    current = [r for r in _current_files(item) if r.material == name]
    if replaces is not None:
        superseded = [r for r in current if r.file_id == replaces]
        if not superseded:
            raise MaterialError(400, "invalid", "no current file of this material has that id",
                                {"replaces": ["not a current file of this material"]})
    else:
        superseded = [r for r in current if r.at_fault_since is not None]
    stored = store_file(item.project, filename, data, content_type, user)
    db.session.flush()
    now = utcnow()
    for row in superseded:
        row.superseded_at = now
    row = MaterialFile(project_id=item.project_id, item_code=item.code, material=name, file_id=stored.id,
                       source=source, provided_by_id=user.id if user else None)
    db.session.add(row)
    if user is not None and source == UPLOAD:
        record_act(user, item.project, "materials", f"{item.name}：{name}（{stored.filename}）",
                   {"item_id": item.id, "file_id": stored.id})
    db.session.commit()
    return row


def upload(user: User, item: PlanItem, material: str | None, filename: str | None, data: bytes,
           replaces: int | None = None) -> MaterialFile:
    """The owner, or its agent granted ``materials``, uploads a file for a
    material (anyone else who can see the item: 403)."""
    if not acts_for_owner(user, item.project, "materials"):
        raise MaterialError(403, "forbidden", "only the project's owner uploads its materials")
    return provide(item, material, filename, data, user, UPLOAD, replaces)


def attach_material(item: PlanItem, material_name: str, data: bytes, filename: str,
                    source: str = INTERMEDIARY, by: User | None = None) -> MaterialFile:
    """Fill a material of the item from elsewhere — an intermediary's
    delivered report — with the same checks as an upload; a newer version
    replaces the file attached from the same source before."""
    earlier = next((r.file_id for r in _current_files(item) if r.material == material_name and r.source == source),
                   None)
    return provide(item, material_name, filename, data, by, source, earlier)


def materials_to_provide(item: PlanItem) -> list[MaterialState]:
    """The item's materials the owner must still upload before (re)submitting:
    essential ones not provided, those named in a return not provided, and
    those with files at fault not yet replaced."""
    named = set(item.missing_materials or ()) if item.status == lifecycle.RETURNED else set()
    return [state for state in materials_of(item)
            if state.at_fault or (not state.provided and (state.essential or state.name in named))]


def submission_problems(item: PlanItem) -> dict[str, list[str]]:
    """What stops the owner from (re)submitting (:func:`materials_to_provide`),
    as materials not provided and files at fault. Empty when the item may go."""
    problems: dict[str, list[str]] = {}
    for state in materials_to_provide(item):
        if not state.provided:
            problems.setdefault("materials", []).append(state.name)
        for f in state.at_fault:
            problems.setdefault("files", []).append(f"{f.filename}（{state.name}，#{f.id}）")
    return problems


def faulty_materials(item: PlanItem, file_ids: Sequence[int], named: Iterable[str]) -> list[str]:
    """The materials a return names: those ``named`` and those of the
    ``file_ids`` at fault; 400 for an id that is not a current file of the item."""
    by_file = {r.file_id: r for r in _current_files(item)}
    unknown = [str(i) for i in file_ids if i not in by_file]
    if unknown:
        raise MaterialError(400, "invalid", "not current files of this item: " + ", ".join(unknown),
                            {"files": ["not a current file of this item: " + ", ".join(unknown)]})
    return list(dict.fromkeys([*(m for m in named if m), *(by_file[i].material for i in file_ids)]))


def mark_at_fault(item: PlanItem, file_ids: Sequence[int], materials: Iterable[str]) -> None:
    """On a return: flag the named files, and every file of a named material
    none of whose files were named, as at fault (the caller commits)."""
    current = _current_files(item)
    chosen = {r.material for r in current if r.file_id in file_ids}
    named = set(materials) - chosen
    now = utcnow()
    for row in current:
        if row.file_id in file_ids or row.material in named:
            row.at_fault_since = now


# --- 告知承诺 ----------------------------------------------------------------------


def commitment_letter_text(item: PlanItem) -> str:
    """The 告知承诺书 of a commitment-mode item, from the rule base: the item,
    its department, its basis, the proofs the owner commits to and the
    verification the department will make."""
    entry = item.plan_entry
    project = item.project
    lines = [
        f"告知承诺书（{item.name}）",
        f"申请人：{project.owner.display_name}    项目：{project.name}",
        f"审批部门：{entry.get('department_name') or item.department}",
        f"依据：{'；'.join(entry.get('basis', ())) or '—'}",
        "申请人承诺：已知晓审批部门告知的全部条件、标准和技术要求，所申请事项符合上述条件；"
        "下列材料真实、完整、有效，并在审批部门核查时提供：",
        *[f"  {n}. {m['name']}" for n, m in enumerate(entry.get("materials", ()), start=1)],
        f"审批部门自受理之日起 {lifecycle.VERIFICATION_WORKING_DAYS} 个工作日内核查；"
        "承诺不实的，愿意承担撤销许可等相应法律责任。",
    ]
    return "\n".join(lines)


def confirm_commitment(user: User, item: PlanItem) -> CommitmentLetter:
    """The owner confirms the item's 告知承诺书 (once): its listed proofs count
    as provided. 409 for an item not under 告知承诺 or already with its department."""
    if not acts_for_owner(user, item.project, "materials"):
        raise MaterialError(403, "forbidden", "only the project's owner confirms its commitment letter")
    if item.mode != lifecycle.COMMITMENT:
        raise MaterialError(409, "not_commitment", "this item is not handled under 告知承诺")
    if item.status not in (lifecycle.NOT_SUBMITTED, lifecycle.RETURNED):
        raise MaterialError(409, "materials_locked", "the item is with its department")
    letter = commitment_letter_of(item)
    if letter is None:
        text = commitment_letter_text(item)
        letter = CommitmentLetter(project_id=item.project_id, item_code=item.code, text=text,
                                  sha256=digest(text.encode()), confirmed_by_id=user.id)
        db.session.add(letter)
        db.session.commit()
    return letter


# --- reading ------------------------------------------------------------------


def _departments_reading(stored: StoredFile) -> set[str]:
    """The departments whose officers may read the file: those of the items it
    is a material of, of the item whose licence it is, and of the items that
    reuse that licence."""
    project = db.session.get(Project, stored.project_id)
    plan = project.current_plan
    items = {i.code: i for i in plan.items} if plan else {}
    codes = set(db.session.scalars(select(MaterialFile.item_code).where(MaterialFile.file_id == stored.id)))
    licence = db.session.scalar(select(Licence).where(Licence.file_id == stored.id))
    departments = {items[c].department for c in codes if c in items}
    if licence is not None:
        departments.add(licence.item.department)
        departments |= {i.department for i in items.values()
                        if any(m.name == licence.item.name for m in listed_materials(i))}
    return departments


def may_read(user: User, stored: StoredFile) -> bool:
    """The project's owner, the admin, and officers of a department that handles the file."""
    project = db.session.get(Project, stored.project_id)
    if user.role == Role.admin or acts_for_owner(user, project):
        return True
    return (user.role == Role.officer and user.organisation is not None
            and user.organisation.code in _departments_reading(stored))


def read_file(user: User, file_id: int, what: str = "material") -> tuple[StoredFile, bytes]:
    """The file and its bytes, with the download in the log; 404 for anyone
    who may not read it, exactly as for a file that does not exist."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not may_read(user, stored):
        raise NotFound()
    return stored, logged_read(user, stored, what)


def logged_read(user: User, stored: StoredFile, what: str) -> bytes:
    """The file's bytes, with the download in the log (the caller has
    checked that ``user`` may read it)."""
    data = blob_store().get(stored.sha256)
    db.session.add(FileDownload(user_id=user.id, project_id=stored.project_id, file_id=stored.id, what=what))
    db.session.commit()
    return data


def downloads_of(project_id: int) -> list[FileDownload]:
    """The project's download log, oldest first."""
    return list(db.session.scalars(select(FileDownload).where(FileDownload.project_id == project_id)
                                   .order_by(FileDownload.id)))
