"""Typed records passed between pipeline stages.

read + clean return a new ``RawDocument``; metadata returns a new ``Notice``,
which the ingest stage completes (structure, attachments) and
``pipeline.load_documents`` freezes (``Frozen``: a later write raises
``FrozenRecordError``).  Each later stage hands on new records
(``Notice.with_facts``; ``Notice.draft`` while it is still making them),
body and clause tree shared, never written into the ones it was given
(issue 24).  The fields, by the stage that sets them (a field keeps its
default until its stage has run; ARCHITECTURE.md has the record flow):

1. metadata (``metadata.load_notice``, with ``sidecar.apply_sidecar`` and
   ``lawdates``): ``id``, ``title``, ``source_file``, ``body``, ``kind``,
   ``issuer``, ``doc_number``, the dates, ``year``, ``region``, ``doc_type``,
   ``status``, ``source_url``, ``format``, ``encoding``, ``forwarded``,
   ``basis``, ``provenance``, ``stripped``, ``notes``, ``line_map``,
   ``warnings``; laws also ``date_effective``, ``events``, ``amendments``,
   ``date_lines``;
2. structure (``pipeline.load_documents`` -> ``structure.parse_structure``):
   ``clauses``;
3. anchors (``anchors.check_anchors`` reports, ``anchors.apply_changes``
   returns new records, ``Notice.with_facts``): ``clause_changes``;
4. enrich (``enrich.enrich_all``: per document a frozen
   ``doccache.DocEnrichment``, made into a new record): ``Clause.themes`` (a
   tree made once with them, ``themed_tree``), ``themes``, ``references``
   (resolved across documents), ``goals``, ``targets``, ``work_id``,
   ``version_label``, ``validity``, ``validity_basis`` (returned by
   ``versions.build_works(found=…)`` / ``assign_validity``, made into new
   records); what spans documents
   is returned as a new, frozen ``Enrichment``;
5. write and search only read.

In the build (``pipeline.load_documents(stored=True)``) each document is a
``StoredNotice``: its metadata and facts in memory, its body and clause tree
read back from the store (its cached parse) when asked for, read-only
(issue 29: memory that does not grow with the archive's text).

All ids are ASCII; all user-facing labels are Chinese.
"""
from __future__ import annotations

import hashlib
import sys
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

if TYPE_CHECKING:  # annotations only: errors is a leaf module
    from .errors import SourceError

NATIONAL_CODE = "100000"  # GB/T 2260 code conventionally used for 全国


@dataclass
class Region:
    """An administrative region with its GB/T 2260 code and parent chain.

    ``chain`` runs from the top (province) down to this region and includes
    it, e.g. 昆明市: [("云南省", "530000"), ("昆明市", "530100")].
    National documents: name "全国", code NATIONAL_CODE, chain [("全国", ...)].
    """

    name: str
    code: str
    chain: list[tuple[str, str]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.chain] or [self.name]

    @property
    def is_national(self) -> bool:
        return self.code == NATIONAL_CODE


@dataclass(slots=True)
class Stripped:
    """A line removed from the body (web furniture, footer), kept visibly."""

    line: int  # 1-based line in the decoded source
    text: str
    reason: str  # e.g. "furniture", "footer:来源", "markup"


@dataclass
class Problem:
    """A problem found while reading/checking; never an exception for the user."""

    file: str
    line: Optional[int]
    level: str  # "error" | "warning"
    message: str  # Chinese or English; names what is wrong

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: {self.level}: {self.message}"

    @classmethod
    def from_error(cls, error: "SourceError", level: str = "error") -> "Problem":
        """The report row of an ``errors.SourceError`` (file, line and message kept)."""
        return cls(error.path, error.line, level, error.message)


@dataclass(slots=True)
class Declared:
    """A metadata value the source declares, with where it was seen.

    ``source`` is Chinese and names the place: ``元数据表“文号”``,
    ``meta ArticleTitle``, ``<title>``, ``正文第12行（居中）``, ``front matter``."""

    field: str  # title, issuer, doc_number, date_written, date_published, source_url, …
    value: str
    source: str
    line: Optional[int] = None


@dataclass
class RawDocument:
    """Output of the read stage: decoded, de-furnished text of one file.

    ``lines`` are the body lines after furniture removal and normalisation,
    each paired with its 1-based line number in ``text``.  ``header`` holds
    metadata the source format printed outside the body (HTML metadata
    table, lawrefbook title/dates, 来源/标题/地址 footers, 发布时间 bars).
    """

    path: Path
    format: str  # "text" | "html" | "lawmd"
    encoding: str
    text: str  # whole decoded text (before furniture removal)
    lines: list[tuple[int, str]]
    header: dict[str, str] = field(default_factory=dict)
    stripped: list[Stripped] = field(default_factory=list)
    # metadata candidates the page declares (tables, meta tags, headings), for metadata.extract
    declared: list[Declared] = field(default_factory=list)
    table_rows: list[int] = field(default_factory=list)  # indices in ``lines`` that are rows of a data table

    @property
    def body(self) -> str:
        return "\n".join(t for _, t in self.lines)


@dataclass
class Forwarded:
    """The document a 转发/印发 wrapper notice forwards."""

    title: str
    doc_type: Optional[str] = None  # type of the forwarded document (工作方案)
    wrapper_type: Optional[str] = None  # type of the wrapper (通知)
    action: str = "印发"  # 印发 | 转发 | 批转 | 征求意见


def _walk(roots: list["Clause"]) -> Iterator["Clause"]:
    """Depth-first, reading order, without one generator per level: a
    generator per clause cost 2 of a rebuild's 11 s (358,000 clauses walked
    about ten times)."""
    stack = list(reversed(roots))
    pop, extend = stack.pop, stack.extend
    while stack:
        c = pop()
        yield c
        if c.children:
            extend(reversed(c.children))


@dataclass(slots=True)
class Clause:
    """One numbered (or unnumbered) unit of a document.

    ``text`` is this clause's own text only (its heading line and any
    paragraphs before its first child); children carry the rest, so the
    pre-order concatenation of all ``text`` equals the body (conservation).

    id:    ASCII anchor, unique in the document (``s2-3``, ``art-82-p2``).
    label: how people cite it in Chinese (``二（三）``, ``第八十二条之一``).
    kind:  "section" | "item" | "subitem" | "point" | "ordinal" | "enum" |
           "paragraph" | "heading" | "bullet" | "attachment" | "preamble" |
           "part" | "chapter" | "subchapter" | "article" | "law-item" | "wrapper"
    """

    id: str
    label: str
    level: int
    kind: str
    text: str
    number: Optional[int] = None
    line: Optional[int] = None  # 1-based line in the decoded source, if known
    children: list["Clause"] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)

    def walk(self) -> Iterator["Clause"]:
        """This clause, then its descendants, depth first (as printed)."""
        if not self.children:
            return iter((self,))
        return _walk([self])

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            "label": self.label,
            "level": self.level,
            "kind": self.kind,
            "text": self.text,
        }
        if self.themes:
            d["themes"] = list(self.themes)
        d["children"] = [c.to_dict() for c in self.children]
        return d


@dataclass(slots=True)
class Reference:
    """A reference in clause text to another document (or a clause of it)."""

    clause_id: str
    text: str  # as printed: 《…》, 国办发〔2014〕64号, 《…》第二十条
    title: Optional[str] = None  # normalised title, if a 《》 title
    doc_number: Optional[str] = None  # normalised 文号, if any
    article: Optional[str] = None  # target clause id in the cited doc (art-20)
    target_id: Optional[str] = None  # resolved archive document id
    target_clause: Optional[str] = None  # resolved clause anchor
    external_key: Optional[str] = None  # slug for an unresolved external doc page
    target_work: Optional[str] = None  # work id when the target is a law/regulation with versions
    missing_version: Optional[str] = None  # 引用时有效的版本 not in the archive: its label (2008年修正)
    date: Optional[str] = None  # YYYY-MM-DD printed before a decision's title (tells same-titled ones apart)
    # issue 25: the cited article in the newest held text when a later version renumbered or deleted it
    now_id: Optional[str] = None  # doc id of that newer text
    now_clause: Optional[str] = None  # its article (art-71), None when deleted
    now_note: Optional[str] = None  # 原第六十五条，现第七十一条 / 该条已于2020年修正时删除


@dataclass(slots=True)
class LawEvent:
    """A dated line of a law's history (lawrefbook info lines, see lawdates.py).

    kind: 通过 | 批准 | 公布 | 施行 | 修正 | 修订 | 废止."""

    kind: str
    date: str  # YYYY-MM-DD
    line: Optional[int] = None  # 1-based line in the source
    text: str = ""  # the line as printed
    ordinal: Optional[int] = None  # 第二次修正 -> 2
    decision: Optional[str] = None  # 《关于修改〈…〉的决定》 named on the line


@dataclass(slots=True)
class ClauseChange:
    """An earlier text of a published clause (anchors history, see anchors.py)."""

    clause_id: str
    date: str  # YYYY-MM-DD: the build that first published the new text
    old_fingerprint: str
    old_text: Optional[str] = None  # from source_texts/clause-history.lock, if kept


@dataclass(slots=True)
class Goal:
    """A dated goal or work phase found in a clause (到2025年…, 2023年3月—4月)."""

    clause_id: str
    text: str  # the sentence
    start: str  # ISO-ish: "2025", "2025-04"
    end: Optional[str] = None
    kind: str = "goal"  # "goal" | "phase"


@dataclass(slots=True)
class Target:
    """A quantitative target (每万人口高价值发明专利拥有量达到12件)."""

    clause_id: str
    indicator: str
    value: float
    unit: str
    year: Optional[str]
    text: str
    qualifier: str = ""  # 以上 / 左右 …


@dataclass(frozen=True)
class Attachment:
    """One entry of a document's 附件 list (``attachments.py``).

    ``title`` as printed, without the 附件N/序号 prefix and file extension;
    ``href`` the link as printed (relative to the page); ``file_name`` the
    linked file's name; ``source``: "link", "text" (a 附件 line of the body),
    "link+text" or "file" (a held file the list does not name); ``line``: the
    source line of its 附件 line, else of its link; ``held``: the
    file kept in ``source_texts/`` (``<stem>.files/<name>``); ``section``: the
    clause id of its text in the document (``att1``); ``status``: 已收录 /
    正文已载 (printed in the page itself) / 未收录 / 无法读取…"""

    number: int
    title: str
    href: Optional[str] = None
    file_name: Optional[str] = None
    source: str = "text"
    line: Optional[int] = None
    held: Optional[str] = None
    section: Optional[str] = None
    status: str = "未收录"
    path: Optional[str] = field(default=None, compare=False, repr=False)  # the held file's absolute path, for the write stage

    def record(self) -> dict:
        """JSON-ready, without the local path."""
        d = asdict(self)
        del d["path"]
        return d


class FrozenRecordError(AttributeError):
    """A write to a record a stage has handed on (issue 24): a later stage
    makes a new record (``Notice.with_facts``) instead."""


class Frozen:
    """The guard a record shares once its stage is done (``freeze``): every
    later ``setattr`` raises ``FrozenRecordError`` naming the record and the
    field.  A stage may build its record step by step, then freezes it
    (ingest: ``pipeline.load_documents``; enrich: ``enrich.enrich_all``).
    The flag is no dataclass field: equality, ``replace`` and
    ``stored_header`` do not see it (a replace is a new, unfrozen record)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_frozen"):
            raise FrozenRecordError(f"{getattr(self, 'id', type(self).__name__)}：记录已冻结（只读），不能改写字段 {name}"
                                    "（issue 24：后面的阶段应以 with_facts 生成新记录）")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self.__dict__.get("_frozen"):
            raise FrozenRecordError(f"{getattr(self, 'id', type(self).__name__)}：记录已冻结（只读），不能删除字段 {name}")
        object.__delattr__(self, name)

    def freeze(self):
        """Refuse every later write; returns the record."""
        object.__setattr__(self, "_frozen", True)
        return self

    @property
    def frozen(self) -> bool:
        return bool(self.__dict__.get("_frozen"))


def themed_tree(clauses: list["Clause"], themes: Iterator) -> list["Clause"]:
    """``clauses`` with each clause's themes from ``themes`` (walk order), as a
    new tree sharing every subtree whose themes do not change (path copying:
    only the clauses that gain themes and their ancestors are new shells, the
    texts are shared); ``clauses`` itself when nothing changes."""
    out, same = [], True
    for c in clauses:
        t = list(next(themes, ()))
        kids = themed_tree(c.children, themes) if c.children else c.children
        if t == c.themes and kids is c.children:
            out.append(c)
        else:
            out.append(replace(c, themes=t, children=kids))
            same = False
    return clauses if same else out


@dataclass
class Notice(Frozen):
    """One document of the archive with its metadata and clause tree.

    ``basis`` says where each metadata field came from: "printed" (found in
    the source), "inferred" (guessed, e.g. year from context) or "sidecar"
    (curated by a human in the sidecar file).
    """

    id: str
    title: str
    source_file: str
    body: str
    kind: str = "notice"  # "notice" | "law"
    issuer: list[str] = field(default_factory=list)
    doc_number: Optional[str] = None
    date_written: Optional[str] = None  # YYYY-MM-DD
    date_published: Optional[str] = None
    year: Optional[int] = None
    region: Optional[Region] = None
    doc_type: Optional[str] = None
    status: str = "正式"
    source_url: Optional[str] = None
    format: str = "text"
    encoding: str = "utf-8"
    forwarded: Optional[Forwarded] = None
    basis: dict[str, str] = field(default_factory=dict)
    stripped: list[Stripped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sidecar corrections, shown
    clauses: list[Clause] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    # body line number -> source line number (1-based), for messages
    line_map: list[int] = field(default_factory=list)
    # an office source's absolute path: the page offers the original file (render/downloads.original_file)
    source_path: Optional[str] = field(default=None, compare=False, repr=False)
    doc_number_printed: Optional[str] = None  # 文号 as printed (赣府厅字[2020]14号), for matching; doc_number is the 〔〕 display form
    # field -> where its value came from, in Chinese (元数据表“文号” 第5行, meta PubDate, 落款, sidecar …)
    provenance: dict[str, str] = field(default_factory=dict)
    # metadata disagreements and doubts found while reading: (source line or None, Chinese message)
    warnings: list[tuple[Optional[int], str]] = field(default_factory=list)
    date_effective: Optional[str] = None  # 施行日期 YYYY-MM-DD
    events: list[LawEvent] = field(default_factory=list)  # every dated line of a law
    amendments: list[LawEvent] = field(default_factory=list)  # 修正/修订 events, oldest first
    date_lines: dict[str, int] = field(default_factory=dict)  # date field -> source line it came from
    work_id: Optional[str] = None  # permanent id of the work this text is a version of
    version_label: Optional[str] = None  # 2020年修正 (only when the archive has 2+ versions)
    validity: Optional[str] = None  # 现行有效 / 已被修改（由 2023 年版取代）/ 已废止 / 尚未生效 / 已失效 …
    validity_basis: Optional[str] = None  # why (issue 25): 本文库所收最新文本，未见废止记录 / 页面标注已废止 / 有效期至…（第十条）
    clause_changes: dict[str, list[ClauseChange]] = field(default_factory=dict)  # clause id -> history
    attachments: list[Attachment] = field(default_factory=list)  # the 附件 list, held files and their sections
    extra: dict[str, Any] = field(default_factory=dict)  # fields declared in model/fields.py that Notice does not name

    @property
    def date(self) -> Optional[str]:
        return self.date_written or self.date_published

    @property
    def date_basis(self) -> str:
        key = "date_written" if self.date_written else "date_published"
        if not self.date:
            return self.basis.get("year", "missing") if self.year else "missing"
        return self.basis.get(key, "printed")

    def walk(self) -> Iterator[Clause]:
        """Every clause, depth first, in reading order."""
        return _walk(self.clauses)

    def head_key(self, chars: int) -> str:
        """A digest of the body's first ``chars`` characters (the key of what reads only them: related documents)."""
        return hashlib.sha1(self.body[:chars].encode("utf-8")).hexdigest()

    def with_facts(self, *, clause_themes: Optional[list] = None, themed_ids: Optional[list[str]] = None,
                   **changes: Any) -> "Notice":
        """A new record: this one with ``changes`` (facts a later stage found, e.g.
        ``clause_changes``, ``themes``, ``references``), frozen when this one is;
        this one is left as it is (issue 24: no stage writes into another's
        record).  Body and clause tree are shared, not copied; ``clause_themes``
        (one list per clause, walk order) gives the new record a tree made once
        with them (``themed_tree``: only the themed clauses' shells are new;
        a ``StoredNotice`` keeps them beside its tree, with ``themed_ids``)."""
        out = self.draft(clause_themes=clause_themes, themed_ids=themed_ids, **changes)
        return out.freeze() if self.frozen else out

    def draft(self, *, clause_themes: Optional[list] = None, themed_ids: Optional[list[str]] = None,
              **changes: Any) -> "Notice":
        """``with_facts``, left unfrozen: the record a stage is still making
        (enrich makes one per document, new ones again with the facts found
        across documents, then freezes them)."""
        if clause_themes is not None:
            changes["clauses"] = themed_tree(self.clauses, iter(clause_themes))
        return replace(self, **changes)

    def themed_clauses(self) -> list[tuple[str, list[str]]]:
        """(clause id, its themes) of every clause with themes, in walk order."""
        return [(c.id, c.themes) for c in self.walk() if c.themes]

    def clause_enrichment(self) -> list:
        """What the enrich stage set on each clause (``Clause.themes``), in walk order."""
        return [c.themes for c in self.walk()]

    @property
    def n_clauses(self) -> int:
        return sum(1 for _ in self.walk())

    def clause(self, clause_id: str) -> Optional[Clause]:
        for c in self.walk():
            if c.id == clause_id:
                return c
        return None

    def in_forwarded(self, clause: Clause) -> bool:
        """Is ``clause`` part of the document a 印发/转发 wrapper forwards?

        The forwarded document starts at its title heading (id ``title``);
        for a 征求意见 notice it is the attached draft (``att…``)."""
        if self.forwarded is None or self.forwarded.title == self.title:
            return False
        top = clause.id.split("-", 1)[0]
        if self.forwarded.action == "征求意见":
            return top.startswith("att")
        ids = [c.id for c in self.clauses]
        return "title" in ids and top in ids and ids.index(top) >= ids.index("title")

    def citation(self, clause: Optional[Clause] = None) -> str:
        """《title》（文号）label — the string users paste into memos.

        A clause of a forwarded plan is cited by the plan's own title (people
        write 《昆明市…工作方案（2022—2025年）》二（三）, not the wrapper's);
        the wrapper's 文号 is kept, since the plan was issued under it."""
        title = self.title
        if clause is not None and self.in_forwarded(clause):
            title = self.forwarded.title
        s = "《" + title.replace("《", "〈").replace("》", "〉") + "》"  # nested titles take 〈〉
        if self.version_label:  # 《中华人民共和国专利法》（2020年修正）第二十条
            s += f"（{self.version_label}）"
        if self.doc_number:
            s += f"（{self.doc_number}）"
        elif not self.version_label:  # issue 25: the text cited is always named (its date, when no 文号)
            s += f"（{self.edition}）"
        if clause is not None:
            s += clause.label
        return s

    @property
    def edition(self) -> str:
        """Which text, for a document without 文号 or version: 2022年9月29日 / 2021年 / 日期不详."""
        if self.date:
            y, m, d = self.date.split("-")
            return f"{int(y)}年{int(m)}月{int(d)}日"
        return f"{self.year}年" if self.year else "日期不详"

    @property
    def versioned_title(self) -> str:
        """Title with the version when the archive holds several (GB/T 7714 题名)."""
        return f"{self.title}（{self.version_label}）" if self.version_label else self.title

    def facts_dict(self) -> dict:
        """What the record says besides its declared metadata fields (``model/fields.py``:
        ``metadata_record`` puts the two together), JSON-ready."""
        return {
            "date_basis": self.date_basis,
            "source_file": self.source_file,
            "format": self.format,
            "encoding": self.encoding,
            "basis": dict(self.basis),
            "notes": list(self.notes),
            "stripped": [asdict(s) for s in self.stripped],
            "provenance": dict(self.provenance),
            "warnings": [{"line": line, "message": msg} for line, msg in self.warnings],
            "amendments": [asdict(a) for a in self.amendments],
            "work_id": self.work_id,
            "attachments": [a.record() for a in self.attachments],
            "validity_basis": self.validity_basis,
        }


# ------------------------------------------------------- the stored document (issue 29)

STORED_FIELDS = ("body", "clauses", "line_map")  # what a StoredNotice leaves in the store
HEAD_CHARS = 1200  # the body's first characters whose digest a StoredNotice keeps (related.result_inputs)
LOADED_KEEP = 64  # documents whose body and clause tree are held at once (StoredNotice._loaded)


SHARED_MAX = 200_000  # distinct small values kept for sharing (a bound: past it, sharing starts again)
_SHARED: dict = {}  # equal small values of many documents as one object (theme tuples, regions): issue 29


def shared(value: Any) -> Any:
    """One object for equal values across documents (a stored record's theme
    tuples, clause ids, region): strings interned, tuples of strings and
    ``Region`` by value.  Only for values nobody writes (records are frozen)."""
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, tuple):
        value = tuple(shared(v) for v in value)
        key = value
    elif type(value) is Region:
        key = ("#region", value.name, value.code, tuple(tuple(c) for c in value.chain))
    else:
        return value
    if len(_SHARED) >= SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(key, value)


def _interned(d: dict) -> dict:
    """A small str -> str dict (``basis``, ``provenance``, ``date_lines``) with its strings shared."""
    return {sys.intern(k) if isinstance(k, str) else k: sys.intern(v) if isinstance(v, str) else v
            for k, v in d.items()}


def compact_state(state: dict) -> dict:
    """A stored record's fields with their repeated values shared (issue 29: the
    build holds every document's header; on the corpora 12 KB a document, of
    which the region, the provenance and basis strings and the references'
    titles repeat across documents).  Equal values, other objects: nothing reads differently."""
    out = {}
    for k, v in state.items():
        k = sys.intern(k)
        if isinstance(v, str):
            v = sys.intern(v)
        elif type(v) is Region:
            v = shared(v)
        elif type(v) is dict and v and all(isinstance(x, str) for x in v.values()):
            v = _interned(v)
        elif type(v) is list and v and all(isinstance(x, str) for x in v):
            v = [sys.intern(x) for x in v]
        elif k == "references":
            for r in v:  # the same Reference objects (resolution fills their targets): only equal strings swapped
                for f in REFERENCE_TEXTS:
                    x = getattr(r, f)
                    if isinstance(x, str):
                        setattr(r, f, sys.intern(x))
        out[k] = v
    return out


REFERENCE_TEXTS = ("clause_id", "text", "title", "doc_number", "article")  # set by parsing, repeated across documents


def stored_header(notice: Notice) -> tuple:
    """What a rebuild reads back for a document whose source did not change
    (``pipeline.load_documents``, issue 29), instead of its whole parse:
    (every field but ``STORED_FIELDS``, its clause count, (``HEAD_CHARS``,
    the digest of its body's head)).  Made once, when the document is parsed."""
    state = {f.name: getattr(notice, f.name) for f in fields(Notice) if f.name not in STORED_FIELDS}
    return state, sum(1 for _ in notice.walk()), (HEAD_CHARS, notice.head_key(HEAD_CHARS))


def stored_field(index: int, what: str) -> property:
    """One of ``STORED_FIELDS`` on a ``StoredNotice``: read back from the store
    (``_full()[index]``), read-only (``what`` names it in the error)."""
    def get(self: "StoredNotice") -> Any:
        return self._full()[index]

    def refuse(self: "StoredNotice", value: Any) -> None:
        raise AttributeError(f"{self.id}：{what}在存储中，只读（issue 29）")
    return property(get, refuse)


class StoredNotice(Notice):
    """A ``Notice`` whose body and clause tree stay in the store (issue 29):
    the build holds, per document, its metadata and the small per-document
    facts (themes, references, goals, targets, validity …: ~9 KB a document
    on the corpora, against ~67 KB with its clauses); ``body``, ``clauses``
    and ``line_map`` are read back from the store when asked for (``load``: the parse the
    ingest stage wrote once, ``pipeline.load_documents``), the last
    ``LOADED_KEEP`` documents' kept, so one page's many reads of its own
    clauses load it once.

    They are read-only: the clause themes the enrich stage finds are kept
    here (``clause_themes``, one tuple per clause in walk order) and joined
    to each tree as it is loaded; setting ``body``, ``clauses`` or
    ``line_map`` is an error.  A rebuild makes one from the header kept
    for its load key (``stored_header``), not from its parse.  Pickled (a forked worker's result, a digest), it is the whole
    ``Notice``."""

    _lock = threading.Lock()
    _loaded: "OrderedDict[int, tuple[str, list[Clause], list[int]]]" = OrderedDict()
    _made = 0

    def __init__(self, notice: Optional[Notice], load: Callable[[], Notice], header: Optional[tuple] = None):
        state, count, head = header if header is not None else stored_header(notice)
        object.__setattr__(self, "__dict__", compact_state(state))  # its own dict: the header's stays as it was kept
        self.load = load
        self.clause_count = count
        self.head = head
        self.clause_themes: Optional[tuple] = None  # None: as loaded
        with StoredNotice._lock:
            StoredNotice._made += 1
            self.token = StoredNotice._made

    def _full(self) -> tuple[str, list[Clause], list[int]]:
        with StoredNotice._lock:
            got = StoredNotice._loaded.get(self.token)
            if got is not None:
                StoredNotice._loaded.move_to_end(self.token)
                return got
        n = self.load()
        if self.clause_themes is not None:
            for c, themes in zip(n.walk(), self.clause_themes):
                c.themes = list(themes)
        got = (n.body, n.clauses, n.line_map)
        with StoredNotice._lock:
            StoredNotice._loaded[self.token] = got
            while len(StoredNotice._loaded) > LOADED_KEEP:
                StoredNotice._loaded.popitem(last=False)
        return got

    body = stored_field(0, "正文")  # type: ignore[assignment]
    clauses = stored_field(1, "条款树")  # type: ignore[assignment]
    line_map = stored_field(2, "行号对照")  # type: ignore[assignment]

    def head_key(self, chars: int) -> str:
        return self.head[1] if chars == self.head[0] else super().head_key(chars)

    @property
    def n_clauses(self) -> int:  # type: ignore[override]
        return self.clause_count  # 0 too: no load

    def draft(self, *, clause_themes: Optional[list] = None, themed_ids: Optional[list[str]] = None,
              **changes: Any) -> "StoredNotice":
        bad = set(changes) & set(STORED_FIELDS)
        if bad:
            raise AttributeError(f"{self.id}：{'、'.join(sorted(bad))} 在存储中，只读（issue 29）")
        state = {k: v for k, v in vars(self).items() if k != "_frozen"}
        state.update(compact_state(changes))  # the enrich stage's facts (references): repeated values shared
        out = object.__new__(StoredNotice)
        object.__setattr__(out, "__dict__", state)  # the same loader and store entry (token)
        if clause_themes is not None:  # kept beside the tree, joined to each load of its own (a new token)
            known = _SHARED.get  # few distinct tuples, shared; a known one (most) costs one lookup
            out.clause_themes = tuple([t and (known(t) or shared(t)) for t in map(tuple, clause_themes)])
            given = [t for t in out.clause_themes if t]
            out.themed = tuple((sys.intern(cid), t) for cid, t in zip(themed_ids, given)) \
                if themed_ids is not None and len(themed_ids) == len(given) else None
            with StoredNotice._lock:
                StoredNotice._made += 1
                out.token = StoredNotice._made
        return out

    def themed_clauses(self) -> list[tuple[str, list[str]]]:
        if getattr(self, "themed", None) is None:
            return super().themed_clauses()
        return [(cid, list(t)) for cid, t in self.themed]

    def clause_enrichment(self) -> list:
        """What the enrich stage set on each clause (``Clause.themes``), without loading the tree."""
        if self.clause_themes is None:
            return [c.themes for c in self.walk()]
        return [list(t) for t in self.clause_themes]

    def full(self) -> Notice:
        """The whole document as a plain ``Notice`` (its clause themes joined)."""
        body, clauses, line_map = self._full()
        out = Notice(**{f.name: getattr(self, f.name) for f in fields(Notice) if f.name not in STORED_FIELDS},
                     body=body, clauses=clauses, line_map=line_map)
        return out.freeze() if self.frozen else out

    def __reduce__(self):
        return self.full().__reduce__()


# ------------------------------------------------------------- enrich -> write


@dataclass(frozen=True, slots=True)
class CitedBy:
    """One clause of the archive that cites a document (or a clause of it).

    ``version``: label of the version the citing text meant (``2008年修正``),
    set when the cited work has versions; ``via_work``: the archive lacks that
    version, the link goes to the work page."""

    source_id: str
    clause_id: str
    target_clause: Optional[str] = None
    text: str = ""
    version: Optional[str] = None
    via_work: bool = False


@dataclass
class ExternalDocument:
    """A cited instrument that is not in the archive: one page each.

    Keyed by title + 文号 + date where printed; ``ambiguous`` when references
    with the same title and neither 文号 nor date were grouped (they may be
    several documents)."""

    key: str
    title: str  # as shown, with 《》
    doc_number: Optional[str] = None
    date: Optional[str] = None  # YYYY-MM-DD printed with the reference
    citing: list[CitedBy] = field(default_factory=list)
    ambiguous: bool = False


@dataclass
class Version:
    """One text of a work, as held in the archive."""

    doc_id: str
    work_id: str
    label: str  # 2020年修正 / 2017年修订 / 1984年通过 / 2022年公布
    date: Optional[str]  # version date (the adoption of this text)
    date_published: Optional[str] = None
    date_effective: Optional[str] = None
    validity: str = "现行有效"
    previous: Optional[str] = None  # doc ids in the archive
    next: Optional[str] = None
    current: Optional[str] = None  # the version in force (None: none in the archive)
    duplicate_of: Optional[str] = None  # another copy of the same text (lawrefbook files it in two folders)


@dataclass
class Work:
    """An instrument with its dated versions (``works/<id>.html``).

    ``history``: every version the latest text's dated lines name (also those
    not in the archive), as (label, date, doc id or None)."""

    id: str
    title: str
    versions: list[str] = field(default_factory=list)  # doc ids, oldest first
    current: Optional[str] = None
    history: list[tuple[str, str, Optional[str]]] = field(default_factory=list)
    confirmed: bool = False  # a later version's dated lines name an earlier one's date
    kind: str = "law"  # "law" (versions of a law) | "draft" (征求意见稿 and final text)
    others: list[str] = field(default_factory=list)  # copies of a version and undated texts, not in the chain
    effective: dict[str, str] = field(default_factory=dict)  # version date -> 施行 date, where known (issue 25)

    @property
    def has_page(self) -> bool:
        return len(self.versions) > 1 or any(d is None for _, _, d in self.history)

    def in_force(self, when: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        """(label, doc id or None) of the version a text dated ``when`` meant:
        the last one in force on ``when`` (its 施行 ≤ when, ``effective``; its
        adoption date where no 施行 date is known); the current one without a
        date; the first one if ``when`` is before all.  doc id None: the
        archive lacks that version."""
        if not when or not self.history:
            cur = self.current or (self.versions[-1] if self.versions else None)
            return next((lab for lab, _, d in self.history if d == cur), None), cur
        before = [h for h in self.history if self.start(h[1]) <= when]
        label, _, doc = max(before, key=lambda h: (self.start(h[1]), h[1])) if before else self.history[0]
        return label, doc

    def start(self, date: str) -> str:
        """施行 date of the version adopted on ``date`` (the adoption date when unknown)."""
        return self.effective.get(date) or date


@dataclass
class Enrichment(Frozen):
    """Everything enrich computes across documents, taken as-is by write
    (frozen by ``enrich.enrich_all`` once made, issue 24)."""

    cited_by: dict[str, list[CitedBy]] = field(default_factory=dict)  # target doc id -> citing
    work_cited_by: dict[str, list[CitedBy]] = field(default_factory=dict)  # work id -> citing a version not held
    external: dict[str, ExternalDocument] = field(default_factory=dict)  # key -> document
    related: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # doc id -> [(doc id, reason)]
    works: dict[str, Work] = field(default_factory=dict)  # work id -> work
    versions: dict[str, Version] = field(default_factory=dict)  # doc id -> its version record
    comparisons: list[tuple[str, str]] = field(default_factory=list)  # (older id, newer id) consecutive pairs
    # doc id -> article id -> its history across held versions: (text, doc id, article id to link) (issue 25)
    article_history: dict[str, dict[str, list[tuple[str, Optional[str], Optional[str]]]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # warnings (dates, works)
    timings: dict[str, float] = field(default_factory=dict)
