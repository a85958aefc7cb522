"""Production refuses an unsafe configuration; `coordinator check-config` says why."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator import create_app
from coordinator.config import ConfigError

SCRIPT = Path(sys.executable).parent / "coordinator"
SAFE = {"PRODUCTION": True, "SECRET_KEY": "x" * 40, "SESSION_COOKIE_SECURE": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/test"}


@pytest.mark.parametrize("change, words", [
    ({"SECRET_KEY": "dev-insecure-change-me"}, "SECRET_KEY"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite"}, "SQLite"),
    ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
])
def test_production_app_refuses_unsafe_settings(change, words):
    with pytest.raises(ConfigError, match=words):
        create_app({**SAFE, **change})


def test_production_app_starts_with_safe_settings():
    assert create_app(SAFE).config["PRODUCTION"] is True


def test_throttles_count_in_redis_by_default_in_production_and_not_in_memory():
    """Every app instance must count the same login attempts (issue 16)."""
    assert create_app(SAFE).config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert create_app({**SAFE, "PRODUCTION": False}).config["RATELIMIT_STORAGE_URI"] == "memory://"
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({**SAFE, "RATELIMIT_STORAGE_URI": "memory://"})


def run(env_changes: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "COORDINATOR_ENV")}
    env.update(env_changes)
    return subprocess.run([str(SCRIPT), "check-config"], env=env, capture_output=True, text=True, timeout=60)


def test_check_config_fails_for_unsafe_production():
    result = run({"COORDINATOR_ENV": "production"})
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr and "SQLite" in result.stderr
    assert "unsafe for production" in result.stdout


def test_check_config_passes_for_safe_production_and_warns_in_development():
    result = run({"COORDINATOR_ENV": "production", "SECRET_KEY": "k" * 48, "SESSION_COOKIE_SECURE": "1",
                  "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/test"})
    assert result.returncode == 0 and "production configuration: ok" in result.stdout
    dev = run({})
    assert dev.returncode == 0 and "warning:" in dev.stderr
