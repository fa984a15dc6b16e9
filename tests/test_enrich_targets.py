"""Quantitative targets pinned on the real seeds; negatives from real text."""
from __future__ import annotations

import pytest

from build_tools.enrich.targets import find_targets, normalise_indicator
from factories import notice_with
from support.loaders import load


@pytest.fixture(scope="module")
def seeds(seed_files):
    return {k: load(p) for k, p in seed_files.items()}


def rows(notice):
    return [(t.clause_id, t.indicator, t.value, t.unit, t.year, t.qualifier) for t in find_targets(notice)]


def test_target_indicator_value_unit_and_goal_year(seeds):
    """Seed 002 (昆明): five targets under 到2025年, 万 multiplied out (32万件)."""
    assert rows(seeds["002"]) == [
        ("s1-1", "每万人口高价值发明专利拥有量", 12.0, "件", "2025", ""),
        ("s1-1", "有效注册商标", 320000.0, "件", "2025", ""),
        ("s1-1", "注册和登记的地理标志", 30.0, "件", "2025", ""),
        ("s1-3", "专利密集型产业增加值占GDP比重", 15.0, "%", "2025", ""),
        ("s1-3", "版权产业增加值占GDP比重", 5.0, "%", "2025", ""),
    ]
    t = find_targets(seeds["002"])[1]
    assert t.text == "有效注册商标拥有量达到32万件"


def test_targets_of_one_sentence_share_its_year(seeds):
    """Seed 001 (吉林): five targets in the 到2022年 sentence, units 所/家/件."""
    assert rows(seeds["001"]) == [
        ("s1-p2", "知识产权示范学校", 100.0, "所", "2022", ""),
        ("s1-p2", "知识产权优势示范企业", 500.0, "家", "2022", ""),
        ("s1-p2", "高价值发明专利", 1000.0, "件", "2022", ""),
        ("s1-p2", "有效注册商标", 250000.0, "件", "2022", ""),
        ("s1-p2", "地理标志商标", 90.0, "件", "2022", ""),
    ]


def test_qualifiers_and_yearly_targets_without_a_year(seeds):
    """Seed 003 (云南 2015): 以上 qualifiers, 年均/每年 targets carry no year."""
    got = rows(seeds["003"])
    assert got[:10] == [
        ("s1-2-2-p1", "年专利申请量", 20000.0, "件", "2020", "以上"),
        ("s1-2-2-p1", "每万人口发明专利拥有量", 1.9, "件", "2020", "以上"),
        ("s1-2-2-p1", "新增注册商标", 55000.0, "件", "2020", ""),
        ("s1-2-2-p1", "新增地理标志商标", 36.0, "件", "2020", ""),
        ("s1-2-2-p1", "新增地理标志保护产品", 20.0, "个", "2020", ""),
        ("s1-2-2-p1", "新增中国驰名商标", 35.0, "件", "2020", ""),
        ("s1-2-2-p1", "新增云南省著名商标", 500.0, "件", "2020", "以上"),
        ("s1-2-2-p1", "年均作品登记", 400.0, "件", None, "以上"),
        ("s1-2-2-p1", "每年登记注册植物新品种", 30.0, "个", None, "以上"),
        ("s2-3-p7", "海关总署备案的知识产权", 50.0, "项", "2020", ""),
    ]
    # 每年组织实施重大科技项目100个，突破关键核心技术100项… (recurring, no year)
    rest = got[10:]
    assert rest[0] == ("s2-4-p2", "每年重大科技项目", 100.0, "个", None, "")
    assert all(r[0] == "s2-4-p2" and r[1].startswith("每年") and r[4] is None for r in rest)
    assert len(rest) == 6


def test_view_counts_dates_and_addresses_are_no_targets(seeds):
    """Seeds 004 and 000 state no targets."""
    # 004 carries 2111 次浏览, 2023年3月22日, 820559323@qq.com, 致民东路6号
    assert rows(seeds["004"]) == [] and rows(seeds["000"]) == []


def test_numbers_in_a_goal_context_that_are_no_targets():
    """Phone numbers, order numbers, fines, past statistics and e-mail addresses
    beside 到2025年 are not targets; a bare number without a goal context neither."""
    # every line has a 到2025年 context, only the last states a target
    n = notice_with(
        "到2025年，2111 次浏览，联系电话：028-61881234，地址：成都市武侯区致民东路6号。\n"
        "到2025年，依据第706号令第十条，2022年9月29日印发，共20个工作日。\n"
        "到2025年，给予最高50万元奖励，违法所得5万元以上的处以罚款。\n"
        "到2025年，2003年全国城市污水处理率达到42%。\n"
        "到2025年，邮箱820559323@qq.com，第二十五次集体学习，一个枢纽、两个园区。\n"
        "到2025年，有效发明专利拥有量达到3000件以上。"
    )
    assert rows(n) == [("p6", "有效发明专利", 3000.0, "件", "2025", "以上")]
    # without any 到20XX年/目标 context a bare number is no target
    assert rows(notice_with("有效发明专利拥有量达到3000件以上。")) == []


def test_laws_state_no_targets(lawref_dir):
    """lawrefbook 刑法: thresholds (数额…以上, 罚金) are not targets."""
    # 刑法 is full of 数额…以上 / 罚金 thresholds
    assert find_targets(load(lawref_dir / "刑法/刑法.md")) == []


def test_normalise_indicator_groups_regions(seeds):
    """Seeds 002 and 001 name 有效注册商标 differently; one indicator."""
    assert normalise_indicator("每万人发明专利拥有量达到") == "每万人口发明专利拥有量"
    assert normalise_indicator("全省年专利申请量") == "年专利申请量"
    assert normalise_indicator("培育知识产权示范学校") == "知识产权示范学校"
    assert normalise_indicator("占地区生产总值的比重") == "占GDP比重"
    # 有效注册商标 groups Kunming's 拥有量 with Jilin's plain count
    km = {t.indicator for t in find_targets(seeds["002"])}
    jl = {t.indicator for t in find_targets(seeds["001"])}
    assert "有效注册商标" in km & jl
