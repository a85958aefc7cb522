"""The plan page and the project JSON read the database in a number of
statements that does not grow with the project (issue 17): a project with
more items, hookups, service requests and their events and quotes costs as
many statements as a small one — no statement per request or per event."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from coordinator.extensions import db

from tests.conftest import example_answers, login

#: The statements each read takes today, at most (the issue's goal is 5:
#: every service request of the project — hookups, reports, the agent's —
#: is read once, in two statements, and the quotes in one; the agent's grant
#: and acts, the ratings and licences, the departments' opinions and revoked
#: approvals still read separately).
MAX_STATEMENTS = {"/owner/projects/{}": 14, "/api/v1/projects/{}": 12}


@contextlib.contextmanager
def counted_statements(app):
    """The SQL statements the app's engine executes inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(app, client, url: str) -> list[str]:
    client.get(url)  # warm: the rule base, the charts
    with counted_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("page", ["/owner/projects/{}", "/api/v1/projects/{}"])
def test_a_larger_project_reads_in_as_many_statements(app, client, users, page):
    assert login(client, "owner").status_code == 302
    counts = {}
    for example in ("warehouse", "chemical_plant"):
        created = client.post("/api/v1/projects", json={"name": example, "answers": example_answers(example),
                                                        "land_date": "2026-09-15"}).get_json()
        counts[example] = (len(created["items"]), len(created["hookups"]), len(created["service_requests"]),
                           len(_statements(app, client, page.format(created["id"]))))
    (items, hookups, requests, small), (more_items, more_hookups, more_requests, large) = counts.values()
    assert (more_items, more_hookups, more_requests) > (items, hookups, requests)
    assert large == small <= MAX_STATEMENTS[page], counts
