"""The archive's public address (``site_url``): one setting for every output.

A leaf module (imports only ``settings``, cheap for the command line).  Forms of the
setting, highest precedence first:

* ``iparchive build --site-url https://ipa.example.org/`` (``SiteUrlAction``
  puts it into the environment, so the MkDocs run of the build sees it too);
* the environment variable ``IPARCHIVE_SITE_URL``;
* ``site_url:`` in mkdocs.yml (``""`` or absent: no public address).

Used by ``write.write_docs`` (pages, archive.json, feed, downloads) and by
``publish/site_hooks.py`` inside MkDocs (canonical links, sitemap.xml).

The address a build used is recorded beside the command-line index
(``record_site_url``, ``search/index/iparchive-site.json``) so that
``iparchive search`` and ``iparchive memo check`` print the site's canonical
links even when the build was given ``--site-url`` and mkdocs.yml says nothing.
"""
from __future__ import annotations

import argparse
import json
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


BUILT_SITE_URL_FILE = "iparchive-site.json"


def record_site_url(index_dir: Path, url: str) -> None:
    """Write the address the last build used into ``index_dir`` (atomic rename)."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return
    tmp = index_dir / (BUILT_SITE_URL_FILE + ".tmp")
    tmp.write_text(json.dumps({"site_url": url.rstrip("/")}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, index_dir / BUILT_SITE_URL_FILE)


def recorded_site_url(index_dir: Path) -> Optional[str]:
    """The address the last build used ('' for none), None if no build recorded one."""
    try:
        value = json.loads((Path(index_dir) / BUILT_SITE_URL_FILE).read_text(encoding="utf-8")).get("site_url")
    except (OSError, ValueError, AttributeError):
        return None
    return value.rstrip("/") if isinstance(value, str) else None


class SiteUrlAction(argparse.Action):
    """``--site-url URL``: the build's public address (sets IPARCHIVE_SITE_URL)."""

    def __call__(self, parser, namespace, values, option_string=None):
        url = str(values).strip()
        if not url.startswith(("http://", "https://")):
            parser.error(f"{option_string} 须为 http:// 或 https:// 开头的网址：{url}")
        os.environ[SITE_URL_ENV] = url
        setattr(namespace, self.dest, url)
