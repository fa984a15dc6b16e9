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
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from . import regions
from .errors import SourceError
from .doctypes import MISSING_LABELS, STATUSES, doc_type_of
from .models import Forwarded, Notice

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELDS = {"id", "title", "issuer", "doc_number", "date_written", "date_published", "date_effective", "year", "region",
          "doc_type", "status", "source_url", "forwarded_title", "kind", "basis", "notes", "attachments"}
BASIS_VALUES = {"printed", "inferred", "sidecar"}
TEXT_FIELDS = ("title", "doc_number", "doc_type", "source_url", "forwarded_title", "kind", "status")
KINDS = {"notice", "law"}
URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.I)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps: dates stay the strings the
    editor typed, so an impossible unquoted date is a validation error
    with its line instead of a ValueError from the YAML library."""


Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SidecarError(path, "sidecar 必须是 UTF-8 编码")
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
        node = yaml.compose(text, Loader=Loader)
        values = yaml.load(text, Loader=Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SidecarError(path, f"YAML 语法错误：{e.problem or e}", mark.line + 1 if mark else None)
    except (yaml.YAMLError, ValueError, TypeError) as e:  # e.g. a bad !!binary value
        raise SidecarError(path, f"YAML 无法解析：{e}")
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


def validate(side: Sidecar) -> list[tuple[Optional[int], str]]:
    """All problems as (line, Chinese message); errors only (warnings go to side.warnings)."""
    v, ln = side.values, side.lines
    errs: list[tuple[Optional[int], str]] = []
    for key in v:
        if key not in FIELDS:
            errs.append((ln.get(key), f"未知字段 {key!r}（可用：{', '.join(sorted(FIELDS))}）"))
    if "id" not in v:
        errs.append((1, "缺少 id"))
    elif not isinstance(v["id"], str) or not ID_RE.match(v["id"]) or len(v["id"]) > 80:
        errs.append((ln.get("id"), f"id {v['id']!r} 不合法：只能用小写字母、数字和连字符 [a-z0-9-]"))
    for key in TEXT_FIELDS:
        val = v.get(key)
        if val is None:
            continue
        if key == "doc_number" and isinstance(val, int) and not isinstance(val, bool):
            continue
        if not isinstance(val, str):
            errs.append((ln.get(key), f"{key} 应为字符串，实为 {type(val).__name__} {val!r}"))
        elif CONTROL_RE.search(val) or (key != "source_url" and "\n" in val.strip()):
            errs.append((ln.get(key), f"{key} 含换行或控制字符：{val!r}"))
    if isinstance(v.get("source_url"), str):
        why = check_url(v["source_url"])
        if why:
            errs.append((ln.get("source_url"), f"source_url {why}"))
    if isinstance(v.get("kind"), str) and v["kind"] not in KINDS:
        errs.append((ln.get("kind"), f"kind 只能是 {'/'.join(sorted(KINDS))}，实为 {v['kind']!r}"))
    for key in ("date_written", "date_published", "date_effective"):
        val = v.get(key)
        if val is not None:
            why = check_date(val)
            if why:
                errs.append((ln.get(key), f"{key} {why}"))
    dw, dp = v.get("date_written"), v.get("date_published")
    if dw and dp and not check_date(dw) and not check_date(dp) and str(dw) > str(dp):
        side.warnings.append((ln.get("date_written"), f"成文日期 {dw} 晚于发布日期 {dp}，请核对"))
    if v.get("year") is not None and not (isinstance(v["year"], int) and not isinstance(v["year"], bool)
                                          and 1900 <= v["year"] <= 2100):
        errs.append((ln.get("year"), f"year 应为四位年份，实为 {v['year']!r}"))
    if v.get("region") is not None and regions.lookup(str(v["region"])) is None:
        errs.append((ln.get("region"), f"未知地区 {v['region']!r}（用 GB/T 2260 名称或代码，或 全国）"))
    if v.get("status") is not None and v["status"] not in STATUSES:
        errs.append((ln.get("status"), f"未知状态 {v['status']!r}（可用：{'、'.join(sorted(STATUSES))}）"))
    iss = v.get("issuer")
    if iss is not None and not (isinstance(iss, str) or (isinstance(iss, list) and all(isinstance(x, str) for x in iss))):
        errs.append((ln.get("issuer"), f"issuer 应为字符串或字符串列表，实为 {iss!r}"))
    elif isinstance(iss, (str, list)) and any(CONTROL_RE.search(x) for x in ([iss] if isinstance(iss, str) else iss)):
        errs.append((ln.get("issuer"), "issuer 含控制字符"))
    basis = v.get("basis")
    if basis is not None:
        if not isinstance(basis, dict):
            errs.append((ln.get("basis"), "basis 应为映射，如 {year: inferred}"))
        else:
            for k, b in basis.items():
                if k not in FIELDS:
                    errs.append((ln.get("basis"), f"basis 中的未知字段 {k!r}"))
                elif b not in BASIS_VALUES:
                    errs.append((ln.get("basis"), f"basis.{k} 只能是 {'/'.join(sorted(BASIS_VALUES))}"))
    errs += check_attachments(v.get("attachments"), ln.get("attachments"))
    notes = v.get("notes")
    if notes is not None and not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        errs.append((ln.get("notes"), "notes 应为字符串列表"))
    elif notes and any(CONTROL_RE.search(n) for n in notes):
        errs.append((ln.get("notes"), "notes 含控制字符"))
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
