"""The cover page: project, answers, verdict, totals, key dates and a QR code."""
from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Mapping

import segno

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from .common import (
    C_ACCENT,
    C_GRID,
    C_HEADER,
    C_INK,
    C_LANE_LINE,
    C_MUTED,
    C_NO,
    C_NO_BG,
    C_OK,
    C_OK_BG,
    C_WARN,
    C_WARN_BG,
    COVER_PAGE,
    HEX,
    PdfPage,
    _area,
    _flatten,
    _num,
)
from .text import Measure, Segments, Style, draw_line, plain

if TYPE_CHECKING:
    from .document import _Document

QR_WIDTH = 118.0
QR_SIZE = 84.0
KICKER, TITLE, META = Style(10, 13.2), Style(22, 28), Style(9, 11.9)
VERDICT, BODY, SMALL = Style(15, 20), Style(8.5, 11.5), Style(7.5, 9.8)
FIGURE, FIGURE_LABEL, H2 = Style(22, 26), Style(7.5, 9.9), Style(11, 15)
WARN, QR_NOTE, URL = Style(8, 10.5), Style(7.5, 9.9), Style(5.5, 7)


class _Canvas:
    """Drawing operations in cover coordinates (y grows downwards from the
    top of the frame), kept so the page can be shrunk to fit before drawing."""

    def __init__(self, measure: Measure):
        self.measure = measure
        self.ops: list[tuple] = []

    def lines(self, segments: Segments, style: Style, x: float, y: float, width: float,
              centre: bool = False) -> float:
        """Wrap and place a paragraph; returns the y below it."""
        for line in self.measure.wrap(segments, style, width):
            y += style.leading
            dx = (width - self.measure.width(plain(line), style.size)) / 2 if centre else 0.0
            self.ops.append(("line", x + dx, y - (style.leading - style.size) * 0.4, line))
        return y

    def rect(self, x: float, y: float, w: float, h: float, fill=None, stroke=None, width: float = 0.6) -> None:
        self.ops.append(("rect", x, y, w, h, fill, stroke, width))

    def hline(self, x0: float, x1: float, y: float, colour, width: float) -> None:
        self.ops.append(("hline", x0, x1, y, colour, width))


def cover(doc: "_Document") -> list[PdfPage]:
    """The cover page: project, verdict and reasons, totals, key dates, the
    answers, warnings and a QR code to the project page."""
    plan = doc.plan
    _, _, aw, ah = _area(COVER_PAGE)
    cv = _Canvas(Measure(doc.font.name))
    name = doc.options.project_name or "建设项目"

    # title block and QR code
    y = cv.lines([(f"拿地即开工 ｜ {doc.options.title}", C_ACCENT)], KICKER, 0, 0, aw - QR_WIDTH) + 4
    y = cv.lines([(name, C_INK)], TITLE, 0, y, aw - QR_WIDTH) + 4
    meta = ([f"建设单位：{doc.options.owner}"] if doc.options.owner else []) + \
        ([f"规则库：{doc.rules.title}"] if getattr(doc.rules, "title", "") else [])
    if meta:
        y = cv.lines([("　｜　".join(meta), C_MUTED)], META, 0, y, aw - QR_WIDTH)
    if doc.options.url:
        qx = aw - QR_WIDTH + (QR_WIDTH - QR_SIZE) / 2
        cv.ops.append(("qr", qx, 0.0, QR_SIZE, qr_modules(doc.options.url)))
        qy = cv.lines([("扫码打开项目页面", C_MUTED)], QR_NOTE, aw - QR_WIDTH, QR_SIZE, QR_WIDTH, centre=True)
        y = max(y, cv.lines([(doc.options.url, C_MUTED)], URL, aw - QR_WIDTH, qy, QR_WIDTH, centre=True))
    y += 8
    cv.hline(0, aw, y, C_ACCENT, 1.2)
    y += 10

    # the verdict (left) beside the figures and key dates (right)
    eligible = bool((plan.get("land_day_start") or {}).get("eligible"))
    left_w = aw * 0.46
    box_w = left_w - 10
    vy = cv.lines([("拿地即开工：适用" if eligible else "拿地即开工：不适用", C_OK if eligible else C_NO)],
                  VERDICT, 13, y + 7, box_w - 19) + 4
    for reason in (plan.get("land_day_start") or {}).get("reasons") or []:
        vy = cv.lines([("● " + str(reason), C_INK)], BODY, 13, vy, box_w - 19)
    vy += 8
    verdict_box = ("rect", 0, y, box_w, vy - y, C_OK_BG if eligible else C_NO_BG, None, 0)
    verdict_bar = ("rect", 0, y, 3, vy - y, C_OK if eligible else C_NO, None, 0)

    right_x, right_w = left_w, aw - left_w
    total = plan.get("total_working_days", 0)
    serial = plan.get("serial_working_days", 0)
    saved = plan.get("saved_working_days", (serial or 0) - (total or 0))
    cw = (right_w - 10) / 3
    figures = ((total, C_ACCENT, "个工作日（并联审批总工期）"), (serial, C_MUTED, "个工作日（逐项串联办理）"),
               (saved, C_OK, "个工作日（并联节省）"))
    bottoms = []
    for i, (value, colour, label) in enumerate(figures):
        fx = right_x + i * cw
        fy = cv.lines([(str(value), colour)], FIGURE, fx, y + 6, cw, centre=True)
        bottoms.append(cv.lines([(label, C_MUTED)], FIGURE_LABEL, fx + 3, fy, cw - 6, centre=True) + 6)
    fig_bottom = max(bottoms)
    cv.ops[:0] = [("rect", right_x + i * cw, y, cw, fig_bottom - y, HEX("#f7f9fc"), C_LANE_LINE, 0.6)
                  for i in range(3)]
    ry = fig_bottom + 6
    facts = []
    if plan.get("start_date"):
        facts.append(("开始办理", str(plan["start_date"])))
    if plan.get("land_date"):
        before = plan.get("days_before_land")
        facts.append(("拿地日期", f"{plan['land_date']}" + (f"（提前 {before} 个工作日启动）" if before else "")))
    if plan.get("end_date"):
        facts.append(("全部完成", str(plan["end_date"])))
    names = {str(it.get("code")): str(it.get("name")) for it in doc.items}
    path = [names.get(str(c), str(c)) for c in plan.get("critical_path") or []]
    if path:
        facts.append(("关键路径", " → ".join(path)))
    n_tasks = sum(1 for it in doc.items if it.get("kind") != "milestone")
    facts.append(("事项", f"{n_tasks} 个办理事项、{len(doc.items) - n_tasks} 个里程碑，分 {len(doc.stages)} 个阶段"))
    for key, value in facts:
        ky = cv.lines([(key, C_MUTED)], SMALL, right_x, ry + 1.5, 54)
        ry = max(ky, cv.lines([(value, C_INK)], BODY, right_x + 54, ry + 1.5, right_w - 64)) + 1.5
    cv.ops[:0] = [verdict_box, verdict_bar]
    y = max(vy, ry) + 10

    # the answers, in two columns of question and answer
    rows = _answer_rows(doc)
    if rows:
        y = cv.lines([("项目情况（问卷答案）", C_HEADER)], H2, 0, y + 4, aw) + 4
        half = math.ceil(len(rows) / 2)
        qw = aw / 2
        for i in range(half):
            bottom = y
            for col, (q, a) in enumerate((rows[i], rows[i + half] if i + half < len(rows) else ("", ""))):
                x0 = col * qw
                bottom = max(bottom, cv.lines([(q, C_MUTED)], SMALL, x0 + 2, y + 1.5, qw * 0.62 - 4),
                             cv.lines([(a, C_INK)], SMALL, x0 + qw * 0.62 + 2, y + 1.5, qw * 0.38 - 4))
            y = bottom + 2
            cv.hline(0, aw, y, C_GRID, 0.3)

    # warnings, then where the figures come from
    warnings = list(plan.get("warnings") or [])
    if warnings:
        y += 8
        wy = y + 4
        for w in warnings:
            wy = cv.lines([("提示：" + str(w), C_WARN)], WARN, 9, wy, aw - 15)
        cv.ops[:0] = [("rect", 0, y, aw, wy + 4 - y, C_WARN_BG, None, 0), ("rect", 0, y, 3, wy + 4 - y, C_WARN, None, 0)]
        y = wy + 4
    info = [f"生成日期：{doc.generated_text}"]
    if doc.rb_version:
        info.append(f"规则库版本：{doc.rb_version}" + (f"（{doc.rb_digest[:12]}）" if doc.rb_digest else ""))
    if plan.get("commitment") is False:
        info.append("按常规方式办理（未采用告知承诺）")
    info.append("工期均为承诺时限内的工作日，已扣除周末、法定节假日并计入调休上班日")
    y = cv.lines([("　｜　".join(info), C_MUTED)], SMALL, 0, y + 8, aw)
    return [_CoverPage(cv.ops, doc.font.name, min(1.0, ah / y) if y else 1.0)]


def qr_modules(url: str) -> list[list[bool]]:
    """The QR code of ``url`` (error correction M, encoded by segno) as rows
    of dark modules, without the quiet zone."""
    return [[bool(m) for m in row] for row in segno.make_qr(url, error="m", boost_error=False).matrix]


class _CoverPage(PdfPage):
    page = COVER_PAGE

    def __init__(self, ops: list[tuple], font: str, scale: float):
        super().__init__()
        self.ops, self.font, self.scale = ops, font, scale

    def paint(self, c: Canvas) -> None:
        x, y0, _, ah = _area(COVER_PAGE)
        c.bookmarkPage("cover")
        c.addOutlineEntry("封面", "cover", level=0)
        c.translate(x, y0 + ah)
        c.scale(self.scale, -self.scale)  # cover coordinates: y grows downwards; text is flipped back below
        for op in self.ops:
            kind = op[0]
            if kind == "line":
                _, lx, ly, line = op
                c.saveState()
                c.translate(lx, ly)
                c.scale(1, -1)
                draw_line(c, self.font, 0, 0, line)
                c.restoreState()
            elif kind == "rect":
                _, rx, ry, w, h, fill, stroke, width = op
                if fill is not None:
                    c.setFillColor(fill)
                if stroke is not None:
                    c.setStrokeColor(stroke)
                    c.setLineWidth(width)
                c.rect(rx, ry, w, h, stroke=stroke is not None, fill=fill is not None)
            elif kind == "hline":
                _, x0, x1, hy, colour, width = op
                c.setStrokeColor(colour)
                c.setLineWidth(width)
                c.line(x0, hy, x1, hy)
            elif kind == "qr":
                _, qx, qy, size, modules = op
                _draw_qr(c, qx, qy, size, modules)


def _draw_qr(c: Canvas, x: float, y: float, size: float, modules: list[list[bool]], border: int = 2) -> None:
    """Dark modules as one rectangle per run in each row, on a white square."""
    cell = size / (len(modules) + 2 * border)
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(colors.black)
    for r, row in enumerate(modules):
        col = 0
        for dark, run in itertools.groupby(row):
            n = len(list(run))
            if dark:
                c.rect(x + (col + border) * cell, y + (r + border) * cell, n * cell, cell * 1.05, stroke=0, fill=1)
            col += n


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
