"""不予许可 is final, so it needs an explicit confirmation; missing inputs
are named in the reader's words, never by their field names."""
from __future__ import annotations

from tests.conftest import provide_materials
from tests.tracking.test_tracking_pages import as_user, page
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401


def test_refusing_needs_the_confirmation_box(app, project):
    item = project["items"]["land_transfer"]
    provide_materials(app, item)
    as_user(app, "owner").post(f"/owner/items/{item}/submit")
    planner = as_user(app, "planner")
    assert 'name="refused-confirm_refusal"' in page(planner, f"/officer/items/{item}")
    r = planner.post(f"/officer/items/{item}/transition", data={"to": "refused", "refused-reason": "不符合规划条件"})
    assert r.status_code == 400 and "请勾选确认后再作出不予许可决定" in r.get_data(as_text=True)
    assert "已申报" in page(planner, f"/officer/items/{item}")  # nothing changed
    r = planner.post(f"/officer/items/{item}/transition", data={
        "to": "refused", "refused-reason": "不符合规划条件", "refused-confirm_refusal": "y"})
    assert r.status_code == 303
    mine = page(as_user(app, "owner"), f"/owner/projects/{project['id']}")
    assert "不予许可理由" in mine and "不符合规划条件" in mine


def test_missing_inputs_are_named_by_their_labels(app, project):
    item = project["items"]["land_transfer"]
    provide_materials(app, item)
    as_user(app, "owner").post(f"/owner/items/{item}/submit")
    r = as_user(app, "planner").post(f"/officer/items/{item}/transition", data={"to": "returned"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "请填写必填内容：理由、材料" in html
    assert "missing_materials" not in html and "reason、" not in html
