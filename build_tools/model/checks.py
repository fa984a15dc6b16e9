"""Checks of one curated value (a sidecar's), each ``(value, key) -> Chinese message | None``.

Real bad values seen, each a case in tests/test_security.py (issue 11, issue 28):
``title: {x: 1}`` (published as a Python repr), unquoted ``2023-13-45`` and ``'0000-00-00'``,
``source_url: javascript:…`` and ``source_url: 12``, terminal escapes and U+202E in text,
``status: [正式]`` (a list where a status was expected).  ``check_date`` and ``check_url``
are also used alone (memo, works.lock)."""
from __future__ import annotations

import datetime
import re
from typing import Any, Callable, Optional

from .. import regions
from ..limits import MAX_TITLE_CHARS, MAX_URL_CHARS
from ..textsafe import invisible_in

Check = Callable[[Any, str], Optional[str]]

URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.I)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def short(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 80 else r[:80] + "…"


def check_date(value: Any) -> Optional[str]:
    """Why ``value`` is not a YYYY-MM-DD calendar date (None if it is)."""
    if isinstance(value, datetime.date):
        value = value.isoformat()
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"应写成 YYYY-MM-DD，实为 {value!r}"
    try:
        d = datetime.date.fromisoformat(value)
    except ValueError:
        return f"{value} 不是真实的日期"
    if not 1900 <= d.year <= 2100:
        return f"{value} 的年份不在 1900–2100 之间"
    return None


def check_url(value: Any) -> Optional[str]:
    """Why ``value`` is not an acceptable source URL (None if it is)."""
    if not isinstance(value, str):
        return f"应为 http(s) 网址字符串，实为 {type(value).__name__} {value!r}"
    if not URL_RE.match(value.strip()):
        return f"只接受 http:// 或 https:// 网址，实为 {value!r}"
    if len(value) > MAX_URL_CHARS:  # issue 28: a 200,000-character address was accepted
        return f"过长（{len(value)} 字符，上限 {MAX_URL_CHARS}）"
    return None


def text_problem(value: Any, key: str, *, multiline: bool = False) -> Optional[str]:
    """Why ``value`` is not an acceptable text value (None if it is)."""
    if not isinstance(value, str):
        return f"{key} 应为字符串，实为 {type(value).__name__} {short(value)}"
    if CONTROL_RE.search(value) or (not multiline and "\n" in value.strip()):
        return f"{key} 含换行或控制字符：{short(value)}"
    if not multiline and len(value) > MAX_TITLE_CHARS:  # repeated on every clause of the page (issue 28)
        return f"{key} 过长（{len(value)} 字，上限 {MAX_TITLE_CHARS} 字）：{short(value)}"
    if invisible_in(value):
        return (f"{key} 含不可见的排版控制字符 {invisible_in(value)}（如从右到左覆盖，会使文字显示为另一段文字）："
                "请删去")
    return None


def one_of(choices, label: str) -> Check:
    def check(value: Any, key: str) -> Optional[str]:
        if not isinstance(value, str) or value not in choices:
            return f"{label} {short(value)}（可用：{'、'.join(sorted(choices))}）"
        return None
    return check


def text(value: Any, key: str) -> Optional[str]:
    return text_problem(value, key)


def doc_number(value: Any, key: str) -> Optional[str]:
    return None if isinstance(value, int) and not isinstance(value, bool) else text_problem(value, key)


def url(value: Any, key: str) -> Optional[str]:
    why = check_url(value) or text_problem(value, key, multiline=True)
    return f"source_url {why}" if why and not why.startswith(key) else why


def date(value: Any, key: str) -> Optional[str]:
    why = check_date(value)
    return f"{key} {why}" if why else None


def year(value: Any, key: str) -> Optional[str]:
    if not (isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100):
        return f"year 应为四位年份，实为 {short(value)}"
    return None


def region(value: Any, key: str) -> Optional[str]:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or regions.lookup(str(value)) is None:
        return f"未知地区 {short(value)}（用 GB/T 2260 名称或代码，或 全国）"
    return None


def organs(value: Any, key: str) -> Optional[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        return f"{key} 应为字符串或字符串列表，实为 {short(value)}"
    for x in items:
        why = text_problem(x, key)
        if why:
            return why
    return None
