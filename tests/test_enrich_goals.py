"""Goals and work phases pinned on the real seeds."""
from __future__ import annotations

import pytest

from build_tools.enrich.goals import find_goals
from factories import notice_with
from support.loaders import load


@pytest.fixture(scope="module")
def seeds(seed_files):
    return {k: load(p) for k, p in seed_files.items()}


def rows(notice):
    return [(g.clause_id, g.kind, g.start, g.end) for g in find_goals(notice)]


def test_goal_sentence_and_work_phases_by_month(seeds):
    """Seed 002 (昆明): 到2025年… is a goal with its sentence; （一）启动培育阶段（2022年7—12月）
    and the next three stages are phases with month ranges."""
    assert rows(seeds["002"]) == [
        ("s1-p1", "goal", "2025", None),
        ("s3-1", "phase", "2022-07", "2022-12"),
        ("s3-2", "phase", "2023-01", "2023-12"),
        ("s3-3", "phase", "2024-01", "2024-12"),
        ("s3-4", "phase", "2025-01", "2025-06"),
    ]
    g = find_goals(seeds["002"])
    assert g[0].text == "到2025年，将昆明市打造成为面向南亚东南亚的知识产权强市。"
    assert g[1].text.startswith("（一）启动培育阶段（2022年7—12月）")


def test_phases_of_an_attached_draft_and_no_goal_from_the_comment_period(seeds):
    """Seed 004 (成都 征求意见稿): the attached plan's goal and five phases; the
    comment period (2023年3月22日至…) and the plan years in its title are no goals."""
    assert rows(seeds["004"]) == [
        ("att1-s2-p1", "goal", "2025-04", None),
        ("att1-s4-1", "phase", "2023-03", "2023-04"),
        ("att1-s4-2", "phase", "2023-05", "2024-06"),
        ("att1-s4-3", "phase", "2024-06", "2024-07"),
        ("att1-s4-4", "phase", "2024-08", "2025-03"),
        ("att1-s4-5", "phase", "2025-04", "2025-04"),
    ]
    texts = [g.text for g in find_goals(seeds["004"])]
    assert texts[1].startswith("（一）任务部署。2023年3月—2023年4月，印发")
    # the comment period 2023年3月22日至2022年3月28日 and (2023-2025年) are no goals
    assert not any("征求" in t for t in texts)


def test_goal_years_per_clause_and_none_in_an_interpretation(seeds):
    """Seeds 001 (吉林: 2022 and 2025 in one clause), 003 (云南 2015: 力争2020年…)
    and 000 (a 政策解读 states no goal)."""
    assert rows(seeds["001"]) == [("s1-p2", "goal", "2022", None), ("s1-p2", "goal", "2025", None)]
    assert rows(seeds["003"]) == [
        ("s1-2-1-p1", "goal", "2020", None),
        ("s1-2-2-p1", "goal", "2020", None),
        ("s2-3-p7", "goal", "2020", None),  # 力争2020年我省在海关总署备案…
    ]
    assert rows(seeds["000"]) == []


def test_goal_forms_and_dates_that_are_no_goals():
    """力争到2025年底, 于2019年3月底前, 第一阶段（2019—2020年) are goals/phases;
    a wage claim period, a signature date, a plan's title years (as in seed
    003's 行动计划（2014-2020年）) and a past quarter are not."""
    n = notice_with(
        "力争到2025年底，建成示范区。\n"
        "各地要于2019年3月底前制定实施方案。\n"
        "第一阶段（2019—2020年），开展试点。\n"
        "请求裁决某公司支付2020年6月至12月加班费24000元。\n"
        "2022年9月29日\n"
        "行动计划（2014-2020年）的实施意见。\n"
        "2018年前三季度，全省专利申请量增长。"
    )
    assert rows(n) == [
        ("p1", "goal", "2025", None),
        ("p2", "goal", "2019-03", None),
        ("p3", "phase", "2019", "2020"),
    ]
