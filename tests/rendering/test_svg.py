"""The Gantt and flowchart SVGs: well-formed, complete, escaped (hypothesis)."""
import datetime as dt
import re
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings, strategies as st

from coordinator.planning import WorkingCalendar
from coordinator.rendering.layout import flowchart_layout
from coordinator.owner.charts import in_english
from coordinator.rendering.svg import ENGLISH, FONT_FAMILY, flowchart_svg, gantt_svg

from tests.conftest import WAREHOUSE
from tests.strategies import valid_answers
from tests.rendering.test_layout import RULES, STAGES, land_dates, plan_json, synthetic_plan

SVG = "{http://www.w3.org/2000/svg}"
few = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("font-family") == FONT_FAMILY
    assert root.find(SVG + "title") is not None
    return root


def with_class(root: ET.Element, *names: str) -> list[ET.Element]:
    """Elements whose class attribute holds every one of ``names``."""
    return [e for e in root.iter() if set(names) <= set((e.get("class") or "").split())]


def check_gantt(plan: dict, svg: str) -> ET.Element:
    root = parse(svg)
    items = plan["items"]
    tasks = [it for it in items if it["kind"] != "milestone"]
    bars = with_class(root, "bar")
    assert len(bars) == len(tasks)
    assert {b.get("data-code") for b in bars} == {it["code"] for it in tasks}
    assert len(with_class(root, "bar", "critical")) == sum(1 for it in tasks if it["critical"])
    assert len(with_class(root, "milestone")) == len(items) - len(tasks)
    assert len(with_class(root, "row-label")) == len(items)
    for bar in bars + with_class(root, "milestone"):
        assert bar.find(SVG + "title") is not None, "every bar has a tooltip"
    land = with_class(root, "land-date")
    assert len(land) == (1 if plan.get("land_date") else 0)
    if land:
        assert land[0].get("data-date") == plan["land_date"]
    return root


def check_flowchart(plan: dict, svg: str) -> ET.Element:
    root = parse(svg)
    layout = flowchart_layout(plan, STAGES_ARG)
    nodes = with_class(root, "node")
    assert {n.get("data-code") for n in nodes} == {it["code"] for it in plan["items"]}
    assert len(with_class(root, "node", "milestone")) == sum(1 for it in plan["items"] if it["kind"] == "milestone")
    edges = with_class(root, "edge")
    assert len(edges) == len(layout.edges)
    path = plan["critical_path"]
    pairs = set(zip(path, path[1:]))
    critical = with_class(root, "edge", "critical")
    assert {(e.get("data-source"), e.get("data-target")) for e in critical} == {
        (e.source, e.target) for e in layout.edges if (e.source, e.target) in pairs
    }
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    for edge in edges:
        marker = edge.get("marker-end")
        assert marker and marker[len("url(#"):-1] in ids
    assert len(with_class(root, "lane")) == len(layout.lanes)
    return root


STAGES_ARG = [{"code": c, "name": n} for c, n in STAGES]


@few
@given(valid_answers(RULES), land_dates, st.booleans())
def test_svgs_of_any_plan(answers, land_date, commitment):
    plan = plan_json(answers, land_date, commitment)
    check_gantt(plan, gantt_svg(plan))
    check_flowchart(plan, flowchart_svg(plan, RULES.stages))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_svgs_of_random_graphs(n, seed):
    plan = synthetic_plan(n, seed)
    check_gantt(plan, gantt_svg(plan))
    check_flowchart(plan, flowchart_svg(plan, STAGES_ARG))


NASTY = '<script>alert("x")</script> & \'q\' ]]> <!-- -->'


def test_text_is_escaped():
    plan = synthetic_plan(6, 1)
    for it in plan["items"]:
        it["name"] = NASTY + it["name"]
        it["department_name"] = NASTY
        it["stage_name"] = NASTY
    plan["items"][0]["code"] = 'n0"><script>'
    for it in plan["items"]:
        it["requires"] = ['n0"><script>' if r == "n0" else r for r in it["requires"]]
    plan["critical_path"] = ['n0"><script>' if c == "n0" else c for c in plan["critical_path"]]
    plan["land_date"] = plan["start_date"]
    for svg in (gantt_svg(plan), flowchart_svg(plan, None)):
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if e.tag.endswith("script")]
        assert "<script>" not in svg
        texts = " ".join(e.text or "" for e in root.iter())
        assert '<script>alert("x")</script>' in texts, "the text survives, escaped"
        assert 'n0"><script>' in {e.get("data-code") for e in root.iter()}


def test_warehouse_plan_with_land_date():
    answers = {
        "project_type": "warehouse", "investment": "enterprise", "land_supply": "auction",
        "in_park": True, "regional_assessment_done": True, "floor_area_m2": 12000, "building_height_m": 15,
        "fire_hazard_class": "C", "hazardous_chemicals": False, "eia_category": "none",
        "annual_energy_tce": 100, "district": "滨海新区",
        "utilities": {"water": True, "power": True, "gas": False, "heat": False, "power_kva": 100},
    }
    plan = plan_json(answers, dt.date(2026, 9, 15))
    assert plan["land_date"] == "2026-09-15"
    root = check_gantt(plan, gantt_svg(plan))
    label = with_class(root, "land-date-label")[0].text
    assert "2026年9月15日" in label
    flow = check_flowchart(plan, flowchart_svg(plan, RULES.stages))
    lane_names = [t.text for t in with_class(flow, "lane-label")]
    assert "施工许可" in lane_names
    assert any("个工作日" in (t.text or "") for t in with_class(flow, "days"))


def test_days_off_are_shaded_by_the_calendar():
    plan = synthetic_plan(3, 0)
    plan["start_date"], plan["end_date"] = "2026-09-28", "2026-10-12"
    for it in plan["items"]:
        it["start"], it["finish"] = "2026-09-28", "2026-10-12"
    cal = WorkingCalendar()
    shaded = set()
    for rect in with_class(parse(gantt_svg(plan, cal)), "offday"):
        day = dt.date.fromisoformat(rect.get("data-start"))
        while day <= dt.date.fromisoformat(rect.get("data-end")):
            shaded.add(day)
            day += dt.timedelta(days=1)
    every = {dt.date(2026, 9, 28) + dt.timedelta(days=k) for k in range(15)}
    assert shaded == {d for d in every if not cal.is_workday(d)}
    assert dt.date(2026, 10, 1) in shaded  # 国庆节
    assert dt.date(2026, 10, 5) in shaded  # a Monday off
    # a calendar of one's own: an extra holiday on a Tuesday
    extra = WorkingCalendar(holidays=[dt.date(2026, 9, 29)])
    days = {r.get("data-start") for r in with_class(parse(gantt_svg(plan, extra)), "offday")}
    assert "2026-09-29" in days


def test_two_flowcharts_in_one_page_have_their_own_marker_ids():
    plan = synthetic_plan(20, 3)
    a = flowchart_svg(plan, None, id_prefix="one")
    b = flowchart_svg(plan, None, id_prefix="two")
    ids_a = {e.get("id") for e in ET.fromstring(a).iter() if e.get("id")}
    ids_b = {e.get("id") for e in ET.fromstring(b).iter() if e.get("id")}
    assert ids_a and not ids_a & ids_b


def test_empty_plan():
    plan = {"items": [], "critical_path": [], "start_date": "2026-03-02", "end_date": "2026-03-02", "land_date": None}
    check_gantt(plan, gantt_svg(plan))
    check_flowchart(plan, flowchart_svg(plan, None))


CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff0c\uff1a\uff1b\u3001]")


@few
@given(valid_answers(RULES), land_dates)
def test_english_charts_carry_no_chinese(answers, land_date):
    """On English pages every word of both pictures is English: their own
    text, and the items', departments' and stages' names from the rule base."""
    plan = in_english(plan_json(answers, land_date, False), RULES)
    stages = [{"code": s.code, "name": s.name_en, "order": s.order} for s in RULES.stages.values()]
    for svg in (gantt_svg(plan, words=ENGLISH), flowchart_svg(plan, stages, words=ENGLISH)):
        root = parse(svg)
        texts = [root.get("aria-label"), *(e.text or "" for e in root.iter())]
        assert not [t for t in texts if CJK.search(t)], "Chinese left in an English chart"
    assert parse(gantt_svg(plan, words=ENGLISH)).get("aria-label").startswith("Gantt chart: ")


def test_chinese_charts_stay_chinese():
    plan = plan_json(WAREHOUSE, dt.date(2026, 3, 2), False)
    assert parse(gantt_svg(plan)).get("aria-label").startswith("甘特图：")
    assert parse(flowchart_svg(plan, STAGES_ARG)).get("aria-label").startswith("审批流程图：")
