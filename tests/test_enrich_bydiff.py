"""Issue 29: enrichment by difference equals a whole enrichment.

A rebuild keeps each document's per-document entry (``enrich/doccache``, one
keyed file), the article alignments and same-text answers of pairs
(``PairMemo``) and each document's resolved references
(``references.ResolvedMemo``).  On real documents (a slice of lawrefbook
with three laws of several versions, the 43 govcn2019 pages and the seeds),
after one changed notice, one changed law cited by article, one added and
one removed document and one law version added, the enrichment by
difference equals one made across documents from nothing (no resolved
memo, no pair memo): the ``Enrichment`` and every document's enriched
fields.  A change that leaves the resolution table as it was re-resolves
only a few documents; one that changes it re-resolves every document.
"""
from __future__ import annotations

import pickle
import random
import shutil
from pathlib import Path

import pytest

from build_tools.enrich import enrich_all
from build_tools.enrich.doccache import ENTRIES
from build_tools.pipeline import load_documents, source_files

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
LAW = SHARED / "lawrefbook"
TODAY = "2026-12-01"
EXTRA_VERSION = ROOT / "tests" / "data" / "laws" / "专利法(2008-12-27).md"


def _files() -> list[Path]:
    laws = sorted(p for p in LAW.rglob("*.md") if p.name != "_index.md")
    random.Random(29).shuffle(laws)
    versions = (sorted((LAW / "行政法规").glob("道路运输条例(*.md")) + sorted(LAW.rglob("行政复议法(*.md"))
                + sorted(LAW.rglob("民事诉讼法(*.md")) + sorted(LAW.rglob("行政处罚法(*.md"))
                + sorted(LAW.rglob("行政许可法(*.md")) + sorted(LAW.rglob("行政诉讼法(*.md")))
    seeds = source_files(ROOT / "source_texts")  # 专利法 2020 among them (its 2008 text is added below)
    patents = sorted(LAW.rglob("*专利*.md"))  # the interpretations citing articles of 专利法 (2008 and 2020 texts)
    picked = sorted(f for f in set(laws[:300]) | set(versions) | set(patents) if f.name not in {s.name for s in seeds})
    return picked + sorted((SHARED / "govcn2019").glob("*.html")) + seeds


def _state(notices, enr) -> tuple:
    """Everything enrich gives: the Enrichment (but its timings) and each document's enriched fields."""
    docs = [(n.id, [(c.id, list(c.themes)) for c in n.walk()], n.themes, n.references, n.goals, n.targets,
             n.work_id, n.version_label, n.validity, n.validity_basis) for n in notices]
    return (docs, enr.cited_by, enr.work_cited_by, enr.external, enr.works, enr.versions, enr.comparisons,
            enr.article_history, enr.related, [str(p) for p in enr.problems])


def _edited(victim: Path, where: Path, append: str, *, same_line: bool = False) -> Path:
    """A copy of ``victim`` under ``where`` keeping its id (a sidecar naming it), with ``append`` at its end
    (``same_line``: at the end of its last line, so no clause is added)."""
    changed = where / victim.name
    changed.parent.mkdir(parents=True, exist_ok=True)
    data = victim.read_bytes()
    changed.write_bytes((data.rstrip() + append.encode() + b"\n") if same_line else data + append.encode())
    changed.with_suffix(".yml").write_text(f"id: {load_documents([victim]).notices[0].id}\n", encoding="utf-8")
    return changed


class Archive:
    """One rebuild after another in ``cache`` (by difference), each against a whole enrichment."""

    def __init__(self, tmp: Path):
        self.tmp, self.parses, self.cache, self.runs = tmp, tmp / "docs", tmp / "enrich", 0

    def check(self, files: list[Path]):
        """Enrich ``files`` by difference; assert it equals a whole enrichment; (state, timings)."""
        res = load_documents(files, cache_dir=self.parses)
        assert not [p for p in res.problems if p.level == "error"]
        whole_docs = pickle.loads(pickle.dumps(res.notices))
        enr = enrich_all(res.notices, today=TODAY, related=False, doc_cache_dir=self.cache, doc_keys=res.keys)
        # the reference: the same per-document entries (test_incremental holds them to a cold run), but
        # everything across documents made from nothing (no resolved memo, no pair memo)
        self.runs += 1
        fresh = self.tmp / f"whole-{self.runs}"
        fresh.mkdir()
        shutil.copy(self.cache / ENTRIES, fresh / ENTRIES)
        whole = enrich_all(whole_docs, today=TODAY, related=False, doc_cache_dir=fresh, doc_keys=res.keys)
        assert whole.timings["resolve_docs"] == len(whole_docs)  # resolved whole
        got, want = _state(res.notices, enr), _state(whole_docs, whole)
        for part, (a, b) in enumerate(zip(got, want)):
            assert a == b, f"part {part} differs"
        return res, enr


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return Archive(tmp_path_factory.mktemp("bydiff"))


def test_enrichment_by_difference_equals_a_whole_one_after_each_kind_of_change(archive, tmp_path):
    files = _files()
    held_back = sorted((SHARED / "govcn2019").glob("*.html"))[5]
    base = [f for f in files if f != held_back]
    res, enr = archive.check(base)
    n = len(res.notices)
    # the real slice has what resolution reads across documents (the comparison is not vacuous)
    refs = [r for d in res.notices for r in d.references]
    assert sum(1 for r in refs if r.target_clause) > 30 and sum(1 for r in refs if r.external_key) > 500
    assert enr.article_history and enr.work_cited_by
    assert any(r.text and "《" not in r.text and r.target_id for r in refs)  # a bare law name resolved

    # nothing changed: every document's resolution is kept
    _, enr = archive.check(base)
    assert enr.timings["resolve_docs"] == 0

    # one notice changed (a sentence): the table is the same, so it alone is resolved again
    notice = next(f for f in base if "govcn2019" in f.parts)
    changed = _edited(notice, tmp_path / "n", "\n<p>本通知由有关部门负责解释。</p>\n")
    files1 = [changed if f == notice else f for f in base]
    _, enr = archive.check(files1)
    assert 1 <= enr.timings["resolve_docs"] <= n // 20

    # the law cited most by article changed (a sentence at the end of its last clause): its clause ids are
    # the same, so the documents citing its articles keep their resolution
    cited = max((d for d in res.notices if d.kind == "law" and "lawrefbook" in res.paths[d.id].parts),
                key=lambda d: sum(1 for c in enr.cited_by.get(d.id, []) if c.target_clause))
    assert sum(1 for c in enr.cited_by[cited.id] if c.target_clause) >= 3
    law = res.paths[cited.id]
    changed_law = _edited(law, tmp_path / "l", "本法的解释权属于全国人民代表大会常务委员会。", same_line=True)
    files2 = [changed_law if f == law else f for f in files1]
    _, enr = archive.check(files2)
    assert 1 <= enr.timings["resolve_docs"] <= n // 20

    # one document added, one removed, one law version added: the table changes, all are resolved again
    files3 = files2 + [held_back]
    _, enr = archive.check(files3)
    assert enr.timings["resolve_docs"] == n + 1
    gone = next(f for f in files3 if "source_texts" in f.parts)
    files4 = [f for f in files3 if f != gone]
    archive.check(files4)
    res5, enr = archive.check(files4 + [EXTRA_VERSION])
    patent = next(w for w in enr.works.values() if "专利法" in w.title and w.kind == "law" and len(w.versions) >= 2)
    assert load_documents([EXTRA_VERSION]).notices[0].id in patent.versions
    # with both 专利法 texts, references to the 2008 articles name them in the 2020 text (followed, compared too)
    assert sum(1 for d in res5.notices for r in d.references if r.now_note) >= 10
