"""Tokenisers for the search index: character grams and jieba words.

Backend-neutral: the Whoosh analyzers wrapping these functions live in
``search.whoosh_backend`` (imported only for a Whoosh index); the tantivy
backend indexes the same terms joined by spaces (``gram_string``,
``word_string``) with tantivy's whitespace tokenizer, so positions are the
same slot positions and phrase queries match alike.  Two kinds of field:

``CharGramTokenizer`` (fields ``text`` and ``title``) -- recall.
    The text is read as a sequence of *slots*: one slot per Han character and
    one per run of letters/digits (``2025``, ``gb``).  Punctuation and spaces
    take no slot but separate runs.  Each slot is indexed as exactly one term
    at its slot position: the bigram starting there if the next slot is an
    adjacent Han character (``税收``), else the slot itself (``税``, ``2025``).
    So every slot's term begins with the slot's character.  A query becomes
    one token per slot -- bigrams, words, and ``X*`` prefixes for the last
    Han of a run -- and a phrase/sequence of them is an exact substring match:

        "优化营商环境" -> 优化 化营 营商 商环 环境          (phrase)
        "税"           -> 税*                              (纳税, 税收, 税。)
        "到2025年"     -> 到* 2025 年*                      (mixed runs)
        "三合一”审判"  -> 三合 合一 一* 审判                (query punctuation ignored)

    One term per slot keeps the index small (Whoosh is slow per posting).

``JiebaTokenizer`` (field ``words``) -- ranking.
    jieba precise-mode words with *sequential* token positions (jieba's own
    ``ChineseAnalyzer`` stores character offsets as positions, which breaks
    phrases).  Segmentation is done by rjieba (jieba-rs: the same dictionary
    and algorithm, 15x faster; identical cuts on 8,000 lawrefbook clauses
    with the user dictionary loaded).  It is loaded when indexing, never at
    query time.

Characters are normalised one at a time (NFKC when it yields one character,
then lower case), so offsets in the normalised text equal offsets in the
original: ``ＧＢ／Ｔ`` -> ``gb/t``, ``①`` -> ``1``.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Optional

USERDICT = Path(__file__).with_name("ip_userdict.txt")

_HAN_RANGES = (
    (0x3007, 0x3007),  # 〇
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)


@lru_cache(maxsize=65536)
def norm_char(c: str) -> str:
    """One character in, one character out: NFKC if that stays one char, lowered."""
    n = unicodedata.normalize("NFKC", c)
    if len(n) != 1:
        n = c
    return n.lower()


class _NormTable(dict):
    """str.translate table filled on demand with ``norm_char``."""

    def __missing__(self, o: int) -> str:
        v = self[o] = norm_char(chr(o))
        return v


_NORM = _NormTable()


def normalize(text: str) -> str:
    """Length-preserving normalisation (offsets stay valid)."""
    return text.translate(_NORM)


def is_han(c: str) -> bool:
    o = ord(c)
    for lo, hi in _HAN_RANGES:
        if lo <= o <= hi:
            return True
    return False


# kinds of slot
HAN, WORD = 0, 1
PREFIX = "*"  # marks a query token that is a prefix (never in index terms)


def slots(text: str) -> list[tuple[str, int, int, int]]:
    """Split ``text`` into slots: (normalised text, start, end, kind).

    Han characters are one slot each; a run of other letters/digits is one
    slot; everything else (punctuation, spaces, symbols) is skipped.
    """
    out: list[tuple[str, int, int, int]] = []
    word_start = -1
    chars = [norm_char(c) for c in text]
    for i, c in enumerate(chars):
        if is_han(c):
            if word_start >= 0:
                out.append(("".join(chars[word_start:i]), word_start, i, WORD))
                word_start = -1
            out.append((c, i, i + 1, HAN))
        elif c.isalnum():
            if word_start < 0:
                word_start = i
        else:
            if word_start >= 0:
                out.append(("".join(chars[word_start:i]), word_start, i, WORD))
                word_start = -1
    if word_start >= 0:
        out.append(("".join(chars[word_start:]), word_start, len(text), WORD))
    return out


def _adjacent_han(a, b) -> bool:
    """Both slots Han and touching (no punctuation between them)."""
    return a[3] == HAN and b[3] == HAN and a[2] == b[1]


def index_grams(text: str) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, start, end) for indexing: one term per slot.

    A Han character followed by another Han character gives their bigram,
    any other slot (last Han of a run, letters/digits) gives itself.  So
    every slot's term starts with the slot's own text.
    """
    sl = slots(text)
    n = len(sl)
    for pos, s in enumerate(sl):
        if pos + 1 < n and _adjacent_han(s, sl[pos + 1]):
            yield s[0] + sl[pos + 1][0], pos, s[1], sl[pos + 1][2]
        else:
            yield s[0], pos, s[1], s[2]


def query_grams(text: str) -> list[tuple[str, int, int, int]]:
    """(term, position, start, end) for a query, one per slot, phrase-ready.

    Han+Han -> their bigram.  The last Han of a run -> ``X*`` (a prefix:
    in the text that slot may hold ``X`` or a bigram ``X?``), except at the
    very end of the query, where the bigram before it already covers it.
    Letters/digits -> themselves.  ``X*`` terms become Whoosh Prefix queries.
    """
    sl = slots(text)
    n = len(sl)
    out = []
    for pos, s in enumerate(sl):
        if pos + 1 < n and _adjacent_han(s, sl[pos + 1]):
            out.append((s[0] + sl[pos + 1][0], pos, s[1], sl[pos + 1][2]))
        elif s[3] == HAN:
            if pos == n - 1 and pos > 0 and _adjacent_han(sl[pos - 1], s):
                continue  # covered by the bigram before it
            out.append((s[0] + PREFIX, pos, s[1], s[2]))
        else:
            out.append((s[0], pos, s[1], s[2]))
    return out


def token_matches(qtok: str, term: str) -> bool:
    """Does query token ``qtok`` (maybe ``X*``) match index term ``term``?"""
    if qtok.endswith(PREFIX):
        return term.startswith(qtok[:-1])
    return term == qtok


def token_width(qtok: str) -> int:
    """Characters of the text a query token covers from its slot start."""
    return len(qtok) - 1 if qtok.endswith(PREFIX) else len(qtok)


_HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# a run of Han characters | a run of other letters/digits (str.isalnum)
_RUN_RE = re.compile(f"([{_HAN_CLASS}]+)|((?:(?![{_HAN_CLASS}])[^\\W_])+)")


def gram_terms(text: str, norm: Optional[str] = None) -> list[str]:
    """The terms of ``index_grams`` without offsets, fast (regex over runs).

    A Han run ``abc`` gives ``ab bc c``; a letters/digits run gives itself.
    Same terms in the same order as ``index_grams`` (tested on real text).
    ``norm``: ``normalize(text)`` if the caller has it already.
    """
    out: list[str] = []
    for han, word in _RUN_RE.findall(normalize(text) if norm is None else norm):
        if han:
            out += [han[i : i + 2] for i in range(len(han))]
        else:
            out.append(word)
    return out


def gram_string(text: str, norm: Optional[str] = None) -> str:
    """``gram_terms`` joined by spaces, for a whitespace-tokenised field."""
    parts = []
    for han, word in _RUN_RE.findall(normalize(text) if norm is None else norm):
        if han:
            if len(han) > 1:
                parts.append(" ".join(map(str.__add__, han, han[1:])))
            parts.append(han[-1])
        else:
            parts.append(word)
    return " ".join(parts)


# --------------------------------------------------------------------- jieba

_JIEBA: dict[bool, object] = {}
SEGMENTER = "rjieba"
_ALNUM = re.compile(r"[^\W_]")


def tokenizer_id(userdict: bool = True) -> str:
    """Identifies the segmentation (segmenter version + user dictionary)."""
    import importlib.metadata  # here: 55 ms of imports that a query never needs (only the index build asks)

    h = hashlib.blake2b(digest_size=8)
    h.update(f"{SEGMENTER}=={importlib.metadata.version(SEGMENTER)}".encode())
    if userdict and USERDICT.exists():
        h.update(USERDICT.read_bytes())
    return h.hexdigest()


def read_userdict(path: Path = USERDICT) -> list[tuple[str, Optional[int], Optional[str]]]:
    """(word, freq, tag) lines of a jieba user dictionary (``地理标志 2000 n``)."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else (parts[1] if len(parts) > 1 and not parts[1].isdigit() else None)
        out.append((parts[0], freq, tag))
    return out


def get_jieba(userdict: bool = True):
    """A private rjieba.Jieba (jieba's dictionary; our user dictionary added)."""
    if userdict not in _JIEBA:
        import rjieba  # loaded only when indexing: jieba stays out of the query process

        seg = rjieba.Jieba()
        if userdict and USERDICT.exists():
            for word, freq, tag in read_userdict():
                seg.add_word(word, freq, tag)
        _JIEBA[userdict] = seg
    return _JIEBA[userdict]


def jieba_words(text: str, userdict: bool = True, norm: Optional[str] = None) -> list[tuple[str, int, int]]:
    """(word, start, end) for the jieba words of ``text``.

    Punctuation/space tokens are dropped; words are normalised per character
    (``norm``: ``normalize(text)`` if the caller has it already).  No cache:
    rjieba segments faster (12-20 MB/s) than a hash lookup per text.
    """
    if norm is None:
        norm = normalize(text)
    out = []
    pos = 0
    for w in get_jieba(userdict).cut(text, True):
        end = pos + len(w)
        if _ALNUM.search(w):
            out.append((norm[pos:end], pos, end))
        pos = end
    return out


_KEPT_WORD = re.compile(r"\S*[^\W_]\S*")


def word_string(text: str, userdict: bool = True) -> str:
    """The ``words`` terms of ``text`` joined by spaces (sequential positions):
    the words of ``jieba_words``, without offsets, fast (tested equal)."""
    cut = " ".join(get_jieba(userdict).cut(text, True))
    return " ".join(_KEPT_WORD.findall(normalize(cut)))


# ------------------------------------------------------- query segmentation

MAX_WORD = 8  # longest word tried when segmenting queries


def gram_slots(tokens: tuple[str, ...]) -> list[str]:
    """Query tokens (``query_grams``: bigrams, ``X*``) back to their slots."""
    out = []
    for i, w in enumerate(tokens):
        if w.endswith(PREFIX):
            out.append(w[:-1])
        elif len(w) == 2 and is_han(w[0]) and is_han(w[1]):
            out.append(w[0])
            if i == len(tokens) - 1:
                out.append(w[1])
        else:
            out.append(w)
    return out


def segment_words(tokens: tuple[str, ...], has_word: Callable[[str], bool]) -> Optional[list[str]]:
    """Forward maximum matching of a literal's slots over the index's own
    ``words`` vocabulary (``has_word``), so the query process needs no jieba;
    None if some character is not a word."""
    slots_ = gram_slots(tokens)
    out, i = [], 0
    while i < len(slots_):
        for j in range(min(len(slots_), i + MAX_WORD), i, -1):
            w = "".join(slots_[i:j])
            if j - i == 1:
                if not has_word(w):
                    return None
                out.append(w)
                i = j
                break
            if has_word(w):
                out.append(w)
                i = j
                break
    return out
