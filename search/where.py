"""Where a search command finds its index and the address it prints.

One rule for ``iparchive search`` and ``iparchive cite`` (issue 27: the CLI
works on the archive it stands in):

* the index: ``--index``, else ``IPARCHIVE_INDEX``, else ``<root>/search/index``
  of the archive found by the CLI (``--root`` or the nearest parent holding
  mkdocs.yml and source_texts/), else the installed project's;
* the address: ``--site-url``, else ``IPARCHIVE_SITE_URL``, else the address
  the last build used (recorded beside the index), else mkdocs.yml's
  ``site_url`` of that archive.
"""
from __future__ import annotations

from pathlib import Path

from build_tools.settings import INDEX_ENV, SITE_URL_ENV, env
from build_tools.siteurl import recorded_site_url, site_url_setting

__all__ = ["ROOT", "DEFAULT_INDEX", "MKDOCS_YML", "index_dir", "site_url"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX = ROOT / "search" / "index"
MKDOCS_YML = ROOT / "mkdocs.yml"


def index_dir(args) -> Path:
    if getattr(args, "index", None) is not None:
        return args.index
    where = env(INDEX_ENV)
    if where:
        return Path(where)
    return Path(args.root) / "search" / "index" if getattr(args, "root", None) else DEFAULT_INDEX


def site_url(args) -> str:
    if getattr(args, "site_url", None) is not None:
        return args.site_url.strip().rstrip("/")
    if env(SITE_URL_ENV):
        return site_url_setting()
    built = recorded_site_url(index_dir(args))
    if built is not None:
        return built
    return site_url_setting(Path(args.root) / "mkdocs.yml" if getattr(args, "root", None) else MKDOCS_YML)
