"""Text on the canvas: paragraphs of coloured runs wrapped with the font's
own glyph widths, for the pages drawn without platypus (cover, checklist)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

#: Characters a line may not start with (避头尾: closing punctuation stays with what it closes).
NO_LINE_START = set("，。、；：？！）》」』】〕”’,.;:?!)]}%")


@dataclass(frozen=True)
class Style:
    """A paragraph's type size and line height (colours travel with the text)."""

    size: float
    leading: float


Segments = list[tuple[str, Any]]  # (text, colour) runs of one paragraph


@dataclass
class Line:
    segments: Segments
    style: Style


class Measure:
    """Glyph widths of one font, read from its face once (TrueType) or asked
    of reportlab once per character (CID fonts)."""

    def __init__(self, font: str):
        self.font = font
        face = getattr(pdfmetrics.getFont(font), "face", None)
        widths = getattr(face, "charWidths", None)
        default = getattr(face, "defaultWidth", 1000)
        if widths is not None:
            self._unit: Callable[[str], float] = lambda ch: widths.get(ord(ch), default)
        else:
            cache: dict[str, float] = {}

            def unit(ch: str) -> float:
                if ch not in cache:
                    cache[ch] = pdfmetrics.stringWidth(ch, font, 1000)
                return cache[ch]
            self._unit = unit

    def width(self, text: str, size: float) -> float:
        unit = self._unit
        return sum(unit(ch) for ch in text) * size / 1000

    def wrap(self, segments: Segments, style: Style, width: float) -> list[Line]:
        """The runs broken into lines no wider than ``width``: anywhere between
        Chinese characters, at spaces or punctuation in Latin text, never
        before closing punctuation."""
        chars = [(ch, colour) for text, colour in segments for ch in text]
        unit, limit = self._unit, width * 1000 / style.size
        lines: list[list[tuple[str, Any]]] = []
        start, used, last_break = 0, 0.0, None
        i = 0
        while i < len(chars):
            ch = chars[i][0]
            if ch == "\n":
                lines.append(chars[start:i])
                start, used, last_break, i = i + 1, 0.0, None, i + 1
                continue
            w = unit(ch)
            if used + w > limit and i > start:
                cut = i
                if not _breakable(chars, i) and last_break is not None and last_break > start:
                    cut = last_break
                if chars[cut][0] in NO_LINE_START and cut - 1 > start:
                    cut -= 1
                lines.append(chars[start:cut])
                while cut < len(chars) and chars[cut][0] == " ":
                    cut += 1
                start, used, last_break, i = cut, 0.0, None, cut
                continue
            used += w
            i += 1
            if _breakable(chars, i):
                last_break = i
        if start < len(chars) or not lines:
            lines.append(chars[start:])
        return [Line(_regroup(chars), style) for chars in lines]


def _breakable(chars: list[tuple[str, Any]], i: int) -> bool:
    """May a line break before position ``i``?"""
    if i <= 0 or i >= len(chars):
        return True
    before, after = chars[i - 1][0], chars[i][0]
    return not (before.isascii() and before.isalnum() and after.isascii() and after.isalnum())


def _regroup(chars: list[tuple[str, Any]]) -> Segments:
    out: Segments = []
    for ch, colour in chars:
        if out and out[-1][1] == colour:
            out[-1] = (out[-1][0] + ch, colour)
        else:
            out.append((ch, colour))
    return out


def draw_line(c: Canvas, font: str, x: float, y: float, line: Line) -> None:
    """Draw one wrapped line with its baseline at ``y``."""
    for text, colour in line.segments:
        c.setFillColor(colour)
        c.setFont(font, line.style.size)
        c.drawString(x, y, text)
        x += pdfmetrics.stringWidth(text, font, line.style.size)


def plain(line: Line) -> str:
    """The line's text without its colours."""
    return "".join(text for text, _ in line.segments)
