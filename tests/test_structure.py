"""Clause structure on the real seeds, govcn2019 and lawrefbook.

The expected seed trees below were checked line by line against the source
texts in source_texts/ (ids from printed numbers, labels as people cite them).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from build_tools.permanence.anchors import fingerprint, load_lock
from build_tools.ingest.metadata import load_notice
from build_tools.pipeline import source_files
from build_tools.clauses import structure
from build_tools.clauses.structure import (STYLES, Marker, MarkerStyle, classify, cn_marker, conservation_error, conserves,
                                   parse_structure, register, seq_label, unregister)

# (id, label, kind, first 10 characters of the clause's own text)
EXPECTED = {
    "000": [
        ('s1', '一', 'section', '一、【资料背景】'),
        ('s1-p1', '一、第一段', 'paragraph', '为了深入贯彻习总书记'),
        ('s2', '二', 'section', '二、【解读分析】'),
        ('s2-p1', '二、第一段', 'paragraph', '重点内容：'),
        ('s2-1', '二、第一', 'ordinal', '第一，加强知识产权保'),
        ('s2-1-1', '二、第一，一是', 'enum', '一是科学编制《十四五'),
        ('s2-1-2', '二、第一，二是', 'enum', '二是加强统筹协调。加'),
        ('s2-2', '二、第二', 'ordinal', '第二，加强知识产权保'),
        ('s2-2-1', '二、第二，一是', 'enum', '一是健全地方性法规和'),
        ('s2-2-2', '二、第二，二是', 'enum', '二是加强对知识产权的'),
        ('s2-2-3', '二、第二，三是', 'enum', '三是加强行政执法工作'),
        ('s2-3', '二、第三', 'ordinal', '第三，加强对知识产权'),
        ('s2-3-1', '二、第三，一是', 'enum', '一是建立和完善社会共'),
        ('s2-3-2', '二、第三，二是', 'enum', '二是加强对科技创新的'),
        ('s2-3-3', '二、第三，三是', 'enum', '三是优化知识产权服务'),
        ('s2-4', '二、第四', 'ordinal', '第四，深化知识产权保'),
        ('s2-4-1', '二、第四，一是', 'enum', '一是推动建立知识产权'),
        ('s2-4-2', '二、第四，二是', 'enum', '二是实施知识产权侵权'),
        ('s2-4-3', '二、第四，三是', 'enum', '三是促进区域间的执法'),
        ('s2-5', '二、第五', 'ordinal', '第五，统筹推进知识产'),
        ('s2-5-1', '二、第五，一是', 'enum', '一是在周边国家地区促'),
        ('s2-5-2', '二、第五，二是', 'enum', '二是促进知识产权国际'),
        ('s2-6', '二、第六', 'ordinal', '第六，维护国家在知识'),
        ('s2-6-1', '二、第六，一是', 'enum', '一是加强国家安全领域'),
        ('s2-6-2', '二、第六，二是', 'enum', '二是加强边境执法合作'),
        ('s2-6-3', '二、第六，三是', 'enum', '三是健全海外知识产权'),
        ('s2-7', '二、第七', 'ordinal', '第七，加强宣传工作，'),
        ('s2-7-1', '二、第七，一是', 'enum', '一是加强宣传教育工作'),
        ('s2-7-2', '二、第七，二是', 'enum', '二是加强人才建设。举'),
    ],
    "001": [
        ('p1', '前言', 'preamble', '为全面落实党中央、国'),
        ('s1', '一', 'section', '一、一般要求'),
        ('s1-p1', '一、第一段', 'paragraph', '以习近平新时期中国特'),
        ('s1-p2', '一、第二段', 'paragraph', '到2022年，知识产'),
        ('s2', '二', 'section', '二是推进知识产权制度'),
        ('s2-1', '二（1）', 'item', '（1）完善知识产权法'),
        ('s2-2', '二（二）', 'item', '（二）实行侵权惩罚性'),
        ('s2-3', '二（3）', 'item', '（3）建立知识产权保'),
        ('s2-4', '二（4）', 'item', '（4）完善知识产权行'),
        ('s2-5', '二（五）', 'item', '（五）实施知识产权信'),
        ('s3', '三', 'section', '三是全面加强知识产权'),
        ('s3-6', '三（六）', 'item', '（六）加强行政执法。'),
        ('s3-7', '三（七）', 'item', '（七）强化司法保障措'),
        ('s3-8', '三（八）', 'item', '（八）推进知识产权保'),
        ('s3-9', '三（九）', 'item', '（九）加强执法监督。'),
        ('s3-10', '三（十）', 'item', '（十）开展知识产权国'),
        ('s4', '四', 'section', '四.提高知识产权转化'),
        ('s4-11', '四（十一）', 'item', '（十一）加强区域知识'),
        ('s4-12', '四（十二）', 'item', '（十二）强化知识产权'),
        ('s4-13', '四（十三）', 'item', '（十三）加强知识产权'),
        ('s4-14', '四（14）', 'item', '（14）加强对知识产'),
        ('s4-15', '四（15）', 'item', '（15）加强知识产权'),
        ('s5', '五', 'section', '五、加强知识产权工作'),
        ('s5-16', '五（十六）', 'item', '（十六）加强组织领导'),
        ('s5-17', '五（十七）', 'item', '（十七）加强评估。建'),
        ('s5-18', '五（十八）', 'item', '（十八）加强宣传引导'),
    ],
    "002": [
        ('doc-title', '标题', 'heading', '昆明市人民政府办公室'),
        ('p1', '主送机关', 'wrapper', '各县（市）、区人民政'),
        ('p2', '通知正文', 'wrapper', '《昆明市国家知识产权'),
        ('p3', '发文机关署名', 'wrapper', '昆明市人民政府办公室'),
        ('p4', '成文日期', 'wrapper', '2022年9月29日'),
        ('p5', '附注', 'wrapper', '（此件公开发布）'),
        ('title', '正文标题', 'heading', '昆明市国家知识产权强'),
        ('title-p1', '前言', 'paragraph', '为深入推进实施昆明市'),
        ('s1', '一', 'section', '一、工作目标'),
        ('s1-p1', '一、第一段', 'paragraph', '紧扣昆明市建设区域性'),
        ('s1-1', '一（一）', 'item', '（一）知识产权创造实'),
        ('s1-2', '一（二）', 'item', '（二）知识产权保护达'),
        ('s1-3', '一（三）', 'item', '（三）知识产权运用取'),
        ('s1-4', '一（四）', 'item', '（四）知识产权服务获'),
        ('s1-5', '一（五）', 'item', '（五）知识产权合作取'),
        ('s2', '二', 'section', '二、工作重点'),
        ('s2-1', '二（一）', 'item', '（一）优化知识产权发'),
        ('s2-2', '二（二）', 'item', '（二）全面提升知识产'),
        ('s2-3', '二（三）', 'item', '（三）持续加强知识产'),
        ('s2-4', '二（四）', 'item', '（四）深入推进知识产'),
        ('s2-5', '二（五）', 'item', '（五）大力促进知识产'),
        ('s2-6', '二（六）', 'item', '（六）大力提升知识产'),
        ('s2-7', '二（七）', 'item', '（七）不断完善知识产'),
        ('s2-8', '二（八）', 'item', '（八）积极促进知识产'),
        ('s2-9', '二（九）', 'item', '（九）大力推进知识产'),
        ('s3', '三', 'section', '三、工作进度'),
        ('s3-p1', '三、第一段', 'paragraph', '由市知识产权战略实施'),
        ('s3-1', '三（一）', 'item', '（一）启动培育阶段（'),
        ('s3-2', '三（二）', 'item', '（二）全面实施阶段（'),
        ('s3-3', '三（三）', 'item', '（三）提质增效阶段（'),
        ('s3-4', '三（四）', 'item', '（四）总结验收阶段（'),
        ('s4', '四', 'section', '四、工作要求'),
        ('s4-1', '四（一）', 'item', '（一）加强组织领导。'),
        ('s4-2', '四（二）', 'item', '（二）加强资金保障。'),
        ('s4-3', '四（三）', 'item', '（三）加强督促检查。'),
    ],
    "003": [
        ('p1', '主送机关', 'wrapper', '各州、市人民政府，省'),
        ('p2', '通知正文', 'wrapper', '省知识产权局、省发展'),
        ('p3', '发文机关署名', 'wrapper', '云南省人民政府办公厅'),
        ('p4', '成文日期', 'wrapper', '2015年10月9日'),
        ('title', '正文标题', 'heading', '贯彻深入实施国家知识'),
        ('title-p1', '前言第一段', 'paragraph', '（省知识产权局、省发'),
        ('title-p2', '前言第二段', 'paragraph', '《国家知识产权战略纲'),
        ('s1', '一', 'section', '一、总体要求'),
        ('s1-1', '一（一）', 'item', '（一）指导思想'),
        ('s1-1-p1', '一（一）第一段', 'paragraph', '以邓小平理论、“三个'),
        ('s1-2', '一（二）', 'item', '（二）主要目标'),
        ('s1-2-1', '一（二）1', 'subitem', '1.总体目标'),
        ('s1-2-1-p1', '一（二）1 第一段', 'paragraph', '到2020年，全省知'),
        ('s1-2-1-p2', '一（二）1 第二段', 'bullet', '--知识产权创造能力'),
        ('s1-2-1-p3', '一（二）1 第三段', 'bullet', '--知识产权运用能力'),
        ('s1-2-1-p4', '一（二）1 第四段', 'bullet', '--知识产权保护环境'),
        ('s1-2-1-p5', '一（二）1 第五段', 'bullet', '--知识产权管理水平'),
        ('s1-2-1-p6', '一（二）1 第六段', 'bullet', '--知识产权基础能力'),
        ('s1-2-2', '一（二）2', 'subitem', '2.具体目标'),
        ('s1-2-2-p1', '一（二）2 第一段', 'paragraph', '到2020年，全省年'),
        ('s2', '二', 'section', '二、主要行动'),
        ('s2-1', '二（一）', 'item', '（一）提升知识产权创'),
        ('s2-1-p1', '二（一）第一段', 'paragraph', '以战略性新兴产业为核'),
        ('s2-1-p2', '二（一）第二段', 'paragraph', '重点发展知识产权密集'),
        ('s2-1-p3', '二（一）第三段', 'paragraph', '加强协同创新和产学研'),
        ('s2-1-p4', '二（一）第四段', 'paragraph', '深入开展“一企一标”'),
        ('s2-1-p5', '二（一）第五段', 'paragraph', '鼓励文化艺术领域的创'),
        ('s2-1-p6', '二（一）第六段', 'paragraph', '实施自主著作权软件开'),
        ('s2-2', '二（二）', 'item', '（二）大力推进知识产'),
        ('s2-2-p1', '二（二）第一段', 'paragraph', '加大对专利技术产业化'),
        ('s2-2-p2', '二（二）第二段', 'paragraph', '进一步改善知识产权运'),
        ('s2-2-p3', '二（二）第三段', 'paragraph', '加强对知识产权运用的'),
        ('s2-2-p4', '二（二）第四段', 'paragraph', '加强对企业知识产权运'),
        ('s2-2-p5', '二（二）第五段', 'paragraph', '加强对云南主要贸易目'),
        ('s2-3', '二（三）', 'item', '（三）加强知识产权保'),
        ('s2-3-p1', '二（三）第一段', 'paragraph', '加强知识产权行政执法'),
        ('s2-3-p2', '二（三）第二段', 'paragraph', '加强知识产权司法保护'),
        ('s2-3-p3', '二（三）第三段', 'paragraph', '加大专利保护力度。加'),
        ('s2-3-p4', '二（三）第四段', 'paragraph', '强化商标专用权保护。'),
        ('s2-3-p5', '二（三）第五段', 'paragraph', '加强版权保护。进一步'),
        ('s2-3-p6', '二（三）第六段', 'paragraph', '加强地理标志保护产品'),
        ('s2-3-p7', '二（三）第七段', 'paragraph', '加强进出口环节的海关'),
        ('s2-4', '二（四）', 'item', '（四）强化各领域知识'),
        ('s2-4-p1', '二（四）第一段', 'paragraph', '加强知识产权行政管理'),
        ('s2-4-p2', '二（四）第二段', 'paragraph', '强化科技创新的知识产'),
        ('s2-4-p3', '二（四）第三段', 'paragraph', '加强对企事业单位知识'),
        ('s2-5', '二（五）', 'item', '（五）加强人才队伍和'),
        ('s2-5-p1', '二（五）第一段', 'paragraph', '加大知识产权人才培养'),
        ('s2-5-p2', '二（五）第二段', 'paragraph', '实施云南省知识产权人'),
        ('s2-5-p3', '二（五）第三段', 'paragraph', '加强知识产权宣传普及'),
        ('s2-6', '二（六）', 'item', '（六）加强配套服务体'),
        ('s2-6-p1', '二（六）第一段', 'paragraph', '加强知识产权基础条件'),
        ('s2-6-p2', '二（六）第二段', 'paragraph', '大力发展社会知识产权'),
        ('s3', '三', 'section', '三、保障措施'),
        ('s3-1', '三（一）', 'item', '（一）加强组织领导，'),
        ('s3-1-p1', '三（一）第一段', 'paragraph', '省知识产权战略实施工'),
        ('s3-2', '三（二）', 'item', '（二）加强督促检查，'),
        ('s3-2-p1', '三（二）第一段', 'paragraph', '联席会议加强对知识产'),
        ('s3-3', '三（三）', 'item', '（三）加强财政支持，'),
        ('s3-3-p1', '三（三）第一段', 'paragraph', '各地、有关部门要统筹'),
        ('s3-4', '三（四）', 'item', '（四）完善法规规章，'),
        ('s3-4-p1', '三（四）第一段', 'paragraph', '根据《中华人民共和国'),
    ],
    "004": [
        ('doc-title', '标题', 'heading', '成都市知识产权工作领'),
        ('p1', '前言', 'preamble', '2月17日，国家知识'),
        ('s1', '（一）', 'item', '（一）电子邮箱：82'),
        ('s2', '（二）', 'item', '（二）通过信函方式将'),
        ('p2', '附件说明', 'paragraph', '附件：成都市建设国家'),
        ('p3', '发文机关署名', 'paragraph', '成都市知识产权工作领'),
        ('p4', '发文机关署名', 'paragraph', '（成都市知识产权局代'),
        ('p5', '成文日期', 'paragraph', '2023年3月22日'),
        ('p6', '附件说明', 'paragraph', '附件：成都市国家知识'),
        ('att1', '附件1', 'attachment', '附件：成都市建设国家'),
        ('att1-p1', '附件1 第一段', 'paragraph', '为深入贯彻落实习近平'),
        ('att1-s1', '附件1 一', 'section', '一、指导思想'),
        ('att1-s1-p1', '附件1 一、第一段', 'paragraph', '坚持以习近平新时代中'),
        ('att1-s2', '附件1 二', 'section', '二、主要目标'),
        ('att1-s2-p1', '附件1 二、第一段', 'paragraph', '以打造国家区域知识产'),
        ('att1-s2-p2', '附件1 二、第二段', 'bullet', '⎯⎯⎯建成国家区域标'),
        ('att1-s2-p3', '附件1 二、第三段', 'bullet', '⎯⎯⎯建成创新环境保'),
        ('att1-s2-p4', '附件1 二、第四段', 'bullet', '⎯⎯⎯建成保护资源集'),
        ('att1-s2-p5', '附件1 二、第五段', 'bullet', '⎯⎯⎯建成对外开放合'),
        ('att1-s2-p6', '附件1 二、第六段', 'bullet', '⎯⎯⎯建成服务人才聚'),
        ('att1-s3', '附件1 三', 'section', '三、重点任务'),
        ('att1-s3-p1', '附件1 三、第一段', 'paragraph', '知识产权高标准保护是'),
        ('att1-s3-1', '附件1 三（一）', 'item', '（一）完善知识产权协'),
        ('att1-s3-2', '附件1 三（二）', 'item', '（二）完善知识产权全'),
        ('att1-s3-3', '附件1 三（三）', 'item', '（三）完善知识产权快'),
        ('att1-s3-4', '附件1 三（四）', 'item', '（四）完善知识产权国'),
        ('att1-s3-5', '附件1 三（五）', 'item', '（五）完善知识产权人'),
        ('att1-s4', '附件1 四', 'section', '四、工作进度'),
        ('att1-s4-1', '附件1 四（一）', 'item', '（一）任务部署。20'),
        ('att1-s4-2', '附件1 四（二）', 'item', '（二）组织实施。20'),
        ('att1-s4-3', '附件1 四（三）', 'item', '（三）自查自评。20'),
        ('att1-s4-4', '附件1 四（四）', 'item', '（四）补差提升。20'),
        ('att1-s4-5', '附件1 四（五）', 'item', '（五）验收准备。20'),
        ('att1-s5', '附件1 五', 'section', '五、保障措施'),
        ('att1-s5-1', '附件1 五（一）', 'item', '（一）加强组织领导。'),
        ('att1-s5-2', '附件1 五（二）', 'item', '（二）加强政策支持。'),
        ('att1-s5-3', '附件1 五（三）', 'item', '（三）加强宣传引导。'),
        ('att1-s5-4', '附件1 五（四）', 'item', '（四）开展考核评价。'),
        ('att2', '附件2', 'attachment', '附件：成都市建设国家'),
    ],
}


def _parse(path):
    n = load_notice(path)
    return n, parse_structure(n.body, n.kind, n.title)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_tree(seed_files, key):
    n, res = _parse(seed_files[key])
    got = [(c.id, c.label, c.kind, c.text[:10]) for c in res.walk()]
    assert got == EXPECTED[key]
    assert res.warnings == []
    assert conserves(n.body, res.clauses)


def _find(res, cid):
    return next(c for c in res.walk() if c.id == cid)


def test_seed_landmarks(seed_files):
    _, kun = _parse(seed_files["002"])
    assert _find(kun, "s2-3").text.startswith("（三）持续加强知识产权行政司法保护")
    assert _find(kun, "s2-3").label == "二（三）"
    assert "2023年" in _find(kun, "s3-2").text and "全面实施阶段" in _find(kun, "s3-2").text
    assert [c.id for c in kun.clauses[:2]] == ["doc-title", "p1"]
    assert _find(kun, "title").text.startswith("昆明市国家知识产权强市建设示范城市工作方案")
    _, jl = _parse(seed_files["001"])
    s4 = _find(jl, "s4")
    assert s4.text.startswith("四.提高") and [c.id for c in s4.children][0] == "s4-11"
    assert _find(jl, "s4-11").text.startswith("（十一）") and _find(jl, "s4-11").number == 11
    assert _find(jl, "s2").text.startswith("二是推进知识产权制度建设")
    _, yn = _parse(seed_files["000"])
    assert _find(yn, "s2-1-1").text.startswith("一是科学编制")
    assert _find(yn, "s2-1").text == "第一，加强知识产权保护制度建设。"
    assert _find(yn, "s2-1-1").level == 3
    _, cd = _parse(seed_files["004"])
    assert _find(cd, "att1-s2").text.startswith("二、主要目标")
    assert _find(cd, "att1-s3-2").label == "附件1 三（二）"
    _, y15 = _parse(seed_files["003"])
    assert _find(y15, "title").text.startswith("贯彻深入实施国家知识产权战略行动计划")
    assert {c.kind for c in y15.clauses if re.fullmatch(r"p\d+", c.id)} == {"wrapper"}


def test_rebuild_identical(seed_files):
    for p in seed_files.values():
        a = [c.to_dict() for c in _parse(p)[1].clauses]
        b = [c.to_dict() for c in _parse(p)[1].clauses]
        assert a == b


def test_ids_unique_ascii(seed_files, govcn_dir):
    for p in list(seed_files.values()) + sorted(govcn_dir.glob("*.html")):
        ids = [c.id for c in _parse(p)[1].walk()]
        assert len(ids) == len(set(ids)), p
        assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids), p


def test_every_locked_id_is_still_produced(root):
    """Published ids never change: every id in source_texts/anchors.lock (5
    seeds, 6 laws) is produced again by parsing source_texts/, with the
    fingerprint of the text that was published."""
    lock = load_lock(root / "source_texts" / "anchors.lock")
    docs = {}
    for p in source_files(root / "source_texts"):
        n, res = _parse(p)
        docs[n.id] = {c.id: fingerprint(c.text) for c in res.walk()}
    assert len(lock) == 11 and set(lock) <= set(docs)
    checked = 0
    for doc, ids in lock.items():
        for cid, fp in ids.items():
            if fp.startswith(">"):
                continue
            assert docs[doc].get(cid) == fp, (doc, cid, fp, docs[doc].get(cid))
            checked += 1
    assert checked == 1021


def test_decimal_numbering_nests_by_printed_path(lawref_dir):
    """人体损伤程度鉴定标准 (lawrefbook 其他): 5.1 / 5.1.1 headings nest by their
    printed path (it parsed to 510 flat paragraphs before); ids d5-1-1."""
    path = next(lawref_dir.glob("其他/人体损伤程度鉴定标准*.md"))
    n, res = _parse(path)
    top = [c for c in res.clauses if c.kind == "decimal"]
    assert [c.id for c in top[:3]] == ["d5-1", "d5-2", "d5-3"]
    d511 = _find(res, "d5-1-1")
    assert d511.label == "5.1.1" and d511.text.startswith("5.1.1 重伤一级")
    assert d511 in _find(res, "d5-1").children
    a = _find(res, "d5-1-1-i1")
    assert a.text.startswith("a）植物生存状态") and a.label == "5.1.1 a）" and a.kind == "item"
    assert [c.id for c in d511.children] == [f"d5-1-1-i{k}" for k in range(1, 6)]
    decs = [c for c in res.walk() if c.kind == "decimal"]
    assert len(decs) == 90
    for c in decs:  # every decimal clause's children that are decimals extend its path
        for ch in c.children:
            if ch.kind == "decimal":
                assert ch.id.startswith(c.id + "-"), (c.id, ch.id)
    assert conserves(n.body, res.clauses)


def test_decimal_under_top_level_and_toc(govcn_dir):
    """govcn-041 (国家粮食应急预案): its table of contents (1 总则 … 7 附则) stays
    text; the body's 1 总则 > 1.1 > 1.2.1 nest; （1） under 1.4 is d1-4-i1."""
    n, res = _parse(govcn_dir / "govcn-041.html")
    assert _find(res, "title-p2").text == "1 总则"  # the table of contents
    d1 = _find(res, "d1")
    assert d1.text == "1 总则" and [c.id for c in d1.children] == ["d1-1", "d1-2", "d1-3", "d1-4"]
    assert [c.id for c in _find(res, "d1-2").children][-3:] == ["d1-2-1", "d1-2-2", "d1-2-3"]
    assert _find(res, "d1-4-i1").label == "1.4（1）"
    assert [c.id for c in res.clauses if c.kind == "decimal"] == [f"d{k}" for k in range(1, 8)]
    assert conserves(n.body, res.clauses)


def test_decimal_style_needs_two_decimal_lines(lawref_dir):
    """易制毒化学品管理条例: ``1．1—苯基—2—丙酮`` is a chemical name, not 1.1."""
    path = next(lawref_dir.glob("行政法规/易制毒化学品管理条例*.md"))
    _, res = _parse(path)
    assert not any(c.kind == "decimal" for c in res.walk())
    assert classify("1.1 编制目的", {"dec"}).style.name == "dec"
    assert classify("1.1 编制目的") is None  # gated: not active unless the document enables it


def test_table_of_contents_after_mulu(govcn_dir):
    """provincial-014 (江西省市场监督管理局2020年部门预算): the lines after 目录,
    mixing 第一部分 and 一、 entries, are text up to the body's 第一部分; the body
    then has its four parts once each (the TOC used to swallow part 1 and
    repeat parts 2 and 3 as part-2-b, part-3-b)."""
    n, res = _parse(govcn_dir.parent / "provincial" / "provincial-014.html")
    assert [c.id for c in res.clauses if c.kind == "part"] == ["part-1", "part-2", "part-3", "part-4"]
    assert _find(res, "part-1-s1").text == "一、部门主要职责"
    assert res.warnings == [] and conserves(n.body, res.clauses)


def test_numbered_attachments_on_one_line(lawref_dir):
    """交通警察道路执勤执法工作规范: ``附件1：查处酒后驾驶操作规程`` (number and
    title on one line, then its text, 附件2… later) starts attachment 1."""
    path = next(lawref_dir.glob("部门规章/公安部/交通警察道路执勤执法工作规范*.md"))
    _, res = _parse(path)
    atts = [c for c in res.clauses if c.kind == "attachment"]
    assert [c.id for c in atts][:2] == ["att1", "att2"]
    assert atts[0].text == "附件1：查处酒后驾驶操作规程"
    assert _find(res, "att1-s2-1").label == "附件1 二（一）"


def test_cover_note_items_and_enumerations(seed_files):
    """Seed 002's cover note, varied in a copy of its real text: numbered lines
    after its body line become items of that line (p2-1, p2-2); an inline
    一是…二是… in that line is split the same way; every other id is unchanged."""
    n = load_notice(seed_files["002"])
    base_ids = [c.id for c in parse_structure(n.body, n.kind, n.title).walk()]
    lines = n.body.split("\n")
    k = next(i for i, t in enumerate(lines) if t.startswith("《昆明市国家知识产权"))
    numbered = lines[:k + 1] + ["1.各地要认真组织实施。", "2.请于每年底报送进展情况。"] + lines[k + 1:]
    inline = lines[:k] + [lines[k] + "一是明确责任。二是加强督查。"] + lines[k + 1:]
    for body, kind, first in ((numbered, "subitem", "1.各地要认真组织实施。"), (inline, "enum", "一是明确责任。")):
        body = "\n".join(body)
        res = parse_structure(body, n.kind, n.title)
        got = {c.id: c for c in res.walk()}
        assert [c.id for c in got["p2"].children] == ["p2-1", "p2-2"]
        assert got["p2-1"].kind == kind and got["p2-1"].text == first
        assert got["p2-1"].label in ("通知正文 1", "通知正文，一是")
        assert got["p3"].label == "发文机关署名" and got["p4"].label == "成文日期"
        assert [i for i in got if i not in ("p2-1", "p2-2")] == base_ids
        assert conserves(body, res.clauses)


def test_labels_people_write(seed_files, root):
    """Labels as cited: 二（三）; 二、第四，二是 (seed 000); 第八十二条第二款 and
    第……条第一款第（一）项 (专利法); cover-note and closing lines by GB/T 9704
    element, never 第N段 (seeds 002, 003, 004; govcn-041's 文号 line)."""
    _, kun = _parse(seed_files["002"])
    assert [(c.id, c.label) for c in kun.clauses[:6]] == [
        ("doc-title", "标题"), ("p1", "主送机关"), ("p2", "通知正文"), ("p3", "发文机关署名"),
        ("p4", "成文日期"), ("p5", "附注")]
    assert _find(kun, "title-p1").label == "前言"
    _, yn = _parse(seed_files["000"])
    assert _find(yn, "s2-4-2").label == "二、第四，二是"
    _, cd = _parse(seed_files["004"])
    assert [_find(cd, f"p{k}").label for k in range(1, 7)] == [
        "前言", "附件说明", "发文机关署名", "发文机关署名", "成文日期", "附件说明"]
    law = next(p for p in source_files(root / "source_texts") if p.name.startswith("专利法"))
    _, pat = _parse(law)
    assert _find(pat, "art-82").label == "第八十二条"
    multi = next(c for c in pat.walk() if c.kind == "article" and any(ch.kind == "law-item" for ch in c.children)
                 and any(ch.id.startswith(c.id + "-p") for ch in c.children))
    item = next(ch for ch in multi.children if ch.kind == "law-item")
    assert item.label.startswith(multi.label + "第一款第（")
    for p in list(seed_files.values()):
        for c in _parse(p)[1].walk():
            assert c.label and not re.search(r"\d段", c.label), (p.name, c.id, c.label)
            assert not re.search(r"[一二三四五六七八九十] [第一二三四五六七八九十]", c.label), c.label


def test_marker_table_is_declared_once():
    """Every style names its nesting rule; rank styles say what they nest under;
    sequence styles a group; the table order puts 第X条 before 第X章 and （一） before （1）."""
    names = list(STYLES)
    assert names.index("art") < names.index("chapter") and names.index("pcn") < names.index("par")
    assert names.index("dec") < names.index("ar") and names.index("cn") < names.index("shi")
    for st in STYLES.values():
        assert st.nest in ("rank", "sequence", "path"), st.name
        assert (st.nest == "rank") == bool(st.under), st.name
        assert (st.nest == "sequence") == bool(st.group), st.name
    assert classify("第八十二条为了保护…").style.name == "art"
    assert classify("（十一）加强区域知识产权").n == 11
    assert classify("“第三条引用的条文") is None


def test_labels_on_every_govcn_page(govcn_dir):
    """On all 43 gov.cn pages: every clause has a label; cover-note lines and
    文号 lines are never 第N段; a 文号 line (国发〔2019〕5号) is 发文字号 and the
    date under the signature is 成文日期; no label writes Arabic 第2段."""
    n_roles = 0
    for p in sorted(govcn_dir.glob("*.html")):
        _, res = _parse(p)
        for c in res.walk():
            assert c.label, (p.name, c.id)
            assert not re.search(r"第\d+段", c.label), (p.name, c.id, c.label)
            if c.kind == "wrapper":
                assert not re.fullmatch(r"第.+段", c.label), (p.name, c.id, c.label)
        for c in res.clauses:
            if re.fullmatch(r"p\d+", c.id) and re.fullmatch(r"国[办]?[发函]〔\d{4}〕\d+号", c.text):
                assert c.label == "发文字号", (p.name, c.id)
                n_roles += 1
            if re.fullmatch(r"p\d+", c.id) and re.fullmatch(r"(\d{4}|[〇一二三四五六七八九○]{4})年.+日", c.text):
                assert c.label == "成文日期", (p.name, c.id)
    assert n_roles >= 20


# --- small synthetic cases for rules the seeds do not all show -------------

def test_repeated_number_suffix_and_warning():
    res = parse_structure("一、甲\n（一）乙。\n（二）丙。\n（二）丁。\n二、戊")
    ids = [c.id for c in res.walk()]
    assert ids == ["s1", "s1-1", "s1-2", "s1-2-b", "s2"]
    assert res.warnings and res.warnings[0][0] == 4 and "重复" in res.warnings[0][1]


def test_law_articles_paragraphs_items():
    body = "\n".join([
        "第一章总则",
        "第一条为了保护。",
        "第二条下列情形：",
        "（一）甲；",
        "（二）乙。",
        "前款规定的情形，依照本法处理：",
        "（一）丙；",
        "第二条之一本条是新增的。",
        "“第三条引用的条文不是结构。",
        "第二章附则",
        "第三条本法自公布之日起施行。",
    ])
    res = parse_structure(body, "law")
    got = [(c.id, c.label) for c in res.walk()]
    assert got == [
        ("ch-1", "第一章"), ("art-1", "第一条"), ("art-2", "第二条"),
        ("art-2-i1", "第二条第一款第（一）项"), ("art-2-i2", "第二条第一款第（二）项"),
        ("art-2-p2", "第二条第二款"), ("art-2-p2-i1", "第二条第二款第（一）项"),
        ("art-2-1", "第二条之一"), ("art-2-1-p2", "第二条之一第二款"),
        ("ch-2", "第二章"), ("art-3", "第三条"),
    ]
    assert conserves(body, res.clauses)


def test_inline_enumeration_only_when_increasing():
    res = parse_structure("一、甲\n要求：一是做好A。二是做好B。三是做好C。\n统一是原则，二是别的。")
    ids = [c.id for c in res.walk()]
    assert ids == ["s1", "s1-p1", "s1-p1-1", "s1-p1-2", "s1-p1-3", "s1-p2"]
    assert _find(res, "s1-p1").text == "要求："


def test_conservation_detects_loss():
    res = parse_structure("一、甲\n（一）乙\n（二）丙")
    assert conserves("一、甲\n（一）乙\n（二）丙", res.clauses)
    _find(res, "s1-2").text = "（二）"
    assert not conserves("一、甲\n（一）乙\n（二）丙", res.clauses)
    assert "第3行" in conservation_error("一、甲\n（一）乙\n（二）丙", res.clauses)


# --- whole corpora -------------------------------------------------------

def test_govcn_conservation(govcn_dir):
    files = sorted(govcn_dir.glob("*.html"))
    assert len(files) == 43
    total = 0
    for p in files:
        n, res = _parse(p)
        assert conservation_error(n.body, res.clauses) is None, p
        total += sum(1 for _ in res.walk())
    assert total > 1000


def test_provincial_conservation(govcn_dir):
    """The 20 jiangxi.gov.cn pages of ../shared/corpus/provincial conserve their bodies."""
    files = sorted((govcn_dir.parent / "provincial").glob("*.html"))
    assert len(files) == 20
    for p in files:
        n, res = _parse(p)
        assert conservation_error(n.body, res.clauses) is None, p
        ids = [c.id for c in res.walk()]
        assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids), p


ART_SRC = re.compile(r"^第[一二三四五六七八九十百千零〇两]+条(之[一二三四五六七八九十]+)?[ 　]")


@pytest.mark.slow
def test_lawrefbook_conservation_and_articles(lawref_dir):
    """Every file conserves its body; every article line of the source (第X条
    followed by the source's own space, at the start of a line) is an article."""
    files = sorted(p for p in lawref_dir.rglob("*.md") if p.name != "_index.md")
    assert len(files) > 3400
    t0 = time.time()
    n_clauses = n_articles = 0
    for p in files:
        n, res = _parse(p)
        assert conservation_error(n.body, res.clauses) is None, p
        clauses = list(res.walk())
        n_clauses += len(clauses)
        raw = p.read_text(encoding="utf-8").split("\n")
        end = next(i for i, l in enumerate(raw) if l.strip() == "<!-- INFO END -->")
        src = {i + 1 for i, l in enumerate(raw) if i > end and ART_SRC.match(l.strip())}
        got = {n.line_map[c.line - 1] for c in clauses if c.kind == "article"}
        assert src <= got, (p, sorted(src - got)[:5])
        n_articles += len(src)
        ids = [c.id for c in clauses]
        assert len(ids) == len(set(ids)), p
    print(f"lawrefbook: {len(files)} files, {n_clauses} clauses, {n_articles} articles, {time.time() - t0:.1f}s")
    assert n_articles > 140000


def _walk_by_recursion(clauses):
    for c in clauses:
        yield c
        yield from _walk_by_recursion(c.children)


def test_walk_visits_every_clause_once_in_reading_order(govcn_dir, lawref_dir):
    """``Notice.walk`` / ``Clause.walk`` (a stack, not a generator per level)
    give exactly the depth-first reading order, for every govcn2019 page and
    the lawrefbook laws of one folder (deep 编/章/节/条/款/项 trees)."""
    from build_tools.pipeline import load_documents

    files = sorted(govcn_dir.glob("*.htm*")) + sorted((lawref_dir / "宪法相关法").glob("*.md"))
    res = load_documents(files, require_sidecar=False)
    assert len(res.notices) >= 40
    deep = 0
    for n in res.notices:
        assert [id(c) for c in n.walk()] == [id(c) for c in _walk_by_recursion(n.clauses)]
        for c in n.clauses:
            assert [id(x) for x in c.walk()] == [id(x) for x in _walk_by_recursion([c])]
            deep += any(x.children for x in c.children)
    assert deep  # some trees are three levels deep or more


# ---------------------------------------------------------------- a new row

QI = MarkerStyle("qi", re.compile(r"^其([一二三四五六七八九十]+)[、，,]"), "sequence",
                 label=seq_label(lambda m: f"其{m.printed}"), kind=lambda p: "item", number=cn_marker,
                 group="qi", starts="其")
ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ"
ROMAN_ROW = MarkerStyle("roman", re.compile(rf"^([{ROMAN}])[.．、]\s*"), "sequence",
                        label=seq_label(lambda m: m.printed), kind=lambda p: "section",
                        number=lambda m: Marker(ROMAN.index(m.group(1)) + 1, m.group(1)), group="roman",
                        starts=ROMAN)


@pytest.fixture
def new_rows():
    register(QI, before="shi")
    register(ROMAN_ROW)
    yield
    unregister("qi")
    unregister("roman")


def test_a_new_marker_style_is_one_row(new_rows, seed_files):
    """「其一、其二」 and 「Ⅰ.」 rows, added to the table with no other edit, give
    clauses with ids, labels and nesting from the rows' attributes alone."""
    body = "\n".join([
        "Ⅰ.总体要求", "坚持保护优先。", "其一、加强行政保护。", "其二、强化司法保护。", "（一）完善审判机制。",
        "其三，推进协同保护。", "Ⅱ.保障措施", "一、加强组织领导。", "其一、明确分工。",
    ])
    res = parse_structure(body, "notice", "")
    got = [(c.id, c.label, c.kind) for c in res.walk()]
    assert got == [
        ("s1", "Ⅰ", "section"), ("s1-p1", "Ⅰ第一段", "paragraph"),
        ("s1-1", "Ⅰ其一", "item"), ("s1-2", "Ⅰ其二", "item"), ("s1-2-1", "Ⅰ其二（一）", "item"),
        ("s1-3", "Ⅰ其三", "item"),
        ("s2", "Ⅱ", "section"), ("s2-1", "Ⅱ一", "section"), ("s2-1-1", "Ⅱ一、其一", "item"),
    ], got
    assert conserves(body, res.clauses) and not res.warnings
    # a real seed whose lines never start with the new markers parses as before
    text = load_notice(seed_files["001"])
    with_rows = [(c.id, c.label) for c in parse_structure(text.body, text.kind, text.title).walk()]
    unregister("qi")
    unregister("roman")
    assert with_rows == [(c.id, c.label) for c in parse_structure(text.body, text.kind, text.title).walk()]


def test_engine_names_no_style():
    """Outside the marker table no code looks a row up or names one: the engine
    reads row attributes.  (A rank row's name is also the kind of frame it opens,
    ``frame``, which the engine knows as a frame kind: 款 lines belong to "art"
    frames; those names are left out.)"""
    src = Path(structure.__file__).read_text(encoding="utf-8")
    start = src.index("# ============================================================ MARKER STYLES")
    end = src.index("# ======================================================================", start)
    outside = src[src.index('"""', 3):start] + src[end:]  # after the module docstring
    assert "STYLES[" not in outside and ".name ==" not in outside
    frames = {st.frame for st in STYLES.values()}
    for name in set(STYLES) - frames:
        assert not re.search(rf"""["']{name}["']""", outside), name
