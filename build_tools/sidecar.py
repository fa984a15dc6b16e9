"""Sidecar metadata files: ``source_texts/<name>.yml`` beside each source.

A sidecar holds the document's permanent ``id`` and curated metadata: any
field set here overrides what the extractor found, and the page says so
(``Notice.basis[field] == "sidecar"`` unless the sidecar marks it
``inferred``).  ``notes`` are visible editorial corrections.  Example::

    id: yunnan-2021-3ca0ce          # permanent, [a-z0-9-]
    title: 云南省知识产权保护工作政策解读
    year: 2021
    basis: {year: inferred, title: inferred}
    notes:
      - 原文未载明标题与日期，由编辑据正文推定。

Errors carry the file and line: YAML syntax, unknown keys, an id that is
not ``[a-z0-9-]`` (``../x``), bad dates, unknown regions.  Validated like a
schema (issue 11, each case a test in tests/test_security.py):

* types: text fields must be strings (``title: {x: 1}`` was published as a
  Python repr), ``issuer`` a string or a list of strings, ``year`` an int;
* dates are real calendar dates written YYYY-MM-DD: YAML timestamps are
  not resolved (unquoted ``2023-13-45`` crashed ``iparchive check``), so
  ``2023-13-45`` and ``'0000-00-00'`` are both reported, never published;
* ``source_url`` is http(s) only (``javascript:…`` became a live link;
  ``source_url: 12`` failed the whole site's link check);
* text fields hold no control characters (terminal escapes);
* ``date_written`` after ``date_published`` is a warning (``date_order``).

Issue 28 (each case a test in tests/test_security.py, ``SHAPES``):

* ``SCHEMA`` is the one table of keys and their checks (a new key, such
  as ``attachments`` or a 施行 date, is one row); ``validate`` never
  raises, whatever the YAML value (``status: [正式]`` crashed ``check``);
* ``Loader`` refuses anchors and aliases (a 316-byte alias bomb expanded to
  351 MB), nesting past ``MAX_DEPTH`` (a 20,000-deep list crashed
  ``check``) and a key given twice (the last won, silently), naming both lines;
* bidi and invisible controls (``textsafe.INVISIBLE``: U+202E made a title
  display as another) are refused in every text value;
* ``id: index`` is refused (``RESERVED_IDS``: it replaced the document list);
* the file is read through ``limits.read_regular`` (never a FIFO, at most
  ``limits.SIDECAR_BYTES``).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from . import regions
from .errors import SourceError
from .limits import MAX_TITLE_CHARS, MAX_URL_CHARS, SIDECAR_BYTES, read_regular
from .textsafe import invisible_in
from .doctypes import MISSING_LABELS, STATUSES, doc_type_of
from .models import Forwarded, Notice

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BASIS_VALUES = {"printed", "inferred", "sidecar"}
KINDS = {"notice", "law"}
URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.I)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


MAX_DEPTH = 16  # nesting of mappings/lists (the schema needs 2: basis, notes)


class Loader(yaml.SafeLoader):
    """SafeLoader for sidecars (issue 28: a 316-byte alias bomb made 351 MB
    of output; a 20,000-deep list crashed ``check``; a repeated key silently
    won over the first):

    * no implicit timestamps: dates stay the strings the editor typed, so an
      impossible unquoted date is a validation error with its line;
    * anchors and aliases (``&a`` / ``*a``) refused: nothing is expanded;
    * nesting deeper than ``MAX_DEPTH`` refused before it recurses;
    * a key given twice is an error naming both lines;
    * merge keys (``<<: {title: …}``) refused: a merged key lost silently
      to a written one (issue 28 tried again)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "不允许使用 YAML 别名（*name）：sidecar 中每个值须直接写出",
                                              event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "不允许使用 YAML 锚点（&name）：sidecar 中每个值须直接写出",
                                              event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"嵌套超过 {MAX_DEPTH} 层", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # <<: {...}: keys from elsewhere, an existing one silently kept
                    raise yaml.constructor.ConstructorError(
                        None, None, "不允许使用 YAML 合并键（<<）：sidecar 中每个键须直接写出", key_node.start_mark)
                if isinstance(key_node, yaml.ScalarNode):
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"键 {key_node.value!r} 重复（第 {seen[key]} 行与第 "
                            f"{key_node.start_mark.line + 1} 行）：只能写一次", key_node.start_mark)
                    seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _compose_and_load(text: str):
    """(node, value) of one YAML document with ``Loader``; one pass."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


class SidecarError(SourceError):
    """A bad sidecar value or syntax, with the sidecar's path and line."""


@dataclass
class Sidecar:
    path: Path
    values: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based line
    warnings: list[tuple[int, str]] = field(default_factory=list)


def load_sidecar(path: Path | str) -> Sidecar:
    """Parse and validate; raises SidecarError (first error) with file:line."""
    path = Path(path)
    try:
        text = read_regular(path, SIDECAR_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise SidecarError(path, "sidecar 必须是 UTF-8 编码")
    except SourceError as e:  # a FIFO, a device, over SIDECAR_BYTES
        raise SidecarError(path, e.message)
    side = parse_sidecar(path, text)
    errors = validate(side)
    if errors:
        line, msg = errors[0]
        raise SidecarError(path, msg, line)
    return side


def parse_sidecar(path: Path, text: str) -> Sidecar:
    """YAML -> Sidecar (values and the line of each key), not yet validated;
    SidecarError with the line for syntax errors and a non-mapping top level."""
    try:
        node, values = _compose_and_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SidecarError(path, f"YAML 语法错误：{e.problem or e}", mark.line + 1 if mark else None)
    except (yaml.YAMLError, ValueError, TypeError) as e:  # e.g. a bad !!binary value
        raise SidecarError(path, f"YAML 无法解析：{e}")
    except RecursionError:  # the depth bound comes first; kept for any path that still recurses
        raise SidecarError(path, f"YAML 嵌套过深（上限 {MAX_DEPTH} 层）")
    if values is None:
        raise SidecarError(path, "sidecar 为空：至少需要 id")
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise SidecarError(path, "sidecar 顶层必须是键值映射", 1)
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return Sidecar(path, values, lines)


def check_date(value: Any) -> Optional[str]:
    """Why ``value`` is not a YYYY-MM-DD calendar date (None if it is)."""
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"应写成 YYYY-MM-DD，实为 {value!r}"
    try:
        d = datetime.date.fromisoformat(value)
    except ValueError:
        return f"{value} 不是真实的日期"
    if not 1900 <= d.year <= 2100:
        return f"{value} 的年份不在 1900–2100 之间"
    return None


def check_url(value: Any) -> Optional[str]:
    """Why ``value`` is not an acceptable source URL (None if it is)."""
    if not isinstance(value, str):
        return f"应为 http(s) 网址字符串，实为 {type(value).__name__} {value!r}"
    if not URL_RE.match(value.strip()):
        return f"只接受 http:// 或 https:// 网址，实为 {value!r}"
    return None


def _text(value: Any, key: str, *, multiline: bool = False) -> Optional[str]:
    """Why ``value`` is not an acceptable text value (None if it is)."""
    if not isinstance(value, str):
        return f"{key} 应为字符串，实为 {type(value).__name__} {_short(value)}"
    if CONTROL_RE.search(value) or (not multiline and "\n" in value.strip()):
        return f"{key} 含换行或控制字符：{_short(value)}"
    if not multiline and len(value) > MAX_TITLE_CHARS:  # repeated on every clause of the page (issue 28)
        return f"{key} 过长（{len(value)} 字，上限 {MAX_TITLE_CHARS} 字）：{_short(value)}"
    if invisible_in(value):
        return (f"{key} 含不可见的排版控制字符 {invisible_in(value)}（如从右到左覆盖，会使文字显示为另一段文字）："
                "请删去")
    return None


def _short(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 80 else r[:80] + "…"


def _one_of(choices, label: str) -> Callable[[Any, str], Optional[str]]:
    def check(value: Any, key: str) -> Optional[str]:
        if not isinstance(value, str) or value not in choices:
            return f"{label} {_short(value)}（可用：{'、'.join(sorted(choices))}）"
        return None
    return check


def _check_id(value: Any, key: str) -> Optional[str]:
    if not isinstance(value, str) or not ID_RE.match(value) or len(value) > 80:
        return f"id {_short(value)} 不合法：只能用小写字母、数字和连字符 [a-z0-9-]"
    if value in RESERVED_IDS:
        return f"id {value!r} 是网站自身页面的名字（{RESERVED_IDS[value]}），不能用作文件 id：请另取一个"
    return None


def _check_text(value: Any, key: str) -> Optional[str]:
    return _text(value, key)


def _check_doc_number(value: Any, key: str) -> Optional[str]:
    return None if isinstance(value, int) and not isinstance(value, bool) else _text(value, key)


def _check_url(value: Any, key: str) -> Optional[str]:
    why = check_url(value) or _text(value, key, multiline=True)
    if not why and len(value) > MAX_URL_CHARS:  # issue 28: a 200,000-character address was accepted
        why = f"{key} 过长（{len(value)} 字符，上限 {MAX_URL_CHARS}）"
    return f"source_url {why}" if why and not why.startswith(key) else why


def _check_date(value: Any, key: str) -> Optional[str]:
    why = check_date(value)
    return f"{key} {why}" if why else None


def _check_year(value: Any, key: str) -> Optional[str]:
    if not (isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100):
        return f"year 应为四位年份，实为 {_short(value)}"
    return None


def _check_region(value: Any, key: str) -> Optional[str]:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or regions.lookup(str(value)) is None:
        return f"未知地区 {_short(value)}（用 GB/T 2260 名称或代码，或 全国）"
    return None


def _check_issuer(value: Any, key: str) -> Optional[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        return f"issuer 应为字符串或字符串列表，实为 {_short(value)}"
    for x in items:
        why = _text(x, key)
        if why:
            return why
    return None


def _check_basis(value: Any, key: str) -> Optional[str]:
    if not isinstance(value, dict):
        return "basis 应为映射，如 {year: inferred}"
    for k, b in value.items():
        if not isinstance(k, str) or k not in SCHEMA:
            return f"basis 中的未知字段 {_short(k)}"
        if not isinstance(b, str) or b not in BASIS_VALUES:
            return f"basis.{k} 只能是 {'/'.join(sorted(BASIS_VALUES))}"
    return None


def _check_notes(value: Any, key: str) -> Optional[str]:
    if not (isinstance(value, list) and all(isinstance(n, str) for n in value)):
        return "notes 应为字符串列表"
    for n in value:
        why = _text(n, key, multiline=True)
        if why:
            return "notes 含控制字符或不可见的排版控制字符（如从右到左覆盖）"
    return None


def _check_attachments(value: Any, key: str) -> Optional[str]:
    errs = check_attachments(value, None)
    return "；".join(msg for _, msg in errs) if errs else None


# THE SCHEMA: one row per sidecar key -> its check (value, key) -> message or None.
# A new key (attachments, a 施行 date …) is one row here, plus its use in apply_sidecar.
SCHEMA: dict[str, Callable[[Any, str], Optional[str]]] = {
    "id": _check_id,
    "title": _check_text,
    "issuer": _check_issuer,
    "doc_number": _check_doc_number,
    "date_written": _check_date,
    "date_published": _check_date,
    "date_effective": _check_date,  # 施行日期 of this text (issue 25; apply_sidecar notes it on the page)
    "year": _check_year,
    "region": _check_region,
    "doc_type": _check_text,  # its slug against the site's names: pipeline.name_problems
    "status": _one_of(STATUSES, "未知状态"),
    "source_url": _check_url,
    "forwarded_title": _check_text,
    "kind": _one_of(KINDS, "未知 kind"),
    "basis": _check_basis,
    "notes": _check_notes,
    "attachments": _check_attachments,  # held files of <stem>.files/ -> 附件 numbers (issue 30)
}
FIELDS = set(SCHEMA)
# names of the site's own pages that a document's id or slug would replace (issue 28:
# id: index replaced the document list, doc_type: Index the 按文种 page)
RESERVED_IDS = {"index": "文件列表 notices/index.html"}


def validate(side: Sidecar) -> list[tuple[Optional[int], str]]:
    """All problems as (line, Chinese message); errors only (warnings go to
    side.warnings).  Never raises for any YAML value (issue 28: a list where
    a status was expected crashed ``check``)."""
    v, ln = side.values, side.lines
    errs: list[tuple[Optional[int], str]] = []
    for key in v:
        if not isinstance(key, str) or key not in SCHEMA:
            errs.append((ln.get(key) if isinstance(key, str) else None,
                         f"未知字段 {_short(key)}（可用：{', '.join(sorted(SCHEMA))}）"))
    if "id" not in v:
        errs.append((1, "缺少 id"))
    for key, check in SCHEMA.items():
        if key in v and (v[key] is not None or key == "id"):
            try:
                why = check(v[key], key)
            except Exception as e:  # a check that meets a shape it did not expect: still one error, with its line
                why = f"{key} 的值无法校验（{type(e).__name__}）：{_short(v[key])}"
            if why:
                errs.append((ln.get(key), why))
    dw, dp = v.get("date_written"), v.get("date_published")
    if dw and dp and not check_date(dw) and not check_date(dp) and str(dw) > str(dp):
        side.warnings.append((ln.get("date_written"), f"成文日期 {dw} 晚于发布日期 {dp}，请核对"))
    return errs


def check_attachments(value: Any, line: Optional[int]) -> list[tuple[Optional[int], str]]:
    """``attachments:`` maps each held file of ``<stem>.files/`` to its 附件
    number (attachments.py), written by ``iparchive add``::

        attachments:
          - {number: 1, file: 征求意见稿.docx}
          - {number: 2, file: 起草说明.wps, title: 起草说明}
    """
    if value is None:
        return []
    if not isinstance(value, list):
        return [(line, "attachments 应为列表，每项如 {number: 1, file: 文件名.pdf}")]
    errs, numbers, files = [], set(), set()
    for k, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) - {"number", "file", "title"}:
            errs.append((line, f"attachments 第{k}项应为 {{number: 序号, file: 文件名, title: 标题（可选）}}，实为 {item!r}"))
            continue
        num, name, title = item.get("number"), item.get("file"), item.get("title")
        if not isinstance(num, int) or isinstance(num, bool) or not 1 <= num <= 99:
            errs.append((line, f"attachments 第{k}项的 number 应为 1–99 的整数，实为 {num!r}"))
        elif num in numbers:
            errs.append((line, f"attachments 中附件{num}出现两次"))
        if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name or name.startswith(".") \
                or CONTROL_RE.search(name):
            errs.append((line, f"attachments 第{k}项的 file 应为 <名称>.files/ 中的文件名（不含路径），实为 {name!r}"))
        elif name in files:
            errs.append((line, f"attachments 中文件 {name} 出现两次"))
        if title is not None and (not isinstance(title, str) or CONTROL_RE.search(title) or "\n" in title.strip()):
            errs.append((line, f"attachments 第{k}项的 title 应为一行文字，实为 {title!r}"))
        numbers.add(num)
        files.add(name)
    return errs


def apply_sidecar(notice: Notice, side: Sidecar, path: Path | str | None = None) -> None:
    """Override extracted fields with curated ones, recording the basis."""
    v = side.values
    explicit = dict(v.get("basis") or {})
    notice.id = v["id"]
    notice.basis["id"] = "sidecar"
    for key in ("title", "doc_number", "date_written", "date_published", "year", "doc_type", "status", "source_url", "kind"):
        if key in v and v[key] is not None:
            val = str(v[key]) if key != "year" else int(v[key])
            if getattr(notice, key) != val:
                setattr(notice, key, val)
                notice.basis[key] = explicit.get(key, "sidecar")
    if v.get("issuer") is not None:
        iss = [v["issuer"]] if isinstance(v["issuer"], str) else [str(x) for x in v["issuer"]]
        if iss != notice.issuer:
            notice.issuer = iss
            notice.basis["issuer"] = explicit.get("issuer", "sidecar")
    if v.get("region") is not None:
        r = regions.lookup(str(v["region"]))
        if notice.region is None or r.code != notice.region.code:
            notice.region = r
            notice.basis["region"] = explicit.get("region", "sidecar")
    if v.get("forwarded_title"):
        ft = str(v["forwarded_title"])
        if notice.forwarded is None or notice.forwarded.title != ft:
            notice.forwarded = Forwarded(title=ft, doc_type=doc_type_of(ft))
            notice.basis["forwarded"] = "sidecar"
    for k, b in explicit.items():
        notice.basis[k] = b
    if notice.year is None and notice.date:
        notice.year = int(notice.date[:4])
    elif notice.date and "year" not in v:
        notice.year = int(notice.date[:4])
    notice.notes = list(v.get("notes") or [])
    _effective_note(notice, v.get("date_effective"), explicit.get("date_effective", "sidecar"))


def _effective_note(notice: Notice, value: Any, basis: str) -> None:
    """A sidecar's 施行日期 (issue 25): set, and said on the page unless a note names it."""
    if value is None or notice.date_effective == str(value):
        return
    old, notice.date_effective = notice.date_effective, str(value)
    notice.basis["date_effective"] = basis
    if not any(str(value) in note for note in notice.notes):
        notice.notes.append(f"施行日期 {value} 由编辑在 sidecar 中设定"
                            + (f"（原文读出 {old}）" if old else "（原文未载明本文本的施行日期）"))


def dump_sidecar(notice: Notice, missing: list[str]) -> str:
    """Sidecar text for ``iparchive add``: every extracted field, gaps marked."""
    def q(x):
        return yaml.safe_dump(x, allow_unicode=True, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()

    out = [
        f"# {notice.source_file} 的元数据。id 一经分配永不改变（它决定页面网址）。",
        "# 本文件中的值优先于自动抽取的值；人工推定的值请在 basis 中标为 inferred，并在 notes 中说明。",
        f"id: {notice.id}",
    ]
    fields = [("title", notice.title or None), ("issuer", notice.issuer or None), ("doc_number", notice.doc_number),
              ("date_written", notice.date_written), ("date_published", notice.date_published),
              ("year", notice.year), ("region", notice.region.name if notice.region else None),
              ("doc_type", notice.doc_type), ("status", notice.status), ("source_url", notice.source_url)]
    for key, val in fields:
        line = f"{key}: {q(val)}"
        label = MISSING_LABELS.get(key)
        if key in missing and label:
            line += f"  # 待人工补充：原文未载明{label}"
        elif notice.basis.get(key) == "inferred":
            line += "  # 自动推定，请核对"
        out.append(line)
    inferred = {k: "inferred" for k, b in notice.basis.items() if b == "inferred"}
    if inferred:
        out.append(f"basis: {q(inferred)}")
    out.append("notes: []")
    return "\n".join(out) + "\n"
