"""Properties of the flowchart layout, for every plan the rule base can make
and for big random dependency graphs (hypothesis)."""
import datetime as dt

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from coordinator.planning import PlanOptions, load_rule_base, make_plan
from coordinator.rendering.layout import FlowLayout, flowchart_layout, text_width, wrap_text

from tests.strategies import random_plan, valid_answers

RULES = load_rule_base()
TODAY = dt.date(2026, 1, 5)
STAGES = [
    ("pre_land", "拿地前准备（土地供应）"),
    ("land_use_planning", "立项用地规划许可"),
    ("works_planning", "工程建设许可"),
    ("construction_licensing", "施工许可"),
    ("completion_acceptance", "竣工验收"),
    ("utility", "水电气热报装"),
]

land_dates = st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
few = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan_json(answers, land_date=None, commitment=True):
    return make_plan(RULES, answers, PlanOptions(land_date=land_date, today=TODAY, commitment=commitment)).to_json()


def synthetic_plan(n: int, seed: int, span: int = 12, max_preds: int = 3) -> dict:
    """A plan-like dict over a random DAG of ``n`` items spread over the stages."""
    return random_plan(n, seed, STAGES, span, max_preds)


# --------------------------------------------------------------------------
# geometry helpers


def _overlap(a0, a1, b0, b1) -> float:
    return min(a1, b1) - max(a0, b0)


def boxes_overlap(a, b) -> bool:
    return _overlap(a.x, a.right, b.x, b.right) > 0 and _overlap(a.y, a.bottom, b.y, b.bottom) > 0


def segment_enters(p, q, box) -> bool:
    """Whether the axis-parallel segment p–q has points strictly inside ``box``."""
    (x0, y0), (x1, y1) = p, q
    eps = 1e-6
    if y0 == y1:
        return box.y + eps < y0 < box.bottom - eps and _overlap(min(x0, x1), max(x0, x1), box.x, box.right) > eps
    return box.x + eps < x0 < box.right - eps and _overlap(min(y0, y1), max(y0, y1), box.y, box.bottom) > eps


def collinear_overlap(s, t) -> bool:
    (a0, a1), (b0, b1) = s, t
    if a0[1] == a1[1] == b0[1] == b1[1]:
        return _overlap(min(a0[0], a1[0]), max(a0[0], a1[0]), min(b0[0], b1[0]), max(b0[0], b1[0])) > 1e-6
    if a0[0] == a1[0] == b0[0] == b1[0]:
        return _overlap(min(a0[1], a1[1]), max(a0[1], a1[1]), min(b0[1], b1[1]), max(b0[1], b1[1])) > 1e-6
    return False


def check_layout(plan: dict, layout: FlowLayout, reduced: bool = True) -> None:
    items = {it["code"]: it for it in plan["items"]}
    boxes = layout.boxes
    assert set(boxes) == set(items)
    box_list = list(boxes.values())

    # boxes: inside the picture, in their stage's lane, never overlapping
    for box in box_list:
        assert 0 <= box.x and box.right <= layout.width, box
        assert 0 <= box.y and box.bottom <= layout.height, box
        lane = layout.lanes[box.lane]
        assert lane.code == items[box.code]["stage"]
        assert lane.y <= box.y and box.bottom <= lane.bottom
        assert lane.x + lane.label_width <= box.x and box.right <= lane.x + lane.width
        assert 0 <= box.row < lane.rows
        assert box.shape == ("diamond" if items[box.code]["kind"] == "milestone" else "rect")
    for i, a in enumerate(box_list):
        for b in box_list[i + 1:]:
            assert not boxes_overlap(a, b), (a.code, b.code)

    # lanes: stage order, utility last, stacked without overlap
    codes = [lane.code for lane in layout.lanes]
    order = [c for c, _ in STAGES]
    assert codes == sorted(codes, key=order.index)
    for upper, lower in zip(layout.lanes, layout.lanes[1:]):
        assert upper.bottom <= lower.y
    assert {lane.code for lane in layout.lanes} == {it["stage"] for it in items.values()}

    # columns: after every prerequisite
    for code, it in items.items():
        for req in it["requires"]:
            assert boxes[code].column > boxes[req].column, (req, code)

    # edges: from the source's right side to the target's left side, orthogonal,
    # never through a box, never on top of an unrelated edge
    required = {(req, code) for code, it in items.items() for req in it["requires"]}
    drawn = {(e.source, e.target) for e in layout.edges}
    assert len(drawn) == len(layout.edges)
    assert drawn <= required
    if reduced:
        g = nx.DiGraph(list(drawn))
        g.add_nodes_from(items)
        for a, b in required:
            assert nx.has_path(g, a, b), (a, b)
    else:
        assert drawn == required
    path = plan["critical_path"]
    pairs = set(zip(path, path[1:]))
    assert pairs & required <= drawn
    for edge in layout.edges:
        assert edge.critical == ((edge.source, edge.target) in pairs)
        a, b = boxes[edge.source], boxes[edge.target]
        (sx, sy), (tx, ty) = edge.points[0], edge.points[-1]
        assert sx == pytest.approx(a.right) and a.y < sy < a.bottom, edge
        assert tx == pytest.approx(b.x) and b.y < ty < b.bottom, edge
        assert edge.points[-2][1] == ty and edge.points[-2][0] < tx, "arrives from the left"
        for p, q in edge.segments:
            assert p[0] == q[0] or p[1] == q[1], ("not orthogonal", edge)
            for box in box_list:
                assert not segment_enters(p, q, box), (edge.source, edge.target, "through", box.code)
            assert 0 <= min(p[0], q[0]) and max(p[0], q[0]) <= layout.width
            assert 0 <= min(p[1], q[1]) and max(p[1], q[1]) <= layout.height
    for i, e in enumerate(layout.edges):
        for f in layout.edges[i + 1:]:
            if e.source == f.source or e.target == f.target:
                continue  # a shared trunk from one box or into one box is intended
            for s in e.segments:
                for t in f.segments:
                    assert not collinear_overlap(s, t), ((e.source, e.target), (f.source, f.target), s, t)


# --------------------------------------------------------------------------
# plans the rule base makes


@few
@given(valid_answers(RULES), land_dates, st.booleans())
def test_layout_of_any_plan(answers, land_date, commitment):
    plan = plan_json(answers, land_date, commitment)
    check_layout(plan, flowchart_layout(plan, RULES.stages))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_answers(RULES), land_dates)
def test_layout_with_every_requirement_drawn(answers, land_date):
    plan = plan_json(answers, land_date)
    check_layout(plan, flowchart_layout(plan, RULES.stages, transitive_reduction=False), reduced=False)


def test_stage_arguments_of_every_shape_give_the_same_lanes():
    answers = {
        "project_type": "warehouse", "investment": "enterprise", "land_supply": "auction",
        "in_park": True, "regional_assessment_done": True, "floor_area_m2": 12000, "building_height_m": 15,
        "fire_hazard_class": "C", "hazardous_chemicals": False, "eia_category": "none",
        "annual_energy_tce": 100, "district": "滨海新区",
        "utilities": {"water": True, "power": True, "gas": False, "heat": False, "power_kva": 100},
    }
    plan = plan_json(answers, dt.date(2026, 9, 15))
    expected = [(lane.code, lane.name) for lane in flowchart_layout(plan, RULES.stages).lanes]
    assert expected[-1][0] == "utility"
    for stages in (RULES, list(RULES.stages.values()), [{"code": c, "name": s.name} for c, s in RULES.stages.items()], None):
        assert [(lane.code, lane.name) for lane in flowchart_layout(plan, stages).lanes] == expected
    # a list with utility first still puts the utility lane last
    codes = ["utility"] + [c for c in RULES.stages if c != "utility"]
    assert [lane.code for lane in flowchart_layout(plan, codes).lanes] == [c for c, _ in expected]


# --------------------------------------------------------------------------
# random graphs


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 200), st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(0, 4))
def test_layout_of_random_graphs(n, seed, span, max_preds):
    plan = synthetic_plan(n, seed, span, max_preds)
    check_layout(plan, flowchart_layout(plan, [{"code": c, "name": name} for c, name in STAGES]))


@pytest.mark.parametrize("seed", range(3))
def test_layout_of_big_graphs(seed):
    plan = synthetic_plan(200, seed, span=25, max_preds=3)
    layout = flowchart_layout(plan, [c for c, _ in STAGES], transitive_reduction=seed == 0)
    check_layout(plan, layout, reduced=seed == 0)


def test_empty_plan_and_single_item():
    assert flowchart_layout({"items": [], "critical_path": []}, None).boxes == {}
    plan = synthetic_plan(1, 0)
    layout = flowchart_layout(plan, None)
    check_layout(plan, layout)
    assert layout.columns == 1 and not layout.edges


def test_a_cycle_is_refused():
    plan = synthetic_plan(3, 0)
    plan["items"][0]["requires"] = ["n2"]
    plan["items"][2]["requires"] = ["n0"]
    with pytest.raises(ValueError, match="cycle"):
        flowchart_layout(plan, None)


# --------------------------------------------------------------------------
# text measuring


@given(st.text(min_size=0, max_size=60), st.floats(40, 300), st.integers(1, 4))
def test_wrapped_lines_fit(text, width, max_lines):
    lines = wrap_text(text, width, 12, max_lines)
    assert len(lines) <= max_lines
    for line in lines:
        assert text_width(line, 12) <= width or len(line) <= 2


def test_wrap_keeps_brackets_and_balances_lines():
    assert wrap_text("拿地前准备（土地供应）", 106, 13, 3) == ["拿地前准备", "（土地供应）"]
    assert wrap_text("建设项目环境影响登记表备案", 160, 12.5) == ["建设项目环境影", "响登记表备案"]
    assert wrap_text("一" * 40, 100, 10, 2)[-1].endswith("…")
