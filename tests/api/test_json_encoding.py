"""The app's JSON goes out through orjson (issue 17) and says what Flask's
own encoder said: sorted keys, dates in Flask's format, decimals as numbers;
Chinese as UTF-8 text instead of ``\\u`` escapes."""
from __future__ import annotations

import datetime as dt
import decimal
import json

from flask import jsonify
from flask.json.provider import DefaultJSONProvider

from coordinator import encoding

from tests.conftest import example_answers


def test_jsonify_sorts_keys_and_keeps_flasks_formats(app):
    data = {"b": 1, "a": {"z": [1, 2], "y": "滨海新区"}, "day": dt.date(2027, 2, 5),
            "at": dt.datetime(2027, 2, 5, 8, 30, tzinfo=dt.timezone.utc), "fee": decimal.Decimal("12.50")}
    with app.test_request_context():
        body = jsonify(data).get_data()
        flask_would = DefaultJSONProvider(app).dumps(data)
    assert json.loads(body) == json.loads(flask_would)
    assert list(json.loads(body)) == sorted(json.loads(body))
    assert "滨海新区".encode() in body and b"\\u" not in body
    assert json.loads(body)["day"] == "Fri, 05 Feb 2027 00:00:00 GMT"


def test_the_plan_encoder_keeps_the_planners_order():
    assert encoding.dumps({"items": [], "critical_path": ["a"], "b": None}) == \
        b'{"items":[],"critical_path":["a"],"b":null}'
    assert encoding.dumps({"b": 1, "a": 2}, sort_keys=True) == b'{"a":2,"b":1}'
    assert encoding.dumps({3: "x"}) == b'{"3":"x"}'


def test_the_plan_api_answers_in_utf8(client):
    response = client.post("/api/v1/plans", json={"answers": example_answers("warehouse")})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "施工许可".encode() in response.get_data()
    assert response.get_json()["items"]
