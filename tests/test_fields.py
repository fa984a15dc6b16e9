"""Metadata fields declared once (issue 24, item 2): ``build_tools/model/fields.py``.

(a) a new field (主题词, read from govcn2019's metadata tables) is one declaration and one
decider, and shows up in the sidecar's keys, the card, explain, archive.json and the feed;
(b) for every field, a sidecar value is reported as the sidecar's (provenance, basis, explain's
origin, the card's （校订） mark, the 说明 note of a noted field);
(c) the metadata stage decides the same values as before its split into one decider per
field, on every real document (``tests/data/fields-golden.json``, made by
``tests/support/fields_golden.py`` from the code before the split).
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from build_tools.ingest import metadata, sidecar
from build_tools.ingest.metadata import extract, load_notice
from build_tools.model import checks, fields
from build_tools.model.fields import explain, metadata_record
from build_tools.ingest.read import read_file
from build_tools.render import exports, feed
from build_tools.render.common import ThemeIndex
from build_tools.render.pages import card_rows
from support import fields_golden as golden

ROOT = golden.ROOT

GOLDEN = json.loads(golden.GOLDEN.read_text(encoding="utf-8"))
DOCS = golden.documents()


def test_golden_covers_every_real_document():
    names = {name for name, _, _ in DOCS}
    assert names == set(GOLDEN), sorted(names ^ set(GOLDEN))[:10]
    for folder, least in (("seeds/", 5), ("govcn2019/", 43), ("provincial/", 20), ("sites2/", 40),
                          ("source_texts/", 11), ("lawrefbook/", 50)):
        assert sum(n.startswith(folder) for n in names) >= least, folder


# the deliberate changes: a law's region names where it was read (it had no provenance); a value the sidecar set is now reported as the sidecar's for every
# field (before, 施行日期 of the four law sidecars kept the 法律题注 line it replaced)
NEWLY_REPORTED = {"date_effective", "forwarded", "kind"}


@pytest.mark.parametrize("name,path,side", DOCS, ids=[d[0] for d in DOCS])
def test_every_value_as_before_the_split(name, path, side):
    now = golden.decide(path, side)
    before = GOLDEN[name]
    for key in NEWLY_REPORTED:
        if now["basis"].get(key) == "sidecar":
            assert now["provenance"][key].startswith("sidecar "), (name, key)
            now["provenance"].pop(key)
            before["provenance"].pop(key, None)
    if now["kind"] == "law" and "region" not in before["provenance"]:  # a law's region now names its source
        assert now["provenance"].pop("region")
    diff = {k: (before.get(k), now.get(k)) for k in set(before) | set(now) if before.get(k) != now.get(k)}
    assert not diff, f"{name}: {diff}"


# ---------------------------------------------------------------- helpers

SEED = ROOT / "source_texts" / "001_66fb874b3fbac559.txt"
GOVCN = golden.shared_dir() / "corpus" / "govcn2019"


def _card(n):
    """(label, html, marked field key) rows of ``n``'s metadata card."""
    return card_rows(n, {"page": "notices/x.md", "themes": ThemeIndex([])})


def _explained(n) -> dict:
    return {e.label: e for e in explain(n)}


# ------------------------------------- (a) a new field: one declaration + one decider

SUBJECT = re.compile(r"[\s△]+")


@pytest.fixture
def subject_terms():
    """主题词, declared the way ARCHITECTURE.md says: one Field, one decider; removed after."""
    f = fields.register(fields.Field("subject_terms", "主题词", "subject_terms", checks.organs,
                                     parse=lambda v: [v] if isinstance(v, str) else list(v), show="、".join,
                                     export="subject_terms", to_json=list, feed=True,
                                     json_type={"type": "array", "items": {"type": "string"}}), 4.5)

    @metadata.decider("subject_terms", 4)
    def decide_subject_terms(r):
        d = next((d for d in r.decl if d.field == "keywords" and "主题词" in d.source), None)
        if d is not None:
            r.prov["subject_terms"] = d.source
            r.decide("subject_terms", [w for w in SUBJECT.split(d.value) if w])

    yield f
    fields.FIELDS.deregister("subject_terms")
    metadata.DECIDERS.deregister("subject_terms")


def test_a_new_field_shows_up_everywhere_from_its_declaration(subject_terms, tmp_path):
    """govcn-021's metadata table prints 主题词 经济管理考察措施函: with only the declaration and
    the decider above, it is in the record, the card, explain, archive.json and its schema, the
    feed, the sidecar's keys and the sidecar `add` writes."""
    n = load_notice(GOVCN / "govcn-021.html")
    assert n.extra["subject_terms"] == ["经济管理考察措施函"]
    assert ("主题词", "经济管理考察措施函", "subject_terms") in _card(n)
    e = _explained(n)["主题词"]
    assert (e.value, e.origin) == ("经济管理考察措施函", "页面") and e.where.startswith("元数据表“主题词”")
    assert metadata_record(n)["subject_terms"] == ["经济管理考察措施函"]
    assert exports.json_schema()["$defs"]["document"]["properties"]["subject_terms"]["type"] == "array"
    assert "经济管理考察措施函" in feed.atom([n]).decode("utf-8")
    # a document whose page prints none: no row, an empty explain line
    other = load_notice(GOVCN / "govcn-001.html")
    assert "subject_terms" not in other.extra and all(label != "主题词" for label, _, _ in _card(other))
    assert _explained(other)["主题词"].value == ""
    # the sidecar: a known key with its check, applied and reported as the sidecar's
    side = sidecar.parse_sidecar(tmp_path / "x.yml", "id: x-1\nsubject_terms: [专利, 质押]\n")
    assert sidecar.validate(side) == []
    bad = sidecar.parse_sidecar(tmp_path / "x.yml", "id: x-1\nsubject_terms: {a: 1}\n")
    assert [line for line, _ in sidecar.validate(bad)] == [2]
    sidecar.apply_sidecar(n, side)
    assert n.extra["subject_terms"] == ["专利", "质押"] and n.basis["subject_terms"] == "sidecar"
    assert "subject_terms: [专利, 质押]" in sidecar.dump_sidecar(n, [])


def test_without_the_declaration_the_key_is_unknown(tmp_path):
    side = sidecar.parse_sidecar(tmp_path / "x.yml", "id: x-1\nsubject_terms: 专利\n")
    assert any("未知字段" in msg for _, msg in sidecar.validate(side))


def test_site_tags_are_a_declared_field_on_the_real_pages():
    """网站标签 (issue 30's tags a site puts on a heading) is a declared field with its decider: on
    every golden document its value is the record's ``site_tags`` export, the card row, the
    explain line (from the page) and the archive's schema follow from the declaration; a
    document without tags has no row, a null export and an empty explain line."""
    f = fields.FIELDS["site_tags"]
    assert f.label == "网站标签" and f.sidecar is None and f.card and f.explain and f.export == "site_tags"
    assert "site_tags" in metadata.DECIDERS
    schema = exports.json_schema()["$defs"]["document"]["properties"]["site_tags"]
    assert schema["type"] == ["array", "null"]
    tagged = 0
    for name, path, side in DOCS:
        if not name.startswith(("sites2/", "attachments/", "govcn2019/", "provincial/")):
            continue
        n = extract(read_file(path))
        tags = n.extra.get("site_tags")
        row = [html for label, html, key in _card(n) if label == "网站标签"]
        e = _explained(n)["网站标签"]
        assert metadata_record(n)["site_tags"] == (tags or None) == GOLDEN[name]["site_tags"], name
        if tags:
            tagged += 1
            assert all(f"【{t}】" in row[0] for t in tags) and e.value == f.show(tags) and e.origin == "页面", name
            assert not any(t in n.title for t in tags), name
        else:
            assert row == [] and e.value == "", name
    assert tagged == sum(1 for v in GOLDEN.values() if v.get("site_tags")) >= 3  # sites2-001, -013, attachments/013


# ------------------------------- (b) every sidecar value is reported as the sidecar's

# a value for every sidecar key of a declared field, each unlike what seed 001 prints
CURATED = {"title": "测试：编辑校订的标题", "issuer": ["测试省人民政府"], "doc_number": "测政发〔2001〕1号",
           "date_written": "2001-02-03", "date_published": "2001-02-04", "region": "海南省", "year": 2001,
           "doc_type": "决定", "status": "草案", "source_url": "https://example.gov.cn/a.html",
           "date_effective": "2001-03-01", "forwarded_title": "测试实施方案", "kind": "law"}


def test_every_sidecar_key_of_a_field_is_covered():
    assert set(CURATED) == {f.sidecar for f in fields.FIELDS if f.sidecar}


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    """Seed 001 with a sidecar that sets every field."""
    d = tmp_path_factory.mktemp("curated")
    src = d / SEED.name
    shutil.copy(SEED, src)
    side = {"id": "curated-1", **CURATED}
    src.with_suffix(".yml").write_text(yaml.safe_dump(side, allow_unicode=True), encoding="utf-8")
    return load_notice(src), load_notice(src, use_sidecar=False)


@pytest.mark.parametrize("f", [f for f in fields.FIELDS if f.sidecar], ids=lambda f: f.key)
def test_a_sidecar_value_is_reported_as_the_sidecars(curated, f):
    n, plain = curated
    assert not f.same(f.get(plain), f.parse(CURATED[f.sidecar])), "the test value must differ from the text's"
    assert f.same(f.get(n), f.parse(CURATED[f.sidecar]))
    assert n.basis[f.key] == "sidecar"
    assert n.provenance[f.key].startswith(f"sidecar {SEED.stem}.yml"), n.provenance[f.key]
    if f.explain:
        e = _explained(n)[f.label]
        assert e.origin == "侧文件" and e.where.startswith("sidecar") and e.basis == "人工核定（sidecar）", e
    if f.card:
        assert f.key in {key for _, _, key in _card(n)}, "the card marks it （校订）"
    if f.noted:
        assert any(f.label in note and f.show(f.get(n)) in note for note in n.notes), n.notes


def test_explain_names_the_sidecar_on_the_command_line(curated, tmp_path):
    src = tmp_path / SEED.name
    shutil.copy(SEED, src)
    src.with_suffix(".yml").write_text(yaml.safe_dump({"id": "curated-1", **CURATED}, allow_unicode=True),
                                       encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "build_tools.cli", "parse", "--explain", str(src)],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    for f in fields.FIELDS:
        if f.explain and f.sidecar:
            block = out.split(f"\n{f.label}", 1)[1].split("\n", 2)[:2]
            assert "［来自侧文件］" in block[1] and "sidecar" in block[1], (f.label, block)


# ------------------------------------------------ origins over every real document

@pytest.mark.parametrize("name,path,side", DOCS, ids=[d[0] for d in DOCS])
def test_every_explained_value_names_a_known_origin(name, path, side):
    n = load_notice(path) if side else extract(read_file(path))
    for e in explain(n):
        if e.value:
            assert e.origin in fields.ORIGINS, (name, e)


# ------------------------------------------------ no function too long to read

LIMIT_LINES, LIMIT_BRANCHES = 100, 40
MODULES = ("build_tools/ingest/metadata.py", "build_tools/ingest/sidecar.py", "build_tools/model/fields.py",
           "build_tools/model/checks.py")


def _branch_points(fn: ast.AST) -> int:
    n = 0
    for node in ast.walk(fn):
        if isinstance(node, (ast.If, ast.For, ast.While, ast.IfExp, ast.ExceptHandler, ast.Assert, ast.match_case)):
            n += 1
        elif isinstance(node, ast.BoolOp):
            n += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            n += 1 + len(node.ifs)
    return n


def test_no_function_over_100_lines_or_40_branch_points():
    too_big = []
    for rel in MODULES:
        for node in ast.walk(ast.parse((ROOT / rel).read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines, branches = node.end_lineno - node.lineno + 1, _branch_points(node)
                if lines > LIMIT_LINES or branches > LIMIT_BRANCHES:
                    too_big.append((rel, node.name, lines, branches))
    assert not too_big


def test_the_branch_count_sees_branches():
    src = "def f(x):\n    if x and x > 1:\n        return [y for y in x if y]\n    return 1 if x else 2\n"
    assert _branch_points(ast.parse(src).body[0]) == 5  # if, and, for, its if, the conditional
