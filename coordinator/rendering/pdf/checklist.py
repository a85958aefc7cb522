"""The checklist pages: one table per stage, then the items that do not apply.

Drawn on the canvas like the flowchart and the Gantt chart rather than with
platypus tables: every cell is wrapped once, with the font's own glyph
widths, the rows are laid out onto pages before anything is drawn, and the
header row is repeated on every page. A row taller than what is left of a
page continues on the next one, line by line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from ..textreport import MODE_NAMES
from .common import (
    C_CRITICAL,
    C_CRITICAL_ROW,
    C_HEADER,
    C_INK,
    C_KIND,
    C_LANE_LINE,
    C_MUTED,
    C_STRIPE,
    LIST_PAGE,
    MODE_EXTRAS,
    PdfPage,
    _area,
)
from .text import Line, Measure, Segments, Style, draw_line, plain

if TYPE_CHECKING:
    from .document import _Document

#: Relative column widths of the stage tables, and their headers.
COLUMNS = (150, 96, 62, 40, 74, 204, 160)
HEADER = ("事项", "办理部门", "办理方式", "工作日", "计划日期", "需准备的材料", "依据")
EXCLUDED_COLUMNS = (0.32, 0.68)
PAD_X, PAD_TOP, PAD_BOTTOM = 3.0, 2.5, 3.0
CELL = Style(7.2, 9.2)
STRONG = Style(8, 10.2)
CODE = Style(6, 7.6)
MUTED_SMALL = Style(6.5, 8.4)
TH = Style(7.5, 9.5)


@dataclass
class Cell:
    lines: list[Line] = field(default_factory=list)
    centre: bool = False

    @property
    def height(self) -> float:
        return sum(line.style.leading for line in self.lines)



# --------------------------------------------------------------------------
# the pages as drawing operations


@dataclass
class Page:
    ops: list[tuple] = field(default_factory=list)


class _Layout:
    """Places headings and table rows top-down, starting a page when needed."""

    def __init__(self, measure: Measure):
        self.measure = measure
        self.x, self.y0, self.aw, ah = _area(LIST_PAGE)
        self.top = self.y0 + ah
        self.pages: list[Page] = []
        self.header: tuple[list[float], list[Cell]] | None = None
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = self.top

    @property
    def room(self) -> float:
        return self.y - self.y0

    def op(self, *op) -> None:
        self.pages[-1].ops.append(op)

    def text(self, segments: Segments, style: Style, width: float, gap: float = 0.0) -> None:
        lines = self.measure.wrap(segments, style, width)
        if self.room < sum(line.style.leading for line in lines) + gap:
            self.new_page()
        for line in lines:
            self.y -= line.style.leading
            self.op("line_text", self.x, self.y + (line.style.leading - line.style.size) * 0.6, line)
        self.y -= gap

    def cells(self, widths: list[float], contents: list[list[tuple[Segments, Style]]], centre=()) -> list[Cell]:
        out = []
        for i, (w, paragraphs) in enumerate(zip(widths, contents)):
            cell = Cell(centre=i in centre)
            for segments, style in paragraphs:
                cell.lines += self.measure.wrap(segments, style, w - 2 * PAD_X)
            out.append(cell)
        return out

    def row(self, widths: list[float], cells: list[Cell], fill=None, header: bool = False) -> None:
        """One table row; when it does not fit, what fits stays here and the
        rest continues on the next page below the repeated header."""
        while any(c.lines for c in cells):
            height = max(c.height for c in cells) + PAD_TOP + PAD_BOTTOM
            if height <= self.room:
                self._draw_row(widths, cells, height, C_HEADER if header else fill)
                return
            if not header and self.room < PAD_TOP + PAD_BOTTOM + 2 * max(c.lines[0].style.leading if c.lines else 0
                                                                          for c in cells):
                self.continue_table()
                continue
            head, cells = zip(*(_split(c, self.room - PAD_TOP - PAD_BOTTOM) for c in cells))
            self._draw_row(widths, list(head), self.room, fill)
            cells = list(cells)
            self.continue_table()

    def continue_table(self) -> None:
        self.new_page()
        if self.header:
            widths, cells = self.header
            self._draw_row(widths, cells, max(c.height for c in cells) + PAD_TOP + PAD_BOTTOM, C_HEADER)

    def _draw_row(self, widths: list[float], cells: list[Cell], height: float, fill) -> None:
        top, x = self.y, self.x
        if fill is not None:
            self.op("rect", x, top - height, sum(widths), height, fill)
        for w, cell in zip(widths, cells):
            y = top - PAD_TOP
            for line in cell.lines:
                y -= line.style.leading
                baseline = y + (line.style.leading - line.style.size) * 0.6
                if cell.centre:
                    self.op("line_text", x + (w - self.measure.width(plain(line), line.style.size)) / 2, baseline,
                            line)
                else:
                    self.op("line_text", x + PAD_X, baseline, line)
            self.op("box", x, top - height, w, height)
            x += w
        self.y = top - height


def _split(cell: Cell, room: float) -> tuple[Cell, Cell]:
    used, n = 0.0, 0
    while n < len(cell.lines) and used + cell.lines[n].style.leading <= room:
        used += cell.lines[n].style.leading
        n += 1
    return Cell(cell.lines[:n], cell.centre), Cell(cell.lines[n:], cell.centre)


# --------------------------------------------------------------------------
# the content


def checklist(doc: "_Document") -> list[PdfPage]:
    """The checklist as pages for the document's story."""
    measure = Measure(doc.font.name)
    layout = _Layout(measure)
    layout.op("bookmark", "审批事项清单", "list", 0)
    layout.text([("审批事项清单", C_INK)], Style(15, 20), layout.aw, gap=3)
    layout.text([("按阶段列出每个事项的办理部门、办理方式、承诺时限、计划日期、需准备的材料和依据。"
                  "★ 为关键路径上的事项（无机动时间）；“可容缺”的材料可在受理后补交。", C_MUTED)],
                Style(7.5, 9.8), layout.aw, gap=6)
    widths = [w * layout.aw / sum(COLUMNS) for w in COLUMNS]
    header = layout.cells(widths, [[([(h, colors.white)], TH)] for h in HEADER])
    for code, name in doc.stages:
        rows = [it for it in doc.items if str(it.get("stage")) == code]
        if not rows:
            continue
        first = layout.cells(widths, _row(rows[0]), centre=(3,))
        heading = 4 + 15 + 4
        if layout.room < heading + max(c.height for c in header + first) * 2 + 4 * (PAD_TOP + PAD_BOTTOM):
            layout.new_page()  # a heading never stands alone at the foot of a page
        n = sum(1 for it in rows if it.get("kind") != "milestone")
        layout.y -= 4
        layout.op("bookmark", name, f"list-{code}", 1)
        layout.text([(name, C_HEADER), (f"　{n} 个事项", C_MUTED)], Style(11, 15), layout.aw, gap=4)
        layout.header = (widths, header)
        layout.row(widths, header, header=True)
        for r, it in enumerate(rows, start=1):
            fill = (C_CRITICAL_ROW if it.get("critical") and it.get("kind") != "milestone"
                    else C_STRIPE if r % 2 == 0 else None)
            layout.row(widths, first if r == 1 else layout.cells(widths, _row(it), centre=(3,)), fill)
        layout.header = None
        layout.y -= 8
    excluded = list(doc.plan.get("excluded") or [])
    if excluded:
        ex_widths = [f * layout.aw for f in EXCLUDED_COLUMNS]
        ex_header = layout.cells(ex_widths, [[([(h, colors.white)], TH)] for h in ("事项", "不适用的原因")])
        if layout.room < 4 + 15 + 4 + 3 * max(c.height for c in ex_header) + 4 * (PAD_TOP + PAD_BOTTOM):
            layout.new_page()
        layout.op("bookmark", "不适用的事项", "list-excluded", 1)
        layout.text([("不适用的事项", C_HEADER), ("　按本项目的答案无需办理", C_MUTED)], Style(11, 15), layout.aw, gap=4)
        layout.header = (ex_widths, ex_header)
        layout.row(ex_widths, ex_header, header=True)
        for ex in excluded:
            layout.row(ex_widths, layout.cells(ex_widths, [
                [([(str(ex.get("name") or ex.get("code")), C_INK)], CELL)],
                [([("；".join(str(b) for b in ex.get("because") or []), C_MUTED)], MUTED_SMALL)],
            ]))
    out: list[PdfPage] = []
    for page in layout.pages:
        out.append(_ChecklistPage(page, doc.font.name))
    return out


def _row(it: Mapping[str, Any]) -> list[list[tuple[Segments, Style]]]:
    """The seven cells of an item's row, each a list of styled paragraphs."""
    kind = str(it.get("kind") or "approval")
    name: Segments = [(str(it.get("name") or it.get("code")), C_INK if kind != "milestone" else C_KIND["milestone"])]
    if it.get("critical") and kind != "milestone":
        name.insert(0, ("★", C_CRITICAL))
    code_note = "（里程碑）" if kind == "milestone" else "（水电气热报装）" if kind == "utility" else ""
    item = [(name, STRONG), ([(f"{it.get('code', '')}{code_note}", C_MUTED)], CODE)]
    because = [str(b) for b in it.get("because") or []]
    if because:
        item.append(([("适用原因：" + "；".join(because), C_MUTED)], MUTED_SMALL))
    mode = str(it.get("mode") or "")
    modes = [([(MODE_NAMES.get(mode, mode), C_INK)], CELL)]
    modes += [([(label, C_MUTED)], MUTED_SMALL) for extra, label in MODE_EXTRAS.items()
              if extra in (it.get("modes") or []) and extra != mode]
    days = int(it.get("days") or 0)
    days_cell = [([(str(days), C_INK)], CELL)]
    legal = it.get("legal_days")
    if legal not in (None, "") and int(legal) != days and kind != "milestone":
        days_cell.append(([(f"法定 {int(legal)}", C_MUTED)], MUTED_SMALL))
    start, finish = it.get("start"), it.get("finish")
    dates = [([(str(start or "—"), C_INK)], CELL)]
    if finish and finish != start:
        dates.append(([(f"至 {finish}", C_INK)], CELL))
    if it.get("slack"):
        dates.append(([(f"机动 {int(it['slack'])} 个工作日", C_MUTED)], MUTED_SMALL))
    materials = [([("● " + str(m.get("name")), C_INK)] + ([("（可容缺）", C_MUTED)] if not m.get("essential", True)
                                                           else []), CELL)
                 for m in it.get("materials") or []] or [([("—", C_INK)], CELL)]
    basis = [([(str(b), C_INK)], CELL) for b in it.get("basis") or []] or [([("—", C_INK)], CELL)]
    department = [([(str(it.get("department_name") or "—"), C_INK)], CELL)]
    return [item, department, modes, days_cell, dates, materials, basis]


class _ChecklistPage(PdfPage):
    page = LIST_PAGE

    def __init__(self, page: Page, font: str):
        super().__init__()
        self.ops, self.font = page.ops, font

    def paint(self, c: Canvas) -> None:
        for op in self.ops:
            kind = op[0]
            if kind == "line_text":
                draw_line(c, self.font, *op[1:])
            elif kind == "rect":
                _, x, y, w, h, fill = op
                c.setFillColor(fill)
                c.rect(x, y, w, h, stroke=0, fill=1)
            elif kind == "box":
                _, x, y, w, h = op
                c.setStrokeColor(C_LANE_LINE)
                c.setLineWidth(0.4)
                c.rect(x, y, w, h, stroke=1, fill=0)
            elif kind == "bookmark":
                _, title, key, level = op
                c.bookmarkPage(key)
                c.addOutlineEntry(title, key, level=level)
