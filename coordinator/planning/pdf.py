"""The plan on paper: a PDF with cover, flowchart, Gantt chart and checklist.

Pure: plan JSON (SPEC §4.3) + rule base + options in, PDF bytes out — no
web framework, no database.  Built with reportlab's own canvas drawing and
platypus (no HTML-to-PDF detour):

1. **Cover** (A4 landscape): project, owner, the answers as the
   questionnaire's texts and labels, the 拿地即开工 verdict with its reasons,
   parallel vs serial working days, key dates, generation date, rule-base
   version and a QR code (``reportlab.graphics.barcode.qr``) to the project
   page.
2. **Flowchart** (A3 landscape): the swimlane layout of
   :func:`~coordinator.planning.layout.flowchart_layout` — computed here with
   sizes in points (:data:`FLOW_STYLE`) — scaled onto the page; when it does
   not fit one page at a readable scale it is cut into tiles by column
   ranges (and, for very tall plans, by groups of lanes), each tile on its
   own page with the lane labels repeated and the cut edges marked
   (:func:`flowchart_tiles`).  Critical boxes and arrows are red and
   heavier, milestones are diamonds.
3. **Gantt chart** (A4 landscape): one bar per item on real dates, month and
   week scale, weekends and statutory holidays shaded, the land date line,
   critical bars red; long plans continue on further pages with the scale
   repeated.
4. **Checklist** (A4 landscape): one table per stage (item, department,
   mode, days, planned dates, materials, legal basis) whose header row repeats
   on every page, then the items that do not apply.

Chinese text is drawn with an embedded TrueType CJK font when one is found
(:func:`pdf_font`: ``COORDINATOR_PDF_FONT`` = ``path[,subfont]``, then
WenQuanYi Zen Hei and other TrueType CJK fonts in the usual places), else
with reportlab's built-in ``STSong-Light`` CID font (not embedded: the
viewer supplies the glyphs).  Either way the text is extractable.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepInFrame, NextPageTemplate, PageBreak, PageTemplate,
    Paragraph, Spacer, Table, TableStyle,
)

from .calendar import WorkingCalendar
from .layout import FlowLayout, LayoutStyle, flowchart_layout, wrap_text
from .svg import CRITICAL, EDGE, GRID, INK, KIND_COLOURS, LAND, MUTED, OFFDAY, lag_band_start, parse_date
from .textreport import MODE_NAMES

# --------------------------------------------------------------------------
# fonts

FONT_ENV = "COORDINATOR_PDF_FONT"
#: TrueType CJK fonts tried in order after ``COORDINATOR_PDF_FONT`` (path, subfont index).
TRUETYPE_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # Debian/Ubuntu fonts-wqy-zenhei
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),  # Fedora
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
)
CID_FALLBACK = "STSong-Light"


@dataclass(frozen=True)
class PdfFont:
    """The font the PDF is set in: reportlab's registered ``name``, where it
    came from, and whether it is embedded in the file."""

    name: str
    source: str
    embedded: bool
    rejected: tuple[str, ...] = ()  # candidates that were configured or present but unusable

    def __str__(self) -> str:
        return f"{self.source} ({'embedded TrueType' if self.embedded else 'built-in CID font, not embedded'})"


def _parse_spec(spec: str) -> tuple[str, int]:
    path, _, index = spec.strip().partition(",")
    return path.strip(), int(index) if index.strip() else 0


@lru_cache(maxsize=16)
def _register_truetype(path: str, index: int) -> str:
    """Register a TrueType font once per process; raises when reportlab cannot
    use it (missing, OpenType/CFF outlines, no Chinese glyphs)."""
    name = f"CJK-{abs(hash((path, index))) % 10**8}"
    font = TTFont(name, path, subfontIndex=index)
    if ord("中") not in font.face.charToGlyph or ord("审") not in font.face.charToGlyph:
        raise ValueError("the font has no Chinese glyphs")
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return name


@lru_cache(maxsize=1)
def _register_cid() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    pdfmetrics.registerFontFamily(CID_FALLBACK, normal=CID_FALLBACK, bold=CID_FALLBACK, italic=CID_FALLBACK,
                                  boldItalic=CID_FALLBACK)
    return CID_FALLBACK


def pdf_font(spec: str | None = None) -> PdfFont:
    """The CJK font to use: ``spec`` (``path[,subfont index]``), else env
    ``COORDINATOR_PDF_FONT``, else the first usable font of
    :data:`TRUETYPE_CANDIDATES`, else the built-in ``STSong-Light``.

    ``spec`` or the env variable set to ``STSong-Light`` chooses the CID font
    directly.  Unusable candidates are listed in ``rejected``."""
    rejected: list[str] = []
    wanted = [s for s in (spec, os.environ.get(FONT_ENV)) if s and s.strip()]
    candidates: list[tuple[str, int]] = []
    for s in wanted:
        if s.strip() == CID_FALLBACK:
            return PdfFont(_register_cid(), f"{CID_FALLBACK} (configured)", False, tuple(rejected))
        try:
            candidates.append(_parse_spec(s))
        except ValueError:
            rejected.append(f"{s}: the subfont index must be a whole number")
    candidates += [c for c in TRUETYPE_CANDIDATES if c not in candidates]
    configured = set(candidates[: len(wanted)])
    for path, index in candidates:
        if not Path(path).is_file():
            if (path, index) in configured:
                rejected.append(f"{path}: no such file")
            continue
        try:
            name = _register_truetype(path, index)
        except Exception as exc:  # reportlab raises several kinds for CFF/OpenType or broken files
            rejected.append(f"{path},{index}: {exc}")
            continue
        return PdfFont(name, f"{path},{index}" if index else path, True, tuple(rejected))
    return PdfFont(_register_cid(), CID_FALLBACK, False, tuple(rejected))


def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _fit(text: str, width: float, font: str, size: float, max_lines: int = 1) -> list[str]:
    """``text`` in at most ``max_lines`` lines no wider than ``width`` (the
    layout's balanced Chinese line breaking, checked with the real font
    metrics); the last line ends in "…" when the text does not fit."""
    lines = wrap_text(text, width, size, max_lines=max_lines) if text else []
    out = []
    for line in lines:
        while line and _width(line, font, size) > width:
            line = line[:-2] + "…" if len(line) > 1 else ""
        out.append(line)
    return out


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

BULLET = '<font size="4.5">●</font> '
MODE_EXTRAS = {"gaps": "可容缺受理", "before_land": "可拿地前办理"}


def _area(page: tuple[float, float], header: float = 0.0, legend: float = 0.0) -> tuple[float, float, float, float]:
    """(x, y, width, height) of a page's drawing area, PDF coordinates (y up)."""
    w, h = page
    return (MARGIN, FOOTER + legend, w - 2 * MARGIN, h - MARGIN - header - FOOTER - legend)


FLOW_AREA = _area(FLOW_PAGE, FLOW_HEADER, FLOW_LEGEND)


# --------------------------------------------------------------------------
# flowchart pagination (pure geometry; the property tests check it)


@dataclass(frozen=True)
class FlowTile:
    """One flowchart page: the layout's columns ``columns[0]..columns[1]`` and
    lanes ``lanes[0]..lanes[1]`` drawn at ``scale``.

    ``source`` is the region of the layout shown (x0, y0, x1, y1; the
    layout's coordinates, y down) without the lane labels, which are drawn
    again on every tile at page x ``left``; ``top`` is the page y (y up) of
    the tile's top edge."""

    index: int
    group: int  # which group of lanes (row of tiles)
    columns: tuple[int, int]
    lanes: tuple[int, int]
    scale: float
    source: tuple[float, float, float, float]
    left: float
    top: float
    label_width: float  # in layout units
    codes: tuple[str, ...]

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A layout point on the page."""
        s = self.scale
        return (self.left + (self.label_width + x - self.source[0]) * s, self.top - (y - self.source[1]) * s)

    def rect(self, x: float, y: float, width: float, height: float) -> tuple[float, float, float, float]:
        """A layout rectangle (top-left corner, y down) as a page rectangle
        (lower-left corner, y up)."""
        px, py = self.point(x, y + height)
        return (px, py, width * self.scale, height * self.scale)

    def box_rect(self, box) -> tuple[float, float, float, float]:
        return self.rect(box.x, box.y, box.width, box.height)

    @property
    def width(self) -> float:
        return (self.label_width + self.source[2] - self.source[0]) * self.scale

    @property
    def height(self) -> float:
        return (self.source[3] - self.source[1]) * self.scale

    @property
    def region(self) -> tuple[float, float, float, float]:
        """The page rectangle of the diagram region (lanes without labels)."""
        x0, y0, x1, y1 = self.source
        return self.rect(x0, y0, x1 - x0, y1 - y0)

    def holds(self, x: float, y: float, eps: float = 1e-6) -> bool:
        x0, y0, x1, y1 = self.source
        return x0 - eps <= x <= x1 + eps and y0 - eps <= y <= y1 + eps


def flowchart_tiles(
    layout: FlowLayout,
    area: tuple[float, float, float, float] = FLOW_AREA,
    *,
    one_page_min_scale: float = ONE_PAGE_MIN_SCALE,
    tile_min_scale: float = TILE_MIN_SCALE,
    max_scale: float = 1.0,
) -> list[FlowTile]:
    """Cut ``layout`` into page tiles that fit ``area`` (x, y, w, h; y up).

    One tile when the whole chart fits at ``one_page_min_scale`` or more.
    Otherwise the lanes are grouped so that each group fits the height at a
    target scale, and each group is cut into balanced column ranges (cut in
    the gaps between columns) that fit the width; of the targets tried
    (``max_scale``, 85 % of it, the scale that fits the whole height, and
    ``tile_min_scale``, where they lie between the two bounds) the one with
    the fewest pages, then the largest scale, wins.  A lane or a column too
    big for a page at that scale gets a smaller one: a tile never overflows
    the area.  Every box lies in exactly one tile; tiles without boxes are
    left out."""
    ax, ay, aw, ah = area
    lanes = layout.lanes
    if not lanes or not layout.boxes:
        return []
    label_w = layout.style.lane_label_width
    box_w = layout.style.box_width
    x_first = lanes[0].x + label_w
    x_last = lanes[0].x + lanes[0].width
    col_x: dict[int, float] = {}
    for box in layout.boxes.values():
        col_x[box.column] = box.x
    ncols = layout.columns
    # a quarter track off the middle of the gap: never on a vertical track of the routing
    quarter = layout.style.track_spacing / 4
    cut = [(col_x[c] + box_w + col_x[c + 1]) / 2 + quarter for c in range(ncols - 1)]

    def x0_of(c: int) -> float:
        return x_first if c == 0 else cut[c - 1]

    def x1_of(c: int) -> float:
        return x_last if c == ncols - 1 else cut[c]

    def width_of(c0: int, c1: int) -> float:
        return label_w + x1_of(c1) - x0_of(c0)

    def height_of(l0: int, l1: int) -> float:
        return lanes[l1].bottom - lanes[l0].y

    total_w, total_h = width_of(0, ncols - 1), height_of(0, len(lanes) - 1)
    whole = min(max_scale, aw / total_w, ah / total_h)
    occupied = {(box.lane, box.column) for box in layout.boxes.values()}

    def cut_at(target: float) -> list[tuple[int, tuple[int, int], tuple[int, int], float]]:
        """(group, lanes, columns, scale) of the tiles with boxes, lanes grouped at ``target``."""
        groups: list[tuple[int, int]] = []
        start = 0
        for i in range(1, len(lanes) + 1):
            if i == len(lanes) or height_of(start, i) * target > ah:
                groups.append((start, i - 1))
                start = i
        out = []
        for g, (l0, l1) in enumerate(groups):
            scale = min(target, ah / height_of(l0, l1))
            for c0, c1 in _column_ranges(ncols, width_of, aw / scale):
                if any((lane, col) in occupied for lane in range(l0, l1 + 1) for col in range(c0, c1 + 1)):
                    out.append((g, (l0, l1), (c0, c1), min(scale, aw / width_of(c0, c1))))
        return out

    if whole >= one_page_min_scale:
        plan = [(0, (0, len(lanes) - 1), (0, ncols - 1), whole)]
    else:  # the fewest pages at the largest scale
        fit_h = ah / total_h
        targets = {max_scale} | {t for t in (fit_h, 0.85 * max_scale, tile_min_scale) if tile_min_scale <= t <= max_scale}
        plan = min((cut_at(t) for t in sorted(targets, reverse=True)),
                   key=lambda tiles: (len(tiles), -min(t[3] for t in tiles)))

    tiles: list[FlowTile] = []
    for g, (l0, l1), (c0, c1), scale in plan:
        codes = tuple(
            code for code, box in layout.boxes.items() if c0 <= box.column <= c1 and l0 <= box.lane <= l1
        )
        w = width_of(c0, c1) * scale
        tiles.append(FlowTile(
            index=len(tiles), group=g, columns=(c0, c1), lanes=(l0, l1), scale=scale,
            source=(x0_of(c0), lanes[l0].y, x1_of(c1), lanes[l1].bottom),
            left=ax + (aw - w) / 2, top=ay + ah, label_width=label_w, codes=codes,
        ))
    return tiles


def flowchart_pages(plan_json: Mapping[str, Any], stages: Any = None,
                    area: tuple[float, float, float, float] = FLOW_AREA) -> tuple[FlowLayout, list[FlowTile]]:
    """The flowchart layout in points and its page tiles, for the box shape of
    :data:`FLOW_STYLE_CANDIDATES` that needs the fewest pages at the largest
    scale (plans of more than 80 items use the first one only)."""
    items = plan_json.get("items") or []
    candidates = FLOW_STYLE_CANDIDATES if len(items) <= 80 else FLOW_STYLE_CANDIDATES[:1]
    best = None
    for width, height, gap in candidates:
        style = replace(FLOW_STYLE, box_width=width, box_height=height, column_gap=gap)
        layout = flowchart_layout(plan_json, stages, style)
        tiles = flowchart_tiles(layout, area)
        score = (len(tiles), -min((t.scale for t in tiles), default=1.0))
        if best is None or score < best[0]:
            best = (score, layout, tiles)
        if len(tiles) == 1 and tiles[0].scale >= 0.999:
            break  # full size on one page: nothing to gain
    assert best is not None
    return best[1], best[2]


def _column_ranges(ncols: int, width_of, limit: float) -> list[tuple[int, int]]:
    """Consecutive column ranges no wider than ``limit`` (a single column may
    be wider), as few as the greedy cut gives, then balanced in width."""

    def greedy(cap: float) -> list[tuple[int, int]]:
        out, c0 = [], 0
        for c in range(1, ncols + 1):
            if c == ncols or width_of(c0, c) > cap:
                out.append((c0, c - 1))
                c0 = c
        return out

    ranges = greedy(limit)
    k = len(ranges)
    if k > 1:  # the narrowest cap that needs no more pages: no lonely last column
        lo = max(width_of(c, c) for c in range(ncols))
        hi = limit
        for _ in range(30):
            mid = (lo + hi) / 2
            if len(greedy(mid)) <= k:
                hi = mid
            else:
                lo = mid
        ranges = greedy(hi)
    return ranges


# --------------------------------------------------------------------------
# options and the document


@dataclass(frozen=True)
class PdfOptions:
    """What the PDF says besides the plan itself."""

    project_name: str = ""
    owner: str = ""
    answers: Mapping[str, Any] | None = None  # the questionnaire answers, for the cover's summary
    url: str | None = None  # the project page, encoded in the cover's QR code
    generated: dt.datetime | dt.date | None = None  # default: now
    font: str | None = None  # "path[,subfont]" or "STSong-Light"; default: env COORDINATOR_PDF_FONT, then search
    calendar: WorkingCalendar | None = None  # default: the rule base's working calendar
    title: str = "建设项目审批计划"


def plan_pdf(plan_json: Mapping[str, Any], rules: Any = None, options: PdfOptions | None = None) -> bytes:
    """The plan as PDF bytes: cover, flowchart page(s), Gantt page(s), checklist.

    ``rules`` is the rule base (for the stages' order and names, the
    questions' texts on the cover and the working calendar); without it the
    stages come from the plan's items."""
    options = options or PdfOptions()
    doc = _Document(plan_json, rules, options)
    return doc.build()


_date = parse_date


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}"


def _days(days: Any) -> str:
    return f"{int(days or 0)} 个工作日"


class _Document:
    def __init__(self, plan: Mapping[str, Any], rules: Any, options: PdfOptions):
        self.plan = plan
        self.rules = rules
        self.options = options
        self.font = pdf_font(options.font)
        self.items = list(plan.get("items") or [])
        generated = options.generated or dt.datetime.now()
        self.generated = generated
        self.generated_text = (
            generated.strftime("%Y-%m-%d %H:%M") if isinstance(generated, dt.datetime) else generated.isoformat()
        )
        rb = plan.get("rule_base") or {}
        self.rb_version = str(rb.get("version") or getattr(rules, "version", "") or "")
        self.rb_digest = str(rb.get("digest") or getattr(rules, "digest", "") or "")
        self.stages = self._stages()
        if options.calendar is not None:
            self.calendar = options.calendar
        elif rules is not None and hasattr(rules, "calendar"):
            from .planner import working_calendar

            self.calendar = working_calendar(rules)
        else:
            self.calendar = WorkingCalendar()
        self.styles = _styles(self.font.name)

    def _stages(self) -> list[tuple[str, str]]:
        """(code, name) of the plan's stages in rule-base order, utility last."""
        names: dict[str, str] = {}
        for it in self.items:
            names.setdefault(str(it.get("stage")), str(it.get("stage_name") or it.get("stage")))
        order: list[str] = []
        stages = getattr(self.rules, "stages", None)
        if isinstance(stages, Mapping):
            for s in sorted(stages.values(), key=lambda s: s.order):
                if s.code in names:
                    names[s.code] = s.name
                    order.append(s.code)
        order += [c for c in names if c not in order]
        order.sort(key=lambda c: c == "utility")
        return [(c, names[c]) for c in order]

    # -- building --------------------------------------------------------

    def build(self) -> bytes:
        buf = io.BytesIO()
        name = self.options.project_name or "建设项目"
        doc = BaseDocTemplate(
            buf, pagesize=COVER_PAGE, title=f"{name} — {self.options.title}", author=self.options.owner or "",
            subject="拿地即开工审批计划：流程图、甘特图、事项清单", creator="拿地即开工 coordinator",
            leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=FOOTER,
        )
        doc.addPageTemplates([
            self._template("cover", COVER_PAGE),
            self._template("flow", FLOW_PAGE),
            self._template("gantt", GANTT_PAGE),
            self._template("list", LIST_PAGE),
        ])
        story: list[Flowable] = []
        story += self._cover()
        story += [NextPageTemplate("flow"), PageBreak()]
        story += self._flowchart()
        story += [NextPageTemplate("gantt"), PageBreak()]
        story += self._gantt()
        story += [NextPageTemplate("list"), PageBreak()]
        story += self._checklist()
        footer = (name, f"生成于 {self.generated_text} ｜ 规则库 {self.rb_version}", self.font.name)
        doc.build(story, canvasmaker=lambda *a, **kw: _NumberedCanvas(*a, footer=footer, **kw))
        return buf.getvalue()

    def _template(self, ident: str, page: tuple[float, float]) -> PageTemplate:
        x, y, w, h = _area(page)
        frame = Frame(x, y, w, h, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=ident)
        return PageTemplate(id=ident, frames=[frame], pagesize=page)

    # -- cover -----------------------------------------------------------

    def _cover(self) -> list[Flowable]:
        st = self.styles
        plan = self.plan
        x, y, aw, ah = _area(COVER_PAGE)
        name = self.options.project_name or "建设项目"
        title_block: list[Flowable] = [
            _Bookmark("封面", "cover"),
            Paragraph(escape(f"拿地即开工 ｜ {self.options.title}"), st["kicker"]),
            Paragraph(escape(name), st["title"]),
        ]
        meta = []
        if self.options.owner:
            meta.append(f"建设单位：{self.options.owner}")
        title = getattr(self.rules, "title", "")
        if title:
            meta.append(f"规则库：{title}")
        if meta:
            title_block.append(Paragraph(escape("　｜　".join(meta)), st["meta"]))
        qr_w = 118.0
        qr_block: list[Flowable] = []
        if self.options.url:
            qr_block = [_qr(self.options.url, 84),
                        Paragraph("扫码打开项目页面", st["qr"]),
                        Paragraph(escape(self.options.url), st["url"])]
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
        # Each figure labelled in words: the whole schedule, the government's
        # share of it, the way to the permit, and the like-with-like saving.
        figures_row = [(str(total), "figure", "个工作日：全程总工期（含前期准备和验收）")]
        if plan.get("government_working_days") is not None:
            figures_row.append((str(plan["government_working_days"]), "figure_muted",
                                "个工作日：政府审批时间（关键路径上的承诺时限）"))
        if plan.get("to_permit_working_days") is not None:
            figures_row.append((str(plan["to_permit_working_days"]), "figure_muted", "个工作日：启动至取得施工许可"))
        parallel = plan.get("parallel_review_working_days")
        figures_row.append((str(saved), "figure_ok",
                            f"个工作日：并联审批节省（同样的审批串联 {serial}、并联 {parallel} 个工作日）"
                            if parallel is not None else "个工作日（并联节省）"))
        cw = (right_w - 10) / len(figures_row)
        figures = Table(
            [[Paragraph(v, st[style]) for v, style, _ in figures_row],
             [Paragraph(label, st["figure_label"]) for _, _, label in figures_row]],
            colWidths=[cw] * len(figures_row),
            style=TableStyle([*(("BOX", (i, 0), (i, -1), 0.6, C_LANE_LINE) for i in range(len(figures_row))),
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
        names = {str(it.get("code")): str(it.get("name")) for it in self.items}
        path = [names.get(str(c), str(c)) for c in plan.get("critical_path") or []]
        facts = [[Paragraph(escape(k), st["small_muted"]), Paragraph(escape(v), st["body"])] for k, v in dates]
        if path:
            facts.append([Paragraph("关键路径", st["small_muted"]), Paragraph(escape(" → ".join(path)), st["body"])])
        completion = next((it for it in self.items if it.get("code") == "construction_complete"), None)
        if completion is not None:
            lag = int(completion.get("lag") or 0)
            facts.append([Paragraph("施工工期", st["small_muted"]), Paragraph(
                escape(f"{lag} 个工作日（已计入竣工验收阶段日期）" if lag
                       else "未填写：竣工验收阶段的日期不含施工时间"), st["body"])])
        for notice in plan.get("notices") or ():
            facts.append([Paragraph("项目分类", st["small_muted"]),
                          Paragraph(escape(f"{notice.get('title', '')}：{notice.get('text', '')}"), st["body"])])
        n_tasks = sum(1 for it in self.items if it.get("kind") != "milestone")
        facts.append([Paragraph("事项", st["small_muted"]),
                      Paragraph(escape(f"{n_tasks} 个办理事项、{len(self.items) - n_tasks} 个里程碑，"
                                       f"分 {len(self.stages)} 个阶段"), st["body"])])
        facts_table = Table(facts, colWidths=[54, right_w - 64], style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        middle = Table([[verdict_box, [figures, Spacer(1, 6), facts_table]]], colWidths=[left_w, right_w],
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                         ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))

        content: list[Flowable] = [top, Spacer(1, 10), middle]
        rows = self._answer_rows()
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
        info = [f"生成日期：{self.generated_text}"]
        if self.rb_version:
            info.append(f"规则库版本：{self.rb_version}" + (f"（{self.rb_digest[:12]}）" if self.rb_digest else ""))
        if self.plan.get("commitment") is False:
            info.append("按常规方式办理（未采用告知承诺）")
        info.append("工期均为承诺时限内的工作日，已扣除周末、法定节假日并计入调休上班日")
        content += [Spacer(1, 8), Paragraph(escape("　｜　".join(info)), st["small_muted"])]
        return [KeepInFrame(aw, ah, content, mode="shrink")]

    def _answer_rows(self) -> list[tuple[str, str]]:
        answers = self.options.answers
        if not answers:
            return []
        questions = getattr(self.rules, "questions", None)
        if not isinstance(questions, Mapping):
            return [(str(k), str(v)) for k, v in _flatten(answers).items() if v is not None]
        try:
            from .answers import validate_answers

            flat = validate_answers(self.rules, answers)
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

    def _flowchart(self) -> list[Flowable]:
        layout, tiles = flowchart_pages(self.plan, [{"code": c, "name": n} for c, n in self.stages])
        if not tiles:
            return [_Bookmark("审批流程图", "flow"), Paragraph("审批流程图：计划中没有事项。", self.styles["h1"])]
        out: list[Flowable] = []
        for tile in tiles:
            if out:
                out.append(PageBreak())
            out.append(_FlowPage(self, layout, tiles, tile))
        return out

    # -- gantt -----------------------------------------------------------

    def _gantt(self) -> list[Flowable]:
        gantt = _Gantt(self)
        out: list[Flowable] = []
        for i, rows in enumerate(gantt.pages):
            if out:
                out.append(PageBreak())
            out.append(_GanttPage(gantt, rows, i))
        return out

    # -- checklist -------------------------------------------------------

    def _checklist(self) -> list[Flowable]:
        st = self.styles
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
        for code, name in self.stages:
            rows = [it for it in self.items if str(it.get("stage")) == code]
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
                data.append(self._checklist_row(it))
                if it.get("critical") and it.get("kind") != "milestone":
                    styles.append(("BACKGROUND", (0, r), (-1, r), C_CRITICAL_ROW))
                elif r % 2 == 0:
                    styles.append(("BACKGROUND", (0, r), (-1, r), C_STRIPE))
            out.append(Table(data, colWidths=widths, repeatRows=1, splitInRow=1, style=TableStyle(styles),
                             hAlign="LEFT"))
            out.append(Spacer(1, 8))
        excluded = list(self.plan.get("excluded") or [])
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

    def _checklist_row(self, it: Mapping[str, Any]) -> list[Any]:
        st = self.styles
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


def _flatten(answers: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in answers.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _styles(font: str) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, leading: float | None = None, colour=C_INK, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.32,
                              textColor=colour, wordWrap="CJK", **kw)

    return {
        "kicker": style("kicker", 10, colour=C_ACCENT, spaceAfter=4),
        "title": style("title", 22, 28, spaceAfter=4),
        "meta": style("meta", 9, colour=C_MUTED),
        "qr": style("qr", 7.5, colour=C_MUTED, alignment=1),
        "url": style("url", 5.5, 7, colour=C_MUTED, alignment=1, splitLongWords=True),
        "verdict_ok": style("verdict_ok", 15, 20, colour=C_OK, spaceAfter=4),
        "verdict_no": style("verdict_no", 15, 20, colour=C_NO, spaceAfter=4),
        "figure": style("figure", 22, 26, colour=C_ACCENT, alignment=1),
        "figure_muted": style("figure_muted", 22, 26, colour=C_MUTED, alignment=1),
        "figure_ok": style("figure_ok", 22, 26, colour=C_OK, alignment=1),
        "figure_label": style("figure_label", 7.5, colour=C_MUTED, alignment=1),
        "h1": style("h1", 15, 20, spaceAfter=3),
        "h2": style("h2", 11, 15, colour=C_HEADER, spaceBefore=4, spaceAfter=4),
        "body": style("body", 8.5, 11.5),
        "small": style("small", 7.5, 9.8),
        "small_muted": style("small_muted", 7.5, 9.8, colour=C_MUTED),
        "warn": style("warn", 8, 10.5, colour=C_WARN),
        "th": style("th", 7.5, 9.5, colour=colors.white),
        "cell": style("cell", 7.2, 9.2),
        "cell_center": style("cell_center", 7.2, 9.2, alignment=1),
        "cell_strong": style("cell_strong", 8, 10.2),
        "cell_milestone": style("cell_milestone", 8, 10.2, colour=C_KIND["milestone"]),
        "cell_code": style("cell_code", 6, 7.6, colour=C_MUTED),
        "cell_muted": style("cell_muted", 6.5, 8.4, colour=C_MUTED),
    }


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


class _Bookmark(Flowable):
    """A zero-size flowable that adds an outline entry where it lands."""

    def __init__(self, title: str, key: str, level: int = 0):
        super().__init__()
        self.title, self.key, self.level = title, key, level
        self.width = self.height = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level)


class _PageFlowable(Flowable):
    """A flowable that fills its frame and draws in page coordinates."""

    page: tuple[float, float] = COVER_PAGE

    def wrap(self, aw, ah):
        self.width, self.height = aw, ah
        return aw, ah

    def draw(self):
        x, y, _, _ = _area(self.page)
        c = self.canv
        c.saveState()
        c.translate(-x, -y)
        self.paint(c)
        c.restoreState()

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
# the flowchart page


class _FlowPage(_PageFlowable):
    page = FLOW_PAGE

    def __init__(self, doc: _Document, layout: FlowLayout, tiles: list[FlowTile], tile: FlowTile):
        super().__init__()
        self.doc, self.layout, self.tiles, self.tile = doc, layout, tiles, tile
        self.first_page = 2  # the cover is page 1

    def paint(self, c: Canvas) -> None:
        doc, layout, tile = self.doc, self.layout, self.tile
        font = doc.font.name
        if tile.index == 0:
            c.bookmarkPage("flow")
            c.addOutlineEntry("审批流程图", "flow", level=0)
        n = len(self.tiles)
        nav = []
        same = [t for t in self.tiles if t.group == tile.group]
        k = same.index(tile)
        if k > 0:
            nav.append(f"← 接第 {self.first_page + same[k - 1].index} 页")
        if k + 1 < len(same):
            nav.append(f"转第 {self.first_page + same[k + 1].index} 页 →")
        below = [self.first_page + t.index for t in self.tiles if t.group == tile.group + 1
                 and t.columns[0] <= tile.columns[1] and tile.columns[0] <= t.columns[1]]
        if below:
            nav.append("下接第 " + "、".join(str(p) for p in below) + " 页")
        right = f"流程图 {tile.index + 1}/{n}" + ("　" + "　".join(nav) if nav else "") if n > 1 else ""
        items = self.doc.items
        names = {str(it.get("code")): str(it.get("name")) for it in items}
        path = " → ".join(names.get(str(cd), str(cd)) for cd in layout.critical_path)
        cols = f"第 {tile.columns[0] + 1}–{tile.columns[1] + 1} 列（共 {layout.columns} 列）　" if n > 1 else ""
        subtitle = (f"{cols}{len(items)} 个事项按阶段分泳道，自左向右按前置关系排列；"
                    f"红色为关键路径：{path}")
        _page_title(c, doc, self.page, "审批流程图", subtitle, right)
        self._lanes(c, font)
        self._edges(c)
        for code in tile.codes:
            self._box(c, layout.boxes[code], font)
        self._legend(c, font)

    def _lanes(self, c: Canvas, font: str) -> None:
        tile, layout = self.tile, self.layout
        s = tile.scale
        x0, _, x1, _ = tile.source
        for lane in layout.lanes[tile.lanes[0]: tile.lanes[1] + 1]:
            lx, ly, lw, lh = tile.rect(x0, lane.y, x1 - x0, lane.height)
            c.setStrokeColor(C_LANE_LINE)
            c.setLineWidth(0.6)
            c.setFillColor(C_LANE_FILLS[lane.index % 2])
            c.rect(lx, ly, lw, lh, stroke=1, fill=1)
            c.setFillColor(C_LANE_HEADER)
            c.rect(tile.left, ly, tile.label_width * s, lh, stroke=1, fill=1)
            size = 8.5 * s
            lines = _fit(lane.name, (tile.label_width - 10) * s, font, size,
                         max_lines=max(1, int((lh - 4 * s) // (size * 1.25))))
            lead = size * 1.25
            ty = ly + lh / 2 + (len(lines) - 1) * lead / 2 - size * 0.35
            for k, line in enumerate(lines):
                _text(c, tile.left + tile.label_width * s / 2, ty - k * lead, line, font, size, C_HEADER,
                      anchor="middle", bold=True)
        # the cut edges of a tile that continues on other pages
        rx, ry, rw, rh = tile.region
        c.setStrokeColor(C_MUTED)
        c.setLineWidth(0.8)
        c.setDash(3, 2)
        if tile.columns[0] > 0:
            c.line(rx, ry, rx, ry + rh)
        if tile.columns[1] < layout.columns - 1:
            c.line(rx + rw, ry, rx + rw, ry + rh)
        if tile.lanes[0] > 0:
            c.line(rx, ry + rh, rx + rw, ry + rh)
        if tile.lanes[1] < len(layout.lanes) - 1:
            c.line(rx, ry, rx + rw, ry)
        c.setDash()

    def _edges(self, c: Canvas) -> None:
        tile, layout = self.tile, self.layout
        s = tile.scale
        rx, ry, rw, rh = tile.region
        c.saveState()
        clip = c.beginPath()
        clip.rect(rx - 0.5, ry - 0.5, rw + 1, rh + 1)
        c.clipPath(clip, stroke=0, fill=0)
        c.setLineJoin(1)
        arrow_l, arrow_w = 5.5 * s, 2.3 * s
        crossings: list[tuple[float, float, bool, bool]] = []
        for edge in layout.edges:
            pts = [tile.point(x, y) for x, y in edge.points]
            if not any(tile.holds(x, y) for x, y in edge.points) and not _crosses(tile, edge.points):
                continue
            colour = C_CRITICAL if edge.critical else C_EDGE
            c.setStrokeColor(colour)
            c.setFillColor(colour)
            c.setLineWidth((1.6 if edge.critical else 0.7) * s)
            (xa, ya), (xb, yb) = pts[-2], pts[-1]
            length = math.hypot(xb - xa, yb - ya) or 1.0
            ux, uy = (xb - xa) / length, (yb - ya) / length
            shortened = pts[:-1] + [(xb - ux * arrow_l * 0.8, yb - uy * arrow_l * 0.8)]
            p = c.beginPath()
            p.moveTo(*shortened[0])
            for pt in shortened[1:]:
                p.lineTo(*pt)
            c.drawPath(p, stroke=1, fill=0)
            head = c.beginPath()
            head.moveTo(xb, yb)
            head.lineTo(xb - ux * arrow_l - uy * arrow_w, yb - uy * arrow_l + ux * arrow_w)
            head.lineTo(xb - ux * arrow_l + uy * arrow_w, yb - uy * arrow_l - ux * arrow_w)
            head.close()
            c.drawPath(head, stroke=0, fill=1)
            for (x, y), out in _border_crossings(tile, edge.points):
                crossings.append((*tile.point(x, y), out, edge.critical))
        c.restoreState()
        for x, y, out, critical in crossings:  # off-page connectors: a dot where an arrow leaves or enters
            c.setFillColor(C_CRITICAL if critical else C_MUTED)
            c.circle(x, y, 2.2 * s if out else 1.6 * s, stroke=0, fill=1)

    def _box(self, c: Canvas, box, font: str) -> None:
        tile = self.tile
        s = tile.scale
        x, y, w, h = tile.box_rect(box)
        kind = box.kind if box.kind in C_KIND else "approval"
        stroke = C_CRITICAL if box.critical else C_KIND[kind]
        if box.shape == "diamond":
            fill = HEX("#fdecea") if box.critical else HEX("#f1ecf8")
            _diamond(c, x + w / 2, y + h / 2, w / 2, h / 2, fill, stroke, (1.6 if box.critical else 0.9) * s)
            for size, share, most in ((7.0, 0.6, 2), (6.3, 0.56, 3), (5.8, 0.56, 3)):
                lines = _fit(box.name, w / s * share, font, size, max_lines=most if h / s >= 50 else 2)
                if not lines or not lines[-1].endswith("…"):
                    break
            size *= s
            lead = size * 1.2
            ty = y + h / 2 + (len(lines) - 1) * lead / 2 - size * 0.35
            for k, line in enumerate(lines):
                _text(c, x + w / 2, ty - k * lead, line, font, size, C_INK, anchor="middle", bold=True)
            return
        c.setFillColor(colors.white)
        c.setStrokeColor(stroke)
        c.setLineWidth((1.6 if box.critical else 0.8) * s)
        c.roundRect(x, y, w, h, 3 * s, stroke=1, fill=1)
        c.setFillColor(stroke)
        c.roundRect(x + 0.8 * s, y + 0.8 * s, 3.2 * s, h - 1.6 * s, 1.2 * s, stroke=0, fill=1)
        pad = 7.5 * s
        inner = w - pad - 4 * s
        room = h / s - 23  # above the department and days lines, in layout units
        for size in (8.0, 7.2, 6.5):
            lead = size * 1.18
            lines = _fit(box.name, inner / s, font, size, max_lines=max(1, int(room // lead)))
            if not lines or not lines[-1].endswith("…"):
                break
        size, lead = size * s, lead * s
        block = (len(lines) - 1) * lead + size * 0.8
        ty = y + 19 * s + (room * s + block) / 2 - size * 0.8
        for line in lines:
            _text(c, x + pad, ty, line, font, size, C_INK, bold=True)
            ty -= lead
        small = 6 * s
        dept = _fit(box.department_name, inner, font, small)
        if dept:
            _text(c, x + pad, y + 4 * s + small * 1.25, dept[0], font, small, C_MUTED)
        _text(c, x + pad, y + 3.5 * s, _days(box.days), font, small, C_CRITICAL if box.critical else C_HEADER,
              bold=True)

    def _legend(self, c: Canvas, font: str) -> None:
        x = MARGIN
        y = FOOTER + 8
        size = 8
        entries = [
            ("box", C_KIND["approval"], "审批事项"), ("box", C_KIND["utility"], "水电气热报装"),
            ("diamond", C_KIND["milestone"], "里程碑"), ("box", C_CRITICAL, "关键事项"),
            ("edge", C_CRITICAL, "关键路径"), ("edge", C_EDGE, "前置关系"),
        ]
        if len(self.tiles) > 1:
            entries.append(("dot", C_MUTED, "跨页接续（虚线为裁切处）"))
        for shape, colour, name in entries:
            if shape == "box":
                c.setStrokeColor(colour)
                c.setFillColor(colors.white)
                c.setLineWidth(1.4)
                c.roundRect(x, y - 2, 20, 11, 2, stroke=1, fill=1)
            elif shape == "diamond":
                _diamond(c, x + 10, y + 3.5, 10, 6.5, HEX("#f1ecf8"), colour, 1.0)
            elif shape == "edge":
                c.setStrokeColor(colour)
                c.setLineWidth(1.6 if colour == C_CRITICAL else 0.8)
                c.line(x, y + 3.5, x + 20, y + 3.5)
            else:
                c.setStrokeColor(colour)
                c.setDash(3, 2)
                c.setLineWidth(0.8)
                c.line(x + 10, y - 3, x + 10, y + 10)
                c.setDash()
                c.setFillColor(colour)
                c.circle(x + 10, y + 3.5, 2.2, stroke=0, fill=1)
            x += 25
            x += _text(c, x, y, name, font, size, C_INK) + 16


def _crosses(tile: FlowTile, points: Sequence[tuple[float, float]]) -> bool:
    x0, y0, x1, y1 = tile.source
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if min(ax, bx) <= x1 and max(ax, bx) >= x0 and min(ay, by) <= y1 and max(ay, by) >= y0:
            return True
    return False


def _border_crossings(tile: FlowTile, points: Sequence[tuple[float, float]]):
    """Where an orthogonal polyline leaves (``True``) or enters (``False``) the tile."""
    x0, y0, x1, y1 = tile.source
    out = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        a_in, b_in = tile.holds(ax, ay), tile.holds(bx, by)
        if a_in == b_in:
            continue
        inside, outside = ((ax, ay), (bx, by)) if a_in else ((bx, by), (ax, ay))
        if inside[1] == outside[1]:  # horizontal
            x = x1 if outside[0] > x1 else x0
            point = (x, inside[1])
        else:
            y = y1 if outside[1] > y1 else y0
            point = (inside[0], y)
        out.append((point, a_in))
    return out


# --------------------------------------------------------------------------
# the Gantt chart


class _Gantt:
    """Shared geometry of the Gantt pages."""

    row_h = 12.5  # rows per page when the chart needs several pages
    min_row_h = 10.5  # the most rows that go on one page
    max_row_h = 15.0
    axis_h = 38.0
    legend_h = 18.0
    title_h = 40.0
    after_w = 44.0

    def __init__(self, doc: _Document):
        self.doc = doc
        font = doc.font.name
        items = doc.items
        starts = [d for d in (_date(it.get("start")) for it in items) if d]
        finishes = [d for d in (_date(it.get("finish")) for it in items) if d]
        first = _date(doc.plan.get("start_date")) or min(starts, default=None) or dt.date.today()
        last = _date(doc.plan.get("end_date")) or max(finishes, default=None) or first
        self.land = _date(doc.plan.get("land_date"))
        self.first = min([first, *starts, *([self.land] if self.land else [])])
        self.last = max([last, *finishes, *([self.land] if self.land else [])])
        self.ndays = (self.last - self.first).days + 1
        w, h = GANTT_PAGE
        self.x0, self.x1 = MARGIN, w - MARGIN
        widest = max((_width(str(it.get("name", "")), font, 7.5) for it in items), default=100)
        self.label_w = min(max(widest + 14, 110.0), 210.0)
        self.cx0 = self.x0 + self.label_w
        self.cx1 = self.x1 - self.after_w
        self.day_w = (self.cx1 - self.cx0) / self.ndays
        self.chart_top = h - MARGIN - self.title_h
        rows_top = self.chart_top - self.axis_h
        room = rows_top - FOOTER - self.legend_h
        n = max(len(items), 1)
        if n * self.min_row_h <= room:  # one page, rows as tall as fit (up to row_h)
            per = n
        else:
            per = math.ceil(n / math.ceil(n / int(room // self.row_h)))
        self.row_h = min(self.max_row_h, room / per)
        self.bar_h = min(8.5, self.row_h * 0.58)
        self.name_size = min(7.5, self.row_h * 0.62)
        self.pages = [items[i: i + per] for i in range(0, len(items), per)] or [[]]
        self.offdays = self._offdays()

    def x_of(self, day: dt.date) -> float:
        return self.cx0 + (day - self.first).days * self.day_w

    def _offdays(self) -> list[tuple[dt.date, dt.date, bool]]:
        """Runs of days off: (first, last, holiday) — a run with a weekday in it is a holiday."""
        cal = self.doc.calendar
        runs = []
        day = self.first
        one = dt.timedelta(days=1)
        while day <= self.last:
            if cal.is_workday(day):
                day += one
                continue
            start, holiday = day, False
            while day <= self.last and not cal.is_workday(day):
                holiday = holiday or day.weekday() < 5
                day += one
            runs.append((start, day - one, holiday))
        return runs


class _GanttPage(_PageFlowable):
    page = GANTT_PAGE

    def __init__(self, gantt: _Gantt, rows: list[Mapping[str, Any]], index: int):
        super().__init__()
        self.g, self.rows, self.index = gantt, rows, index

    def paint(self, c: Canvas) -> None:
        g, doc = self.g, self.g.doc
        font = doc.font.name
        if self.index == 0:
            c.bookmarkPage("gantt")
            c.addOutlineEntry("进度计划（甘特图）", "gantt", level=0)
        plan = doc.plan
        subtitle = (f"{g.first.isoformat()} 至 {g.last.isoformat()}，并联审批共 {plan.get('total_working_days', '')} "
                    f"个工作日；条形为各事项的办理期（工作日），红色为关键路径")
        if g.land:
            subtitle += f"；拿地日 {g.land.isoformat()}"
        pages = len(g.pages)
        right = f"第 {self.index + 1}/{pages} 页" if pages > 1 else ""
        _page_title(c, doc, self.page, "进度计划（甘特图）", subtitle, right)
        rows_top = g.chart_top - g.axis_h
        rows_bottom = rows_top - len(self.rows) * g.row_h
        # stripes and shading
        for i in range(len(self.rows)):
            if i % 2:
                c.setFillColor(C_STRIPE)
                c.rect(g.x0, rows_top - (i + 1) * g.row_h, g.cx1 - g.x0, g.row_h, stroke=0, fill=1)
        for start, end, holiday in g.offdays:
            c.setFillColor(C_HOLIDAY if holiday else C_OFFDAY)
            c.rect(g.x_of(start), rows_bottom, (end - start).days * g.day_w + g.day_w, rows_top - rows_bottom,
                   stroke=0, fill=1)
        self._axis(c, font, rows_top, rows_bottom)
        if g.land:
            lx = g.x_of(g.land)
            c.setStrokeColor(C_LAND)
            c.setLineWidth(1.3)
            c.setDash(4, 2)
            c.line(lx, rows_bottom, lx, g.chart_top - 11)
            c.setDash()
            label = f"拿地日 {g.land.year}年{g.land.month}月{g.land.day}日"
            lw = _width(label, font, 7) + 8
            bx = min(max(lx - lw / 2, g.x0), g.x1 - lw)
            c.setFillColor(C_LAND)
            c.roundRect(bx, g.chart_top - 11, lw, 10.5, 2, stroke=0, fill=1)
            _text(c, bx + lw / 2, g.chart_top - 8.2, label, font, 7, colors.white, anchor="middle", bold=True)
        by_code = {str(it.get("code")): it for it in doc.items}
        for i, it in enumerate(self.rows):
            y = rows_top - (i + 1) * g.row_h
            self._row(c, font, it, y, by_code)
        # frame lines
        c.setStrokeColor(HEX("#aeb6c1"))
        c.setLineWidth(0.6)
        c.line(g.x0, rows_bottom, g.cx1, rows_bottom)
        c.line(g.cx0, rows_top, g.cx1, rows_top)
        c.line(g.cx1, rows_bottom, g.cx1, rows_top + 25)
        c.line(g.cx0, rows_top + 25, g.cx1, rows_top + 25)
        c.line(g.cx0, rows_bottom, g.cx0, rows_top + 25)
        self._legend(c, font, rows_bottom)

    def _axis(self, c: Canvas, font: str, rows_top: float, rows_bottom: float) -> None:
        g = self.g
        week_y = rows_top + 3.5  # label baselines: weeks just above the rows, months above them
        month_y = rows_top + 16
        c.setLineWidth(0.5)
        # weeks: Mondays; label every k-th so labels do not collide
        k = max(1, math.ceil(24 / (7 * g.day_w)))
        monday = g.first + dt.timedelta(days=(7 - g.first.weekday()) % 7)
        n = 0
        while monday <= g.last:
            x = g.x_of(monday)
            c.setStrokeColor(C_GRID)
            c.line(x, rows_bottom, x, rows_top + (12 if n % k == 0 else 4))
            if n % k == 0 and x + 20 <= g.cx1:
                _text(c, x + 2, week_y, f"{monday.month}/{monday.day}", font, 6.5, C_MUTED)
            monday += dt.timedelta(days=7)
            n += 1
        # months
        day = g.first
        while day <= g.last:
            nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            end = min(nxt, g.last + dt.timedelta(days=1))
            x0, x1 = g.x_of(day), g.x_of(end)
            c.setStrokeColor(HEX("#aeb6c1"))
            c.line(x0, rows_bottom, x0, month_y + 9)
            c.line(x0, rows_top + 12, min(x1, g.cx1), rows_top + 12)
            for label in (f"{day.year}年{day.month}月", f"{day.month}月"):
                if _width(label, font, 8) + 6 <= x1 - x0:
                    _text(c, x0 + 3, month_y, label, font, 8, C_INK, bold=True)
                    break
            day = nxt

    def _row(self, c: Canvas, font: str, it: Mapping[str, Any], y: float, by_code) -> None:
        g = self.g
        critical = bool(it.get("critical"))
        name = _fit(str(it.get("name", "")), g.label_w - 12, font, g.name_size)
        _text(c, g.cx0 - 6, y + g.row_h / 2 - 2.6, name[0] if name else "", font, g.name_size,
              C_CRITICAL if critical else C_INK, anchor="end", bold=critical)
        start = _date(it.get("start")) or g.first
        finish = _date(it.get("finish")) or start
        kind = str(it.get("kind") or "approval")
        colour = C_CRITICAL if critical else C_KIND.get(kind, C_KIND["approval"])
        cy = y + g.row_h / 2
        lag = int(it.get("lag") or 0)
        if lag > 0:  # the construction period before this item: a dashed band
            band = lag_band_start(it, by_code)
            if band < start:
                x0, x1 = g.x_of(band), g.x_of(start)
                c.setFillColor(HEX("#e8ebf0"))
                c.setStrokeColor(HEX("#9aa5b4"))
                c.setLineWidth(0.6)
                c.setDash(3, 2)
                c.roundRect(x0, cy - g.bar_h / 2, x1 - x0, g.bar_h, 1.5, stroke=1, fill=1)
                c.setDash()
                text = f"施工期 {lag} 个工作日"
                if _width(text, font, 6) + 8 <= x1 - x0:
                    _text(c, (x0 + x1) / 2, cy - 2.1, text, font, 6, C_MUTED, anchor="middle")
        if kind == "milestone":
            _diamond(c, g.x_of(start) + g.day_w / 2 if g.day_w < 3 else g.x_of(start), cy, 4.5, 4.5, colour,
                     colors.white, 0.6)
            _text(c, g.x_of(start) + 7, cy - 2.2, str(start.isoformat()), font, 6, C_MUTED)
            return
        days = int(it.get("days") or 0)
        x0 = g.x_of(start)
        w = max(((finish - start).days + 1) * g.day_w - 0.8, 1.5)
        c.setFillColor(colour)
        if days == 0:
            c.setFillAlpha(0.5)
        c.roundRect(x0 + 0.4, cy - g.bar_h / 2, w, g.bar_h, 1.5, stroke=0, fill=1)
        c.setFillAlpha(1)
        label = _days(days)
        lx = x0 + w + 3
        if lx + _width(label, font, 6) > g.x1:
            lx = x0 - 3 - _width(label, font, 6)
        _text(c, lx, cy - 2.1, label, font, 6, C_MUTED)

    def _legend(self, c: Canvas, font: str, rows_bottom: float) -> None:
        g = self.g
        x, y = g.x0, max(rows_bottom - 14, FOOTER + 4)
        entries = [("bar", C_KIND["approval"], "审批事项"), ("bar", C_KIND["utility"], "水电气热报装"),
                   ("bar", C_CRITICAL, "关键路径事项"), ("diamond", C_KIND["milestone"], "里程碑"),
                   ("off", C_OFFDAY, "周末"), ("off", C_HOLIDAY, "法定节假日")]
        if g.land:
            entries.append(("land", C_LAND, "拿地日"))
        if any(int(it.get("lag") or 0) > 0 for it in g.doc.items):
            entries.append(("lag", HEX("#e8ebf0"), "施工期"))
        for shape, colour, name in entries:
            if shape == "bar":
                c.setFillColor(colour)
                c.roundRect(x, y, 16, 7, 1.5, stroke=0, fill=1)
            elif shape == "diamond":
                _diamond(c, x + 8, y + 3.5, 4.5, 4.5, colour)
            elif shape == "off":
                c.setFillColor(colour)
                c.setStrokeColor(C_GRID)
                c.setLineWidth(0.5)
                c.rect(x, y - 1, 16, 9, stroke=1, fill=1)
            elif shape == "lag":
                c.setFillColor(colour)
                c.setStrokeColor(HEX("#9aa5b4"))
                c.setDash(3, 2)
                c.roundRect(x, y, 16, 7, 1.5, stroke=1, fill=1)
                c.setDash()
            else:
                c.setStrokeColor(colour)
                c.setLineWidth(1.3)
                c.setDash(4, 2)
                c.line(x + 8, y - 2, x + 8, y + 9)
                c.setDash()
            x += 20
            x += _text(c, x, y + 0.5, name, font, 7.5, C_INK) + 14


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
