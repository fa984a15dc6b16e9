"""Metadata fields declared once (issue 24, item 2): ``build_tools/model/fields.py``.

(c) the metadata stage decides the same values as before its split into one decider per
field, on every real document (``tests/data/fields-golden.json``, made by
``tests/support/fields_golden.py`` from the code before the split).
"""
from __future__ import annotations

import json

import pytest

from support import fields_golden as golden

GOLDEN = json.loads(golden.GOLDEN.read_text(encoding="utf-8"))
DOCS = golden.documents()


def test_golden_covers_every_real_document():
    names = {name for name, _, _ in DOCS}
    assert names == set(GOLDEN), sorted(names ^ set(GOLDEN))[:10]
    for folder, least in (("seeds/", 5), ("govcn2019/", 43), ("provincial/", 20), ("sites2/", 40),
                          ("source_texts/", 11), ("lawrefbook/", 50)):
        assert sum(n.startswith(folder) for n in names) >= least, folder


# the one deliberate change: a value the sidecar set is now reported as the sidecar's for every
# field (before, 施行日期 of the four law sidecars kept the 法律题注 line it replaced)
NEWLY_REPORTED = {"date_effective", "forwarded", "kind"}


@pytest.mark.parametrize("name,path,side", DOCS, ids=[d[0] for d in DOCS])
def test_every_value_as_before_the_split(name, path, side):
    now = golden.decide(path, side)
    before = GOLDEN[name]
    for key in NEWLY_REPORTED:
        if now["basis"].get(key) == "sidecar":
            assert now["provenance"][key].startswith("sidecar "), (name, key)
            now["provenance"].pop(key)
            before["provenance"].pop(key, None)
    diff = {k: (before.get(k), now.get(k)) for k in set(before) | set(now) if before.get(k) != now.get(k)}
    assert not diff, f"{name}: {diff}"
