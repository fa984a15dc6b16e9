"""``iparchive memo check`` (build_tools/memo.py) on real memos against a real
archive that changed after the memo was written.

The archive: a copy of this one (tests/support/archive_copy.py) with the
two texts of 反垄断法 from lawrefbook (2007, 2022) added and built with a public
address; then, as happens to an archive over time, 昆明 二（三） and 专利法
第二十条 are corrected, 著作权法's last article leaves (its id redirected to
第六十六条 in redirects.yml) and the archive is built again; a 达州 notice whose
有效期 has ended (sites2-011) stands for a repealed document.  The memos,
dated before that second build, cite 20 places in the archive and outside it
by every form the checker reads; each citation's expected status follows from
what was done to the archive, and ``memo check`` must give every one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from build_tools.pipeline import load_documents, source_files
from build_tools.render.downloads import docx_bytes, read_record_file
from build_tools.render.pages import gbt_prefix
from conftest import LAWREF, SHARED
from support.archive_copy import copy_archive

SITE = "https://memo.example.org/ipa"
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
KUNMING, PATENT, COPYRIGHT, TRADEMARK = "kunming-2022-4dd4de", "cn-2020-575ffb", "cn-2020-f0c3be", "cn-2019-fe6a95"
JILIN, YUNNAN15, INTERP = "jilin-nd-004f51", "yunnan-2015-aa6381", "cn-2022-f87319"


def _cli(*args, cwd: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("IPARCHIVE_SITE_URL", "IPARCHIVE_INDEX")}
    # the installed command (as a user runs it), not ``python -m``, which would import the copy's own code
    return subprocess.run([str(Path(sys.executable).parent / "iparchive"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=540)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    root = copy_archive(tmp_path_factory.mktemp("memo") / "archive")
    ids = {}
    for name in ("反垄断法(2007-08-30).md", "反垄断法(2022-06-24).md"):
        add = _cli("add", str(LAWREF / "经济法" / name), cwd=root)
        assert add.returncode == 0, add.stderr
        ids[name[5:9]] = add.stdout.split("id: ")[1].split("）")[0]
    # a notice whose 有效期 has ended (达州, sites2-011: 已失效)
    add = _cli("add", str(SHARED / "corpus" / "sites2" / "sites2-011.html"), cwd=root)
    assert add.returncode == 0, add.stderr
    ids["expired"] = add.stdout.split("id: ")[1].split("）")[0]
    first = _cli("build", "--quiet", "--site-url", SITE, cwd=root)
    assert first.returncode in (0, 1), first.stderr[-3000:]
    # what happens next: two clauses corrected, one article gone with a redirect
    src = root / "source_texts"
    old_jilin = json.loads(read_record_file(root / "site/data/notices" / f"{JILIN}.json.gz"))
    jilin_s2_2 = _find(old_jilin["clauses"], "s2-2")["text"]
    # 昆明's plan (2022—2025年) has ended: its clauses are 已失效 (推定) whatever else changed
    _edit(src / "002_f819ad9b31b3e7a6.txt", "持续加强知识产权行政司法保护", "持续加强知识产权行政司法保护（本句为更正后新增）")
    _edit(src / "001_66fb874b3fbac559.txt", "严格实施侵权惩罚性赔偿制度", "严格实施侵权惩罚性赔偿制度（本句为更正后新增）")
    _edit(src / "专利法(2020-10-17).md", "第二十条 申请专利和行使专利权应当遵循诚实信用原则。",
          "第二十条 申请专利和行使专利权应当遵循诚实信用、公平原则。")
    _edit(src / "著作权法(2020-11-11).md", "\n\n第六十七条 本法自1991年6月1日起施行。", "")
    (src / "redirects.yml").write_text(f"{COPYRIGHT}:\n  art-67: art-66\n", encoding="utf-8")
    second = _cli("build", "--quiet", "--site-url", SITE, cwd=root)
    assert second.returncode in (0, 1), second.stderr[-3000:]
    expired = json.loads(read_record_file(root / "site/data/notices" / f"{ids['expired']}.json.gz"))
    assert "失效" in expired["validity"]
    return {"root": root, "old_2007": ids["2007"], "new_2022": ids["2022"], "jilin_old_text": jilin_s2_2,
            "expired": ids["expired"], "expired_clause": expired["clauses"][-1]["id"]}


def _find(clauses, cid):
    for c in clauses:
        if c["id"] == cid:
            return c
        hit = _find(c.get("children") or [], cid)
        if hit:
            return hit
    return None


def citations(a: dict) -> list[tuple[str, str, str]]:
    """(how it is written, the text or URL, the status the archive's history implies)."""
    site_copy = (a["root"] / "site").as_uri()
    return [
        ("link", f"{SITE}/notices/{JILIN}.html#s2-2", "changed"),  # corrected after the memo
        ("link", f"{SITE}/notices/{JILIN}.html#s2-4", "ok"),
        ("link", f"{SITE}/notices/{KUNMING}.html#s2-3", "repealed"),  # corrected too, but the plan's period is over
        ("link", f"{SITE}/notices/{KUNMING}.html#s4-3", "repealed"),
        ("link", f"{SITE}/notices/{COPYRIGHT}.html#art-67", "moved"),  # redirected to art-66
        ("link", f"{SITE}/notices/{a['old_2007']}.html#art-10", "superseded"),  # 2007 text, 2022 in force
        ("link", f"{SITE}/notices/{a['new_2022']}.html#art-10", "ok"),
        ("link", f"{SITE}/notices/{PATENT}.html#art-999", "not_found"),  # no such anchor
        ("link", f"{SITE}/notices/no-such-document.html#s1", "not_found"),
        ("link", f"{SITE}/notices/{a['expired']}.html#{a['expired_clause']}", "repealed"),  # 有效期 over
        ("link", f"{site_copy}/notices/{JILIN}.html#s5-18", "ok"),  # a local copy
        ("link", f"notices/{YUNNAN15}.html#s3-4-p1", "repealed"),  # relative; its period has ended (已失效, 推定)
        ("link", f"http://127.0.0.1:8000/notices/{TRADEMARK}.html#art-73-p2", "ok"),  # iparchive serve
        ("text", "《昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）》二（三）", "repealed"),  # as copied; the plan (2022—2025年) has ended
        ("text", "《昆明市国家知识产权强市建设示范城市工作方案（2022—2025年）》四（九）", "not_found"),
        ("text", "《中华人民共和国专利法》第二十条", "changed"),
        ("text", "《商标法》第七十三条第二款", "ok"),
        ("text", "《中华人民共和国反垄断法》（2007年通过）第十条", "superseded"),
        ("text", "《专利法》第九十九条", "not_found"),
        ("text", "《中华人民共和国民法典》第一千一百八十五条", "external"),
        ("docno", "法释〔2022〕9号", "ok"),
        ("docno", "国知发保字〔2021〕7号", "external"),
    ]


def _hyperlink(paragraph, url: str, text: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def write_docx_memo(path: Path, cites: list[tuple[str, str, str]], date: str) -> None:
    doc = Document()
    doc.add_heading("关于知识产权保护政策的法律意见（内部备忘录）", 1)
    doc.add_paragraph("本备忘录引用以下规定，请核对：")
    for k, (how, text, _) in enumerate(cites, 1):
        p = doc.add_paragraph(f"{k}. ")
        if how == "link":
            _hyperlink(p, text, f"依据条款{k}")
            p.add_run("，详见原文。")
        else:
            p.add_run(f"根据{text}的规定，应当依法办理。")
    doc.add_paragraph("另见国务院官网 https://www.gov.cn/zhengce/ 的说明（非本文库链接）。")
    stamp = dt.datetime.fromisoformat(date + "T09:00:00")
    doc.core_properties.created = stamp
    doc.core_properties.modified = stamp
    doc.save(str(path))


def write_md_memo(path: Path, cites) -> None:
    lines = ["# 备忘录", ""]
    for k, (how, text, _) in enumerate(cites, 1):
        lines.append(f"{k}. 见[依据条款{k}]({text})。" if how == "link" else f"{k}. 根据{text}的规定办理。")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _check(root: Path, *files, extra=()):
    res = _cli("memo", "check", *map(str, files), "--json", *extra, cwd=root)
    assert "Traceback" not in res.stderr, res.stderr
    return res.returncode, json.loads(res.stdout)


def _statuses(report: dict) -> list[tuple[str, str]]:
    """(document#clause of a link — LibreOffice rewrites a file:// link relative to the memo —
    or the citation's text, its status)."""
    return [(f"{c['doc_id']}#{c['clause_id']}" if c["kind"] == "link" else c["text"], c["status"])
            for c in report["citations"]]


def _target(url: str) -> str:
    doc, _, clause = url.rsplit("/", 1)[1].partition("#")
    return f"{doc.removesuffix('.html')}#{clause}"


def _expected(cites) -> list[tuple[str, str]]:
    links = [(_target(t), s) for how, t, s in cites if how == "link"]
    texts = [(t, s) for how, t, s in cites if how != "link"]
    return links + texts  # the checker lists links first, then textual citations in reading order


def test_every_citation_of_a_word_memo_is_classified(archive, tmp_path):
    cites = citations(archive)
    assert sum(1 for _, _, s in cites if s != "external") >= 10
    memo = tmp_path / "备忘录.docx"
    write_docx_memo(memo, cites, YESTERDAY)
    code, out = _check(archive["root"], memo)
    (report,) = out["files"]
    assert report["date"] == YESTERDAY and report["date_source"] == "文档属性 modified"
    got, want = _statuses(report), _expected(cites)
    right = sum(1 for g, w in zip(got, want) if g == w)
    assert got == want, f"{right}/{len(want)} right"
    assert code == 5  # the most severe: not found
    by_url = {c["url"]: c for c in report["citations"]}
    moved = by_url[f"{SITE}/notices/{COPYRIGHT}.html#art-67"]
    assert moved["new_clause"] == "art-66" and moved["new_url"] == f"{SITE}/notices/{COPYRIGHT}.html#art-66"
    changed = by_url[f"{SITE}/notices/{JILIN}.html#s2-2"]
    assert changed["changed_on"] == dt.date.today().isoformat()
    assert changed["old_text"] == archive["jilin_old_text"] and "本句为更正后新增" in changed["new_text"]
    sup = by_url[f"{SITE}/notices/{archive['old_2007']}.html#art-10"]["superseded_by"]
    assert sup["doc_id"] == archive["new_2022"] and sup["in_force_from"].startswith("2022")
    text_sup = next(c for c in report["citations"] if c["text"].startswith("《中华人民共和国反垄断法》（2007"))
    assert text_sup["doc_id"] == archive["old_2007"]


def test_a_memo_dated_after_the_change_is_not_told_of_it(archive, tmp_path):
    """--since after the correction: the corrected clauses are ok; the rest as before."""
    memo = tmp_path / "memo.docx"
    cites = citations(archive)
    write_docx_memo(memo, cites, YESTERDAY)
    later = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    _, out = _check(archive["root"], memo, extra=("--since", later))
    want = [(t, "ok" if s == "changed" else s) for t, s in _expected(cites)]
    assert _statuses(out["files"][0]) == want


def write_html_memo(path: Path, cites) -> None:
    """As an e-mail client saves a message pasted from the clause buttons (text/html)."""
    from html import escape

    rows = [f'<p>{k}. 见<a href="{escape(t)}">依据条款{k}</a>。</p>' if how == "link" else f"<p>{k}. 根据{escape(t)}办理。</p>"
            for k, (how, t, _) in enumerate(cites, 1)]
    path.write_text("<!doctype html><html><body><h1>备忘录</h1>" + "".join(rows) + "</body></html>", encoding="utf-8")


def test_markdown_and_html_memos_in_a_folder(archive, tmp_path):
    cites = citations(archive)
    folder = tmp_path / "memos"
    folder.mkdir()
    write_md_memo(folder / "note.md", cites)
    write_html_memo(folder / "mail.html", cites)
    write_docx_memo(folder / "memo.docx", cites, YESTERDAY)
    (folder / "broken.docx").write_bytes(b"not a zip")
    code, out = _check(archive["root"], folder, extra=("--since", YESTERDAY))
    files = {Path(f["file"]).name: f for f in out["files"]}
    assert set(files) == {"note.md", "mail.html", "memo.docx", "broken.docx"}
    assert "不是可读取的 Word" in files["broken.docx"]["error"]
    assert _statuses(files["note.md"]) == _statuses(files["mail.html"]) == _statuses(files["memo.docx"]) == _expected(cites)
    assert code == 5


def test_exit_codes_by_severity(archive, tmp_path):
    cites = citations(archive)
    for keep, code in ((("ok", "external"), 0), (("ok", "moved"), 1), (("ok", "changed"), 4),
                       (("ok", "superseded"), 4), (("ok", "repealed"), 5), (("ok", "not_found"), 5)):
        memo = tmp_path / f"{keep[1]}.docx"
        write_docx_memo(memo, [c for c in cites if c[2] in keep], YESTERDAY)
        got, out = _check(archive["root"], memo)
        assert got == code, (keep, out["summary"])
    rc = _cli("memo", "check", str(tmp_path / "none.docx"), cwd=archive["root"])
    assert rc.returncode == 3 and "找不到文件" in rc.stderr
    empty = tmp_path / "unbuilt"
    (empty / "source_texts").mkdir(parents=True)
    rc = _cli("--root", str(empty), "memo", "check", str(memo), cwd=tmp_path)
    assert rc.returncode == 2 and "文库尚未构建" in rc.stderr and "Traceback" not in rc.stderr


def test_fix_writes_a_corrected_copy_and_never_touches_the_original(archive, tmp_path):
    memo = tmp_path / "memo.docx"
    cites = citations(archive)
    write_docx_memo(memo, cites, YESTERDAY)
    digest = hashlib.sha256(memo.read_bytes()).hexdigest()
    mtime = memo.stat().st_mtime_ns
    res = _cli("memo", "check", str(memo), "--fix", cwd=archive["root"])
    assert res.returncode == 5 and "已写出更正副本" in res.stdout
    assert hashlib.sha256(memo.read_bytes()).hexdigest() == digest and memo.stat().st_mtime_ns == mtime
    fixed = tmp_path / "memo.checked.docx"
    doc = Document(str(fixed))
    targets = [r.target_ref for r in doc.part.rels.values() if r.is_external]
    assert f"{SITE}/notices/{COPYRIGHT}.html#art-66" in targets
    assert f"{SITE}/notices/{COPYRIGHT}.html#art-67" not in targets
    _, out = _check(archive["root"], fixed)
    got = dict(_statuses(out["files"][0]))
    assert got[f"{COPYRIGHT}#art-66"] == "ok"
    assert sum(1 for s in got.values() if s == "moved") == 0
    assert len(got) == len(_expected(cites))


def test_the_archive_s_own_word_downloads_check_clean(archive, tmp_path):
    """Every Word download of the archive (render/downloads.py) is a memo
    ``memo check`` reads: each clause's link and the permanent link resolve,
    as the document stands — ok, the 2007 反垄断法 superseded, the expired
    达州 notice repealed — and none is lost (one link per clause at least)."""
    folder = archive["root"] / "site" / "data" / "notices"
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    words = _word_downloads(archive["root"], tmp_path)
    _, out = _check(archive["root"], *words, extra=("--since", tomorrow))
    assert len(out["files"]) == len(list(folder.glob("*.json.gz")))  # one record each (gzipped: issue 29)
    for f in out["files"]:
        doc_id = Path(f["file"]).stem
        record = json.loads(read_record_file(folder / f"{doc_id}.json.gz"))
        ended = any(w in (record.get("validity") or "") for w in ("废止", "失效"))  # 达州's 有效期, 昆明's plan period
        want = "superseded" if doc_id == archive["old_2007"] else "repealed" if ended else "ok"
        links = [c for c in f["citations"] if c["kind"] == "link"]
        assert len(links) > sum(1 for _ in _walk(record["clauses"])), doc_id
        assert {(c["doc_id"], c["status"]) for c in links} == {(doc_id, want)}, doc_id


def _word_downloads(root: Path, where: Path) -> list[Path]:
    """The archive's Word downloads, one per published document. site.js makes them in the browser
    from the record (issue 29); ``downloads.docx_bytes`` is the maker it equals part for part
    (tests/test_word_download.py), so it stands in for a click on 下载 Word here."""
    res = load_documents(source_files(root / "source_texts"), require_sidecar=True)
    published = {p.name.removesuffix(".json.gz") for p in (root / "site" / "data" / "notices").glob("*.json.gz")}
    out = []
    for n in res.notices:
        if n.id in published:
            out.append(where / f"{n.id}.docx")
            out[-1].write_bytes(docx_bytes(n, SITE, dt.date.today().isoformat(), gbt_prefix(n)))
    assert len(out) == len(published)
    return out


def _walk(clauses):
    for c in clauses:
        yield c
        yield from _walk(c.get("children") or [])


def test_a_memo_saved_by_libreoffice(archive, tmp_path):
    """The same memo opened and saved again by LibreOffice (its own
    WordprocessingML writer): the same citations, the same statuses."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed: scripts/install-system-deps.sh installs it on branch office")
    cites = citations(archive)
    memo = tmp_path / "src" / "memo.docx"
    memo.parent.mkdir()
    write_docx_memo(memo, cites, YESTERDAY)
    out_dir = tmp_path / "lo"
    res = subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                          "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(memo)],
                         capture_output=True, text=True, timeout=300)
    saved = out_dir / "memo.docx"
    assert saved.is_file(), res.stderr
    with zipfile.ZipFile(saved) as z:
        assert b"LibreOffice" in z.read("docProps/app.xml")
    _, out = _check(archive["root"], saved, extra=("--since", YESTERDAY))
    assert _statuses(out["files"][0]) == _expected(cites)


def _add_footnote(path: Path, url: str, text_after: str) -> None:
    """Give the memo's first paragraph a footnote whose text links ``url`` (as
    Word writes footnotes: word/footnotes.xml with its own relationships)."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    notes = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}" xmlns:r="{r}">'
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">见</w:t></w:r>'
             '<w:hyperlink r:id="rIdF1"><w:r><w:t>著作权法的施行条款</w:t></w:r></w:hyperlink>'
             f'<w:r><w:t xml:space="preserve">{text_after}</w:t></w:r></w:p></w:footnote></w:footnotes>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rIdF1" Type="{r}/hyperlink" Target="{url}" TargetMode="External"/></Relationships>')
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    items["word/footnotes.xml"] = notes.encode()
    items["word/_rels/footnotes.xml.rels"] = rels.encode()
    items["[Content_Types].xml"] = items["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'wordprocessingml.footnotes+xml"/></Types>'))
    items["word/_rels/document.xml.rels"] = items["word/_rels/document.xml.rels"].replace(b"</Relationships>", (
        f'<Relationship Id="rIdFN" Type="{r}/footnotes" Target="footnotes.xml"/></Relationships>').encode())
    items["word/document.xml"] = items["word/document.xml"].replace(
        b"</w:t></w:r></w:p>", b'</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)


def test_citations_in_footnotes(archive, tmp_path):
    """Legal memos cite in footnotes: a link and a textual citation there are
    checked (named by the note: 脚注1) and ``--fix`` corrects the footnote's link."""
    memo = tmp_path / "footnoted.docx"
    write_docx_memo(memo, [], YESTERDAY)
    old = f"{SITE}/notices/{COPYRIGHT}.html#art-67"
    _add_footnote(memo, old, "；又见《中华人民共和国专利法》第二十条。")
    assert Document(str(memo)).paragraphs  # still a Word file python-docx opens
    res = _cli("memo", "check", str(memo), "--json", "--fix", cwd=archive["root"])
    (report,) = json.loads(res.stdout)["files"]
    got = [(c["where"], c["kind"], c["status"]) for c in report["citations"]]
    assert got == [("脚注1", "link", "moved"), ("脚注1", "text", "changed")]
    with zipfile.ZipFile(tmp_path / "footnoted.checked.docx") as z:
        rels = z.read("word/_rels/footnotes.xml.rels").decode()
    assert f"{SITE}/notices/{COPYRIGHT}.html#art-66" in rels and old not in rels


def test_html_links_in_nested_blocks_count_once(archive, tmp_path):
    """A mail client nests blocks (<div><ul><li><p><a>): each link and each
    textual citation is one citation, in its innermost block."""
    page = tmp_path / "mail.html"
    page.write_text(f'<html><body><div><ul><li><p>见 <a href="{SITE}/notices/{TRADEMARK}.html#art-73-p2">'
                    "《中华人民共和国商标法》第七十三条第二款</a></p></li></ul>"
                    "<div>又见《中华人民共和国专利法》第二十条</div></div></body></html>", encoding="utf-8")
    _, out = _check(archive["root"], page, extra=("--since", YESTERDAY))
    assert _statuses(out["files"][0]) == [(f"{TRADEMARK}#art-73-p2", "ok"), ("《中华人民共和国专利法》第二十条", "changed")]
