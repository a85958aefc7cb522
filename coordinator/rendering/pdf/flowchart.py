"""The flowchart pages: swimlanes cut into tiles that fit the page."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from ..layout import FlowLayout, flowchart_layout
from .common import (
    C_CRITICAL,
    C_EDGE,
    C_HEADER,
    C_INK,
    C_KIND,
    C_LANE_FILLS,
    C_LANE_HEADER,
    C_LANE_LINE,
    C_MUTED,
    FLOW_AREA,
    FLOW_PAGE,
    FLOW_STYLE,
    FLOW_STYLE_CANDIDATES,
    FOOTER,
    HEX,
    MARGIN,
    ONE_PAGE_MIN_SCALE,
    TILE_MIN_SCALE,
    PdfPage,
    _days,
    _diamond,
    _page_title,
    _text,
)
from .fonts import _fit

if TYPE_CHECKING:
    from .document import _Document

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



def flowchart(doc: "_Document") -> list[PdfPage]:
    layout, tiles = flowchart_pages(doc.plan, [{"code": c, "name": n} for c, n in doc.stages])
    if not tiles:
        return [_EmptyFlowPage(doc.font.name)]
    out: list[PdfPage] = []
    for tile in tiles:
        out.append(_FlowPage(doc, layout, tiles, tile))
    return out

# -- gantt -----------------------------------------------------------

# --------------------------------------------------------------------------
# the flowchart page


class _EmptyFlowPage(PdfPage):
    page = FLOW_PAGE

    def __init__(self, font: str):
        self.font = font

    def paint(self, c: Canvas) -> None:
        c.bookmarkPage("flow")
        c.addOutlineEntry("审批流程图", "flow", level=0)
        _text(c, MARGIN, self.page[1] - MARGIN - 15, "审批流程图：计划中没有事项。", self.font, 15)


class _FlowPage(PdfPage):
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
