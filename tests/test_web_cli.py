"""`calloff officer password` and `calloff serve`: through Click's runner, and the served
workspace through the installed command on a real port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import calloff
from calloff.domain import passwords
from tests.conftest import REAL_ACCOUNT, snapshot

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def team(leeds, monkeypatch):
    leeds.register("c.clerk", "officer", on="2015-04-01")
    return leeds


def password(driver, login, given, officer="officer.a"):
    return driver.runner.invoke(
        __import__("calloff.cli", fromlist=["main"]).main,
        ["--db", str(driver.db), "--officer", officer, "officer", "password", login],
        input=given,
        catch_exceptions=False,
    )


def test_a_password_is_set_from_standard_input_and_kept_only_as_a_hash(team):
    result = password(team, "c.clerk", "heron kettle orbit lantern\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Password set for c.clerk; any session signed in with the old one ends.\n"
    )
    stored = snapshot(team.db)["passwords"]
    assert len(stored) == 1 and stored[0][1].startswith("scrypt$")
    assert "heron" not in str(snapshot(team.db))
    with calloff.open(team.db) as office:
        assert (
            office.sign_in("c.clerk", password="heron kettle orbit lantern", address="t").login
            == "c.clerk"
        )
        assert office.audit()[-1].action == "officer.password"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("short one\n", "the password has 9 characters: use at least 12"),
        ("password1234\n", "on a list of common passwords"),
        ("c.clerk and more\n", "contains the officer's login or name"),
        ("            \n", "too few different characters"),
        ("qwertyuiopas\n", "runs along the keyboard"),
        ("", "no password on standard input"),
    ],
)
def test_a_weak_password_is_refused_in_one_line(team, given, says):
    before = snapshot(team.db)
    result = password(team, "c.clerk", given)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and says in result.stderr
    assert snapshot(team.db) == before


def test_only_an_admin_sets_another_officers_password(team, monkeypatch):
    monkeypatch.setattr("calloff.domain.officers.process_account", lambda: "c.clerk")
    before = snapshot(team.db)
    refused = password(team, "officer.a", "heron kettle orbit lantern\n", officer="c.clerk")
    assert refused.exit_code == 1
    assert "changing the register of officers needs the admin role" in refused.stderr
    assert snapshot(team.db) == before
    own = password(team, "c.clerk", "heron kettle orbit lantern\n", officer="c.clerk")
    assert own.exit_code == 0, own.output


def test_serve_refuses_what_it_cannot_run(team, monkeypatch):
    main = __import__("calloff.cli", fromlist=["main"]).main
    bad = team.runner.invoke(main, ["--db", str(team.db), "serve", "--trusted-proxy", "nowhere"])
    assert bad.exit_code == 2 and "--trusted-proxy" in bad.stderr
    as_another = team("serve")  # the driver passes --officer: serve runs as itself
    assert as_another.exit_code == 2 and "leave out --officer" in as_another.stderr
    monkeypatch.setattr("calloff.domain.officers.process_account", lambda: "c.clerk")
    result = team.runner.invoke(
        __import__("calloff.cli", fromlist=["main"]).main, ["--db", str(team.db), "serve"]
    )
    assert result.exit_code == 1
    assert "the server's account, c.clerk, is not an admin of this framework" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_installed_command_serves_the_workspace(tmp_path):
    """`calloff serve` on waitress: the sign-in page, its headers, and static files."""
    exe = shutil.which("calloff", path=str(BIN))
    assert exe
    db = tmp_path / "served.db"
    subprocess.run([exe, "--db", str(db), "init"], check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [exe, "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = None
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        assert page is not None and page.status == 200
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert '<h1 class="govuk-heading-l">Sign in</h1>' in page.read().decode()
        css = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/govuk-frontend/govuk-frontend.min.css", timeout=5
        )
        assert css.status == 200 and b"GDS Transport" not in css.read()
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=10)
    assert f"Serving Restorative Practice Training for Children's Services from {db}" in out
    assert REAL_ACCOUNT  # the subprocess ran as the real account, the database's first officer
    # The scheduler ran: with no way to send, its messages wait (docs/messages.md).
    assert "No CALLOFF_SMTP_HOST nor GOV.UK Notify key: messages wait" in out


@pytest.mark.slow
def test_serve_without_the_scheduler_writes_nothing_by_itself(tmp_path):
    """`serve --no-scheduler` (the demo's `make serve`): no lapse, no reminder."""
    import sqlite3

    exe = shutil.which("calloff", path=str(BIN))
    assert exe
    db = tmp_path / "served.db"
    subprocess.run([exe, "--db", str(db), "init"], check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [exe, "--db", str(db), "serve", "--port", str(port), "--no-scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=10)
    assert "messages wait" not in out
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    finally:
        conn.close()


def test_serve_on_a_port_in_use_says_so_in_one_line(leeds):
    main = __import__("calloff.cli", fromlist=["main"]).main
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = leeds.runner.invoke(main, ["--db", str(leeds.db), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use: choose another "
        "--port, or stop what is using it\n"
    )
    assert "Serving" not in result.stdout
