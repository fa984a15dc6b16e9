"""Every metadata field of a document, declared once (issue 24, item 2).

One ``Field`` row says: the ``Notice`` attribute (or ``Notice.extra`` key) holding the value,
its Chinese label, its sidecar key and check, whether it is a row of the metadata card, a
line of ``iparchive parse --explain`` and a key of the exports (archive.json and its JSON
schema, the feed's summary).  Made from ``FIELDS``:

* the sidecar schema and ``apply_sidecar`` (``sidecar.py``: ``SCHEMA``, one row per key);
* the metadata card (``render/pages.py``: ``card_rows``; a field without a renderer of its own
  shows its plain value);
* ``parse --explain`` (``explain``: value, origin 页面/正文/侧文件/推定/推算/文件名/默认, where);
* the exports (``export_record``, ``export_schema`` in ``render/exports.py``, ``feed_summary``
  in ``render/feed.py``).

The value of each field is decided by one decider in ``metadata.py`` (``DECIDERS``).  A new
field is one ``FIELDS.register(Field(...))`` and one decider (ARCHITECTURE.md, "adding a
metadata field"; tests/test_fields.py declares 签发人 that way).

``FIELDS`` is ordered like Python-Markdown's registries: each item has a priority, higher
first; the order is the card's, explain's and the exports'.
"""
from __future__ import annotations

import operator
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from .. import regions
from ..doctypes import STATUSES, doc_type_of
from ..models import Forwarded, Notice, Region
from . import checks
from .checks import Check

T = TypeVar("T")

# Notice.basis values and how explain and the card name them
BASIS_ZH = {"printed": "原文", "inferred": "推定", "sidecar": "人工核定（sidecar）", "filename": "据文件名",
            "auto": "自动生成"}
# where a value came from, as parse --explain names it
ORIGINS = ("页面", "正文", "侧文件", "推定", "推算", "文件名", "默认")
# what pages declare that the archive keeps only as provenance (gov.cn / provincial metadata
# tables, meta keywords): shown by explain, never on the card or in the exports
DECLARED_ONLY = (("index_number", "索引号"), ("topic", "主题分类"), ("validity", "有效性"), ("keywords", "关键词"))


class Registry(Generic[T]):
    """Items by name, in priority order (higher first), as Python-Markdown's ``Registry``."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, T]] = {}

    def register(self, item: T, name: str, priority: float) -> T:
        self._items[name] = (priority, item)
        return item

    def deregister(self, name: str) -> None:
        del self._items[name]

    def __contains__(self, name: str) -> bool:
        return name in self._items

    def __getitem__(self, name: str) -> T:
        return self._items[name][1]

    def __iter__(self) -> Iterator[T]:
        order = sorted(self._items.items(), key=lambda kv: -kv[1][0])  # stable: equal priorities keep order
        return iter([item for _, (_, item) in order])

    def __len__(self) -> int:
        return len(self._items)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Field:
    """One metadata field.  ``key`` is a ``Notice`` attribute, or a key of ``Notice.extra``
    for a field ``Notice`` does not name (a field declared without touching models.py)."""

    key: str
    label: str  # Chinese: the card row, the explain line, the 说明 box, the missing-field list
    sidecar: Optional[str] = None  # the key in <name>.yml; None: a sidecar cannot set it
    check: Optional[Check] = None  # the sidecar value's check (model/checks.py)
    parse: Callable[[Any], Any] = str  # the (checked) sidecar value -> the Notice value
    same: Callable[[Any, Any], bool] = operator.eq  # is a sidecar value the one already decided?
    show: Callable[[Any], str] = _plain  # value -> plain text (explain, feed, a card row without renderer)
    card: bool = True  # a row of the metadata card
    explain: bool = True  # a line of parse --explain
    export: Optional[str] = None  # its name in archive.json and the JSON schema; None: not exported
    to_json: Callable[[Any], Any] = lambda v: v
    json_type: Any = field(default_factory=lambda: {"type": ["string", "null"]})
    feed: bool = False  # in a feed entry's summary
    noted: bool = False  # a sidecar value is said in the page's 说明 box (施行日期, issue 25)
    missing: bool = False  # a human must supply it when the source does not print it

    def get(self, n: Notice) -> Any:
        return getattr(n, self.key) if self.key in NOTICE_ATTRS else n.extra.get(self.key)

    def set(self, n: Notice, value: Any) -> None:
        if self.key in NOTICE_ATTRS:
            setattr(n, self.key, value)
        else:
            n.extra[self.key] = value


NOTICE_ATTRS = frozenset(Notice.__dataclass_fields__)

FIELDS: Registry[Field] = Registry()


def register(f: Field, priority: float) -> Field:
    """Declare a field (``priority``: its place, higher first)."""
    return FIELDS.register(f, f.key, priority)


def by_sidecar_key() -> dict[str, Field]:
    return {f.sidecar: f for f in FIELDS if f.sidecar}


# ------------------------------------------------------------------ the fields


def _issuers(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(x) for x in value]


def _same_region(old: Optional[Region], new: Region) -> bool:
    return old is not None and old.code == new.code


def _region_json(r: Optional[Region]) -> Optional[dict]:
    if r is None:
        return None
    return {"name": r.name, "code": r.code, "chain": [{"name": n, "code": c} for n, c in r.chain]}


def _forwarded(title: Any) -> Forwarded:
    return Forwarded(title=str(title), doc_type=doc_type_of(str(title)))


def _forwarded_json(f: Optional[Forwarded]) -> Optional[dict]:
    return None if f is None else asdict(f)


_NS = {"type": ["string", "null"]}
for _priority, _f in enumerate(reversed([
    Field("title", "标题", "title", checks.text, missing=True, export="title", json_type={"type": "string"}),
    Field("kind", "类别", "kind", checks.one_of({"notice", "law"}, "未知 kind"), card=False, explain=False,
          export="kind", json_type={"type": "string"}),
    Field("issuer", "发文机关", "issuer", checks.organs, parse=_issuers, show="、".join, missing=True,
          export="issuer", to_json=list, json_type={"type": "array", "items": {"type": "string"}}, feed=True),
    Field("doc_number", "发文字号", "doc_number", checks.doc_number, export="doc_number", feed=True),
    Field("date_written", "成文日期", "date_written", checks.date, missing=True, export="date_written"),
    Field("date_published", "发布日期", "date_published", checks.date, export="date_published"),
    Field("region", "地区", "region", checks.region, parse=lambda v: regions.lookup(str(v)), same=_same_region,
          show=lambda r: " → ".join(name for name, _ in r.chain) if r else "", missing=True, export="region",
          to_json=_region_json, json_type={"type": ["object", "null"]}),
    Field("year", "年份", "year", checks.year, parse=int, missing=True, export="year",
          json_type={"type": ["integer", "null"]}),
    Field("doc_type", "文种", "doc_type", checks.text, missing=True, export="doc_type"),
    Field("date_effective", "施行日期", "date_effective", checks.date, noted=True, export="date_effective"),
    Field("version_label", "版本", card=False, explain=False, export="version"),  # the version box shows it
    Field("validity", "时效性", explain=False, export="validity"),
    Field("status", "状态", "status", checks.one_of(STATUSES, "未知状态"), export="status",
          json_type={"type": "string"}, feed=True),
    Field("themes", "主题", card=True, explain=False),
    Field("forwarded", "印发/转发", "forwarded_title", checks.text, parse=_forwarded,
          same=lambda old, new: old is not None and old.title == new.title, show=lambda f: f.title if f else "",
          explain=False, export="forwarded", to_json=_forwarded_json, json_type={"type": ["object", "null"]}),
    Field("source_url", "来源", "source_url", checks.url, export="source_url"),
])):
    register(_f, float(_priority))
# issue 30: the tags a site puts on a heading (【稳经济大盘一揽子政策】, [已废止]), out of the title; the
# last card row; no sidecar key (a curated title simply has none)
register(Field("site_tags", "网站标签", show=lambda tags: "".join(f"【{t}】" for t in tags or []), export="site_tags",
               to_json=lambda tags: list(tags) if tags else None,
               json_type={"type": ["array", "null"], "items": {"type": "string"}}), -1.0)

# a missing 文种 is asked for as 文件类型 (iparchive add, parse)
MISSING_LABEL = {"doc_type": "文件类型"}


def missing_label(key: str) -> str:
    return MISSING_LABEL.get(key) or FIELDS[key].label


# ------------------------------------------------------------------ explain


_PAGE = ("元数据表", "meta", "<title>", "页脚", "页眉", "来源栏", "正文区外", "link", "og", "front matter",
         "单独一行的文号（第", "网页")
_BODY = ("正文", "落款", "法律题注", "Markdown", "所印发", "单独一行的文号", "标题中", "法律名称")
_DERIVED = ("发文机关名称", "标题", "文种为", "由", "法律法规库目录", "全国（法律法规库")


def origin(n: Notice, key: str, where: str) -> str:
    """页面/正文/侧文件/推定/推算/文件名/默认: where the value of ``key`` came from, by its
    basis first, then by the provenance text ``where`` (its first source)."""
    b = n.basis.get(key)
    if b == "sidecar" or where.startswith("sidecar"):
        return "侧文件"
    if b == "inferred" or "推定" in where:
        return "推定"
    if b == "filename" or where.startswith("文件名"):
        return "文件名"
    if where.startswith("默认"):
        return "默认"
    if where.startswith("单独一行的文号") and "正文区外" in where:
        return "页面"
    for prefix in _PAGE:
        if where.startswith(prefix) and not where.startswith("正文第"):
            return "页面"
    for prefix in _BODY:
        if where.startswith(prefix) and not where.startswith("标题或正文"):
            return "正文"
    if where.startswith(_DERIVED) or where.startswith("标题或正文"):
        return "推算"
    return "原文"  # a source no rule names (none on the real corpora: tests/test_fields.py)


@dataclass(frozen=True)
class Explained:
    """One line of ``parse --explain``."""

    label: str
    value: str  # as shown; empty: not printed
    basis: str  # Notice.basis's value in Chinese, empty when printed
    origin: str  # one of ORIGINS, empty when there is no value
    where: str  # the provenance text


def _derived_where(f: Field, value: Any) -> str:
    if f.key == "year" and value:
        return "由成文/发布日期得出"
    if f.key == "doc_type" and value:
        return "由标题（或所印发文件的标题）的文种词得出"
    return ""


def explain(n: Notice) -> list[Explained]:
    """Every explained field of ``n`` with its value, basis, origin and provenance, then what
    the page declared that is kept only as provenance (``DECLARED_ONLY``)."""
    out = []
    for f in FIELDS:
        if not f.explain:
            continue
        value = f.show(f.get(n)) if f.get(n) not in (None, "", []) else ""
        where = n.provenance.get(f.key) or _derived_where(f, value)
        b = n.basis.get(f.key)
        basis = BASIS_ZH.get(b, b) if b and b != "printed" else ""
        out.append(Explained(f.label, value, basis, origin(n, f.key, where) if value else "",
                             where or ("原文未载明" if not value else "原文")))
    for key, label in DECLARED_ONLY:
        if key in n.provenance:
            value, _, where = n.provenance[key].partition("　← ")
            out.append(Explained(label, value, "", origin(n, key, where), where))
    return out


# ------------------------------------------------------------------ exports


def export_record(n: Notice) -> dict[str, Any]:
    """The exported fields of ``n`` under their export names, in the table's order."""
    return {f.export: f.to_json(f.get(n)) for f in FIELDS if f.export}


def metadata_record(n: Notice) -> dict[str, Any]:
    """Metadata only (no body or clauses), JSON-ready: the id, the exported fields, then
    the record's other facts (``Notice.facts_dict``)."""
    return {"id": n.id, **export_record(n), **n.facts_dict()}


def document_record(n: Notice) -> dict[str, Any]:
    """``metadata_record`` with the body and the clause tree (``parse --json``)."""
    return {**metadata_record(n), "body": n.body, "clauses": [c.to_dict() for c in n.clauses]}


def export_schema() -> dict[str, Any]:
    """JSON-schema properties of the exported fields."""
    return {f.export: f.json_type for f in FIELDS if f.export}


def feed_values(n: Notice) -> list[str]:
    """The feed summary's field values, in the table's order (empty ones left out)."""
    out = []
    for f in FIELDS:
        if f.feed:
            v = f.get(n)
            out.append("，".join(v) if isinstance(v, list) else f.show(v))
    return out
