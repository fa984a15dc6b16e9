"""The theme vocabulary (``build_tools/data/themes.yml``): YAML only, no jieba.

A leaf module: the enrich stage (``enrich.themes``, tagging), the write stage
(theme pages) and the search package (``theme:`` filters, which must not load
jieba in the query process) all read the same list of :class:`Theme` from here.

Input forms handled by :func:`load_vocabulary`, as in ``data/themes.yml``:

- an entry with ``slug``/``name``/``description``/``keywords``
  (``- slug: patent`` / ``name: 专利`` / ``keywords: [专利, 发明创造, …]``);
- an entry with ``exclude`` phrases removed before matching
  (``copyright``: ``exclude: ["新闻出版(版权)局", …, "版权局"]``);
- a missing ``description`` → ``""``; a missing ``exclude`` → ``[]``.

Every error is a :class:`VocabularyError` (an ``errors.SourceError``) with the
file and the 1-based line of the entry: bad YAML, not a list, an item that is
not a mapping, a missing ``slug``/``name``/``keywords``, an unknown key, a slug
that is not lower-case ASCII with hyphens, a slug or name defined twice,
keywords that are not a list of non-empty strings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from .errors import SourceError

__all__ = ["DEFAULT_VOCABULARY", "Theme", "VocabularyError", "load_vocabulary"]

DEFAULT_VOCABULARY = Path(__file__).resolve().parent / "data" / "themes.yml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEYS = ("slug", "name", "description", "keywords", "exclude")


class VocabularyError(SourceError, ValueError):
    """Bad themes.yml; ``str()`` starts with ``file:line:``."""


@dataclass
class Theme:
    """One theme of the vocabulary."""

    slug: str  # ASCII, for URLs
    name: str  # Chinese label
    description: str
    keywords: list[str]
    exclude: list[str] = field(default_factory=list)
    keyword_rx: Optional[re.Pattern] = field(default=None, repr=False, compare=False)
    exclude_rx: Optional[re.Pattern] = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        kws = sorted(set(self.keywords), key=len, reverse=True)
        self.keyword_rx = re.compile("|".join(map(re.escape, kws)))
        exs = sorted(set(self.exclude), key=len, reverse=True)
        self.exclude_rx = re.compile("|".join(map(re.escape, exs))) if exs else None

    def matches(self, text: str) -> bool:
        """Does ``text`` contain a keyword once the ``exclude`` phrases are
        blanked?  The enrich stage strips organisation lists from the text
        first (``enrich.themes.strip_org_lists``)."""
        if self.exclude_rx is not None:
            text = self.exclude_rx.sub("\u3000", text)
        return self.keyword_rx.search(text) is not None


class LineLoader(yaml.SafeLoader):
    """SafeLoader that records the 1-based line of every mapping (``__line__``)."""


def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    d = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    d["__line__"] = node.start_mark.line + 1
    return d


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)


def load_vocabulary(path: Optional[Path | str] = None) -> list[Theme]:
    """Read and validate the vocabulary (the project's by default); errors
    name ``file:line``."""
    path = Path(path) if path else DEFAULT_VOCABULARY
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise VocabularyError(path, f"YAML 格式错误: {e}", line) from e
    if not isinstance(data, list):
        raise VocabularyError(path, "应为主题列表 (a list of themes)", 1)
    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for item in data:
        if not isinstance(item, dict):
            raise VocabularyError(path, f"列表项应为映射 (mapping): {item!r}", 1)
        line = item.pop("__line__", 0)
        for key in ("slug", "name", "keywords"):
            if not item.get(key):
                raise VocabularyError(path, f"缺少字段 {key}", line)
        unknown = set(item) - set(KEYS)
        if unknown:
            raise VocabularyError(path, f"未知字段 {sorted(unknown)}", line)
        slug, name = str(item["slug"]), str(item["name"])
        if not SLUG.match(slug):
            raise VocabularyError(path, f"slug 须为小写 ASCII 加连字符: {slug!r}", line)
        for key in (slug, name):
            if key in seen:
                raise VocabularyError(path, f"重复的主题 {key!r}（第 {seen[key]} 行已定义）", line)
            seen[key] = line
        kws, exs = item["keywords"], item.get("exclude") or []
        if not isinstance(kws, list) or not isinstance(exs, list):
            raise VocabularyError(path, "keywords/exclude 须为列表", line)
        if not all(isinstance(k, str) and k for k in kws + exs):
            raise VocabularyError(path, "关键词须为非空字符串", line)
        themes.append(Theme(slug, name, str(item.get("description") or ""), list(kws), list(exs)))
    return themes
