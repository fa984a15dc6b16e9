"""Minimal HTML pages for Pagefind (large archives), one per document.

Pagefind's time goes into segmenting and indexing the text, not into the
page markup, so it does not need the built site: it indexes these pages,
written straight from the Notices, *while* MkDocs builds (two cores).  Each
page has the document's permanent path (``notices/<id>.html``) and one
heading per clause with the clause's permanent id, so Pagefind's anchors
point at ``notices/<id>.html#s2-3`` on the real site::

    <html lang="zh"><body data-pagefind-body>
    <span data-pagefind-filter="region[data-v]" data-v="云南省"></span> …
    <span data-pagefind-sort="date[data-v]" data-v="2022-03-01"></span>
    <h1 data-pagefind-meta="title[data-title]" data-title="题名" data-pagefind-ignore>题名</h1>
    <p>题名 名 ， ， … ，</p><p data-pagefind-ignore>云府发〔2022〕1号 · …</p>
    <h3 id="s2-3">h二（三）</h3><p>（ 三 ） 持续 续加 加强 强 …</p> …

Two choices, both measured by ``make bench-search`` (benchmarks/bench_search.py):

* **Pre-segmented text, one word per Han character: the character and the
  next one (an overlapping bigram, the approach of Lucene's CJK bigram
  filter), or the character alone at the end of a run of Han characters;
  a punctuation mark, a run of letters or of digits is one word, words are
  split by spaces** (issue 26).  Pagefind 1.5 segments Chinese with its own
  dictionary, and not the same way when indexing and when querying
  (Pagefind issues #1237, #659, #987): 惩罚性赔偿 or 著作权 can miss pages
  that hold them.  With one word per character position, a term's
  occurrence is a chain of its bigrams at consecutive word positions
  (三合一: 三合 at p, 合一 at p+1), which the browser reads from Pagefind's
  word locations before fetching a single page fragment
  (``pagefind-search.js``): for a query of Han characters the candidate
  pages are exactly the pages holding it, counted on the first screen, and
  the box still keeps only the clauses whose text holds the query exactly.
  (A long query is asked first by two of its bigrams, at their distance:
  each word asked costs an index chunk in every shard; the few candidates
  are then checked in their fragments.)  A single character finds every word it begins (Pagefind matches
  prefixes).  Everything indexed is spaced so, and Pagefind indexes it as
  language "und" (``mkbuild.PAGEFIND_LANGUAGE``): it splits on the spaces
  only, so its anchor locations count exactly the space-separated words it
  hands the browser -- the box cuts each clause's text out of the page by
  those locations, taking the first character of each bigram.
* **Title apart, in a slot of fixed length**: the title's words open the
  page, then ``，`` (``FILLER``, a mark: a word Pagefind counts but does not
  index) up to word ``TITLE_SLOT`` (128), where the clause text starts on
  every page; so an occurrence before word 128 is in the title
  (中华人民共和国专利法 ranks first for 专利), from it on in a clause, told
  by the query's own word locations.  (Before: a mark ``㐀`` after the
  title, whose position the box asked Pagefind for on every query: one more
  index chunk, ~34 KB gzipped, from every shard.)  A title has at most
  ``TITLE_SLOT - 1`` words in the slot (the longest of the whole corpus has
  74); a longer one's tail is not found as title.  A mark on each title word
  (``t专利``) did not do: Pagefind splits such a query word.
* **Not in the text index**: each clause heading (one word, ``h`` and the
  label: ``h第八十二条``) and the line of 文号, issuer and date (ignored):
  only clause text is a hit, as in the CLI (the title's words are told
  apart by their position).  ``date`` is a Pagefind sort
  key (``recency_key``: the year, then the id, as the CLI's ``rank_rows``;
  ``0000`` when unknown: Pagefind leaves pages without the key out of sorted
  results), the recency the box orders by; ``force`` (``force_key``: legal
  force, then recency) orders the documents whose title holds the query.
* **Filters** ``region`` (the region and every parent: 云南省 finds 昆明市's
  documents; 全国 for national ones), ``year``, ``type`` (文种), ``status``
  and ``theme`` (theme names of the document and of its clauses), the CLI's
  ``--region/--year/--type/--status/--theme``.  The same values go, hidden,
  into each real notice page (``facets_html``), where Material's search index
  picks them up for the small archive's facets.

**Clause starts** (issue 26): Pagefind's own word position of each clause
heading of a page (its fragment's anchors with an id: the counter that also
numbers the words in the index, every space-separated word, marks included),
one small file a page, ``clauses/<Pagefind page id>.txt`` in the site's
``pagefind/`` (``write_clause_file``, called by ``mkbuild`` on each fragment
after indexing), delta-encoded (``encode_starts``: 5 bits a character, the
last of a number marked; ~2 bytes a clause)::

    encode_starts([128, 140, 141]) == "4wIx"    # 128, +12, +1

With them the box tells, from the words' locations alone, whether several
terms share a clause (行政处罚 知识产权: 77 pages hold both, 4 in one
clause), and fetches page fragments only for the documents it shows.  Each
bundle also lists its pages' longest clauses (``ClauseFiles.spans_text``;
the site's ``clauses/spans.txt``), from which the box drops, before their
files, the candidates whose terms never come that close.

**Shards** (issue 16): Pagefind has no incremental mode, so the pages are
split by a stable hash of the document id (``shard_of``: sha1(id) mod N) into
``N = shard_count(documents, characters)`` folders, ``<cache>/pagefind-src/<k>/notices/<id>.html``;
``mkbuild.PagefindShards`` indexes only the shards whose pages changed, one
after another, and the browser merges them (``pagefind-search.js``).  N grows
with the archive: at most ``SHARD_DOCS`` documents (``IPARCHIVE_PAGEFIND_SHARD_DOCS``
overrides it; the tests use 3-4 to get several shards from the seeds) and
about ``SHARD_CHARS`` characters of indexed text a shard::

    shard_count(3490) == 5           # SHARD_DOCS 700: 1.0-1.24 GB a shard
    shard_of("govcn-041", 3) == 1    # the same on every build and machine
"""
from __future__ import annotations

import hashlib
import pickle
import re
import shutil
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..doctypes import force_rank, type_group
from ..models import Notice
from ..vocabulary import load_vocabulary
from .. import codedigest
from ..fsutil import atomic_write_bytes, content_digest, value_digest as digest
from ..settings import PAGEFIND_SHARD_DOCS, SHARD_ENV, env
from .common import esc, write_if_changed

NATIONAL = "全国"
TITLE_SLOT = 128  # words of the title slot: the clause text starts at this word on every page
# (pagefind-search.js has the same number)
FILLER = "，"  # fills the slot: a mark, counted by Pagefind as a word, not indexed
HEAD_MARK = "h"  # before a clause heading, one word (its label: never a hit, the clause text holds it)
# documents a Pagefind shard, chosen by measurement on the whole corpus
# (3,489 documents, one bigram word per Han character position, issue 26):
# Pagefind's peak memory follows a shard's text (1,150 documents, 49 MB of
# search pages: 1,725 MB; 890 documents, 37.7 MB: 1,465 MB; 700 documents,
# ~30 MB: 1.0-1.24 GB), while the first query fetches, from every shard, one
# index chunk (~30 KB gzipped: Pagefind fills a chunk to 20,000 locations)
# per bigram it asks for.  700 (5 shards) keeps every Pagefind process under
# 1.5 GB with a margin; the title slot (no 㐀 to ask for) saves one chunk a
# shard.  Re-indexing one shard runs beside the rest of a rebuild.
SHARD_DOCS = PAGEFIND_SHARD_DOCS
# characters of indexed text a shard (search_chars): the whole corpus's 5
# shards hold 3.5-4.0 M words each (one a character position) at 1.0-1.24 GB
SHARD_CHARS = 4_500_000
CLAUSES = "clauses"  # <bundle>/clauses/<page id>.txt and site/pagefind/clauses/ (pagefind-search.js reads it)
SPANS = "spans.txt"  # site/pagefind/clauses/spans.txt: every page's longest clause (span_bucket)
BUNDLE_SPANS = "iparchive-spans.txt"  # in each bundle: its pages' part of SPANS
# 64 digits of the clause-start files: 0-31 begin or continue a number, 32-63 end it
# (pagefind-search.js has the same string)
START_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
DIGESTS = "page-inputs.pickle"  # doc id -> (page_inputs, content digest) of its page on disk (iter_shard_pages)
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# a Han character, a punctuation mark or symbol, a run of letters, a run of digits
_HAN_ONE = re.compile(f"[{_HAN}]")
_WORD_RE = re.compile(f"[{_HAN}]|[^\\w\\s]|_|(?:(?![{_HAN}])[^\\W\\d_])+|\\d+")


class _Fold(dict):
    """str.translate table, filled as characters are met: a character whose
    NFKC form is one letter, digit or Han character becomes it (full-width
    ＰＣＴ２０２５, Kangxi radical ⼈, compatibility ideographs), as the
    browser folds the query (``keyed`` in pagefind-search.js); marks stay
    as printed (，stays ，)."""

    def __missing__(self, ch: int):
        c = chr(ch)
        n = unicodedata.normalize("NFKC", c)
        out = n if len(n) == 1 and n != c and (n.isalnum() or _HAN_ONE.match(n)) else ch
        self[ch] = out
        return out


_FOLD = _Fold()


def words(text: str) -> list[str]:
    """Pagefind's words of ``text``, one per character position of Han text:
    ``加强“三合一”GB/T7714`` -> ``加强 强 “ 三合 合一 一 ” GB / T 7714``
    (a Han character with the Han character right after it, or alone)."""
    ms = list(_WORD_RE.finditer(text.translate(_FOLD)))
    out = []
    for i, m in enumerate(ms):
        w = m.group()
        if i + 1 < len(ms) and ms[i + 1].start() == m.end() and _HAN_ONE.fullmatch(w):
            nxt = ms[i + 1].group()
            if _HAN_ONE.fullmatch(nxt):
                w += nxt
        out.append(w)
    return out


def title_slot(title: str) -> list[str]:
    """The title's words (at most ``TITLE_SLOT - 1``), then ``FILLER`` up to
    ``TITLE_SLOT`` words: at least one mark, so no chain runs from the
    title into the text."""
    ws = words(title)[:TITLE_SLOT - 1]
    return ws + [FILLER] * (TITLE_SLOT - len(ws))


def spaced(text: str) -> str:
    """``words`` split by spaces."""
    return " ".join(words(text))


ID_KEY = 64  # an id's length in the sort keys (longer ids are cut: the corpus's longest has 40)


def force_key(n: Notice) -> str:
    """The order of documents whose title holds the query (Pagefind sort key
    ``force``, ascending), as ``iparchive search`` (``search.query.rank_rows``,
    whose records have the year, not the date): legal force
    (``doctypes.force_rank``: 法 first), then the newest year, then the id:
    rank + 9999 - year + id (专利法, a 法 of 2020 -> ``007979cn-2020-575ffb``,
    before 著作权法 2020, ``cn-2020-f0c3be``; no year: last)."""
    return f"{force_rank(n.doc_type):02d}{9999 - (n.year or 0):04d}{n.id[:ID_KEY]}"


def recency_key(n: Notice) -> str:
    """The order of the other documents at equal occurrences (Pagefind sort
    key ``date``, descending), as ``iparchive search``: the newest year, then
    the id ascending: the year + each id character complemented within
    printable ASCII (``!`` <-> ``~``), padded with ``~`` to ``ID_KEY``, so a
    descending sort of the key is an ascending one of the id (``a`` before
    ``ab``)."""
    flip = "".join(chr(0x9f - ord(c)) if "!" <= c <= "~" else c for c in n.id[:ID_KEY])
    return f"{n.year or 0:04d}" + flip.ljust(ID_KEY, "~")


def filter_values(n: Notice, theme_names: dict[str, str]) -> dict[str, list[str]]:
    """Pagefind filter values of one document (same meaning as the CLI flags)."""
    out: dict[str, list[str]] = {}
    r = n.region
    if r is not None:
        out["region"] = [NATIONAL] if r.is_national else list(dict.fromkeys(
            [name for name, _ in (r.chain or [])] + [r.name]))
    if n.year is not None:
        out["year"] = [str(n.year)]
    if n.doc_type:
        out["type"] = [type_group(n.doc_type)]  # the document list's 文种 (指导意见 -> 意见)
    if n.status:
        out["status"] = [n.status]
    if n.validity:  # issue 25: 现行有效 / 已被修改 / 已废止 / 已失效 / 尚未生效 / 征求意见稿
        out["validity"] = [n.validity.split("（", 1)[0]]
    slugs = list(dict.fromkeys(list(n.themes) + [t for c in n.walk() for t in c.themes]))
    if slugs:
        out["theme"] = [theme_names.get(s, s) for s in slugs]
    return out


def clause_themes(n: Notice, theme_names: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the document's theme names, ``<clause id>=<name>`` for each clause theme
    the document does not have): the CLI's ``--theme`` takes a clause when
    the clause or its document has the theme, so a page passing the
    ``theme`` filter keeps only those clauses."""
    doc = [theme_names.get(t, t) for t in n.themes]
    extra = [f"{c.id}={theme_names.get(t, t)}" for c in n.walk() for t in c.themes if t not in n.themes]
    return doc, extra


def search_page(n: Notice, theme_names: dict[str, str] | None = None, presegment: bool = True) -> str:
    """The Pagefind page of ``n``; ``presegment=False`` leaves the text to
    Pagefind's own segmenter (only ``make bench-search`` does, to measure it)."""
    names = theme_names or {}
    seg = spaced if presegment else str
    meta = " · ".join(x for x in (n.doc_number, "，".join(n.issuer), n.date or "") if x)
    parts = ['<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">',
             f"<title>{esc(n.title)}</title></head><body data-pagefind-body>"]
    for key, values in filter_values(n, names).items():
        parts += [f'<span data-pagefind-filter="{key}[data-v]" data-v="{esc(v)}"></span>' for v in values if v]
    doc_themes, extra = clause_themes(n, names)
    if doc_themes or extra:
        parts.append(f'<span data-pagefind-meta="dtheme[data-v]" data-v="{esc("、".join(doc_themes))}"></span>'
                     f'<span data-pagefind-meta="ctheme[data-v]" data-v="{esc(" ".join(extra))}"></span>')
    parts.append(f'<span data-pagefind-sort="date[data-v]" data-v="{esc(recency_key(n))}"></span>'
                 f'<span data-pagefind-sort="force[data-v]" data-v="{esc(force_key(n))}"></span>')
    parts.append(f'<h1 data-pagefind-meta="title[data-title]" data-title="{esc(n.title)}" '
                 f'data-pagefind-ignore>{esc(n.title)}</h1>')
    if presegment:
        parts.append(f"<p>{esc(' '.join(title_slot(n.title)))}</p>")
    if meta:
        parts.append(f"<p data-pagefind-ignore>{esc(meta)}</p>")
    for c in n.walk():
        label = re.sub(r"\s+", "", c.label or "") or c.id
        parts.append(f'<h3 id="{esc(c.id)}">{esc(HEAD_MARK + label) if presegment else esc(label)}</h3>')
        parts += [f"<p>{esc(seg(line))}</p>" for line in c.text.split("\n") if line.strip()]
    if not n.clauses and n.body:
        parts += [f"<p>{esc(seg(line))}</p>" for line in n.body.split("\n") if line.strip()]
    parts.append("</body></html>\n")
    return "\n".join(parts)


@lru_cache(maxsize=1)
def theme_name_map() -> dict[str, str]:
    """slug -> Chinese name from the theme vocabulary."""
    return {t.slug: t.name for t in load_vocabulary()}


def facets_html(n: Notice) -> str:
    """The document's filter values inside its real page (``pages.render_notice``),
    hidden: Pagefind filter attributes, and text (``region:云南省 year:2022 …``)
    that Material's search index keeps, from which the small archive's search
    box builds its facets (works from file://, like the rest of that box)."""
    names = theme_name_map()
    spans = [f'<span data-pagefind-filter="{k}[data-v]" data-v="{esc(v)}">{k}:{esc(v.replace(" ", "_"))}</span>'
             for k, vs in filter_values(n, names).items() for v in vs if v]
    doc_themes, extra = clause_themes(n, names)
    spans += [f"<span>dtheme:{esc(v)}</span>" for v in doc_themes] + [f"<span>ctheme:{esc(v)}</span>" for v in extra]
    return f'<p class="ipa-facets" hidden data-pagefind-ignore>{" ".join(spans)}</p>' if spans else ""


def code_digest() -> bytes:
    """This module, what it imports and the theme vocabulary (``codedigest``):
    a change to any of them re-makes every search page."""
    return codedigest.code_digest(__name__, data=("build_tools/data/*",))


def page_inputs(n: Notice, presegment: bool, code: bytes) -> bytes:
    """Digest of everything ``search_page`` reads of ``n``, with ``code``
    (``code_digest``: the modules and the theme vocabulary):
    equal digests, equal pages."""
    return digest((code, presegment, n.id, n.title, n.doc_number, n.issuer, n.date, n.region, n.year, n.doc_type,
                   n.status, n.themes, [(c.id, c.label, c.text, c.themes) for c in n.walk()],
                   n.body if not n.clauses else ""))


def write_search_pages(notices: Iterable[Notice], out: Path, presegment: bool = True,
                       known: Optional[dict[str, tuple[bytes, str]]] = None,
                       doc_digests: Optional[dict[str, bytes]] = None,
                       shas: Optional[dict[str, str]] = None) -> list[str]:
    """Write ``out/notices/<id>.html`` for every notice (unchanged files are
    kept) and remove pages of documents no longer in the archive.  Returns
    the paths written.  ``known`` (doc id -> ``page_inputs`` of the page on
    disk, updated here): a page whose inputs are unchanged is not made again
    (the 3,490 pages of the whole corpus: 4.4 s to make, 0.5 s to digest).
    ``doc_digests`` (``pagecache.document_digests``: every field of the
    document) stand in for ``page_inputs`` when given: already computed.
    ``known`` keeps each page's content digest beside its inputs, and
    ``shas`` (``notices/<id>.html`` -> that digest, hex, as
    ``mkbuild.page_digests`` reads it from the file) is filled for every
    page, so Pagefind's shards need not read 17,000 pages back (issue 29:
    4.6-5.8 s of a one-document rebuild at 5x)."""
    out = Path(out)
    folder = out / "notices"
    folder.mkdir(parents=True, exist_ok=True)
    want = {f"{n.id}.html": n for n in notices}
    for old in folder.glob("*.html"):
        if old.name not in want:
            old.unlink()
    names = theme_name_map()
    code = code_digest() if known is not None else b""
    written = []
    for name, n in want.items():
        d = None
        if known is not None:
            d = (digest((code, presegment, doc_digests[n.id])) if doc_digests and n.id in doc_digests
                 else page_inputs(n, presegment, code))
        was = known.get(n.id) if known is not None else None
        if d is not None and isinstance(was, tuple) and was[0] == d and (folder / name).is_file():
            if shas is not None:
                shas[f"notices/{name}"] = was[1]
            continue
        raw = search_page(n, names, presegment).encode("utf-8")
        sha = content_digest(raw).hex()
        if write_if_changed(folder / name, raw):
            written.append(f"notices/{name}")
        if shas is not None:
            shas[f"notices/{name}"] = sha
        if d is not None:
            known[n.id] = (d, sha)
    return written


def shard_docs() -> int:
    """Documents a shard: ``SHARD_DOCS``, or ``IPARCHIVE_PAGEFIND_SHARD_DOCS``
    (a positive integer; ValueError in Chinese otherwise)."""
    raw = env(SHARD_ENV)
    if not raw:
        return SHARD_DOCS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"环境变量 {SHARD_ENV} 须为正整数（每个 Pagefind 分片的文件数），现为 {raw!r}")
    return int(raw)


def search_chars(notices: Iterable[Notice]) -> int:
    """Characters of what the search pages index: titles and clause texts
    (a document's body when it has no clauses)."""
    return sum(len(n.title or "") + sum(len(c.text) for c in n.walk()) + (0 if n.clauses else len(n.body or ""))
               for n in notices)


def shard_count(documents: int, characters: int = 0) -> int:
    """How many shards for an archive of ``documents`` holding ``characters``
    of indexed text (``search_chars``): at least one, at most ``shard_docs()``
    documents and about ``SHARD_CHARS`` characters a shard (Pagefind's
    memory follows the text, so an archive of long laws gets more shards)."""
    return max(1, -(-documents // shard_docs()), -(-characters // SHARD_CHARS))


def shard_of(doc_id: str, shards: int) -> int:
    """The shard of a document: sha1 of its id mod ``shards`` (stable across
    builds and machines, unlike ``hash()``)."""
    return int.from_bytes(hashlib.sha1(doc_id.encode("utf-8")).digest()[:8], "big") % shards


def iter_shard_pages(notices: Iterable[Notice], out: Path, shards: int,
                     doc_digests: Optional[dict[str, bytes]] = None) \
        -> Iterator[tuple[int, list[str], dict[str, str]]]:
    """Write ``out/<k>/notices/<id>.html`` for every notice, ``k = shard_of(id)``,
    one shard at a time, in order, yielding (k, the paths written, the shard's
    pages with their content digests: {``notices/<id>.html``: hex},
    ``mkbuild.page_digests``' form) as soon as shard k is written, so
    Pagefind can index it while the next is written (issue 29).  Unchanged
    pages are neither made again nor read back: their digests come from the
    memo ``out/page-inputs.pickle`` (doc id -> inputs digest, content
    digest; ``doc_digests`` stand in for the inputs), saved before the last
    shard is handed out.  Pages that left a shard and everything else in
    ``out`` (shards beyond ``shards``, the single-index ``out/notices/`` of
    older builds) are removed.  The build's search pages' child
    (``publish.site``) and the tests use this one function."""
    out = Path(out)
    groups: dict[int, list[Notice]] = {k: [] for k in range(shards)}
    for n in notices:
        groups[shard_of(n.id, shards)].append(n)
    keep = {str(k) for k in groups} | {DIGESTS}  # anything else goes (char-counts of older builds too)
    if out.is_dir():
        for old in out.iterdir():
            if old.name not in keep:
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    old.unlink(missing_ok=True)
    memo = out / DIGESTS
    try:
        known = pickle.loads(memo.read_bytes())
    except Exception:  # none yet, or unreadable: every page is made
        known = {}
    memo.unlink(missing_ok=True)  # written back only once every page matches it
    for k, group in groups.items():
        shas: dict[str, str] = {}
        written = write_search_pages(group, out / str(k), known=known, doc_digests=doc_digests, shas=shas)
        if k == shards - 1:  # before the last shard is handed out: its consumer may stop at it
            ids = {n.id for g in groups.values() for n in g}
            atomic_write_bytes(memo, pickle.dumps({i: v for i, v in known.items() if i in ids}, protocol=5))
        yield k, written, shas


# ------------------------------------------------------------ clause starts

def clause_starts(fragment: dict) -> list[int]:
    """Word positions of a page's clause headings: the ``location`` of each
    anchor with an id in its Pagefind fragment (``<h3 id="s2-3">``; the
    clause's text is the words after it up to the next one, as the box cuts
    it, ``sections`` in pagefind-search.js)."""
    return [int(a["location"]) for a in fragment.get("anchors") or () if a.get("id")]


def encode_starts(starts: Iterable[int]) -> str:
    """Ascending positions as differences, each in base 32, most significant
    first, its last digit from the upper half of ``START_DIGITS``:
    ``[128, 140, 141]`` -> ``4wIx``.  ValueError for a descending one."""
    out, prev = [], 0
    for s in starts:
        d = s - prev
        if d < 0:
            raise ValueError(f"条款起点须递增：{s} 在 {prev} 之后")
        prev = s
        digits = [32 + (d & 31)]
        d >>= 5
        while d:
            digits.append(d & 31)
            d >>= 5
        out.extend(START_DIGITS[x] for x in reversed(digits))
    return "".join(out)


def decode_starts(text: str) -> list[int]:
    """``encode_starts`` undone (what pagefind-search.js does)."""
    out, value, at = [], 0, 0
    for ch in text.strip():
        d = START_DIGITS.index(ch)
        value = value * 32 + (d & 31)
        if d >= 32:
            at += value
            out.append(at)
            value = 0
    return out


def clause_span(starts: list[int], words: int) -> int:
    """The longest clause of a page in words, its heading included (from a
    start to the next, the last to the page's end, ``words``); 0 without
    clauses.  Two occurrences in one clause are fewer words apart."""
    ends = starts[1:] + [words]
    return max((b - a for a, b in zip(starts, ends)), default=0)


def span_bucket(span: int) -> int:
    """The least b with 2 ** (b / 2) >= span (0 for 0 and 1), at most 63:
    the box's bound of a page's longest clause (never below it)."""
    return min(63, max(0, span * span - 1).bit_length())


class ClauseFiles:
    """Called on each fragment of a bundle (``mkbuild.fragment_pages``):
    writes ``folder/<page id>.txt`` (its clause starts, ``encode_starts``;
    empty for a page without clauses) and keeps its ``span_bucket``; then
    ``spans_text()`` (``<page id><bucket digit>`` a line, by id) is the
    bundle's part of the site's ``clauses/spans.txt``: from it the box drops,
    without fetching their files, the candidates whose terms come no closer
    than that page's longest clause (行政处罚 知识 on the whole corpus: 373
    pages hold both, 20 close enough, 4 in one clause)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.spans: dict[str, int] = {}

    def __call__(self, page_id: str, fragment: dict) -> None:
        starts = clause_starts(fragment)
        (self.folder / f"{page_id}.txt").write_text(encode_starts(starts), encoding="ascii")
        self.spans[page_id] = span_bucket(clause_span(starts, len(str(fragment.get("content") or "").split())))

    def spans_text(self) -> str:
        return spans_text(self.spans)


def spans_text(spans: dict[str, int]) -> str:
    return "".join(f"{pid}{START_DIGITS[b]}\n" for pid, b in sorted(spans.items()))


def read_spans(text: str) -> dict[str, int]:
    """``spans_text`` undone."""
    return {line[:-1]: START_DIGITS.index(line[-1]) for line in text.splitlines() if len(line) > 1}
