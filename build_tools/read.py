"""Read stage: raw bytes of one source file -> RawDocument.

Handles the real input forms found in ../shared:

* plain-text notices scraped from web pages (the seeds): page furniture
  (在线留言, 返回首页, 热点资讯, 分享到, ``2111 次浏览``), a
  ``来源:… | 作者:… | 发布时间: 2023-03-22`` bar, footers ``来源:/标题:/地址:``,
  stray markup like ``[/s2/]``, ideographic-space indentation, mixed
  full/half-width punctuation;
* whole government web pages (govcn2019): a metadata table
  (索引号/发文机关/成文日期/标题/发文字号/发布日期) and the body in ``<p>``
  inside ``#UCAP-CONTENT``; other HTML falls back to block-level text;
* lawrefbook Markdown: ``# 标题``, dated lines, ``<!-- INFO END -->``,
  ``##`` headings, body;
* encodings: UTF-8 (with or without BOM), UTF-16 (BOM), GB18030/GBK/GB2312
  and anything charset-normalizer can identify.

Nothing is dropped silently: every removed line is listed in
``RawDocument.stripped`` with its source line and a reason.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .errors import SourceError
from .models import RawDocument, Stripped

MAX_BYTES = 10 * 1024 * 1024  # larger files are refused with a clear message


class ReadError(SourceError):
    """A source file that cannot be read as a document (message in Chinese)."""


# ---------------------------------------------------------------- decoding

def decode(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Return (text, encoding name).  Raises ReadError for empty/binary/undecodable."""
    if not data.strip():
        raise ReadError(path, "文件为空")
    if len(data) > MAX_BYTES:
        raise ReadError(path, f"文件过大（{len(data) / 1048576:.1f} MB，上限 {MAX_BYTES // 1048576} MB），疑似非公文文件，已跳过")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _strict(data, "utf-16", path)
        if _looks_binary(text) or not _plausible(text, "utf-16"):
            raise ReadError(path, "文件以 UTF-16 标记开头，但内容无法按 UTF-16 解码为可读文本")
        return text, "utf-16"
    if b"\x00" in data[:4096]:
        # UTF-16 without BOM shows NULs in every other byte of ASCII text
        even, odd = data[0:4096:2].count(0), data[1:4096:2].count(0)
        if odd > len(data[:4096]) // 4 and even == 0:
            return _strict(data, "utf-16-le", path), "utf-16-le"
        if even > len(data[:4096]) // 4 and odd == 0:
            return _strict(data, "utf-16-be", path), "utf-16-be"
        raise ReadError(path, "二进制文件（含 NUL 字节），不是文本公文")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    # mostly valid UTF-8 with a few broken bytes: refuse rather than drop characters
    lossy = data.decode("utf-8", errors="replace")
    good_cjk = len(re.findall(r"[\u3400-\u9fff]", lossy))
    if good_cjk > 20 and lossy.count("\ufffd") * 10 < good_cjk:
        line = data[:first_bad].count(b"\n") + 1
        raise ReadError(path, f"UTF-8 文本中含无效字节（第 {first_bad} 字节），无法无损解码；请取得完好的原件", line)
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ReadError(path, "无法识别文件编码，无法解码（不是 UTF-8/GB18030/UTF-16 文本）")
    enc = best.encoding.lower().replace("_", "-")
    if enc in {"gb2312", "gbk", "gb18030", "hz", "cp936"}:
        enc = "gb18030"  # superset: never lose a character
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise ReadError(path, f"按 {enc} 解码失败，文件可能已损坏")
    if _looks_binary(text) or not _plausible(text, enc):
        raise ReadError(path, f"无法可靠解码：按 {enc} 解码得到的不是中文或可读文本")
    return text, enc


def _plausible(text: str, enc: str) -> bool:
    """A non-CJK codec must give mostly ASCII text; a CJK one some Chinese."""
    if not text:
        return False
    high = sum(1 for ch in text if ord(ch) > 127)
    cjk = len(re.findall(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]", text))
    return high == 0 or cjk / high > 0.5


def _strict(data: bytes, enc: str, path) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ReadError(path, f"按 {enc} 解码失败（第 {e.start} 字节）", line)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
    return bad > len(sample) * 0.05


# ---------------------------------------------------------- normalisation

_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e\u2014\u2026\u201c\u201d\u2018\u2019"
_FULLWIDTH_ALNUM = {c: chr(c - 0xFEE0) for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_PUNCT_RE = re.compile(rf"(?<=[{_CJK}])[,:;!?]|[,:;!?](?=[{_CJK}])")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f\uff08\uff09\u3001\uff0c\uff1a\u300a\u300b])[ \t\u00a0\u3000]+(?=[\u3400-\u9fff\u300a\uff08])")
_MARKUP_RE = re.compile(r"\[/?[a-z]{1,3}\d{0,2}/?\]")  # [/s2/], [b], [/b]


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


# ---------------------------------------------------------------- furniture

_FURNITURE_EXACT = {
    "在线留言", "返回首页", "热点资讯", "资讯分类", "分享到", "分享到：", "打印", "关闭",
    "打印本页", "关闭窗口", "【打印本页】", "【关闭窗口】", "首页", "上一篇", "下一篇", "相关阅读",
    "相关链接", "扫一扫在手机打开当前页", "字号：大中小", "【字体：大中小】",
}
_FURNITURE_RE = [
    re.compile(r"^\d+\s*次浏览$"),
    re.compile(r"^(浏览次数|阅读次数|点击数|访问量)[:：]?\s*\d*$"),
    re.compile(r"^分享到[:：]?\s*$"),
    re.compile(r"^[A-Za-z][A-Za-z ,.'’-]{8,}$"),  # English slogan lines on Chinese pages
]
_BAR_RE = re.compile(r"(来源|作者|发布时间|发布日期|时间|浏览次数)\s*[:：]")
_FOOTER_RE = re.compile(r"^(来源|标题|地址|原文链接|原文地址|链接)\s*[:：]\s*(.*)$")
_HEADER_KEYS = {"来源": "source", "作者": "author", "发布时间": "date_published",
                "发布日期": "date_published", "时间": "date_published",
                "标题": "title", "地址": "source_url", "原文链接": "source_url",
                "原文地址": "source_url", "链接": "source_url"}
TITLE_END_RE = re.compile(
    r"(通知|意见|方案|规划|计划|办法|细则|规定|条例|决定|解释|批复|复函|函|公告|通告|纲要|指南|解读|措施|规则|报告|(?<!本)法)"
    r"[）)]?(（[^（）]*(征求意见稿|试行|草案|暂行)[^（）]*）)?$"
)


def is_furniture(line: str) -> bool:
    s = line.strip()
    return s in _FURNITURE_EXACT or any(r.match(s) for r in _FURNITURE_RE)


def parse_bar(line: str) -> dict[str, str] | None:
    """``来源:成都市市场监督管理局 | 作者:… | 发布时间: 2023-03-22 | 2111 次浏览 | 分享到:``"""
    if "|" not in line or len(_BAR_RE.findall(line)) < 2:
        return None
    out: dict[str, str] = {}
    for part in line.split("|"):
        m = re.match(r"\s*(来源|作者|发布时间|发布日期|时间)\s*[:：]\s*(.*?)\s*$", part)
        if m and m.group(2):
            out[_HEADER_KEYS[m.group(1)]] = m.group(2)
    return out


# ---------------------------------------------------------------- formats

def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    head = text.lstrip()[:2000].lower()
    if suffix in {".html", ".htm", ".shtml", ".xhtml"} or head.startswith(("<!doctype", "<html", "<div", "<table")) or ("<p" in head and "</p>" in head):
        return "html"
    if suffix in {".md", ".markdown"} and ("<!-- INFO END -->" in text or text.lstrip().startswith(("# ", "---"))):
        return "lawmd"
    if "<!-- INFO END -->" in text:
        return "lawmd"
    return "text"


def read_file(path: Path | str) -> RawDocument:
    """Read one source file; raises ReadError with a Chinese message on bad input."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(path, f"无法读取文件：{e.strerror or e}")
    text, encoding = decode(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect_format(path, text)
    if fmt == "html":
        doc = _read_html(path, text)
    elif fmt == "lawmd":
        doc = _read_lawmd(path, text)
    else:
        doc = _read_text(path, text)
    doc.encoding = encoding
    if not doc.lines and fmt == "lawmd" and "title" not in doc.header:
        raise ReadError(path, "栏目索引文件（只有 front matter，没有标题和正文），不是一件文件，已跳过")
    if not doc.lines:
        raise ReadError(path, "去除网页框架后正文为空")
    return doc


def _read_text(path: Path, text: str) -> RawDocument:
    raw = text.split("\n")
    header: dict[str, str] = {}
    stripped: list[Stripped] = []
    kept: list[tuple[int, str]] = []
    # A 来源/作者/发布时间 bar marks the end of the page header: every line
    # above it that is not the title (the line just before the bar) is furniture.
    bar_at = None
    for i, line in enumerate(raw[:80]):
        bar = parse_bar(normalise_line(line))
        if bar:
            bar_at = i
            header.update(bar)
            break
    title_line = None
    if bar_at is not None:
        for j in range(bar_at - 1, -1, -1):
            if normalise_line(raw[j]):
                title_line = j
                break
    pending_label = None  # "来源:" with its value on the next line
    for i, line in enumerate(raw):
        no = i + 1
        s = normalise_line(line)
        if not s:
            continue
        if bar_at is not None and i < bar_at and i != title_line:
            stripped.append(Stripped(no, s, "页面页眉"))
            continue
        if i == bar_at:
            stripped.append(Stripped(no, s, "来源栏"))
            continue
        if pending_label:
            if s in {"来源", "来源："} or _FOOTER_RE.match(s):
                pending_label = None
            else:
                header.setdefault(pending_label, s)
                stripped.append(Stripped(no, s, f"来源栏：{pending_label}"))
                pending_label = None
                continue
        if is_furniture(s):
            stripped.append(Stripped(no, s, "网页框架"))
            continue
        m = _FOOTER_RE.match(s)
        if m and (m.group(1) != "来源" or not kept or i > len(raw) - 6 or not m.group(2)):
            key = _HEADER_KEYS[m.group(1)]
            if m.group(2):
                header.setdefault(key if key != "source" else "source", m.group(2))
                stripped.append(Stripped(no, s, f"页脚：{m.group(1)}"))
            else:
                pending_label = key
                stripped.append(Stripped(no, s, f"来源栏：{m.group(1)}"))
            continue
        s2 = _MARKUP_RE.sub("", s)
        if s2 != s:
            for mm in _MARKUP_RE.finditer(s):
                stripped.append(Stripped(no, mm.group(), "残留标记"))
            s = s2.strip()
            if not s:
                continue
        kept.append((no, s))
    if title_line is not None:
        header.setdefault("page_title", normalise_line(raw[title_line]))
    return RawDocument(path=path, format="text", encoding="", text=text, lines=kept, header=header, stripped=stripped)


_HTML_LABELS = {"索引号": "index_number", "主题分类": "topic", "发文机关": "issuer", "成文日期": "date_written",
                "标题": "title", "发文字号": "doc_number", "发布日期": "date_published", "主题词": "keywords"}
_BLOCK_TAGS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "pre", "blockquote"]


def _read_html(path: Path, text: str) -> RawDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for bad in soup(["script", "style", "noscript"]):
        bad.decompose()
    header: dict[str, str] = {}
    # metadata table: <td><b>发文机关：</b></td><td>国务院</td>
    for td in soup.find_all("td"):
        label = re.sub(r"[\s\u3000:：]", "", td.get_text())
        if label in _HTML_LABELS:
            val = td.find_next_sibling("td")
            if val is not None:
                v = " ".join(val.get_text(" ").split())
                if v:
                    header.setdefault(_HTML_LABELS[label], v)
    if soup.title and soup.title.string:
        header.setdefault("page_title", soup.title.string.strip())
    content = soup.find(id="UCAP-CONTENT") or soup.find(class_=re.compile("(TRS_Editor|article|content)", re.I)) or soup.body or soup
    for br in content.find_all("br"):
        br.replace_with("")  # title lines broken with <br> belong together
    lines: list[tuple[int, str]] = []
    stripped: list[Stripped] = []
    blocks = content.find_all(_BLOCK_TAGS)
    # innermost blocks only (a <tr> inside a <p> etc. is read once)
    blocks = [b for b in blocks if not b.find(_BLOCK_TAGS)]
    if not blocks:
        blocks = [content]
    for b in blocks:
        no = b.sourceline or 1
        if b.name == "tr":
            s = "　".join(normalise_line(td.get_text("")) for td in b.find_all(["td", "th"]))
            s = normalise_line(s)
        else:
            s = normalise_line(" ".join(b.get_text("").split()))
        if not s:
            continue
        if is_furniture(s):
            stripped.append(Stripped(no, s, "网页框架"))
            continue
        lines.append((no, s))
    return RawDocument(path=path, format="html", encoding="", text=text, lines=lines, header=header, stripped=stripped)


def _read_lawmd(path: Path, text: str) -> RawDocument:
    raw = text.split("\n")
    header: dict[str, str] = {}
    stripped: list[Stripped] = []
    lines: list[tuple[int, str]] = []
    start = 0
    if raw and raw[0].strip() == "---":  # Hugo front matter
        for j in range(1, len(raw)):
            if raw[j].strip() == "---":
                for k in range(1, j):
                    m = re.match(r"\s*title\s*:\s*(.+)", raw[k])
                    if m:
                        header["title"] = m.group(1).strip().strip("\"'")
                    stripped.append(Stripped(k + 1, raw[k].strip(), "front matter"))
                start = j + 1
                break
    end_info = next((i for i, l in enumerate(raw) if l.strip() == "<!-- INFO END -->"), None)
    info: list[str] = []
    for i in range(start, len(raw)):
        no = i + 1
        s = raw[i].strip()
        if not s:
            continue
        if s == "<!-- INFO END -->":
            stripped.append(Stripped(no, s, "markdown 标记"))
            continue
        m = re.match(r"^(#{1,6})\s*(.*)$", s)
        if m and "title" not in header and m.group(1) == "#":
            header["title"] = normalise_line(m.group(2))
            header["title_line"] = str(no)
            continue
        if end_info is not None and i < end_info:
            info.append(normalise_line(s))
            lines.append((no, normalise_line(s)))
            continue
        if m:
            s = m.group(2)
        s = normalise_line(s)
        if s:
            lines.append((no, s))
    if info:
        header["info"] = "\n".join(info)
        header["info_lines"] = str(len(info))
    return RawDocument(path=path, format="lawmd", encoding="", text=text, lines=lines, header=header, stripped=stripped)
