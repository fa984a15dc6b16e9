"""What every part of ``search/`` shares: fields, aliases, messages, records.

A leaf of the package (it imports nothing from ``search/``, nor Whoosh,
tantivy or jieba), so the backends no longer import upward from
``search.query``:

``FIELDS``/``FIELD_ALIASES``   the query fields and their Chinese aliases
                               (``地区:云南省`` = ``region:云南省``);
``SearchError`` + messages     user-facing problems, in Chinese;
``IndexRecord``                one indexed record (a clause or a title), the
                               typed form ``index.notice_records`` builds and
                               both backends write and return;
``Filters``                    the CLI's ``--region/--year/--theme/--type/--status``;
``Backend``                    the Protocol ``whoosh_backend`` and
                               ``tantivy_backend`` implement (each owns its
                               ``clear``);
``theme_slug``                 司法保护 -> judicial-protection, read from the
                               theme vocabulary leaf (YAML only, no jieba).
"""
from __future__ import annotations

import json
import operator
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, runtime_checkable

from build_tools.vocabulary import VocabularyError, load_vocabulary

SCHEMA_VERSION = 3  # 3: typed records (tantivy stores lists, not comma strings)
META_FILE = "iparchive-meta.json"
TITLE_LABEL = "标题"
NATIONAL_NAME = "全国"

MISSING_INDEX = "索引不存在：请先运行 make site 或 iparchive index"
OLD_INDEX = "索引格式已过时：请重新运行 make site 或 iparchive index"
EMPTY_INDEX = "索引为空：请先运行 make site 或 iparchive index"

FIELDS = ("text", "title", "region", "year", "themes", "doc_themes", "doc_type",
          "status", "doc_id", "kind")
GRAM_FIELDS = ("text", "title")  # character-gram fields (exact substrings)
FIELD_ALIASES = {
    "text": ["正文", "内容"],
    "title": ["标题"],
    "region": ["地区", "地域"],
    "year": ["年份", "年度"],
    "themes": ["theme", "主题"],
    "doc_type": ["type", "类型", "文种"],
    "status": ["状态"],
    "doc_id": ["doc", "id"],
    "kind": ["类别"],
}


class SearchError(Exception):
    """A user-facing problem (Chinese message): bad query, missing index."""


def field_names() -> dict[str, str]:
    """Field name or alias -> field."""
    out = {f: f for f in FIELDS}
    for f, aliases in FIELD_ALIASES.items():
        for a in aliases:
            out[a] = f
    return out


@lru_cache(maxsize=1)
def theme_names() -> dict[str, str]:
    """Theme name -> slug from build_tools/data/themes.yml ({} if unreadable:
    then ``theme:`` matches as typed)."""
    try:
        return {t.name: t.slug for t in load_vocabulary()}
    except (OSError, VocabularyError):
        return {}


def theme_slug(theme: str) -> str:
    """Chinese theme name (司法保护) -> its slug (judicial-protection); slugs pass."""
    t = theme.strip()
    return theme_names().get(t, t)


@dataclass
class IndexRecord:
    """One record of the index: a clause (``kind="clause"``) or a document
    title (``kind="title"``, whose ``text`` is the title)."""

    key: str  # doc_id#clause_id (unique)
    kind: str  # clause | title
    doc_id: str
    clause_id: str  # "" for a title record
    label: str
    citation: str
    doc_title: str
    text: str
    url: str
    order: int
    title: str = ""  # the title record's own title ("" for clauses)
    region: tuple[str, ...] = ()  # names and codes of the region and its parents
    year: Optional[int] = None
    themes: tuple[str, ...] = ()  # clause themes (title record: the document's)
    doc_themes: tuple[str, ...] = ()
    doc_type: str = ""
    status: str = ""

    STORED = ("key", "kind", "doc_id", "clause_id", "label", "citation", "doc_title", "text", "url",
              "order", "region", "year", "themes", "doc_themes", "doc_type", "status")

    def stored(self) -> dict[str, Any]:
        """The stored values as JSON-ready data (lists for the tuples)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k in self.STORED for v in [getattr(self, k)]}

    def to_json(self) -> bytes:
        """``stored()`` as UTF-8 JSON (tuples are arrays to the encoder: no
        copy into lists; one shared encoder: 361,537 records in 2.3 s, not 4)."""
        return _ENCODE(dict(zip(self.STORED, _STORED_VALUES(self)))).encode("utf-8")

    @classmethod
    def from_stored(cls, d: dict[str, Any]) -> "IndexRecord":
        """Back from ``stored()`` (lists for the tuple fields; missing fields default)."""
        kw = {k: d[k] for k in cls.STORED if k in d and d[k] is not None}
        for k in ("region", "themes", "doc_themes"):
            kw[k] = tuple(kw.get(k) or ())
        kw.setdefault("order", 0)
        for k in ("key", "kind", "doc_id", "clause_id", "label", "citation", "doc_title", "text", "url"):
            kw.setdefault(k, "")
        return cls(**kw)


@dataclass
class Filters:
    """Normalised filter values (region folded, theme as its slug)."""

    region: Optional[str] = None
    years: Optional[tuple[int, int]] = None
    theme: Optional[str] = None
    doc_type: Optional[str] = None
    status: Optional[str] = None

    @classmethod
    def of(cls, region=None, years=None, theme=None, doc_type=None, status=None) -> "Filters":
        r = unicodedata.normalize("NFKC", region).strip() if region else None
        return cls(r or None, tuple(years) if years else None,
                   theme_slug(theme) if theme else None, doc_type or None, status or None)


@dataclass
class BackendRows:
    """What a backend's ``run`` returns for one query."""

    total: int  # every matching record after filters
    rows: list[tuple[float, IndexRecord]] = field(default_factory=list)
    parsed: str = ""  # the backend's reading of the query
    literals: list[tuple[str, ...]] = field(default_factory=list)  # text literals to highlight


@runtime_checkable
class Backend(Protocol):
    """A search engine module: ``search.whoosh_backend`` or ``search.tantivy_backend``."""

    NAME: str

    def exists(self, index_dir: Path) -> bool: ...

    def clear(self, index_dir: Path) -> None: ...

    def write(self, index_dir: Path, *, fresh: bool, delete: list[str], add: Iterable[list[IndexRecord]],
              userdict: bool = True, progress: bool = False) -> int: ...

    def count(self, index_dir: Path) -> int: ...

    def stored_records(self, index_dir: Path) -> list[IndexRecord]: ...

    def open_searcher(self, index_dir: Path) -> Any: ...

    def doc_count(self, s: Any) -> int: ...

    def up_to_date(self, s: Any) -> bool: ...

    def close(self, s: Any) -> None: ...

    def run(self, s: Any, q: str, text: str, tree: Any, flt: Filters, limit: int,
            offset: int = 0) -> BackendRows: ...


def read_meta(index_dir: Path) -> Optional[dict]:
    """The index directory's meta file (backend, schema, document hashes), or None."""
    try:
        return json.loads((Path(index_dir) / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


class RecordsToAdd:
    """The record lists a backend adds, one per document, made only when the
    backend reaches each (``make(doc_id)``) and dropped once written: a
    whole-corpus build held all 361,537 records before writing the first.
    ``records``: how many there are, known beforehand (tantivy's thread
    choice)."""

    def __init__(self, ids: list[str], make: Callable[[str], list[IndexRecord]], records: int):
        self.ids, self.make, self.records = ids, make, records

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[list[IndexRecord]]:
        return (self.make(d) for d in self.ids)


def record_total(add: Iterable[list[IndexRecord]]) -> int:
    """Records in ``add`` (a ``RecordsToAdd`` or plain lists)."""
    return add.records if isinstance(add, RecordsToAdd) else sum(len(a) for a in add)


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False) made one per call
_STORED_VALUES = operator.attrgetter(*IndexRecord.STORED)
