"""发文字号 (document numbers) as printed, normalised to one spelling.

Shared by the metadata stage (a notice's own 文号) and the enrich stage
(文号 cited in clause text), so both spell a number the same way.  Real
forms: ``国发〔2019〕5号``, ``厅函[2020]6号``, ``国办发（2014）64号``,
``豫政 [2008] 59号``, ``〔 1988〕``, ``国务院令第706号``, ``国令第706号``,
``中华人民共和国国务院令 第706号``, ``市人民政府第14号令``; provincial pages:
``赣府厅字〔2020〕14号``, ``赣府厅明〔2020〕20号``, ``赣市监办〔2020〕5号``,
``省政府令第223号``; ``国知发运字〔2022〕33号``, ``法（经）复〔1988〕22号``,
``法释〔2001〕1号`` and ``[2020]``/``(2020)``/``【2020】`` for ``〔2020〕``
(tests/test_ingest.py pins each).
"""
from __future__ import annotations

import re
from typing import Optional

from .numerals import cn_int

FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CN_NUM = "零〇一二三四五六七八九十百千两"

# 文号: organ prefix, bracketed year, number
DOCNO_RE = re.compile(
    r"(?P<org>[\u4e00-\u9fa5]+(?:[（(][\u4e00-\u9fa5]{1,3}[)）][\u4e00-\u9fa5]*)?)"
    r"\s*[〔\[［（(【]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]］）)】]"
    r"\s*第?\s*(?P<num>\d{1,5})\s*号"
)
# orders: 国务院令第706号 / 国令第706号 / 市人民政府第14号令
ORDER_RE = re.compile(
    rf"(?P<org>[\u4e00-\u9fa5、]+?)(?:令\s*第\s*(?P<n1>\d+|[{CN_NUM}]+)\s*号"
    rf"|第\s*(?P<n2>\d+|[{CN_NUM}]+)\s*号令)"
)
# announcements numbered by year: 财政部 税务总局公告2025年第17号 (sites2-006), 国家知识产权局公告第123号
ANNOUNCE_RE = re.compile(r"(?P<org>[\u4e00-\u9fa5][\u4e00-\u9fa5 \u3000\u2002]{1,40}?)公告\s*(?:(?P<year>(?:19|20)\d{2})\s*年)?\s*第\s*(?P<num>\d{1,5})\s*号")
ORG_CUT = re.compile(
    r".*(?:根据|依据|依照|按照|参照|印发|转发|文件|通知|复函|精神|规定|决定|人民政府|政府|作出|"
    r"下发|我院|本院|[的了和及与按据照于是为在将对由以即见并或等称之第日月年])"
)
# orders name the full organ (住房和城乡建设部, 对外贸易经济合作部): fewer cuts
ORDER_CUT = re.compile(
    r".*(?:根据|依据|依照|按照|参照|公布|发布|修订|修正|废止|文件|通知|精神|"
    r"[的了及按据照是为在由即见并或等称之第日月年])"
)
_ORDER_ORG_END = re.compile(r"(?:国务院|部|委|委员会|总局|总署|局|署|银行|院|办|会|厅|府|国)$")



def _cut_org(org: str, cut: re.Pattern = ORG_CUT) -> str:
    org = org.replace("中华人民共和国", "\0")
    m = cut.match(org)
    org = org[m.end():] if m else org
    org = org.replace("\0", "中华人民共和国")
    if org.startswith("原") and len(org) > 2:
        org = org[1:]
    return org


def normalise_doc_number(text: str) -> Optional[str]:
    """``厅函[2020]6号`` → ``厅函〔2020〕6号``; ``国令第706号`` → ``国务院令第706号``."""
    text = text.translate(FW_DIGITS)
    m = DOCNO_RE.search(text)
    if m:
        org = _cut_org(m["org"]).replace("(", "（").replace(")", "）")
        if len(org) >= 2:
            return f"{org}〔{m['year']}〕{int(m['num'])}号"
    m = ORDER_RE.search(text)
    if m:
        return order_number(m)
    return None


def order_number(m: re.Match) -> Optional[str]:
    org = _cut_org(m["org"].lstrip("、"), ORDER_CUT).replace("中华人民共和国", "")
    if org in ("国", "") or org.endswith("国务院"):
        org = "国务院" if org in ("国", "", "国务院") else org
    if not _ORDER_ORG_END.search(org) or len(org) < 2 and org != "国":
        return None
    return f"{org}令第{cn_int(m['n1'] or m['n2'])}号"


def display_doc_number(text: str) -> Optional[str]:
    """A document's own 文号 as it should be shown: brackets normalised to 〔〕
    and spaces removed (``豫政 [2008] 59号`` -> ``豫政〔2008〕59号``); orders are
    kept as printed (``国令第707号`` stays, spaces dropped).  Matching uses
    ``normalise_doc_number``, which also maps 国令 to 国务院令."""
    compact = re.sub(r"[\s\u3000]+", "", text.translate(FW_DIGITS))
    if ANNOUNCE_RE.fullmatch(compact):
        return compact
    m = DOCNO_RE.fullmatch(compact)
    if m:
        return normalise_doc_number(compact)
    if ORDER_RE.fullmatch(compact):
        return compact
    return normalise_doc_number(compact)
