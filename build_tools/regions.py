"""GB/T 2260 administrative divisions: names -> codes with parent chains.

The code table is the one shipped by the ``cpca`` package
(``cpca/resources/adcodes.csv``, 12-digit codes whose first six digits are
the GB/T 2260 code).  The CSV is read directly, without importing cpca
(which would load pandas).

Handles the forms found in the documents: full names (云南省, 昆明市,
内蒙古自治区, 五华区), short names (云南, 昆明, 吉林 -> the province when the
name is both a province and a city), and 全国 for national documents.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .models import NATIONAL_CODE, Region

NATIONAL = Region("全国", NATIONAL_CODE, [("全国", NATIONAL_CODE)])
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "盟", "省", "市", "区", "县")


def _csv_path() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("缺少依赖 cpca（行政区划代码表）：请运行 make site 重新安装依赖")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, list[str]]]:
    """code6 -> name, and name -> [code6, …] (full and short names)."""
    by_code: dict[str, str] = {}
    with open(_csv_path(), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_code[row["adcode"][:6]] = row["name"]
    by_name: dict[str, list[str]] = {}
    for code, name in by_code.items():
        by_name.setdefault(name, []).append(code)
    # short names, provinces and prefecture-level cities only
    for code, name in by_code.items():
        level = _level(code)
        if level > 2:
            continue
        short = short_name(name)
        if short != name and len(short) >= 2:
            by_name.setdefault(short, []).append(code)
    for codes in by_name.values():
        codes.sort(key=lambda c: (_level(c), c))  # provinces first
    return by_code, by_name


def _level(code: str) -> int:
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


def short_name(name: str) -> str:
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def region_for_code(code: str) -> Optional[Region]:
    code = code[:6]
    if code == NATIONAL_CODE:
        return NATIONAL
    by_code, _ = _table()
    if code not in by_code:
        return None
    chain_codes = [code[:2] + "0000"]
    if _level(code) >= 2 and code[:4] + "00" in by_code:
        chain_codes.append(code[:4] + "00")
    if _level(code) == 3:
        chain_codes.append(code)
    chain = [(by_code[c], c) for c in dict.fromkeys(chain_codes) if c in by_code]
    if not chain or chain[-1][1] != code:
        chain.append((by_code[code], code))
    return Region(by_code[code], code, chain)


def lookup(name: str) -> Optional[Region]:
    """Exact name (full or short) -> Region; 全国/中国/国家 -> NATIONAL."""
    name = name.strip()
    if name in {"全国", "中国", "国家", "中华人民共和国", "中央"}:
        return NATIONAL
    if re.fullmatch(r"\d{6}(\d{6})?", name):
        return region_for_code(name)
    _, by_name = _table()
    codes = by_name.get(name)
    return region_for_code(codes[0]) if codes else None


@lru_cache(maxsize=1)
def _name_regex() -> re.Pattern:
    _, by_name = _table()
    names = sorted((n for n in by_name if len(n) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def find_regions(text: str) -> list[tuple[str, int]]:
    """All region names in ``text`` (longest match first), as (name, offset)."""
    return [(m.group(), m.start()) for m in _name_regex().finditer(text)]


def region_from_org(org: str) -> Optional[Region]:
    """Region of an issuing body: 昆明市人民政府办公室 -> 昆明市; 国务院 -> 全国.

    Only a name at the start of the body's name counts (``云南省人民政府``,
    ``成都市知识产权工作领导小组办公室``); ``国家…``/``国务院``/``中共中央``/
    ``全国人民代表大会``/``最高人民法院`` are national.
    """
    org = org.strip()
    if re.match(r"^(国务院|国家|中共中央|中央|全国|最高人民|财政部|商务部|教育部|科学技术部|科技部|工业和信息化部|公安部|司法部|农业农村部|文化和旅游部|海关总署|市场监管总局|国家市场监督管理总局|人力资源社会保障部|中国人民银行|银保监会|证监会|外交部|国防部|民政部|自然资源部|生态环境部|住房城乡建设部|交通运输部|水利部|商务部|卫生健康委|退役军人事务部|应急管理部|审计署|国资委|税务总局|广电总局|体育总局|统计局|知识产权局)", org):
        return NATIONAL
    for name, pos in find_regions(org):
        if pos == 0:
            return lookup(name)
    return None
