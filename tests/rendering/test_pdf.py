"""The plan PDF (SPEC §3.6): its pages and text through poppler's pdftotext,
rendering through pdftoppm, the flowchart's pagination as a property over
every plan (rule cases, random answers, random graphs of up to 200 items),
the API route, the owner page's link and the CLI."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from coordinator.planning import PlanOptions, load_rule_base, make_plan
from coordinator.rendering.layout import FlowLayout, flowchart_layout
from coordinator.rendering.pdf import FlowTile, PdfOptions, flowchart_pages, flowchart_tiles, pdf_font, plan_pdf
from coordinator.rendering.pdf.common import FLOW_AREA, FLOW_PAGE, FLOW_STYLE
from coordinator.rendering.pdf.fonts import CID_FALLBACK, FONT_ENV, _fit, _width
from coordinator.planning.rulecases import load_cases

from tests.conftest import PASSWORD, TODAY, example_answers, login
from tests import strategies
from tests.strategies import valid_answers

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rule_base()
STAGES = [{"code": s.code, "name": s.name} for s in sorted(RULES.stages.values(), key=lambda s: s.order)]
LAND = dt.date(2026, 9, 15)
GENERATED = dt.datetime(2026, 3, 2, 9, 30)
URL = "http://localhost/owner/projects/1"

needs_poppler = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                                   reason="poppler-utils (pdftotext, pdftoppm) is not installed")
few = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def warehouse_plan(land_date=LAND) -> dict:
    return make_plan(RULES, example_answers("warehouse"), PlanOptions(land_date=land_date, today=TODAY)).to_json()


def pdf_text(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def page_texts(path: Path) -> list[str]:
    """One string per page (pdftotext separates pages with form feeds)."""
    pages = pdf_text(path, "-raw").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def appears_wrapped(needle: str, haystack: str, slack: int = 400) -> bool:
    """``needle`` is in ``haystack`` in order, its wrapped lines perhaps
    separated by the text of neighbouring cells on the same baselines (as
    pdftotext reads a table row) or by a page break inside the row (footer
    and repeated header): at most ``slack`` characters in between."""
    start = haystack.find(needle[:1])
    while start != -1:
        at = start
        for char in needle[1:]:
            at = haystack.find(char, at + 1, start + len(needle) + slack)
            if at == -1:
                break
        else:
            return True
        start = haystack.find(needle[:1], start + 1)
    return False


def page_sizes(path: Path) -> list[tuple[float, float]]:
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The README's warehouse with a land date, as a PDF file, with its plan."""
    plan = warehouse_plan()
    options = PdfOptions(project_name="滨海智能仓库", owner="天津某物流有限公司", answers=example_answers("warehouse"),
                         url=URL, generated=GENERATED)
    path = tmp_path_factory.mktemp("pdf") / "warehouse.pdf"
    path.write_bytes(plan_pdf(plan, RULES, options))
    return plan, path


# --------------------------------------------------------------------------
# the document


def test_pdf_is_a_pdf_with_the_chinese_text_extractable(warehouse):
    plan, path = warehouse
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = squeeze(pdf_text(path, "-raw"))
    for item in plan["items"]:
        assert squeeze(item["name"]) in text, item["name"]
        assert item["start"] in text and item["finish"] in text, item["code"]
    for stage in STAGES[:5]:
        assert squeeze(stage["name"]) in text


@needs_poppler
def test_pages_are_cover_flowchart_gantt_and_checklist(warehouse):
    plan, path = warehouse
    pages = page_texts(path)
    sizes = page_sizes(path)
    assert len(pages) == len(sizes) >= 4
    _, tiles = flowchart_pages(plan, STAGES)
    flow = list(range(1, 1 + len(tiles)))
    gantt = [i for i, t in enumerate(pages) if "进度计划（甘特图）" in t]
    checklist = [i for i, t in enumerate(pages) if i > max(gantt)]
    # in this order, each kind of page at least once
    assert all("审批流程图" in pages[i] for i in flow)
    assert gantt and min(gantt) == 1 + len(tiles) and gantt == list(range(gantt[0], gantt[-1] + 1))
    assert checklist and "审批事项清单" in pages[checklist[0]]
    # landscape A4 for all but the flowchart, which is landscape A3
    a4, a3 = (841.89, 595.28), (1190.55, 841.89)
    for i, (w, h) in enumerate(sizes):
        want = a3 if i in flow else a4
        assert abs(w - want[0]) < 1 and abs(h - want[1]) < 1, (i, w, h)
    # every page has the footer with its number
    for i, text in enumerate(pages, start=1):
        assert f"第 {i} 页 / 共 {len(pages)} 页" in text


@needs_poppler
def test_cover_says_what_the_project_is_and_whether_it_qualifies(warehouse):
    plan, path = warehouse
    cover = page_texts(path)[0]
    flat = squeeze(cover)
    for expected in ("滨海智能仓库", "天津某物流有限公司", "拿地即开工：适用", "2026-03-0209:30",
                     plan["rule_base"]["version"], "项目情况（问卷答案）", URL):
        assert squeeze(expected) in flat, expected
    for reason in plan["land_day_start"]["reasons"]:
        assert squeeze(reason) in flat
    # total vs serial working days
    assert str(plan["total_working_days"]) in cover and str(plan["serial_working_days"]) in cover
    assert "个工作日：全程总工期（含前期准备和验收）" in flat and squeeze("同样的审批串联") in flat
    assert "个工作日：政府审批时间（关键路径上的承诺时限）" in flat and "个工作日：启动至取得施工许可" in flat
    # the answers as the questionnaire words them: question texts and option labels
    project_type = RULES.questions["project_type"]
    assert project_type.text in flat and squeeze(project_type.label_of("warehouse")) in flat
    assert "12000m²" in flat  # a number with its unit


@needs_poppler
def test_flowchart_gantt_and_checklist_pages_show_their_content(warehouse):
    plan, path = warehouse
    pages = page_texts(path)
    flow = squeeze(pages[1])
    assert "关键路径" in flow
    for lane in ("立项用地规划许可", "施工许可", "水电气热报装"):
        assert lane in flow  # the swimlanes are labelled (wrapped labels are squeezed back together)
    gantt = [squeeze(t) for t in pages if "进度计划（甘特图）" in t]
    joined = "".join(gantt)
    assert "拿地日2026年9月15日" in joined and "2026年9月" in joined and "法定节假日" in joined
    checklist = [t for t in pages[1:] if "审批事项清单" in t or "需准备的材料" in t or "不适用的原因" in t]
    assert checklist
    for text in checklist:  # the table header is repeated on every checklist page
        assert ("事项 办理部门 办理方式 工作日 计划日期 需准备的材料 依据" in text) or ("不适用的原因" in text)
    everything = squeeze("".join(checklist))
    for item in plan["items"]:
        for material in item["materials"]:
            assert squeeze(material["name"]) in everything
        for basis in item["basis"]:
            assert appears_wrapped(squeeze(basis), everything), basis


@needs_poppler
def test_cover_and_flowchart_render_to_png(warehouse, tmp_path):
    from PIL import Image

    plan, path = warehouse
    for page in (1, 2):  # the cover, the first flowchart page
        prefix = tmp_path / f"page{page}"
        subprocess.run(["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-png", "-singlefile", str(path),
                        str(prefix)], check=True, capture_output=True)
        png = prefix.with_suffix(".png")
        assert png.exists() and png.stat().st_size > 10_000
        image = Image.open(png).convert("RGB")
        w, h = image.size
        assert w > h > 300  # landscape
        raw = image.tobytes()
        pixels = list(zip(raw[0::3], raw[1::3], raw[2::3]))
        ink = sum(1 for r, g, b in pixels if r + g + b < 600)
        assert ink > 0.01 * len(pixels)  # not a blank page
        if page == 2:  # the critical path is drawn in red
            red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)
            assert red > 200


def test_cid_font_fallback_makes_a_pdf_too(tmp_path):
    font = pdf_font(CID_FALLBACK)
    assert font.name == CID_FALLBACK and not font.embedded
    data = plan_pdf(warehouse_plan(None), RULES, PdfOptions(project_name="仓库", font=CID_FALLBACK))
    assert data.startswith(b"%PDF-") and b"STSong-Light" in data


def test_font_search_skips_unusable_fonts(monkeypatch, tmp_path):
    bogus = tmp_path / "not-a-font.ttf"
    bogus.write_bytes(b"nonsense")
    monkeypatch.setenv(FONT_ENV, f"{bogus},0")
    font = pdf_font()
    assert any(str(bogus) in r for r in font.rejected)
    assert font.name  # fell back to a TrueType font found on the machine, or STSong-Light
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "missing.ttf"))
    assert any("no such file" in r for r in pdf_font().rejected)


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc").exists(), reason="no wqy-zenhei")
def test_truetype_font_is_embedded(warehouse):
    font = pdf_font()
    if font.source.startswith("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"):
        assert font.embedded
        assert b"FontFile2" in warehouse[1].read_bytes()  # an embedded TrueType subset


def test_pdf_for_a_plan_without_rules_or_land_date():
    plan = warehouse_plan(None)
    data = plan_pdf(plan)  # stages from the items, the default calendar, no answers, no QR
    assert data.startswith(b"%PDF-")


@pytest.mark.parametrize("text", ["国有建设用地使用权招拍挂出让（公告至成交确认）", "Power supply plan 2026-09-15", "短"])
def test_fit_never_overflows(text):
    font = pdf_font().name
    for width in (20, 45, 80, 200):
        for lines in (1, 2, 3):
            fitted = _fit(text, width, font, 8, lines)
            assert len(fitted) <= lines
            assert all(_width(line, font, 8) <= width + 1e-6 for line in fitted)


# --------------------------------------------------------------------------
# flowchart pagination: no overlaps, nothing outside the page


def check_tiles(layout: FlowLayout, tiles: list[FlowTile], area=FLOW_AREA, page=FLOW_PAGE) -> None:
    ax, ay, aw, ah = area
    eps = 1e-6
    assert tiles, "a plan with items has at least one flowchart page"
    seen: dict[str, int] = {}
    for tile in tiles:
        assert 0 < tile.scale <= 1.0 + eps
        # the tile (labels + lanes) lies inside the drawing area, which lies inside the page
        assert ax - eps <= tile.left and tile.left + tile.width <= ax + aw + eps
        assert tile.top <= ay + ah + eps and tile.top - tile.height >= ay - eps
        assert 0 <= ax and ax + aw <= page[0] and 0 <= ay and ay + ah <= page[1]
        rects = []
        for code in tile.codes:
            assert code not in seen, f"{code} on two pages"
            seen[code] = tile.index
            x, y, w, h = tile.box_rect(layout.boxes[code])
            assert w > 0 and h > 0
            rx, ry, rw, rh = tile.region
            assert rx - eps <= x and x + w <= rx + rw + eps and ry - eps <= y and y + h <= ry + rh + eps
            assert ax - eps <= x and x + w <= ax + aw + eps and ay - eps <= y and y + h <= ay + ah + eps
            rects.append((code, x, y, w, h))
        for i, (a, ax_, ay_, aw_, ah_) in enumerate(rects):
            for b, bx, by, bw, bh in rects[i + 1:]:
                overlap_x = min(ax_ + aw_, bx + bw) - max(ax_, bx)
                overlap_y = min(ay_ + ah_, by + bh) - max(ay_, by)
                assert overlap_x <= eps or overlap_y <= eps, f"{a} overlaps {b}"
    assert set(seen) == set(layout.boxes), "every box is on exactly one page"


CASES = [c for c in load_cases(ROOT / "rules" / "tests") if "error_fields" not in c.expect]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case_plans_fit_their_pages(case):
    plan = make_plan(RULES, case.answers, case.options).to_json()
    layout, tiles = flowchart_pages(plan, STAGES)
    check_tiles(layout, tiles)


@few
@given(data=st.data(), land=st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))))
def test_any_plan_of_the_rule_base_fits_its_pages(data, land):
    answers = data.draw(valid_answers(RULES))
    plan = make_plan(RULES, answers, PlanOptions(land_date=land, today=dt.date(2026, 1, 5))).to_json()
    layout, tiles = flowchart_pages(plan, STAGES)
    check_tiles(layout, tiles)


def random_plan(n: int, seed: int, span: int = 14, max_preds: int = 3) -> dict:
    """A plan-shaped dict over a random DAG of ``n`` items, with long names too."""
    lanes = [(s["code"], s["name"]) for s in STAGES] + [("utility", "水电气热报装")]
    return strategies.random_plan(n, seed, lanes, span, max_preds, long_names=True)


@few
@given(n=st.integers(1, 200), seed=st.integers(0, 10_000), span=st.integers(1, 40))
def test_random_graphs_of_up_to_200_items_fit_their_pages(n, seed, span):
    plan = random_plan(n, seed, span)
    layout, tiles = flowchart_pages(plan, STAGES)
    check_tiles(layout, tiles)


def test_a_200_item_plan_is_cut_into_readable_pages():
    plan = random_plan(200, 3)
    layout, tiles = flowchart_pages(plan, STAGES)
    check_tiles(layout, tiles)
    assert len(tiles) > 1 and min(t.scale for t in tiles) >= 0.66


@few
@given(n=st.integers(1, 120), seed=st.integers(0, 1000), w=st.floats(150, 1200), h=st.floats(100, 800))
def test_tiles_fit_any_area_even_a_tiny_one(n, seed, w, h):
    layout = flowchart_layout(random_plan(n, seed), STAGES, FLOW_STYLE)
    area = (10.0, 10.0, w, h)
    check_tiles(layout, flowchart_tiles(layout, area), area, (w + 20, h + 20))


@needs_poppler
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(n=st.integers(60, 200), seed=st.integers(0, 1000))
def test_a_large_random_plan_makes_a_complete_pdf(tmp_path, n, seed):
    plan = random_plan(n, seed)
    path = tmp_path / f"random-{n}-{seed}.pdf"
    path.write_bytes(plan_pdf(plan, RULES, PdfOptions(project_name="随机计划")))
    pages = page_texts(path)
    _, tiles = flowchart_pages(plan, STAGES)
    assert len(pages) >= 1 + len(tiles) + 2
    assert sum("审批流程图" in t for t in pages) == len(tiles)
    text = squeeze("".join(pages))
    for item in plan["items"]:
        assert squeeze(item["name"]) in text


# --------------------------------------------------------------------------
# the API route, the plan page's link, the command line


def make_project(app, user_id: int, name: str = "滨海智能仓库") -> int:
    from coordinator.accounts.models import User
    from coordinator.extensions import db
    from coordinator.projects.service import create_project

    with app.app_context():
        project = create_project(db.session.get(User, user_id), name, example_answers("warehouse"), LAND, today=TODAY)
        return project.id


def test_owner_downloads_the_pdf(app, client, users):
    project_id = make_project(app, users["owner"])
    login(client, "owner")
    response = client.get(f"/api/v1/projects/{project_id}/plan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename" in disposition and ".pdf" in disposition
    assert "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_officers_of_the_project_and_admins_get_the_pdf_too(app, client, users, who):
    project_id = make_project(app, users["owner"])
    login(client, who)
    response = client.get(f"/api/v1/projects/{project_id}/plan.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_pdf_with_a_bearer_token(app, client, users):
    project_id = make_project(app, users["owner"])
    token = client.post("/api/v1/tokens", json={"username": "owner", "password": PASSWORD}).get_json()["token"]
    response = client.get(f"/api/v1/projects/{project_id}/plan.pdf", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


@pytest.mark.parametrize("who", ["other_owner", "utility"])
def test_pdf_of_someone_elses_project_is_404(app, client, users, who):
    project_id = make_project(app, users["owner"])
    login(client, {"other_owner": "owner2", "utility": "utility"}[who])
    response = client.get(f"/api/v1/projects/{project_id}/plan.pdf")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert client.get(f"/api/v1/projects/{project_id + 1000}/plan.pdf").status_code == 404


def test_pdf_needs_authentication(app, client, users):
    project_id = make_project(app, users["owner"])
    response = client.get(f"/api/v1/projects/{project_id}/plan.pdf")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_pdf_route_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/projects/{project_id}/plan.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
    assert {"401", "404"} <= set(operation["responses"])
    assert {"bearerAuth": []} in operation["security"]


@needs_poppler
def test_served_pdf_is_the_projects_plan(app, client, users, tmp_path):
    project_id = make_project(app, users["owner"], name="南港物流园")
    login(client, "owner")
    path = tmp_path / "served.pdf"
    path.write_bytes(client.get(f"/api/v1/projects/{project_id}/plan.pdf").data)
    cover = squeeze(page_texts(path)[0])
    assert "南港物流园" in cover and "业主一" in cover  # the project and its owner's display name
    assert f"/owner/projects/{project_id}" in cover  # the QR code's target, printed under it


@pytest.mark.parametrize("lang,label", [("zh", "下载PDF"), ("en", "Download PDF")])
def test_plan_page_links_to_the_pdf(app, client, users, lang, label):
    project_id = make_project(app, users["owner"])
    login(client, "owner")
    body = client.get(f"/owner/projects/{project_id}?lang={lang}").get_data(as_text=True)
    assert f'href="/api/v1/projects/{project_id}/plan.pdf"' in body
    assert label in body
    assert client.get(f"/api/v1/projects/{project_id}/plan.pdf").status_code == 200  # the session works


@needs_poppler
def test_cli_writes_a_valid_pdf(tmp_path):
    answers = tmp_path / "warehouse.json"
    answers.write_text(json.dumps(example_answers("warehouse"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "plan.pdf"
    coordinator = Path(sys.executable).parent / "coordinator"
    result = subprocess.run([str(coordinator), "plan", str(answers), "--today", TODAY.isoformat(),
                             "--land-date", LAND.isoformat(), "--format", "text", "--pdf", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("拿地即开工：适用")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 4
    text = squeeze(pdf_text(out, "-raw"))
    for item in warehouse_plan()["items"]:
        assert squeeze(item["name"]) in text


def test_benchmark_builds_a_plan_of_about_200_items():
    """benchmarks/pdf.py cannot silently rot: its large plan is what it claims."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("benchmarks_pdf_under_test", ROOT / "benchmarks" / "pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plan, rules = module.large_plan()
    assert 180 <= len(plan["items"]) <= 220
    data = plan_pdf(plan, rules)
    assert module.pages(data) > 5 and data.startswith(b"%PDF-")


def test_the_cover_qr_code_reads_back_as_the_project_url(tmp_path):
    """The cover's QR code: finder patterns at the top-left, top-right and
    bottom-left corners, and a real decoder (zbarimg) reads the project URL
    from the rendered page."""
    from coordinator.rendering.pdf.cover import qr_modules

    modules = qr_modules(URL)
    n = len(modules)
    for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):  # the 7×7 finder patterns: dark ring, light ring, dark core
        assert all(modules[r][c + i] and modules[r + 6][c + i] for i in range(7))
        assert not modules[r + 1][c + 1] and modules[r + 3][c + 3]
    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg or pdftoppm is not installed")
    pdf = tmp_path / "cover.pdf"
    pdf.write_bytes(plan_pdf(warehouse_plan(), RULES, PdfOptions(project_name="滨海智能仓库", url=URL)))
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "200", "-png", str(pdf), str(tmp_path / "cover")],
                   check=True)
    png = next(tmp_path.glob("cover*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert decoded.stdout.strip() == URL
