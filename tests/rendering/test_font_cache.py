"""The parsed CJK font is kept on disk between processes and gives exactly the
metrics a fresh parse gives."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFontFace

from coordinator.rendering.pdf import fonts

FONT = next((p for p, _ in fonts.TRUETYPE_CANDIDATES if Path(p).is_file()), None)
pytestmark = pytest.mark.skipif(FONT is None, reason="no TrueType CJK font installed")

FIELDS = ("charToGlyph", "charWidths", "glyphPos", "hmetrics", "unitsPerEm", "ascent", "descent", "name",
          "numGlyphs", "defaultWidth", "table")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_cached_face_has_the_metrics_of_a_fresh_parse(cache_dir):
    fresh = TTFontFace(FONT)
    first = fonts.CachedFace(FONT)  # parses and writes the cache
    assert len(list(cache_dir.iterdir())) == 1
    second = fonts.CachedFace(FONT)  # reads it
    for face in (first, second):
        for name in FIELDS:
            assert getattr(face, name) == getattr(fresh, name), name
        assert face._pdfScale(1024) == fresh._pdfScale(1024)
        assert face.name.ustr == fresh.name.ustr


def test_a_changed_font_file_is_parsed_again(cache_dir, tmp_path_factory):
    copy = tmp_path_factory.mktemp("font") / "cjk.ttc"
    copy.write_bytes(Path(FONT).read_bytes())
    fonts.CachedFace(str(copy))
    os.utime(copy, ns=(1, 1))
    fonts.CachedFace(str(copy))
    assert len(list(cache_dir.iterdir())) == 2  # one entry per version of the file


def test_a_broken_or_unwritable_cache_only_means_parsing_again(cache_dir):
    fonts.CachedFace(FONT)
    entry = next(cache_dir.iterdir())
    entry.write_bytes(b"not marshal data")
    face = fonts.CachedFace(FONT)
    assert face.charWidths == TTFontFace(FONT).charWidths
    entry.unlink()
    cache_dir.chmod(0o500)  # root may write anyway; either way a face comes back
    try:
        assert fonts.CachedFace(FONT).numGlyphs > 1000
    finally:
        cache_dir.chmod(0o700)


def test_a_second_process_embeds_the_font_from_the_cache(cache_dir, tmp_path):
    """Two CLI runs: the second reads the cache, and its PDF carries the same
    embedded, extractable Chinese text."""
    examples = Path(__file__).resolve().parents[2] / "examples" / "warehouse.json"
    env = {**os.environ, fonts.CACHE_ENV: str(cache_dir), fonts.FONT_ENV: FONT}
    outputs = []
    for run in (1, 2):
        out = tmp_path / f"plan{run}.pdf"
        subprocess.run([str(Path(sys.executable).parent / "coordinator"), "plan", str(examples), "--pdf", str(out)],
                       check=True, env=env, capture_output=True)
        outputs.append(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout)
    assert len(list(cache_dir.iterdir())) == 1
    assert "建设工程规划许可证" in outputs[1] and outputs[0] == outputs[1]
