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
    saved = plan.serial_working_days - plan.total_working_days
    out.append(
        f"总工期：{plan.total_working_days} 个工作日（{plan.start_date} 至 {plan.end_date}）；"
        f"串联办理需 {plan.serial_working_days} 个工作日，并联审批节省 {saved} 个工作日"
    )
    out.append("关键路径：" + " → ".join(plan.item(c).item.name for c in plan.critical_path))
    for stage in sorted(rules.stages.values(), key=lambda s: s.order):
        rows = [p for p in plan.items if p.item.stage == stage.code]
        if not rows:
            continue
        out.append("")
        out.append(f"【{stage.name}】")
        for p in rows:
            dept = rules.departments[p.item.department].name if p.item.department else "—"
            mark = "★" if p.critical else " "
            dates = f"{p.start}" if p.start == p.finish else f"{p.start} 至 {p.finish}"
            out.append(f"{mark} {p.item.name}（{p.code}）")
            out.append(f"    {dept}｜{MODE_NAMES.get(p.mode, p.mode)}｜{p.days} 个工作日｜{dates}"
                       + (f"｜机动 {p.slack} 天" if p.slack else ""))
            if p.item.materials:
                out.append("    材料：" + "；".join(m.name + ("" if m.essential else "（可容缺）") for m in p.item.materials))
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
}
