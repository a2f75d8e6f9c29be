"""Hostile input: generated values for every option and argument never break calloff."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Calloff, snapshot

# Values an officer, a script or an attacker might type.
nasty_text = st.one_of(
    st.text(min_size=0, max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\nb",
            "\x1b[31m",
            "\u202eevil",
            "<script>",
            "{{ 7*7 }}",
            "=cmd|'/c calc'!A0",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t",
            "\r",
            "x" * 5000,
            "Robert'); DROP TABLE calloffs;--",
            "%s%s%n",
            "../../etc/passwd",
        ]
    ),
)
moneyish = st.one_of(
    st.sampled_from(
        [
            "12,50a",
            "1e5",
            "NaN",
            "-5",
            "10.001",
            "£",
            "£1,2",
            "1" * 40,
            "١٢٣",
            "0",
            "0.00",
            "5000",
            "£12,500.00",
            "Infinity",
            "0x10",
            "",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    nasty_text,
)
dateish = st.one_of(
    st.sampled_from(
        [
            "2015-13-01",
            "2015-02-30",
            "2015-06-01",
            "2016-03-31",
            "0000-00-00",
            "9999-12-31",
            "2015-6-1",
            "20150601",
            "",
            "today",
        ]
    ),
    st.dates().map(str),
    nasty_text,
)
idish = st.one_of(
    st.integers(-5, 10).map(str),
    st.sampled_from(["0", "99999999999999999999", "1.5", "abc", "", "-1", "٣"]),
    nasty_text,
)
yearish = st.one_of(
    st.sampled_from(["2015-16", "2016-17", "2015", "2015-17", "1999-00"]), nasty_text
)

COMMANDS = {
    "request add": lambda: st.tuples(
        st.just(["request", "add"]),
        st.lists(
            st.one_of(
                st.tuples(st.just("--lot"), idish),
                st.tuples(st.just("--title"), nasty_text),
                st.tuples(st.just("--start"), dateish),
                st.tuples(st.just("--end"), dateish),
                st.tuples(st.just("--value"), moneyish),
                st.tuples(st.just("--quantity"), idish),
                st.tuples(st.just("--unit"), st.sampled_from(["day", "hour", "", "DAY"])),
                st.tuples(st.just("--funding"), st.sampled_from(["core", "traded", "", "x"])),
                st.tuples(st.just("--attendees"), idish),
                st.tuples(st.just("--on"), dateish),
            ),
            max_size=7,
        ),
    ),
    "allocate": lambda: st.tuples(
        st.just(["allocate"]), st.tuples(idish, dateish).map(lambda t: [("", t[0]), ("--on", t[1])])
    ),
    "provider add": lambda: st.tuples(
        st.just(["provider", "add"]), st.tuples(nasty_text).map(lambda t: [("", "--"), ("", t[0])])
    ),
    "suspend": lambda: st.tuples(
        st.just(["provider", "suspend"]),
        st.tuples(idish, nasty_text).map(lambda t: [("", t[0]), ("--reason", t[1])]),
    ),
    "unavailable": lambda: st.tuples(
        st.just(["provider", "unavailable"]),
        st.tuples(idish, dateish, dateish, idish, nasty_text).map(
            lambda t: [
                ("", t[0]),
                ("--from", t[1]),
                ("--to", t[2]),
                ("--lot", t[3]),
                ("--reason", t[4]),
            ]
        ),
    ),
    "decline": lambda: st.tuples(
        st.just(["decline"]),
        st.tuples(idish, nasty_text, dateish).map(
            lambda t: [("", t[0]), ("--reason", t[1]), ("--on", t[2])]
        ),
    ),
    "price set": lambda: st.tuples(
        st.just(["price", "set"]),
        st.tuples(idish, idish, moneyish).map(lambda t: [("", t[0]), ("", t[1]), ("--day", t[2])]),
    ),
    "ceiling set": lambda: st.tuples(
        st.just(["ceiling", "set"]),
        st.tuples(yearish, st.sampled_from(["core", "traded", "zz", ""]), moneyish).map(
            lambda t: [("--year", t[0]), ("--funding", t[1]), ("--amount", t[2])]
        ),
    ),
    "spend add": lambda: st.tuples(
        st.just(["spend", "add"]),
        st.tuples(idish, moneyish, dateish, nasty_text, idish).map(
            lambda t: [
                ("", t[0]),
                ("--amount", t[1]),
                ("--date", t[2]),
                ("--invoice", t[3]),
                ("--attendees", t[4]),
            ]
        ),
    ),
    "vary": lambda: st.tuples(
        st.just(["vary"]),
        st.tuples(idish, moneyish, nasty_text).map(
            lambda t: [("", t[0]), ("--value", t[1]), ("--reason", t[2])]
        ),
    ),
    "headroom": lambda: st.tuples(st.just(["headroom"]), yearish.map(lambda y: [("--year", y)])),
    "report": lambda: st.tuples(
        st.just(["report", "quarterly"]),
        st.tuples(yearish, idish, st.sampled_from(["md", "csv", "json", "pdf"])).map(
            lambda t: [("--year", t[0]), ("--quarter", t[1]), ("--format", t[2])]
        ),
    ),
    "audit": lambda: st.tuples(
        st.just(["audit"]),
        st.tuples(idish, nasty_text, dateish).map(
            lambda t: [("--calloff", t[0]), ("--provider", t[1]), ("--since", t[2])]
        ),
    ),
    "order": lambda: st.tuples(st.just(["order"]), idish.map(lambda i: [("", i)])),
}
invocations = st.sampled_from(sorted(COMMANDS)).flatmap(lambda name: COMMANDS[name]())


def _argv(command, pairs):
    argv = list(command)
    for flag, value in pairs:
        if flag:
            argv.append(flag)
        argv.append(value)
    return argv


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """A Leeds database with providers, a ranking, an accepted and an offered call-off."""
    path = tmp_path_factory.mktemp("hostile") / "template.db"
    c = Calloff(path)
    c.ok("init")
    for name in ("Alder Training", "Birch Practice Ltd"):
        c.ok("provider", "add", name)
    c.ok("rank", "set", "4", "1", "2")
    c.ok("price", "set", "4", "1", "--day", "1000")
    c.ok("price", "set", "4", "2", "--day", "1100")
    for start in ("2015-06-01", "2015-07-01"):
        c.ok("request", "add", "--lot", "4", "--title", "t", "--start", start, "--value", "5000")
        c.ok("allocate", "1" if start.endswith("06-01") else "2", "--on", "2015-05-01")
    c.ok("accept", "1", "--on", "2015-05-02")
    return path


@settings(max_examples=200, deadline=None)
@given(invocation=invocations)
def test_generated_input_never_breaks_calloff(invocation, template_db, tmp_path_factory):
    """Exit 0, 1 or 2; a refusal is one line, never a traceback, and changes nothing."""
    command, pairs = invocation
    db = tmp_path_factory.mktemp("h") / "calloff.db"
    shutil.copyfile(template_db, db)
    c = Calloff(db)
    argv = _argv(command, pairs)
    before = snapshot(db)
    result = c(*argv)
    assert result.exit_code in (0, 1, 2), (argv, result.output)
    assert "Traceback" not in result.output
    if result.exit_code:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (argv, result.stderr)
        assert "internal error" not in lines[0], (argv, lines[0])
        assert snapshot(db) == before, argv


csv_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.lists(st.lists(nasty_text, min_size=0, max_size=6), max_size=8).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8")
    ),
    st.sampled_from(
        [
            b'lot,rank,provider\n1,1,=HYPERLINK("x")\n',
            b"lot,rank,provider\n\xff\xfe1,1,1\n",
            b"calloff,invoice,date,amount\n1,=1+1,2015-06-02,10\n",
            b'calloff,invoice,date,amount\n1,"A,2015-06-02,10\n',
            b"\xef\xbb\xbfcalloff,invoice,date,amount,attendees\n1,X,2015-06-02,1e5,3\n",
            b"lot,rank,provider,day_rate\n4,1,1,NaN\n4,2,2,-5\n",
        ]
    ),
)


@settings(max_examples=120, deadline=None)
@given(body=csv_bodies, kind=st.sampled_from(["rank", "spend"]))
def test_generated_csv_files_never_break_imports(body, kind, template_db, tmp_path_factory):
    """Wrong columns, bad encodings and formulas: refused cleanly with nothing imported."""
    folder = tmp_path_factory.mktemp("csv")
    db, csv_file = folder / "calloff.db", folder / "in.csv"
    shutil.copyfile(template_db, db)
    csv_file.write_bytes(body)
    c = Calloff(db)
    before = snapshot(db)
    result = c(kind, "import", str(csv_file))
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    if result.exit_code:
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("Error: ") and "internal error" not in last, result.stderr
        assert snapshot(db) == before
