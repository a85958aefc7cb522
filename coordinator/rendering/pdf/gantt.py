"""The Gantt pages: one bar per item on real working dates."""
from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Mapping

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from ..svg import (
    lag_band_start,
)
from .common import (
    C_CRITICAL,
    C_GRID,
    C_HOLIDAY,
    C_INK,
    C_KIND,
    C_LAND,
    C_MUTED,
    C_OFFDAY,
    C_STRIPE,
    FOOTER,
    GANTT_PAGE,
    HEX,
    MARGIN,
    PdfPage,
    _date,
    _days,
    _diamond,
    _page_title,
    _text,
)
from .fonts import _fit, _width

if TYPE_CHECKING:
    from .document import _Document

def gantt(doc: "_Document") -> list[PdfPage]:
    gantt = _Gantt(doc)
    out: list[PdfPage] = []
    for i, rows in enumerate(gantt.pages):
        out.append(_GanttPage(gantt, rows, i))
    return out

# -- checklist -------------------------------------------------------

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


class _GanttPage(PdfPage):
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
