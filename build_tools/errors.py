"""One error type for every problem about an input file.

Every stage raises ``SourceError(path, message, line=None)`` (or a subclass)
for bad input: the path of the file, a Chinese message, and the 1-based line
when it is known.  ``models.Problem.from_error`` turns it into a report row,
so callers never guess attribute names.

Subclasses keep their names for readers of tracebacks and tests:
``read.ReadError`` (bytes that are not a document), ``sidecar.SidecarError``
(a bad ``<name>.yml``), ``anchors.AnchorError`` (a bad lock/redirects file),
``vocabulary.VocabularyError`` (a bad ``themes.yml``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

__all__ = ["SourceError", "location"]


def location(path: str, line: Optional[int]) -> str:
    """``file:line`` or ``file`` — the prefix of every message."""
    return f"{path}:{line}" if line else path


class SourceError(Exception):
    """A problem with one input file; ``str()`` is ``file:line: message``."""

    def __init__(self, path: Path | str, message: str, line: Optional[int] = None):
        self.path = str(path)
        self.message = message
        self.line = line
        super().__init__(f"{location(self.path, line)}: {message}")
