"""Tokenisers for the search index: character grams and jieba words.

Two analyzers feed two kinds of Whoosh field:

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
    phrases).  jieba is imported and its dictionary loaded only when a text is
    not in the token cache, never at query time.  Results are cached by the
    BLAKE2 hash of the text as compact cut-point arrays.

Characters are normalised one at a time (NFKC when it yields one character,
then lower case), so offsets in the normalised text equal offsets in the
original: ``ＧＢ／Ｔ`` -> ``gb/t``, ``①`` -> ``1``.
"""
from __future__ import annotations

import hashlib
import unicodedata
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

from whoosh.analysis import Token, Tokenizer

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


def normalize(text: str) -> str:
    """Length-preserving normalisation (offsets stay valid)."""
    return "".join(norm_char(c) for c in text)


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


class CharGramTokenizer(Tokenizer):
    """Whoosh tokenizer: unigrams+bigrams when indexing, phrase grams for queries."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = normalize(value)
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        grams = query_grams(value) if mode == "query" else index_grams(value)
        for text, pos, sc, ec in grams:
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[sc:ec]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + sc
                t.endchar = start_char + ec
            yield t


# --------------------------------------------------------------------- jieba

_TOKEN_CACHE: dict[bytes, bytes] = {}
_JIEBA: dict[bool, object] = {}


def text_key(text: str, userdict: bool = True) -> bytes:
    """Cache key: hash of the text and of the dictionary choice."""
    h = hashlib.blake2b(text.encode("utf-8"), digest_size=16)
    h.update(b"U" if userdict else b"-")
    return h.digest()


def tokenizer_id(userdict: bool = True) -> str:
    """Identifies the segmentation (jieba version + user dictionary)."""
    import importlib.metadata as md

    h = hashlib.blake2b(digest_size=8)
    h.update(md.version("jieba").encode())
    if userdict and USERDICT.exists():
        h.update(USERDICT.read_bytes())
    return h.hexdigest()


def get_jieba(userdict: bool = True):
    """A private jieba.Tokenizer (global jieba state is left alone)."""
    if userdict not in _JIEBA:
        import logging
        import warnings

        with warnings.catch_warnings():  # jieba imports pkg_resources
            warnings.simplefilter("ignore")
            import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        if userdict and USERDICT.exists():
            tk.load_userdict(str(USERDICT))
        _JIEBA[userdict] = tk
    return _JIEBA[userdict]


def cut_points(text: str, userdict: bool = True) -> bytes:
    """jieba segmentation of ``text`` as an array of token end offsets."""
    tk = get_jieba(userdict)
    ends = array("I")
    pos = 0
    for w in tk.cut(text, HMM=True):
        pos += len(w)
        ends.append(pos)
    return ends.tobytes()


def _keep(word: str) -> bool:
    return any(c.isalnum() for c in word)


def jieba_words(text: str, userdict: bool = True) -> list[tuple[str, int, int]]:
    """(word, start, end) for the jieba words of ``text``, cached by hash.

    Punctuation/space tokens are dropped; words are normalised per character.
    """
    key = text_key(text, userdict)
    raw = _TOKEN_CACHE.get(key)
    if raw is None:
        raw = cut_points(text, userdict)
        _TOKEN_CACHE[key] = raw
    ends = array("I")
    ends.frombytes(raw)
    out = []
    start = 0
    for end in ends:
        w = text[start:end]
        if _keep(w):
            out.append((normalize(w), start, end))
        start = end
    return out


def cache_missing(texts, userdict: bool = True) -> list[str]:
    """Texts whose segmentation is not cached yet (deduplicated)."""
    seen = set()
    out = []
    for t in texts:
        k = text_key(t, userdict)
        if k not in _TOKEN_CACHE and k not in seen:
            seen.add(k)
            out.append(t)
    return out


def _pool_cut(args):
    text, userdict = args
    return text_key(text, userdict), cut_points(text, userdict)


def fill_cache(texts: list[str], userdict: bool = True, workers: int = 1) -> int:
    """Segment every uncached text (in ``workers`` processes); returns count."""
    todo = cache_missing(texts, userdict)
    if not todo:
        return 0
    if workers > 1 and len(todo) > 2000:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            for k, raw in pool.imap_unordered(
                _pool_cut, ((t, userdict) for t in todo), chunksize=64
            ):
                _TOKEN_CACHE[k] = raw
    else:
        for t in todo:
            _TOKEN_CACHE[text_key(t, userdict)] = cut_points(t, userdict)
    return len(todo)


def load_cache(path: Path, tid: str) -> int:
    """Load the on-disk token cache if it was made by the same segmentation."""
    import pickle

    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        return 0
    if not isinstance(data, dict) or data.get("tokenizer") != tid:
        return 0
    _TOKEN_CACHE.update(data["cuts"])
    return len(data["cuts"])


def save_cache(path: Path, tid: str, keep: Optional[set[bytes]] = None) -> None:
    """Write the cache (only ``keep`` keys if given) atomically."""
    import os
    import pickle

    cuts = _TOKEN_CACHE if keep is None else {
        k: v for k, v in _TOKEN_CACHE.items() if k in keep
    }
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump({"tokenizer": tid, "cuts": cuts}, f, protocol=5)
    os.replace(tmp, path)


class JiebaTokenizer(Tokenizer):
    """Whoosh tokenizer: jieba words with sequential positions (phrase-safe).

    Only the flag ``userdict`` is pickled into the index schema; jieba itself
    is loaded lazily on the first uncached text.
    """

    def __init__(self, userdict: bool = True):
        self.userdict = userdict

    def __eq__(self, other):
        return (
            other is not None
            and self.__class__ is other.__class__
            and self.userdict == other.userdict
        )

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = (
            [(normalize(value), 0, len(value))]
            if not tokenize
            else jieba_words(value, self.userdict)
        )
        for pos, (w, sc, ec) in enumerate(words):
            t.text = w
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[sc:ec]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + sc
                t.endchar = start_char + ec
            yield t
