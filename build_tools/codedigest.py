"""One answer to "did the code change?": a digest of the modules an entry imports.

A cache keyed by code must miss when code that decides its values changes,
and only then.  ``code_digest("build_tools.build.render")`` is the SHA-1 of the
names and bytes of every module of build_tools/ and search/ that the entry
imports, transitively (``closure``), plus the data files named by
``data`` (glob patterns from the project root).  Imports are read with
``ast``, never run: module level and inside functions (a function's import
runs too), relative (``from .pages import …``, ``from . import tokenizer``)
and absolute (``from build_tools.models import Notice``, ``import
search.index``); importing a submodule runs its package's ``__init__.py``,
so that counts too.  Modules outside the two packages (the standard
library, MkDocs) and the benchmarks are not part of it.

Its users, each with its entries (a docstring edit in ``cli.py`` or in a
benchmark re-makes none of them; one in ``models.py`` re-makes all):

* ``pipeline`` — parsed documents: metadata, structure, lawdates;
* ``anchors.remembered_anchors`` — clause fingerprints: anchors;
* ``enrich.doccache`` — per-document enrichment: the enrich package;
* ``build.pagecache.code_digest`` — pages, records, downloads: the render
  orchestrator (``build.render``, with render/) and the theme vocabulary;
* ``render.search_pages.code_digest`` — Pagefind's input pages: that module
  and the theme vocabulary;
* ``search.index`` — CLI index records: search.index and its data.

Computed once per process and entry set (the code does not change under a
running build); ``code_digest.cache_clear()`` forgets it.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import re
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .settings import ROOT

__all__ = ["PACKAGES", "closure", "code_digest"]

PACKAGES = ("build_tools", "search")


def module_file(name: str, root: Path) -> Optional[Path]:
    """The file of dotted module ``name`` under ``root``, or None."""
    base = root.joinpath(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


# the start of an import statement; the statement itself is then read with ``ast``
IMPORT_START = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b|import[ \t]+[\w.])", re.M)


def import_statements(source: str) -> Iterator[ast.stmt]:
    """Every import statement of ``source``, anywhere in it (a function's,
    a class's, under ``if``/``try``), parsed with ``ast``.  Only the lines
    that start one are parsed: the whole module's tree cost 0.5 s for the
    write stage's 37 modules, this 0.03 s.  A docstring line that reads
    like an import can only add a module, never hide one."""
    for m in IMPORT_START.finditer(source):
        end = source.find("\n", m.end())
        end = len(source) if end < 0 else end
        code = source[m.start():end].split("#", 1)[0]
        if "(" in code and ")" not in code:  # ``from .x import (a,\n b)``
            close = source.find(")", end)
            end = len(source) if close < 0 else close + 1
        while source[m.start():end].split("#", 1)[0].rstrip().endswith("\\"):  # a continued line
            nxt = source.find("\n", end + 1)
            end = len(source) if nxt < 0 else nxt
        try:
            yield from ast.parse(source[m.start():end].lstrip()).body  # inside brackets indentation is free
        except SyntaxError:  # prose that only looks like an import
            continue


def imported(name: str, path: Path, root: Path) -> set[str]:
    """Dotted names of the project modules that module ``name`` (file
    ``path``) imports anywhere in its body."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in import_statements(path.read_text(encoding="utf-8")):
        if isinstance(node, ast.Import):
            found = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found = [base] + [f"{base}.{a.name}" for a in node.names]  # ``from . import tokenizer``: a module
        else:
            continue
        for target in found:
            if target.split(".")[0] in PACKAGES:
                while target and module_file(target, root) is None:  # ``import build_tools.x.Name``
                    target = target.rpartition(".")[0]
                if target:
                    out.add(target)
    return out


def closure(entries: Iterable[str], root: Path = ROOT) -> list[Path]:
    """The files of ``entries`` and of every project module they import,
    transitively, with the ``__init__.py`` of each package on the way; sorted."""
    seen: dict[str, Path] = {}
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name, root)
        if path is None:
            raise ValueError(f"{name}: no such module under {root}")
        seen[name] = path
        parent = name.rpartition(".")[0]
        todo += ([parent] if parent else []) + sorted(imported(name, path, root))
    return sorted(seen.values())


@functools.lru_cache(maxsize=None)
def code_digest(*entries: str, data: tuple[str, ...] = (), root: Path = ROOT) -> bytes:
    """SHA-1 over (path from ``root``, bytes) of ``closure(entries)`` and of
    the files matching the ``data`` patterns."""
    files = closure(entries, root) + sorted({f for pat in data for f in root.glob(pat) if f.is_file()})
    h = hashlib.sha1()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(f.read_bytes())
    return h.digest()
