"""Recording what an agent does for an owner: one append-only row per act
("by agent X for owner Y"), shown to the owner on the project page and sent
to the owner's inbox in the same transaction."""
from __future__ import annotations

from typing import Any

from ..accounts.models import User
from ..extensions import db
from ..notifications.outbox import enqueue
from ..projects.access import is_agent_for, project_audience
from ..projects.models import Project
from .models import AgentAct

#: How each act reads in the owner's notice (Chinese, the language of record).
ACT_NAMES = {"answers": "修改项目答案", "materials": "上传材料", "submit": "申报事项", "award": "选定中介服务",
             "problem": "反映“办不成事”"}


def record_act(user: User, project: Project, act: str, summary: str, detail: dict[str, Any] | None = None) -> None:
    """When ``user`` acts on ``project`` as its agent, log the act and tell
    the owner's company (the caller commits); the owner's own acts are not logged here."""
    if not is_agent_for(user, project):
        return
    row = AgentAct(project_id=project.id, agent_id=user.id, owner_id=project.owner_id, act=act,
                   summary=summary[:500], detail=detail or {})
    db.session.add(row)
    db.session.flush()
    enqueue("agent_act", f"帮办代办员{user.display_name}代您{ACT_NAMES.get(act, act)}：{project.name}",
            f"{user.display_name}（帮办代办）代{project.owner.display_name}：{summary}",
            users=project_audience(project, agent=False), link=f"/owner/projects/{project.id}",
            payload={"project_id": project.id, "act": act, "agent": user.username, **(detail or {})},
            key=f"agent-act:{row.id}")
