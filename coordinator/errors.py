"""Error pages for people (the API answers errors in JSON, see
``extensions.CoordinatorApi``): a page that reads nothing from the
database, so that it renders while the database is down."""
from __future__ import annotations

from flask import g, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .extensions import login_manager



def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请返回检查后重试。")),
        403: (_("无权访问"), _("您的账号没有访问此页面的权限。")),
        404: (_("页面不存在"), _("找不到您要访问的页面或事项。")),
        405: (_("请求有误"), _("提交的内容无法处理，请返回检查后重试。")),
        409: (_("状态已变化"), _("该事项刚刚被其他人处理，请刷新页面查看最新状态。")),
        413: (_("内容过大"), _("上传或提交的内容超过了允许的大小。")),
        429: (_("请求过于频繁"), _("请稍后再试。")),
    }


def error_page(error: HTTPException):
    """The page for ``error`` with its status (and headers, e.g. ``Retry-After``)."""
    code = error.code or 500
    if code >= 500:
        title, message = _("服务暂时不可用"), _("系统暂时无法处理您的请求，请稍后再试。我们已记录该问题。")
    else:
        title, message = _titles().get(code, (_("请求有误"), _("提交的内容无法处理，请返回检查后重试。")))
    if "_login_user" not in g:
        # Flask-Login's template context loads the user (a query) when no view
        # did; the page shows nobody's data, so it does not need one.
        g._login_user = login_manager.anonymous_user()
    headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")}
    return render_template("error.html", code=code, title=title, message=message), code, headers
