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

* ``schema()`` is the one table of keys and their checks: the keys of metadata
  fields come from their declarations (``model/fields.py``: a new field, such as
  a 施行 date, is one row there, and ``apply_sidecar`` sets it and
  ``metadata.load_notice`` reports it as the sidecar's with no other edit); the
  keys about the file itself (``id``, ``basis``, ``notes``, ``attachments``) are
  ``DOCUMENT_KEYS``; ``validate`` never raises, whatever the YAML value
  (``status: [正式]`` crashed ``check``);
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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from ..errors import SourceError
from ..limits import SIDECAR_BYTES, read_regular
from ..model.checks import CONTROL_RE, check_date, short, text_problem
from ..model.fields import FIELDS, missing_label
from ..models import Notice

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BASIS_VALUES = {"printed", "inferred", "sidecar"}


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


def _check_id(value: Any, key: str) -> Optional[str]:
    if not isinstance(value, str) or not ID_RE.match(value) or len(value) > 80:
        return f"id {short(value)} 不合法：只能用小写字母、数字和连字符 [a-z0-9-]"
    if value in RESERVED_IDS:
        return f"id {value!r} 是网站自身页面的名字（{RESERVED_IDS[value]}），不能用作文件 id：请另取一个"
    return None


def _check_basis(value: Any, key: str) -> Optional[str]:
    if not isinstance(value, dict):
        return "basis 应为映射，如 {year: inferred}"
    for k, b in value.items():
        if not isinstance(k, str) or k not in schema():
            return f"basis 中的未知字段 {short(k)}"
        if not isinstance(b, str) or b not in BASIS_VALUES:
            return f"basis.{k} 只能是 {'/'.join(sorted(BASIS_VALUES))}"
    return None


def _check_notes(value: Any, key: str) -> Optional[str]:
    if not (isinstance(value, list) and all(isinstance(n, str) for n in value)):
        return "notes 应为字符串列表"
    for n in value:
        why = text_problem(n, key, multiline=True)
        if why:
            return "notes 含控制字符或不可见的排版控制字符（如从右到左覆盖）"
    return None


def _check_attachments(value: Any, key: str) -> Optional[str]:
    errs = check_attachments(value, None)
    return "；".join(msg for _, msg in errs) if errs else None


# THE SCHEMA: one row per sidecar key -> its check (value, key) -> message or None.  The keys
# of metadata fields come from their declarations (model/fields.py: a new field's sidecar key
# is its ``sidecar`` and ``check`` there); these are the keys about the file itself.
DOCUMENT_KEYS: dict[str, Callable[[Any, str], Optional[str]]] = {
    "id": _check_id,
    "basis": _check_basis,
    "notes": _check_notes,
    "attachments": _check_attachments,  # held files of <stem>.files/ -> 附件 numbers (issue 30)
}


def schema() -> dict[str, Callable[[Any, str], Optional[str]]]:
    """Every sidecar key and its check: the file's own keys, then each declared field's."""
    return {"id": _check_id, **{f.sidecar: f.check for f in FIELDS if f.sidecar and f.check}, **DOCUMENT_KEYS}


SCHEMA = schema()  # as declared at import; validate() reads schema() (a field declared later counts)
# names of the site's own pages that a document's id or slug would replace (issue 28:
# id: index replaced the document list, doc_type: Index the 按文种 page)
RESERVED_IDS = {"index": "文件列表 notices/index.html"}


def validate(side: Sidecar) -> list[tuple[Optional[int], str]]:
    """All problems as (line, Chinese message); errors only (warnings go to
    side.warnings).  Never raises for any YAML value (issue 28: a list where
    a status was expected crashed ``check``)."""
    v, ln = side.values, side.lines
    keys = schema()
    errs: list[tuple[Optional[int], str]] = []
    for key in v:
        if not isinstance(key, str) or key not in keys:
            errs.append((ln.get(key) if isinstance(key, str) else None,
                         f"未知字段 {short(key)}（可用：{', '.join(sorted(keys))}）"))
    if "id" not in v:
        errs.append((1, "缺少 id"))
    for key, check in keys.items():
        if key in v and (v[key] is not None or key == "id"):
            try:
                why = check(v[key], key)
            except Exception as e:  # a check that meets a shape it did not expect: still one error, with its line
                why = f"{key} 的值无法校验（{type(e).__name__}）：{short(v[key])}"
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
    """Override extracted fields with curated ones, recording the basis: every declared field
    with a sidecar key (model/fields.py), in the table's order; a ``noted`` field's value is
    also said in the page's 说明 box (施行日期, issue 25)."""
    v = side.values
    explicit = dict(v.get("basis") or {})
    notice.id = v["id"]
    notice.basis["id"] = "sidecar"
    noted = []
    for f in FIELDS:
        if not f.sidecar or v.get(f.sidecar) is None:
            continue
        old, new = f.get(notice), f.parse(v[f.sidecar])
        if f.same(old, new):
            continue
        f.set(notice, new)
        notice.basis[f.key] = explicit.get(f.sidecar, "sidecar")
        if f.noted:
            noted.append((f, new, old))
    for k, b in explicit.items():
        notice.basis[k] = b
    if notice.year is None and notice.date:
        notice.year = int(notice.date[:4])
    elif notice.date and "year" not in v:
        notice.year = int(notice.date[:4])
    notice.notes = list(v.get("notes") or [])
    for f, value, old in noted:
        _note(notice, f.label, f.show(value), f.show(old) if old else None)


def _note(notice: Notice, label: str, value: str, old: Optional[str]) -> None:
    """A sidecar value said on the page unless a note names it already."""
    if not any(value in note for note in notice.notes):
        notice.notes.append(f"{label} {value} 由编辑在 sidecar 中设定"
                            + (f"（原文读出 {old}）" if old else f"（原文未载明本文本的{label}）"))


# fields ``iparchive add`` does not write into a new sidecar: kind is the reader's, 施行日期 and
# 印发/转发 are curated only when the text's own reading is wrong
DUMP_SKIPS = {"kind", "date_effective", "forwarded"}


def dump_sidecar(notice: Notice, missing: list[str]) -> str:
    """Sidecar text for ``iparchive add``: every extracted field, gaps marked."""
    def q(x):
        return yaml.safe_dump(x, allow_unicode=True, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()

    out = [
        f"# {notice.source_file} 的元数据。id 一经分配永不改变（它决定页面网址）。",
        "# 本文件中的值优先于自动抽取的值；人工推定的值请在 basis 中标为 inferred，并在 notes 中说明。",
        f"id: {notice.id}",
    ]
    for f in FIELDS:
        if not f.sidecar or f.key in DUMP_SKIPS:
            continue
        key, val = f.sidecar, f.get(notice)
        if key == "region":
            val = val.name if val else None
        line = f"{key}: {q(val or None if isinstance(val, (str, list)) else val)}"
        if key in missing and f.missing:
            line += f"  # 待人工补充：原文未载明{missing_label(key)}"
        elif notice.basis.get(key) == "inferred":
            line += "  # 自动推定，请核对"
        out.append(line)
    inferred = {k: "inferred" for k, b in notice.basis.items() if b == "inferred"}
    if inferred:
        out.append(f"basis: {q(inferred)}")
    out.append("notes: []")
    return "\n".join(out) + "\n"
