"""The link check's page scan (lexbor) against lxml's reading of the same
pages: the reference the tests hold it to."""
from __future__ import annotations

import importlib
from pathlib import Path

from lxml import html as lxml_html

linkcheck_module = importlib.import_module("build_tools.publish.linkcheck")  # the name is shadowed by the function


def lxml_scan(data: bytes) -> tuple[frozenset[str], tuple[str, ...]]:
    """The link check's scan as lxml reads the page (the reference for lexbor)."""
    doc = lxml_html.fromstring(data)
    ids = frozenset(v for v in doc.xpath("//@id", smart_strings=False) + doc.xpath("//a/@name", smart_strings=False)
                    if v)
    attrs = linkcheck_module.ATTRS
    urls = tuple(s for el in doc.iter(*attrs) if (u := el.get(attrs[el.tag])) is not None and (s := u.strip()))
    return ids, urls


def assert_scans_agree(site: Path) -> int:
    """Every page's ids and links as lexbor finds them are lxml's (empty
    values aside: they are never a target).  Returns the pages compared."""
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        data = page.read_bytes()
        ids, urls = linkcheck_module.scan_html(data)
        want_ids, want_urls = lxml_scan(data)
        assert ids == want_ids, (page, sorted(ids ^ want_ids)[:5])
        assert tuple(u for u in urls if u) == want_urls, page
    return len(pages)
