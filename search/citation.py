"""Citation lookup (issue 25): a typed citation lands on its article or document.

``iparchive cite 专利法第七十一条`` prints the citation and its URL; ``iparchive
search`` puts the cited article first, then the text hits; the site's search box
does the same with ``overrides/assets/iparchive/citation.js`` reading the same table.

Query forms handled by :func:`parse` (all resolved on the archive's own laws and
notices in ``tests/test_citation_lookup.py``):

* ``专利法第七十一条``, ``中华人民共和国专利法第七十一条``, ``《中华人民共和国专利法》第七十一条``;
* ``专利法71条``, ``专利法第71条``, ``专利法 第 71 条`` (digits, spaces);
* ``商标法第六十三条第一款`` (第一款 is the article itself), ``商标法第六十三条第二款``
  → ``art-63-p2``; ``第五条第三项`` keeps the article (items are not in the table);
* ``民法典第一千一百八十五条``: the part (编) of the code whose articles hold the number;
* ``第十条之一`` → ``art-10-1``;
* a 文号 ``国知发保字〔2021〕7号``, also ``国知发保字[2021]7号`` / ``(2021)`` / ``【2021】``,
  and an order number ``国务院令第706号`` (normalised as ``build_tools.docnumber`` does);
* a bare title ``专利法`` / ``《商标法》`` → the document.

Among several texts of one law the version in force today (validity 现行有效) is
taken, else the latest.  The table (:func:`citation_table`, ``citations.json``) is
written beside the command-line index (``search/index.build_index``) and into the
site (``data/citations.json``, ``write_docs``): per document its id, title, the
names it is cited by, version, validity, 文号 and, for laws, the paragraph count of
each article (``a0``: first article number, ``p``: counts; 0 = no such article).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Sequence, TextIO

from build_tools.clauses.clauseids import article_id, parse_article, section_id
from build_tools.docnumber import normalise_doc_number
from build_tools.numerals import cn_int, int_cn

from . import where

if TYPE_CHECKING:  # the query path (iparchive search) never loads the models
    from build_tools.models import Notice

__all__ = ["TABLE_NAME", "SCRIPT_NAME", "SCHEMA", "IN_TEXT", "Cite", "Hit", "citation_table", "write_table",
           "write_script", "load_table", "parse", "find",
           "resolve", "add_parser", "main"]

TABLE_NAME = "citations.json"
SCRIPT_NAME = "citations.js"
SCHEMA = "iparchive-citations/1"
_NUM = "零〇一二三四五六七八九十百千两\\d"
_ARTICLE = re.compile(
    rf"^(?P<name>.*?)\s*第?\s*(?P<art>[{_NUM}]+)\s*条(?:\s*之\s*(?P<sub>[{_NUM}]+))?"
    rf"(?:\s*第?\s*(?P<para>[{_NUM}]+)\s*款)?(?:\s*第?\s*(?P<item>[{_NUM}]+)\s*项)?\s*$")
_PART = re.compile(r"（(?:总则|附则|[^（）]{1,8}编)）$")


# a citation inside running text (a memo's paragraph, build_tools/memo.py):
# 《中华人民共和国专利法》（2020年修正）第七十一条第二款第（三）项, 《…》第十条之一,
# a notice's clause 《…》二（三）, or the 《title》 alone
_NUM_RUN = r"[一二三四五六七八九十百千零〇两\d]+"
IN_TEXT = re.compile(
    r"《(?P<title>[^《》\n]{2,80})》(?:[（(](?P<version>\d{4}年[^）)\n]{1,8})[）)])?"
    rf"(?:(?:[（(][^）)\n]{{1,30}}[）)])?(?:(?P<art>第(?P<n>{_NUM_RUN})条(?:之(?P<sub>[一二三四五六七八九十]+))?)"
    rf"(?:第(?P<p>{_NUM_RUN})款)?(?:第?[（(](?P<i>{_NUM_RUN})[）)]项|第(?P<i2>{_NUM_RUN})项)?"
    r"|(?P<sec>[一二三四五六七八九十]+)[（(](?P<item>[一二三四五六七八九十]+)[）)]))?")


@dataclass
class Cite:
    """A parsed citation: a name with an article (numbers), or a 文号, or a
    name; found in running text (``find``) also the title as printed, the
    version printed after it and a notice's section (二（三） -> (2, 3))."""

    name: str = ""
    article: Optional[int] = None
    sub: Optional[int] = None
    para: Optional[int] = None
    item: Optional[int] = None
    doc_number: Optional[str] = None
    title: str = ""
    version: Optional[str] = None
    section: Optional[tuple[int, int]] = None

    def clause_id(self) -> Optional[str]:
        """The clause id it names as written (``art-63-p2-i3``, ``art-10-1``,
        ``s2-3``), None for a document; whether the document has it is the
        caller's to check (a 第一款 of a one-paragraph article is ``art-X``)."""
        if self.section:
            return section_id(*self.section)
        if self.article is None:
            return None
        return article_id(self.article, self.sub or 0, self.para or 0, self.item or 0)


@dataclass
class Hit:
    doc_id: str
    clause_id: str  # "" for the document
    citation: str  # 《中华人民共和国专利法》（2020年修正）第七十一条
    url: str  # notices/<id>.html#art-71 (site-relative) or absolute with a site_url
    title: str
    validity: str = ""

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "clause_id": self.clause_id, "citation": self.citation,
                "url": self.url, "title": self.title, "validity": self.validity}


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s《》〈〉<>“”\"']", "", s)


def names_of(title: str) -> list[str]:
    """The names a document is cited by: its title, without 中华人民共和国, without a part (编)."""
    out = []
    for t in (title, _PART.sub("", title)):
        for x in (t, t.removeprefix("中华人民共和国")):
            k = _fold(x)
            if len(k) >= 2 and k not in out:
                out.append(k)
    return out


def _docno(s: str) -> Optional[str]:
    return normalise_doc_number(unicodedata.normalize("NFKC", s).strip())


def citation_table(notices: Iterable[Notice], articles: Optional[Callable[[Notice], Optional[tuple]]] = None) -> dict:
    """The JSON-ready table of every document (module doc); ``articles``: the
    build's memo of ``article_counts`` (the walk of every law's clauses, kept
    by the law's load key between builds), when it has one."""
    docs = []
    for n in sorted(notices, key=lambda n: n.id):
        if not n.title:
            continue
        names = names_of(n.title)
        if n.forwarded and n.forwarded.title:
            names += [k for k in names_of(n.forwarded.title) if k not in names]
        d = {"id": n.id, "t": n.title, "n": names, "k": n.kind, "v": n.version_label or "",
             "s": n.validity or "", "d": n.date or "", "no": (_docno(n.doc_number) if n.doc_number else "") or "",
             "ed": "" if (n.version_label or n.doc_number) else n.edition}
        got = (articles or article_counts)(n) if n.kind == "law" else None
        if got:
            d["a0"], d["p"] = got[0], list(got[1])
        docs.append(d)
    return {"schema": SCHEMA, "docs": docs}


def article_counts(n: Notice) -> Optional[tuple[int, list[int]]]:
    """(first article number, the paragraph count of each article from it, 0 where
    there is none) of a law's clause tree; None when it has no articles."""
    counts: dict[int, int] = {}
    for c in n.walk():
        a = parse_article(c.id) if c.kind in ("article", "paragraph") else None
        if a and not a.sub:
            counts[a.article] = max(counts.get(a.article, 0), a.para or 1)
    if not counts:
        return None
    lo, hi = min(counts), max(counts)
    return lo, [counts.get(a, 0) for a in range(lo, hi + 1)]


def write_table(notices: Iterable[Notice], path: Path | str) -> Path:
    """Write ``citations.json`` (a new file, renamed into place: the site's copy is a hard link)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from build_tools.fsutil import replace_bytes  # writers only: the query path stays light

    text = json.dumps(citation_table(notices), ensure_ascii=False, separators=(",", ":"))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        replace_bytes(path, text.encode("utf-8"))
    return path


def write_script(notices: Iterable[Notice], path: Path | str,
                 articles: Optional[Callable[[Notice], Optional[tuple]]] = None) -> Path:
    """The site's copy, ``data/citations.js`` (``window.__ipaCitations = …``): a script
    loads from file:// where fetch cannot (overrides/assets/iparchive/citation.js)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "window.__ipaCitations=" + json.dumps(citation_table(notices, articles), ensure_ascii=False,
                                                  separators=(",", ":")).replace("</", "<\\/") + ";\n"
    from build_tools.fsutil import replace_bytes  # writers only: the query path stays light

    if not path.exists() or path.read_text(encoding="utf-8") != text:
        replace_bytes(path, text.encode("utf-8"))
    return path


def load_table(where: Path | str) -> Optional[dict]:
    """The table in an index directory (or a ``citations.json`` path); None if absent."""
    p = Path(where)
    if p.is_dir():
        p = p / TABLE_NAME
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None


def _int(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    try:
        return int(s) if s.isdigit() else cn_int(s.replace("两", "二"))
    except (ValueError, TypeError):
        return None


def parse(query: str) -> Optional[Cite]:
    """The citation a query is, or None (module doc for the forms)."""
    q = unicodedata.normalize("NFKC", query).strip()
    if not q or len(q) > 80:
        return None
    no = _docno(q)
    if no and len(_fold(q)) <= len(_fold(no)) + 2:
        return Cite(doc_number=no)
    m = _ARTICLE.match(q)
    if m and m.group("name").strip():
        art = _int(m.group("art"))
        if art is None or art <= 0:
            return None
        return Cite(_fold(m.group("name")), art, _int(m.group("sub")), _int(m.group("para")), _int(m.group("item")))
    if "《" in query or re.search(r"(?:法|条例|规定|办法|细则|解释|决定)$", q):
        return Cite(_fold(q))
    return None


def find(text: str) -> Iterator[tuple[re.Match, Cite]]:
    """Every 《…》 citation in running text (``IN_TEXT``), with what it names."""
    for m in IN_TEXT.finditer(text):
        sec = (_int(m.group("sec")), _int(m.group("item"))) if m.group("sec") else None
        yield m, Cite(_fold(m.group("title")), _int(m.group("n")), _int(m.group("sub")), _int(m.group("p")),
                      _int(m.group("i") or m.group("i2")), title=m.group("title"), version=m.group("version"),
                      section=sec if sec and None not in sec else None)


def _article_label(c: Cite) -> str:
    s = f"第{int_cn(c.article)}条" + (f"之{int_cn(c.sub)}" if c.sub else "")
    if c.para and c.para > 1:
        s += f"第{int_cn(c.para)}款"
    if c.item:
        s += f"第{int_cn(c.item)}项"
    return s


def _citation(d: dict, label: str) -> str:
    s = "《" + d["t"].replace("《", "〈").replace("》", "〉") + "》"
    if d.get("v"):
        s += f"（{d['v']}）"
    if d.get("no"):
        s += f"（{d['no']}）"
    elif d.get("ed"):
        s += f"（{d['ed']}）"
    return s + label


def _has_article(d: dict, art: int) -> int:
    """Paragraph count of article ``art`` in a law's table entry (0: none)."""
    p, a0 = d.get("p"), d.get("a0")
    if not p or a0 is None or not a0 <= art < a0 + len(p):
        return 0
    return p[art - a0]


def _rank(d: dict) -> tuple:
    return (d.get("s") == "现行有效", d.get("d") or "", d["id"])


def resolve(query: str, table: Optional[dict], site_url: str = "") -> list[Hit]:
    """The documents or articles a typed citation names, best first ([] when it is none)."""
    c = parse(query)
    if c is None or not table:
        return []
    docs = table.get("docs") or []
    base = (site_url.rstrip("/") + "/") if site_url else ""
    if c.doc_number:
        found = [d for d in docs if d.get("no") == c.doc_number]
        return [Hit(d["id"], "", _citation(d, ""), f"{base}notices/{d['id']}.html", d["t"], d.get("s", ""))
                for d in sorted(found, key=_rank, reverse=True)]
    named = [d for d in docs if c.name in d.get("n", ())]
    if not named:
        return []
    if c.article is None:
        best = sorted(named, key=_rank, reverse=True)
        return [Hit(d["id"], "", _citation(d, ""), f"{base}notices/{d['id']}.html", d["t"], d.get("s", ""))
                for d in best[:3]]
    holding = [d for d in named if _has_article(d, c.article)]
    out = []
    for d in sorted(holding, key=_rank, reverse=True)[:3]:
        paras = _has_article(d, c.article)
        para = c.para if c.para and 1 < c.para <= paras and not c.sub else 0
        cid = article_id(c.article, c.sub or 0, para)
        out.append(Hit(d["id"], cid, _citation(d, _article_label(c)), f"{base}notices/{d['id']}.html#{cid}",
                       d["t"], d.get("s", "")))
    return out


# ------------------------------------------------------------------ iparchive cite


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("citation", nargs="+", help="引用，如 专利法第七十一条、商标法第六十三条第一款、国知发保字〔2021〕7号")
    p.add_argument("--index", type=Path, default=None, help="索引目录（默认 search/index，或环境变量 IPARCHIVE_INDEX）")
    p.add_argument("--site-url", default=None, help="网站公开地址（默认：IPARCHIVE_SITE_URL 或 mkdocs.yml 的 site_url）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=run)
    return p


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``cite`` subcommand of ``iparchive``."""
    p = subparsers.add_parser("cite", help="按引用（法律条款或文号）查找文件与条款",
                              description="按引用查找：打印规范引用和永久链接")
    return configure(p)


def run(args, out: TextIO = None, err: TextIO = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    q = " ".join(args.citation)
    table = load_table(where.index_dir(args))
    if table is None:
        print(f"iparchive cite: 找不到引用表 {where.index_dir(args) / TABLE_NAME}，请先运行 iparchive build", file=err)
        return 2
    hits = resolve(q, table, where.site_url(args))
    if args.json:
        json.dump({"query": q, "hits": [h.to_dict() for h in hits]}, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0 if hits else 1
    if parse(q) is None:
        print(f"iparchive cite: 不是可识别的引用：{q}（例：专利法第七十一条、国知发保字〔2021〕7号）", file=err)
        return 2
    if not hits:
        print(f"本文库中没有找到：{q}", file=out)
        return 1
    for h in hits:
        print(f"{h.citation}\n    {h.url}" + (f"\n    {h.validity}" if h.validity else ""), file=out)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = configure(argparse.ArgumentParser(prog="iparchive cite")).parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
