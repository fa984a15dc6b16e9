"""Dated goals and work phases.

Input forms handled by :func:`find_goals` (seeds, govcn2019):

Goals (kind ``goal``, ``start`` = the target date, ``end`` None)
    ``到2020年，…``, ``到2025年4月，…``, ``到2022年底…``, ``力争2020年…``,
    ``力争到2025年…``, ``至2025年…``, ``2019年底前…``, ``2020年6月底前…``.
Phases (kind ``phase``, ``start``/``end``)
    ``（一）启动培育阶段（2022年7—12月）`` → 2022-07 … 2022-12;
    ``2023年3月—2023年4月，印发…`` → 2023-03 … 2023-04;
    ``2024年6月-2024年7月`` and ``2024年8月-2025年3月``;
    ``（四）总结验收阶段（2025年1—6月）``; ``第一阶段（2019—2020年）``
    (a year range counts only next to 阶段).  A span is a phase only after
    阶段, in brackets, or opening a sentence before ，/： — not
    ``支付2020年6月至12月加班费`` in a case report.  A single ``2025年4月，…`` opening
    a numbered clause (``（五）验收准备。2025年4月，梳理…``) is a one-month
    phase.

Not goals: plan periods in titles ``（2014-2020年）``/``（2022—2025年）``
(no 到/阶段), day-precise spans ``2023年3月22日至2022年3月28日`` (comment
periods), and plain dates ``2022年9月29日``.

``text`` is the sentence holding the date (cut at 。；！？ or a line end),
extended by the next sentence when it is only a heading (under 20 chars);
a phase keeps its short numbered heading (``（一）任务部署。2023年3月—…``).
"""
from __future__ import annotations

import re
from typing import Optional

from ..models import Goal, Notice

_DASH = r"[—–\-－~～至到]"
_GOAL = re.compile(
    r"(?:(?P<verb>到|至|力争到?|争取到?|预计到)\s*)?"
    r"(?P<y>20\d{2})\s*年(?:\s*(?P<m>\d{1,2})\s*月)?"
    r"(?:(?P<end>底|末)?(?P<before>前(?![三两一二几半十]))|(?P<end2>底|末))?"
)
# 2022年7—12月 / 2023年3月—2023年4月 / 2024年8月-2025年3月 / 2019年—2020年
_RANGE = re.compile(
    rf"(?P<y1>20\d{{2}})\s*年?\s*(?:(?P<m1>\d{{1,2}})\s*月?)?\s*{_DASH}\s*"
    rf"(?:(?P<y2>20\d{{2}})\s*年)?\s*(?:(?P<m2>\d{{1,2}})\s*月)?"
)
_SENT_END = re.compile(r"[。；;！!？?\n]")
_NUMBERED = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、．])")


def _ym(y: str, m: Optional[str]) -> str:
    return f"{y}-{int(m):02d}" if m else y


def _sentence(text: str, start: int, end: int, heading: bool = False) -> str:
    a = 0
    for m in _SENT_END.finditer(text, 0, start):
        a = m.end()
    if heading and 0 < a <= 14 and _NUMBERED.match(text):
        a = 0  # keep a short numbered heading: （一）任务部署。2023年3月—…
    m = _SENT_END.search(text, end)
    b = m.end() if m else len(text)
    s = text[a:b].strip()
    if len(s) < 20 and m:
        m2 = _SENT_END.search(text, b)
        s = text[a : m2.end() if m2 else len(text)].strip()
    return s


def _phase_context(text: str, s: int, e: int) -> bool:
    """阶段（…）, a bracketed span, or a span opening a sentence: ``2023年3月—4月，``."""
    before, after = text[max(0, s - 12) : s], text[e : e + 1]
    if "阶段" in before:
        return True
    if before.endswith(("（", "(")) and after in ("）", ")"):
        return True
    head = text[:s].rstrip()
    return after in ("，", ",", "：", ":") and (not head or head[-1] in "。；;：:\n")


def _ranges(text: str) -> list[tuple[int, int, Optional[tuple[str, str]]]]:
    """Every date range; (start, end) for work phases, None for plan periods."""
    out = []
    for m in _RANGE.finditer(text):
        y1, m1, y2, m2 = m["y1"], m["m1"], m["y2"], m["m2"]
        if not (y2 or m2):
            continue
        if text.startswith("日", m.end()) or (m1 and not text[m.start("m1") :].lstrip("0123456789 ").startswith("月") and not m2):
            out.append((m.start(), m.end(), None))
            continue
        phase: Optional[tuple[str, str]] = None
        if m1 or m2:
            if m1 and y2 and not m2:
                phase = None  # 2023年3月—2024年: unclear
            elif "年" not in text[m.start() : m.start("m1") if m1 else m.end()] and m1:
                phase = None  # 2014-3 … : not a Chinese date
            else:
                phase = (_ym(y1, m1), _ym(y2 or y1, m2))
        elif "阶段" in text[max(0, m.start() - 12) : m.end() + 4]:
            phase = (y1, y2)  # 第一阶段（2019—2020年）
        if phase and phase[1] < phase[0]:
            phase = None
        if phase and not _phase_context(text, m.start(), m.end()):
            phase = None  # 支付2020年6月至12月加班费: a span in a narrative
        out.append((m.start(), m.end(), phase))
    return out


def find_goals(notice: Notice) -> list[Goal]:
    """Goals and phases of every clause, in document order."""
    out: list[Goal] = []
    for clause in notice.walk():
        text = clause.text
        if not text or "20" not in text:
            continue
        spans: list[tuple[int, int]] = []
        found: list[tuple[int, Goal]] = []
        for s, e, phase in _ranges(text):
            spans.append((s, e))
            if phase:
                found.append((s, Goal(clause.id, _sentence(text, s, e, True), phase[0], phase[1], "phase")))
        for m in _GOAL.finditer(text):
            if any(a <= m.start("y") < b for a, b in spans):
                continue
            if re.match(r"\s*\d{1,2}\s*日", text[m.end() :]):
                continue  # a plain date
            if m["verb"] or m["before"]:
                start = _ym(m["y"], m["m"])
                found.append((m.start(), Goal(clause.id, _sentence(text, m.start(), m.end()), start, None, "goal")))
            elif m["m"]:
                # a single month opening a numbered clause: one-month phase
                head = text[: m.start()]
                if _NUMBERED.match(head) and len(head) <= 14 and re.search(r"[。．：:]\s*$", head):
                    ym = _ym(m["y"], m["m"])
                    found.append((m.start(), Goal(clause.id, _sentence(text, m.start(), m.end(), True), ym, ym, "phase")))
        found.sort(key=lambda p: p[0])
        out.extend(g for _, g in found)
    return out
