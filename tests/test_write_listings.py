"""Issue 29: listing pages by difference (``build.listcache``).

A rebuild renders again only the listing units whose reads changed: after a
sentence is added to one clause, only listing pages that show that clause's
text are rendered (theme pages show themed clauses whole); after a title
changes, only pages that show the title.  Either way the docs tree equals a
build from nothing.  Real documents: the seeds and the 43 gov.cn pages
(themes, regions, years, timeline), through load -> enrich -> write as
``build_site`` runs them, with the caches.
"""
from __future__ import annotations

from pathlib import Path

from build_tools.build import render as write
from build_tools.build.listcache import Seen, real
from build_tools.models import Notice
from build_tools.pipeline import load_documents, source_files
from build_tools.render.common import find_clause

from conftest import GOVCN
from support.site_build import load_enrich_write

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "（本句为重建测试所加）"
LISTINGS = ("index.md", "notices/", "tags/", "generated/", "works/")


def _files() -> list[Path]:
    return sorted(GOVCN.glob("*.html")) + source_files(ROOT / "source_texts")


def _tree(docs: Path) -> dict[str, str]:
    return {p: (docs / p).read_text(encoding="utf-8", errors="replace") for p in write.generated_files(docs)}


def _listing(path: str) -> bool:
    """A listing page (not a document's own page, record or download)."""
    return path.endswith(".md") and path.startswith(LISTINGS) and not (
        path.startswith("notices/") and path != "notices/index.md" and "/page/" not in path)


def _copy(victim: Path, where: Path, doc_id: str, data: bytes, title: str = "") -> Path:
    """``victim``'s bytes ``data`` under ``where``, its id kept by a sidecar (and its title set)."""
    where.mkdir(parents=True, exist_ok=True)
    out = where / victim.name
    out.write_bytes(data)
    out.with_suffix(".yml").write_text(f"id: {doc_id}\n" + (f"title: {title}\n" if title else ""), encoding="utf-8")
    return out


def _themed_clause(notices: list[Notice], files: list[Path]):
    """(source file, document, clause) of a gov.cn clause that a theme page shows, whose
    last characters occur once in the file's bytes (so a sentence can be put after them)."""
    by_name = {f.stem: f for f in files}
    for n in notices:
        src = by_name.get(Path(n.source_file or "").stem)
        if src is None or src.suffix != ".html":
            continue
        data = src.read_bytes()
        for cid, _themes in n.themed_clauses():
            c = find_clause(n, cid)
            tail = c.text.rstrip("。；;").strip()[-10:].encode() if c is not None else b""
            if len(tail) >= 24 and data.count(tail) == 1:
                return src, n, c, tail
    raise AssertionError("no themed gov.cn clause to edit")


def _rebuilt_equals_fresh(files, src, edited, tmp_path):
    """Rebuild with ``edited`` in place of ``src`` on the warm cache, and from
    nothing beside it; the two docs trees are byte-equal.  (report, tree)."""
    files2 = [edited if f == src else f for f in files]
    warm, _ = load_enrich_write(files2, tmp_path / "cache", tmp_path / "warm")
    load_enrich_write(files2, tmp_path / "cold-cache", tmp_path / "cold")
    a, b = _tree(tmp_path / "warm"), _tree(tmp_path / "cold")
    assert a.keys() == b.keys() and [p for p in a if a[p] != b[p]] == []
    return warm, a


def test_a_sentence_re_renders_only_the_listing_pages_that_show_it(tmp_path):
    files = _files()
    cold, res = load_enrich_write(files, tmp_path / "cache", tmp_path / "warm")
    assert set(cold.listing_families.values()) == {"whole"}  # the first build renders every family
    src, n, c, tail = _themed_clause(res.notices, files)
    data = src.read_bytes()
    at = data.index(tail) + len(tail)
    edited = _copy(src, tmp_path / "edited", n.id, data[:at] + SENTENCE.encode() + data[at:])
    warm, a = _rebuilt_equals_fresh(files, src, edited, tmp_path)
    shows = {p for p in a if _listing(p) and SENTENCE in a[p]}
    assert any(p.startswith("tags/theme/") for p in shows), "the theme page shows the edited clause"
    rendered = set(warm.listing_rendered)
    assert shows <= rendered  # (the bytes above say so too)
    assert sorted(rendered - shows) == []  # nothing else was rendered again
    assert "kept" in warm.listing_families.values()


def test_a_changed_title_re_renders_the_lists_that_show_it(tmp_path):
    files = _files()
    _, res = load_enrich_write(files, tmp_path / "cache", tmp_path / "warm")
    n = next(n for n in res.notices if Path(n.source_file or "").suffix == ".html")
    src = next(f for f in files if f.stem == Path(n.source_file).stem)
    title = "重建测试用的新标题"
    edited = _copy(src, tmp_path / "edited", n.id, src.read_bytes(), title=title)
    warm, a = _rebuilt_equals_fresh(files, src, edited, tmp_path)
    shows = {p for p in a if _listing(p) and title in a[p]}
    rendered = set(warm.listing_rendered)
    assert "notices/index.md" in shows and any(p.startswith("tags/year/") for p in shows)
    assert shows <= rendered
    assert sorted(rendered - shows) == []


def test_seen_records_reads_and_passes_for_a_notice(tmp_path):
    """``Seen`` is what a listing family is given: it reads as the Notice, is one
    for ``isinstance``, and cannot be written."""
    from build_tools.build.listcache import Recorder, Scope

    n = load_documents(source_files(ROOT / "source_texts")).notices[0]
    rec = Recorder()
    scope = Scope()
    with rec.into(scope):
        s = Seen(n, rec)
        assert isinstance(s, Notice) and s.title == n.title and real(s) is n
        assert list(s.walk()) == list(n.walk())
    assert "title" in scope.docs[n.id] and any(isinstance(k, tuple) and k[0] == "walk" for k in scope.docs[n.id])
    try:
        s.title = "x"
    except AttributeError:
        pass
    else:
        raise AssertionError("a Seen view was written")


def test_a_kept_listing_page_deleted_by_hand_is_written_again(tmp_path):
    """A listing family whose reads are unchanged is not rendered, but a page of it that
    is gone from docs/ is: the rebuild gives the tree of the first build."""
    files = _files()
    load_enrich_write(files, tmp_path / "cache", tmp_path / "docs")
    first = _tree(tmp_path / "docs")
    gone = sorted(p for p in first if p.startswith("tags/year/") and p != "tags/year/index.md")[0]
    (tmp_path / "docs" / gone).unlink()
    again, _ = load_enrich_write(files, tmp_path / "cache", tmp_path / "docs")
    assert _tree(tmp_path / "docs") == first
    assert again.listing_rendered == [gone]
    assert again.listing_families["years"] == "units" and again.listing_families["notices"] == "kept"
