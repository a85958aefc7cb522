"""The cover page: project, answers, verdict, totals, key dates and a QR code."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping
from xml.sax.saxutils import escape

from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .common import (
    BULLET,
    C_ACCENT,
    C_GRID,
    C_LANE_LINE,
    C_NO,
    C_NO_BG,
    C_OK,
    C_OK_BG,
    C_WARN,
    C_WARN_BG,
    COVER_PAGE,
    HEX,
    _area,
    _Bookmark,
    _flatten,
    _num,
    _qr,
)

if TYPE_CHECKING:
    from .document import _Document

def cover(doc: "_Document") -> list[Flowable]:
    st = doc.styles
    plan = doc.plan
    x, y, aw, ah = _area(COVER_PAGE)
    name = doc.options.project_name or "建设项目"
    title_block: list[Flowable] = [
        _Bookmark("封面", "cover"),
        Paragraph(escape(f"拿地即开工 ｜ {doc.options.title}"), st["kicker"]),
        Paragraph(escape(name), st["title"]),
    ]
    meta = []
    if doc.options.owner:
        meta.append(f"建设单位：{doc.options.owner}")
    title = getattr(doc.rules, "title", "")
    if title:
        meta.append(f"规则库：{title}")
    if meta:
        title_block.append(Paragraph(escape("　｜　".join(meta)), st["meta"]))
    qr_w = 118.0
    qr_block: list[Flowable] = []
    if doc.options.url:
        qr_block = [_qr(doc.options.url, 84),
                    Paragraph("扫码打开项目页面", st["qr"]),
                    Paragraph(escape(doc.options.url), st["url"])]
    top = Table([[title_block, qr_block]], colWidths=[aw - qr_w, qr_w],
                style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "CENTER"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                  ("LINEBELOW", (0, 0), (-1, 0), 1.2, C_ACCENT),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))

    eligible = bool((plan.get("land_day_start") or {}).get("eligible"))
    reasons = (plan.get("land_day_start") or {}).get("reasons") or []
    verdict = [Paragraph(escape("拿地即开工：适用" if eligible else "拿地即开工：不适用"),
                         st["verdict_ok" if eligible else "verdict_no"])]
    verdict += [Paragraph(BULLET + escape(r), st["body"]) for r in reasons]
    left_w = aw * 0.46
    verdict_box = Table([[verdict]], colWidths=[left_w - 10], style=TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), C_OK_BG if eligible else C_NO_BG),
        ("LINEBEFORE", (0, 0), (0, -1), 3, C_OK if eligible else C_NO),
        ("LEFTPADDING", (0, 0), (-1, -1), 10), ("TOPPADDING", (0, 0), (-1, -1), 7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))

    total = plan.get("total_working_days", 0)
    serial = plan.get("serial_working_days", 0)
    saved = plan.get("saved_working_days", (serial or 0) - (total or 0))
    right_w = aw - left_w
    cw = (right_w - 10) / 3
    figures = Table(
        [[Paragraph(str(total), st["figure"]), Paragraph(str(serial), st["figure_muted"]),
          Paragraph(str(saved), st["figure_ok"])],
         [Paragraph("个工作日（并联审批总工期）", st["figure_label"]),
          Paragraph("个工作日（逐项串联办理）", st["figure_label"]),
          Paragraph("个工作日（并联节省）", st["figure_label"])]],
        colWidths=[cw] * 3,
        style=TableStyle([("BOX", (0, 0), (0, -1), 0.6, C_LANE_LINE), ("BOX", (1, 0), (1, -1), 0.6, C_LANE_LINE),
                          ("BOX", (2, 0), (2, -1), 0.6, C_LANE_LINE),
                          ("BACKGROUND", (0, 0), (-1, -1), HEX("#f7f9fc")),
                          ("TOPPADDING", (0, 0), (-1, 0), 6), ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]),
    )
    dates = []
    if plan.get("start_date"):
        dates.append(("开始办理", str(plan["start_date"])))
    if plan.get("land_date"):
        before = plan.get("days_before_land")
        note = f"（提前 {before} 个工作日启动）" if before else ""
        dates.append(("拿地日期", f"{plan['land_date']}{note}"))
    if plan.get("end_date"):
        dates.append(("全部完成", str(plan["end_date"])))
    names = {str(it.get("code")): str(it.get("name")) for it in doc.items}
    path = [names.get(str(c), str(c)) for c in plan.get("critical_path") or []]
    facts = [[Paragraph(escape(k), st["small_muted"]), Paragraph(escape(v), st["body"])] for k, v in dates]
    if path:
        facts.append([Paragraph("关键路径", st["small_muted"]), Paragraph(escape(" → ".join(path)), st["body"])])
    n_tasks = sum(1 for it in doc.items if it.get("kind") != "milestone")
    facts.append([Paragraph("事项", st["small_muted"]),
                  Paragraph(escape(f"{n_tasks} 个办理事项、{len(doc.items) - n_tasks} 个里程碑，"
                                   f"分 {len(doc.stages)} 个阶段"), st["body"])])
    facts_table = Table(facts, colWidths=[54, right_w - 64], style=TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    middle = Table([[verdict_box, [figures, Spacer(1, 6), facts_table]]], colWidths=[left_w, right_w],
                   style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                     ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))

    content: list[Flowable] = [top, Spacer(1, 10), middle]
    rows = _answer_rows(doc)
    if rows:
        content += [Spacer(1, 10), Paragraph("项目情况（问卷答案）", st["h2"])]
        half = math.ceil(len(rows) / 2)
        cells = []
        for i in range(half):
            row = []
            for q, a in (rows[i], rows[i + half] if i + half < len(rows) else ("", "")):
                row += [Paragraph(escape(q), st["small_muted"]), Paragraph(escape(a), st["small"])]
            cells.append(row)
        qw = aw / 2
        answers = Table(cells, colWidths=[qw * 0.62, qw * 0.38] * 2, style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.3, C_GRID),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
        content.append(answers)
    warnings = list(plan.get("warnings") or [])
    if warnings:
        box = Table([[[Paragraph(escape("提示：" + w), st["warn"]) for w in warnings]]],
                    colWidths=[aw], style=TableStyle([("BACKGROUND", (0, 0), (-1, -1), C_WARN_BG),
                                                      ("LINEBEFORE", (0, 0), (0, -1), 3, C_WARN)]))
        content += [Spacer(1, 8), box]
    info = [f"生成日期：{doc.generated_text}"]
    if doc.rb_version:
        info.append(f"规则库版本：{doc.rb_version}" + (f"（{doc.rb_digest[:12]}）" if doc.rb_digest else ""))
    if doc.plan.get("commitment") is False:
        info.append("按常规方式办理（未采用告知承诺）")
    info.append("工期均为承诺时限内的工作日，已扣除周末、法定节假日并计入调休上班日")
    content += [Spacer(1, 8), Paragraph(escape("　｜　".join(info)), st["small_muted"])]
    return [KeepInFrame(aw, ah, content, mode="shrink")]

def _answer_rows(doc: "_Document") -> list[tuple[str, str]]:
    answers = doc.options.answers
    if not answers:
        return []
    questions = getattr(doc.rules, "questions", None)
    if not isinstance(questions, Mapping):
        return [(str(k), str(v)) for k, v in _flatten(answers).items() if v is not None]
    try:
        from ...planning.answers import validate_answers

        flat = validate_answers(doc.rules, answers)
    except Exception:  # answers of an older rule base: show what there is
        flat = _flatten(answers)
    rows = []
    for q in sorted(questions.values(), key=lambda q: q.order):
        value = flat.get(q.id)
        if value is None:
            continue
        if q.type == "number":
            text = _num(value) + (f" {q.unit}" if q.unit else "")
        else:
            text = q.label_of(value)
        rows.append((q.text, text))
    return rows

# -- flowchart -------------------------------------------------------
