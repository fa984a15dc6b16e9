"""Issue 12: the same notice in any wrapping gives the same record.

Every seed (its raw text, furniture included) and every govcn2019 page (its
metadata table rows and body lines) is rewrapped as plain text, CRLF text,
GB18030, UTF-16 (LE with BOM, LE and BE without BOM), HTML with ``<p>`` per
line, ``<br>``/``<br/>``/``</br>`` breaks, ``<div>`` per line, a table-framed
page, ``<pre>`` and Markdown; each wrapping must give the same title, issuer, 文号, dates,
body and clause ids as the plain-text one (and, for govcn2019, as the page itself).
"""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from build_tools.ingest.metadata import load_notice
from build_tools.ingest.read import read_file
from build_tools.clauses.structure import parse_structure
from conftest import GOVCN, SEED_FILES

PAGE = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n{}\n</body></html>\n"


def _esc(lines: list[str]) -> list[str]:
    return [html.escape(s) for s in lines if s.strip()]


WRAPPINGS = {
    "text": (".txt", lambda ls: "\n".join(ls).encode("utf-8")),
    "crlf": (".txt", lambda ls: "\r\n".join(ls).encode("utf-8")),
    "gb18030": (".txt", lambda ls: "\n".join(ls).encode("gb18030")),
    "utf16-bom": (".txt", lambda ls: "\n".join(ls).encode("utf-16")),
    "utf16le": (".txt", lambda ls: "\n".join(ls).encode("utf-16-le")),
    "utf16be": (".txt", lambda ls: "\n".join(ls).encode("utf-16-be")),
    "p": (".html", lambda ls: PAGE.format("\n".join(f"<p>{s}</p>" for s in _esc(ls))).encode("utf-8")),
    "br": (".html", lambda ls: PAGE.format("<div>" + "<br>\n".join(_esc(ls)) + "</div>").encode("utf-8")),
    "br-self": (".html", lambda ls: PAGE.format("<p>" + "<br/>".join(_esc(ls)) + "</p>").encode("utf-8")),
    "br-close": (".html", lambda ls: PAGE.format("<div>" + "</br>\n".join(_esc(ls)) + "</div>").encode("utf-8")),
    "div": (".html", lambda ls: PAGE.format("\n".join(f"<div>{s}</div>" for s in _esc(ls))).encode("utf-8")),
    "table": (".html", lambda ls: PAGE.format("<table width=\"100%\"><tbody>\n" + "\n".join(
        f"<tr><td>{s}</td></tr>" for s in _esc(ls)) + "\n</tbody></table>").encode("utf-8")),
    "pre": (".html", lambda ls: PAGE.format("<pre>" + "\n".join(html.escape(s) for s in ls) + "</pre>").encode("utf-8")),
    "markdown": (".md", lambda ls: "\n\n".join(s for s in ls if s.strip()).encode("utf-8")),
}


def _record(path: Path) -> dict:
    n = load_notice(path, use_sidecar=False)
    res = parse_structure(n.body, n.kind, n.title)
    return {"title": n.title, "issuer": n.issuer, "doc_number": n.doc_number, "date_written": n.date_written,
            "date_published": n.date_published, "body": n.body,
            "clause_ids": [c.id for top in res.clauses for c in top.walk()]}


def _govcn_lines(page: Path) -> list[str]:
    """A gov.cn page as a user would copy it: the metadata table rows, then the body."""
    raw = read_file(page)
    table = [s.text for s in raw.stripped if s.reason == "元数据表"]
    return table + [t for _, t in raw.lines]


CASES = [pytest.param(p, id=key) for key, p in sorted(SEED_FILES.items())]
if GOVCN.is_dir():
    CASES += [pytest.param(p, id=p.stem) for p in sorted(GOVCN.glob("*.html"))]


@pytest.mark.parametrize("source", CASES)
def test_every_wrapping_gives_the_same_record(source: Path, tmp_path):
    if source.suffix == ".html":
        lines = _govcn_lines(source)
        page = _record(source)
    else:
        lines = source.read_bytes().decode("utf-8").replace("\r\n", "\n").split("\n")
        page = None
    records = {}
    for name, (suffix, wrap) in WRAPPINGS.items():
        f = tmp_path / f"{source.stem}-{name}{suffix}"
        f.write_bytes(wrap(lines))
        records[name] = _record(f)
    ref = records["text"]
    assert ref["body"] and ref["clause_ids"]
    for name, rec in records.items():
        for key in ref:
            assert rec[key] == ref[key], (name, key, rec[key] if key != "body" else _first_diff(rec[key], ref[key]))
    if page is not None:  # the page itself reads like its rewrappings
        for key in ref:
            assert page[key] == ref[key], ("page", key, page[key] if key != "body" else _first_diff(page[key], ref[key]))


def _first_diff(a: str, b: str) -> tuple[str, str]:
    la, lb = a.split("\n"), b.split("\n")
    for x, y in zip(la, lb):
        if x != y:
            return x, y
    return (f"{len(la)} lines", f"{len(lb)} lines")


def test_seed_records_are_not_empty():
    # the invariant is not vacuous: the plain seeds carry the fields being compared
    km = _record(SEED_FILES["002"])
    assert km["issuer"] == ["昆明市人民政府办公室"] and km["date_written"] == "2022-09-29"
    cd = _record(SEED_FILES["004"])
    assert cd["date_published"] == "2023-03-22" and cd["title"].startswith("成都市知识产权工作领导小组办公室关于对《")
