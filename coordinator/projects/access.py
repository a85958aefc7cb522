"""Who may act on a project: the one place that answers it.

Every service that lets a user act as a project's owner (submit items,
upload, award, rate, revise answers) asks ``acts_for_owner``; the accounts,
companies and 帮办代办 rules extend this module, not the callers.
"""
from __future__ import annotations

from ..accounts.models import User
from .models import Project


def acts_for_owner(user: User, project: Project) -> bool:
    """True when ``user`` may act on ``project`` as its owner."""
    return project.owner_id == user.id
