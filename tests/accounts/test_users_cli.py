"""``coordinator users create|list|deactivate`` as real subprocesses on a
database of their own: the first administrator of a fresh production-like
installation, clear errors (exit 2) and nothing half-created."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

COORDINATOR = Path(sys.executable).parent / "coordinator"


@pytest.fixture
def run(tmp_path):
    url = os.environ.get("DATABASE_URL_USERS_CLI") or f"sqlite:///{tmp_path / 'users.sqlite'}"
    env = {**{k: v for k, v in os.environ.items() if k != "COORDINATOR_RULES"}, "DATABASE_URL": url}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([str(COORDINATOR), "users", *args], input=stdin, capture_output=True, text=True,
                              encoding="utf-8", env=env, timeout=180)

    run.url = url
    return run


def usernames(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT username FROM user_account ORDER BY id"))]
    engine.dispose()
    return names


def test_the_first_administrator_then_staff_then_deactivation(run):
    made = run("create", "city-admin", "--role", "admin", "--email", "admin@gov.example.cn", "--password-stdin",
               stdin="a long city passphrase\n")
    assert made.returncode == 0, made.stderr
    assert "created city-admin (admin, 区政务服务办公室)" in made.stdout
    officer = run("create", "zhang", "--role", "officer", "--department", "housing", "--password-stdin",
                  stdin="an officer's passphrase\n")
    assert officer.returncode == 0, officer.stderr
    owner = run("create", "boss", "--role", "owner", "--organisation", "滨海示范仓储有限公司", "--password-stdin",
                stdin="an owner's passphrase\n")
    assert owner.returncode == 0 and "滨海示范仓储有限公司" in owner.stdout

    listed = run("list")
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert ["city-admin", "admin", "gov_service", "active"] in rows
    assert ["zhang", "officer", "housing", "active"] in rows
    assert ["boss", "owner", "滨海示范仓储有限公司", "active"] in rows

    assert run("deactivate", "zhang").returncode == 0
    assert ["zhang", "officer", "housing", "inactive"] in [l.split("\t") for l in run("list").stdout.splitlines()]
    unknown = run("deactivate", "nobody")
    assert unknown.returncode == 2 and "no such user: nobody" in unknown.stderr


def test_bad_input_is_exit_2_with_every_reason_and_creates_nothing(run):
    bad = run("create", "x", "--role", "wizard", "--password-stdin", stdin="short\n")
    assert bad.returncode == 2
    assert "role: unknown role; one of: owner, officer, utility, admin, agency, agent" in bad.stderr
    assert "username:" in bad.stderr and "password: the password needs at least 10 characters" in bad.stderr
    dept = run("create", "li", "--role", "officer", "--department", "nowhere", "--password-stdin",
               stdin="a long officer passphrase\n")
    assert dept.returncode == 2 and "department: unknown department code: nowhere" in dept.stderr
    org = run("create", "gas", "--role", "utility", "--organisation", "无此公司", "--password-stdin",
              stdin="a long utility passphrase\n")
    assert org.returncode == 2 and "organisation: unknown organisation: 无此公司" in org.stderr
    assert usernames(run.url) == []


def test_the_password_is_never_an_argument(run):
    refused = run("create", "root", "--role", "admin", "--password", "a long city passphrase")
    assert refused.returncode == 2 and "--password" in refused.stderr
