"""The workspace on waitress with several threads: officers allocating at the same moment
take turns to write, and every figure adds up to the penny."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
import requests

import calloff
from calloff.domain import passwords
from tests.workspace import PASSWORD, app_for, build

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path, monkeypatch):
    from waitress.server import create_server

    monkeypatch.setattr(passwords, "COST", 2**6)
    db = tmp_path / "team.db"
    build(db)
    with calloff.open(db) as office:
        for n in range(8):
            office.add_request(
                lot=4, title=f"Day {n}", start="2015-09-01", value="1234.56", on="2015-06-01"
            )
        office.add_officer("o.second", name="Oscar Second", roles=["officer"], on="2015-04-01")
        office.set_password("o.second", password=PASSWORD)
    server = create_server(app_for(db), host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", db
    server.close()
    thread.join(timeout=5)


def signed_in(base, login):
    http = requests.Session()
    page = http.get(base + "/sign-in", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(
        base + "/sign-in",
        data={"login": login, "password": PASSWORD, "csrf_token": token},
        timeout=10,
    )
    return http


def test_eight_allocations_at_once_all_land_and_add_up(served):
    base, db = served
    results: list[int] = []

    def allocate(n: int) -> None:
        http = signed_in(base, "o.officer" if n % 2 else "o.second")
        form = http.get(f"{base}/requests/{n + 2}/allocate", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        answer = http.post(
            f"{base}/requests/{n + 2}/allocate",
            data={"on-day": "2", "on-month": "6", "on-year": "2015", "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        results.append(answer.status_code)

    threads = [threading.Thread(target=allocate, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302] * 8
    with calloff.open(db) as office:
        # 8 × £1,234.56 = £9,876.48 under the £260,000.00 core cap: £250,123.52 left.
        assert office.headroom(year="2015-16").headroom == Decimal("250123.52")
        assert office.verify_audit().ok
    home = signed_in(base, "u.auditor").get(base + "/", timeout=10).text
    assert "£250,123.52 left of £260,000.00" in home


@pytest.mark.parametrize(
    "path",
    [
        "/reports/report.csv?year=2015-16&quarter=1",
        "/reports/report.json?year=2015-16",
        "/publishing/files/ocds",
        "/calloffs/1/order.md",
        "/calloffs/1/record.html?download=1",
    ],
)
def test_every_download_is_streamed_in_pieces(served, path):
    """Sent as it is read, in chunks with no length announced: the server never holds a
    second copy of a large file while a slow browser saves it."""
    base, db = served
    with calloff.open(db) as office:
        office.allocate(1, on="2015-06-02")
    http = signed_in(base, "f.finance")
    answer = http.get(base + path, timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in answer.headers
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
