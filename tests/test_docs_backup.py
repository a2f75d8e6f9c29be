"""Every page of advice backs the database up one way (defect D8): `calloff backup DEST`, a
consistent copy while others work, checked; never the file copied alone, nor sqlite3's
`.backup`, which leaves the copy unchecked."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# sqlite3's dot-command (not `office.backup(...)`), copying the three files, `cp x.db`.
OTHER_WAYS = re.compile(r"(^|[\s\"'`])\.backup\b|copy all three|\bcp\s+\S*\.db\b", re.IGNORECASE)


def test_no_page_advises_another_way_to_back_up():
    found = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for page in PAGES
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        if OTHER_WAYS.search(line)
    ]
    assert found == []


def test_the_storage_section_backs_up_with_calloff_backup():
    audit = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    storage = audit.split("## Storage", 1)[1].split("\n## ", 1)[0]
    flat = " ".join(storage.split())
    assert "back up with `calloff backup DEST`" in flat
    assert "never by copying the file alone" in flat
