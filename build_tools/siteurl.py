"""The archive's public address (``site_url``): one setting for every output.

A leaf module (imports only ``settings``, cheap for the command line).  Forms of the
setting, highest precedence first:

* ``iparchive build --site-url https://ipa.example.org/`` (``SiteUrlAction``
  puts it into the environment, so the MkDocs run of the build sees it too);
* the environment variable ``IPARCHIVE_SITE_URL``;
* ``site_url:`` in mkdocs.yml (``""`` or absent: no public address).

Used by ``write.write_docs`` (pages, archive.json, feed, downloads) and by
``write/site_hooks.py`` inside MkDocs (canonical links, sitemap.xml).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Optional

from .settings import SITE_URL_ENV, env


def site_url_setting(config: Optional[Path] = None, override: Optional[str] = None) -> str:
    """The public address without a trailing slash; '' if none is set."""
    for value in (override, env(SITE_URL_ENV)):
        if value and value.strip():
            return value.strip().rstrip("/")
    if config is not None and Path(config).is_file():
        import yaml  # here: 40 ms of imports, paid only when no override or environment variable says it

        try:
            raw = yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:  # mkdocs reports it
            raw = {}
        value = raw.get("site_url") if isinstance(raw, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip().rstrip("/")
    return ""


class SiteUrlAction(argparse.Action):
    """``--site-url URL``: the build's public address (sets IPARCHIVE_SITE_URL)."""

    def __call__(self, parser, namespace, values, option_string=None):
        url = str(values).strip()
        if not url.startswith(("http://", "https://")):
            parser.error(f"{option_string} 须为 http:// 或 https:// 开头的网址：{url}")
        os.environ[SITE_URL_ENV] = url
        setattr(namespace, self.dest, url)
