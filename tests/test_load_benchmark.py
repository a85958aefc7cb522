"""The load benchmark's own pieces, so it cannot silently rot (the load run
itself is ``benchmarks/load.py``, not part of the suite)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parents[1] / "benchmarks" / "load.py"


def _load():
    name = "benchmarks_load_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, LOAD)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_lua_strings_hold_any_text_raw():
    load = _load()
    assert load.lua_string('{"a": "滨海"}') == '[=[{"a": "滨海"}]=]'
    tricky = "x]=]y]==]z"
    quoted = load.lua_string(tricky)
    level = quoted[1:quoted.index("[", 1)]
    assert quoted == f"[{level}[{tricky}]{level}]" and f"]{level}]" not in tricky


def test_the_wrk_script_sends_the_scenario_and_reports_percentiles():
    load = _load()
    script = load.wrk_script(load.Scenario("plans", "/api/v1/plans", "POST", '{"answers": {}}',
                                           {"Content-Type": "application/json"}))
    assert 'wrk.method = [=[POST]=]' in script and 'wrk.body = [=[{"answers": {}}]=]' in script
    assert 'wrk.headers[ [=[Content-Type]=] ] = [=[application/json]=]' in script
    assert "latency:percentile(95)" in script and "summary.errors" in script


def test_it_refuses_to_run_without_postgresql(monkeypatch, capsys):
    load = _load()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite")
    assert load.main(["--duration", "1"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_the_wrk_script_requests_the_scenario_paths_in_turn():
    load = _load()
    script = load.wrk_script(load.Scenario("pages", "/owner/projects/1",
                                           paths=["/owner/projects/1", "/owner/projects/2"]))
    assert 'paths = { [=[/owner/projects/1]=], [=[/owner/projects/2]=] }' in script
    assert "wrk.format(nil, paths[(counter % #paths) + 1])" in script
