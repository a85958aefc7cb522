"""The CJK font the PDF embeds, found once per process, and text measured in it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from ..layout import wrap_text

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
