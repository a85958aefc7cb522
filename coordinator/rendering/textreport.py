"""The plan as a readable checklist, grouped by stage (``--format text``)."""
from __future__ import annotations

from ..planning.planner import Plan


def render_text(plan: Plan) -> str:
    """A plain-text checklist: verdict, totals, then items stage by stage."""
    rules = plan.rules
    out: list[str] = []
    verdict = "适用" if plan.eligibility.eligible else "不适用"
    out.append(f"拿地即开工：{verdict}")
    out += [f"  - {r}" for r in plan.eligibility.reasons]
    if plan.land_date:
        out.append(f"拿地日期：{plan.land_date}（需提前 {plan.days_before_land} 个工作日启动，{plan.start_date} 开始）")
    else:
        out.append(f"开始日期：{plan.start_date}")
    out.append(
        f"全程总工期：{plan.total_working_days} 个工作日（{plan.start_date} 至 {plan.end_date}，"
        f"从第一步到最后一步，含前期准备{'、施工' if plan.construction_working_days else ''}和验收）"
    )
    out.append(f"政府审批时间：{plan.government_working_days} 个工作日（关键路径上各审批事项的承诺时限之和）")
    if plan.to_permit_working_days is not None:
        out.append(f"启动至取得施工许可：{plan.to_permit_working_days} 个工作日")
    out.append(
        f"并联审批：这些审批事项逐项串联办理需 {plan.serial_working_days} 个工作日，"
        f"并联办理 {plan.parallel_review_working_days} 个工作日，节省 {plan.saved_working_days} 个工作日"
    )
    if plan.construction_working_days:
        out.append(f"施工工期：{plan.construction_working_days} 个工作日（开工至竣工）")
    else:
        out.append("施工工期：未填写，竣工验收阶段的日期不含施工时间")
    out.append("关键路径：" + " → ".join(plan.item(c).item.name for c in plan.critical_path))
    for notice in plan.notices:
        out.append(f"【{notice['title']}】{notice['text']}")
        if notice["basis"]:
            out.append("  依据：" + "；".join(notice["basis"]))
    for stage in sorted(rules.stages.values(), key=lambda s: s.order):
        rows = [p for p in plan.items if p.item.stage == stage.code]
        if not rows:
            continue
        out.append("")
        out.append(f"【{stage.name}】")
        for p in rows:
            dept = rules.departments[p.department].name if p.department else PARTY_NAMES.get(
                (p.item.party, p.item.service), PARTY_NAMES.get((p.item.party, None), "—"))
            mark = "★" if p.critical else " "
            dates = f"{p.start}" if p.start == p.finish else f"{p.start} 至 {p.finish}"
            out.append(f"{mark} {p.item.name}（{p.code}）")
            out.append(f"    {dept}｜{MODE_NAMES.get(p.mode, p.mode)}｜{p.days} 个工作日｜{dates}"
                       + (f"｜机动 {p.slack} 天" if p.slack else ""))
            if p.materials:
                out.append("    材料：" + "；".join(m.name + ("" if m.essential else "（可容缺）") for m in p.materials))
            if p.because:
                out.append("    依据：" + "；".join(p.because))
    if plan.warnings:
        out.append("")
        out.append("提示：")
        out += [f"  ! {w}" for w in plan.warnings]
    return "\n".join(out) + "\n"


MODE_NAMES = {
    "standard": "常规办理",
    "commitment": "告知承诺",
    "land_day": "拿地当天核发",
    "milestone": "节点",
    "preparation": "前期准备",
}

# Who does a preparation item (kind preparation), in words.
PARTY_NAMES = {
    ("owner", None): "建设单位（委托设计单位）",
    ("intermediary", None): "中介机构",
    ("intermediary", "eia"): "中介机构（环评）",
    ("intermediary", "energy"): "中介机构（节能评估）",
    ("intermediary", "soil_water"): "中介机构（水土保持）",
    ("intermediary", "safety_evaluation"): "中介机构（安全评价）",
    ("intermediary", "survey"): "中介机构（测绘）",
}
