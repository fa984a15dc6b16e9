"""Hand-built Notice objects from the five seeds, for the write-stage tests.

A stand-in until the real pipeline (build_tools.metadata.load_notice ->
build_tools.structure.parse_structure -> build_tools.enrich.enrich) is in
place: metadata is typed in by hand, the clause tree comes from a naive
line classifier (一、 / （一） / 1. / 第一, / 二是), themes from a small
keyword list, references from 《…》, goals from 到20xx年, targets from
“…达到N件”.  ``real_notices()`` uses the real pipeline when it exists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cn2an

from build_tools.models import Clause, Goal, Notice, Reference, Region, Target
from build_tools.write.common import slug

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "source_texts"

YN = ("云南省", "530000")
META = {
    "000": dict(title="云南省加强知识产权保护工作政策解读", issuer=["云南省知识产权局"],
                date_published="2020-12-31", basis={"date_published": "inferred"},
                region=Region("云南省", "530000", [YN]), doc_type="解读"),
    "001": dict(title="吉林省关于强化知识产权保护推进知识产权强省建设的实施意见", issuer=["吉林省人民政府"],
                date_written="2020-06-30", basis={"date_written": "inferred"},
                region=Region("吉林省", "220000", [("吉林省", "220000")]), doc_type="实施意见"),
    "002": dict(title="昆明市人民政府办公室关于印发昆明市国家知识产权强市建设示范城市工作方案(2022—2025年)的通知",
                issuer=["昆明市人民政府办公室"], date_written="2022-09-29",
                region=Region("昆明市", "530100", [YN, ("昆明市", "530100")]), doc_type="通知"),
    "003": dict(title="云南省人民政府办公厅关于贯彻深入实施国家知识产权战略行动计划（2014—2020年）的实施意见",
                issuer=["云南省人民政府办公厅"], date_written="2015-10-09", doc_number="云政办发〔2015〕78号",
                region=Region("云南省", "530000", [YN]), doc_type="实施意见"),
    "004": dict(title="成都市建设国家知识产权保护示范区实施方案（2023—2025年）（征求意见稿）",
                issuer=["成都市知识产权工作领导小组办公室"], date_written="2023-03-22", status="征求意见稿",
                region=Region("成都市", "510100", [("四川省", "510000"), ("成都市", "510100")]),
                doc_type="实施方案"),
}


@dataclass
class DemoTheme:
    slug: str
    name: str
    keywords: tuple[str, ...]
    description: str = ""


DEMO_THEMES = [
    DemoTheme("geographical-indications", "地理标志", ("地理标志",)),
    DemoTheme("punitive-damages", "惩罚性赔偿", ("惩罚性赔偿",)),
    DemoTheme("administrative-enforcement", "行政执法", ("行政执法", "执法")),
    DemoTheme("commercialisation", "转化运用", ("转化运用", "质押融资", "运营")),
    DemoTheme("trademarks", "商标", ("商标",)),
    DemoTheme("talent", "人才培养", ("人才",)),
]

CN = "一二三四五六七八九十百零〇两"
L1 = [re.compile(rf"^([{CN}]+)、"), re.compile(rf"^第([{CN}]+)[,，、]"), re.compile(rf"^([{CN}]+)是")]
L2 = [re.compile(rf"^[（(]([{CN}]+)[）)]"), re.compile(r"^[（(](\d+)[）)]")]
L3 = [re.compile(r"^(\d+)[.．、]")]


def _num(s: str) -> int:
    return int(s) if s.isdigit() else int(cn2an.cn2an(s, "smart"))


def parse_clauses(body: str) -> list[Clause]:
    """Naive clause tree: s<n>, s<n>-<m>, s<n>-<m>-<k>, preamble p<k>."""
    top: list[Clause] = []
    stack: list[Clause] = []  # current path
    pre = 0
    used: set[str] = set()

    def add(level: int, num: int, line: str, kind: str) -> None:
        nonlocal stack
        parent = stack[level - 2] if level > 1 and len(stack) >= level - 1 else None
        if level > 1 and parent is None:
            add_para(line)
            return
        cid = (parent.id + f"-{num}") if parent else f"s{num}"
        while cid in used:
            cid += "x"
        used.add(cid)
        zh = cn2an.an2cn(num)
        label = (parent.label if parent else "") + (zh if level == 1 else f"（{zh}）" if level == 2 else f"{num}.")
        c = Clause(cid, label, level, kind, line, number=num)
        (parent.children if parent else top).append(c)
        stack = stack[: level - 1] + [c]

    def add_para(line: str) -> None:
        nonlocal pre
        if stack:
            stack[-1].text += "\n" + line
        else:
            pre += 1
            c = Clause(f"p{pre}", f"前言第{pre}段", 1, "preamble", line, number=pre)
            used.add(c.id)
            top.append(c)

    for raw in body.split("\n"):
        line = raw.strip().strip("\u3000")
        if not line:
            continue
        for level, pats, kind in ((1, L1, "section"), (2, L2, "item"), (3, L3, "subitem")):
            m = next((p.match(line) for p in pats if p.match(line)), None)
            if m:
                try:
                    add(level, _num(m.group(1)), line, kind)
                except (ValueError, TypeError):
                    add_para(line)
                break
        else:
            add_para(line)
    return top


REF = re.compile(r"《([^《》]{2,80})》")
GOAL = re.compile(r"到(20\d\d)年")
TARGET = re.compile(r"([\u4e00-\u9fff]{4,20}?)(?:达到|超过)(\d+(?:\.\d+)?)(万件|件|%|亿元|家|个)(以上|左右)?")


def enrich_demo(notices: list[Notice], themes=DEMO_THEMES) -> None:
    titles = {n.title: n.id for n in notices}
    for n in notices:
        for c in n.walk():
            c.themes = [t.name for t in themes if any(k in c.text for k in t.keywords)]
            for m in REF.finditer(c.text):
                title = m.group(1)
                tid = titles.get(title)
                n.references.append(Reference(c.id, m.group(0), title=title, target_id=tid,
                                              external_key=None if tid else slug(title)[:60]))
            years = GOAL.findall(c.text)
            for y in dict.fromkeys(years):
                sent = next(s for s in re.split(r"(?<=[。；])", c.text) if f"到{y}年" in s)
                n.goals.append(Goal(c.id, sent.strip(), y))
            for m in TARGET.finditer(c.text):
                n.targets.append(Target(c.id, m.group(1), float(m.group(2)), m.group(3),
                                        years[0] if years else None, m.group(0), m.group(4) or ""))


def demo_notices(seed_dir: Path = SEEDS) -> list[Notice]:
    out = []
    for path in sorted(seed_dir.glob("*.txt")):
        doc_id = path.name[:3]
        meta = dict(META[doc_id])
        body = path.read_text(encoding="utf-8")
        n = Notice(id=doc_id, source_file=path.name, body=body, **meta)
        n.year = int((n.date or "0000")[:4]) or None
        n.clauses = parse_clauses(body)
        out.append(n)
    enrich_demo(out)
    return out


def real_notices(source_dir: Path = SEEDS) -> list[Notice]:
    """The archive's documents through the real pipeline (read -> metadata ->
    structure -> enrich), as ``make site`` builds them."""
    from build_tools.pipeline import enrich_stage, load_documents, source_files

    res = load_documents(source_files(source_dir), require_sidecar=True)
    if res.errors:
        raise RuntimeError("\n".join(map(str, res.errors)))
    enrich_stage(res.notices)
    return res.notices
