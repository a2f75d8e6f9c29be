"""Setting up: init, the framework, providers, rankings and prices."""

import json
import os
import stat
from importlib import resources

from tests.conftest import snapshot


def test_init_creates_the_leeds_framework_by_default(calloff):
    """`calloff init` embeds Leeds: eight lots, a year from 1 April 2015, two extensions."""
    result = calloff.ok("init")
    assert "Leeds City Council" in result.output
    fw = calloff.json("framework")
    assert fw["name"] == "Restorative Practice Training for Children's Services"
    assert fw["buyer"] == "Leeds City Council"
    assert [lot["number"] for lot in fw["lots"]] == list(range(1, 9))
    assert fw["lots"][3]["title"].startswith("Training delivery and development")
    assert fw["term"] == {
        "start": "2015-04-01",
        "end": "2016-03-31",
        "original_end": "2016-03-31",
        "latest_end": "2018-03-31",
        "extensions_used": 0,
        "extensions_left": 2,
        "in_force_today": False,
    }
    streams = fw["streams"]
    assert streams["core"]["cap"] == "260000.00" and streams["core"]["status"] == "confirmed"
    assert streams["innovation"]["cap"] == "1240000.00"
    assert streams["innovation"]["status"] == "pending"
    assert streams["innovation"]["window"] == {"start": "2015-02-01", "end": "2016-03-31"}
    assert streams["traded"]["cap"] is None


def test_database_is_private_to_its_owner(calloff):
    """The database file is readable and writable by its owner only."""
    calloff.ok("init")
    assert stat.S_IMODE(os.stat(calloff.db).st_mode) == 0o600


def test_init_refuses_to_overwrite(calloff):
    """A second init leaves the first database exactly as it was."""
    calloff.ok("init")
    calloff.ok("provider", "add", "Alder Training")
    message = calloff.refused("init")
    assert "already exists" in message


def test_init_from_a_definition_file(calloff, tmp_path):
    """Another council's framework comes from a TOML file, with no code change."""
    text = resources.files("calloff").joinpath("definitions/nottingham-rp-2023.toml").read_text()
    (tmp_path / "nottingham.toml").write_text(text.replace("Nottingham City", "Nottwich City"))
    calloff.ok("init", "--from", str(tmp_path / "nottingham.toml"))
    assert calloff.json("framework")["buyer"] == "Nottwich City Council"


def test_nottingham_is_embedded_for_a_pipx_user(calloff):
    """`--framework nottingham-rp-2023` needs no file from the repository."""
    calloff.ok("init", "--framework", "nottingham-rp-2023")
    fw = calloff.json("framework")
    assert fw["buyer"] == "Nottingham City Council"
    assert len(fw["lots"]) == 1
    assert fw["streams"]["grant"]["cap"] == "99999.00"
    assert fw["term"]["extensions_left"] == 0


def test_a_bad_definition_file_is_refused_in_one_line(calloff, tmp_path):
    """A malformed definition names the file and the problem; no database is left behind."""
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nname = "y"\n')
    message = calloff.refused("init", "--from", str(bad))
    assert "bad.toml" in message and "is required" in message
    assert not calloff.db.exists()


def test_commands_need_a_database(calloff):
    """Without a database, commands say how to make one."""
    message = calloff.refused("headroom")
    assert "calloff init" in message
    assert not calloff.db.exists()


def test_providers_and_their_status(leeds):
    """Providers are added with an id, suspended, reinstated and withdrawn with reasons."""
    added = leeds.json("provider", "add", "Dogwood CIC", "--vat", "exempt")
    assert {k: added[k] for k in ("id", "name", "vat", "status")} == {
        "id": 4,
        "name": "Dogwood CIC",
        "vat": "exempt",
        "status": "active",
    }
    leeds.ok("provider", "suspend", "2", "--reason", "quality review", "--on", "2015-05-01")
    listed = {p["id"]: p for p in leeds.json("provider", "list")}
    assert listed[2]["status"] == "suspended"
    assert listed[2]["status_reason"] == "quality review"
    leeds.ok("provider", "reinstate", "2", "--on", "2015-05-10")
    leeds.ok("provider", "withdraw", "Dogwood CIC", "--reason", "ceased trading")
    listed = {p["id"]: p for p in leeds.json("provider", "list")}
    assert listed[2]["status"] == "active"
    assert listed[4]["status"] == "withdrawn"
    assert "a withdrawal is final" in leeds.refused("provider", "reinstate", "4")
    assert "already exists" in leeds.refused("provider", "add", "alder training")


def test_rank_show_lists_the_ranking_with_rates(leeds):
    """`rank show --json` gives lot, then rank, provider id, name and rates per unit."""
    data = leeds.json("rank", "show", "4")
    assert data["lot"] == 4
    assert [(r["rank"], r["provider"], r["name"]) for r in data["ranking"]] == [
        (1, 1, "Alder Training"),
        (2, 2, "Birch Practice Ltd"),
        (3, 3, "Cedar Conferencing"),
    ]
    assert data["ranking"][1]["rates"] == {"day": "1200.00", "session": None, "place": None}


def test_rank_set_refuses_duplicates_and_unknowns(leeds):
    """A provider twice, or one that does not exist, leaves the ranking unchanged."""
    assert "twice" in leeds.refused("rank", "set", "4", "1", "1")
    assert "does not exist" in leeds.refused("rank", "set", "4", "1", "99")
    assert "lot 9" in leeds.refused("rank", "set", "9", "1")


def test_price_set_needs_a_ranked_provider(leeds):
    """Rates are tendered on a lot, so only a ranked provider can have them."""
    assert "not ranked on lot 5" in leeds.refused("price", "set", "5", "1", "--day", "100")
    leeds.ok("price", "set", "4", "1", "--session", "£450.50", "--place", "40")
    rates = leeds.json("rank", "show", "4")["ranking"][0]["rates"]
    assert rates == {"day": "1000.00", "session": "450.50", "place": "40.00"}


def test_rank_import_reads_rankings_and_rates(leeds, tmp_path):
    """A good CSV replaces each named lot's ranking and sets the rates given."""
    f = tmp_path / "ranks.csv"
    f.write_text(
        "lot,rank,provider,day_rate,session_rate\n"
        "1,2,Alder Training,700,\n1,1,3,650.00,450\n2,1,Birch Practice Ltd,,300\n"
    )
    result = leeds.ok("rank", "import", str(f))
    assert "Lot 1: 2 provider(s) ranked." in result.output
    lot1 = leeds.json("rank", "show", "1")["ranking"]
    assert [(r["rank"], r["name"]) for r in lot1] == [
        (1, "Cedar Conferencing"),
        (2, "Alder Training"),
    ]
    assert lot1[0]["rates"] == {"day": "650.00", "session": "450.00", "place": None}
    assert leeds.json("rank", "show", "2")["ranking"][0]["rates"]["session"] == "300.00"


def test_rank_import_reports_every_bad_row_and_imports_nothing(leeds, tmp_path):
    """Bad rows are all listed by line number; the database is untouched."""
    f = tmp_path / "ranks.csv"
    f.write_text(
        "lot,rank,provider,day_rate\n"
        "1,1,Alder Training,700\n"  # line 2: fine
        "9,1,Alder Training,700\n"  # line 3: no lot 9
        "1,2,Nobody Ltd,700\n"  # line 4: unknown provider
        "1,3,Birch Practice Ltd,12,50a\n"  # line 5: too many cells
        "2,1,Cedar Conferencing,1e5\n"  # line 6: bad money
        "2,3,Birch Practice Ltd,500\n"
    )  # line 7: rank gap on lot 2
    before = snapshot(leeds.db)
    result = leeds("rank", "import", str(f))
    assert result.exit_code == 1
    for line in ("ranks.csv:3:", "ranks.csv:4:", "ranks.csv:5:", "ranks.csv:6:"):
        assert line in result.stderr
    assert "lot 9" in result.stderr and "Nobody Ltd" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(leeds.db) == before


def test_rank_import_refuses_wrong_columns(leeds, tmp_path):
    """A file without the lot,rank,provider columns is refused, naming them."""
    f = tmp_path / "ranks.csv"
    f.write_text("lot,position,supplier\n1,1,Alder Training\n")
    message = leeds.refused("rank", "import", str(f))
    assert "missing column(s) rank, provider" in message


def test_every_command_has_help():
    """Every command and group explains itself in --help."""
    import click

    from calloff import cli

    missing = []

    def walk(cmd: click.Command, path: str) -> None:
        if not (cmd.help or cmd.short_help):
            missing.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(cli.main, "calloff")
    assert missing == []


def test_framework_json_is_one_document(leeds):
    """--json prints exactly one JSON document on stdout."""
    result = leeds.ok("framework", "--json")
    assert isinstance(json.loads(result.stdout), dict)


def test_rank_import_reports_a_bad_provider_once_not_as_a_gap_too(calloff, tmp_path):
    """A row naming an unknown provider is the only bad row: its rank still counts, so the
    good row after it is not reported as a gap in the lot's ranking."""
    calloff.ok("init")
    calloff.ok("provider", "add", "Alder Training")
    path = tmp_path / "r.csv"
    path.write_text("lot,rank,provider\n1,1,Nobody Ltd\n1,2,Alder Training\n")
    before = snapshot(calloff.db)
    result = calloff("rank", "import", str(path))
    assert result.exit_code == 1
    assert "1 bad row(s)" in result.stderr and "r.csv:2: no provider is called" in result.stderr
    assert "r.csv:3" not in result.stderr
    assert snapshot(calloff.db) == before
