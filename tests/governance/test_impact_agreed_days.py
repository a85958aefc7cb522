"""The impact preview and the stale check plan a project as it really is
planned: with the working days agreed with its agencies."""
from __future__ import annotations

import datetime as dt
import re

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.governance import impact as governance_impact
from coordinator.governance import service as governance
from coordinator.intermediaries.award import award
from coordinator.intermediaries.models import IntermediaryRequest
from coordinator.intermediaries.service import submit_quote
from coordinator.projects.models import Project
from tests.conftest import example_answers
from tests.hookups.hookup_fixtures import file_project
from tests.intermediaries.intermediary_fixtures import agency


def test_the_preview_counts_the_agreed_days_and_an_awarded_project_is_not_replanned_for_nothing(app, users):
    today = dt.date.today()
    with app.app_context():
        agency_user = agency("agency_a", "甲环评公司")
        project_id = file_project(users["owner"], example_answers("chemical_plant"), today=today)
        eia = db.session.scalar(db.select(IntermediaryRequest).where(
            IntermediaryRequest.project_id == project_id, IntermediaryRequest.service == "eia"))
        quote = submit_quote(eia.id, db.session.get(User, agency_user), 80000, 25, today=today)
        award(eia.id, db.session.get(User, users["owner"]), quote.id, today=today)
        project = db.session.get(Project, project_id)
        total = project.current_plan.total_working_days

        # A new version that changes nothing a project plans.
        admin = db.session.get(User, users["admin"])
        files = dict(governance.current_bundle())
        files["rulebase.yaml"] = re.sub(r"(?m)^version: .*$", "version: 2099.1-test", files["rulebase.yaml"])
        draft = governance.create_draft(admin, files, note="a new version number")
        assert [i.diff.total_before for i in governance_impact.preview_impact(draft, today=today)] == []
        governance.publish(admin, draft)
        assert governance_impact.stale_projects(today=today) == []  # as it was planned: nothing to re-plan
        assert db.session.get(Project, project_id).current_plan.total_working_days == total
