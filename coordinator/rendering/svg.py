"""Standalone SVG pictures of a plan — the Gantt chart and the swimlane flowchart.

Pure functions from the plan JSON (SPEC §4.3) to an SVG string: no web
framework, no drawing library.  Every text is escaped; styling is done with
presentation attributes (so the SVG looks the same inline in a page, as a
file, or converted for the PDF) and every element carries a class name
(``bar critical``, ``milestone``, ``edge critical``, ``land-date`` …) for
CSS and tests.  The flowchart's marker ids start with ``id_prefix`` so that
several pictures can sit in one page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr

from ..planning.calendar import WorkingCalendar
from .layout import Box, FlowLayout, LayoutStyle, flowchart_layout, text_width, wrap_text

FONT_FAMILY = '"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif'

CRITICAL = "#c62828"
KIND_COLOURS = {"approval": "#4a78c2", "utility": "#2a9d8f", "milestone": "#6d4c9f"}
INK = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#d9dee5"
OFFDAY = "#eef0f3"
LAND = "#e65100"
EDGE = "#8793a3"
LANE_FILLS = ("#f7f9fc", "#eef3f9")



@dataclass(frozen=True)
class Wording:
    """The words of the pictures in one language (format strings with named
    fields); the item, department and stage names come with the plan."""

    approval: str = "审批事项"
    utility: str = "水电气热报装"
    milestone: str = "里程碑"
    days: str = "{days} 个工作日"
    one_day: str = "{days} 个工作日"
    span: str = "{start} 至 {finish}"
    critical_item: str = "关键路径事项（无机动时间）"
    slack: str = "机动时间 {slack} 个工作日"
    requires: str = "前置：{names}"
    list_separator: str = "、"
    gantt_title: str = "审批进度甘特图"
    gantt_label: str = ("甘特图：{items} 个事项（{bars} 项办理、{milestones} 个里程碑），"
                        "{first} 至 {last}，共 {total} 个工作日")
    gantt_land: str = "，拿地日 {land}"
    land_tooltip: str = "拿地日（签订土地出让合同）{land}"
    land_label: str = "拿地日 {year}年{month}月{day}日"
    lag: str = "施工期 {lag} 个工作日"
    off_day: str = "{start} 非工作日"
    off_days: str = "{start} 至 {end} 非工作日"
    month_long: str = "{year}年{month}月"
    month_short: str = "{month}月"
    legend_critical_item: str = "关键路径事项"
    legend_off: str = "非工作日（周末、节假日）"
    legend_lag: str = "施工期"
    legend_land: str = "拿地日"
    flow_title: str = "并联审批流程图"
    flow_label: str = "审批流程图：{items} 个事项、{edges} 条前后置关系，分 {lanes} 个阶段；关键路径：{path}"
    legend_critical_box: str = "关键事项"
    legend_critical_path: str = "关键路径"
    legend_edge: str = "前置关系"
    item_heading: str = "{name}（{code}）"

    def working_days(self, days: int) -> str:
        return (self.one_day if days == 1 else self.days).format(days=days)


CHINESE = Wording()
ENGLISH = Wording(
    approval="Approval", utility="Utility hookup", milestone="Milestone",
    days="{days} working days", one_day="{days} working day", span="{start} to {finish}",
    critical_item="On the critical path (no slack)", slack="Slack: {slack} working days",
    requires="Requires: {names}", list_separator=", ",
    gantt_title="Approval schedule (Gantt chart)",
    gantt_label=("Gantt chart: {items} items ({bars} to handle, {milestones} milestones), "
                 "{first} to {last}, {total} working days in all"),
    gantt_land=", land date {land}", land_tooltip="Land date (land transfer contract signed) {land}",
    land_label="Land date {year}-{month:02d}-{day:02d}", lag="Construction {lag} working days",
    off_day="{start} day off", off_days="{start} to {end} days off",
    month_long="{month_name} {year}", month_short="{month_name}",
    legend_critical_item="Critical-path item", legend_off="Day off (weekend, holiday)",
    legend_lag="Construction", legend_land="Land date",
    flow_title="Parallel approval flowchart",
    flow_label=("Approval flowchart: {items} items, {edges} prerequisite links, in {lanes} stages; "
                "critical path: {path}"),
    legend_critical_box="Critical item", legend_critical_path="Critical path", legend_edge="Prerequisite",
    item_heading="{name} ({code})",
)
#: The pictures' wording by language code.
WORDINGS = {"zh": CHINESE, "en": ENGLISH}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _a(value: Any) -> str:
    """An attribute value, quoted and escaped."""
    return quoteattr(str(value))


def _t(value: Any) -> str:
    """Element text, escaped."""
    return escape(str(value))


def _n(value: float) -> str:
    """A coordinate without needless decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def parse_date(value: Any) -> dt.date | None:
    """A plan date (ISO text, date or datetime) as a date; ``None`` when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


_date = parse_date


def lag_band_start(item: Mapping[str, Any], by_code: Mapping[str, Mapping[str, Any]]) -> dt.date:
    """Where the construction period before ``item`` begins: the day after its
    prerequisites finish (the same day after a 0-day prerequisite)."""
    start = parse_date(item.get("start"))
    ends = []
    for req in item.get("requires") or []:
        pred = by_code.get(str(req))
        if pred and pred.get("finish"):
            finish = parse_date(pred["finish"])
            ends.append(finish + dt.timedelta(days=1) if int(pred.get("days") or 0) > 0 else finish)
    return max(ends, default=start)


def _svg_open(width: float, height: float, label: str, title: str, classes: str) -> list[str]:
    # no XML declaration: the string goes into HTML pages as it is (UTF-8 is XML's default)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class={_a(classes)} '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-label={_a(label)} font-family={_a(FONT_FAMILY)} '
        f'preserveAspectRatio="xMinYMin meet">',
        f"<title>{_t(title)}</title>",
        f"<desc>{_t(label)}</desc>",
    ]


def _text(x: float, y: float, content: str, size: float, fill: str = INK, anchor: str = "start",
          weight: str | None = None, cls: str | None = None) -> str:
    attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"', f'font-size="{_n(size)}"', f"fill={_a(fill)}"]
    if anchor != "start":
        attrs.append(f"text-anchor={_a(anchor)}")
    if weight:
        attrs.append(f"font-weight={_a(weight)}")
    if cls:
        attrs.append(f"class={_a(cls)}")
    return f"<text {' '.join(attrs)}>{_t(content)}</text>"


def _diamond(cx: float, cy: float, rx: float, ry: float) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in ((cx, cy - ry), (cx + rx, cy), (cx, cy + ry), (cx - rx, cy)))


def _item_tooltip(it: Mapping[str, Any], words: Wording) -> str:
    lines = [words.item_heading.format(name=it.get("name", ""), code=it.get("code", ""))]
    if it.get("department_name"):
        lines.append(str(it["department_name"]))
    if it.get("kind") != "milestone":
        lines.append(words.working_days(int(it.get("days") or 0)))
    start, finish = it.get("start"), it.get("finish")
    if start:
        lines.append(words.span.format(start=start, finish=finish) if finish and finish != start else str(start))
    slack = it.get("slack")
    if it.get("critical"):
        lines.append(words.critical_item)
    elif slack is not None:
        lines.append(words.slack.format(slack=slack))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Gantt chart


def gantt_svg(
    plan_json: Mapping[str, Any],
    calendar: WorkingCalendar | None = None,
    words: Wording = CHINESE,
) -> str:
    """The plan as a Gantt chart: one row per item on real dates.

    Days off (weekends and holidays by ``calendar``, 调休 working Saturdays
    not) are shaded; bars are coloured by kind and critical items are red;
    milestones are diamonds; the land date is a labelled vertical line.
    ``words`` is the language of the chart's own text."""
    calendar = calendar or WorkingCalendar()
    items = list(plan_json.get("items") or [])
    starts = [_date(it.get("start")) for it in items if it.get("start")]
    finishes = [_date(it.get("finish")) for it in items if it.get("finish")]
    first = _date(plan_json.get("start_date")) or min(starts, default=None) or dt.date.today()
    last = _date(plan_json.get("end_date")) or max(finishes, default=None) or first
    first = min([first, *starts])
    last = max([last, *finishes])
    land = _date(plan_json.get("land_date"))
    if land:
        first, last = min(first, land), max(last, land)
    ndays = (last - first).days + 1

    day_w = min(max(round(860 / ndays, 1), 3.0), 26.0)
    row_h, bar_h = 26.0, 14.0
    name_size = 12.5
    label_w = min(max((text_width(str(it.get("name", "")), name_size) for it in items), default=120) + 24, 300)
    label_w = max(label_w, 150.0)
    margin = 16.0
    header_h = 44.0 + (22.0 if land else 0.0)  # a strip for the land-date label, months, weeks
    chart_x = margin + label_w
    chart_w = ndays * day_w
    chart_y = margin + header_h
    chart_h = max(len(items), 1) * row_h
    after_w = 96.0  # room for the "N 个工作日" after the last bar
    legend_y = chart_y + chart_h + 22
    width = chart_x + chart_w + after_w + margin
    height = legend_y + 22 + margin

    def x_of(day: dt.date) -> float:
        return chart_x + (day - first).days * day_w

    n_bars = sum(1 for it in items if it.get("kind") != "milestone")
    label = words.gantt_label.format(items=len(items), bars=n_bars, milestones=len(items) - n_bars,
                                     first=first.isoformat(), last=last.isoformat(),
                                     total=plan_json.get("total_working_days", ""))
    if land:
        label += words.gantt_land.format(land=land.isoformat())
    out = _svg_open(width, height, label, words.gantt_title, "gantt-chart")
    out.append(f'<rect class="background" x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')

    # days off, merged into runs
    out.append('<g class="offdays">')
    day = first
    while day <= last:
        if calendar.is_workday(day):
            day += dt.timedelta(days=1)
            continue
        run_start = day
        while day <= last and not calendar.is_workday(day):
            day += dt.timedelta(days=1)
        out.append(
            f'<rect class="offday" data-start="{run_start.isoformat()}" '
            f'data-end="{(day - dt.timedelta(days=1)).isoformat()}" x="{_n(x_of(run_start))}" y="{_n(chart_y)}" '
            f'width="{_n((day - run_start).days * day_w)}" height="{_n(chart_h)}" fill="{OFFDAY}">'
            f"<title>{_t(_off_title(run_start, day - dt.timedelta(days=1), words))}</title></rect>"
        )
    out.append("</g>")

    # row stripes and labels
    out.append('<g class="rows">')
    for i, it in enumerate(items):
        y = chart_y + i * row_h
        if i % 2:
            out.append(f'<rect class="stripe" x="{_n(margin)}" y="{_n(y)}" width="{_n(label_w + chart_w)}" '
                       f'height="{_n(row_h)}" fill="#f6f8fb" fill-opacity="0.6"/>')
        name = wrap_text(str(it.get("name", "")), label_w - 20, name_size, max_lines=1)
        weight = "bold" if it.get("critical") else None
        out.append(
            f'<text class="row-label" x="{_n(chart_x - 10)}" y="{_n(y + row_h / 2 + 4.5)}" font-size="{_n(name_size)}" '
            f'fill="{INK}" text-anchor="end"' + (f' font-weight="{weight}"' if weight else "") + ">"
            f"<title>{_t(_item_tooltip(it, words))}</title>{_t(name[0] if name else '')}</text>"
        )
    out.append("</g>")

    # time axis: months, weeks, grid
    out.append(_gantt_axis(first, last, x_of, day_w, margin, chart_x, chart_y, chart_w, chart_h, words))

    if land:  # behind the bars, above the grid
        lx = x_of(land)
        out.append(
            f'<g class="land-date" data-date="{land.isoformat()}"><title>{_t(words.land_tooltip.format(land=land.isoformat()))}</title>'
            f'<line x1="{_n(lx)}" y1="{_n(margin + 14)}" x2="{_n(lx)}" y2="{_n(chart_y + chart_h)}" '
            f'stroke="{LAND}" stroke-width="2" stroke-dasharray="6 3"/>'
            + _land_label(lx, margin + 14, land, margin, chart_x + chart_w + after_w, words)
            + "</g>"
        )

    # waiting periods (the construction period before 竣工): a light dashed band
    by_code = {str(it.get("code")): it for it in items}
    out.append('<g class="lags">')
    for i, it in enumerate(items):
        lag = int(it.get("lag") or 0)
        start = _date(it.get("start"))
        if lag <= 0 or start is None:
            continue
        band_start = lag_band_start(it, by_code)
        if band_start >= start:
            continue
        x0, x1 = x_of(band_start), x_of(start)
        y = chart_y + i * row_h + (row_h - bar_h) / 2
        text = words.lag.format(lag=lag)
        out.append(
            f'<g class="lag" data-code={_a(it.get("code", ""))}><title>{_t(text)}</title>'
            f'<rect x="{_n(x0)}" y="{_n(y)}" width="{_n(x1 - x0)}" height="{_n(bar_h)}" rx="2.5" '
            f'fill="#e8ebf0" stroke="#9aa5b4" stroke-width="1" stroke-dasharray="4 3"/>'
        )
        if text_width(text, 10.5) + 12 <= x1 - x0:
            out.append(_text((x0 + x1) / 2, y + bar_h / 2 + 3.8, text, 10.5, MUTED, "middle"))
        out.append("</g>")
    out.append("</g>")

    # bars and milestones
    out.append('<g class="bars">')
    for i, it in enumerate(items):
        y = chart_y + i * row_h
        start = _date(it.get("start")) or first
        finish = _date(it.get("finish")) or start
        kind = str(it.get("kind") or "approval")
        critical = bool(it.get("critical"))
        tooltip = f"<title>{_t(_item_tooltip(it, words))}</title>"
        cls = " critical" if critical else ""
        if kind == "milestone":
            cx, cy = x_of(start), y + row_h / 2
            fill = CRITICAL if critical else KIND_COLOURS["milestone"]
            out.append(
                f'<polygon class={_a("milestone" + cls)} data-code={_a(it.get("code", ""))} '
                f'points="{_diamond(cx, cy, 7, 7)}" fill="{fill}" stroke="#ffffff" stroke-width="1">{tooltip}</polygon>'
            )
            continue
        days = int(it.get("days") or 0)
        x0 = x_of(start)
        w = ((finish - start).days + 1) * day_w
        fill = CRITICAL if critical else KIND_COLOURS.get(kind, KIND_COLOURS["approval"])
        extra = " instant" if days == 0 else ""
        attrs = (
            f'class={_a(f"bar {kind}{cls}{extra}")} data-code={_a(it.get("code", ""))} '
            f'x="{_n(x0 + 0.5)}" y="{_n(y + (row_h - bar_h) / 2)}" width="{_n(max(w - 1, 2))}" '
            f'height="{_n(bar_h)}" rx="2.5" fill="{fill}"'
        )
        if days == 0:  # issued the same day: a lighter, hatched bar
            attrs += f' fill-opacity="0.55" stroke="{fill}" stroke-width="1"'
        out.append(f"<rect {attrs}>{tooltip}</rect>")
        out.append(_text(x0 + w + 4, y + row_h / 2 + 4, words.working_days(days), 10.5, MUTED, cls="bar-days"))
    out.append("</g>")

    has_lag = any(int(it.get("lag") or 0) > 0 for it in items)
    out.append(_gantt_legend(margin, legend_y, bool(land), has_lag, words))
    out.append("</svg>")
    return "\n".join(out)


def _off_title(start: dt.date, end: dt.date, words: Wording) -> str:
    if start == end:
        return words.off_day.format(start=start.isoformat())
    return words.off_days.format(start=start.isoformat(), end=end.isoformat())


def _land_label(x: float, y: float, land: dt.date, left: float, right: float, words: Wording) -> str:
    content = words.land_label.format(year=land.year, month=land.month, day=land.day)
    size = 11.0
    w = text_width(content, size) + 10
    bx = min(max(x - w / 2, left), right - w)
    return (
        f'<rect x="{_n(bx)}" y="{_n(y - 15)}" width="{_n(w)}" height="17" rx="3" fill="{LAND}"/>'
        + _text(bx + w / 2, y - 2.5, content, size, "#ffffff", "middle", "bold", cls="land-date-label")
    )


def _gantt_axis(first, last, x_of, day_w, margin, chart_x, chart_y, chart_w, chart_h, words: Wording) -> str:
    out = ['<g class="axis">']
    # month bands
    month_y = chart_y - 26
    day = first
    while day <= last:
        nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = min(nxt, last + dt.timedelta(days=1))
        x0, x1 = x_of(day), x_of(end)
        out.append(f'<line class="month-tick" x1="{_n(x0)}" y1="{_n(month_y - 14)}" x2="{_n(x0)}" '
                   f'y2="{_n(chart_y + chart_h)}" stroke="#aeb6c1" stroke-width="1"/>')
        month = {"year": day.year, "month": day.month, "month_name": MONTH_NAMES[day.month - 1]}
        label = words.month_long.format(**month)
        if text_width(label, 12) + 8 > x1 - x0:
            label = words.month_short.format(**month)
        if text_width(label, 12) + 4 <= x1 - x0:
            out.append(_text(x0 + 5, month_y, label, 12, INK, weight="bold", cls="month-label"))
        day = nxt
    # week ticks on Mondays (every other week when days are narrow)
    step = 1 if day_w * 7 >= 34 else 2
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    k = 0
    while monday <= last:
        x = x_of(monday)
        out.append(f'<line class="week-tick" x1="{_n(x)}" y1="{_n(chart_y - 16)}" x2="{_n(x)}" '
                   f'y2="{_n(chart_y + chart_h)}" stroke="{GRID}" stroke-width="1"/>')
        if k % step == 0:
            out.append(_text(x + 3, chart_y - 5, f"{monday.month}/{monday.day}", 10, MUTED, cls="week-label"))
        monday += dt.timedelta(days=7)
        k += 1
    out.append(f'<line x1="{_n(chart_x)}" y1="{_n(chart_y)}" x2="{_n(chart_x + chart_w)}" y2="{_n(chart_y)}" '
               f'stroke="#aeb6c1" stroke-width="1"/>')
    out.append(f'<line x1="{_n(chart_x + chart_w)}" y1="{_n(month_y - 14)}" x2="{_n(chart_x + chart_w)}" '
               f'y2="{_n(chart_y + chart_h)}" stroke="#aeb6c1" stroke-width="1"/>')
    out.append(f'<line x1="{_n(margin)}" y1="{_n(chart_y + chart_h)}" x2="{_n(chart_x + chart_w)}" '
               f'y2="{_n(chart_y + chart_h)}" stroke="#aeb6c1" stroke-width="1"/>')
    out.append("</g>")
    return "\n".join(out)


def _gantt_legend(x: float, y: float, land: bool, lag: bool, words: Wording) -> str:
    out = ['<g class="legend">']
    entries = [
        ("rect", KIND_COLOURS["approval"], words.approval),
        ("rect", KIND_COLOURS["utility"], words.utility),
        ("rect", CRITICAL, words.legend_critical_item),
        ("diamond", KIND_COLOURS["milestone"], words.milestone),
        ("off", OFFDAY, words.legend_off),
    ]
    if lag:
        entries.append(("lag", "#e8ebf0", words.legend_lag))
    if land:
        entries.append(("land", LAND, words.legend_land))
    for shape, colour, name in entries:
        if shape == "lag":
            out.append(f'<rect class="legend-swatch" x="{_n(x)}" y="{_n(y - 10)}" width="22" height="12" rx="2.5" '
                       f'fill="{colour}" stroke="#9aa5b4" stroke-dasharray="4 3"/>')
        elif shape == "rect":
            out.append(f'<rect class="legend-swatch" x="{_n(x)}" y="{_n(y - 10)}" width="22" height="12" rx="2.5" fill="{colour}"/>')
        elif shape == "off":
            out.append(f'<rect class="legend-swatch" x="{_n(x)}" y="{_n(y - 12)}" width="22" height="16" '
                       f'fill="{colour}" stroke="{GRID}"/>')
        elif shape == "diamond":
            out.append(f'<polygon class="legend-swatch" points="{_diamond(x + 11, y - 4, 7, 7)}" fill="{colour}"/>')
        else:
            out.append(f'<line class="legend-swatch" x1="{_n(x + 11)}" y1="{_n(y - 13)}" x2="{_n(x + 11)}" '
                       f'y2="{_n(y + 5)}" stroke="{colour}" stroke-width="2" stroke-dasharray="6 3"/>')
        out.append(_text(x + 28, y, name, 12, INK, cls="legend-label"))
        x += 28 + text_width(name, 12) + 22
    out.append("</g>")
    return "\n".join(out)


# --------------------------------------------------------------------------
# flowchart


def flowchart_svg(
    plan_json: Mapping[str, Any],
    stages: Any = None,
    *,
    id_prefix: str = "flow",
    style: LayoutStyle = LayoutStyle(),
    transitive_reduction: bool = True,
    layout: FlowLayout | None = None,
    words: Wording = CHINESE,
) -> str:
    """The plan's dependency graph as a swimlane flowchart (see
    :func:`~coordinator.rendering.layout.flowchart_layout` for ``stages`` and
    ``transitive_reduction``; a ready ``layout`` may be passed instead);
    ``words`` is the language of the chart's own text."""
    layout = layout or flowchart_layout(plan_json, stages, style, transitive_reduction=transitive_reduction)
    style = layout.style
    legend_h = 34.0
    width, height = layout.width, layout.height + legend_h
    items = list(plan_json.get("items") or [])
    label = words.flow_label.format(
        items=len(items), edges=len(layout.edges), lanes=len(layout.lanes),
        path=" → ".join(layout.boxes[c].name for c in layout.critical_path if c in layout.boxes))
    out = _svg_open(width, height, label, words.flow_title, "flowchart")
    arrow, arrow_critical = f"{id_prefix}-arrow", f"{id_prefix}-arrow-critical"
    out.append(
        "<defs>"
        + _marker(arrow, EDGE, 9, 7)
        + _marker(arrow_critical, CRITICAL, 9, 7)
        + "</defs>"
    )
    out.append(f'<rect class="background" x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')

    out.append('<g class="lanes">')
    for lane in layout.lanes:
        fill = LANE_FILLS[lane.index % 2]
        out.append(
            f'<g class="lane" data-stage={_a(lane.code)}>'
            f'<rect x="{_n(lane.x)}" y="{_n(lane.y)}" width="{_n(lane.width)}" height="{_n(lane.height)}" '
            f'fill="{fill}" stroke="#c9d2de" stroke-width="1"/>'
            f'<rect class="lane-header" x="{_n(lane.x)}" y="{_n(lane.y)}" width="{_n(lane.label_width)}" '
            f'height="{_n(lane.height)}" fill="#e3e9f2" stroke="#c9d2de" stroke-width="1"/>'
        )
        size = 13.0
        lines = wrap_text(lane.name, lane.label_width - 16, size, max_lines=max(1, int((lane.height - 8) // 18)))
        top = lane.y + lane.height / 2 - (len(lines) - 1) * 18 / 2 + 4.5
        for k, line in enumerate(lines):
            out.append(_text(lane.x + lane.label_width / 2, top + k * 18, line, size, "#2c3e57", "middle", "bold",
                             cls="lane-label"))
        out.append(f"<title>{_t(lane.name)}</title></g>")
    out.append("</g>")

    out.append('<g class="edges" fill="none">')
    names = {b.code: b.name for b in layout.boxes.values()}
    for edge in layout.edges:
        d = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in edge.points)
        cls = "edge critical" if edge.critical else "edge"
        colour, w, marker = (CRITICAL, 2.6, arrow_critical) if edge.critical else (EDGE, 1.3, arrow)
        out.append(
            f'<path class={_a(cls)} data-source={_a(edge.source)} data-target={_a(edge.target)} d="{d}" '
            f'stroke="{colour}" stroke-width="{w}" stroke-linejoin="round" marker-end="url(#{marker})">'
            f"<title>{_t(names[edge.source] + ' → ' + names[edge.target])}</title></path>"
        )
    out.append("</g>")

    out.append('<g class="nodes">')
    for box in layout.boxes.values():
        out.append(_node(box, names, words))
    out.append("</g>")
    out.append(_flow_legend(style.margin, layout.height + 16, words))
    out.append("</svg>")
    return "\n".join(out)


def _marker(marker_id: str, colour: str, length: float, width: float) -> str:
    # userSpaceOnUse: the same size whatever the stroke width; the tip sits at the path's end
    return (
        f'<marker id={_a(marker_id)} markerUnits="userSpaceOnUse" markerWidth="{_n(length)}" '
        f'markerHeight="{_n(width)}" refX="{_n(length)}" refY="{_n(width / 2)}" orient="auto">'
        f'<path d="M0 0 L{_n(length)} {_n(width / 2)} L0 {_n(width)} z" fill="{colour}"/></marker>'
    )


def _node(box: Box, names: Mapping[str, str], words: Wording) -> str:
    kind = box.kind if box.kind in KIND_COLOURS else "approval"
    cls = f"node {kind}" + (" critical" if box.critical else "") + (" on-critical-path" if box.on_critical_path else "")
    stroke = CRITICAL if box.critical else KIND_COLOURS[kind]
    stroke_w = 2.4 if box.critical else 1.4
    tooltip = _item_tooltip(box.item, words)
    requires = [names.get(str(c), str(c)) for c in box.item.get("requires") or []]
    if requires:
        tooltip += "\n" + words.requires.format(names=words.list_separator.join(requires))
    parts = [f"<g class={_a(cls)} data-code={_a(box.code)}>", f"<title>{_t(tooltip)}</title>"]
    if box.shape == "diamond":
        fill = "#fdecea" if box.critical else "#f1ecf8"
        parts.append(f'<polygon class="shape" points="{_diamond(box.cx, box.cy, box.width / 2, box.height / 2)}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"/>')
        size = 12.5
        lines = wrap_text(box.name, box.width * 0.56, size, max_lines=2)
        top = box.cy - (len(lines) - 1) * 15 / 2 + 4.5
        for k, line in enumerate(lines):
            parts.append(_text(box.cx, top + k * 15, line, size, INK, "middle", "bold", cls="name"))
    else:
        fill = "#ffffff"
        parts.append(f'<rect class="shape" x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.width)}" '
                     f'height="{_n(box.height)}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"/>')
        band = CRITICAL if box.critical else KIND_COLOURS[kind]
        parts.append(f'<rect class="kind-band" x="{_n(box.x + 1)}" y="{_n(box.y + 1)}" width="5" '
                     f'height="{_n(box.height - 2)}" rx="2" fill="{band}"/>')
        pad = 12.0
        inner = box.width - pad - 8
        size = 12.5
        lines = wrap_text(box.name, inner, size, max_lines=2)
        y = box.y + 19 if len(lines) == 2 else box.y + 25
        for line in lines:
            parts.append(_text(box.x + pad, y, line, size, INK, weight="bold", cls="name"))
            y += 16
        y = box.y + box.height - 24 if len(lines) == 2 else box.y + box.height - 28
        dept = wrap_text(box.department_name, inner, 10.5, max_lines=1)
        if dept:
            parts.append(_text(box.x + pad, box.y + box.height - 22, dept[0], 10.5, MUTED, cls="department"))
        parts.append(_text(box.x + pad, box.y + box.height - 8, words.working_days(box.days), 10.5,
                           CRITICAL if box.critical else "#34495e", weight="bold", cls="days"))
    parts.append("</g>")
    return "".join(parts)


def _flow_legend(x: float, y: float, words: Wording) -> str:
    out = ['<g class="legend">']
    entries: Iterable[tuple[str, str, str]] = (
        ("box", KIND_COLOURS["approval"], words.approval),
        ("box", KIND_COLOURS["utility"], words.utility),
        ("diamond", KIND_COLOURS["milestone"], words.milestone),
        ("box", CRITICAL, words.legend_critical_box),
        ("edge", CRITICAL, words.legend_critical_path),
        ("edge", EDGE, words.legend_edge),
    )
    for shape, colour, name in entries:
        if shape == "box":
            out.append(f'<rect class="legend-swatch" x="{_n(x)}" y="{_n(y - 11)}" width="22" height="14" rx="3" '
                       f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>')
        elif shape == "diamond":
            out.append(f'<polygon class="legend-swatch" points="{_diamond(x + 11, y - 4, 11, 8)}" '
                       f'fill="#f1ecf8" stroke="{colour}" stroke-width="1.5"/>')
        else:
            w = 2.6 if colour == CRITICAL else 1.3
            out.append(f'<line class="legend-swatch" x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 22)}" y2="{_n(y - 4)}" '
                       f'stroke="{colour}" stroke-width="{w}"/>')
        out.append(_text(x + 28, y, name, 12, INK, cls="legend-label"))
        x += 28 + text_width(name, 12) + 22
    out.append("</g>")
    return "\n".join(out)
