"""The admin audit in words: what kind of object changed, what was done,
and each recorded field with its label and value, in the reader's language
(the entries store codes and JSON)."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext as _, lazy_gettext as _l

ENTITY_NAMES = {
    "rule_base_version": _l("规则版本"), "rule_item": _l("事项规则"), "rule_file": _l("规则文件"),
    "project_plan": _l("项目计划"), "calendar_day": _l("工作日历"), "organisation": _l("部门或单位"),
    "user": _l("用户"), "company": _l("企业"), "company_member": _l("企业成员"),
}
ACTION_NAMES = {
    "create_draft": _l("新建草稿"), "edit": _l("修改"), "publish": _l("发布"), "set": _l("设置"),
    "delete": _l("删除"), "replan": _l("重新编制计划"), "create": _l("新增"), "update": _l("修改"),
    "activate": _l("启用"), "deactivate": _l("停用"), "register": _l("注册"), "confirm_email": _l("确认邮箱"),
    "invite": _l("邀请"), "remove": _l("移除"), "sso_provision": _l("统一身份认证开户"),
}
FIELD_NAMES = {
    "number": _l("版本号"), "status": _l("状态"), "version": _l("规则库版本"), "digest": _l("摘要"),
    "note": _l("说明"), "errors": _l("问题数"), "cases_run": _l("规则测试数"), "cases_failed": _l("未通过的测试"),
    "code": _l("代码"), "kind": _l("类型"), "name": _l("名称"), "name_en": _l("英文名称"), "utility": _l("服务类型"),
    "districts": _l("服务区域"), "contacts": _l("联系人"), "username": _l("用户名"), "display_name": _l("姓名"),
    "role": _l("角色"), "organisation": _l("所属单位"), "active": _l("启用"), "uscc": _l("统一社会信用代码"),
    "contact_name": _l("联系人"), "members": _l("成员"), "company": _l("企业"), "email": _l("邮箱"),
    "total_working_days": _l("总工期（工作日）"), "rule_base_version": _l("规则库版本"), "added": _l("新增事项"),
    "removed": _l("取消事项"), "subject": _l("身份标识"), "department": _l("办理部门"), "days": _l("时限（工作日）"),
    "legal_days": _l("法定时限（工作日）"), "stage": _l("阶段"), "requires": _l("前置事项"), "basis": _l("依据"),
    "materials": _l("材料"), "modes": _l("办理方式"), "condition": _l("适用条件"),
}
#: Codes stored as values: organisation kinds, roles, version states, calendar days, utilities.
VALUE_NAMES = {
    "department": _l("审批部门"), "coordinator": _l("政务服务办"), "service_station": _l("政务服务站点"),
    "agency": _l("中介机构"), "owner": _l("建设单位"), "officer": _l("审批人员"), "admin": _l("政务服务办"),
    "agent": _l("帮办代办员"), "draft": _l("草稿"), "published": _l("已发布"), "superseded": _l("已被取代"),
    "holiday": _l("放假"), "workday": _l("调休上班"), "water": _l("供水"), "power": _l("供电"),
    "gas": _l("供气"), "heat": _l("供热"),
}
#: ``utility`` is both an organisation kind and a role.
VALUE_NAMES_BY_FIELD = {("kind", "utility"): _l("公用服务企业"), ("role", "utility"): _l("公用服务企业")}


def entity_name(entity: str) -> str:
    return str(ENTITY_NAMES.get(entity, entity))


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def value_text(value: Any, key: str = "") -> str:
    """A recorded value in words: yes/no, lists joined, mappings as ``label: value``."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return _("、").join(value_text(v, key) for v in value)
    if isinstance(value, Mapping):
        return _("；").join(f"{FIELD_NAMES.get(k, k)}{_('：')}{value_text(v, k)}" for k, v in value.items())
    if isinstance(value, str):
        return str(VALUE_NAMES_BY_FIELD.get((key, value)) or VALUE_NAMES.get(value, value))
    return str(value)


def audit_fields(value: Any, other: Any = None) -> list[tuple[str, str]]:
    """The ``(label, text)`` rows of a recorded state; beside another state
    (before beside after) only the fields that differ."""
    if not isinstance(value, Mapping):
        return [("", value_text(value))]
    return [(str(FIELD_NAMES.get(k, k)), value_text(v, k)) for k, v in value.items()
            if not (isinstance(other, Mapping) and k in other and other[k] == v)]
