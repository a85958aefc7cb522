"""The checklist pages: one table per stage, then the items that do not apply."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping
from xml.sax.saxutils import escape

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..svg import (
    CRITICAL,
    MUTED,
)
from ..textreport import MODE_NAMES
from .common import (
    BULLET,
    C_CRITICAL_ROW,
    C_HEADER,
    C_LANE_LINE,
    C_STRIPE,
    LIST_PAGE,
    MODE_EXTRAS,
    _area,
    _Bookmark,
)

if TYPE_CHECKING:
    from .document import _Document

def checklist(doc: "_Document") -> list[Flowable]:
    st = doc.styles
    x, y, aw, ah = _area(LIST_PAGE)
    out: list[Flowable] = [
        _Bookmark("审批事项清单", "list"),
        Paragraph("审批事项清单", st["h1"]),
        Paragraph("按阶段列出每个事项的办理部门、办理方式、承诺时限、计划日期、需准备的材料和依据。"
                  "★ 为关键路径上的事项（无机动时间）；“可容缺”的材料可在受理后补交。", st["small_muted"]),
        Spacer(1, 6),
    ]
    widths = [150, 96, 62, 40, 74, 204, 160]
    widths = [w * aw / sum(widths) for w in widths]
    header = ["事项", "办理部门", "办理方式", "工作日", "计划日期", "需准备的材料", "依据"]
    for code, name in doc.stages:
        rows = [it for it in doc.items if str(it.get("stage")) == code]
        if not rows:
            continue
        out.append(CondPageBreak(90))
        out.append(_Bookmark(name, f"list-{code}", level=1))
        n = sum(1 for it in rows if it.get("kind") != "milestone")
        out.append(Paragraph(escape(f"{name}") + f'<font size="8" color="{MUTED}">　{n} 个事项</font>', st["h2"]))
        data: list[list[Any]] = [[Paragraph(h, st["th"]) for h in header]]
        styles = [
            ("BACKGROUND", (0, 0), (-1, 0), C_HEADER),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, C_LANE_LINE),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for r, it in enumerate(rows, start=1):
            data.append(_checklist_row(doc, it))
            if it.get("critical") and it.get("kind") != "milestone":
                styles.append(("BACKGROUND", (0, r), (-1, r), C_CRITICAL_ROW))
            elif r % 2 == 0:
                styles.append(("BACKGROUND", (0, r), (-1, r), C_STRIPE))
        out.append(Table(data, colWidths=widths, repeatRows=1, splitInRow=1, style=TableStyle(styles),
                         hAlign="LEFT"))
        out.append(Spacer(1, 8))
    excluded = list(doc.plan.get("excluded") or [])
    if excluded:
        out.append(CondPageBreak(90))
        out.append(_Bookmark("不适用的事项", "list-excluded", level=1))
        out.append(Paragraph("不适用的事项" + f'<font size="8" color="{MUTED}">　按本项目的答案无需办理</font>', st["h2"]))
        data = [[Paragraph("事项", st["th"]), Paragraph("不适用的原因", st["th"])]]
        for ex in excluded:
            data.append([Paragraph(escape(str(ex.get("name") or ex.get("code"))), st["cell"]),
                         Paragraph(escape("；".join(str(b) for b in ex.get("because") or [])), st["cell_muted"])])
        out.append(Table(data, colWidths=[aw * 0.32, aw * 0.68], repeatRows=1, splitInRow=1, hAlign="LEFT",
                         style=TableStyle([("BACKGROUND", (0, 0), (-1, 0), C_HEADER),
                                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                           ("GRID", (0, 0), (-1, -1), 0.4, C_LANE_LINE),
                                           ("TOPPADDING", (0, 0), (-1, -1), 2),
                                           ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)])))
    return out

def _checklist_row(doc: "_Document", it: Mapping[str, Any]) -> list[Any]:
    st = doc.styles
    kind = str(it.get("kind") or "approval")
    name = escape(str(it.get("name") or it.get("code")))
    if it.get("critical") and kind != "milestone":
        name = f'<font color="{CRITICAL}">★</font>{name}'
    item_cell = [Paragraph(name, st["cell_strong"] if kind != "milestone" else st["cell_milestone"]),
                 Paragraph(escape(f"{it.get('code', '')}" + ("（里程碑）" if kind == "milestone" else
                                                             "（水电气热报装）" if kind == "utility" else "")),
                           st["cell_code"])]
    because = [str(b) for b in it.get("because") or []]
    if because:
        item_cell.append(Paragraph(escape("适用原因：" + "；".join(because)), st["cell_muted"]))
    mode = str(it.get("mode") or "")
    mode_lines = [MODE_NAMES.get(mode, mode)]
    for extra, label in MODE_EXTRAS.items():
        if extra in (it.get("modes") or []) and extra != mode:
            mode_lines.append(label)
    mode_cell = Paragraph(escape(mode_lines[0]) + "".join(
        f'<br/><font size="6.5" color="{MUTED}">{escape(m)}</font>' for m in mode_lines[1:]), st["cell"])
    days = int(it.get("days") or 0)
    days_text = str(days)
    legal = it.get("legal_days")
    if legal not in (None, "") and int(legal) != days and kind != "milestone":
        days_text += f'<br/><font size="6.5" color="{MUTED}">法定 {int(legal)}</font>'
    start, finish = it.get("start"), it.get("finish")
    dates = escape(str(start or "—"))
    if finish and finish != start:
        dates += "<br/>至 " + escape(str(finish))
    slack = it.get("slack")
    if slack:
        dates += f'<br/><font size="6.5" color="{MUTED}">机动 {int(slack)} 个工作日</font>'
    materials = []
    for m in it.get("materials") or []:
        text = escape(str(m.get("name")))
        if not m.get("essential", True):
            text += f'<font color="{MUTED}">（可容缺）</font>'
        materials.append(BULLET + text)
    basis = [escape(str(b)) for b in it.get("basis") or []]
    return [item_cell, Paragraph(escape(str(it.get("department_name") or "—")), st["cell"]), mode_cell,
            Paragraph(days_text, st["cell_center"]), Paragraph(dates, st["cell"]),
            Paragraph("<br/>".join(materials) or "—", st["cell"]),
            Paragraph("<br/>".join(basis) or "—", st["cell"])]
