"""Cleaning stage: the source lines of ANY reader -> body lines, stripped lines, declared fields.

Readers (``read.py``: text, HTML, Markdown) only turn bytes into
``SourceLine`` rows (source line number, text, the markup's style hint, and
whether the line lies outside the page's main content) plus what the format
itself declares (meta tags, front matter).  Everything else is decided here,
once, for every format:

* control characters and terminal escapes (``ESC[31m``) -> stripped, 控制字符;
* markup debris left in copied text: ``[/s2/]`` (seed 001), HTML comments and
  Hanweb CMS tags ``<!--<$[标题]>begin-->`` (jiangxi.gov.cn pages copied as
  text), ``&nbsp;`` -> stripped, 残留标记;
* web furniture, one declared table ``FURNITURE`` (one place to add a rule):
  breadcrumbs ``当前位置：首页 > …`` (provincial), ``扫一扫在手机打开当前页``,
  ``字体：[大 中 小]``, ``打印本页``/``关闭窗口``, ``分享到``, ``上一篇``/``下一篇``,
  visit counters ``2111 次浏览`` (seed 004), footers (主办单位, 网站标识码,
  ICP备, 公网安备, 版权所有, 联系我们, 网站地图), ``在线留言``/``返回首页``/``热点资讯``
  (seed 004), English slogans (seed 004);
* ``相关阅读``/``相关链接`` lists of other articles with dates (provincial); sites2: heads
  相关文档/关联稿件/相关解读/意见选登…, a head with its first item on the line
  (``相关链接：《…》政策解读`` after the text), rows of 解读 tabs, download heads
  (``文件下载``/``附件下载``), info bars of any layout (``2023-01-09 浏览次数：``), widget lines;
* text without line breaks (``split_run_on``): paragraphs separated by pairs of U+3000,
  markers run inline ``…。二、…``, a signature date run into the organ or the next heading;
* a field label alone with its value on the next line (sites2-002 ``发文字号`` / value), a
  文号 alone on a line (declared), a heading carrying its 文号 in front (sites2-036) split;
* ``来源:… | 作者:… | 发布时间: 2023-03-22`` bars (seed 004) and
  ``发布日期：2020-02-13 浏览次数： 字体：[大 中 小]`` lines (provincial 解读
  pages): the values go to ``header``, the lines above the bar except the
  title are the page header;
* ``来源:``/``标题:``/``地址:`` footers (seed 001), ``来源:`` with its value on
  the next line (seed 002);
* metadata field lines of any layout once linearised: ``索引号：… 发文机关：…
  文号：…`` several pairs on one line (provincial ``<td>`` cells), label and
  value in two cells (govcn2019 ``<td>发文机关：</td><td>国务院</td>``),
  ``**发文字号**：…`` / ``- 公布日期：…`` Markdown field blocks -> ``declared``
  and stripped, reason 元数据表;
* title candidates: heading-styled lines (``h1``–``h3``, centred, bold, a
  ``title`` class) and lines ending like a title, possibly over two lines.

Every removed line is kept in ``stripped`` with its source line and reason.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from ..docnumber import ANNOUNCE_RE, DOCNO_RE, ORDER_RE
from ..models import Declared, Stripped
from ..numerals import cn_int

# ---------------------------------------------------------- normalisation

_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e\u2014\u2026\u201c\u201d\u2018\u2019"
_FULLWIDTH_ALNUM = {c: chr(c - 0xFEE0) for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_PUNCT_RE = re.compile(rf"(?<=[{_CJK}])[,:;!?]|[,:;!?](?=[{_CJK}])")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f\uff08\uff09\u3001\uff0c\uff1a\u300a\u300b])[ \t\u00a0\u3000]+(?=[\u3400-\u9fff\u300a\uff08])")


def normalise_line(line: str) -> str:
    """One body line as the pipeline sees it.

    * strips ASCII, NBSP and ideographic (U+3000) spaces at both ends;
    * full-width digits/letters -> half-width (１２ -> 12, ＰＣＴ -> PCT);
    * half-width ``, : ; ! ?`` touching Chinese -> full-width;
    * ``(`` ``)`` -> ``（`` ``）`` in lines with Chinese text;
    * spaces between Chinese characters removed (``二、 工作目标`` -> ``二、工作目标``).
    """
    line = line.translate(_FULLWIDTH_ALNUM).strip(" \t\r\n\u00a0\u3000\ufeff\u200b")
    if not line:
        return ""
    if re.search(r"[\u3400-\u9fff]", line):
        line = _PUNCT_RE.sub(lambda m: _HALF_TO_FULL[m.group()], line)
        if "://" not in line:
            line = line.replace("(", "（").replace(")", "）")
        line = _SPACE_BETWEEN_CJK.sub("", line)
    return line


TITLE_END_RE = re.compile(
    r"(通知|意见|方案|规划|计划|办法|细则|规定|条例|决定|解释|批复|复函|答复|函|公告|通告|通报|公报|公示|纲要|指南|解读|措施|规则|报告|要点|预算|决算|预案|(?<!本)法)"
    r"[）)]?(（[^（）]*(征求意见稿|试行|草案|暂行|第.{1,4}[批期号]|\d{4}年.{0,6})[^（）]*）)?$"
)


CLAUSE_START_RE = re.compile(r"([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+(\.\d+)*[.、．\s]|第[一二三四五六七八九十百]+[条章节])")


def looks_like_title(s: str) -> bool:
    """A line that reads as a document title (no sentence punctuation, a title ending)."""
    return (6 <= len(s) <= 120 and "。" not in s and not s.endswith(("：", "；", "，"))
            and not re.search(r"[：:]\S", s[:12]) and not CLAUSE_START_RE.match(s)
            and (TITLE_END_RE.search(s) is not None or re.fullmatch(r"(解读|图解)《[^》]+》", s) is not None))


# ---------------------------------------------------------- source lines

@dataclass
class SourceLine:
    """One line as a reader saw it, before cleaning."""

    no: int  # 1-based line in the decoded source
    text: str
    style: str = ""  # "heading" (h1-h3, title class), "center", "bold" or ""
    outside: bool = False  # HTML text outside the page's main content
    block: int = 0  # HTML block element the line belongs to (lines split by <br> share it)
    cell: bool = False  # a row of a data table (two or more cells)
    link: bool = False  # the whole line is link text (<a href>)
    widget: bool = False  # inside a share / favourites / subscription / font-size widget (read.WIDGET_RE)
    hidden: bool = False  # inside an element the page hides (display:none): listed, never metadata


@dataclass
class Cleaned:
    """Output of ``clean``: what the body is and what was removed or declared."""

    lines: list[tuple[int, str]]
    stripped: list[Stripped] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    declared: list[Declared] = field(default_factory=list)
    table_rows: list[int] = field(default_factory=list)  # indices in ``lines`` of data-table rows


# ---------------------------------------------------------- debris

_ESCAPE_RE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_MARKUP_RE = re.compile(r"\[/?[a-z]{1,3}\d{0,2}/?\]|<!--.*?-->|<\$\[[^\]]{1,20}\]>(?:begin|end)?|&(?:nbsp|ensp|emsp|amp|lt|gt|quot);")


# ---------------------------------------------------------- text without line breaks

_PARA_GAP = re.compile(r"(?<=\S)[ \u00a0]*\u3000{2,}[ \u00a0\u3000]*(?=\S)")
_CN_ORD = "一二三四五六七八九十"
_RUN_MARKER = re.compile(rf"(?<=[。；！？：）)])\s*(?=(?P<m>(?P<cn>[{_CN_ORD}]{{1,3}})、|[（(](?P<pcn>[{_CN_ORD}]{{1,3}})[）)]|第(?P<art>[{_CN_ORD}百]{{1,4}})条))")
_ORGAN_DATE = re.compile(r"^(?P<org>[\u4e00-\u9fa5（）()]{2,40}?(?:政府|办公厅|办公室|委员会|局|厅|委|会议|会|中心|小组|办))\s*"
                         r"(?P<date>(?:[12]\d{3}|[一二][〇○零一二三四五六七八九]{3})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日)(?P<rest>.*)$")
_DATE_THEN = re.compile(r"^(?P<date>(?:[12]\d{3}|[一二][〇○零一二三四五六七八九]{3})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日)\s*(?P<rest>\S.*)$")


def split_run_on(text: str, fmt: str) -> list[str]:
    """One source line -> the lines it runs together (issue 30, text copies as crawler exports):

    * paragraphs separated by pairs of U+3000 (the first-line indent) instead of line breaks, in text
      and Markdown, and in a page line only when three or more such gaps show a pasted text;
    * markers run inline after a sentence: ``…。二、…。三、…``, ``…；（二）…``, ``…。第五条…`` in sequence;
    * a signature date run into the organ name or into the next heading: ``长沙市人民政府办公厅2018年6月25日``,
      ``2022年1月26日进一步做好近期促进消费工作若干措施``."""
    if fmt == "lawmd":
        return [text]
    gaps = len(_PARA_GAP.findall(text))
    parts = _PARA_GAP.split(text) if gaps and (fmt != "html" or gaps >= 3) else [text]
    out: list[str] = []
    for p in parts:
        run_in = len(parts) > 1 or (fmt != "html" and len(p) > 500)  # only in text that lost its line breaks
        for q in _split_markers(p) if run_in and len(p) > 60 else [p]:
            out.extend(_split_signature(q.strip()))
    return out


# a marker run into the text with no punctuation before it (…责任单位：县住建局二、优化…, …11月22日前二、意见…,
# …83987138三、注意事项): taken only where it continues its sequence, never after 第 or an ordinal (第一、二批,
# 十一、), never before another ordinal (一、二类人才), and never for 第X条 (…依照第二条…)
_BARE_MARKER = re.compile(rf"(?<=[^\s{_CN_ORD}第、，,（(])(?=(?P<m>(?P<cn>[{_CN_ORD}]{{1,3}})、(?![{_CN_ORD}\d])|[（(](?P<pcn>[{_CN_ORD}]{{1,3}})[）)](?![{_CN_ORD}\d（(])))")
_MIN_PART = 4  # characters between two cuts: an enumeration 一、二、 is not a sequence of paragraphs
_LOWER = {"cn": ("pcn",), "pcn": (), "art": ()}  # （一） restarts in each 一、 section


def _split_markers(p: str) -> list[str]:
    """Cut a run-together paragraph before each marker that continues its sequence: after sentence
    punctuation (``…。二、…``), or with none when the marker is the next of a sequence already begun
    (``一、…工作二、加强…``; an unpunctuated ``一、`` counts when its ``二、`` follows)."""
    cuts: list[int] = []
    last: dict[str, int] = {}
    first = re.match(rf"\s*(?:([{_CN_ORD}]{{1,3}})、|[（(]([{_CN_ORD}]{{1,3}})[）)]|第([{_CN_ORD}百]{{1,4}})条)", p)
    if first:
        for kind, g in zip(("cn", "pcn", "art"), first.groups()):
            if g:
                last[kind] = cn_int(g)
    found: list[tuple[int, str, int, bool]] = []  # (position, kind, number, punctuated)
    for m in _RUN_MARKER.finditer(p):
        kind = next(k for k in ("cn", "pcn", "art") if m.group(k))
        found.append((m.end(), kind, cn_int(m.group(kind)), True))
    punct = {pos for pos, *_ in found}
    for m in _BARE_MARKER.finditer(p):
        if m.end() not in punct:
            kind = "cn" if m.group("cn") else "pcn"
            found.append((m.end(), kind, cn_int(m.group(kind)), False))
    found.sort()
    for k, (pos, kind, n, punctuated) in enumerate(found):
        if n != last.get(kind, 0) + 1 or (cuts and pos - cuts[-1] < _MIN_PART) or pos < _MIN_PART and not punctuated:
            continue
        if punctuated:
            ok = kind in last or n == 1
        elif n == 1:  # a bare 一、 opens a sequence only if its 二、 follows
            ok = kind == "cn" and any(k2 == kind and n2 == 2 for _, k2, n2, _ in found[k + 1:])
        else:
            ok = kind in last
        if ok:
            cuts.append(pos)
            last[kind] = n
            for low in _LOWER[kind]:
                last.pop(low, None)
    if not cuts:
        return [p]
    bounds = [0] + cuts + [len(p)]
    return [p[a:b] for a, b in zip(bounds, bounds[1:]) if p[a:b].strip()]


def _split_signature(q: str) -> list[str]:
    m = _ORGAN_DATE.match(q)
    if m and not re.search(r"[，。；：、]", m.group("org")):
        rest = m.group("rest").strip()
        if not rest or looks_like_title(rest) or re.match(r"[（(]此件", rest):
            return [m.group("org"), m.group("date")] + ([rest] if rest else [])
    m = _DATE_THEN.match(q)
    if m and len(q) <= 140 and (looks_like_title(m.group("rest").strip()) or re.match(r"[（(]此件", m.group("rest"))):
        return [m.group("date"), m.group("rest").strip()]
    return [q]


def strip_controls(text: str) -> tuple[str, list[str]]:
    """(text without terminal escapes and control characters, what was removed)."""
    removed = [m.group() for m in _ESCAPE_RE.finditer(text)]
    text = _ESCAPE_RE.sub("", text)
    out = []
    for ch in text:
        if ch not in "\t\n\r" and unicodedata.category(ch) == "Cc":
            removed.append(ch)
        else:
            out.append(ch)
    return "".join(out), removed


# ---------------------------------------------------------- furniture table

@dataclass(frozen=True)
class Rule:
    """One kind of web furniture: a whole normalised line matching ``pattern``."""

    reason: str  # shown in ``stripped``
    pattern: re.Pattern
    seen: str  # where the form was seen
    max_len: int = 60  # longer lines are text, not furniture


def _rule(reason: str, pattern: str, seen: str, max_len: int = 60) -> Rule:
    return Rule(reason, re.compile(pattern), seen, max_len)


_UI_WORDS = ("打印本页|打印此页|我要打印|打印|关闭窗口|关闭本页|关闭|返回顶部|返回列表|返回|收藏本页|加入收藏|加入我的收藏|我的收藏|收藏|"
             "我要纠错|纠错|保存本页|分享|订阅|语音播报[：:]?|朗读|听全文")
_SHARE = "微信|微博|QQ空间|新浪微博|腾讯微博|朋友圈|复制链接|人人网|豆瓣"

# The one place to add a furniture rule: (reason, whole-line pattern, where seen).
FURNITURE: list[Rule] = [
    _rule("网页框架", r"(在线留言|返回首页|热点资讯|资讯分类|首页|返回|返回顶部|收藏本页|加入收藏|设为首页|无障碍|繁体|简体|English|登录|注册)", "seed 004"),
    _rule("网页框架", rf"([【\[(（]?\s*({_UI_WORDS})\s*[】\])）]?[\s|｜丨]*)+", "provincial 打印本页 关闭窗口; 【打印】【关闭】"),
    _rule("网页框架：导航", r"(当前位置|您当前的位置|您现在的位置|现在位置|当前所在位置|所在位置)\s*[：:].*", "provincial 当前位置：首页 > 政府信息公开目录", 200),
    _rule("网页框架：导航", r"首页\s*[>＞›»/|].*", "provincial breadcrumb", 200),
    _rule("网页框架：导航", r"(?!.*[《》〈〉<])([>＞›»]?\s*[^>＞›»。，；]{1,20}(\s*[>＞›»]\s*[^>＞›»。，；]{1,20}){1,}\s*[>＞›»]?|[>＞›»]\s*[^>＞›»。，；]{1,20})",
          "provincial breadcrumb copied as text: > 政府信息公开目录 > 省政府办公厅 > 工作动态", 200),
    _rule("网页框架：二维码", r"(扫一扫|手机扫一扫|扫描二维码|微信扫一扫).{0,20}", "provincial 扫一扫在手机打开当前页"),
    _rule("网页框架：字号", r"[【\[]?(字体|字号)\s*[：:]?\s*[【\[]?\s*大\s*中\s*小\s*[】\]]?.*", "provincial 字体：[大 中 小]"),
    _rule("网页框架：字号", r"[【\[]?(字体大小|字体|字号|文字大小)\s*[：:]\s*[】\]]?", "字体大小： with its buttons as images (www.csx.gov.cn)"),
    _rule("网页框架：字号", r"[【\[]?(字体|字号)?\s*[：:]?\s*[【\[]大[】\]]\s*[【\[]中[】\]]\s*[【\[]小[】\]]\s*[】\]]?", "【大】【中】【小】"),
    _rule("网页框架：分享", r"分享到\s*[：:]?.{0,30}", "seed 004, provincial 分享到"),
    _rule("网页框架：分享", rf"({_SHARE})([\s|｜丨、]*({_SHARE}))*", "share-button labels"),
    _rule("网页框架：编辑", r"[（(【\[]?(责任编辑|责编|编辑|审核|校对|审校)\s*[：:]\s*[^\s，。；]{1,12}[）)】\]]?", "article footers", 30),
    _rule("网页框架：翻页", r"(上一篇|下一篇|上一个|下一个|上一条|下一条|上一页|下一页)\s*[：:]?.*", "provincial 上一篇/下一篇", 120),
    _rule("网页框架：计数", r"\d+\s*次(浏览|阅读|点击)|(浏览次数|阅读次数|点击数|点击量|访问量|浏览量|阅读量|访问次数)\s*[：:]?\s*\d*\s*次?", "seed 004 2111 次浏览"),
    _rule("网页框架：计数", r"您是(本站)?第\s*\d+\s*位访(问者|客)", "visit counters"),
    _rule("网页框架：计数", r"(总|今日|本日|本月|昨日)?(访问量|访客数|浏览量|访问人数)\s*[：:]?\s*\d*\s*(次|人)?",
          "总访问量次 / 今日访客数次 with the numbers written by script (www.csx.gov.cn)"),
    _rule("网页框架：页脚", r"(主办单位|主办|承办单位|承办|协办单位|协办|维护单位|运维单位|技术支持|网站标识码|网站识别码|网站编号)\s*[：:].*", "footers of gov sites", 160),
    _rule("网页框架：页脚", r"(网站)?(技术支持|运维|维护)(电话|单位|邮箱)\s*[：:].*", "网站技术支持电话：… (www.csx.gov.cn)", 80),
    _rule("网页框架：页脚", r"(?!.*[。；])(.*(ICP备|ICP证|公网安备).*|.{0,40}(版权所有|Copyright|©|建议使用.{0,20}浏览器|分辨率\s*\d+).{0,60})", "footers of gov sites", 160),
    _rule("网页框架：页脚", r"(联系我们|网站地图|网站声明|隐私声明|关于我们|帮助中心|纠错|意见建议)([\s|｜丨]*(联系我们|网站地图|网站声明|隐私声明|关于我们|帮助中心|纠错|意见建议))*", "footers of gov sites"),
    _rule("网页框架", r"[A-Za-z][A-Za-z ,.'’-]{8,}", "seed 004 English slogan"),
]

# 相关阅读 lists: the heading line, then its items (short lines, often ending in a date)
_RELATED_NAMES = ("相关阅读|相关链接|相关文章|相关新闻|相关推荐|推荐阅读|热点新闻|热门文章|最新文章|延伸阅读|相关文档|相关稿件|"
                  "关联稿件|关联文件|相关文件|相关解读|政策解读|相关政策|最近新闻|最新新闻|图解|一图读懂|部门解读|视频解读|文字解读|"
                  "图片解读|动漫解读|专家解读|媒体解读|意见选登|网民留言|留言选登")
_RELATED_HEAD = re.compile(rf"[【\[]?({_RELATED_NAMES})[】\]]?\s*[：:]?")
# the head with its first item on the same line: 相关链接：《…》政策解读 (sites2-020), 相关链接：关于…的通知 (sites2-029)
_RELATED_HEAD_ITEM = re.compile(rf"[【\[]?({_RELATED_NAMES})[】\]]?\s*[：:]\s*(?P<item>[^。]{{2,80}})")
# a row of 解读 tabs: 文字解读 图片解读 视频解读 (sites2-011)
_TABS = re.compile(rf"(({_RELATED_NAMES})[\s|｜丨]*){{2,}}")
# download blocks: 文件下载 / 附件下载 / 下载本信息公开文件 (sites2-016); their file links are listed
_DOWNLOAD_HEAD = re.compile(r"[【\[]?(文件下载|附件下载|相关附件下载|下载附件|原文下载|原件下载|下载本信息公开文件|下载文件|点击下载)[】\]]?\s*[：:]?")
# info bars of any layout: 2023-01-09 浏览次数： (sites2-025), 发布时间：… 来源：… 字号：大 中 小
_INFO_LABELS = r"(来源|信息来源|文章来源|作者|发布时间|发布日期|发文日期|时间|日期|浏览次数|阅读次数|浏览量|阅读量|点击数|点击量|访问量|访问次数|字号|字体|编辑|责任编辑|审核|分享到)"


_BARE_DATE = re.compile(r"[\[(（【]?\s*\d{4}-\d{1,2}-\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*[\])）】]?")


def info_bar(s: str) -> bool:
    """A line made only of dates, times, bar labels with short values, 大中小 and UI words."""
    if len(s) > 80 or "。" in s or not re.search(_INFO_LABELS + r"\s*[:：]", s):
        return False
    labels = re.findall(_INFO_LABELS + r"\s*[:：]", s)
    if len(labels) < 2 and not (re.search(r"\d{4}[-/.年]\d{1,2}", s) and re.search(
            r"(发布时间|发布日期|发文日期|浏览次数|阅读次数|浏览量|阅读量|点击数|点击量|访问量|访问次数)\s*[:：]", s)):
        return False  # a lone 来源： has its value on the next line (seed 002); 时间：2023年3月1日 is text
    rest = re.sub(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s*\d{1,2}:\d{2}(:\d{2})?)?", "", s)
    rest = re.sub(_INFO_LABELS + r"\s*[:：]\s*(\d+\s*次?|[^\s:：|｜]{0,16}(?=\s|$|[|｜]))?", "", rest)
    rest = re.sub(rf"[【\[]?[大中小][】\]]?|{_UI_WORDS}|[\s|｜丨【】\[\]()（）]", "", rest)
    return rest == ""
_RELATED_ITEM = re.compile(r".{2,80}?\s*[\[(（]?\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[\])）]?")


def widget_reason(sl: "SourceLine", s: str) -> Optional[str]:
    """A short line inside a page widget the markup names (share, favourites, subscription, font size,
    read-aloud: ``<p class="share">``, ``<p class="collect">`` on fgk.chinatax.gov.cn, sites2-006)."""
    if sl.widget and len(s) <= 80 and "。" not in s:
        return "网页框架：分享收藏控件"
    return None


def furniture_reason(line: str) -> Optional[str]:
    """The reason of the first FURNITURE rule the whole line matches, else None."""
    s = line.strip()
    for r in FURNITURE:
        if len(s) <= r.max_len and r.pattern.fullmatch(s):
            return r.reason
    return None


def is_furniture(line: str) -> bool:
    return furniture_reason(line) is not None


# ---------------------------------------------------------- bars and footers

_BAR_LABELS = r"(来源|信息来源|文章来源|作者|发布时间|发布日期|时间|日期|浏览次数|阅读次数|点击数|字体|字号|编辑|责任编辑)"
_BAR_RE = re.compile(_BAR_LABELS + r"\s*[:：]")
# 日期：2022-04-11 来源：证监会 (sites2-004)
_BAR_PART = re.compile(r"(?P<k>来源|信息来源|文章来源|作者|发布时间|发布日期|时间|日期)\s*[:：]\s*(?P<v>.*?)\s*(?=(?:\||" + _BAR_LABELS + r"\s*[:：]|\d+\s*次浏览|$))")
_FOOTER_RE = re.compile(r"^(来源|标题|地址|原文链接|原文地址|链接)\s*[:：]\s*(.*)$")
_HEADER_KEYS = {"来源": "source", "信息来源": "source", "文章来源": "source", "作者": "author",
                "发布时间": "date_published", "发布日期": "date_published", "时间": "date_published", "日期": "date_published",
                "标题": "title", "地址": "source_url", "原文链接": "source_url", "原文地址": "source_url", "链接": "source_url"}


def parse_bar(line: str) -> dict[str, str] | None:
    """``来源:成都市市场监督管理局 | 作者:… | 发布时间: 2023-03-22 | 2111 次浏览 | 分享到:`` (seed 004),
    ``发布日期：2020-02-13 浏览次数： 字体：[大 中 小]`` (provincial 解读 pages)."""
    labels = _BAR_RE.findall(line)
    if len(labels) < 2 or len(line) > 200 or "。" in line:
        return None
    out: dict[str, str] = {}
    for m in _BAR_PART.finditer(line):
        v = m.group("v").strip(" |")
        if v:
            out.setdefault(_HEADER_KEYS[m.group("k")], v)
    return out


# ---------------------------------------------------------- metadata fields

# label synonyms -> field (values of fields not used are still metadata: ``other``)
FIELD_LABELS: dict[str, str] = {
    "索引号": "index_number",
    "主题分类": "topic", "分类": "topic", "组配分类": "other", "体裁分类": "other", "服务对象": "other",
    "发文机关": "issuer", "发布机构": "issuer", "发文单位": "issuer", "制发机关": "issuer", "发布单位": "issuer",
    "发布机关": "issuer",
    "文号": "doc_number", "发文字号": "doc_number", "文件编号": "doc_number", "公文文号": "doc_number",
    "成文日期": "date_written", "成文时间": "date_written", "印发日期": "date_written", "发文日期": "date_written",
    "发布日期": "date_published", "发布时间": "date_published", "公开日期": "date_published", "公布日期": "date_published",
    "标题": "title", "名称": "title", "文件名称": "title",
    "有效性": "validity", "时效性": "validity", "主题词": "keywords", "关键词": "keywords",
    "实施日期": "other", "生成日期": "date_written", "废止日期": "other", "公文种类": "other",
    # sites2 grids: 统一登记号 (a registry number, not the 文号), 登记日期, 失效日期 (安化县),
    # 备注/文号 and 公文生成日期 (沙县区), 信息时效期/生效日期/公开责任部门 (长沙), 体裁 (自然资源部)
    "统一登记号": "other", "登记号": "other", "登记日期": "other", "失效日期": "expiry", "有效期至": "expiry",
    "信息时效期": "expiry", "生效日期": "other", "公开责任部门": "other", "公开方式": "other", "公开范围": "other",
    "公开时限": "other", "备注/文号": "doc_number", "公文生成日期": "date_written", "体裁": "other",
    "效力状态": "validity", "时效状态": "validity", "是否有效": "validity", "所属主题": "topic", "发文时间": "date_written",
}
_LABEL_ALT = "|".join(sorted(map(re.escape, FIELD_LABELS), key=len, reverse=True))
# a label at the start of a line or a cell, with a colon or followed by a cell gap
_FIELD_RE = re.compile(rf"(?:\*\*)?(?P<label>{_LABEL_ALT})(?:\*\*)?\s*[:：]\s*(?:\*\*)?"
                       rf"|(?:^|(?<=[\s\u3000|]))(?P<label2>{_LABEL_ALT})[\s\u3000]+(?=\S)")


def field_pairs(line: str) -> list[tuple[str, str]]:
    """``索引号：014500815/2020-01518　发文机关：省政府办公厅`` -> [(label, value), …] when the line
    starts with a field label (Markdown ``**发文字号**：`` and ``- 公布日期：`` bullets too), else []."""
    s = re.sub(r"^[-*+]\s+", "", line.strip())
    matches = list(_FIELD_RE.finditer(s))
    if not matches or matches[0].start() != 0:
        return []
    if not re.search(r"[:：]", s[: matches[0].end()]) and "\u3000" not in s[: matches[0].end()]:
        return []  # "名称 …" without a colon or a cell gap is prose
    out = []
    for m, nxt in zip(matches, matches[1:] + [None]):
        value = s[m.end(): nxt.start() if nxt else len(s)].strip(" \u3000|*")
        # a one-line info bar: the value ends at its pipe or link label (发布机构：X | 查看更多属性)
        value = re.split(r"\s*[|｜丨]\s*|\s*(?:查看更多属性|查看更多|更多属性|展开全部|收起)\s*", value)[0].strip()
        out.append((m.group("label") or m.group("label2"), value))
    # a long sentence after a label is prose ("标题" of a footer is handled elsewhere)
    if any(len(v) > 150 or "。" in v for _, v in out):
        return []
    return out


# ---------------------------------------------------------- the stage

_TITLE_SCAN = 15  # kept lines searched for a heading


def clean(lines: list[SourceLine], fmt: str) -> Cleaned:
    """Run every cleaning rule on the lines of one document (any reader)."""
    out = Cleaned(lines=[])
    rows = _source_rows(lines, fmt, out)
    if fmt == "lawmd":  # laws carry no furniture: only control characters and debris
        out.lines = [(sl.no, s) for sl, s in rows]
        return out
    return _Cleaner(_split_run_ins(_pair_labels(rows)), out).run()


def _source_rows(lines: list[SourceLine], fmt: str, out: Cleaned) -> list[tuple[SourceLine, str]]:
    """Control characters and markup debris out (into ``stripped``), run-on text split, lines normalised."""
    rows: list[tuple[SourceLine, str]] = []
    for sl in lines:
        text, removed = strip_controls(sl.text)
        if removed:
            out.stripped.append(Stripped(sl.no, "".join(removed).encode("unicode_escape").decode("ascii"), "控制字符"))
        # laws (lawrefbook Markdown) keep their lines as before: control characters only
        debris = [m.group() for m in _MARKUP_RE.finditer(text)] if fmt != "lawmd" else []
        if debris:
            text = _MARKUP_RE.sub("", text)
        for d in debris:
            out.stripped.append(Stripped(sl.no, d, "残留标记"))
        for piece in split_run_on(text, fmt):
            s = normalise_line(piece)
            if s:
                rows.append((sl, s))
    return rows


class _Cleaner:
    """The furniture rules over one document's rows, in order: each rule either takes the line (its
    reason goes to ``stripped``, a value it carries to the header or the declared fields) or passes it
    on; a line no rule takes is kept."""

    def __init__(self, rows: list[tuple[SourceLine, str]], out: Cleaned):
        self.rows, self.out = rows, out
        self.body = [i for i, (sl, _) in enumerate(rows) if not sl.outside]
        self.first_body = self.body[0] if self.body else len(rows)
        self.last_body = self.body[-1] if self.body else -1
        self.bar_at = self._bar_at()
        self.title_at = None
        if self.bar_at is not None:
            self.title_at = next((j for j in range(self.bar_at - 1, -1, -1) if not rows[j][0].outside), None)
        self.nav = _nav_menus(rows, self.body)
        self.kept: list[tuple[SourceLine, str]] = []
        self.pending_label: Optional[str] = None  # "来源:" with its value on the next line
        self.related = self.related_short = False
        # the first line of running text: an infographic 解读 page's only line, 相关解读：…的通知, is its text (provincial-016)
        prose = [i for i in self.body if "。" in rows[i][1] and len(rows[i][1]) >= 30 and not rows[i][0].link]
        self.last_prose = prose[-1] if prose else len(rows)  # the head with its item stands after the text

    def _bar_at(self) -> Optional[int]:
        """A 来源/发布时间 bar near the top marks the end of the page header."""
        for i in self.body[:80]:
            bar = parse_bar(self.rows[i][1])
            if bar and sum(1 for j in self.body if j < i and "。" in self.rows[j][1] and len(self.rows[j][1]) >= 30) >= 2:
                return None  # a bar under the text (sites2-008 来源/发布时间 after the signature) heads nothing
            if bar:
                self.out.header.update(bar)
                return i
        return None

    def run(self) -> Cleaned:
        rules = (self._table, self._outside, self._page_head, self._pending, self._widget, self._related,
                 self._download, self._info_bar, self._furniture, self._edge_bar, self._footer)
        for i, (sl, s) in enumerate(self.rows):
            self._docno(i, sl, s)
            reason = next((r for r in (rule(i, sl, s) for rule in rules) if r is not None), None)
            if reason is None:
                self.kept.append((sl, s))
            else:
                self.out.stripped.append(Stripped(sl.no, s, reason))
        out, rows = self.out, self.rows
        out.lines = [(sl.no, s) for sl, s in self.kept]
        out.table_rows = [k for k, (sl, _) in enumerate(self.kept) if sl.cell]
        if self.title_at is not None:
            out.header.setdefault("page_title", rows[self.title_at][1])
            out.declared.append(Declared("title", rows[self.title_at][1], f"来源栏上方第{rows[self.title_at][0].no}行",
                                         rows[self.title_at][0].no))
        out.declared.extend(_heading_candidates(self.kept))
        return out

    def _docno(self, i: int, sl: SourceLine, s: str) -> None:
        if DOCNO_LINE_RE.fullmatch(s) and self.first_body - 12 <= i < self.first_body + 15:
            # a 文号 printed on its own line: under the organ block, above or below the heading
            self.out.declared.append(Declared("doc_number", s, f"单独一行的文号（第{sl.no}行{'，正文区外' if sl.outside else ''}）", sl.no))

    def _table(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        pairs = field_pairs(s)
        if not pairs:
            return None
        if sl.hidden:
            return "元数据表（页面隐藏项）"
        # a lone "名称：…" deep in the body is a form field of an attachment, not the page's metadata
        edge = sl.outside or i < self.first_body + 12 or i > self.last_body - 8 or len(pairs) >= 2
        if not edge or (len(pairs) == 1 and pairs[0][0] == "标题" and not sl.outside and i > self.first_body + 3):
            return None
        for label, value in pairs:
            if value and value not in {"无", "—", "-", "暂无"}:
                self.out.declared.append(Declared(FIELD_LABELS[label], value, f"元数据表“{label}”", sl.no))
            elif value in {"无", "暂无"}:
                self.out.declared.append(Declared(FIELD_LABELS[label], "", f"元数据表“{label}”（{value}）", sl.no))
        return "元数据表"

    def _outside(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        if not sl.outside:
            return "网页框架：导航菜单" if i in self.nav else None
        header, first_body = self.out.header, self.first_body
        m = _FOOTER_RE.match(s)
        if m and m.group(1) == "来源" and m.group(2) and first_body - 10 <= i < first_body:
            # 来源：天津市规划和自然资源局 just above the content box (sites2-007)
            header.setdefault("source", m.group(2).strip())
            return "来源栏"
        if _BARE_DATE.fullmatch(s) and first_body - 6 <= i < first_body:
            # a date line under the heading, above the text (gjj.nanjing.gov.cn, sites2-030/031)
            header.setdefault("date_published", s)
            return "来源栏：发布日期"
        bar = parse_bar(s) if first_body - 10 <= i < first_body else None
        if bar:
            for k, v in bar.items():
                header.setdefault(k, v)
            return "来源栏"
        reason = furniture_reason(s)
        if not reason and (looks_like_title(s) or (sl.style and 4 <= len(s) <= 120 and not re.search(r"[。：:]", s))):
            self.out.declared.append(Declared("title", s, f"正文区外第{sl.no}行{_STYLE_ZH.get(sl.style, '')}", sl.no))
        return reason or "正文区外"

    def _page_head(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        if self.bar_at is None or i > self.bar_at or i == self.title_at:
            return None
        if i == self.bar_at:
            return "来源栏"
        if looks_like_title(s) and not furniture_reason(s):  # a heading above a subtitle stays a candidate
            self.out.declared.append(Declared("title", s, f"页眉第{sl.no}行", sl.no))
        return "页面页眉"

    def _pending(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        label, self.pending_label = self.pending_label, None
        if not label or s in {"来源", "来源："} or _FOOTER_RE.match(s):
            return None
        self.out.header.setdefault(label, s)
        return f"来源栏：{label}"

    def _widget(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        return widget_reason(sl, s)

    def _related(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        if self.related:
            if _RELATED_ITEM.fullmatch(s) or (sl.link and len(s) <= 80) or (
                    self.related_short and len(s) <= 40 and not re.search(r"[。；]", s)):
                return "相关阅读"
            self.related = False
        m = _RELATED_HEAD_ITEM.fullmatch(s)
        if _RELATED_HEAD.fullmatch(s) or _TABS.fullmatch(s) or (
                m and i > self.last_prose and (sl.link or "《" in m.group("item") or looks_like_title(m.group("item")))):
            self.related = True
            # 意见选登 lists short comments (建议1：…) rather than linked titles (sites2-033)
            self.related_short = bool(re.match(r"[【\[]?(意见选登|网民留言|留言选登)", s))
            return "相关阅读"
        return None

    def _download(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        return "网页框架：下载栏" if _DOWNLOAD_HEAD.fullmatch(s) else None

    def _info_bar(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        if not info_bar(s) or self.first_body + 15 <= i <= self.last_body - 15:
            return None
        for m in _BAR_PART.finditer(s):
            if m.group("v").strip(" |"):
                self.out.header.setdefault(_HEADER_KEYS[m.group("k")], m.group("v").strip(" |"))
        bare = re.match(r"\s*(\d{4}-\d{1,2}-\d{1,2})(?!\d)", s)
        if bare:  # 2023-01-09 浏览次数： (sites2-025): the bar's unlabelled date is the page's
            self.out.header.setdefault("date_published", bare.group(1))
        return "来源栏"

    def _furniture(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        return furniture_reason(s)

    def _edge_bar(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        bar = parse_bar(s) if i > self.last_body - 8 or i < self.first_body + 8 else None
        if bar is None or len(s) > 80:
            return None
        for k, v in bar.items():
            self.out.header.setdefault(k, v)
        return "来源栏"

    def _footer(self, i: int, sl: SourceLine, s: str) -> Optional[str]:
        m = _FOOTER_RE.match(s)
        if not m or not (m.group(1) != "来源" or not self.kept or i > self.last_body - 6 or not m.group(2)):
            return None
        key = _HEADER_KEYS[m.group(1)]
        if m.group(2):
            self.out.header.setdefault(key, m.group(2))
            return f"页脚：{m.group(1)}"
        self.pending_label = key
        return f"来源栏：{m.group(1)}"


# a 文号 alone on a line: 长府办发〔2017〕65号, 长府发〔2015〕6 号 (sites2-008/009), 财政部 税务总局公告2025年第17号
# (sites2-006), 江西省人民政府令第223号; optional brackets around it
DOCNO_LINE_RE = re.compile(
    r"[（(【\[]?\s*(?:" + DOCNO_RE.pattern + "|" + ORDER_RE.pattern.replace("(?P<org>", "(?P<org2>").replace("(?P<n1>", "(?P<o1>")
    .replace("(?P<n2>", "(?P<o2>") + r"|" + ANNOUNCE_RE.pattern.replace("(?P<org>", "(?P<org3>").replace("(?P<year>", "(?P<y3>")
    .replace("(?P<num>", "(?P<n3>") + r")\s*[）)】\]]?")
_LABEL_ONLY = re.compile(rf"(?P<label>{_LABEL_ALT})\s*[:：]?")


def _pair_labels(rows: list[tuple[SourceLine, str]]) -> list[tuple[SourceLine, str]]:
    """A field label alone on a line with its value on the next line -> one ``label：value`` line
    (sites2-002/003 ``发文字号`` / ``自然资办函〔2021〕1432号`` in stacked cells, sites2-011 ``文号：`` /
    ``达市府办发〔2022〕25号``)."""
    out: list[tuple[SourceLine, str]] = []
    i = 0
    while i < len(rows):
        sl, s = rows[i]
        m = _LABEL_ONLY.fullmatch(s)
        if m and i + 1 < len(rows) and (sl.block or sl.outside):  # cells of a page; a text's empty label stays
            nsl, nxt = rows[i + 1]
            if (not _LABEL_ONLY.fullmatch(nxt) and not field_pairs(nxt) and len(nxt) <= 60 and not re.search(r"[。:：]", nxt)
                    and nsl.outside == sl.outside and nsl.no - sl.no <= 20
                    # an empty 主题词： above the heading (govcn2019 copied as text) is not the heading's label
                    and _value_fits(FIELD_LABELS[m.group("label")], nxt)):
                out.append((sl, f"{m.group('label')}：{nxt}"))
                i += 2
                continue
        out.append((sl, s))
        i += 1
    return out


def _value_fits(field: str, v: str) -> bool:
    """Whether ``v`` can be the value of a field whose label stands alone on the line above: an
    empty ``主题词：`` over a heading (govcn2019 copied as ``<p>`` lines) is not that heading's label."""
    if field == "doc_number":
        return bool(DOCNO_LINE_RE.fullmatch(v)) or v in {"无", "暂无"}
    if field.startswith("date") or field == "expiry":
        return bool(re.search(r"\d{4}\s*[-/.年]", v))
    if field == "index_number":
        return bool(re.search(r"\d{3}", v))
    if field == "title":
        return looks_like_title(v)
    if field == "validity":
        return len(v) <= 8
    if field == "issuer":
        return len(v) <= 40 and re.search(r"(政府|厅|局|委|会|办|室|部|院|署|中心|组)$", v) is not None and "关于" not in v
    return False  # topic, keywords and other fields: a lone label there is left as printed


def _split_run_ins(rows: list[tuple[SourceLine, str]]) -> list[tuple[SourceLine, str]]:
    """A heading line that carries its 文号 in front or behind (sites2-036 ``蚌房金〔2022〕18号关于实施…的通知``)
    -> the 文号 line and the heading line."""
    out: list[tuple[SourceLine, str]] = []
    for sl, s in rows:
        m = DOCNO_RE.match(s)
        if m and m.start() == 0 and len(s) <= 120 and looks_like_title(s[m.end():].strip()) and _ORGANISH.fullmatch(m.group("org")):
            out.append((sl, s[: m.end()]))
            out.append((sl, s[m.end():].strip()))
            continue
        out.append((sl, s))
    return out


_ORGANISH = re.compile(r"[\u4e00-\u9fa5]{1,12}")
_FILE_LINK = re.compile(r"\.(docx?|xlsx?|pdf|wps|et|zip|rar|7z|txt|jpe?g|png|ofd|ceb)\s*$", re.I)
_NAV_RUN = 3  # consecutive short link lines


def _nav_menus(rows: list[tuple[SourceLine, str]], body: list[int]) -> set[int]:
    """Navigation menus: runs of three or more short lines that are wholly links, above the
    first or below the last line of running text (attachment links are text, not menus)."""
    text = [i for i in body if len(rows[i][1]) >= 40 and not rows[i][0].link and not furniture_reason(rows[i][1])]
    first, last = (text[0], text[-1]) if text else (len(rows), -1)

    def menu_item(i: int) -> bool:
        sl, s = rows[i]
        return sl.link and len(s) <= 30 and not _FILE_LINK.search(s) and not s.startswith("附件")

    out: set[int] = set()
    run: list[int] = []
    for i in body + [-1]:
        if i >= 0 and menu_item(i) and (not run or i == run[-1] + 1):
            run.append(i)
            continue
        if len(run) >= _NAV_RUN and (run[-1] < first or run[0] > last):
            out.update(run)
        run = [i] if i >= 0 and menu_item(i) else []
    for i in body:  # a whole menu on one line: 首页 | 机构概况 | 新闻中心 | 政务公开
        sl, s = rows[i]
        if sl.link and len(re.split(r"[\s|｜丨]+", s)) >= 4 and all(len(x) <= 8 for x in re.split(r"[\s|｜丨]+", s)) \
                and (i < first or i > last):
            out.add(i)
    return out


_STYLE_ZH = {"heading": "（标题样式）", "center": "（居中）", "bold": "（加粗）"}
ATTACHMENT_LABEL = re.compile(r"附件\s*[0-9一二三四五六七八九十]*\s*[:：]?")  # an 附件N label line (005, 023-att1 附件1, 024 附件：); office.py too


def _heading_candidates(kept: list[tuple[SourceLine, str]]) -> list[Declared]:
    """Title candidates among the first body lines: styled headings and title-like lines,
    a heading broken over two or three lines joined (govcn2019 ``国务院办公厅关于有效发挥政府性``
    / ``融资担保基金作用切实支持小微企业和`` / ``“三农”发展的指导意见``)."""
    out: list[Declared] = []
    head = kept[:_TITLE_SCAN]

    def opens(s: str) -> bool:  # a line that can start or continue a broken heading (an 附件N label never does)
        return (len(s) <= 40 and not TITLE_END_RE.search(s) and not re.search(r"[：。；，>＞|]", s)
                and not re.search(r"\d+年\d+月\d+日|[〇○]", s) and not ATTACHMENT_LABEL.fullmatch(s))

    for k, (sl, s) in enumerate(head):
        if sl.cell:  # a table row is never a title
            continue
        styled = sl.style in {"heading", "center", "bold"}
        joined = None
        if opens(s) and not s.startswith(("（", "(", "《")):
            text = s
            for m in range(k + 1, min(k + 3, len(head))):
                sl2, s2 = head[m]
                if sl2.cell:
                    break
                text += s2
                if len(s2) <= 60 and looks_like_title(text):
                    same = all(x.style == sl.style for x, _ in head[k:m + 1]) and styled
                    style = _STYLE_ZH.get(sl.style, "（").rstrip("）") + "，" if same else "（"
                    joined = Declared("title", text, f"正文第{sl.no}–{sl2.no}行{style}分{m - k + 1}行）", sl.no)
                    break
                if not opens(s2):
                    break
        if looks_like_title(s) or (sl.style == "heading" and joined is None and 4 <= len(s) <= 120 and "。" not in s
                                   and not CLAUSE_START_RE.match(s)):
            out.append(Declared("title", s, f"正文第{sl.no}行{_STYLE_ZH.get(sl.style, '')}", sl.no))
        if joined is not None:
            out.append(joined)
    return out
