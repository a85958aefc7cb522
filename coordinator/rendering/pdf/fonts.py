"""The CJK font the PDF embeds, found once per process, and text measured in it.

Parsing a CJK TrueType font (tens of thousands of glyphs) costs more CPU than
drawing a typical plan, and every ``coordinator plan --pdf`` is a new process:
the parsed metrics are therefore kept on disk (:class:`CachedFace`) and read
back in a few milliseconds by the next process."""
from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Any

import reportlab
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFont, TTFontFace, TTFontFile

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


CACHE_ENV = "COORDINATOR_CACHE_DIR"
_CACHE_FORMAT = 1
_NOT_CACHED = ("_ttf_data", "filename", "_pdfScale")  # the file's bytes are read anew; the scale is derived


def font_cache_dir() -> Path:
    """Where parsed font metrics are kept: ``COORDINATOR_CACHE_DIR``, else the
    user's cache directory (``XDG_CACHE_HOME`` or ``~/.cache``)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "coordinator" / "fonts"


class CachedFace(TTFontFace):
    """A TrueType face whose parsed metrics (cmap, widths, glyph offsets) are
    read from the font cache when the same file was parsed before, and
    written there otherwise. The key covers the file's path, size and
    modification time, the subfont and the reportlab version; a cache that
    cannot be read or written only means parsing again."""

    def __init__(self, filename: str, subfontIndex: int = 0):
        self._cache_file = _cache_file(filename, subfontIndex)
        super().__init__(filename, validate=0, subfontIndex=subfontIndex)

    def extractInfo(self, charInfo=1):  # noqa: N802 - reportlab's name
        cached = _read_cache(self._cache_file)
        if cached is not None:
            self.__dict__.update(cached)
            self._pdfScale = _pdf_scale(self.unitsPerEm)
            return
        TTFontFile.extractInfo(self, charInfo)
        _write_cache(self._cache_file, {k: v for k, v in vars(self).items()
                                        if k not in _NOT_CACHED and not k.startswith("_cache")})


class CachedTTFont(TTFont):
    """reportlab's ``TTFont`` over a :class:`CachedFace` (same state as
    ``TTFont.__init__`` sets up)."""

    def __init__(self, name: str, filename: str, subfontIndex: int = 0):  # noqa: N803 - reportlab's name
        from weakref import WeakKeyDictionary

        from reportlab.pdfbase.ttfonts import TTEncoding

        self.fontName = name
        self.face = CachedFace(filename, subfontIndex)
        self.encoding = TTEncoding()
        self.state = WeakKeyDictionary()
        self._asciiReadable = rl_config.ttfAsciiReadable
        self.shapable = not any(fnmatch(name, pattern) for pattern in rl_config.unShapedFontGlob)


def _pdf_scale(units_per_em: int):
    factor = 1000 / units_per_em
    return (lambda x: x) if units_per_em == 1000 else (lambda x: x * factor)


def _cache_file(path: str, index: int) -> Path | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = f"{_CACHE_FORMAT}|{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}|{index}|{reportlab.Version}"
    return font_cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.marshal"


def _encode(value: Any) -> Any:
    if isinstance(value, TTFNameBytes):
        return ("TTFNameBytes", bytes(value))
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "TTFNameBytes":
        return TTFNameBytes(value[1])
    return value


def _read_cache(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = marshal.loads(path.read_bytes())  # plain data only: marshal builds no objects of ours
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    return {k: _decode(v) for k, v in data.items()}


def _write_cache(path: Path | None, state: dict[str, Any]) -> None:
    if path is None:
        return
    try:
        data = marshal.dumps({k: _encode(v) for k, v in state.items()})
    except ValueError:  # a value marshal cannot hold: parse again next time
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)  # atomic: a reader sees the old file or the whole new one
    except OSError:
        return


@lru_cache(maxsize=16)
def _register_truetype(path: str, index: int) -> str:
    """Register a TrueType font once per process; raises when reportlab cannot
    use it (missing, OpenType/CFF outlines, no Chinese glyphs)."""
    name = f"CJK-{abs(hash((path, index))) % 10**8}"
    font = CachedTTFont(name, path, subfontIndex=index)
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
