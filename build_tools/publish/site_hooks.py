"""MkDocs hooks of the page layer (``hooks:`` in mkdocs.yml).

``on_config``: the public address.  ``site_url`` in mkdocs.yml is
overridden by the environment variable IPARCHIVE_SITE_URL (which
``iparchive build --site-url URL`` sets for the build), by the same rule as
``siteurl.site_url_setting``; MkDocs then writes ``<link rel="canonical">``
into every page and absolute ``<loc>`` addresses into ``sitemap.xml``.
Without any address both are left out (MkDocs' own behaviour), and the
pages say their copied links are local (``LOCAL_COPY_NOTE``).
"""
from __future__ import annotations

from build_tools.siteurl import site_url_setting


def on_config(config, **kwargs):
    url = site_url_setting() or (config.get("site_url") or "")  # environment first, then mkdocs.yml
    config["site_url"] = (url.rstrip("/") + "/") if url else None
    config["extra"]["iparchive_site_url"] = url.rstrip("/") if url else ""
    return config
