"""For any cascade, the provider's order names no one else, and the record names everyone.

Providers are suspended, withdrawn, unavailable or decline at random before the work lands
with one of them; whatever happened, the order holds nothing commercially sensitive and the
award record holds the whole cascade.
"""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from calloff.actions.service import Service
from calloff.documents.orders import render_order, render_record
from calloff.domain import definition
from calloff.errors import RuleBroken
from calloff.store.database import Store

NAMES = ["Ash Learning", "Beech Practice", "Cedar Circles", "Damson Dialogue", "Elm Voices"]
FATES = st.sampled_from(["active", "suspended", "withdrawn", "unavailable", "declines"])


@settings(max_examples=25, deadline=None)
@given(
    fates=st.lists(FATES, min_size=2, max_size=5),
    value=st.integers(500, 20_000),
    fmt=st.sampled_from(["md", "html"]),
)
def test_order_names_only_its_provider_and_record_names_the_cascade(fates, value, fmt):
    with tempfile.TemporaryDirectory() as folder:
        store = Store.create(Path(folder) / "c.db", definition.embedded("leeds-rp-2015"), "o")
        svc = Service(store, "o")
        start = date(2015, 4, 1)
        ids = [svc.setup.add_provider(NAMES[i], "standard", start) for i in range(len(fates))]
        svc.setup.set_ranking(4, ids, start)
        for pid, fate in zip(ids, fates, strict=True):
            if fate in ("suspended", "withdrawn"):
                svc.setup.set_provider_status(pid, fate, "a confidential reason", start)
            elif fate == "unavailable":
                svc.setup.mark_unavailable(
                    pid, date(2015, 6, 1), date(2015, 6, 30), None, "a confidential reason", start
                )
        rid = svc.add_request(
            4,
            "Training",
            date(2015, 6, 10),
            None,
            Decimal(value),
            None,
            None,
            "core",
            None,
            date(2015, 5, 1),
        )
        try:
            outcome = svc.allocate(rid, date(2015, 5, 1))
        except RuleBroken:
            return  # nobody could take it: no order, nothing to check
        declined = set()
        while outcome.calloff and fates[ids.index(outcome.calloff.provider_id)] == "declines":
            declined.add(outcome.calloff.provider_id)
            outcome = svc.decline(outcome.calloff.id, "a confidential reason", date(2015, 5, 2))
        if outcome.calloff is None:
            return
        winner = outcome.calloff.provider_id
        event(f"winner at rank {ids.index(winner) + 1}")
        order = render_order(svc, outcome.calloff.id, fmt)
        record = render_record(svc, outcome.calloff.id, fmt)
        store.close()
    assert NAMES[ids.index(winner)] in order
    for pid in ids:
        if pid != winner:
            assert NAMES[ids.index(pid)] not in order
    for secret in ("confidential", "rank", "ceiling", "headroom"):
        assert secret not in order.lower()
    # Everyone ranked above the winner was passed over or declined: the record says so.
    for pid in ids[: ids.index(winner)]:
        assert NAMES[ids.index(pid)] in record
    assert ("a confidential reason" in record) == (ids.index(winner) > 0)
