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
    for code, name in by_code.items():
        common = common_name(name)
        if common and common not in by_name:
            by_name.setdefault(common, []).append(code)
    for codes in by_name.values():
        codes.sort(key=lambda c: (_level(c), c))  # provinces first
    return by_code, by_name


def _level(code: str) -> int:
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


# ethnic names in autonomous prefectures and counties: 德宏傣族景颇族自治州 -> 德宏州 (sites2-015)
_ETHNIC = ("蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|景颇|"
           "柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|"
           "塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各")
_AUTONOMOUS = re.compile(rf"^(?P<base>[\u4e00-\u9fa5]{{2,4}}?)(?:(?:{_ETHNIC})族)+自治(?P<kind>州|县)$")


def common_name(name: str) -> Optional[str]:
    """The name an autonomous prefecture or county goes by: 德宏州, 红河州, 石林县 (None for others)."""
    m = _AUTONOMOUS.match(name)
    return m.group("base") + m.group("kind") if m else None


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
    return region_at_start(org)


def region_at_start(text: str) -> Optional[Region]:
    """The region named at the start of ``text``, as deep as it goes: 三明市沙县区人民政府 -> 沙县区
    (not 三明市, sites2-016), 泉州洛江实施购房补贴 -> 洛江区 (a district's short name right after its
    city, sites2-038), 邯郸市成安县人民政府 -> 成安县."""
    found = [(n, p) for n, p in find_regions(text) if p == 0]
    if not found:
        return None
    region = lookup(found[0][0])
    end = len(found[0][0])
    region, end = made_district(region, text, end, end)
    while region is not None and not region.is_national and _level(region.code) < 3:
        child = _child_at(region.code, text[end:])
        if child is None:
            break
        region, end = made_district(region_for_code(child[0]), text, end + child[1], child[1])
    return region


def made_district(region: Optional[Region], text: str, end: int, length: int) -> tuple[Optional[Region], int]:
    """A county or county-level city made a district after the code table was printed, named as printed:
    沙县 -> 沙县区 (sites2-016), 长乐市 -> 长乐区 (福州市长乐区, attachments 005); ``text[end - length:end]``
    is the name matched, ``end`` moves past the 区."""
    if region is None or region.is_national or _level(region.code) < 3 or text[end:end + 1] != "区":
        return region, end
    printed = text[end - length:end]
    if not region.name.endswith(("县", "市")) or printed not in {region.name, short_name(region.name)}:
        return region, end
    name = printed + "区"
    return Region(name, region.code, region.chain[:-1] + [(name, region.code)]), end + 1


def _child_at(code: str, rest: str) -> Optional[tuple[str, int]]:
    """(code, length) of a division under ``code`` named (full or short) at the start of ``rest``."""
    by_code, _ = _table()
    prefix = code[:2] if _level(code) == 1 else code[:4]
    best = None
    for c, name in by_code.items():
        if c == code or not c.startswith(prefix) or _level(c) <= _level(code):
            continue
        if _level(code) == 1 and _level(c) == 3 and c[:4] + "00" in by_code:
            continue  # a province's county is reached through its city
        for form in (name, common_name(name), short_name(name)):
            if form and len(form) >= 2 and rest.startswith(form) and (best is None or len(form) > best[1]):
                best = (c, len(form))
    return best
