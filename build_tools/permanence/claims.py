"""What a document claims that only one document may hold (issue 28).

``load_documents`` (for ``check`` and ``build``) runs these after the ids
are settled; each returns ``Problem``s naming both files:

* ``doc_number_conflicts``: a 文号 claimed by two documents (also written
  with full-width digits or other brackets: ``docnumber.normalise_doc_number``
  folds ``国知发保字［２０２１］１号`` and ``国知发保字〔2021〕1号`` together).
  Issue 28: a second document with the same 文号 silently took a third
  document's citation.  The document ``ids.lock`` names (published first)
  keeps it, else the first in file order; the other is an error and left
  out.  政策解读 pages are exempt: they print the 文号 of what they explain.
* ``slug_conflicts``: a document's names that would replace the site's own
  pages or another document's: a ``doc_type`` whose page name is ``index``
  (``doc_type: Index`` replaced the 按文种 page) or equals another
  ``doc_type``'s (two values, one page).
* ``near_duplicates``: the same text saved twice in other forms (LF, CRLF
  with trailing spaces, HTML): equal ``text_digest`` (the body without any
  whitespace, NFKC-folded) -> a warning naming the twin.  Byte-identical
  files are ``pipeline.identical_sources``'s.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Optional

from ..docnumber import normalise_doc_number
from ..models import Notice, Problem
from ..numerals import cn_int

RESERVED_SLUGS = {"index"}  # tags/<facet>/index.html is the facet's own list
EXEMPT_STATUSES = {"解读"}
_SPACE = re.compile(r"\s+")


# the printed forms one 文号 takes (issue 28 tried again): any bracket around the year, 年 inside
# it, 號, a serial in Chinese numerals or with 第 / leading zeros, the year between spaces only
_YEAR = re.compile(r"[\[(（〔［【﹝〈《<]\s*((?:19|20)\d{2})\s*年?\s*[\])）〕］】﹞〉》>]")
_BARE_YEAR = re.compile(r"^(\D+?)\s+((?:19|20)\d{2})\s+(\S+号)$")
_SERIAL = re.compile(r"〕\s*第?\s*([〇零一二三四五六七八九十百千两]+|\d+)\s*号")


def _fold(text: str) -> str:
    """One spelling of the forms ``_YEAR``, ``_BARE_YEAR`` and ``_SERIAL`` match."""
    t = unicodedata.normalize("NFKC", text).replace("號", "号").strip()
    t = _BARE_YEAR.sub(r"\1〔\2〕\3", t)
    t = _YEAR.sub(r"〔\1〕", t)

    def serial(m: re.Match) -> str:
        try:
            return f"〕{cn_int(m[1])}号"
        except ValueError:  # 两两: not a numeral, kept as printed
            return m[0]

    return _SERIAL.sub(serial, t)


def doc_number_key(text) -> Optional[str]:
    """The 文号 as compared: normalised (``docnumber``) after ``_fold``, else
    NFKC without spaces; None if empty."""
    if text is None or text == "":
        return None
    text = _fold(str(text))
    norm = normalise_doc_number(text)
    if norm:
        return norm
    flat = _SPACE.sub("", text)
    return flat or None


def text_digest(body: str) -> str:
    """sha1 of the body with every whitespace removed, NFKC-folded."""
    flat = "".join(unicodedata.normalize("NFKC", body).split())
    return hashlib.sha1(flat.encode("utf-8")).hexdigest()


EMPTY_DIGEST = text_digest("")


def _exempt(n: Notice) -> bool:
    return (n.status in EXEMPT_STATUSES) or bool(n.doc_type and "解读" in n.doc_type)


def doc_number_conflicts(notices: list[Notice], where: dict[str, Path],
                         owners: dict[str, str]) -> tuple[set[str], list[Problem]]:
    """(ids left out, errors) for 文号 claimed twice (module docstring)."""
    groups: dict[str, list[Notice]] = {}
    for n in notices:
        key = None if _exempt(n) else doc_number_key(n.doc_number)
        if key:
            groups.setdefault(key, []).append(n)
    out: set[str] = set()
    probs: list[Problem] = []
    for key, group in groups.items():
        if len(group) < 2:
            continue
        keeper = next((n for n in group if n.id in owners), group[0])
        for n in group:
            if n is keeper:
                continue
            out.add(n.id)
            probs.append(Problem(str(where[n.id]), None, "error",
                                 f"发文字号 {n.doc_number} 已由 {where[keeper.id]}（{keeper.id}）使用：同一文号只能属于一件文件，"
                                 "本文件不予发布；如确为同一文件，请删去其一，否则请在 sidecar 中更正 doc_number"))
    return out, probs


def slug_conflicts(notices: list[Notice], where: dict[str, Path]) -> tuple[set[str], list[Problem]]:
    """(ids left out, errors) for document names that collide with the site's own or each other's."""
    from ..render.common import slug, type_family  # the render stage's names; loaded only by check and build

    out: set[str] = set()
    probs: list[Problem] = []
    first: dict[str, tuple[str, Notice]] = {}
    for n in notices:
        if not n.doc_type:
            continue
        fam = type_family(n.doc_type)
        s = slug(fam)
        if s in RESERVED_SLUGS:
            out.add(n.id)
            probs.append(Problem(str(where[n.id]), None, "error",
                                 f"文种 {n.doc_type!r} 的网址名 {s!r} 与网站自身的页面（按文种目录）相同，不予发布：请在 sidecar 中改用中文文种名"))
            continue
        seen = first.setdefault(s, (fam, n))
        if seen[0] != fam:
            out.add(n.id)
            probs.append(Problem(str(where[n.id]), None, "error",
                                 f"文种 {fam!r} 与 {where[seen[1].id]} 的文种 {seen[0]!r} 生成同一个网址名 {s!r}"
                                 "（两个文种会共用一个页面），不予发布：请在 sidecar 中统一写法"))
    return out, probs


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def near_duplicates(notices: list[Notice], where: dict[str, Path], digests: dict[str, str]) -> list[Problem]:
    """A warning for each document whose ``text_digest`` equals an earlier one's."""
    seen: dict[str, Notice] = {}
    probs = []
    for n in notices:
        d = digests.get(n.id)
        if not d or d == EMPTY_DIGEST:  # an empty body (read from the digest: the build keeps no body, issue 29)
            continue
        if d in seen:
            twin = seen[d]
            if _same_bytes(where[n.id], where[twin.id]):
                continue  # pipeline.identical_sources says so already
            probs.append(Problem(str(where[n.id]), None, "warning",
                                 f"正文与 {where[twin.id]}（{twin.id}）相同（只差换行、空格或格式）：同一文本有两个 id、两个页面，请删去其一"))
        else:
            seen[d] = n
    return probs
