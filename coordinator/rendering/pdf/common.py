"""What every page of the plan PDF shares: page sizes, colours, paragraph
styles, drawing helpers and the numbered footer."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.pdfgen.canvas import Canvas

from ..layout import LayoutStyle
from ..svg import (
    CRITICAL,
    EDGE,
    GRID,
    INK,
    KIND_COLOURS,
    LAND,
    MUTED,
    OFFDAY,
    parse_date,
)
from .fonts import _fit, _width

if TYPE_CHECKING:
    from .document import _Document

# --------------------------------------------------------------------------
# page geometry and colours

COVER_PAGE = landscape(A4)
FLOW_PAGE = landscape(A3)
GANTT_PAGE = landscape(A4)
LIST_PAGE = landscape(A4)
MARGIN = 28.0  # left, right and top
FOOTER = 30.0  # the footer band at the bottom of every page

#: Flowchart sizes in points (the layout's px become pt on paper at scale 1).
FLOW_STYLE = LayoutStyle(
    box_width=88.0, box_height=46.0, margin=0.0, lane_label_width=42.0, column_gap=22.0, gap_padding=8.0,
    row_gap=12.0, lane_padding=8.0, channel_padding=5.0, track_spacing=4.0, sweeps=4,
)
#: Narrower, taller boxes to try when the flowchart is wider than the page
#: (box width, box height, narrowest column gap); the best fit is used.
FLOW_STYLE_CANDIDATES: tuple[tuple[float, float, float], ...] = ((88.0, 46.0, 22.0), (76.0, 52.0, 20.0),
                                                                 (66.0, 58.0, 18.0))
FLOW_HEADER = 46.0  # title and navigation above the diagram
FLOW_LEGEND = 24.0  # the legend below it
ONE_PAGE_MIN_SCALE = 0.66  # smaller than this and the flowchart is cut into pages
TILE_MIN_SCALE = 0.66  # below this a tall flowchart is cut into groups of lanes too

HEX = colors.HexColor
C_INK, C_MUTED, C_GRID, C_OFFDAY = HEX(INK), HEX(MUTED), HEX(GRID), HEX(OFFDAY)
C_CRITICAL, C_EDGE, C_LAND = HEX(CRITICAL), HEX(EDGE), HEX(LAND)
C_KIND = {k: HEX(v) for k, v in KIND_COLOURS.items()}
C_HOLIDAY = HEX("#fde3cf")
C_HEADER = HEX("#2c3e57")
C_LANE_FILLS = (HEX("#f7f9fc"), HEX("#eef3f9"))
C_LANE_HEADER = HEX("#e3e9f2")
C_LANE_LINE = HEX("#c9d2de")
C_OK, C_OK_BG = HEX("#2e7d32"), HEX("#e8f5e9")
C_NO, C_NO_BG = HEX("#c62828"), HEX("#fdecea")
C_CRITICAL_ROW = HEX("#fdf1f0")
C_STRIPE = HEX("#f6f8fb")
C_WARN_BG, C_WARN = HEX("#fff8e1"), HEX("#8d6e00")
C_ACCENT = HEX("#1f4e8c")

MODE_EXTRAS = {"gaps": "可容缺受理", "before_land": "可拿地前办理"}


def _area(page: tuple[float, float], header: float = 0.0, legend: float = 0.0) -> tuple[float, float, float, float]:
    """(x, y, width, height) of a page's drawing area, PDF coordinates (y up)."""
    w, h = page
    return (MARGIN, FOOTER + legend, w - 2 * MARGIN, h - MARGIN - header - FOOTER - legend)


FLOW_AREA = _area(FLOW_PAGE, FLOW_HEADER, FLOW_LEGEND)



_date = parse_date

def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}"


def _days(days: Any) -> str:
    return f"{int(days or 0)} 个工作日"


def _flatten(answers: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in answers.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


# --------------------------------------------------------------------------
# canvas helpers


def _text(c: Canvas, x: float, y: float, text: str, font: str, size: float, colour=C_INK,
          anchor: str = "start", bold: bool = False) -> float:
    """Draw one line; ``bold`` strokes the glyph outlines (CJK fonts seldom
    come with a bold face).  Returns the width."""
    width = _width(text, font, size)
    if anchor == "middle":
        x -= width / 2
    elif anchor == "end":
        x -= width
    c.setFillColor(colour)
    if not bold:
        c.setFont(font, size)
        c.drawString(x, y, text)
        return width
    c.saveState()  # the render mode is graphics state: restoring it ends the bold
    c.setStrokeColor(colour)
    c.setLineWidth(size * 0.045)
    t = c.beginText(x, y)
    t.setFont(font, size)
    t.setTextRenderMode(2)
    t.textOut(text)
    c.drawText(t)
    c.restoreState()
    return width


def _diamond(c: Canvas, cx: float, cy: float, rx: float, ry: float, fill=None, stroke=None, width: float = 1.0):
    p = c.beginPath()
    p.moveTo(cx, cy + ry)
    p.lineTo(cx + rx, cy)
    p.lineTo(cx, cy - ry)
    p.lineTo(cx - rx, cy)
    p.close()
    if fill is not None:
        c.setFillColor(fill)
    if stroke is not None:
        c.setStrokeColor(stroke)
        c.setLineWidth(width)
    c.drawPath(p, fill=fill is not None, stroke=stroke is not None)


class PdfPage:
    """One page of the PDF: its size, and how to paint it in page coordinates."""

    page: tuple[float, float] = COVER_PAGE

    def paint(self, c: Canvas) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _page_title(c: Canvas, doc: _Document, page: tuple[float, float], title: str, subtitle: str,
                right: str = "") -> None:
    font = doc.font.name
    w, h = page
    top = h - MARGIN
    _text(c, MARGIN, top - 15, title, font, 15, C_INK, bold=True)
    tw = _width(title, font, 15)
    name = doc.options.project_name
    if name:
        _text(c, MARGIN + tw + 10, top - 15, _fit(name, w / 2 - tw, font, 10)[0] if name else "", font, 10, C_MUTED)
    if right:
        _text(c, w - MARGIN, top - 15, right, font, 9, C_ACCENT, anchor="end", bold=True)
    if subtitle:
        line = _fit(subtitle, w - 2 * MARGIN, font, 8)
        _text(c, MARGIN, top - 30, line[0] if line else "", font, 8, C_MUTED)



# --------------------------------------------------------------------------
# the footer with "page N of M"


class _NumberedCanvas(Canvas):
    """Keeps every page until the end so the footer can say 第 N 页 / 共 M 页."""

    def __init__(self, *args, footer: tuple[str, str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        name, middle, font = self._footer
        w, _ = self._pagesize
        y = FOOTER - 16
        self.saveState()
        self.setStrokeColor(C_GRID)
        self.setLineWidth(0.5)
        self.line(MARGIN, FOOTER - 6, w - MARGIN, FOOTER - 6)
        left = _fit(f"{name} ｜ 拿地即开工审批计划", w / 3, font, 7)
        _text(self, MARGIN, y, left[0] if left else "", font, 7, C_MUTED)
        _text(self, w / 2, y, middle, font, 7, C_MUTED, anchor="middle")
        _text(self, w - MARGIN, y, f"第 {self._pageNumber} 页 / 共 {total} 页", font, 7, C_MUTED, anchor="end")
        self.restoreState()
