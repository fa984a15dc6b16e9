"""Issue 2: reading raw notices into Notice records with trustworthy metadata."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from build_tools.cli import EXIT_NOTHING_DONE
from build_tools.docnumber import display_doc_number, normalise_doc_number
from build_tools.ingest.metadata import load_notice, missing_fields, parse_date, same_doc_number
from build_tools.pipeline import load_documents, source_files
from build_tools.ingest.clean import furniture_reason
from build_tools.ingest.read import normalise_line, read_file
from support.loaders import manifest_rows
from conftest import ROOT, SEED_FILES, SHARED

IPARCHIVE = [sys.executable, "-m", "build_tools.cli"]


# --------------------------------------------------------------- the seeds

SEED_EXPECTED = {
    "000": dict(title="云南省推进知识产权保护工作政策解读", issuer=[], date=None, year=2021, date_basis="inferred",
                region=("云南省", "530000"), chain=["云南省"], doc_type="解读", status="解读"),
    "001": dict(title="关于推进知识产权强省建设的实施意见", issuer=[], date=None, year=2020, date_basis="inferred",
                region=("吉林省", "220000"), chain=["吉林省"], doc_type="实施意见", status="正式"),
    "002": dict(title="昆明市人民政府办公室关于印发昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）的通知",
                issuer=["昆明市人民政府办公室"], date="2022-09-29", year=2022, date_basis="printed",
                region=("昆明市", "530100"), chain=["云南省", "昆明市"], doc_type="工作方案", status="正式"),
    "003": dict(title="贯彻深入实施国家知识产权战略行动计划（2014-2020年）的实施意见", issuer=["云南省人民政府办公厅"],
                date="2015-10-09", year=2015, date_basis="printed", region=("云南省", "530000"), chain=["云南省"],
                doc_type="实施意见", status="正式"),
    "004": dict(title="成都市知识产权工作领导小组办公室关于对《成都市建设国家知识产权保护示范区实施方案（2023-2025年）（征求意见稿）》公开征求意见的通知",
                issuer=["成都市知识产权工作领导小组办公室"], date="2023-03-22", year=2023, date_basis="printed",
                region=("成都市", "510100"), chain=["四川省", "成都市"], doc_type="实施方案", status="征求意见稿"),
}


@pytest.mark.parametrize("key", sorted(SEED_EXPECTED))
def test_seed_records(key):
    n = load_notice(SEED_FILES[key])
    exp = SEED_EXPECTED[key]
    assert n.title == exp["title"]
    assert n.issuer == exp["issuer"]
    assert n.date_written == exp["date"]
    assert n.year == exp["year"]
    assert n.date_basis == exp["date_basis"]
    assert (n.region.name, n.region.code) == exp["region"]
    assert n.region.names == exp["chain"]
    assert n.doc_type == exp["doc_type"]
    assert n.status == exp["status"]
    assert n.source_file == SEED_FILES[key].name
    assert n.id and n.basis["id"] == "sidecar"


def test_wrappers_record_both_documents():
    km = load_notice(SEED_FILES["002"])
    assert km.forwarded.title == "昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）"
    assert (km.forwarded.doc_type, km.forwarded.wrapper_type, km.forwarded.action) == ("工作方案", "通知", "印发")
    yn = load_notice(SEED_FILES["003"])
    assert yn.forwarded.action == "转发" and yn.issuer == ["云南省人民政府办公厅"]
    cd = load_notice(SEED_FILES["004"])
    assert cd.forwarded.title == "成都市建设国家知识产权保护示范区实施方案（2023-2025年）（征求意见稿）"
    assert cd.date_published == "2023-03-22"


def test_furniture_is_stripped_visibly():
    cd = load_notice(SEED_FILES["004"])
    stripped = [s.text for s in cd.stripped]
    for junk in ("在线留言", "返回首页", "热点资讯", "Empower enterprises and help them grow"):
        assert junk in stripped
        assert junk not in cd.body
    assert any("2111 次浏览" in s for s in stripped)
    assert "分享到" not in cd.body and "次浏览" not in cd.body
    # the page title above the 来源 bar stays (it is the document's title)
    assert cd.body.startswith("成都市知识产权工作领导小组办公室关于对《")
    jl = load_notice(SEED_FILES["001"])
    assert "[/s2/]" not in jl.body and any(s.text == "[/s2/]" and s.line == 17 for s in jl.stripped)
    assert jl.source_url == "http://www.jxjgzhdj.cn/jlxw/381.html"
    assert not any(line.startswith(("来源", "标题", "地址")) for line in jl.body.split("\n"))
    # no text other than furniture is lost: every non-blank source line is in the body or stripped
    for key, path in SEED_FILES.items():
        n = load_notice(path)
        kept = set(n.body.split("\n")) | {s.text for s in n.stripped}
        for raw in path.read_text(encoding="utf-8").split("\n"):
            s = normalise_line(raw)
            if s and "[/s2/]" not in s:
                assert s in kept, (key, s)


def test_normalisation_of_punctuation_and_spaces():
    assert normalise_line("\u3000\u3000二、 工作目标 ") == "二、工作目标"
    assert normalise_line("(1)完善知识产权法律政策建设,加快建设") == "（1）完善知识产权法律政策建设，加快建设"
    assert normalise_line("地址:http://www.example.cn/a.html") == "地址：http://www.example.cn/a.html"
    assert normalise_line("１２件ＰＣＴ") == "12件PCT"
    assert normalise_line("10:30 at 3.5") == "10:30 at 3.5"  # no Chinese: untouched


def test_doc_numbers_and_dates():
    assert normalise_doc_number("豫政 [2008] 59号") == "豫政〔2008〕59号"
    assert normalise_doc_number("厅函[2020]6号") == "厅函〔2020〕6号"
    assert normalise_doc_number("国发（2014）6号") == "国发〔2014〕6号"
    assert normalise_doc_number("国办发〔 1988〕 12号") == "国办发〔1988〕12号"
    assert normalise_doc_number("中华人民共和国国务院令 第706号") == "国务院令第706号"
    assert normalise_doc_number("国令第706号") == "国务院令第706号"  # the key references match on
    assert display_doc_number("国令第707号") == "国令第707号"  # shown as printed
    assert display_doc_number("豫政 [2008] 59号") == "豫政〔2008〕59号"
    assert parse_date("二〇一五年十月九日") == "2015-10-09"
    assert parse_date("2019年01月27日") == "2019-01-27"
    assert parse_date("发布时间: 2023-03-22") == "2023-03-22"
    assert parse_date("2023年13月1日") is None


# ----------------------------------------------------------- real corpora

def test_govcn_metadata_matches_manifest(govcn_dir, capsys):
    rows = manifest_rows(govcn_dir)
    assert len(rows) == 43
    out = subprocess.run(IPARCHIVE + ["parse", "--json", "--no-clauses"] + [str(govcn_dir / r["file"]) for r in rows],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    records = {r["source_file"]: r for r in map(json.loads, out.splitlines())}
    exact, misses = 0, []
    for r in rows:
        got = records[r["file"]]
        fields = {"title": (got["title"], r["title"]), "issuer": ("、".join(got["issuer"]), r["issuer"]),
                  "doc_number": (got["doc_number"] or "", r["doc_number"]),
                  "date_written": (got["date_written"] or "", r["written"])}
        bad = {k: v for k, v in fields.items() if v[0] != v[1]}
        if bad:
            misses.append((r["file"], bad))
        else:
            exact += 1
        assert got["region"]["name"] == "全国" and got["region"]["code"] == "100000"
        assert got["date_published"] == r["published"]
    with capsys.disabled():
        print(f"\ngovcn2019 metadata: {exact}/43 exact (title, issuer, 文号, 成文日期); misses: {misses}")
    assert exact >= 42, misses


@pytest.mark.slow
def test_every_lawrefbook_file_parses(lawref_dir, capsys):
    files = sorted(lawref_dir.rglob("*.md"))
    assert len(files) == 3472
    res = load_documents(files, structure=False)
    skipped = [p for p in res.problems if p.level == "error"]
    # the only files that are not documents are Hugo section indexes
    assert all(Path(p.file).name == "_index.md" and "栏目索引" in p.message for p in skipped)
    assert len(skipped) == len([f for f in files if f.name == "_index.md"]) == 27
    dups = [p for p in res.problems if p.level == "warning" and "重复文件" in p.message]
    assert len(dups) == 3  # the same law filed under two categories
    assert len(res.notices) == 3445 - len(dups)
    assert all(n.title for n in res.notices)
    undated = [n for n in res.notices if not n.date]
    for n in undated:  # reported, not guessed
        assert n.year is None and "date_written" in missing_fields(n)
        assert "(" not in n.source_file or not any(ch.isdigit() for ch in n.source_file.split("(")[-1])
    dated_by_name = [n for n in res.notices if "(" in n.source_file]
    for n in dated_by_name[:400]:
        assert n.date_published == n.source_file.split("(")[-1][:10]
    patent = next(n for n in res.notices if n.source_file == "专利法(2020-10-17).md")
    assert patent.title == "中华人民共和国专利法"
    assert patent.date_written == "2020-10-17" and patent.issuer == ["全国人民代表大会常务委员会"]
    assert patent.region.name == "全国" and patent.doc_type == "法" and patent.kind == "law"
    with capsys.disabled():
        print(f"\nlawrefbook: {len(res.notices)} documents, {len(skipped)} section indexes skipped, "
              f"{len(undated)} without any date (reported)")


# ------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16"])
def test_encodings_decode_to_the_same_body(tmp_path, encoding):
    # seed 003 (full-width punctuation, U+3000 indentation) is representable in GBK
    src = SEED_FILES["003"].read_text(encoding="utf-8")
    f = tmp_path / f"yunnan-{encoding}.txt"
    f.write_bytes(src.encode(encoding))
    ref = read_file(SEED_FILES["003"])
    got = read_file(f)
    assert got.body == ref.body
    assert got.encoding in {encoding, "gb18030", "utf-8-sig", "utf-16"}


def test_html_with_gbk_meta_charset(tmp_path):
    page = (ROOT.parent / "shared/corpus/govcn2019/govcn-001.html").read_text(encoding="utf-8")
    f = tmp_path / "page.html"
    f.write_bytes(page.encode("gb18030"))
    assert read_file(f).body == read_file(ROOT.parent / "shared/corpus/govcn2019/govcn-001.html").body


# ------------------------------------------------------------- bad input

def _bad_archive(tmp_path: Path) -> Path:
    src = tmp_path / "source_texts"
    src.mkdir()
    for key in ("002", "003"):
        shutil.copy(SEED_FILES[key], src)
        shutil.copy(SEED_FILES[key].with_suffix(".yml"), src)
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (src / "undecodable.txt").write_bytes(SEED_FILES["003"].read_bytes()[:3000] + b"\xff\xfe\x81" + SEED_FILES["003"].read_bytes()[3000:6000])
    (src / "bom_garbage.txt").write_bytes(b"\xff\xfe" + bytes(range(1, 255)) * 3)
    (src / "huge.txt").write_bytes(("知识产权保护。" * 10).encode() * 100_000)  # ~20 MB
    good = SEED_FILES["004"].read_bytes()
    (src / "bad_yaml.txt").write_bytes(good)
    (src / "bad_yaml.yml").write_text("id: chengdu-x\ntitle: [未闭合\nyear: 2023\n", encoding="utf-8")
    (src / "bad_id.txt").write_bytes(good)
    (src / "bad_id.yml").write_text("id: ../x\n", encoding="utf-8")
    (src / "dup.txt").write_bytes(SEED_FILES["000"].read_bytes())
    (src / "dup.yml").write_text(f"id: {load_notice(SEED_FILES['002']).id}\n", encoding="utf-8")
    return src


def test_bad_inputs_each_give_one_clear_message(tmp_path):
    src = _bad_archive(tmp_path)
    res = load_documents(source_files(src), require_sidecar=True)
    by_file = {}
    for p in res.errors:
        by_file.setdefault(Path(p.file).name, []).append(p)
    msgs = {k: " ".join(str(p) for p in v) for k, v in by_file.items()}
    assert "文件为空" in msgs["empty.txt"]
    assert "二进制" in msgs["binary.txt"] or "编码" in msgs["binary.txt"]
    assert "解码" in msgs["undecodable.txt"] or "编码" in msgs["undecodable.txt"]
    assert "过大" in msgs["huge.txt"]
    assert "utf-16" in msgs["bom_garbage.txt"].lower()
    assert by_file["undecodable.txt"][0].line == SEED_FILES["003"].read_bytes()[:3000].count(b"\n") + 1
    assert "YAML" in msgs["bad_yaml.yml"] and by_file["bad_yaml.yml"][0].line in (2, 3)
    assert "bad_yaml.yml:" in msgs["bad_yaml.yml"]
    assert "[a-z0-9-]" in msgs["bad_id.yml"] and by_file["bad_id.yml"][0].line == 1
    assert "重复" in msgs["dup.txt"] and "002_f819ad9b31b3e7a6.txt" in msgs["dup.txt"]
    for k, v in by_file.items():
        assert len(v) == 1, (k, v)  # one message per bad file
    # the good documents are still processed
    assert {n.source_file for n in res.notices} == {"002_f819ad9b31b3e7a6.txt", "003_cbca3011c27dd6ad.txt"}


def test_check_command_reports_file_and_line(tmp_path):
    src = _bad_archive(tmp_path)
    r = subprocess.run(IPARCHIVE + ["--root", str(tmp_path), "check"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1
    assert f"{src / 'bad_id.yml'}:1: error:" in r.stdout
    assert "bad_yaml.yml:" in r.stdout and "empty.txt" in r.stdout
    ok = subprocess.run(IPARCHIVE + ["check"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_missing_sidecar_is_an_error_in_the_archive(tmp_path):
    src = tmp_path / "source_texts"
    src.mkdir()
    shutil.copy(SEED_FILES["002"], src)
    res = load_documents(source_files(src), require_sidecar=True)
    assert not res.notices and "iparchive add" in res.errors[0].message


def test_add_assigns_id_writes_sidecar_and_lists_gaps(tmp_path):
    (tmp_path / "source_texts").mkdir()
    r = subprocess.run(IPARCHIVE + ["--root", str(tmp_path), "add", str(SEED_FILES["000"])],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    dest = tmp_path / "source_texts" / SEED_FILES["000"].name
    assert dest.read_bytes() == SEED_FILES["000"].read_bytes()
    side = dest.with_suffix(".yml").read_text(encoding="utf-8")
    assert "id: yunnan-nd-" in side and "待人工补充" in side
    assert "需要人工补充" in r.stdout and "标题" in r.stdout and "成文日期" in r.stdout
    # a second add never changes the permanent id
    again = subprocess.run(IPARCHIVE + ["--root", str(tmp_path), "add", str(SEED_FILES["000"])],
                           capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == EXIT_NOTHING_DONE and dest.with_suffix(".yml").read_text(encoding="utf-8") == side


def test_parse_works_outside_source_texts_without_sidecar(tmp_path):
    f = tmp_path / "some notice.txt"
    f.write_bytes(SEED_FILES["002"].read_bytes())
    r = subprocess.run(IPARCHIVE + ["parse", "--json", str(f)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout.splitlines()[0])
    assert rec["region"]["code"] == "530100" and rec["basis"]["id"] == "auto"
    assert rec["body"].startswith("昆明市人民政府办公室关于印发")


def test_sources_are_never_modified(tmp_path):
    def digest():
        h = hashlib.sha256()
        for p in sorted((ROOT / "source_texts").iterdir()):
            if p.name != "anchors.lock":
                h.update(p.name.encode() + p.read_bytes())
        return h.hexdigest()

    before = digest()
    load_documents(source_files(ROOT / "source_texts"), require_sidecar=True)
    subprocess.run(IPARCHIVE + ["check"], capture_output=True, cwd=ROOT)
    assert digest() == before
    for key, path in SEED_FILES.items():  # byte-identical to the shared seeds
        assert path.read_bytes() == (SHARED / "seeds" / path.name).read_bytes()


# ------------------------------------------------- issue 12: real forms

def test_doc_number_forms_seen_in_real_documents():
    # display form with 〔〕 (GB/T 9704); the printed spelling stays matchable
    for printed, shown in [("赣府厅字〔2020〕14号", "赣府厅字〔2020〕14号"), ("赣府厅明〔2020〕20号", "赣府厅明〔2020〕20号"),
                           ("国知发运字〔2022〕33号", "国知发运字〔2022〕33号"), ("法（经）复〔1988〕22号", "法（经）复〔1988〕22号"),
                           ("法(经)复[1988]22号", "法（经）复〔1988〕22号"), ("法释〔2001〕1号", "法释〔2001〕1号"),
                           ("赣府厅字[2020]14号", "赣府厅字〔2020〕14号"), ("赣府厅字(2020)14号", "赣府厅字〔2020〕14号"),
                           ("赣府厅字【2020】14号", "赣府厅字〔2020〕14号"), ("省政府令第232号", "省政府令第232号"),
                           ("国务院令第708号", "国务院令第708号")]:
        assert display_doc_number(printed) == shown, printed
        assert normalise_doc_number(printed) == normalise_doc_number(shown), printed
    assert same_doc_number("省政府令第223号", "江西省人民政府令第223号")
    assert not same_doc_number("赣府字〔2020〕8号", "赣府厅字〔2020〕8号")  # another series


def test_printed_doc_number_is_kept(tmp_path):
    page = (SHARED / "corpus/provincial/provincial-001.html").read_text(encoding="utf-8")
    f = tmp_path / "square.html"
    f.write_text(page.replace("赣府厅字〔2020〕14号", "赣府厅字[2020]14号"), encoding="utf-8")
    n = load_notice(f, use_sidecar=False)
    assert n.doc_number == "赣府厅字〔2020〕14号" and n.doc_number_printed == "赣府厅字[2020]14号"


def test_control_characters_and_escapes_are_stripped_visibly(tmp_path):
    lines = SEED_FILES["002"].read_text(encoding="utf-8").split("\n")
    lines[0] = "\x1b[31m" + lines[0] + "\x1b[0m\x07"
    f = tmp_path / "escapes.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    got, ref = read_file(f), read_file(SEED_FILES["002"])
    assert got.body == ref.body
    ctl = [s for s in got.stripped if s.reason == "控制字符"]
    assert [s.line for s in ctl] == [1] and "\\x1b[31m" in ctl[0].text and "\\x07" in ctl[0].text


@pytest.mark.parametrize("key", sorted(SEED_FILES))
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text_not_binary(tmp_path, key, encoding):
    f = tmp_path / f"{key}.txt"
    f.write_bytes(SEED_FILES[key].read_text(encoding="utf-8").encode(encoding))
    got = read_file(f)
    assert got.encoding == encoding and got.body == read_file(SEED_FILES[key]).body


def test_signature_dates_as_printed():
    assert parse_date("二〇二〇年三月十一日") == "2020-03-11"
    assert parse_date("2020 年 3 月 11 日") == "2020-03-11"
    assert parse_date(normalise_line("２０２０年２月９日")) == "2020-02-09"  # full-width digits, as the body sees them
    assert parse_date("二〇一九年十二月三十一日") == "2019-12-31"
    assert parse_date("2020-02-09 21:14") == "2020-02-09"  # <meta name="PubDate">


def test_govcn_pages_without_their_metadata_table(govcn_dir, tmp_path, capsys):
    """Only the content box of each gov.cn page (no table, no meta tags): title from the centred
    bold heading broken over lines, issuer from the title, 文号 from the line under it,
    成文日期 from the signature."""
    rows = manifest_rows(govcn_dir)
    score = {"title": 0, "issuer": 0, "doc_number": 0, "date_written": 0}
    misses = []
    for r in rows:
        page = (govcn_dir / r["file"]).read_text(encoding="utf-8")
        box = BeautifulSoup(page, "html.parser").find(id="UCAP-CONTENT")
        f = tmp_path / r["file"]
        f.write_text(f"<html><body>{box.decode_contents()}</body></html>", encoding="utf-8")
        n = load_notice(f, use_sidecar=False)
        got = {"title": n.title, "issuer": "、".join(n.issuer), "doc_number": n.doc_number or "",
               "date_written": n.date_written or ""}
        want = {"title": r["title"], "issuer": r["issuer"], "doc_number": r["doc_number"], "date_written": r["written"]}
        for k in score:
            score[k] += got[k] == want[k]
        if got != want:
            misses.append(r["file"])
    with capsys.disabled():
        print("\ngovcn2019 content box only: " + "  ".join(f"{k} {v}/43" for k, v in score.items()) + f"; misses {misses}")
    assert all(v >= 42 for v in score.values()), (score, misses)  # govcn-033: a 国务院令 publishing a 条例


@pytest.mark.slow
def test_no_line_of_any_law_is_furniture(lawref_dir):
    """The furniture table never matches real text: every line of the 3,472 lawrefbook files."""
    hits = []
    for f in sorted(lawref_dir.rglob("*.md")):
        for line in f.read_text(encoding="utf-8").split("\n"):
            s = normalise_line(line.lstrip("#").strip())
            if s and furniture_reason(s):
                hits.append((f.name, s[:60], furniture_reason(s)))
    assert hits == []


def test_parse_explain_names_sources_for_a_law_and_a_seed():
    law = ROOT / "source_texts" / "专利法(2020-10-17).md"
    out = subprocess.run(IPARCHIVE + ["parse", "--explain", str(law), str(SEED_FILES["004"])],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "Markdown 一级标题（第1行）" in out and "法律题注第" in out and "文件名 专利法(2020-10-17).md" in out
    # seed 004: the title is the line above the 来源 bar, 发布日期 comes from the bar
    assert "← 来源栏上方第8行、正文第8行" in out and "← 来源栏“发布时间”" in out
