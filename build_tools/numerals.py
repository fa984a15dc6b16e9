"""Chinese numerals -> int, the one converter every stage uses.

Forms seen in the sources: ``八十二`` (第八十二条, lawrefbook), ``一百零五``,
``二〇一五`` digit by digit is *not* handled here (years are read by
``metadata.parse_date``), ``十六`` (seed 001 （十六）), ``两``, full-width
digits ``１２`` (scraped pages), ``〇``/``零`` inside numbers (第一百〇五条).
"""
from __future__ import annotations

from functools import lru_cache


__all__ = ["cn_int", "int_cn"]

_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_DIGITS.update({"〇": 0, "○": 0, "两": 2})
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NAMES = "零一二三四五六七八九"


def _below_10000(n: int) -> str:
    """``int_cn`` for 0 <= n < 10000 without cn2an (its import and pattern
    compiling cost a one-document rebuild ~0.3 s): ``十一``, ``一百一十``,
    ``一千零五``; equal to ``cn2an.an2cn`` (tests/test_enrich_numerals.py)."""
    if n == 0:
        return "零"
    out, gap = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            gap = bool(out)
            continue
        if gap:
            out.append("零")
            gap = False
        out.append(("" if (unit == 10 and not out and d == 1) else _NAMES[d]) + name)
    return "".join(out)


def _parse(s: str) -> int:
    """The value of a numeral of digits and 十百千 read unit by unit (also the
    malformed but readable 十〇, 一百〇五 of some pages)."""
    total, cur = 0, 0
    for ch in s:
        if ch in _DIGITS:
            cur = _DIGITS[ch]
        else:
            total += (cur or 1) * _UNITS[ch]
            cur = 0
    return total + cur


@lru_cache(maxsize=8192)
def cn_int(s: str) -> int:
    """``八十二`` -> 82, ``一百零五`` -> 105, ``12``/``１２`` -> 12.

    Raises ValueError for text that is not a numeral."""
    s = s.strip().translate(_FW_DIGITS)
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _DIGITS and ch not in _UNITS for ch in s):
        raise ValueError(f"不是中文数字：{s!r}")
    value = _parse(s)
    if _below_10000(value) == s.replace("两", "二").replace("〇", "零").replace("○", "零"):
        return value  # the written form of its value (八十二, 一百零五): what cn2an gives too, without loading it
    import cn2an  # here: only for the rare other forms (一二三, 一十六); 0.3 s of imports and patterns

    try:
        return int(cn2an.cn2an(s.replace("〇", "零").replace("○", "零"), "smart"))
    except Exception:  # malformed but readable (十〇, 一百〇五 in some pages)
        return value


def int_cn(n: int) -> str:
    """82 -> ``八十二`` (for labels such as 第二款)."""
    if 0 < n < 10000:
        return _below_10000(n)
    import cn2an  # here, as in cn_int: only for numbers past 9999

    return cn2an.an2cn(n) if n > 0 else str(n)
