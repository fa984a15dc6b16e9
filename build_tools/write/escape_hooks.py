"""MkDocs hook: page titles are text, never markup.

MkDocs' and Material's templates do not autoescape: ``page.meta.title``
goes raw into ``<title>``, the header (``partials/header.html``), the nav
and Material's search index (``create_entry_for_section`` falls back to
``page.meta.title``).  A title is metadata of a scraped document
(``关于<script>alert(1)</script>…的通知``, issue 11), so it is HTML-escaped
here, once, at the MkDocs boundary: the generators write raw titles in front
matter (``common.yaml_str``).  A title from a ``# …`` heading
(``page._title_from_render``) is already safe: MkDocs strips its tags and
keeps its entities.

Registered by ``build_tools.write.mkbuild`` for every archive build.
"""
from __future__ import annotations

import html


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    title = page.meta.get("title")
    if title is not None:
        page.meta["title"] = html.escape(" ".join(str(title).split()), quote=True)
    return markdown
