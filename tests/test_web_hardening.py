"""What a security review of the whole framework's pages asked for: the trail's check runs
once at a time for a database, a busy database's page names no path on the server, the
rankings import names no folder of the server's, and crafted addresses answer with a page,
not a fault."""

from __future__ import annotations

import io
import sqlite3

import pytest

import calloff
from calloff.domain import passwords
from calloff.errors import DatabaseBusy
from calloff.web import kept
from tests.test_web_pages import changes, client_as
from tests.workspace import app_for, build, day, post


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "COST", 2**6)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "team.db"
    build(path)
    with calloff.open(path) as office:
        office.allocate(1, on="2015-05-12")
        office.accept(1, on="2015-05-13")
    return path


@pytest.fixture
def app(db):
    return app_for(db)


def test_one_check_of_the_trail_runs_at_a_time(app, db):
    auditor = client_as(app, "u.auditor")
    with kept.one_at_a_time(str(db)):  # another auditor's check, still reading
        busy = auditor.get("/audit/verify?run=yes")
    assert busy.status_code == 400
    assert "is still running: it reads every event, so wait a minute" in busy.text
    done = auditor.get("/audit/verify?run=yes")
    assert done.status_code == 200 and "The audit trail is whole" in done.text


def test_a_busy_database_is_the_503_page_and_names_no_path(app, db, monkeypatch):
    finance = client_as(app, "f.finance")
    page = finance.get("/calloffs/1/spend/add")
    assert page.status_code == 200

    def busy(*args, **kwargs):
        raise DatabaseBusy(f"the database {db} is busy: another officer is writing")

    monkeypatch.setattr(calloff.api.Office, "add_spend", busy)
    before = changes(db)
    sent = post(
        finance,
        "/calloffs/1/spend/add",
        {"amount": "100", "invoice": "X-1", "confirm": "yes"} | day("invoice_date", "2015-06-01"),
    )
    assert sent.status_code == 503
    assert "The records are busy" in sent.text and "team.db is busy" in sent.text
    assert str(db.parent) not in sent.text
    assert changes(db) == before


def test_a_write_refused_for_records_changed_outside_calloff_says_so_not_busy(tmp_path):
    """Defect D6: the caps of 2015-16 (core £260,000, 26,000,000 pence) set to 100 pence in
    SQL, then request 1 allocated in the workspace: the seal refuses the write, and the page
    says the records were changed outside calloff (409), not that they are busy (503)."""
    db = tmp_path / "team.db"
    build(db)
    officer = client_as(app_for(db), "o.officer")
    assert officer.get("/requests/1/allocate").status_code == 200
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE caps SET amount_pence = 100")
    conn.close()
    before = changes(db)
    sent = post(officer, "/requests/1/allocate", day("on", "2015-05-12"))
    assert sent.status_code == 409
    assert '<h1 class="govuk-heading-l">The records were changed outside calloff</h1>' in sent.text
    assert "The records are busy" not in sent.text
    assert "The budget caps were changed outside calloff." in sent.text
    assert "Nothing was changed. Ask an admin or auditor to run" in sent.text
    assert "<code>calloff audit verify</code>" in sent.text
    assert str(tmp_path) not in sent.text
    assert changes(db) == before
    assert officer.get("/requests/1").status_code == 200  # reading goes on


def test_a_bad_rankings_file_names_the_file_chosen_not_the_servers_folder(app, db):
    admin = client_as(app, "m.admin")
    rows = "lot,rank,provider\n" + "".join(f"4,{i},Nobody {i}\n" for i in range(1, 60))
    refused = post(
        admin,
        "/setup/rankings/import",
        {"file": (io.BytesIO(rows.encode()), "mine.csv")} | day("on", "2015-04-02"),
    )
    assert refused.status_code == 400
    assert "mine.csv" in refused.text
    assert "calloff-rankings" not in refused.text and "/tmp" not in refused.text


@pytest.mark.parametrize(
    "path",
    [
        "/reports?year=2015-16&quarter=1&as_recorded=%C2%B2",
        "/reports/report.csv?year=2015-16&quarter=1&as_recorded=%C2%B2",
        "/audit?_method=POST",
        "/audit?_external=1&officer=o.officer",
        "/publishing/files/spend?year=2026-27&quarter=4&format=csv&_method=POST",
    ],
)
def test_crafted_addresses_answer_with_a_page(app, path):
    answer = client_as(app, "m.admin").get(path)
    assert answer.status_code in (200, 400), answer.text[:300]
    assert "Traceback" not in answer.text


def test_a_superscript_digit_is_not_an_audit_event_to_the_command_either(db):
    from tests.conftest import Calloff

    said = Calloff(db).refused(
        "report", "quarterly", "--year", "2015-16", "--quarter", "1", "--as-recorded", "²", code=2
    )
    assert "'²' is not an audit event number or a date and time" in said
