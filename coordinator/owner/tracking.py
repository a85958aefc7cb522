"""Owner pages of tracking: submit and resubmit items, rate approved ones
(好差评); the progress table of the plan page comes from :func:`item_progress`."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden, NotFound
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..intermediaries import service as intermediaries
from ..intermediaries.service import NotTheOwner
from ..planning import limits
from ..servicerequests.service import RequestConflict, RequestNotFound
from ..tracking import service
from ..tracking.lifecycle import TransitionError
from . import blueprint
from .views import for_owner_required, owner_required


class RatingForm(FlaskForm):
    score = RadioField(_l("评分"), choices=[SelectChoice(str(n), str(n)) for n in range(5, 0, -1)], validators=[DataRequired()])
    comment = TextAreaField(_l("评价"), validators=[Optional(), Length(max=limits.NOTE)])


@blueprint.app_template_global()
def item_progress(project):
    """The owner's progress table of ``project`` (states, actions, planned vs projected dates)."""
    return service.progress_of(project, current_user._get_current_object())


@blueprint.app_template_filter()
def warning_text(warning: str) -> str:
    """A plan warning in the reader's language (the plan JSON keeps them in Chinese)."""
    fallback = re.fullmatch(r"(\d{4}) 年的法定节假日和调休安排尚未录入，按周一至周五计算工作日，日期可能有偏差", warning)
    if fallback:
        return _("%(year)s 年的法定节假日和调休安排尚未录入，按周一至周五计算工作日，日期可能有偏差", year=fallback[1])
    return warning


@blueprint.app_template_global()
def department_name(code: str) -> str:
    """The department's name in the reader's language (the code when the rule base has no such department)."""
    from .. import _pick
    from ..governance.service import current_rules

    dept = current_rules().departments.get(code)
    return _pick(dept.name, dept.name_en) if dept else code


@blueprint.app_template_global()
def prerequisites_text(plan: dict, codes: list[str]) -> str:
    """The items ``codes`` of the plan JSON with their departments, in the
    reader's language: "建设工程设计方案审查（市规划和自然资源局滨海新区分局）、…"."""
    from .. import _pick

    entries = {i["code"]: i for i in plan.get("items", [])}
    out = []
    for code in codes:
        entry = entries.get(code, {"name": code, "department": ""})
        name = _pick(entry["name"], entry.get("name_en", ""))
        out.append(_("%(item)s（%(department)s）", item=name, department=department_name(entry["department"]))
                   if entry["department"] else name)
    return _("、").join(out)


@blueprint.app_template_global()
def rating_form(item_id: int, prefix: str = "rate") -> RatingForm:
    """The rating form of an approved item (or, with ``prefix`` "agency", of a delivered report)."""
    return RatingForm(prefix=f"{prefix}{item_id}")


def _back(item_id: int):
    try:
        item = service.item_for(current_user._get_current_object(), item_id)
    except (NotFound, Forbidden):
        abort(404)
    return redirect(url_for("owner.project", project_id=item.project_id, _anchor=f"item-{item_id}"), code=303)


@blueprint.route("/items/<int:item_id>/submit", methods=["POST"])
@for_owner_required
def submit_item(item_id: int):
    """Submit (or, after a return, resubmit) an item to its department."""
    back = _back(item_id)
    try:
        service.transition(current_user._get_current_object(), item_id, "submitted")
    except NotFound:
        abort(404)
    except TransitionError as exc:
        if exc.code == "prerequisites_pending":
            flash(_("前置事项尚未办结：%(items)s", items=prerequisites_text(
                service.item_for(current_user._get_current_object(), item_id).plan.plan,
                exc.fields.get("requires", []))), "error")
        elif exc.code == "materials_missing":
            flash(_("请先提交以下材料：%(items)s", items="、".join(
                [*exc.fields.get("materials", []), *exc.fields.get("files", [])])), "error")
        else:
            flash(_("该事项当前不能申报。"), "error")
        return back
    flash(_("已申报，等待部门受理。"), "success")
    return back


@blueprint.route("/items/<int:item_id>/rating", methods=["POST"])
@owner_required
def rate_item(item_id: int):
    """Rate an approved item once: 1–5 and a comment."""
    back = _back(item_id)
    form = RatingForm(prefix=f"rate{item_id}")
    if not form.validate_on_submit():
        flash(_("请选择 1–5 分。"), "error")
        return back
    try:
        service.rate(current_user._get_current_object(), item_id, int(form.score.data), form.comment.data or "")
    except NotFound:
        abort(404)
    except TransitionError:
        flash(_("该事项不能评价或已评价。"), "error")
        return back
    flash(_("感谢您的评价。"), "success")
    return back


@blueprint.route("/service-requests/<int:request_id>/rating", methods=["POST"])
@owner_required
def rate_agency(request_id: int):
    """Rate the agency of a delivered report once (好差评): 1–5 and a comment."""
    form = RatingForm(prefix=f"agency{request_id}")
    try:
        project_id = intermediaries.owner_request(current_user._get_current_object(), request_id).project_id
        if not form.validate_on_submit():
            flash(_("请选择 1–5 分。"), "error")
        else:
            intermediaries.rate(request_id, current_user._get_current_object(), int(form.score.data),
                                form.comment.data or "")
            flash(_("感谢您的评价。"), "success")
    except RequestNotFound:
        abort(404)
    except NotTheOwner:
        abort(403)
    except RequestConflict:
        flash(_("该服务尚未交付或已评价。"), "error")
    return redirect(url_for("owner.project", project_id=project_id, _anchor=f"service-request-{request_id}"),
                    code=303)
