"""Real documents through the real stages, for tests.

``load(path)``: read + metadata + structure of one file, as the pipeline does
for each document (no enrich).  ``real_notices()``: the archive's own
``source_texts/`` through read -> metadata -> structure -> enrich, as
``make site`` builds them.  ``mixed_notices(seed, laws)``: the seeds, the
43 gov.cn pages, 民法典合同编 and a fixed sample of lawrefbook laws, loaded,
one document per title.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

from build_tools.enrich.versions import LOCK_NAME
from build_tools.ingest.metadata import load_notice
from build_tools.models import Enrichment, Notice
from build_tools.pipeline import enrich_stage, load_documents, source_files
from build_tools.settings import shared_dir
from build_tools.clauses.structure import parse_structure

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = ROOT / "source_texts"


def load(path: Path | str) -> Notice:
    """read + metadata + structure, as the pipeline does."""
    n = load_notice(path)
    n.clauses = parse_structure(n.body, n.kind, n.title).clauses
    return n


def real_notices(source_dir: Path = SOURCES) -> tuple[list[Notice], Enrichment]:
    """(notices, the enrich stage's ``Enrichment``) of ``source_dir`` through
    the pipeline up to the write stage, as ``build_site`` runs it (with the
    archive's ``works.lock``); a document with an error fails the test."""
    res = load_documents(source_files(source_dir), require_sidecar=True)
    if res.errors:
        raise RuntimeError("\n".join(map(str, res.errors)))
    _, enrichment = enrich_stage(res.notices, works_lock=source_dir / LOCK_NAME)
    return res.notices, enrichment


def mixed_notices(seed: int, laws: int) -> list[Notice]:
    """The archive's ``source_texts/``, the gov.cn pages, 民法典合同编 (526
    articles) and ``laws`` lawrefbook laws (shuffled with ``seed``), read and
    parsed (not enriched); one document per title (source_texts already holds
    some laws)."""
    shared = shared_dir() / "corpus"  # the same rule as conftest.SHARED
    lawref, govcn = shared / "lawrefbook", shared / "govcn2019"
    pool = sorted(p for p in lawref.rglob("*.md") if p.name != "_index.md" and "民法典" not in p.parts)
    random.Random(seed).shuffle(pool)
    files = source_files(SOURCES) + sorted(govcn.glob("*.html")) + [lawref / "民法典" / "合同编.md"] + pool[:laws]
    seen, out = set(), []
    for n in load_documents(files, require_sidecar=False).notices:
        if n.title not in seen:
            seen.add(n.title)
            out.append(n)
    return out


def run_in_sections(pages: list[tuple[str, Notice]], tmp_path: Path) -> tuple[int, int]:
    """(same, total): of the pages with three or more top-level sections (``s<N>``), how many
    give the same sections again when their body is run together into one line after the title
    (no line breaks at all, as crawler exports and some pastes have: issue 30)."""
    import re  # only this helper needs it

    def top(n: Notice) -> list[str]:
        return [c.id for c in parse_structure(n.body, n.kind, n.title).clauses if re.fullmatch(r"s\d+", c.id)]

    same = total = 0
    for name, page in pages:
        ids = top(page)
        if len(ids) < 3:
            continue
        copy = tmp_path / (Path(name).stem + "-run.txt")
        copy.write_text(page.title + "\u3000\u3000" + "".join(page.body.split("\n")), encoding="utf-8")
        total += 1
        same += top(load_notice(copy, use_sidecar=False)) == ids
    return same, total


def manifest_rows(folder: Path) -> list[dict]:
    """The ground-truth rows of a corpus folder (``<folder>/manifest.tsv``, tab-separated, a header row)."""
    with open(Path(folder) / "manifest.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))
