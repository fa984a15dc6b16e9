"""Attachments are part of the document (issue 30, item 4), on real pages and files.

* the 附件 list of every sites2 page against its manifest's ``attachments``
  column, and of every page of ../shared/corpus/attachments/ against the
  files the manifest gives it;
* ``iparchive add page.html file`` and ``iparchive add FOLDER`` into a scratch
  copy of the archive, then the real build: 附件 sections with ``att<N>-`` ids,
  the original file in the site, CLI (and browser) search hits in the
  attachment's text, ids locked and stable over a rebuild, an attachment the
  archive does not hold named 「未收录」, an attachment file added alone its own
  document.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from build_tools.ingest.attachments import attachment_list, files_dir, held_files, match_files, title_key
from build_tools.cli import main
from build_tools.errors import SourceError
from build_tools.build.tools import run_tool
from build_tools.ingest.metadata import load_notice
from build_tools.pipeline import build_site, check_archive, source_files, staged_paths
from build_tools.render.downloads import read_record_file
from build_tools.ingest.read import decode, read_file
from support.loaders import manifest_rows
from conftest import ROOT

CORPUS = ROOT.parent / "shared" / "corpus"
ATT = CORPUS / "attachments"
SITES2 = CORPUS / "sites2"


def _rows(folder: str) -> list[dict]:
    return manifest_rows(CORPUS / folder)


def page_list(path: Path):
    n = load_notice(path, use_sidecar=False)
    return attachment_list(decode(path.read_bytes(), path)[0], n.body.split("\n"))


def _squash(s: str) -> str:
    return re.sub(r"[\s\u3000\u2002|\u0007]", "", s)


def readable(path: Path) -> bool:
    """Does the project's reader take this file (PDF/Word readers: build_tools/ingest/office.py)?"""
    try:
        return bool(read_file(path, runner=run_tool).body.strip())
    except SourceError:
        return False


# ------------------------------------------------------------------ the list


def test_sites2_lists_every_printed_attachment_and_nothing_else():
    """sites2 (40 pages, 35 sites): every title of the manifest's ``attachments``
    column is an entry of the page's list (linked files, ``附件：1.`` lines,
    script-written links), and no page lists more entries than it prints
    (a related-articles list linking a .docx, sites2-003, and a script's hidden
    file list, sites2-016, are not attachments)."""
    found = total = 0
    wrong = []
    for r in _rows("sites2"):
        truth = [t for t in r["attachments"].split(";") if t.strip()]
        got = page_list(CORPUS / "sites2" / r["file"])
        keys = {title_key(g.title) for g in got} | {title_key(g.file_name or "") for g in got}
        hit = [t for t in truth if title_key(t) in keys]
        found, total = found + len(hit), total + len(truth)
        if len(hit) < len(truth) or len(got) != len(truth):
            wrong.append((r["file"], truth, [g.title for g in got]))
    print(f"sites2: {found}/{total} listed attachments found; pages with a wrong list: {len(wrong)}")
    assert total >= 20 and found == total and not wrong, wrong


def test_every_attachment_file_is_listed_by_its_page_and_matched_to_its_entry():
    """attachments/: every file with a page is a linked entry of that page's
    list, and ``match_files`` gives each file the entry whose link has the
    file's own type (004: the .doc to 购房人申明陈述书.doc, the .pdf to the
    补充通知) — numbers distinct, each entry linked."""
    by_page: dict[str, list[Path]] = {}
    for r in _rows("attachments"):
        if r["page"]:
            by_page.setdefault(r["page"], []).append(ATT / r["file"])
    assert len(by_page) >= 13
    files = 0
    for page, held in sorted(by_page.items()):
        listed = page_list(ATT / page)
        mapping = match_files(listed, held, runner=run_tool)
        assert len(set(mapping.values())) == len(held), page
        for f in held:
            entry = next(e for e in listed if e.number == mapping[f.name])  # a listed entry, not an extra
            assert entry.href and entry.file_name, (page, f.name, entry)
            assert entry.file_name.lower().endswith(f.suffix.lower()), (page, f.name, entry)
            files += 1
    print(f"attachments: {files} files matched to a linked entry of their page")


def test_a_held_file_named_as_the_link_is_matched_by_name_before_order(tmp_path):
    """sites2-018 links two .doc forms and a .pdf: files saved under the
    links' own names are matched by name whatever order they come in."""
    listed = page_list(CORPUS / "sites2" / "sites2-018.html")
    names = [e.file_name for e in listed]
    assert len(names) == 3 and all(names)
    files = [tmp_path / n for n in reversed(names)]
    mapping = match_files(listed, files)
    assert {n: mapping[n] for n in names} == {e.file_name: e.number for e in listed}


def test_every_real_attachment_file_becomes_a_section_of_its_page(tmp_path):
    """The 13 pages of attachments/ with their 14 files held (``<stem>.files/``,
    matched without a sidecar): each file is the 附件 section of the entry
    that links it; a file with text gives its first line and every
    must_contain sentence inside that section (ids ``att<N>-…``), a scan the
    「扫描件」 record; the whole document still passes the conservation gate."""
    from build_tools.pipeline import load_documents  # the real load stage, without a site

    by_page: dict[str, list[dict]] = {}
    for r in _rows("attachments"):
        if r["page"]:
            by_page.setdefault(r["page"], []).append(r)
    for page, rows in by_page.items():
        shutil.copy(ATT / page, tmp_path / page)
        for r in rows:
            dest = files_dir(tmp_path / page) / r["file"]
            dest.parent.mkdir(exist_ok=True)
            shutil.copy(ATT / r["file"], dest)
    res = load_documents(sorted(tmp_path.glob("*.html")))
    assert not [p for p in res.problems if p.level == "error"], res.problems
    assert len(res.notices) == len(by_page)
    sections = sentences = 0
    for n in res.notices:
        for r in by_page[n.source_file]:
            a = next(a for a in n.attachments if a.held and a.held.endswith("/" + r["file"]))
            assert a.status == "已收录" and a.section == f"att{a.number}", (n.source_file, a)
            sec = n.clause(a.section)
            ids = [c.id for c in sec.walk()]
            assert all(i == a.section or i.startswith(a.section + "-") for i in ids)
            text = _squash("".join(c.text for c in sec.walk()))
            heading = sec.text.split("\n")[0]
            assert heading.startswith(f"附件{a.number}：") and "点击下载" not in heading, heading
            if r["file"] == "001-att1.pdf":  # the page names it only by a button: the file's own title
                assert title_key(r["title"]) in title_key(heading) and a.title in heading, (heading, r["title"])
            sections += 1
            if r["kind"] == "pdf-scan":
                assert "扫描件" in text
                continue
            assert _squash(r["first_line"]) in text, (r["file"], r["first_line"])
            for m in r["must_contain"].split("|"):
                assert _squash(m) in text, (r["file"], m)
                sentences += 1
    print(f"attachments: {sections} files became 附件 sections, {sentences} must_contain sentences found in them")


# ------------------------------------------------------------------ add + build


def _held_copy(src: Path, into: Path) -> Path:
    """The real file, or -- while no reader takes its format -- its text as
    python-docx reads it (a text copy of the same attachment)."""
    into.mkdir(parents=True, exist_ok=True)
    if readable(src) or src.suffix.lower() != ".docx":
        return Path(shutil.copy(src, into / src.name))
    from docx import Document  # only this fallback reads Word files here

    out = into / (src.stem + ".txt")
    out.write_text("\n".join(p.text for p in Document(str(src)).paragraphs), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A scratch archive (the seeds) with two pages added with their files:
    012 (a 征求意见 公告 and its draft 规定, DOCX) as ``add page file``, 004 (two
    listed attachments, only the .doc given) as ``add FOLDER``; built once."""
    work = tmp_path_factory.mktemp("attach")
    paths = staged_paths(ROOT, work)
    shutil.copytree(ROOT / "source_texts", paths.sources)
    inbox = work / "inbox"
    draft = _held_copy(ATT / "012-att1.docx", inbox / "012")
    page = Path(shutil.copy(ATT / "012-page.html", inbox / "012-page.html"))
    assert main(["--root", str(work), "add", str(page), str(draft)]) == 0
    folder = inbox / "004"
    folder.mkdir()
    shutil.copy(ATT / "004-page.html", folder / "004-page.html")
    form = _held_copy(ATT / "004-att1.doc", folder)
    assert main(["--root", str(work), "add", str(folder)]) == 0
    alone = Path(shutil.copy(ATT / "014-att1.docx", inbox / "014-att1.docx"))  # an office file added alone
    assert main(["--root", str(work), "add", str(alone)]) == 0
    tagged = Path(shutil.copy(SITES2 / "sites2-001.html", inbox / "sites2-001.html"))  # a site tag on its title
    assert main(["--root", str(work), "add", str(tagged)]) == 0
    rep = build_site(ROOT, paths=paths, progress=False, log=lambda s: None)
    assert rep.ok, [str(p) for p in rep.problems if p.level == "error"]
    ids = {n: yaml_id(paths.sources / f"{n}.yml") for n in ("012-page", "004-page", "014-att1", "sites2-001")}
    return {"paths": paths, "work": work, "ids": ids, "draft": draft, "form": form, "alone": alone, "report": rep}


def yaml_id(side: Path) -> str:
    return re.search(r"^id: (\S+)$", side.read_text(encoding="utf-8"), re.M).group(1)


def _record(archive, key: str) -> dict:
    doc = archive["ids"][key]
    return json.loads(read_record_file(archive["paths"].site / "data" / "notices" / f"{doc}.json.gz"))


def test_add_stores_the_files_beside_the_page_and_maps_them_in_the_sidecar(archive):
    src = archive["paths"].sources
    assert [f.name for f in held_files(src / "012-page.html")] == [archive["draft"].name]
    assert held_files(src / "012-page.html")[0].read_bytes() == archive["draft"].read_bytes()
    side = (src / "012-page.yml").read_text(encoding="utf-8")
    assert f"- {{number: 1, file: {archive['draft'].name}}}" in side
    side4 = (src / "004-page.yml").read_text(encoding="utf-8")
    assert f"- {{number: 1, file: {archive['form'].name}}}" in side4  # the .doc is the page's 附件1
    # the held files are not documents of their own
    assert not any(files_dir(src / "012-page.html") in f.parents for f in source_files(src))
    assert not [p for p in check_archive(archive["work"]) if p.level == "error"]


def test_the_built_page_has_the_attachment_section_with_att_ids_and_the_original(archive):
    """012: the 规定 is 附件1 of the 公告, its 第X条 are ``att1-art-N``, the page
    links the original file, whose bytes are in the site."""
    rec = _record(archive, "012-page")
    att = rec["attachments"]
    assert len(att) == 1 and att[0]["status"] == "已收录" and att[0]["section"] == "att1"
    ids = [c["id"] for top in rec["clauses"] for c in _walk(top)]
    assert "att1" in ids and "att1-art-5" in ids and "att1-art-13" in ids
    assert all(i.startswith("att1") for i in ids[ids.index("att1"):])
    page = (archive["paths"].site / "notices" / f"{rec['id']}.html").read_text(encoding="utf-8")
    assert 'id="att1-art-5"' in page and "附件1：南昌市城区房地产开发项目地下车位" in page
    orig = re.search(r'href="([^"]+\.att1\.[a-z]+)" download="([^"]+)"', page)
    assert orig and orig.group(2) == archive["draft"].name
    served = (archive["paths"].site / "notices" / orig.group(1)).resolve()
    assert served.read_bytes() == archive["draft"].read_bytes()
    # the attachment's text is in the downloads too, with its ids
    # (the Markdown is made in the browser from this record, whose clauses hold att1-art-5: issue 29)
    assert f'data-make="md" download="{rec["id"]}.md"' in page
    must = next(r for r in _rows("attachments") if r["file"] == "012-att1.docx")["must_contain"].split("|")
    body = _squash(rec["body"] if "body" in rec else "".join(c["text"] for top in rec["clauses"] for c in _walk(top)))
    assert all(_squash(s) in body for s in must)


def _walk(c: dict):
    yield c
    for k in c.get("children", []):
        yield from _walk(k)


def test_an_attachment_the_archive_does_not_hold_is_named(archive):
    """004 lists 购房人申明陈述书.doc and a .pdf 补充通知; only the .doc was added:
    the page names 附件2 「未收录」 and offers the .doc's original."""
    rec = _record(archive, "004-page")
    by_num = {a["number"]: a for a in rec["attachments"]}
    assert by_num[2]["status"] == "未收录" and not by_num[2]["held"] and by_num[2]["file_name"].endswith(".pdf")
    assert by_num[1]["held"].endswith(archive["form"].name)
    page = (archive["paths"].site / "notices" / f"{rec['id']}.html").read_text(encoding="utf-8")
    li2 = re.search(r'<li id="attachment-2">(.*?)</li>', page).group(1)
    assert "未收录" in li2 and "关于进一步完善人才住房政策的补充通知" in li2
    li1 = re.search(r'<li id="attachment-1">(.*?)</li>', page).group(1)
    assert "下载原件" in li1 and "未收录" not in li1
    if readable(archive["form"]):
        assert by_num[1]["section"] == "att1" and 'id="att1"' in page
    else:  # no reader for the format yet: said, and the original still offered
        assert by_num[1]["status"].startswith("无法读取")


def test_the_cli_search_finds_a_sentence_of_the_attachment(archive, capsys):
    must = next(r for r in _rows("attachments") if r["file"] == "012-att1.docx")["must_contain"].split("|")
    doc = archive["ids"]["012-page"]
    for sentence in must:
        capsys.readouterr()
        assert main(["search", f'"{sentence}"', "--index", str(archive["paths"].index), "--json"]) == 0
        hits = json.loads(capsys.readouterr().out)
        where = [(h["doc_id"], h["clause_id"]) for h in hits["hits"]]
        assert any(d == doc and c.startswith("att1-") for d, c in where), (sentence, where[:5])


def test_attachment_ids_are_locked_and_stable_over_a_rebuild(archive):
    paths = archive["paths"]
    doc = archive["ids"]["012-page"]
    lock = (paths.sources / "anchors.lock").read_text(encoding="utf-8")
    assert re.search(rf"^{doc}\tatt1-art-5\t[0-9a-f]{{8}}$", lock, re.M)
    before = [c["id"] for top in _record(archive, "012-page")["clauses"] for c in _walk(top)]
    rep = build_site(ROOT, paths=paths, progress=False, log=lambda s: None)
    assert rep.ok
    assert [c["id"] for top in _record(archive, "012-page")["clauses"] for c in _walk(top)] == before
    assert (paths.sources / "anchors.lock").read_text(encoding="utf-8") == lock


def test_an_attachment_file_added_alone_is_its_own_document(archive, tmp_path):
    """A text copy of an attachment added by itself: a document with its own id
    and clauses, no 附件 of anyone."""
    alone = tmp_path / "alone.txt"
    alone.write_text(archive["draft"].read_text(encoding="utf-8") if archive["draft"].suffix == ".txt"
                     else read_file(archive["draft"], runner=run_tool).body, encoding="utf-8")
    work = tmp_path / "arch"
    shutil.copytree(archive["paths"].sources, work / "source_texts")
    assert main(["--root", str(work), "add", str(alone)]) == 0
    n = load_notice(work / "source_texts" / "alone.txt")
    assert n.id and not held_files(work / "source_texts" / "alone.txt")
    assert not (work / "source_texts" / "alone.files").exists()


def test_an_office_file_added_alone_links_its_original(archive):
    """014 (a DOCX table added by itself): its own document, titled by its printed heading, whose page
    offers the original file under the name it was added with; the bytes served are the file's."""
    rec = _record(archive, "014-att1")
    assert rec["title"] == "不动产登记费一览表" and not rec.get("attachments")
    page = (archive["paths"].site / "notices" / f"{rec['id']}.html").read_text(encoding="utf-8")
    orig = re.search(r'href="([^"]+\.original\.docx)" download="([^"]+)"[^>]*>原件（Word）', page)
    assert orig and orig.group(2) == "014-att1.docx", re.findall(r'<p class="downloads".*?</p>', page, re.S)
    served = (archive["paths"].site / "notices" / orig.group(1)).resolve()
    assert served.read_bytes() == archive["alone"].read_bytes()
    # a page read from HTML or text has no such link
    other = (archive["paths"].site / "notices" / f"{archive['ids']['012-page']}.html").read_text(encoding="utf-8")
    assert ".original." not in other


def test_site_tags_are_shown_on_the_card(archive):
    """sites2-001's heading carries the site's column tag 【稳经济大盘一揽子政策】: out of the title, on the
    card as 网站标签; a page without one has no such row."""
    rec = _record(archive, "sites2-001")
    assert "稳经济大盘" not in rec["title"]
    page = (archive["paths"].site / "notices" / f"{rec['id']}.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><th>网站标签</th><td>(.*?)</td></tr>", page)
    assert row and "【稳经济大盘一揽子政策】" in row.group(1)
    other = (archive["paths"].site / "notices" / f"{archive['ids']['012-page']}.html").read_text(encoding="utf-8")
    assert "<th>网站标签</th>" not in other


def test_add_refuses_a_folder_with_two_pages(tmp_path, capsys):
    folder = tmp_path / "two"
    folder.mkdir()
    shutil.copy(ATT / "012-page.html", folder)
    shutil.copy(ATT / "013-page.html", folder)
    work = tmp_path / "arch"
    (work / "source_texts").mkdir(parents=True)
    assert main(["--root", str(work), "add", str(folder)]) == 2
    assert "多个可作为正文的文件" in capsys.readouterr().err
    assert not any((work / "source_texts").iterdir())


def test_stripped_attachment_links_say_they_are_in_the_list():
    """Every page of both corpora: a page's attachment link that the reader
    strips (outside the content box) is still a stripped line, and says which
    附件 it is (issue 30: such links were only 'outside the body'); the other
    stripped lines keep their reason."""
    from build_tools.ingest.attachments import attach, link_entries  # the step the pipeline runs after structure

    named = 0
    pages = sorted(ATT.glob("*-page.html")) + sorted((CORPUS / "sites2").glob("*.html"))
    for path in pages:
        n = load_notice(path, use_sidecar=False)
        before = [(s.line, s.text, s.reason) for s in n.stripped]
        attach(n, path, runner=run_tool)
        assert [(s.line, s.text) for s in n.stripped] == [(x[0], x[1]) for x in before]  # nothing lost or added
        by_file = {a.file_name: a.number for a in n.attachments if a.file_name}
        for link in link_entries(decode(path.read_bytes(), path)[0]):
            for s in n.stripped:
                if link.line and 0 <= s.line - link.line < 4 and title_key(link.title) and \
                        title_key(link.title) in title_key(s.text):
                    assert s.reason.startswith(f"附件{by_file[link.file_name]}的链接"), (path.name, s)
        changed = [s for s, old in zip(n.stripped, before) if s.reason != old[2]]
        assert all(s.reason.endswith(old[2]) for s, old in zip(n.stripped, before))
        named += len(changed)
    print(f"stripped attachment links named: {named} lines on {len(pages)} pages")
    # the page reader keeps a link printed as the document's own 附件 line in the body (sites2 reading,
    # issue 30); the links it strips as page furniture are the ones named here (3 on these pages)
    assert named >= 3


def test_check_names_a_missing_held_file_and_an_orphan_folder(archive, tmp_path):
    """Taking a held file away is caught by ``iparchive check``: the sidecar
    names the missing file and the locked ``att1-`` ids are reported gone; a
    ``<stem>.files/`` folder without its document is named too."""
    work = tmp_path / "arch"
    shutil.copytree(archive["paths"].sources, work / "source_texts")
    src = work / "source_texts"
    held_files(src / "012-page.html")[0].unlink()
    (src / "ghost.files").mkdir()
    (src / "ghost.files" / "x.pdf").write_bytes(b"%PDF-1.4\n")
    probs = [str(p) for p in check_archive(work)]
    assert any("012-page.yml" in p and archive["draft"].name in p and "没有此文件" in p for p in probs), probs
    doc = archive["ids"]["012-page"]
    assert any(doc in p and "att1-art-5" in p and "error" in p for p in probs), probs
    assert any("ghost.files" in p and "没有对应的原始文件" in p for p in probs), probs


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="module")
def pagefind_site(archive, tmp_path_factory):
    """The scratch archive's documents built again with Pagefind (the browser
    search of large archives), served over http."""
    from build_tools.publish.serve import background_server as serve_site  # browser tests only
    from benchmarks.bench_search import build, index_records  # browser tests only

    b = build(tmp_path_factory.mktemp("attach-pf"), source_files(archive["paths"].sources), "pagefind")
    assert b["mode"] == "pagefind"
    b["records"] = index_records(b["paths"].index)
    httpd, base = serve_site(b["paths"].site)
    b["base"] = base
    yield b
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("engine", ["material", "pagefind"])
def test_browser_search_finds_the_attachment_clause(archive, pagefind_site, page, engine):
    """In Chromium: a must_contain sentence of the 规定 (附件1 of the 南昌 公告)
    is found in the browser's search box, Material's (file://) and Pagefind's
    (http), exactly where the command-line index has it (``att1-…``)."""
    from benchmarks.bench_search import Query, index_records, truth  # browser tests only
    from test_search_browser import material_search, pagefind_search  # the same box drivers

    q = "税收征管"  # from 税务部门负责地下车位（库）税收征管工作。(must_contain)
    doc = archive["ids"]["012-page"]
    if engine == "material":
        want = truth(index_records(archive["paths"].index), Query(q, "word"))
        got = material_search(page, archive, q)
    else:
        want = truth(pagefind_site["records"], Query(q, "word"))
        got = pagefind_search(page, pagefind_site["base"], q)
    assert any(d == doc and c.startswith("att1-") for d, c in want)
    assert set(got) == want, (got, want)


def test_a_missing_attachment_can_be_added_later(archive, tmp_path, capsys):
    """004 was added with its .doc only; ``iparchive add 004-page.html 004-att2.pdf``
    later adds the .pdf as 附件2 (the sidecar's id and values stay, the list
    grows by one line) and the document then holds both."""
    from build_tools.pipeline import load_documents  # the real load stage, without a site

    work = tmp_path / "arch"
    shutil.copytree(archive["paths"].sources, work / "source_texts")
    side = work / "source_texts" / "004-page.yml"
    before = side.read_text(encoding="utf-8")
    assert main(["--root", str(work), "add", str(ATT / "004-page.html"), str(ATT / "004-att2.pdf")]) == 0
    after = side.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n")) and "- {number: 2, file: 004-att2.pdf}" in after
    n = load_documents([work / "source_texts" / "004-page.html"]).notices[0]
    assert n.id == archive["ids"]["004-page"]
    assert {a.number: a.status for a in n.attachments} == {1: "已收录", 2: "已收录"}
    assert n.clause("att2") is not None
    # the same again changes nothing
    assert main(["--root", str(work), "add", str(ATT / "004-page.html"), str(ATT / "004-att2.pdf")]) == 0
    assert side.read_text(encoding="utf-8") == after


def test_a_bad_held_file_is_named_and_the_page_still_published(tmp_path):
    """A held 'PDF' that is not one (a truncated download) and an empty file:
    each is a warning naming the file, its entry says 无法读取, the page and
    its other clauses load, nothing is lost (the original stays held)."""
    from build_tools.pipeline import load_documents  # the real load stage, without a site

    page = Path(shutil.copy(ATT / "004-page.html", tmp_path / "004-page.html"))
    d = files_dir(page)
    d.mkdir()
    (d / "购房人申明陈述书.doc").write_bytes(b"")
    (d / "补充通知.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    res = load_documents([page])
    assert len(res.notices) == 1
    n = res.notices[0]
    warned = [str(p) for p in res.problems if "附件" in p.message]
    for name in ("购房人申明陈述书.doc", "补充通知.pdf"):
        a = next(a for a in n.attachments if a.held and a.held.endswith(name))
        assert a.status.startswith("无法读取") and a.section is None, a
        assert any(name in w for w in warned), warned
    assert n.clause("s1") is not None and n.clause("att1") is None


def test_parse_shows_the_attachment_list(capsys):
    """``iparchive parse`` of sites2-018 lists its three linked files (two
    forms and the original PDF) with their status; --json carries the list."""
    page = CORPUS / "sites2" / "sites2-018.html"
    assert main(["parse", str(page)]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^附件(\d)\s+(.+) \[(.+?)\] (\S+)$", out, re.M)
    assert [(int(n), st) for n, _, st, _ in rows] == [(1, "未收录"), (2, "未收录"), (3, "未收录")]
    assert [f.rsplit(".", 1)[1] for *_, f in rows] == ["doc", "doc", "pdf"]
    assert main(["parse", "--json", str(page)]) == 0
    rec = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [a["title"] for a in rec["attachments"]] == [t for _, t, _, _ in rows]
