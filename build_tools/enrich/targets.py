"""Quantitative targets (每万人口高价值发明专利拥有量达到12件).

Input forms handled by :func:`find_targets` (seeds 001–003):

- ``每万人口高价值发明专利拥有量达到12件``, ``有效注册商标拥有量达到32万件``,
  ``专利密集型产业增加值占GDP比重达到15%``, ``全省年专利申请量达到2万件以上``,
  ``每万人发明专利拥有量达到1.9件以上``;
- lists after one verb: ``培育知识产权示范学校100所、知识产权优势示范企业500家、
  高价值发明专利1000件，有效注册商标25万件``; ``新增注册商标5.5万件、地理标志
  商标36件…`` (新增 carries over to later 、 items, 每年/年均 to the
  end of the sentence: ``每年组织实施重大科技项目100个，突破关键核心技术100项``);
- number before the noun: ``每年登记注册30个以上植物新品种``;
- ``力争2020年我省在海关总署备案的知识产权达到50项``.

Values are floats with 万/亿 multiplied out, so they compare across documents:
``32万件`` → 320000.0 件, ``100亿元`` → 1e10 元; ``%`` and ``个百分点`` stay as
printed.  ``qualifier`` is ``以上``/``左右``/``以内``/``多`` after the number or
``超过``/``不少于``/``不低于`` before it.  ``year`` is the nearest preceding
``到20XX年``/``力争20XX年`` in the clause, else in an enclosing clause, else in
one of the three preceding sibling clauses; None for ``每年…`` targets.

Not targets: only Arabic numerals followed by a count/percent/money unit are
considered, so ``2111 次浏览``, dates, ``第706号``, ``第十条``, ``致民东路6号``,
phone numbers and e-mail addresses never match; numbers after ``第`` or
inside digit runs, and durations (``20个工作日``) are skipped; segments about
subsidies, fines or legal thresholds (奖励, 资助, 罚款, 违法所得, 数额, 不足,
不得, 原则上, 最高, 不超过, 每件 …) and past facts (``2003年全国…达到42%``)
are dropped; a target needs a ``到20XX年``/``力争20XX年``/``目标`` context (earlier
in the clause, in an enclosing clause or in one of the three preceding
siblings) or must be recurring (``每年``/``年均``); in laws (kind "law") only a
``到20XX年`` context counts.  So a law's
``违法所得5万元以上`` or ``绿地率不低于35%`` is not a target.
"""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..models import Clause, Notice, Target

_UNITS = "个百分点|%|％|件|项|个|所|家|人次|人|名|元|户|台|套|部|篇|场|种|支|座|条"
_NUM = re.compile(
    rf"(?<![\d.\-:/@第A-Za-z])(?P<num>\d+(?:\.\d+)?)\s*(?P<mult>万|亿)?\s*(?P<unit>{_UNITS})"
    r"(?P<qual>以上|左右|以内|多|余)?"
)
_DELIM = re.compile(r"[，,、；;。：:！!？?\n（(）)“”\"]")
_VERB_END = re.compile(
    r"(?:达到|达|超过|突破|提高到|提升到|增加到|增长到|增至|提高至|提升至|保持在|稳定在|不少于|不低于|控制在|为|约)$"
)
_PRE_QUAL = re.compile(r"(超过|不少于|不低于)$")
_BAD = re.compile(
    r"奖励|资助|补助|补贴|给予|罚款|处以|处罚|赔偿|收费|费用|最高|不超过|不高于|每件|每项|每个|每家|每人|"
    r"注册资本|以下|违法|数额|金额|不足|不满|之日起|应当|不得|须|原则上|至少|按照|损失|造成|投资|共有"
)
_PAST = re.compile(r"(?<![到至争])(?:19|20)\d{2}\s*年")
_AFTER_UNIT = re.compile(r"工作日|月|小时|季度|年|日|星期|周|以下")
_YEAR = re.compile(r"(?:到|至|力争到?|争取到?)\s*(20\d{2})\s*年")
_FLOW = re.compile(r"^(?:每年|年均|新增|每年新增|累计新增)")
_LEAD_TIME = re.compile(r"^(?:力争|争取|预计)?(?:到|至)?(?:20\d{2}年(?:\d{1,2}月)?(?:底|末)?)?")
_SCOPE = re.compile(r"^(?:全省|全市|全区|全州|全县|全国|我省|我市|我区|本市|本省|在)")
_LEAD_VERB = re.compile(
    r"^(?:培育|建设|建成|认定|打造|新建|引进|培养|组织实施|实施|研究开发|开展|完成|形成|推动|"
    r"支持|扶持|遴选|创建|累计|达到|实现|使|突破)"
)
_TAIL = re.compile(r"(?:拥有量|拥有数|总量|数量|总数)$")
_VERBISH = re.compile(r"(?:注册|登记|培育|建设|认定|新增|实施|引进|培养|建成|打造|形成|开发|突破|达到|遴选|创建)$")
_TRAILING_NOUN = re.compile(r"[^\W\d_和与及并或、]{2,15}")


def normalise_indicator(text: str) -> str:
    """Group key for an indicator across documents.

    ``全省年专利申请量`` → ``年专利申请量``; ``每万人发明专利拥有量`` →
    ``每万人口发明专利拥有量``; ``有效注册商标拥有量`` → ``有效注册商标``;
    ``培育知识产权示范学校`` → ``知识产权示范学校``; ``占地区生产总值的比重``
    → ``占GDP比重``; 新增/每年/年均 are kept (a flow is not a stock).
    """
    t = re.sub(r"[\s\u3000“”\"]", "", text).replace("％", "%")
    t = _VERB_END.sub("", t)
    prev = None
    while prev != t:
        prev = t
        t = _LEAD_TIME.sub("", t, count=1) if _LEAD_TIME.match(t).group(0) else t
        t = _SCOPE.sub("", t)
        t = t.lstrip("的，,")
    flow = ""
    m = _FLOW.match(t)
    if m:
        flow, t = m.group(0), t[m.end():]
    prev = None
    while prev != t:
        prev = t
        t = _LEAD_VERB.sub("", t)
        t = _SCOPE.sub("", t)
    t = re.sub(r"每万人(?!口)", "每万人口", t)
    t = t.replace("拥有数", "拥有量")
    t = re.sub(r"占(?:GDP|国内生产总值|地区生产总值|全市GDP|全省GDP)的?(?:比重|比例)", "占GDP比重", t)
    if not t.startswith("每"):
        t = _TAIL.sub("", t)
    t = _VERB_END.sub("", t)
    t = re.sub(r"(?:分别|均|总体|总计|合计|累计|共)$", "", t).strip("的")
    return flow + t


def _walk(
    clauses: list[Clause], ancestors: tuple[Clause, ...] = ()
) -> Iterator[tuple[Clause, tuple[Clause, ...], list[Clause]]]:
    for i, c in enumerate(clauses):
        yield c, ancestors, clauses[max(0, i - 3) : i]
        yield from _walk(c.children, ancestors + (c,))


def _context_year(text: str, pos: int, ancestors, siblings) -> Optional[str]:
    years = _YEAR.findall(text, 0, pos)
    if years:
        return years[-1]
    for c in reversed(ancestors):
        ys = _YEAR.findall(c.text)
        if ys:
            return ys[-1]
    for c in reversed(siblings):
        ys = _YEAR.findall(c.text)
        if ys:
            return ys[-1]
    return None


_CONTEXT = re.compile(r"(?:到|力争到?|争取到?)\s*20\d{2}\s*年|目标")
_LAW_CONTEXT = re.compile(r"(?:到|力争到?|争取到?)\s*20\d{2}\s*年")


def _has_context(text: str, pos: int, ancestors, siblings, rx: re.Pattern = _CONTEXT) -> bool:
    """A 到20XX年/力争20XX年/目标 context before the number or around the clause."""
    if rx.search(text, 0, pos):
        return True
    return any(rx.search(c.text) for c in (*ancestors, *siblings))


def find_targets(notice: Notice) -> list[Target]:
    """Quantitative targets of every clause, in document order."""
    out: list[Target] = []
    is_law = notice.kind == "law"
    ctx_rx = _LAW_CONTEXT if is_law else _CONTEXT
    for clause, ancestors, siblings in _walk(notice.clauses):
        text = clause.text
        if not text or not any(ch.isdigit() for ch in text):
            continue
        prev_end = 0
        flow, flow_end = "", 0  # 新增 carried along a 、 list, 每年/年均 to the 。
        for m in _NUM.finditer(text):
            s = m.start()
            # segment: from the previous delimiter to the number
            a = max(0, s - 40, prev_end)
            for d in _DELIM.finditer(text, a, s):
                a = d.end()
            seg = text[a:s].strip()
            prev_end = m.end()
            sep = text[a - 1] if a else ""
            if sep != "、" and not (flow in ("每年", "年均") and "。" not in text[flow_end:s]):
                flow = ""
            follow = text[m.end() : m.end() + 2]
            if re.match(r"[年月日号届次期倍:：\-/.@]", follow) or re.match(r"\d", follow):
                continue
            if _AFTER_UNIT.match(text, m.end()) or _BAD.search(seg) or _PAST.search(seg):
                continue
            qualifier = m["qual"] or ""
            pq = _PRE_QUAL.search(seg)
            if pq and not qualifier:
                qualifier = pq.group(1)
            # number before the noun: 每年登记注册30个以上植物新品种
            tail = ""
            tn = _TRAILING_NOUN.match(text, m.end())
            core = _VERB_END.sub("", seg)
            if tn and (not core or _VERBISH.search(core)) and not tn.group(0).startswith(("的", "以")):
                tail = tn.group(0)
            raw = seg + tail
            if len(re.findall(r"[\u4e00-\u9fa5]", raw)) < 2:
                continue
            fm = _FLOW.match(normalise_indicator(seg)) if seg else None
            if fm:
                flow, flow_end = fm.group(0), s
            recurring = flow.startswith(("每年", "年均")) and not is_law
            if not recurring and not _has_context(text, s, ancestors, siblings, ctx_rx):
                continue
            indicator = normalise_indicator(raw)
            if flow and not indicator.startswith(flow):
                indicator = flow + indicator
            if len(indicator) < 2:
                continue
            value = float(m["num"])
            if m["mult"] == "万":
                value *= 1e4
            elif m["mult"] == "亿":
                value *= 1e8
            unit = m["unit"].replace("％", "%")
            year = None if indicator.startswith(("每年", "年均")) else _context_year(text, s, ancestors, siblings)
            end = m.end() + len(tail)
            prev_end = end
            out.append(
                Target(clause.id, indicator, value, unit, year, text[a:end].strip(), qualifier)
            )
    return out
