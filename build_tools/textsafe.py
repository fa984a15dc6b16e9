"""Characters that change how text displays without being seen (issue 28).

A title holding U+202E (RIGHT-TO-LEFT OVERRIDE) displays reversed, as
another title; a file name holding a newline printed a forged
「检查完毕：0 个错误」 line in ``check``'s output.

* ``INVISIBLE``: bidi embeddings/overrides/isolates (U+202A–U+202E,
  U+2066–U+2069), marks (U+200E, U+200F, U+061C), line/paragraph separators
  (U+2028, U+2029), invisible operators (U+2060–U+2064) and the BOM inside
  text (U+FEFF).  None occurs in any seed or corpus document (checked on
  ../shared: seeds, govcn2019, provincial, sites2, lawrefbook).  Zero-width
  spaces (U+200B) and the ideographic space (U+3000) are not here: the
  readers strip or keep them as layout (``clean.normalise_line``).
* ``invisible_in(text)``: the first such character, as ``U+XXXX``, or None
  (sidecar metadata: refused with its line).
* ``neutralise(text)``: the text without them (document text: titles and
  clauses are read through it).
* ``shown_name(name)``: a file name safe for one line of a message: control
  and invisible characters as ``\\uXXXX`` (``\\n`` for a newline).
"""
from __future__ import annotations

import re
from typing import Optional

INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]")


def invisible_in(text: str) -> Optional[str]:
    m = INVISIBLE.search(text)
    return f"U+{ord(m.group(0)):04X}" if m else None


def neutralise(text: str) -> str:
    return INVISIBLE.sub("", text)


def shown_name(name: str) -> str:
    return _UNPRINTABLE.sub(lambda m: "\\n" if m.group(0) == "\n" else f"\\u{ord(m.group(0)):04x}", str(name))
