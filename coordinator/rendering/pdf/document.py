"""The plan on paper: a PDF with cover, flowchart, Gantt chart and checklist.

Pure: plan JSON (SPEC §4.3) + rule base + options in, PDF bytes out — no
web framework, no database.  Every page is drawn with reportlab's canvas
(no HTML-to-PDF detour, no platypus: its flowables wrapped each paragraph
several times, and importing them cost as much as drawing a typical plan):

1. **Cover** (A4 landscape): project, owner, the answers as the
   questionnaire's texts and labels, the 拿地即开工 verdict with its reasons,
   parallel vs serial working days, key dates, generation date, rule-base
   version and a QR code (encoded by segno) to the project
   page.
2. **Flowchart** (A3 landscape): the swimlane layout of
   :func:`~coordinator.rendering.layout.flowchart_layout` — computed here with
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

Text on the cover and the checklist is wrapped once with the font's own glyph
widths (:mod:`.text`); the cover shrinks to its page when the answers and
reasons are long.

Chinese text is drawn with an embedded TrueType CJK font when one is found
(:func:`pdf_font`: ``COORDINATOR_PDF_FONT`` = ``path[,subfont]``, then
WenQuanYi Zen Hei and other TrueType CJK fonts in the usual places), else
with reportlab's built-in ``STSong-Light`` CID font (not embedded: the
viewer supplies the glyphs).  Either way the text is extractable.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any, Mapping

from ...planning.calendar import WorkingCalendar
from .checklist import checklist
from .common import (
    COVER_PAGE,
    _NumberedCanvas,
)
from .cover import cover
from .flowchart import flowchart
from .fonts import pdf_font
from .gantt import gantt

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
            from ...planning.planner import working_calendar

            self.calendar = working_calendar(rules)
        else:
            self.calendar = WorkingCalendar()

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
        footer = (name, f"生成于 {self.generated_text} ｜ 规则库 {self.rb_version}", self.font.name)
        c = _NumberedCanvas(buf, pagesize=COVER_PAGE, footer=footer)
        c.setTitle(f"{name} — {self.options.title}")
        c.setAuthor(self.options.owner or "")
        c.setSubject("拿地即开工审批计划：流程图、甘特图、事项清单")
        c.setCreator("拿地即开工 coordinator")
        for page in cover(self) + flowchart(self) + gantt(self) + checklist(self):
            c.setPageSize(page.page)
            page.paint(c)
            c.showPage()
        c.save()
        return buf.getvalue()
