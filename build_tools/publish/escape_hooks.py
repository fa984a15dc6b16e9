"""MkDocs hooks: page titles are text, never markup; a Content-Security-Policy.

MkDocs' and Material's templates do not autoescape: ``page.meta.title``
goes raw into ``<title>``, the header (``partials/header.html``), the nav
and Material's search index (``create_entry_for_section`` falls back to
``page.meta.title``).  A title is metadata of a scraped document
(``关于<script>alert(1)</script>…的通知``, issue 11), so it is HTML-escaped
here, once, at the MkDocs boundary: the generators write raw titles in front
matter (``common.yaml_str``).  A title from a ``# …`` heading
(``page._title_from_render``) is already safe: MkDocs strips its tags and
keeps its entities.

Content-Security-Policy (``on_post_page``): every page gets a
``<meta http-equiv="Content-Security-Policy">`` whose ``script-src`` is
``'self'`` plus the sha256 of the theme's own inline scripts only —
Material's ``partials/javascripts/*.html`` rendered for this page's
``base_url`` (``__md_scope=new URL("..",location)…``, the tab/anchor
script).  Any other inline script or event-handler attribute (a payload
that escaping missed, or markup a search result inserts at run time) is
refused by the browser.  Works from ``file://`` and over http.
``'unsafe-eval'`` stays allowed (Pagefind's WebAssembly; Playwright's
``wait_for_function`` in the browser tests): it lets no injected markup run.

Registered by ``build_tools.publish.mkdocs_run`` for every archive build.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re

from mkdocs.utils import get_relative_url

THEME_SCRIPTS = ("partials/javascripts/base.html", "partials/javascripts/content.html",
                 "partials/javascripts/palette.html", "partials/javascripts/announce.html",
                 "partials/javascripts/outdated.html", "partials/javascripts/consent.html")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(?:ld\+)?json\")[^>]*>(.*?)</script>", re.S)
# 'unsafe-eval': Pagefind compiles WebAssembly, and Playwright's wait_for_function
# (tests/test_browser.py) evaluates its predicate with eval; neither lets markup run
POLICY = ("default-src 'self'; script-src 'self' 'unsafe-eval' {hashes}; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
          "frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'")
_ENV: list = []
_HASHES: dict[str, str] = {}


def on_env(env, config, files, **kwargs):
    _ENV[:] = [env]
    _HASHES.clear()
    return env


def theme_hashes(config, base_url: str) -> str:
    """'sha256-…' of each inline script the theme itself emits for ``base_url``."""
    if base_url not in _HASHES:
        env = _ENV[0]
        features = config.theme.get("features", [])
        out = []
        for name in THEME_SCRIPTS:
            try:
                text = env.get_template(name).render(config=config, base_url=base_url, features=features)
            except Exception:  # a partial this Material version lacks or cannot render alone
                continue
            for body in INLINE_SCRIPT.findall(text):
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
                out.append(f"'sha256-{digest}'")
        _HASHES[base_url] = " ".join(sorted(set(out)))
    return _HASHES[base_url]


def on_post_page(output: str, page, config, **kwargs) -> str:
    base_url = get_relative_url(".", page.url) if page.url else "."
    meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY.format(hashes=theme_hashes(config, base_url))}">'
    return output.replace("<head>", "<head>\n    " + meta, 1)


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    title = page.meta.get("title")
    if title is not None:
        page.meta["title"] = html.escape(" ".join(str(title).split()), quote=True)
    return markdown
