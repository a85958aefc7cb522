"""The plan on paper: :func:`plan_pdf` builds cover, flowchart, Gantt chart
and checklist pages, each page kind in a module of its own."""
from .document import PdfOptions, plan_pdf
from .flowchart import FlowTile, flowchart_pages, flowchart_tiles
from .fonts import PdfFont, pdf_font

__all__ = ["FlowTile", "PdfFont", "PdfOptions", "flowchart_pages", "flowchart_tiles", "pdf_font", "plan_pdf"]
