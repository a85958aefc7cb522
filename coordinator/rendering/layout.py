"""Swimlane flowchart layout of a plan's dependency graph, for the web page and the PDF.

Pure geometry over the plan JSON (SPEC §4.3): no web framework, no drawing
library.  :func:`flowchart_layout` places every item in a grid — one
horizontal lane per stage, columns by longest path from the sources — and
routes every dependency as an orthogonal polyline that runs only through
the empty gaps between columns and rows, so no edge ever crosses a box.

How the grid is built (a Sugiyama-style layout adapted to swimlanes):

1. *Layering*: a node's column is one more than the largest column of its
   prerequisites (sources are in column 0).
2. *Lanes and rows*: each lane has as many rows as its fullest
   (lane, column) cell; a few barycenter sweeps order the boxes of every
   cell and move them to the rows nearest their neighbours, keeping the
   arrangement with the fewest edge crossings.
3. *Routing*: an edge between neighbouring columns leaves its source on the
   right, turns in the gap after the source's column (on a vertical track
   of its own source) and enters its target from the left.  A longer edge
   runs horizontally either along an empty row (a *corridor*) or along a
   track in the gap between two rows (a *channel*), reaching it and leaving
   it through vertical tracks in the gaps next to its two ends.
4. *Geometry*: gaps and channels grow with the number of tracks they carry,
   then every box, lane and polyline gets its coordinates.
"""
from __future__ import annotations

import bisect
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import networkx as nx

UTILITY_STAGE = "utility"

Point = tuple[float, float]


@dataclass(frozen=True)
class LayoutStyle:
    """Sizes of the flowchart in px (SVG user units; the PDF scales them)."""

    box_width: float = 180.0
    box_height: float = 76.0
    margin: float = 16.0
    lane_label_width: float = 124.0
    column_gap: float = 56.0  # the narrowest gap between two columns
    gap_padding: float = 18.0  # from a box to the nearest vertical track (room for the arrowhead)
    row_gap: float = 26.0  # the narrowest gap between two rows of a lane
    lane_padding: float = 20.0  # the narrowest space between a lane's border and its boxes
    channel_padding: float = 10.0  # from a box to the nearest horizontal track
    track_spacing: float = 10.0  # between two parallel tracks
    sweeps: int = 4  # rounds of (left-to-right, right-to-left) barycenter sweeps


@dataclass(frozen=True)
class Box:
    """One item of the plan placed in the grid; ``shape`` is ``rect`` or ``diamond``
    (milestones), both inscribed in the ``x, y, width, height`` rectangle."""

    code: str
    name: str
    kind: str
    stage: str
    lane: int
    column: int
    row: int  # row within the lane, 0 at the top
    x: float
    y: float
    width: float
    height: float
    shape: str
    critical: bool
    on_critical_path: bool
    department_name: str = ""
    days: int = 0
    item: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def in_port(self) -> Point:
        """Where arrows arrive: the middle of the left side (a diamond's left corner)."""
        return (self.x, self.cy)

    @property
    def out_port(self) -> Point:
        """Where arrows leave: the middle of the right side (a diamond's right corner)."""
        return (self.right, self.cy)


@dataclass(frozen=True)
class Edge:
    """A dependency ``source → target`` routed as an orthogonal polyline
    from the source's out-port to the target's in-port."""

    source: str
    target: str
    points: tuple[Point, ...]
    critical: bool  # both ends are consecutive on the plan's critical path

    @property
    def segments(self) -> list[tuple[Point, Point]]:
        return list(zip(self.points, self.points[1:]))


@dataclass(frozen=True)
class Lane:
    """A swimlane: one stage's horizontal band; its label sits in the first
    ``label_width`` px."""

    code: str
    name: str
    index: int
    x: float
    y: float
    width: float
    height: float
    rows: int
    label_width: float

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass
class FlowLayout:
    """The laid-out flowchart: lanes top to bottom, boxes by code, edges, total size."""

    width: float
    height: float
    lanes: list[Lane]
    boxes: dict[str, Box]
    edges: list[Edge]
    columns: int
    style: LayoutStyle
    critical_path: list[str]

    def lane_of(self, stage: str) -> Lane:
        return next(lane for lane in self.lanes if lane.code == stage)


# --------------------------------------------------------------------------
# text measuring, shared by the SVG and the PDF renderers


def text_width(text: str, font_size: float) -> float:
    """Rough width of ``text``: CJK and full-width characters are one em,
    everything else a little over half an em."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        elif ch.isupper() or ch.isdigit():
            width += 0.62
        else:
            width += 0.52
    return width * font_size


def wrap_text(text: str, max_width: float, font_size: float, max_lines: int = 2) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines that fit ``max_width``;
    the last line ends in "…" when the text does not fit.  Chinese breaks
    anywhere, but a bracketed part is kept whole when it fits on a line, and
    lines are balanced ("建设项目环境影" / "响登记表备案", not a lone last character)."""
    text = " ".join(str(text).split())
    nice = _greedy_lines(text, max_width, font_size, True)
    plain = _greedy_lines(text, max_width, font_size, False)
    prefer = len(nice) <= max_lines  # nicer breaks, unless they cost a line that is not there
    lines = nice if prefer else plain
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", font_size) > max_width:
            last = last[:-1]
        lines[-1] = last + "…"
        return lines
    # balance: the narrowest width that still needs no more lines
    width = max_width
    while len(lines) > 1 and width > font_size * 2:
        narrower = _greedy_lines(text, width - font_size / 2, font_size, prefer)
        if len(narrower) > len(lines):
            break
        width -= font_size / 2
        lines = narrower
    return lines


def _greedy_lines(text: str, max_width: float, font_size: float, prefer_breaks: bool) -> list[str]:
    lines: list[str] = []
    rest = text
    while rest:
        if text_width(rest, font_size) <= max_width:
            lines.append(rest)
            break
        cut = 1
        while cut < len(rest) and text_width(rest[: cut + 1], font_size) <= max_width:
            cut += 1
        # prefer breaking before an opening bracket or after a closing one / a space
        for k in range(cut, max(cut // 2, 1) - 1, -1) if prefer_breaks else ():
            if k < len(rest) and (rest[k] in "（(《“" or rest[k - 1] in "）)》”、，, "):
                cut = k
                break
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return lines


# --------------------------------------------------------------------------
# the layout


def flowchart_layout(
    plan_json: Mapping[str, Any],
    stages: Any = None,
    style: LayoutStyle = LayoutStyle(),
    *,
    transitive_reduction: bool = True,
) -> FlowLayout:
    """Lay the plan's dependency graph out left to right in stage swimlanes.

    ``stages`` gives the lanes' order and names: the rule base's
    ``stages`` mapping (code → Stage), the rule base itself, a list of
    ``{code, name}`` dicts, Stage objects or codes, or ``None`` to take them
    from the items' ``stage``/``stage_name`` in plan order.  The utility
    lane always comes last; stages without items get no lane.

    With ``transitive_reduction`` (the default) a prerequisite that is also
    reached through another prerequisite gets no arrow of its own (开工 needs
    供水验收接水, but through 出让合同 and 施工许可证 already), except on the
    critical path; columns always respect every ``requires``.

    Raises ``ValueError`` when the items' ``requires`` form a cycle."""
    items = list(plan_json.get("items") or [])
    codes = [str(it["code"]) for it in items]
    by_code = {str(it["code"]): it for it in items}
    if len(by_code) != len(items):
        raise ValueError("duplicate item codes in the plan")
    lanes_spec = _lane_specs(stages, items)
    lane_index = {code: i for i, (code, _) in enumerate(lanes_spec)}
    path = [str(c) for c in plan_json.get("critical_path") or []]
    on_path = set(path)
    critical_pairs = set(zip(path, path[1:]))

    graph = nx.DiGraph()
    graph.add_nodes_from(codes)
    for it in items:
        for req in it.get("requires") or []:
            req = str(req)
            if req in by_code and req != it["code"]:
                graph.add_edge(req, str(it["code"]))
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError("the plan's requires form a cycle: " + str(nx.find_cycle(graph)))

    plan_order = {c: i for i, c in enumerate(codes)}
    column: dict[str, int] = {}
    for code in nx.lexicographical_topological_sort(graph, key=plan_order.__getitem__):
        column[code] = 1 + max((column[p] for p in graph.predecessors(code)), default=-1)
    ncols = 1 + max(column.values(), default=0)
    lane_of = {c: lane_index[str(by_code[c].get("stage"))] for c in codes}

    drawn = graph
    if transitive_reduction and graph.number_of_edges():
        drawn = nx.transitive_reduction(graph)
        drawn.add_edges_from((a, b) for a, b in critical_pairs if graph.has_edge(a, b))
    grid = _Grid(drawn, codes, column, lane_of, len(lanes_spec), plan_order)
    grid.order(style.sweeps)
    routes = _Router(grid, critical_pairs).route()
    return _geometry(plan_json, style, lanes_spec, grid, routes, ncols, on_path, critical_pairs, path)


def _lane_specs(stages: Any, items: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(code, name) of each lane that holds items, in stage order, utility last."""
    if stages is not None and not isinstance(stages, (Mapping, list, tuple)) and hasattr(stages, "stages"):
        stages = stages.stages  # a RuleBase
    entries: list[tuple[float, str, str]] = []
    if isinstance(stages, Mapping):
        for i, (code, value) in enumerate(stages.items()):
            order = getattr(value, "order", None)
            if isinstance(value, Mapping):
                order = value.get("order", order)
            entries.append((order if isinstance(order, (int, float)) else i, str(code), _stage_name(value, code)))
    elif stages is not None:
        for i, value in enumerate(stages):
            if isinstance(value, str):
                code = value
            elif isinstance(value, Mapping):
                code = value["code"]
            else:
                code = value.code
            entries.append((i, str(code), _stage_name(value, code)))
    entries.sort(key=lambda e: e[0])
    spec = [(code, name) for _, code, name in entries]
    known = {code for code, _ in spec}
    for it in items:  # stages the list does not know, in plan order
        code = str(it.get("stage"))
        if code not in known:
            known.add(code)
            spec.append((code, str(it.get("stage_name") or code)))
    names = {}
    for it in items:
        names.setdefault(str(it.get("stage")), it.get("stage_name"))
    used = set(names)
    spec = [(code, name if name != code or not names.get(code) else str(names[code])) for code, name in spec if code in used]
    spec.sort(key=lambda s: s[0] == UTILITY_STAGE)  # stable: only moves the utility lane last
    return spec


def _stage_name(value: Any, code: str) -> str:
    if isinstance(value, str):  # a code → name mapping, or a bare code
        return value
    if isinstance(value, Mapping):
        return str(value.get("name") or code)
    return str(getattr(value, "name", None) or code)


class _Grid:
    """Columns, lanes and rows: the logical placement of every node."""

    def __init__(self, graph, codes, column, lane_of, nlanes, plan_order):
        self.graph = graph
        self.codes = codes
        self.column = column
        self.lane_of = lane_of
        self.plan_order = plan_order
        self.cells: dict[tuple[int, int], list[str]] = {}
        for code in codes:
            self.cells.setdefault((lane_of[code], column[code]), []).append(code)
        self.lane_rows = [1] * nlanes
        for (lane, _), cell in self.cells.items():
            self.lane_rows[lane] = max(self.lane_rows[lane], len(cell))
        self.lane_start = []
        start = 0
        for rows in self.lane_rows:
            self.lane_start.append(start)
            start += rows
        self.total_rows = start
        self.edges = sorted(graph.edges(), key=lambda e: (plan_order[e[0]], plan_order[e[1]]))
        # start: each cell top-aligned in plan order
        self.row: dict[str, int] = {}
        for (lane, _), cell in self.cells.items():
            cell.sort(key=plan_order.__getitem__)
            for i, code in enumerate(cell):
                self.row[code] = self.lane_start[lane] + i

    def order(self, rounds: int) -> None:
        """Barycenter sweeps; keeps the placement with the fewest crossings."""
        best_rows, best_score = dict(self.row), self.score()
        ncols = 1 + max(self.column.values(), default=0)
        by_column: dict[int, list[tuple[int, int]]] = {}
        for key in self.cells:
            by_column.setdefault(key[1], []).append(key)
        for _ in range(rounds):
            for forward in (True, False):
                cols = range(ncols) if forward else range(ncols - 1, -1, -1)
                for c in cols:
                    for key in by_column.get(c, []):
                        self._place_cell(key, self.graph.predecessors if forward else self.graph.successors)
                score = self.score()
                if score < best_score:
                    best_rows, best_score = dict(self.row), score
        self.row = best_rows

    def _place_cell(self, key: tuple[int, int], neighbours) -> None:
        lane = key[0]
        cell = self.cells[key]
        bary = {}
        for code in cell:
            rows = [self.row[n] for n in neighbours(code)]
            bary[code] = sum(rows) / len(rows) if rows else float(self.row[code])
        order = sorted(cell, key=lambda c: (bary[c], self.row[c], self.plan_order[c]))
        start, nrows = self.lane_start[lane], self.lane_rows[lane]
        slots, prev = [], -1
        for code in order:
            want = min(max(math.floor(bary[code] + 0.5) - start, 0), nrows - 1)
            prev = max(want, prev + 1)
            slots.append(prev)
        nxt = nrows
        for i in range(len(slots) - 1, -1, -1):
            nxt = slots[i] = min(slots[i], nxt - 1)
        for code, slot in zip(order, slots):
            self.row[code] = start + slot
        self.cells[key] = order

    def score(self) -> float:
        """Edge crossings (straight lines between box centres, counted in every
        gap between two columns) plus a little for each row an edge climbs."""
        spans: dict[int, list[tuple[float, float]]] = {}
        bends = 0.0
        for a, b in self.edges:
            ca, cb, ra, rb = self.column[a], self.column[b], self.row[a], self.row[b]
            bends += abs(ra - rb)
            for g in range(ca, cb):
                left = ra + (rb - ra) * (g - ca) / (cb - ca)
                right = ra + (rb - ra) * (g + 1 - ca) / (cb - ca)
                spans.setdefault(g, []).append((left, right))
        crossings = 0
        for lines in spans.values():
            lines.sort()
            seen: list[float] = []
            for _, right in lines:
                # an earlier line starts above (or level with) this one; it
                # crosses if it ends strictly below.  Lines that start level
                # are sorted by their ends, so they never count.
                crossings += len(seen) - bisect.bisect_right(seen, right)
                bisect.insort(seen, right)
        return crossings + 0.1 * bends


@dataclass
class _Route:
    """The logical route of one edge."""

    source: str
    target: str
    long: bool
    hkey: tuple | None = None  # ("row", r) corridor or ("ch", channel, track)
    out_trunk: bool = False  # turns in the gap after the source's column
    in_trunk: bool = False  # turns in the gap before the target's column


class _Router:
    """Chooses corridors, channels and tracks for every edge."""

    def __init__(self, grid: _Grid, critical_pairs: set[tuple[str, str]]):
        self.grid = grid
        self.critical_pairs = critical_pairs
        self.occupied = {(grid.column[c], grid.row[c]) for c in grid.codes}
        # channels: ("top", lane), ("gap", lane, k) between rows k-1 and k, ("bot", lane)
        self.channel_pos: dict[tuple, float] = {}
        for lane, start in enumerate(grid.lane_start):
            n = grid.lane_rows[lane]
            self.channel_pos[("top", lane)] = start - 0.35
            for k in range(1, n):
                self.channel_pos[("gap", lane, k)] = start + k - 0.5
            self.channel_pos[("bot", lane)] = start + n - 1 + 0.35
        self.channels_by_pos = sorted(self.channel_pos, key=self.channel_pos.__getitem__)
        self.positions = [self.channel_pos[c] for c in self.channels_by_pos]
        # tracks: key -> list of tracks, each a list of (lo_gap, hi_gap, source)
        self.tracks: dict[tuple, list[list[tuple[int, int, str]]]] = {}

    def route(self) -> list[_Route]:
        g = self.grid
        routes = []
        long_edges = []
        for a, b in g.edges:
            if g.column[b] == g.column[a] + 1:
                routes.append(_Route(a, b, False, out_trunk=g.row[a] != g.row[b]))
            else:
                long_edges.append((a, b))
        long_edges.sort(key=lambda e: (
            e not in self.critical_pairs,
            g.column[e[1]] - g.column[e[0]],
            abs(g.row[e[0]] - g.row[e[1]]),
            g.plan_order[e[0]], g.plan_order[e[1]],
        ))
        for a, b in long_edges:
            hkey = self._choose(a, b)
            routes.append(_Route(
                a, b, True, hkey,
                out_trunk=hkey != ("row", g.row[a]),
                in_trunk=hkey != ("row", g.row[b]),
            ))
        # a source whose only turn in its gap is one edge to a neighbouring
        # column turns on its target's track instead: arrows into one box merge
        turns: dict[str, int] = {}
        for r in routes:
            turns[r.source] = turns.get(r.source, 0) + r.out_trunk
        for r in routes:
            if not r.long and r.out_trunk and turns[r.source] == 1:
                r.out_trunk, r.in_trunk = False, True
        return routes

    def _free_track(self, key: tuple, lo: int, hi: int, source: str, capacity: int | None) -> int | None:
        tracks = self.tracks.get(key, [])
        for t, used in enumerate(tracks):
            if all(src == source or hi < ulo or uhi < lo for ulo, uhi, src in used):
                return t
        if capacity is not None and len(tracks) >= capacity:
            return None
        return len(tracks)

    def _choose(self, a: str, b: str) -> tuple:
        g = self.grid
        ca, cb, ra, rb = g.column[a], g.column[b], g.row[a], g.row[b]
        lo_gap, hi_gap = ca, cb - 1
        top, bottom = min(ra, rb), max(ra, rb)
        best: tuple[float, tuple, int] | None = None

        def consider(cost: float, key: tuple, track: int) -> None:
            nonlocal best
            if best is None or cost < best[0]:
                best = (cost, key, track)

        for r in range(max(top - 1, 0), min(bottom + 1, g.total_rows - 1) + 1):
            if any((c, r) in self.occupied for c in range(ca + 1, cb)):
                continue
            # not level with another box's exit or entry next to the ends
            if (r != ra and (ca, r) in self.occupied) or (r != rb and (cb, r) in self.occupied):
                continue
            t = self._free_track(("row", r), lo_gap, hi_gap, a, capacity=1)
            if t is None:
                continue
            cost = abs(r - ra) + abs(r - rb) + 0.7 * (r != ra) + 0.7 * (r != rb)
            consider(cost, ("row", r), t)
        lo = bisect.bisect_left(self.positions, top - 1.6)
        hi = bisect.bisect_right(self.positions, bottom + 1.6)
        for chan in self.channels_by_pos[lo:hi]:
            pos = self.channel_pos[chan]
            t = self._free_track(chan, lo_gap, hi_gap, a, capacity=None)
            cost = abs(pos - ra) + abs(pos - rb) + 1.4 + 0.12 * t
            consider(cost, chan, t)
        assert best is not None, "a lane always has a channel above and below each row"
        _, key, t = best
        tracks = self.tracks.setdefault(key, [])
        if t == len(tracks):
            tracks.append([])
        tracks[t].append((lo_gap, hi_gap, a))
        if key[0] == "row":
            return key
        return ("ch", key, t)


def _trunks(grid: _Grid, routes: list[_Route]) -> tuple[dict[int, list[tuple]], set[str]]:
    """The vertical tracks of every column gap, left to right, and the boxes
    whose arrows from tracks arrive a little below their middle.

    A trunk is ``("out", source)`` or ``("in", target)``.  Trunks are ordered
    so that wherever a trunk takes a horizontal piece coming from the left
    (a box's exit, a channel) and another trunk at the same height sends one
    off to the right (into a box), the first lies left of the second —
    otherwise the two pieces would overlap.  When two edges swap rows these
    constraints form a cycle; then the arrows into the box concerned arrive
    below its middle, which removes the shared height."""
    left: dict[tuple, set] = {}
    right: dict[tuple, set] = {}
    gap_of: dict[tuple, int] = {}
    into: dict[tuple, str] = {}  # ("row", r) in gap g -> the box entered there
    for r in routes:
        ra = ("row", grid.row[r.source])
        if r.out_trunk:
            t = ("out", r.source)
            gap_of[t] = grid.column[r.source]
            left.setdefault(t, set()).add(ra)
            right.setdefault(t, set())
        if r.in_trunk:
            t = ("in", r.target)
            gap_of[t] = grid.column[r.target] - 1
            left.setdefault(t, set()).add(r.hkey if r.long else ra)
            right.setdefault(t, set())
    per_gap: dict[int, list[tuple]] = {}
    for t, g in gap_of.items():
        per_gap.setdefault(g, []).append(t)

    def rank(t: tuple) -> tuple:
        return (t[0] == "in", grid.row[t[1]], grid.plan_order[t[1]])

    shifted: set[str] = set()
    while True:
        for t in right:
            right[t] = set()
        for r in routes:
            rb = ("entry", grid.row[r.target]) if r.target in shifted else ("row", grid.row[r.target])
            if r.out_trunk:
                right[("out", r.source)].add(r.hkey if r.long else rb)
                if not r.long:
                    into[(grid.column[r.source], rb)] = r.target
            if r.in_trunk:
                right[("in", r.target)].add(rb)
                into[(grid.column[r.target] - 1, rb)] = r.target
        ordered: dict[int, list[tuple]] = {}
        newly: set[str] = set()
        for g, trunks in per_gap.items():
            trunks.sort(key=rank)
            position = {t: i for i, t in enumerate(trunks)}
            constraints = nx.DiGraph()
            constraints.add_nodes_from(trunks)
            for t1 in trunks:
                for t2 in trunks:
                    if t1 != t2 and left[t1] & right[t2]:
                        constraints.add_edge(t1, t2)
            while not nx.is_directed_acyclic_graph(constraints):
                cycle = nx.find_cycle(constraints)
                # drop the constraint that disagrees most with the preferred order
                u, v = max(((u, v) for u, v, *_ in cycle), key=lambda e: position[e[0]] - position[e[1]])
                constraints.remove_edge(u, v)
                for key in left[u] & right[v]:
                    if key[0] == "row" and (g, key) in into:
                        newly.add(into[(g, key)])
            ordered[g] = list(nx.lexicographical_topological_sort(constraints, key=lambda t: position[t]))
        if not newly - shifted:
            return ordered, shifted
        shifted |= newly


def _geometry(plan_json, style, lanes_spec, grid, routes, ncols, on_path, critical_pairs, path) -> FlowLayout:
    trunks, shifted = _trunks(grid, routes)
    shift = {code: min(style.track_spacing, style.box_height / 4) for code in shifted}

    # columns: x of each column's boxes, from the gaps' track counts
    gap_width = []
    for gap in range(max(ncols - 1, 0)):
        n = len(trunks.get(gap, []))
        gap_width.append(max(style.column_gap, 2 * style.gap_padding + max(n - 1, 0) * style.track_spacing))
    col_x = []
    x = style.margin + style.lane_label_width + style.gap_padding
    for c in range(ncols):
        col_x.append(x)
        x += style.box_width + (gap_width[c] if c < ncols - 1 else 0)
    width = x + style.gap_padding + style.margin
    trunk_x: dict[tuple, float] = {}
    for gap, ts in trunks.items():
        left_edge = col_x[gap] + style.box_width
        span = (len(ts) - 1) * style.track_spacing
        first = left_edge + (gap_width[gap] - span) / 2
        for i, t in enumerate(ts):
            trunk_x[t] = first + i * style.track_spacing

    # rows: channel heights from their track counts, then lanes top to bottom
    channel_tracks: dict[tuple, int] = {}
    for r in routes:
        if r.hkey and r.hkey[0] == "ch":
            chan, t = r.hkey[1], r.hkey[2]
            channel_tracks[chan] = max(channel_tracks.get(chan, 0), t + 1)

    def channel_height(chan: tuple) -> float:
        n = channel_tracks.get(chan, 0)
        least = style.lane_padding if chan[0] in ("top", "bot") else style.row_gap
        return max(least, 2 * style.channel_padding + max(n - 1, 0) * style.track_spacing)

    row_y: dict[int, float] = {}
    channel_y: dict[tuple, float] = {}  # the first track's y

    def place_channel(chan: tuple, top: float) -> float:
        h = channel_height(chan)
        n = max(channel_tracks.get(chan, 0), 1)
        channel_y[chan] = top + (h - (n - 1) * style.track_spacing) / 2
        return top + h

    lanes: list[Lane] = []
    y = style.margin
    for lane, (code, name) in enumerate(lanes_spec):
        top = y
        y = place_channel(("top", lane), y)
        for k in range(grid.lane_rows[lane]):
            if k:
                y = place_channel(("gap", lane, k), y)
            row_y[grid.lane_start[lane] + k] = y
            y += style.box_height
        y = place_channel(("bot", lane), y)
        lanes.append(Lane(code, name, lane, style.margin, top, width - 2 * style.margin, y - top,
                          grid.lane_rows[lane], style.lane_label_width))
    height = y + style.margin

    def hy(key: tuple) -> float:
        if key[0] == "row":
            return row_y[key[1]] + style.box_height / 2
        _, chan, t = key
        return channel_y[chan] + t * style.track_spacing

    items = {str(it["code"]): it for it in plan_json.get("items") or []}
    boxes: dict[str, Box] = {}
    for code in grid.codes:
        it = items[code]
        kind = str(it.get("kind") or "approval")
        boxes[code] = Box(
            code=code,
            name=str(it.get("name") or code),
            kind=kind,
            stage=str(it.get("stage")),
            lane=grid.lane_of[code],
            column=grid.column[code],
            row=grid.row[code] - grid.lane_start[grid.lane_of[code]],
            x=col_x[grid.column[code]],
            y=row_y[grid.row[code]],
            width=style.box_width,
            height=style.box_height,
            shape="diamond" if kind == "milestone" else "rect",
            critical=bool(it.get("critical")),
            on_critical_path=code in on_path,
            department_name=str(it.get("department_name") or ""),
            days=int(it.get("days") or 0),
            item=it,
        )

    edges = []
    for r in routes:
        a, b = boxes[r.source], boxes[r.target]
        pts: list[Point] = [a.out_port]
        arrive = b.cy  # arrows from a track arrive below the middle of a shifted box
        if not r.long:
            if r.out_trunk or r.in_trunk:
                tx = trunk_x[("out", r.source) if r.out_trunk else ("in", r.target)]
                arrive += shift.get(r.target, 0.0)
                pts += [(tx, a.cy), (tx, arrive)]
        else:
            y_mid = hy(r.hkey)
            if r.out_trunk:
                tx = trunk_x[("out", r.source)]
                pts += [(tx, a.cy), (tx, y_mid)]
            if r.in_trunk:
                tx = trunk_x[("in", r.target)]
                arrive += shift.get(r.target, 0.0)
                pts += [(tx, y_mid), (tx, arrive)]
        pts.append((b.x, arrive))
        edges.append(Edge(r.source, r.target, _simplify(pts), (r.source, r.target) in critical_pairs))
    order = {c: i for i, c in enumerate(grid.codes)}
    edges.sort(key=lambda e: (e.critical, order[e.source], order[e.target]))
    return FlowLayout(width, height, lanes, boxes, edges, ncols, style, list(path))


def _simplify(points: Iterable[Point]) -> tuple[Point, ...]:
    """Drop repeated points and the middle of three collinear points."""
    out: list[Point] = []
    for p in points:
        p = (round(p[0], 2), round(p[1], 2))
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (x0 == x1 == p[0]) or (y0 == y1 == p[1]):
                out[-1] = p
                continue
        out.append(p)
    if len(out) == 1:
        out.append(out[0])
    return tuple(out)
