"""One store: the files a build keeps for the next one, under ``<cache>/``.

Each is named here once (the table "What a rebuild keeps" in ARCHITECTURE.md
says what each is keyed by).  ``Memo`` is a task keyed by its input (a
document's load key) and its code (``codedigest.code_digest`` of the modules
that make it: their import closure).  A file that cannot be read is a miss
("make it again"), never an error.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from ..codedigest import code_digest
from ..fsutil import atomic_write_bytes, forget_keyed, load_keyed, save_keyed

__all__ = ["Store", "Memo", "load_parse", "release_memory"]


def release_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``):
    after a phase the objects it let go are free but still counted in this
    process's size, and in every child forked after it (issue 29: 2x, after
    enrich 779 -> 699 MB, after load 849 -> 675 MB).  True when pages went
    back; False where there is no glibc (nothing to do)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):  # not glibc (musl, macOS): its allocator returns pages itself
        return False


def load_parse(path: Path) -> Any:
    """The document of the parse kept at ``path`` (``<cache>/docs/<key>.pickle``:
    (notice, problems)), read back whole: what a ``models.StoredNotice`` loads."""
    with open(path, "rb") as f:
        return pickle.load(f)[0]


@dataclass(frozen=True)
class Store:
    root: Path  # <cache>/

    # ---- the files (one name each)
    @property
    def parses(self) -> Path:
        """``<key>.pickle`` per source file: read + metadata + structure (pipeline.load_documents)."""
        return self.root / "docs"

    @property
    def enrich(self) -> Path:
        """``<key>.pickle`` per document and ``pairs.memo`` (enrich.doccache)."""
        return self.root / "enrich"

    @property
    def related_terms(self) -> Path:
        """The term vectors of related documents and their result (enrich.related)."""
        return self.root / "related-terms.pickle"

    @property
    def headers(self) -> Path:
        """Each document's header by load key (``models.stored_header`` and its problems): what a rebuild
        reads back for a source that did not change, instead of its parse (pipeline.load_documents)."""
        return self.root / "headers.pickle"

    @property
    def anchors(self) -> Path:
        """Each document's clause fingerprints by load key (anchors.remembered_anchors)."""
        return self.root / "anchors-current.pickle"

    # ---- values
    @staticmethod
    def load(path: Path, default: Any = None) -> Any:
        """The pickled value at ``path``; ``default`` when missing or unreadable."""
        try:
            return pickle.loads(Path(path).read_bytes())
        except Exception:  # missing, cut short, an old shape: made again
            return default

    @staticmethod
    def save(path: Path, value: Any) -> None:
        """``value`` pickled at ``path``, atomically (a killed build leaves the old file or the new)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(Path(path), pickle.dumps(value), durable=False)  # a cache: a lost write is a miss


class Memo:
    """A value per input key (a document's load key), kept in one marshal file
    under the code digest of the modules that make it (``code``): a rebuild
    makes the value again only for the keys it has not seen; ``save`` keeps the
    keys this build asked for (``fsutil.save_keyed`` appends only what changed).
    Values: what marshal stores (numbers, strings, tuples, lists, dicts, None),
    or any picklable value with ``codec="pickle"`` (the document headers)."""

    def __init__(self, path: Optional[Path], code: Sequence[str], codec: str = "marshal"):
        self.path, self.key, self.codec = path, code_digest(*code).hex(), codec
        self.old = load_keyed(path, self.key, codec=codec) if path else {}
        self.new: dict = {}
        self.made = 0

    def kept(self, key: Optional[str]) -> Any:
        """The value kept for ``key`` (None when there is none), kept again by ``save``."""
        value = self.old.get(key) if key is not None else None
        if value is not None:
            self.new[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        """``value`` for ``key``, made by the caller."""
        self.new[key] = value
        self.made += 1

    def get(self, key: Optional[str], make: Callable[[], Any]) -> Any:
        if key is None:
            return make()
        if key in self.old:
            value = self.old[key]
        else:
            value = make()
            self.made += 1
        self.new[key] = value
        return value

    def save(self, keep_old: bool = False, forget: bool = False) -> None:
        """The keys asked for this build (``keep_old``: and those kept before, for a build of some files only);
        ``forget``: this process keeps no copy of the values (the document headers: the build holds each
        document's own copy of its fields, issue 29)."""
        if self.path is not None:
            try:
                save_keyed(self.path, self.key, {**self.old, **self.new} if keep_old else self.new, codec=self.codec)
                if forget:
                    forget_keyed(self.path)
            except OSError:  # a cache: the next build makes the values again
                pass
