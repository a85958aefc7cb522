"""The project JSON is the same, byte for byte, whether the stored plan is
dumped through ``PlanSchema`` field by field (as it was) or passed through as
stored (as it is now, issue 17), for every example project."""
from __future__ import annotations

import pytest
from flask import jsonify

from coordinator.api.schemas import ProjectSchema
from coordinator.extensions import db
from coordinator.projects.models import Project
from coordinator.projects.service import project_json

from tests.conftest import EXAMPLES, example_answers, login

EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
@pytest.mark.parametrize("land_date", [None, "2026-09-15"])
def test_project_json_is_unchanged_for_the_examples(app, client, users, example, land_date):
    assert login(client, "owner").status_code == 302
    created = client.post("/api/v1/projects", json={"name": example, "answers": example_answers(example),
                                                    "land_date": land_date})
    assert created.status_code == 201
    fetched = client.get(f"/api/v1/projects/{created.get_json()['id']}")
    assert fetched.status_code == 200
    with app.app_context():
        project = db.session.get(Project, created.get_json()["id"])
        dumped_field_by_field = jsonify(ProjectSchema().dump(project_json(project))).get_data()
    assert fetched.get_data() == dumped_field_by_field
    assert created.get_data() == dumped_field_by_field
    assert fetched.get_json()["plan"]["items"]
