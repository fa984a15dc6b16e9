"""``iparchive redirects --suggest`` on a real seed renumbered in a tmp copy.

Seed 002 (昆明 工作方案) loses its section 三、工作进度 in a copy of
source_texts/ committed to a tmp git repository, and 四、工作要求 is
renumbered 三: the published ids s4, s4-1 … vanish.  The suggestions must map
them to their new ids (s4-1 → s3-1 by fingerprint, s4 → s3 by text
similarity against the committed version), leave what has no counterpart as
a comment, and be YAML that, pasted into redirects.yml, clears the lock gate's
errors for every suggested id.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from build_tools import cli
from build_tools.permanence.anchors import check_anchors, fingerprint, load_lock, load_redirects
from build_tools.pipeline import load_documents, source_files
from build_tools.permanence.renumber import suggest_redirects

SEED = "002_f819ad9b31b3e7a6.txt"
DOC = "kunming-2022-4dd4de"


@pytest.fixture()
def renumbered(tmp_path, root):
    src = tmp_path / "source_texts"
    shutil.copytree(root / "source_texts", src)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for cmd in (["init", "-q"], ["add", "source_texts"], ["commit", "-q", "-m", "published"]):
        subprocess.run(["git", "-C", str(tmp_path), *cmd], check=True, env=env, capture_output=True)
    f = src / SEED
    lines = f.read_text(encoding="utf-8").split("\n")
    start = next(i for i, t in enumerate(lines) if t.strip().startswith("三、") and "工作进度" in t)
    end = next(i for i, t in enumerate(lines) if t.strip().startswith("四、") and "工作要求" in t)
    lines[end] = lines[end].replace("四、", "三、", 1)
    f.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
    return tmp_path


def test_suggest_maps_renumbered_seed(renumbered, capsys):
    assert cli.main(["--root", str(renumbered), "redirects", "--suggest"]) == 0
    out = capsys.readouterr().out
    entries = yaml.safe_load(out)
    assert entries == {DOC: {"s4": "s3", "s4-1": "s3-1", "s4-2": "s3-2", "s4-3": "s3-3"}}
    assert "s4-1: s3-1    # 指纹相同" in out and "s4: s3    # 文字相似度" in out
    # what has no counterpart is a comment for a human, not an entry
    assert "# s3-4: ?" in out and "# s3-p1: ?" in out
    # pasted into redirects.yml, the suggestions clear the gate for every id they map
    src = renumbered / "source_texts"
    (src / "redirects.yml").write_text(out, encoding="utf-8")
    notices = load_documents(source_files(src)).notices
    rep = check_anchors(notices, load_lock(src / "anchors.lock"), load_redirects(src / "redirects.yml"))
    assert sorted(e.clause_id for e in rep.errors) == ["s3-4", "s3-p1"]


def test_fingerprints_alone_without_history(renumbered):
    """Without the committed text (no git history), only fingerprint matches are proposed."""
    src = renumbered / "source_texts"
    notices = load_documents(source_files(src)).notices
    got = suggest_redirects(notices, load_lock(src / "anchors.lock"), {})
    mapped = {s.old: s.new for s in got if s.new}
    assert mapped == {"s4-1": "s3-1", "s4-2": "s3-2", "s4-3": "s3-3"}
    assert {s.old for s in got if s.new is None and not s.exists} == {"s4", "s3-4", "s3-p1"}


def test_nothing_to_suggest_on_the_archive(root, capsys):
    """The real archive: every locked id is still produced, nothing to suggest."""
    assert cli.main(["--root", str(root), "redirects", "--suggest"]) == 0
    out = capsys.readouterr().out
    assert "无需重定向" in out and yaml.safe_load(out) is None


def test_parser_change_maps_by_fingerprint(govcn_dir):
    """govcn-041 (国家粮食应急预案): before decimal numbering was declared, its
    （1）（2）（3） under 1.4 工作原则 were published as s1, s2, s3 and its heading
    1.1 as title-p31; the same texts are now d1-4-i1 … and d1-1.  (All 124
    vanished ids of that document map this way, measured with the old parser.)"""
    n = load_documents([govcn_dir / "govcn-041.html"]).notices[0]
    now = {c.id: c.text for c in n.walk()}
    assert now["d1-1"] == "1.1 编制目的及依据"
    lock = {n.id: {"s1": fingerprint(now["d1-4-i1"]), "s2": fingerprint(now["d1-4-i2"]),
                   "s3": fingerprint(now["d1-4-i3"]), "title-p31": fingerprint(now["d1-1"]),
                   "title-p3": fingerprint(now["title-p3"])}}
    # title-p3 is 1.1 编制目的及依据 in the table of contents: the same text, still
    # published under its own id, so it is not a candidate
    got = suggest_redirects([n], lock, {})
    assert [(s.old, s.new, s.reason) for s in got] == [
        ("s1", "d1-4-i1", "指纹相同"), ("s2", "d1-4-i2", "指纹相同"), ("s3", "d1-4-i3", "指纹相同"),
        ("title-p31", "d1-1", "指纹相同")]
