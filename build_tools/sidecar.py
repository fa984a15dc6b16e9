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
not ``[a-z0-9-]`` (``../x``), bad dates, unknown regions.
"""
from __future__ import annotations

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
FIELDS = {"id", "title", "issuer", "doc_number", "date_written", "date_published", "year", "region",
          "doc_type", "status", "source_url", "forwarded_title", "kind", "basis", "notes"}
BASIS_VALUES = {"printed", "inferred", "sidecar"}


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
    try:
        node = yaml.compose(text)
        values = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SidecarError(path, f"YAML 语法错误：{e.problem or e}", mark.line + 1 if mark else None)
    if values is None:
        raise SidecarError(path, "sidecar 为空：至少需要 id")
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise SidecarError(path, "sidecar 顶层必须是键值映射", 1)
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    side = Sidecar(path, values, lines)
    errors = validate(side)
    if errors:
        line, msg = errors[0]
        raise SidecarError(path, msg, line)
    return side


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
    for key in ("date_written", "date_published"):
        val = v.get(key)
        if val is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(val)):
            errs.append((ln.get(key), f"{key} 应写成 YYYY-MM-DD，实为 {val!r}"))
    if v.get("year") is not None and not (isinstance(v["year"], int) and 1949 <= v["year"] <= 2100):
        errs.append((ln.get("year"), f"year 应为四位年份，实为 {v['year']!r}"))
    if v.get("region") is not None and regions.lookup(str(v["region"])) is None:
        errs.append((ln.get("region"), f"未知地区 {v['region']!r}（用 GB/T 2260 名称或代码，或 全国）"))
    if v.get("status") is not None and v["status"] not in STATUSES:
        errs.append((ln.get("status"), f"未知状态 {v['status']!r}（可用：{'、'.join(sorted(STATUSES))}）"))
    if v.get("issuer") is not None and not isinstance(v["issuer"], (str, list)):
        errs.append((ln.get("issuer"), "issuer 应为字符串或列表"))
    basis = v.get("basis")
    if basis is not None:
        if not isinstance(basis, dict):
            errs.append((ln.get("basis"), "basis 应为映射，如 {year: inferred}"))
        else:
            for k, b in basis.items():
                if b not in BASIS_VALUES:
                    errs.append((ln.get("basis"), f"basis.{k} 只能是 {'/'.join(sorted(BASIS_VALUES))}"))
    notes = v.get("notes")
    if notes is not None and not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        errs.append((ln.get("notes"), "notes 应为字符串列表"))
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
