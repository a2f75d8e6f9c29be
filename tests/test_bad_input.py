"""Bad input of any kind: exit 1 or 2, one line saying what is wrong, database unchanged."""

import pytest

BAD = [
    # (arguments, exit code, fragment of the message)
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "12,50a"], 2, "'12,50a' is not an amount of money"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "1e5"], 2, "not an amount of money"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "NaN"], 2, "not an amount of money"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "10.001"], 2, "not an amount of money"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "-10"], 2, "must not be negative"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "0"], 1, "more than £0.00"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-13-01",
      "--value", "1"], 2, "not a date on the calendar"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "01/06/2015",
      "--value", "1"], 2, "write it as YYYY-MM-DD"),
    (["request", "add", "--lot", "9", "--title", "t", "--start", "2015-06-01",
      "--value", "1"], 1, "lot 9 is not in this framework"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--quantity", "3", "--unit", "hour"], 2, "'hour' is not one of"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "1", "--funding", "lottery"], 1, "funding stream 'lottery' is not in"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--end", "2015-05-01", "--value", "1"], 1, "before --start"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "1", "--quantity", "2", "--unit", "day"], 2, "not both"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--quantity", "2"], 2, "go together"),
    (["request", "add", "--lot", "4", "--title", "  ", "--start", "2015-06-01",
      "--value", "1"], 1, "the title is empty"),
    (["request", "add", "--lot", "4", "--title", "a\x00b", "--start", "2015-06-01",
      "--value", "1"], 1, "control or invisible character"),
    (["allocate", "99", "--on", "2015-06-01"], 1, "request 99 does not exist"),
    (["allocate", "abc"], 2, "'abc' is not a whole number"),
    (["allocate", "99999999999999999999"], 2, "is not in the range"),
    (["show", "99999999999999999999"], 2, "is not in the range"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "١٢٣"], 2, "not an amount of money"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "99999999999999999999"], 2, "too large"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--quantity", "３", "--unit", "day"], 2, "is not a whole number"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "1", "--funding", ""], 1, "funding stream '' is not in"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "٢٠١٥-06-01",
      "--value", "1"], 2, "not a date"),
    (["provider", "add", "Alder\u200b"], 1, "invisible character"),
    (["provider", "add", "Alder\u202e"], 1, "invisible character"),
    (["order", "1", "--output", "calloff.db"], 2, "is the database"),
    (["allocate", "1", "--on", "2015-02-30"], 2, "not a date on the calendar"),
    (["accept", "42"], 1, "call-off 42 does not exist"),
    (["decline", "42", "--reason", "x"], 1, "call-off 42 does not exist"),
    (["decline", "1"], 2, "Missing option '--reason'"),
    (["show", "0"], 2, "0 is less than 1"),
    (["request", "add", "--lot", "4", "--title", "t", "--start", "2015-06-01",
      "--value", "1", "--attendees", "-3"], 2, "-3 is less than 0"),
    (["order", "7"], 1, "call-off 7 does not exist"),
    (["order", "1", "--format", "pdf"], 2, "'pdf' is not one of"),
    (["headroom", "--year", "2015"], 2, "not a financial year"),
    (["ceiling", "set", "--year", "2015-16", "--funding", "gold", "--amount", "1"], 1,
     "funding stream 'gold' is not in"),
    (["funding", "confirm", "core"], 1, "already confirmed"),
    (["funding", "confirm", "lottery"], 1, "not in this framework"),
    (["provider", "add", "X", "--vat", "zero"], 2, "'zero' is not one of"),
    (["provider", "suspend", "99", "--reason", "x"], 1, "provider 99 does not exist"),
    (["provider", "suspend", "Nobody", "--reason", "x"], 1, "no provider is called 'Nobody'"),
    (["provider", "unavailable", "1", "--from", "2015-06-10", "--to", "2015-06-01",
      "--reason", "x"], 1, "before --from"),
    (["provider", "unavailable", "1", "--from", "2015-06-01", "--to", "2015-06-10",
      "--lot", "12", "--reason", "x"], 1, "lot 12 is not in this framework"),
    (["rank", "show", "9"], 1, "lot 9 is not in this framework"),
    (["rank", "import", "/nonexistent/ranks.csv"], 1, "no such file"),
    (["price", "set", "4", "1", "--day", "£1,00"], 2, "not an amount of money"),
    (["price", "set", "4", "1"], 1, "give at least one of"),
    (["price", "set", "4", "1", "--day", "0"], 1, "more than £0.00"),
    (["term", "extend", "--on", "2014-01-01"], 1, "before the framework starts"),
    (["nonsense"], 2, "No such command 'nonsense'"),
    (["--officer", "", "headroom"], 2, "--officer is empty"),
]


@pytest.mark.parametrize("args, code, fragment", BAD, ids=[" ".join(b[0])[:60] for b in BAD])
def test_bad_input_is_refused_cleanly(leeds, args, code, fragment, monkeypatch):
    """Each bad input gets its exit code and a one-line message; the database is unchanged."""
    monkeypatch.chdir(leeds.db.parent)
    args = [a.encode().decode("unicode_escape") if "\\u" in a else a for a in args]
    message = leeds.refused(*args, code=code)
    assert fragment in message


def test_a_file_that_is_not_a_database_is_refused(calloff, tmp_path):
    """Pointing --db at some other file is refused, and the file is left alone."""
    calloff.db.write_text("not a database at all " * 100)
    result = calloff("headroom")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {calloff.db} is not a calloff database (it is not an SQLite file): check "
        "that --db or CALLOFF_DB points at your database"]
    assert calloff.db.read_text() == "not a database at all " * 100
