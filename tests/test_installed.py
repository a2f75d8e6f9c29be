"""The installed `calloff` command, run as a user would: in a subprocess, from anywhere."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import shutil
import site
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(
    exe: str | Path, *args: str, cwd: Path, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def test_installed_command_runs_the_demo_from_any_directory(tmp_path):
    """`calloff demo` builds the database and writes orders and records in both formats."""
    exe = shutil.which("calloff", path=str(BIN))
    assert exe
    result = run(exe, "demo", "--dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "refused at the ceiling" in result.stdout
    orders = sorted(p.name for p in (tmp_path / "out").glob("order-*"))
    assert orders == ["order-3.html", "order-3.md", "order-4.html", "order-4.md"]
    records = sorted(p.name for p in (tmp_path / "out").glob("record-[0-9]*"))
    assert records == ["record-3.html", "record-3.md", "record-4.html", "record-4.md"]
    # The competition on Borsetshire's `either` lot ran end to end: awarded, accepted.
    shown = run(exe, "--db", "out/competition.db", "competition", "show", "1", "--json",
                cwd=tmp_path)  # fmt: skip
    competition = json.loads(shown.stdout)
    assert (competition["status"], competition["calloff_status"]) == ("awarded", "accepted")
    assert [r["total"] for r in competition["results"]] == ["78.00", "78.00", "76.00"]
    assert competition["winner"]["name"] == "Ashgrove Restorative Partners"
    letters = sorted(p.name for p in (tmp_path / "out").glob("competition-1-letter-*.md"))
    assert len(letters) == 3
    # The order for call-off 3 leaves out the provider that declined; its record keeps it.
    assert "Harbour Lane" not in (tmp_path / "out" / "order-3.md").read_text()
    assert "Harbour Lane" in (tmp_path / "out" / "record-3.md").read_text()
    # Each "Explore it" line is one command that runs as printed, not a shell pipeline.
    explore = result.stdout.split("Explore it:\n")[1].splitlines()[:3]
    for line in explore:
        assert line.startswith("  ") and "|" not in line
        assert subprocess.run(shlex.split(line), cwd=tmp_path, capture_output=True).returncode == 0
    head = run(exe, "--db", "out/demo.db", "headroom", "--year", "2015-16", "--json", cwd=tmp_path)
    # Call-offs 1 (£5,100.00 spent and completed), 3 (cancelled after £4,800.00 + £500.00),
    # 4 (varied to £26,000.00) and 5 (traded, 25 days at £1,200.00).
    assert json.loads(head.stdout)["committed"] == "66400.00"
    # The Transparency Code's Q2 spend file: the two invoices paid in July and August.
    spend = (tmp_path / "out" / "publish-spend-2015-16-Q2.csv").read_text("utf-8")
    assert spend.startswith("\ufefforganisation,")
    rows = list(csv.DictReader(io.StringIO(spend.removeprefix("\ufeff"))))
    assert [(r["invoice"], r["amount"]) for r in rows] == [
        ("KPD-0615", "5100.00"),
        ("NRP-101", "4800.00"),
    ]


def test_installed_command_errors_are_one_line(tmp_path):
    """A refusal from the real command is one line on stderr with exit 1, no traceback."""
    exe = shutil.which("calloff", path=str(BIN))
    assert run(exe, "init", cwd=tmp_path).returncode == 0
    result = run(exe, "allocate", "7", "--on", "2015-06-01", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "Error: request 7 does not exist: see `calloff request list`\n"
    env = {**os.environ, "CALLOFF_DB": str(tmp_path / "other.db")}
    result = run(exe, "headroom", cwd=tmp_path, env=env)
    assert result.returncode == 1 and "other.db" in result.stderr


def test_help_does_not_import_storage_or_templates(tmp_path):
    """`calloff --help` starts fast: neither sqlite_utils nor jinja2 is imported."""
    code = (
        "import sys\n"
        "from calloff import cli\n"
        "from click.testing import CliRunner\n"
        "r = CliRunner().invoke(cli.main, ['--help'])\n"
        "assert r.exit_code == 0\n"
        "print(sorted(m for m in ('sqlite_utils', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def build_wheel(dist: Path) -> Path:
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip_wheel, "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return next(dist.glob("calloff-*.whl"))


@pytest.mark.slow
def test_the_wheel_holds_one_import_package_calloff(tmp_path):
    """Nothing named `cli` or `framework` lands at the top of site-packages, where another
    package's `cli.py` could replace it; the command's entry point is `calloff.cli:main`."""
    wheel = zipfile.ZipFile(build_wheel(tmp_path))
    names = wheel.namelist()
    assert {n.split("/")[0] for n in names} == {"calloff", "calloff-0.1.0.dist-info"}
    for shipped in (
        "calloff/__init__.py",
        "calloff/py.typed",
        "calloff/cli.py",
        "calloff/actions/service.py",
        "calloff/templates/order.html.j2",
        "calloff/definitions/leeds-rp-2015.toml",
        "calloff/definitions/nottingham-rp-2023.toml",
        "calloff/definitions/borsetshire-rp-2026.toml",
        "calloff/templates/letter.md.j2",
    ):
        assert shipped in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    entry = wheel.read("calloff-0.1.0.dist-info/entry_points.txt")
    assert "calloff = calloff.cli:main" in entry.decode()


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_environment_works_templates_included(tmp_path):
    """Build the wheel, install it in a new virtual environment, write an order from elsewhere."""
    dist = tmp_path / "dist"
    wheel = build_wheel(dist)
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    # The wheel's own dependencies come from this environment, but not the checkout itself:
    # a .pth line adds a folder, and .pth files inside that folder are not read.
    fresh_site = next((env_dir / "lib").glob("python*/site-packages"))
    (fresh_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    exe = env_dir / "bin" / "calloff"
    where = subprocess.run(
        [str(py), "-c", "import calloff; print(calloff.__file__)"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(env_dir)), where.stdout
    for folder_name in ("framework", "cli"):
        gone = subprocess.run([str(py), "-c", f"import {folder_name}"], cwd=workdir)
        assert gone.returncode == 1
    result = run(exe, "demo", "--dir", "d", cwd=workdir)
    assert result.returncode == 0, result.stderr
    html = (workdir / "d" / "order-3.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "LEEDS-RP-2015/CO-00003" in html
    assert run(exe, "--db", "d/demo.db", "order", "1", cwd=workdir).returncode == 0


def test_demo_never_touches_an_officers_own_files(tmp_path):
    """`calloff demo --dir .` beside a real calloff.db and the officer's own invoices.csv
    is refused, and touches neither; in a folder of its own it runs, and runs again."""
    exe = shutil.which("calloff", path=str(BIN))
    assert run(exe, "init", cwd=tmp_path).returncode == 0
    (tmp_path / "invoices.csv").write_text("the officer's own\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    refused = run(exe, "demo", "--dir", ".", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr == (
        "Error: . holds files the demo did not write (calloff.db, invoices.csv): the demo "
        "writes only into a new or empty folder, or over its own earlier output; give "
        "another --dir\n"
    )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    for _ in range(2):
        assert run(exe, "demo", "--dir", "mine", cwd=tmp_path).returncode == 0
    written = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "mine").iterdir()}
    assert "demo.db" in written and "order-3.html" in written
    assert set(written.values()) == {0o600}


@pytest.mark.slow
def test_the_sdist_carries_the_docs_examples_and_licence(tmp_path):
    """A pip or pipx user who builds from the sdist gets the docs, examples and LICENSE."""
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        timeout=300,
        capture_output=True,
    )
    with tarfile.open(next(tmp_path.glob("calloff-*.tar.gz"))) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for shipped in (
        "LICENSE",
        "README.md",
        "docs/library.md",
        "docs/rules.md",
        "examples/README.md",
        "framework/calloff/definitions/nottingham-rp-2023.toml",
    ):
        assert shipped in names
    assert not [n for n in names if "__pycache__" in n]
