"""Who may act on a project: the one place that answers it.

Every service that lets a user act as a project's owner (submit items,
upload, award, rate, revise answers) asks ``acts_for_owner``; the accounts,
companies and 帮办代办 rules extend this module, not the callers.

A project belongs to its company (建设单位): every member of the company
acts for it, whoever created it.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false

from ..accounts.models import User
from .models import Project


def acts_for_owner(user: User, project: Project) -> bool:
    """True when ``user`` may act on ``project`` as its owner: a member of its company."""
    return user.company_id is not None and project.company_id == user.company_id


def acted_for_by(user: User) -> ColumnElement[bool]:
    """The SQL condition on :class:`Project` matching the projects ``user`` acts for."""
    return Project.company_id == user.company_id if user.company_id is not None else false()
