"""``iparchive search``: query the clause index from the command line.

Forms handled::

    iparchive search 惩罚性赔偿
    iparchive search 惩罚性赔偿 --region 云南省 --year 2015..2023 \\
        --theme 司法保护 --type 实施意见 --status 正式 --limit 20 --json
    iparchive search '"三合一" OR 技术调查官' --index search/index
    iparchive search 专利 --limit 10 --page 3 --site-url https://ip.example.org
    iparchive search 专利 --json | head -1          (no BrokenPipeError traceback)
    python -m search.cli 惩罚性赔偿 --index DIR

``--year`` takes ``2020``, ``2015..2023``, ``2015-2023``, ``2015..`` or
``..2020``.  Several words after ``search`` are joined with spaces (AND).
Hits link to ``<site_url>/notices/<id>.html#<clause>``; the address comes from
``--site-url``, else the environment variable IPARCHIVE_SITE_URL, else the
address the last build used (recorded beside the index,
``build_tools.siteurl.recorded_site_url``), else ``site_url`` in mkdocs.yml;
without one the links are site-relative and the CLI says so once (on stderr).
Control characters in stored text (an ESC of a terminal sequence in a
scraped page) are shown as U+FFFD, never sent raw to the terminal.
Exit status: 0 on success (also with no hits, and when the reader of a pipe
stops early), 2 on a bad query, a missing index or bad options.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Optional, Sequence, TextIO

from build_tools.settings import NO_COLOR_ENV, env

from . import where
from .citation import load_table, resolve
from .schema import SearchError

JSON_SCHEMA = "iparchive-search/1"
RELATIVE_NOTE = ("未设置网站公开地址（site_url）：以下链接为相对网站根目录的路径。"
                 "可用 --site-url URL、环境变量 IPARCHIVE_SITE_URL 或 mkdocs.yml 的 site_url 设置")

ANSI_HL = ("\x1b[1;31m", "\x1b[0m")
ANSI_BOLD = ("\x1b[1m", "\x1b[0m")
ANSI_DIM = ("\x1b[2m", "\x1b[0m")
PLAIN_HL = ("【", "】")


def parse_years(s: Optional[str]) -> Optional[tuple[int, int]]:
    """``2020`` -> (2020, 2020); ``2015..2023``/``2015-2023``; open ends ok."""
    if s is None or not s.strip():
        return None
    s = s.strip().replace("—", "-").replace("–", "-").replace("～", "..").replace("~", "..")
    m = re.fullmatch(r"(\d{4})?\s*(?:\.\.|-)\s*(\d{4})?", s)
    if m and (m.group(1) or m.group(2)):
        lo = int(m.group(1)) if m.group(1) else 0
        hi = int(m.group(2)) if m.group(2) else 9999
    elif re.fullmatch(r"\d{4}", s):
        lo = hi = int(s)
    else:
        raise ValueError(f"年份应写作 2020、2015..2023 或 2015..：{s}")
    if lo > hi:
        raise ValueError(f"年份范围颠倒：{s}")
    return lo, hi


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("query", nargs="+", help="检索式（支持 AND/OR/NOT、引号短语、字段:值）")
    p.add_argument("--region", help="地区（含下级），如 云南省 或 530000")
    p.add_argument("--year", help="年份或范围，如 2020、2015..2023")
    p.add_argument("--theme", help="主题，如 司法保护")
    p.add_argument("--type", dest="doc_type", help="文种，如 实施意见、意见（含指导意见、若干意见，同文件列表）")
    p.add_argument("--status", help="状态，如 正式、征求意见稿")
    p.add_argument("--limit", type=int, default=20, help="每页条数（默认 20）")
    p.add_argument("--page", type=int, default=1, help="第几页（从 1 起，默认 1）")
    p.add_argument("--site-url", default=None,
                   help="网站公开地址（默认：环境变量 IPARCHIVE_SITE_URL 或 mkdocs.yml 的 site_url）")
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 docs/search-json.md）")
    p.add_argument("--index", type=Path, default=None,
                   help="索引目录（默认 search/index，或环境变量 IPARCHIVE_INDEX）")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="高亮颜色（默认：终端上用颜色，否则用【】）")
    p.set_defaults(func=run)
    return p


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``search`` subcommand to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("search", help="检索条款", description="检索条款（离线索引）")
    return configure(p)


def _use_color(mode: str, out: TextIO) -> bool:
    if mode == "always":
        return True
    if mode == "never" or env(NO_COLOR_ENV):
        return False
    return hasattr(out, "isatty") and out.isatty()


def _index_dir(args) -> Path:
    return where.index_dir(args)


def site_url_of(args) -> str:
    """--site-url, else IPARCHIVE_SITE_URL, else the address the last build
    used (recorded beside the index), else mkdocs.yml's site_url (``where``)."""
    return where.site_url(args)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Stored text fit for a terminal: control characters (ESC, CR, bidi
    overrides) become U+FFFD; newlines become spaces."""
    return _CONTROL.sub("\ufffd", str(text).replace("\n", " "))


def results_json(res, filters: dict, limit: int, page: int = 1, site_url: str = "") -> dict:
    """The stable ``--json`` document (schema iparchive-search/1)."""
    return {
        "schema": JSON_SCHEMA,
        "query": res.query,
        "filters": filters,
        "limit": limit,
        "page": page,
        "site_url": site_url or None,
        "total": res.total,
        "returned": len(res.hits),
        "backend": res.backend,
        "hits": [dict(rank=res.offset + i, **h.to_dict()) for i, h in enumerate(res.hits, 1)],
    }


def format_hit(i: int, h, color: bool) -> str:
    hl = ANSI_HL if color else PLAIN_HL
    bold = ANSI_BOLD if color else ("", "")
    dim = ANSI_DIM if color else ("", "")
    meta = " · ".join(
        str(v) for v in ((h.region[-2] if len(h.region) >= 2 else (h.region or [""])[0]),
                         h.year, h.doc_type) if v
    )
    frag = safe(h.marked("\ue000", "\ue001")).replace("\ue000", hl[0]).replace("\ue001", hl[1])
    if h.fragment_start > 0:
        frag = "…" + frag
    if h.fragment_start + len(h.fragment) < h.text_length:
        frag += "…"
    head = f"{i:>2}. {bold[0]}{safe(h.citation)}{bold[1]}"
    if meta:
        head += f"  {dim[0]}[{safe(meta)}]{dim[1]}"
    return f"{head}\n    {frag}\n    {dim[0]}{safe(h.url)}{dim[1]}"


def format_citation(h, color: bool) -> str:
    """A typed citation's article, above the text hits: 引用 《…》（2020年修正）第七十一条."""
    bold = ANSI_BOLD if color else ("", "")
    dim = ANSI_DIM if color else ("", "")
    return (f" ➜ 引用 {bold[0]}{safe(h.citation)}{bold[1]}" + (f"  [{safe(h.validity)}]" if h.validity else "")
            + f"\n    {dim[0]}{safe(h.url)}{dim[1]}")


def run(args, out: TextIO = None, err: TextIO = None) -> int:
    """Handler for the parsed ``search`` arguments; returns the exit status.
    A closed pipe (``| head``) ends the output quietly with status 0."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _run(args, out, err)
    except BrokenPipeError:
        if out is sys.stdout:  # no "Exception ignored" at exit either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args, out: TextIO, err: TextIO) -> int:
    from .query import run_search  # the query machinery loads only when a search runs

    q = " ".join(args.query)
    filters = {
        "region": args.region,
        "years": None,
        "theme": args.theme,
        "doc_type": args.doc_type,
        "status": args.status,
    }
    page = getattr(args, "page", 1)
    page = 1 if page is None else page
    try:
        if page < 1 or args.limit < 1:
            raise ValueError("--page 和 --limit 应为正整数")
        years = parse_years(args.year)
        filters["years"] = list(years) if years else None
        site_url = site_url_of(args)
        res = run_search(
            _index_dir(args), q, region=args.region, years=years,
            theme=args.theme, doc_type=args.doc_type, status=args.status,
            limit=args.limit, offset=(page - 1) * args.limit, site_url=site_url,
        )
    except (SearchError, ValueError) as e:
        if args.json:
            json.dump({"schema": JSON_SCHEMA, "query": q, "filters": filters,
                       "error": str(e)}, out, ensure_ascii=False, indent=2)
            out.write("\n")
        else:
            print(f"iparchive search: {e}", file=err)
        return 2
    cited = resolve(q, load_table(_index_dir(args)), site_url) if page == 1 else []  # issue 25: the cited article first
    if args.json:
        doc = results_json(res, filters, args.limit, page, site_url)
        doc["citations"] = [h.to_dict() for h in cited]
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
        out.flush()
        return 0
    if not site_url and res.hits:
        print(RELATIVE_NOTE, file=err)
    color = _use_color(args.color, out)
    for h in cited:
        print(format_citation(h, color), file=out)
    for i, h in enumerate(res.hits, res.offset + 1):
        print(format_hit(i, h, color), file=out)
    first, last = res.offset + 1, res.offset + len(res.hits)
    if not res.hits:
        shown = f"，第 {page} 页没有结果" if res.total else ""
    elif res.total > len(res.hits):
        more = f"；下一页：--page {page + 1}" if last < res.total else ""
        shown = f"，显示第 {first}–{last} 条{more}"
    else:
        shown = ""
    print(f"共 {res.total} 条{shown}（{res.seconds:.3f} 秒）", file=out)
    out.flush()
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = configure(argparse.ArgumentParser(prog="iparchive search", description="检索条款（离线索引）"))
    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
