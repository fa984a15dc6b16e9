"""Shared vocabulary of document kinds: 文种 and statuses (field labels: model/fields.py).

A leaf module (imports nothing of the project) so that metadata, sidecar,
write and search can all use it without import cycles.

``doc_type_of`` reads the 文种 from how a title ends, as printed:
``…实施意见`` (seed 001), ``…工作方案（2022—2025年）`` (seed 002, the year
range is dropped), ``…（征求意见稿）`` (seed 004), ``…若干问题的解释``
(lawrefbook 司法解释), ``中华人民共和国专利法`` (a law: ``法`` after two or
more Chinese characters), ``…政策解读`` (seed 000), ``…答记者问`` (sites2-005: a 解读).
"""
from __future__ import annotations

import re
from typing import Optional

__all__ = ["DOC_TYPES", "doc_type_of", "STATUSES"]

# longest first: the first that ends a title wins
DOC_TYPES = ["实施意见", "指导意见", "若干意见", "意见", "工作方案", "实施方案", "行动方案", "方案",
             "行动计划", "工作计划", "计划", "发展规划", "规划", "纲要", "实施细则", "细则", "实施办法", "办法",
             "若干规定", "规定", "条例", "司法解释", "解释", "批复", "复函", "函", "决定", "决议", "公告", "通告",
             "通知", "解读", "指南", "措施", "规则", "报告", "法"]

# values a sidecar may give for ``status``
STATUSES = {"正式", "征求意见稿", "解读", "草案", "试行", "已废止", "已失效", "已修改"}


def doc_type_of(title: str) -> Optional[str]:
    """The 文种 a title ends with (see module docstring), or None."""
    t = re.sub(r"（[^（）]*(征求意见稿|试行|草案|暂行|修订|\d{4})[^（）]*）$", "", title.strip())
    t = re.sub(r"（[^（）]*）$", "", t)
    for dt in DOC_TYPES:
        if t.endswith(dt):
            if dt == "法" and not re.search(r"[\u4e00-\u9fa5]{2,}法$", t):
                continue
            return dt
    if "解读" in title or re.search(r"(答记者问|答问|问答)$", t):  # 证监会新闻发言人就…答记者问 (sites2-005)
        return "解读"
    return None


# ------------------------------------------------------------------ the 文种 of lists and filters
__all__ += ["TYPE_FAMILY", "type_group"]

# printed 文种 -> the one value the document list, the search filters (Pagefind's
# ``type``) and ``iparchive search --type`` use (公文种类 of 党政机关公文处理工作条例):
# 若干规定 (lawrefbook 最高人民法院…若干规定), 若干意见/指导意见 (govcn2019
# 国务院…指导意见), 复函 (govcn2019 国务院办公厅…复函) fold into their kind
TYPE_FAMILY = {"若干规定": "规定", "若干意见": "意见", "指导意见": "意见", "复函": "函"}


def type_group(doc_type: Optional[str]) -> Optional[str]:
    """The 文种 of lists and filters for a printed one (``指导意见`` -> ``意见``), or None."""
    return TYPE_FAMILY.get(doc_type, doc_type) if doc_type else None

# legal force, strongest first: among documents whose title holds the query, the law comes
# before its regulations, judicial interpretations and rules (专利 on the whole corpus:
# 中华人民共和国专利法, then 国防专利条例, then 专利法实施细则 …); any other 文种 after these
FORCE_ORDER = ("法", "条例", "解释", "司法解释", "决定", "规定", "细则", "实施细则", "办法", "实施办法")
__all__ += ["FORCE_ORDER", "force_rank"]


def force_rank(doc_type: Optional[str]) -> int:
    """0 for a law, 1 for 条例 …, ``len(FORCE_ORDER)`` for any other or no 文种."""
    g = type_group(doc_type)
    return FORCE_ORDER.index(g) if g in FORCE_ORDER else len(FORCE_ORDER)
