"""Hostile input (issue 11 "Why"): script injection through every metadata
field and route, ids taken over, symlinks, bad sidecar values, terminal
escapes, huge files, exit codes.  Real builds on a copy of source_texts/ plus
documents derived from real ones (seed 002's body, a jiangxi.gov.cn page, a
lawrefbook law) carrying the classic payloads; the browser part runs in
Chromium (Playwright, as tests/test_browser.py).
"""
from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lxml import html as lxml_html

from build_tools.permanence.anchors import read_archive
from build_tools.render.downloads import read_record_file
from build_tools.cli import safe_text
from build_tools.pipeline import build_site, check_archive, source_files, staged_paths
from build_tools.render.common import safe_url
from build_tools.publish.linkcheck import linkcheck
from conftest import LAWREF, ROOT, SHARED

# every classic payload in one string: each sets a flag if it ever runs
P = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
     '<svg onload="window.__pwned=3">"><b>{{ 7*7 }}{% if 1 %}X{% endif %} '
     '{: onclick="window.__pwned=4" } --8<-- "/etc/passwd" [点我](javascript:window.__pwned=5)')
TITLE = f"关于{P}加强知识产权保护的通知"
URL = 'https://example.invalid/a?b="><script>window.__pwned=8</script><img/src=x/onerror=window.__pwned=8>'
KUNMING = "002_f819ad9b31b3e7a6.txt"
PROVINCIAL = SHARED / "corpus" / "provincial" / "provincial-001.html"
PROVINCIAL_TITLE = "江西省人民政府办公厅印发关于金融支持防控疫情稳定经济增长若干措施的通知"
LAW = LAWREF / "宪法" / "宪法修正案（1988年）.md"
IDS = {"sidecar": "yunnan-2023-xss001", "firstline": "yunnan-2023-xss002", "html": "jiangxi-2020-xss003",
       "lawmd": "cn-1988-xss004"}


def _yaml(v) -> str:
    return json.dumps(v, ensure_ascii=False)


def hostile_sources(src: Path) -> None:
    """Add four documents whose every field carries the payloads, each by another route."""
    kunming = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8").split("\n")
    body = "\n".join(kunming[1:])
    # 1. sidecar route: title, issuer, doc_number, notes, source_url (http but with quotes)
    (src / "xss_sidecar.txt").write_text(f"{TITLE}\n{body}\n（一）{P}正文中的载荷。\n", encoding="utf-8")
    (src / "xss_sidecar.yml").write_text(
        f"id: {IDS['sidecar']}\ntitle: {_yaml(TITLE)}\nissuer: [{_yaml(P)}]\n"
        f"doc_number: {_yaml('云政办发〔2023〕1号' + P)}\ndate_written: '2023-05-06'\nyear: 2023\nregion: 云南省\n"
        f"doc_type: 通知\nstatus: 正式\nsource_url: {_yaml(URL)}\n"
        f"notes: [{_yaml(P)}]\n", encoding="utf-8")
    # 2. first line of a .txt (no title in the sidecar), payloads in the clauses too
    (src / "xss_firstline.txt").write_text(
        '关于<script>window.__pwned=6</script>做好<img src=x onerror="window.__pwned=7">知识产权工作的通知\n'
        "各县（市、区）人民政府：\n"
        f"　　一、总体要求\n　　（一）切实加强知识产权保护工作，{P}。\n　　二、保障措施\n"
        "　　本通知自印发之日起施行。\n云南省人民政府办公厅\n2023年5月6日\n", encoding="utf-8")
    (src / "xss_firstline.yml").write_text(f"id: {IDS['firstline']}\nregion: 云南省\n", encoding="utf-8")
    # 3. a scraped page: entity-encoded payload in <title>, ArticleTitle, the heading; javascript: in meta Url
    page = PROVINCIAL.read_text(encoding="utf-8").replace(PROVINCIAL_TITLE, html.escape(TITLE))
    # the forwarded plan's title, in the cover note and in its heading (split across spans)
    page = re.sub(r"关于金融支持防控疫情(?:<span[^>]*>)?稳定经济增长的若干措施", html.escape(f"关于{P}的若干措施").replace("\\", "\\\\"),
                  page)
    page = re.sub(r'<meta name="Url" content="[^"]*">', '<meta name="Url" content="javascript:window.__pwned=9">', page)
    (src / "xss_page.html").write_text(page, encoding="utf-8")
    (src / "xss_page.yml").write_text(f"id: {IDS['html']}\n", encoding="utf-8")
    # 4. a lawrefbook law whose "# heading" carries the payload
    law = LAW.read_text(encoding="utf-8").split("\n")
    law = [f"# 宪法修正案{P}" if line.startswith("# ") else line for line in law]
    (src / "xss_law.md").write_text("\n".join(law), encoding="utf-8")
    (src / "xss_law.yml").write_text(f"id: {IDS['lawmd']}\n", encoding="utf-8")


def _archive(work: Path):
    paths = staged_paths(ROOT, work)
    shutil.copytree(ROOT / "source_texts", paths.sources)
    return paths


def _build(paths, **kw):
    msgs: list[str] = []
    rep = build_site(ROOT, paths=paths, progress=False, log=msgs.append, **kw)
    return rep, msgs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    paths = _archive(tmp_path_factory.mktemp("hostile") / "w")
    hostile_sources(paths.sources)
    rep, msgs = _build(paths)
    assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
    return paths


# ------------------------------------------------------------ escaping, static

def test_safe_url_allows_http_and_relative_only():
    for ok in ("http://www.gov.cn/x.htm", "HTTPS://a.b/c?d=1#e", "../notices/x.html", "x.html#s2-3", "#s1"):
        assert safe_url(ok) == ok
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,<b>",
                "vbscript:x", "//evil.example/x", "file:///etc/passwd", "\\\\evil\\x", "", None, 12):
        assert safe_url(bad) is None, bad


def test_every_payload_is_text_in_every_generated_html_page(hostile):
    """No payload survives as markup anywhere in the built HTML; the notice
    pages show the title literally in <title>, the header and the h1."""
    site = hostile.site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    leaks = []
    for p in pages:
        doc = lxml_html.fromstring(p.read_bytes())
        data = doc.xpath('//script[@type="application/ld+json"]')  # JSON-LD: a data block, <>& as \\u escapes
        assert not any("<" in (el.text or "") for el in data)
        live = (doc.xpath('//script[not(contains(@type, "json"))][contains(., "__pwned")]')
                + doc.xpath("//img[@src='x'] | //svg[@onload]")
                + doc.xpath('//a[starts-with(normalize-space(@href), "javascript")]')
                + [el for el in doc.iter() if isinstance(el.tag, str)
                   and any(k.startswith("on") and "__pwned" in v for k, v in el.attrib.items())])
        if live:
            leaks.append(p.relative_to(site).as_posix())
    assert leaks == []
    assert sum("__pwned" in p.read_text(encoding="utf-8") for p in pages) >= 12  # the payloads are there, as text
    for key, doc_id in IDS.items():
        doc = lxml_html.fromstring((site / "notices" / f"{doc_id}.html").read_bytes())
        title = doc.findtext(".//title")
        header = " ".join(doc.xpath('string(//*[@data-md-component="header-topic"])').split())
        h1 = doc.xpath('string(//h1[@id="iparchive-title"])')
        assert "<script>window.__pwned=" in title and "<img src=x" in title, (key, title)
        assert "<script>window.__pwned=" in header, (key, header)
        assert "<script>window.__pwned=" in h1, (key, h1)
        assert not doc.xpath('//script[not(contains(@type, "json"))][contains(., "__pwned")]')
        assert not doc.xpath("//img[@src='x']")
    # javascript: from a scraped page's meta Url is shown as text, never a link
    doc = lxml_html.fromstring((site / "notices" / f"{IDS['html']}.html").read_bytes())
    assert not doc.xpath('//a[starts-with(@href, "javascript")]')
    # Material's search index holds the titles escaped
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    titles = [d["title"] for d in index["docs"] if "__pwned" in d["title"]]
    assert titles and not any("<script" in t or "<img" in t for t in titles)


def test_the_built_site_has_a_content_security_policy_without_unsafe_inline(hostile):
    doc = lxml_html.fromstring((hostile.site / "notices" / f"{IDS['sidecar']}.html").read_bytes())
    csp = doc.xpath('string(//meta[@http-equiv="Content-Security-Policy"]/@content)')
    assert "script-src" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]


# ------------------------------------------------------------ browser

def _file_url(site: Path, rel: str) -> str:
    return (site / rel).resolve().as_uri()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _guarded_page(browser):
    """A page where any script run by a payload or any dialog is recorded."""
    pg = browser.new_page()
    events: list[str] = []
    pg.on("dialog", lambda d: (events.append(f"dialog {d.message}"), d.dismiss()))
    pg.on("console", lambda m: events.append(f"console {m.text}") if "__pwned" in m.text else None)
    pg.add_init_script("window.__pwned = 0;")
    return pg, events


def _assert_clean(pg, events):
    pg.wait_for_timeout(300)
    assert pg.evaluate("window.__pwned") == 0
    assert not [e for e in events if e.startswith("dialog")]


def _hostile_pages(paths) -> list[str]:
    site = paths.site
    found = []
    for rel in ["index.html", "notices/index.html", "generated/timeline.html", "generated/targets.html",
                "tags/region/530000.html", "tags/year/2023.html"]:
        if (site / rel).is_file():
            found.append(rel)
    found += [f"notices/{i}.html" for i in IDS.values()]
    # every tag page that lists a hostile document (themes, types, status, regions, years)
    for p in sorted((site / "tags").rglob("*.html")):
        rel = p.relative_to(site).as_posix()
        if rel not in found and "__pwned" in p.read_text(encoding="utf-8"):
            found.append(rel)
    return found


@pytest.mark.browser
def test_no_payload_runs_in_chromium_on_any_page_and_text_shows_literally(hostile, browser):
    pg, events = _guarded_page(browser)
    pages = _hostile_pages(hostile)
    assert len(pages) >= 12 and "generated/timeline.html" in pages
    for rel in pages:
        pg.goto(_file_url(hostile.site, rel))
        _assert_clean(pg, events)
    pg.goto(_file_url(hostile.site, f"notices/{IDS['sidecar']}.html"))
    assert "<script>window.__pwned=1</script>" in pg.title()
    assert "<img src=x onerror=" in pg.locator("h1#iparchive-title").inner_text()
    assert "{{ 7*7 }}" in pg.locator("h1#iparchive-title").inner_text()  # no template ran
    pg.goto(_file_url(hostile.site, "notices/index.html"))
    assert "<script>window.__pwned=6</script>" in pg.locator("article").inner_text()
    # the feed is XML: opened directly, nothing runs either
    feeds = sorted(hostile.site.rglob("*.xml"))
    for f in feeds:
        pg.goto(f.resolve().as_uri())
        _assert_clean(pg, events)
    pg.close()


def _material_search(pg, query: str):
    box = pg.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query, delay=30)
    box.press("End")
    pg.wait_for_selector(".md-search-result__item", timeout=20000)
    return pg.locator(".md-search-result__item")


@pytest.mark.browser
def test_material_search_results_show_payload_titles_as_text(hostile, browser):
    pg, events = _guarded_page(browser)
    pg.goto(_file_url(hostile.site, "index.html"))
    results = _material_search(pg, "pwned")
    assert results.count() >= 1
    _assert_clean(pg, events)
    text = pg.locator(".md-search-result").inner_text()
    assert "<script>" in text.replace("\u200b", "") or "<img" in text.replace("\u200b", "")
    pg.close()


@pytest.fixture(scope="module")
def hostile_pagefind(tmp_path_factory, hostile):
    paths = _archive(tmp_path_factory.mktemp("hostile-pf") / "w")
    hostile_sources(paths.sources)
    old = os.environ.get("IPARCHIVE_SEARCH")
    os.environ["IPARCHIVE_SEARCH"] = "pagefind"
    try:
        rep, msgs = _build(paths)
    finally:
        os.environ.pop("IPARCHIVE_SEARCH") if old is None else os.environ.__setitem__("IPARCHIVE_SEARCH", old)
    assert rep.ok, msgs
    assert (paths.site / "pagefind" / "pagefind.js").is_file()
    handler = functools.partial(_Quiet, directory=str(paths.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield paths, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
def test_pagefind_search_results_show_payload_titles_as_text(hostile_pagefind, browser):
    paths, server = hostile_pagefind
    pg, events = _guarded_page(browser)
    pg.goto(f"{server}/notices/{IDS['sidecar']}.html")
    _assert_clean(pg, events)
    pg.goto(f"{server}/index.html")
    box = pg.locator("input.ipa-search__input")
    box.click()
    box.press_sequentially("加强知识产权保护", delay=30)
    box.press("End")
    results = pg.locator("ol.ipa-search__results")
    pg.wait_for_function("(document.querySelector('ol.ipa-search__results') || {}).innerText"
                         "?.includes('__pwned')", timeout=30000)
    _assert_clean(pg, events)
    assert "<script>window.__pwned" in results.inner_text().replace("\u200b", "")
    pg.close()


# ------------------------------------------------------------ ids, sources, sidecars

@pytest.fixture()
def archive(tmp_path):
    return _archive(tmp_path / "w")


def test_a_new_file_cannot_take_over_a_published_id(archive):
    """Issue 11 case 3: a file sorting first with the same sidecar id."""
    assert _build(archive)[0].ok
    page = archive.site / "notices" / "kunming-2022-4dd4de.html"
    good = page.read_bytes()
    lock = (archive.sources / "anchors.lock").read_bytes()
    owners = (archive.sources / "ids.lock").read_text(encoding="utf-8")
    assert "kunming-2022-4dd4de\t002_f819ad9b31b3e7a6.txt\n" in owners
    impostor = archive.sources / "000_000_impostor.txt"
    impostor.write_text("关于冒名顶替的通知\n一、这是另一个文件的正文。\n", encoding="utf-8")
    impostor.with_suffix(".yml").write_text("id: kunming-2022-4dd4de\n", encoding="utf-8")
    assert sorted(source_files(archive.sources))[0] == impostor
    rep, msgs = _build(archive)
    assert rep.ok
    errors = [p for p in rep.problems if p.level == "error"]
    assert [Path(p.file).name for p in errors] == [impostor.name]
    assert "002_f819ad9b31b3e7a6.txt" in errors[0].message
    assert page.read_bytes() == good and (archive.sources / "anchors.lock").read_bytes() == lock
    assert "这是另一个文件的正文" not in page.read_text(encoding="utf-8")
    problems = check_archive_at(archive)
    assert any(Path(p.file).name == impostor.name and p.level == "error" for p in problems)


def check_archive_at(paths):
    """``iparchive check`` on a staged archive (its root holds source_texts/)."""
    return check_archive(paths.sources.parent)


def test_symlinks_and_special_files_in_source_texts_are_refused(archive):
    (archive.sources / "passwd.txt").symlink_to("/etc/passwd")
    (archive.sources / "passwd.yml").write_text("id: leak-passwd\n", encoding="utf-8")
    (archive.sources / "linked-dir").symlink_to("/etc", target_is_directory=True)
    os.mkfifo(archive.sources / "fifo.txt")
    rep, msgs = _build(archive)
    assert rep.ok
    joined = "\n".join(msgs)
    assert "passwd.txt" in joined and "符号链接" in joined and "fifo.txt" in joined and "linked-dir" in joined
    assert not (archive.site / "notices" / "leak-passwd.html").exists()
    assert "root:x:0:0" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                        for p in (archive.site / "data").rglob("*.json"))


def test_one_bad_sidecar_value_fails_one_document_and_the_rest_publish(archive):
    """Issue 11 cases 6 and 7: each bad value is that document's error, with
    its line; a good new document beside them is published; check never crashes."""
    src = archive.sources
    body = (src / KUNMING).read_text(encoding="utf-8")
    bad = {
        "url-int": "source_url: 12",
        "url-js": "source_url: javascript:alert(1)",
        "title-map": "title: {x: 1}",
        "date-unquoted": "date_written: 2023-13-45",
        "date-quoted": "date_written: '2023-13-45'",
        "date-zero": "date_published: '0000-00-00'",
        "issuer-map": "issuer: [{a: 1}]",
        "ctrl": 'title: "关于\\e[2J的通知"',
    }
    for k, (name, line) in enumerate(bad.items()):
        (src / f"bad-{name}.txt").write_text(body.replace("昆明", f"测试{k}", 3), encoding="utf-8")
        (src / f"bad-{name}.yml").write_text(f"id: bad-{name}\nregion: 云南省\n{line}\n", encoding="utf-8")
    (src / "good-new.txt").write_text(body.replace("昆明", "玉溪", 3), encoding="utf-8")
    (src / "good-new.yml").write_text("id: good-new\nregion: 云南省\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "build_tools.cli", "--root", str(archive.sources.parent), "check"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr
    for name in bad:
        assert re.search(rf"bad-{name}\.yml:3: error: ", r.stdout), (name, r.stdout)
    rep, msgs = _build(archive)
    assert rep.ok
    assert {Path(p.file).stem for p in rep.problems if p.level == "error"} == {f"bad-{n}" for n in bad}
    assert (archive.site / "notices" / "good-new.html").is_file()
    assert not any((archive.site / "notices" / f"bad-{n}.html").exists() for n in bad)


# ------------------------------------------------------------ add, CLI, serve

def _cli(*args, root=None, **kw):
    pre = ["--root", str(root)] if root else []
    return subprocess.run([sys.executable, "-m", "build_tools.cli", *pre, *args], cwd=ROOT,
                          capture_output=True, text=True, **kw)


def test_add_refuses_control_character_names_and_identical_files(archive, tmp_path):
    root = archive.sources.parent
    weird = tmp_path / "通知\n第二行.txt"
    weird.write_bytes((ROOT / "source_texts" / KUNMING).read_bytes() + "补充".encode())
    r = _cli("add", str(weird), root=root)
    assert r.returncode == 2 and "控制字符" in r.stderr and not list(archive.sources.glob("通知*"))
    twin = tmp_path / "昆明副本.txt"
    shutil.copyfile(ROOT / "source_texts" / KUNMING, twin)
    r = _cli("add", str(twin), root=root)
    assert r.returncode == 2 and KUNMING in r.stderr and "内容完全相同" in r.stderr
    assert not (archive.sources / "昆明副本.txt").exists() and not (archive.sources / "昆明副本.yml").exists()
    r = _cli("add", str(LAW), root=root)
    assert r.returncode == 0, r.stderr
    side = archive.sources / (LAW.stem + ".yml")
    assert side.is_file() and not [p for p in archive.sources.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name,words", [
    ("长" * 83 + ".txt", "文件名过长"),  # 253 bytes: its sidecar's temp file passed 255 and add failed half-way
    ("通\u200b知.txt", "不可见"),  # a zero-width space: looks like 通知.txt
    ("通知 .txt", "空格"),
    ("\u3000通知.txt", "空格"),
])
def test_add_refuses_names_that_cannot_be_held_or_look_like_another(archive, tmp_path, name, words):
    """Issue 28 tried again: a 253-byte name was copied in, then its sidecar's
    temp file hit the 255-byte limit (「文件系统错误」 naming a temp file);
    U+200B and edge spaces make two names that look one."""
    f = tmp_path / name
    f.write_bytes((ROOT / "source_texts" / KUNMING).read_bytes().replace("昆明".encode(), "昆阳".encode()))
    before = sorted(p.name for p in archive.sources.iterdir())
    r = _cli("add", str(f), root=archive.sources.parent)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert sorted(p.name for p in archive.sources.iterdir()) == before


def test_every_real_name_is_accepted():
    """The name rules refuse none of the corpus' files (the longest, a
    lawrefbook interpretation, is 237 bytes)."""
    from build_tools.pipeline import source_name_problem

    names = [p.name for p in SHARED.rglob("*") if p.is_file() and p.suffix in (".md", ".txt", ".html", ".pdf", ".docx", ".doc")
             and p.name not in ("README.md", "_index.md")]
    assert len(names) > 3000 and max(len(n.encode()) for n in names) >= 237
    assert [n for n in names if source_name_problem(n)] == []


def test_exit_codes_are_distinct_and_input_errors_have_no_traceback(archive, tmp_path):
    assert _cli("build", "--bogus").returncode == 3
    assert _cli("no-such-command").returncode == 3
    r = _cli("add", str(tmp_path / "missing.txt"), root=archive.sources.parent)
    assert r.returncode == 3 and "Traceback" not in r.stderr


def test_terminal_escapes_never_reach_the_terminal(tmp_path):
    text = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8")
    f = tmp_path / "esc.txt"
    f.write_text(text.replace("持续加强", "持续\x1b[2J\x1b]0;pwned\x07\x9b31m加强", 1), encoding="utf-8")
    for args in (["parse", str(f)], ["parse", "--json", str(f)]):
        r = _cli(*args)
        assert not re.search(r"[\x1b\x07\x9b]", r.stdout + r.stderr), args
        assert "持续" in r.stdout
    json.loads(_cli("parse", "--json", str(f)).stdout)  # still JSON
    assert safe_text("a\x1b[2Jb\x9bc") == "a\\u001b[2Jb\\u009bc"


def test_serve_refuses_symlinks_out_of_the_tree_and_lists_no_directories(tmp_path):
    site = tmp_path / "site"
    (site / "notices").mkdir(parents=True)
    (site / "index.html").write_text("<h1>文库</h1>", encoding="utf-8")
    (site / "notices" / "a.html").write_text("<p>甲</p>", encoding="utf-8")
    (site / "passwd.html").symlink_to("/etc/passwd")
    (site / "etc").symlink_to("/etc", target_is_directory=True)
    (site / "inside.html").symlink_to(site / "notices" / "a.html")
    proc = subprocess.Popen([sys.executable, "-m", "build_tools.cli", "serve", "--site", str(site), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = re.search(r"127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1)

        def status(path):
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=10).status
            except urllib.error.HTTPError as e:
                return e.code

        assert status("index.html") == 200 and status("notices/a.html") == 200 and status("inside.html") == 200
        assert status("passwd.html") == 404 and status("etc/passwd") == 404 and status("etc/") == 404
        assert status("notices/") == 404  # no listing
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_9_mb_text_is_refused_with_a_clear_message_and_the_rest_publish(archive):
    """A 9 MB text became a 96 MB page (per-clause anchors and buttons)."""
    text = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8")
    big = archive.sources / "huge.txt"
    big.write_text(text * (9_000_000 // len(text.encode()) + 1), encoding="utf-8")
    big.with_suffix(".yml").write_text("id: huge-doc\n", encoding="utf-8")
    assert big.stat().st_size > 9_000_000
    rep, msgs = _build(archive, index=False)
    assert rep.ok and rep.notices == len(source_files(ROOT / "source_texts"))
    assert any("huge.txt" in m and "文件过大" in m for m in msgs)
    assert not (archive.site / "notices" / "huge-doc.html").exists()


# ------------------------------------------------------------ the lock

def test_a_truncated_lock_is_an_error_in_check_and_build(archive):
    """Issue 11 case 2: a 0-byte anchors.lock made check silent and let a
    build delete published clauses; ids.lock says which documents were published."""
    assert _build(archive)[0].ok
    good = (archive.site / "notices" / "kunming-2022-4dd4de.html").read_bytes()
    (archive.sources / "anchors.lock").write_bytes(b"")
    problems = check_archive_at(archive)
    assert any(p.level == "error" and "anchors.lock" in p.file and "截断" in p.message for p in problems)
    rep, msgs = _build(archive)
    assert not rep.ok and (archive.site / "notices" / "kunming-2022-4dd4de.html").read_bytes() == good
    assert (archive.sources / "anchors.lock").read_bytes() == b""  # nothing rewritten over the evidence


def test_a_full_disk_during_the_lock_write_leaves_the_old_lock(archive, monkeypatch):
    import errno

    from build_tools.permanence import anchors
    from build_tools import fsutil

    lock = archive.sources / "anchors.lock"
    before = lock.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", full)
    with pytest.raises(OSError):
        fsutil.atomic_write_text(lock, anchors.format_lock({"x": {"s1": "00000000"}}))
    assert lock.read_bytes() == before
    assert not [p for p in archive.sources.iterdir() if p.name.endswith(".tmp")]


def test_two_byte_identical_sources_with_their_own_ids_are_reported(archive):
    twin = archive.sources / "kunming-copy.txt"
    shutil.copyfile(archive.sources / KUNMING, twin)
    twin.with_suffix(".yml").write_text("id: kunming-copy\nregion: 昆明市\n", encoding="utf-8")
    problems = check_archive_at(archive)
    dup = [p for p in problems if Path(p.file).name == twin.name and "内容完全相同" in p.message]
    assert len(dup) == 1 and KUNMING in dup[0].message


# ============================================================ issue 28: hostile input II, by principle

def _doc(src: Path, name: str, k: int, sidecar: str) -> Path:
    """A new document derived from seed 002 (its places renamed, so it is not a near-duplicate)."""
    body = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8")
    f = src / name
    f.write_text(body.replace("昆明", f"样{k}", 3).replace("持续加强", f"持续加强（第{k}稿）", 1), encoding="utf-8")
    f.with_suffix(".yml").write_text(sidecar, encoding="utf-8")
    return f


def _check(root: Path) -> subprocess.CompletedProcess:
    r = _cli("check", root=root, timeout=300)
    assert "Traceback" not in r.stdout + r.stderr
    return r


# ---- 1. no traceback reaches a user

SHAPES = {  # sidecar line 2 -> what the error must say
    "status-list": ("status: [正式]", "未知状态"),
    "status-map": ("status: {a: 1}", "未知状态"),
    "basis-list": ("basis: {year: [1]}", "basis.year"),
    "basis-keys": ("basis: [year]", "basis 应为映射"),
    "region-map": ("region: {a: 1}", "未知地区"),
    "year-float": ("year: 2020.5", "year"),
    "year-nan": ("year: .nan", "year"),
    "notes-map": ("notes: {a: 1}", "notes"),
    "kind-list": ("kind: [law]", "kind"),
    "binary": ("title: !!binary AAAA", "title 应为字符串"),
    "python-tag": ("title: !!python/object:os.system ls", "YAML"),
    "set-key": ("? [a, b]\n: 1", "YAML"),
    # 2. bounded input: aliases, an alias bomb, 20,000 levels, a key twice
    "alias": ("title: &a 标题\ndoc_type: *a", "锚点"),
    "bomb": ('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
             'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]', "锚点"),
    "deep": ("notes: " + "[" * 20000 + "]" * 20000, "嵌套"),
    "deep-map": ("notes: " + "{a: " * 5000 + "1" + "}" * 5000, "嵌套"),
    "dup-key": ("title: 甲\ntitle: 乙", "第 2 行与第 3 行"),
    # 3. bidi and invisible controls in metadata
    "bidi-title": ('title: "关于\\u202e知识产权的通知"', "U+202E"),
    "bidi-issuer": ('issuer: ["云南省\\u2067人民政府"]', "issuer"),
    "bidi-notes": ('notes: ["更正\\u200f说明"]', "notes"),
    "lsep-title": ('title: "关于\\u2028知识产权的通知"', "U+2028"),
    # 7. names the site uses itself
    "id-index": (None, "网站自身页面"),
}


def test_every_bad_sidecar_shape_is_one_error_with_its_line_never_a_traceback(archive):
    """Issue 28: a list where a status was expected, a YAML alias bomb, a
    20,000-deep list, a repeated key: each is its document's error with its
    line in ``check`` (exit 1), never a traceback, and the build publishes the rest."""
    src = archive.sources
    for k, (name, (line, _)) in enumerate(SHAPES.items()):
        side = f"id: s-{name}\n{line}\n" if line is not None else "id: index\n"
        _doc(src, f"s-{name}.txt", k, side)
    _doc(src, "good-new.txt", 99, "id: good-new\nregion: 云南省\n")
    r = _check(archive.sources.parent)
    assert r.returncode == 1
    for name, (line, words) in SHAPES.items():
        row = [x for x in r.stdout.splitlines() if f"s-{name}.yml:" in x]
        assert row and words in row[0], (name, r.stdout[-3000:])
        assert re.search(rf"s-{name}\.yml:[1-9]\d*: error: ", row[0]), row
    assert sum(1 for x in r.stdout.splitlines() if x.startswith("检查完毕")) == 1
    rep, msgs = _build(archive, index=False)
    assert rep.ok
    assert {Path(p.file).stem for p in rep.problems if p.level == "error"} == {f"s-{n}" for n in SHAPES}
    assert (archive.site / "notices" / "good-new.html").is_file()
    assert not (archive.site / "notices" / "s-bomb.html").exists()
    # the document list is still the site's own page (id: index was refused)
    assert 'id="doc-filter"' in (archive.site / "notices" / "index.html").read_text(encoding="utf-8")


BOOM = """
import sys
import build_tools.cli as cli
def boom(args):
    raise RuntimeError("a bug: " + "x" * 10)
cli.cmd_check = boom
sys.exit(cli.main(["--root", sys.argv[1], "check"]))
"""


def test_an_unexpected_failure_is_a_short_message_naming_the_log_not_a_traceback(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("IPARCHIVE_DEBUG", None)
    r = subprocess.run([sys.executable, "-c", BOOM, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "内部错误" in r.stderr
    log = tmp_path / "build" / "iparchive-error.log"
    assert str(log) in r.stderr and "RuntimeError: a bug" in log.read_text(encoding="utf-8")
    env["IPARCHIVE_DEBUG"] = "1"  # asked for: the traceback too
    r = subprocess.run([sys.executable, "-c", BOOM, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "Traceback" in r.stderr


@pytest.mark.parametrize("lock,data,words", [
    ("anchors.lock", b"\xff\xfe\x00garbage", "UTF-8"),
    ("anchors.lock", None, "不是普通文件"),
    ("redirects.yml", b"- 1\n", "映射"),
    ("clause-history.lock", b"a: [\n", "YAML"),
])
def test_a_broken_lock_is_a_message_in_check_and_build(archive, lock, data, words):
    p = archive.sources / lock
    p.unlink(missing_ok=True)
    if data is None:
        p.mkdir()
    else:
        p.write_bytes(data)
    r = _check(archive.sources.parent)
    assert r.returncode in (0, 1) and words in r.stdout + r.stderr, r.stdout + r.stderr
    r = _cli("build", "--quiet", root=archive.sources.parent, timeout=600)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode in (0, 1, 2) and (r.returncode == 0 or words in r.stderr), r.stderr[-2000:]


def _works_lock_variants(good: bytes) -> dict[str, tuple[bytes, int, str]]:
    """Garbage works.locks made from the real one: name -> (bytes, the line to be named, words)."""
    lines = good.decode("utf-8").split("\n")
    first = next(k for k, x in enumerate(lines) if x and not x.startswith("#"))  # 0-based
    row = lines[first]
    doc, work = row.split("\t")

    def with_row(new: str, at: int = first) -> bytes:
        return "\n".join(lines[:at] + [new] + lines[at + 1:]).encode("utf-8")

    return {
        "binary": ("\n".join(lines[:first + 1] + [""]).encode("utf-8") + b"\x89PNG\r\n\x1a\n\x00\xff\xfe" + good,
                   first + 2, "UTF-8"),
        "truncated": (good[:-5], len(lines) - 1, "截断"),
        "three columns": (with_row(f"{row}\textra"), first + 1, "格式错误"),
        "swapped columns": (with_row(f"{work}\t{doc}"), first + 1, "格式错误"),
        "short work id": (with_row(f"{doc}\tw-1"), first + 1, "格式错误"),
        "duplicate id": (with_row(f"{doc}\tw-0123456789", first + 1) if lines[first + 1] else good, first + 2, "重复"),
        "nul": (with_row(row[:4] + "\0" + row[4:]), first + 1, "NUL"),
    }


def test_every_garbage_works_lock_is_an_error_naming_file_and_line():
    """Issue 28: a garbage works.lock (binary, truncated, wrong columns,
    duplicate ids) was accepted silently; each is now WorksLockError with
    the file and the line, and the real lock still loads."""
    from build_tools.enrich.versions import WorksLockError, load_works_lock
    import tempfile

    real = ROOT / "source_texts" / "works.lock"
    assert len(load_works_lock(real)) > 5
    with tempfile.TemporaryDirectory() as d:
        for name, (data, line, words) in _works_lock_variants(real.read_bytes()).items():
            p = Path(d) / "works.lock"
            p.write_bytes(data)
            with pytest.raises(WorksLockError) as e:
                load_works_lock(p)
            assert (e.value.line, Path(e.value.path).name) == (line, "works.lock") and words in e.value.message, \
                (name, e.value.line, e.value.message)


def test_a_garbage_works_lock_stops_check_and_build_with_its_line(archive):
    """The binary works.lock through ``check`` and ``build``: the file and line
    named, exit 1/2 with no traceback, the last good site kept as it was."""
    assert _build(archive, index=False)[0].ok
    page = (archive.site / "index.html").read_bytes()
    lock = archive.sources / "works.lock"
    data, line, words = _works_lock_variants(lock.read_bytes())["binary"]
    lock.write_bytes(data)
    r = _check(archive.sources.parent)
    assert r.returncode == 1 and f"works.lock:{line}" in r.stdout + r.stderr and words in r.stdout + r.stderr, r.stdout
    r = _cli("build", "--quiet", root=archive.sources.parent, timeout=600)
    assert r.returncode == 2 and "Traceback" not in r.stdout + r.stderr, r.stderr[-2000:]
    assert f"works.lock:{line}" in r.stdout + r.stderr and "works.lock 无法读取或不完整" in r.stderr
    assert (archive.site / "index.html").read_bytes() == page and lock.read_bytes() == data  # nothing rewritten


def test_a_works_lock_cut_at_a_line_boundary_names_the_works_it_lost(archive):
    """Rows deleted (``head -n``: every line whole, so the format holds): the
    works published in the live site without their row are named, and
    ``check`` and the build stop; the works would otherwise get new ids."""
    assert _build(archive, index=False)[0].ok
    lock = archive.sources / "works.lock"
    good = lock.read_text(encoding="utf-8").split("\n")
    rows = [x for x in good if x and not x.startswith("#")]
    assert len(rows) >= 3
    lock.write_text("\n".join(good[:good.index(rows[0]) + 1]) + "\n", encoding="utf-8")  # the first row only
    page = (archive.site / "index.html").read_bytes()
    errs = [p for p in check_archive_at(archive) if p.level == "error"]
    assert [Path(p.file).name for p in errs] == ["works.lock"], errs
    assert all(r.split("\t")[0] in errs[0].message or "等" in errs[0].message for r in rows[1:6])
    assert rows[0].split("\t")[0] not in errs[0].message
    rep, msgs = _build(archive, index=False)
    assert not rep.ok and any("works.lock" in m and "不完整" in m for m in msgs), msgs
    assert (archive.site / "index.html").read_bytes() == page


# ---- 2. bounded input

def test_a_sidecar_of_thousands_of_issuers_grows_its_page_linearly(archive):
    """Issue 28 tried again: 12,000 issuers in a 234 KB sidecar were repeated
    in every clause's GB/T 7714 citation (``data-gbt``): a 6.2 MB page.  Now
    the citation names three and 「等」 (GB/T 7714-2015 8.1.2), the list
    appears on the card and in the page's JSON-LD only."""
    import yaml as pyyaml

    issuers = [f"机构{i:05d}" for i in range(12000)]
    _doc(archive.sources, "many-issuers.txt", 1, "id: many-issuers\nissuer: " + json.dumps(issuers, ensure_ascii=False) + "\n")
    _doc(archive.sources, "one-issuer.txt", 2, "id: one-issuer\nissuer: [机构00000]\n")
    side = (archive.sources / "many-issuers.yml").stat().st_size
    assert len(pyyaml.safe_load((archive.sources / "many-issuers.yml").read_text(encoding="utf-8"))["issuer"]) == 12000
    rep, msgs = _build(archive, index=False)
    assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
    many = (archive.site / "notices" / "many-issuers.html").read_text(encoding="utf-8")
    one = (archive.site / "notices" / "one-issuer.html").read_text(encoding="utf-8")
    assert len(many.encode()) - len(one.encode()) < 6 * side, (len(many.encode()), side)
    gbt = set(re.findall(r'data-gbt="([^"]*)"', many))
    assert gbt and all(g.startswith("机构00000，机构00001，机构00002，等. ") for g in gbt), sorted(gbt)[:2]
    assert "机构11999" in many  # the whole list is still on the card


@pytest.mark.parametrize("key,value,words", [
    ("source_url", "https://example.cn/" + "a" * 200_000, "过长"),
    ("title", "长" * 301, "过长"),
    ("doc_number", "云知发〔2023〕" + "1" * 400 + "号", "过长"),
    ("issuer", ["机构" * 200], "过长"),
])
def test_a_sidecar_value_past_its_bound_is_an_error_with_its_line(tmp_path, key, value, words):
    """One-line sidecar values are bounded (limits.MAX_TITLE_CHARS, MAX_URL_CHARS):
    a 200,000-character source_url was accepted and shown on the card, in
    archive.json and the .txt download."""
    from build_tools.ingest.sidecar import parse_sidecar, validate

    side = parse_sidecar(tmp_path / "x.yml", f"id: bounded\n{key}: {json.dumps(value, ensure_ascii=False)}\n")
    errs = validate(side)
    assert [line for line, _ in errs] == [2] and words in errs[0][1], errs


def test_a_yaml_merge_key_in_a_sidecar_is_an_error_with_its_line(tmp_path):
    """``<<: {title: B}`` beside ``title: A``: the merged title lost silently
    (accepted, then ignored); merge keys are refused like aliases."""
    from build_tools.ingest.sidecar import SidecarError, parse_sidecar

    with pytest.raises(SidecarError) as e:
        parse_sidecar(tmp_path / "m.yml", "id: merged\ntitle: 甲\n<<: {title: 乙}\n")
    assert e.value.line == 3 and "合并键" in e.value.message


def test_a_title_past_its_bound_is_refused_and_never_slow(archive, tmp_path):
    """A 200,000-character ``<title>``/ArticleTitle/``<h1>`` ran past five
    minutes in the title patterns (10,000: 30 s); now no candidate past
    limits.MAX_TITLE_CHARS is a title (the page asks for one in its sidecar),
    and a sidecar title past it is an error with its line."""
    from build_tools.limits import MAX_TITLE_CHARS
    from build_tools.ingest.metadata import load_notice

    long = "关于" + "加强保护" * 50_000 + "的通知"
    page = tmp_path / "long.html"
    page.write_text(f"<html><head><title>{long}</title><meta name=\"ArticleTitle\" content=\"{long}\"></head><body>"
                    f"<h1>{long}</h1><p>各单位：</p><p>一、总体要求</p><p>（一）加强保护。</p></body></html>", encoding="utf-8")
    n = load_notice(page, use_sidecar=False)
    assert n.title in (None, "") and any("标题" in w for _, w in n.warnings)
    _doc(archive.sources, "long-title.txt", 1, "id: long-title\ntitle: " + "长" * (MAX_TITLE_CHARS + 1) + "\n")
    errs = [p for p in check_archive_at(archive) if p.level == "error"]
    assert [(Path(p.file).name, p.line) for p in errs] == [("long-title.yml", 2)] and "过长" in errs[0].message


@pytest.mark.parametrize("tag,levels", [("div", 10_000), ("span", 100_000)])
def test_a_page_nested_thousands_deep_reads_like_the_page(tmp_path, tag, levels):
    """Issue 28 tried again: the jiangxi.gov.cn page with its body wrapped in
    10,000 ``<div>``s (or 100,000 ``<span>``s) ended in RecursionError
    (「内部错误」, the page refused).  Now the markup below limits.MAX_NESTING
    is flattened: the same title, every character of the body, every clause id."""
    from build_tools.ingest.metadata import load_notice
    from build_tools.clauses.structure import parse_structure

    text = PROVINCIAL.read_text(encoding="utf-8")
    deep = re.sub(r"(<body[^>]*>)", lambda m: m[1] + f"<{tag}>" * levels, text, count=1)
    deep = deep.replace("</body>", f"</{tag}>" * levels + "</body>", 1)
    page = tmp_path / "deep.html"
    page.write_text(deep, encoding="utf-8")
    a, b = load_notice(PROVINCIAL, use_sidecar=False), load_notice(page, use_sidecar=False)
    assert a.title == b.title == PROVINCIAL_TITLE

    def squash(x: str) -> str:
        return re.sub(r"\s+", "", x)

    assert squash(a.body) in squash(b.body)
    ids = lambda n: {c.id for c in parse_structure(n.body).clauses}  # noqa: E731
    assert len(ids(a)) >= 8 and ids(a) <= ids(b)


def test_one_size_bound_for_add_parse_and_build(archive, tmp_path):
    """Issue 28: add said 10 MB, the build refused over 2 MB: a 5 MB file was
    accepted and never published.  Now add, parse and build refuse it alike."""
    from build_tools.limits import max_source_bytes

    text = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8")
    big = tmp_path / "五兆.txt"
    big.write_text(text * (5_000_000 // len(text.encode()) + 1), encoding="utf-8")
    assert 5_000_000 < big.stat().st_size and max_source_bytes(big) < big.stat().st_size
    r = _cli("add", str(big), root=archive.sources.parent)
    assert r.returncode == 2 and "文件过大" in r.stderr and "Traceback" not in r.stderr
    assert not (archive.sources / big.name).exists() and not (archive.sources / "五兆.yml").exists()
    r = _cli("parse", str(big))
    assert r.returncode == 1 and "文件过大" in r.stderr
    ok = tmp_path / "一兆.txt"  # under the bound: accepted by add, published by the build
    ok.write_text(text.replace("昆明", "曲靖", 3) * (1_000_000 // len(text.encode())), encoding="utf-8")
    assert _cli("add", str(ok), root=archive.sources.parent).returncode == 0


def test_a_file_of_one_line_clauses_is_bounded_by_its_clause_count(archive):
    """Issue 28: a 1.999 MB file of one-line clauses made a 90 MB page."""
    from build_tools.limits import MAX_CLAUSES

    lines = ["关于测试条款数量上限的通知"] + [f"第{k}条　本条为第{k}条。" for k in range(1, 60_000)]
    f = archive.sources / "many.txt"
    data = "\n".join(lines)
    f.write_text(data[: 1_990_000 // 3], encoding="utf-8")
    f.with_suffix(".yml").write_text("id: many-clauses\n", encoding="utf-8")
    assert f.stat().st_size < 2_000_000
    rep, msgs = _build(archive, index=False)
    assert rep.ok
    err = [p for p in rep.problems if p.level == "error" and Path(p.file).name == "many.txt"]
    assert err and "条款过多" in err[0].message and str(MAX_CLAUSES) in err[0].message
    assert not (archive.site / "notices" / "many-clauses.html").exists()


def test_every_real_document_is_under_the_clause_bound():
    """The bound never refuses a real document: the seeds and the longest lawrefbook laws."""
    from build_tools.limits import MAX_CLAUSES
    from build_tools.pipeline import load_documents

    laws = sorted(LAWREF.rglob("*.md"), key=lambda p: p.stat().st_size)[-12:]
    res = load_documents(source_files(ROOT / "source_texts") + laws)
    assert len(res.notices) >= 20 and not [p for p in res.problems if "条款过多" in p.message]
    most = max(sum(1 for _ in n.walk()) for n in res.notices)
    assert most * 2 < MAX_CLAUSES, most


@pytest.mark.parametrize("q", [
    "(" * 300 + "专利" + ")" * 300,
    "专利 " + "NOT " * 5000 + "商标",
    "a AND (" * 2000,
    '"' + " ".join(["专利权"] * 5000) + '"',
    "(" * 30 + "专利" + ")" * 30,
    "NOT " * 40 + "专利",
    '"' + "专利权人" * 240 + '"',
    '"' + " ".join(["专利权"] * 12) + '"',  # space-cut words in quotes: each an expanded prefix term
])
def test_a_query_past_its_bounds_is_a_chinese_message(q):
    from search.query import check_query
    from search.schema import SearchError

    with pytest.raises(SearchError) as e:
        check_query(q)
    assert "检索式" in str(e.value) and len(str(e.value)) < 300


def test_queries_within_the_bounds_still_parse():
    from search.query import check_query

    for q in ['(专利 OR 商标) NOT 著作权 "惩罚性 赔偿"', "(" * 10 + "专利" + ")" * 10, "NOT NOT 专利 商标",
              '"' + "知识产权保护" * 20 + '"', "title:昆明 year:[2015 TO 2023]", '"' + " ".join(["专利权"] * 9) + '"',
              " ".join(["专利权"] * 150)]:
        assert check_query(q)[1] is not None


def test_no_read_from_a_fifo_or_a_device(tmp_path):
    """Issue 28: ``parse /dev/zero`` read until memory ran out; a FIFO blocked."""
    fifo = tmp_path / "管道.txt"
    os.mkfifo(fifo)
    for target in ("/dev/zero", str(fifo)):
        r = _cli("parse", target, timeout=60)
        assert r.returncode == 1 and "不是普通文件" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = _cli("add", str(fifo), root=tmp_path, timeout=60)
    assert r.returncode == 2 and "不是普通文件" in r.stderr


def test_serve_answers_404_for_a_fifo_without_blocking(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>文库</h1>", encoding="utf-8")
    os.mkfifo(site / "pipe.html")
    os.mkfifo(site / "pipe.bin")
    proc = subprocess.Popen([sys.executable, "-m", "build_tools.cli", "serve", "--site", str(site), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = re.search(r"127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1)
        for path, gz in (("pipe.html", True), ("pipe.bin", False), ("pipe.html", False)):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/{path}",
                                         headers={"Accept-Encoding": "gzip" if gz else "identity"})
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            assert e.value.code == 404
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10).status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_answers_a_nul_path_with_404_and_gzip_follows_same_size_edits(tmp_path):
    """Issue 28 tried again: ``/notices/%00.html`` made ``serve`` print a
    traceback and close the connection unanswered; and its gzip cache kept a
    page's old bytes after a same-length edit with the mtime put back."""
    import gzip

    site = tmp_path / "site"
    site.mkdir()
    page = site / "index.html"
    page.write_text("<h1>文库甲</h1>" + "正文" * 500, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "build_tools.cli", "serve", "--site", str(site), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def get(path: str) -> bytes:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/{path}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return gzip.decompress(r.read())

    try:
        port = re.search(r"127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1)
        for path in ("notices/%00.html", "index.html%00.txt", "%00"):
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=10)
            assert e.value.code == 404
        assert "文库甲" in get("index.html").decode("utf-8")
        st = page.stat()
        with open(page, "r+b") as f:
            f.write(page.read_bytes().replace("文库甲".encode(), "文库乙".encode()))
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert (page.stat().st_size, page.stat().st_mtime_ns, page.stat().st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
        assert "文库乙" in get("index.html").decode("utf-8")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err and "ValueError" not in err, err


# ---- 3. bidi and invisible controls; one line per message

def test_bidi_controls_are_dropped_from_text_and_titles(archive):
    src = archive.sources
    body = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8").split("\n")
    body[0] = "关于\u202e知识产权\u202c保护的通知"
    f = src / "bidi.txt"
    f.write_text("\n".join(body).replace("持续加强", "持续\u2067加强\u2069", 1).replace("昆明", "大理", 3), encoding="utf-8")
    f.with_suffix(".yml").write_text("id: bidi-doc\n", encoding="utf-8")
    page = src / "bidi-page.html"
    page.write_text(PROVINCIAL.read_text(encoding="utf-8").replace(PROVINCIAL_TITLE, "&#x202E;" + PROVINCIAL_TITLE),
                    encoding="utf-8")
    page.with_suffix(".yml").write_text("id: bidi-page\n", encoding="utf-8")
    rep, msgs = _build(archive, index=False)
    assert rep.ok, msgs
    for doc in ("bidi-doc", "bidi-page"):
        html_text = (archive.site / "notices" / f"{doc}.html").read_text(encoding="utf-8")
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", html_text), doc
    assert "关于知识产权保护的通知" in (archive.site / "notices" / "bidi-doc.html").read_text(encoding="utf-8")


def test_a_file_name_with_a_newline_cannot_forge_a_line_of_check(archive):
    """Issue 28: a sidecar named ``x\\n检查完毕：0 个错误，0 个警告.yml`` printed a forged summary."""
    forged = "检查完毕：0 个错误，0 个警告"
    (archive.sources / f"x\n{forged}.yml").write_text("id: x\n", encoding="utf-8")
    (archive.sources / f"y\n{forged}.txt").write_text("关于的通知\n一、正文。\n", encoding="utf-8")
    r = _check(archive.sources.parent)
    lines = r.stdout.splitlines()
    assert [x for x in lines if x.startswith("检查完毕")] == [lines[-1]] and r.returncode == 1
    assert "\\n" + forged in r.stdout


def test_add_refuses_names_with_invisible_characters(archive, tmp_path):
    f = tmp_path / "通知\u202etxt.txt"
    shutil.copyfile(LAW, f)
    r = _cli("add", str(f), root=archive.sources.parent)
    assert r.returncode == 2 and "不可见" in r.stderr and not list(archive.sources.glob("通知*"))


# ---- 4. ownership no file can forge

def _impostor(src: Path, doc_id: str) -> Path:
    f = src / "000_000_impostor.txt"
    f.write_text("关于冒名顶替的通知\n一、这是另一个文件的正文。\n", encoding="utf-8")
    f.with_suffix(".yml").write_text(f"id: {doc_id}\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("how", ["emptied", "deleted", "rows-dropped"])
def test_an_emptied_or_deleted_ids_lock_is_an_error_and_no_file_takes_a_published_id(archive, how):
    """Issue 28: with ids.lock emptied or deleted, check said 0 errors and a
    new file took over a published page and id."""
    assert _build(archive, index=False)[0].ok
    page = archive.site / "notices" / "kunming-2022-4dd4de.html"
    good = page.read_bytes()
    ids = archive.sources / "ids.lock"
    if how == "emptied":
        ids.write_bytes(b"")
    elif how == "deleted":
        ids.unlink()
    else:
        ids.write_text("".join(x + "\n" for x in ids.read_text(encoding="utf-8").split("\n") if "kunming" not in x and x),
                       encoding="utf-8")
    _impostor(archive.sources, "kunming-2022-4dd4de")
    problems = check_archive_at(archive)
    err = [p for p in problems if p.level == "error" and p.file.endswith("ids.lock")]
    assert len(err) == 1 and "来源文件不详" not in err[0].message  # every owner named, from the live site's records
    if how == "rows-dropped":
        assert "kunming-2022-4dd4de" in err[0].message and KUNMING in err[0].message
    else:
        assert f"等 {len(source_files(ROOT / 'source_texts'))} 件" in err[0].message
    rep, msgs = _build(archive, index=False)
    assert not rep.ok and page.read_bytes() == good
    assert "这是另一个文件的正文" not in page.read_text(encoding="utf-8")


def test_a_published_name_holding_u2028_keeps_its_row_and_its_id(archive):
    """Issue 28: ``splitlines()`` split the ids.lock row of a name holding
    U+2028, and a new file took its id."""
    src = archive.sources
    name = "公告\u2028第二段.txt"
    (src / KUNMING).rename(src / name)
    (src / KUNMING).with_suffix(".yml").rename((src / name).with_suffix(".yml"))
    assert _build(archive, index=False)[0].ok
    from build_tools.permanence.anchors import load_owners

    owners = load_owners(src / "ids.lock")
    assert owners["kunming-2022-4dd4de"] == name
    assert all(len(x.split("\t")) == 2 for x in (src / "ids.lock").read_text(encoding="utf-8").splitlines()
               if x and not x.startswith("#"))  # even a splitlines() reader sees whole rows
    good = (archive.site / "notices" / "kunming-2022-4dd4de.html").read_bytes()
    imp = _impostor(src, "kunming-2022-4dd4de")
    rep, msgs = _build(archive, index=False)
    assert rep.ok
    assert [Path(p.file).name for p in rep.problems if p.level == "error"] == [imp.name]
    assert (archive.site / "notices" / "kunming-2022-4dd4de.html").read_bytes() == good


# ---- 7. names that cannot collide

def test_a_doc_type_named_like_a_site_page_is_refused(archive):
    """Issue 28: ``doc_type: Index`` replaced the 按文种 page."""
    _doc(archive.sources, "type-index.txt", 1, "id: type-index\ndoc_type: Index\n")
    _doc(archive.sources, "type-a.txt", 2, "id: type-a\ndoc_type: 工作方案\n")
    _doc(archive.sources, "type-b.txt", 3, "id: type-b\ndoc_type: 工作-方案\n")  # the same page name
    problems = check_archive_at(archive)
    errs = {Path(p.file).name: p.message for p in problems if p.level == "error"}
    assert set(errs) == {"type-index.txt", "type-b.txt"}, errs
    assert "'工作方案'" in errs["type-b.txt"] and "gong-zuo-fang-an" in errs["type-b.txt"]
    rep, msgs = _build(archive, index=False)
    assert rep.ok and (archive.site / "tags" / "type" / "index.html").is_file()
    assert "按文种" in (archive.site / "tags" / "type" / "index.html").read_text(encoding="utf-8")


def test_a_doc_number_claimed_twice_is_an_error_naming_both(archive):
    """Issue 28: a second document with the same 文号 (also in full-width
    digits) silently took a third document's citation."""
    first = _doc(archive.sources, "wenhao-a.txt", 1, "id: wenhao-a\ndoc_number: 云知发〔2023〕7号\n")
    second = _doc(archive.sources, "wenhao-b.txt", 2, "id: wenhao-b\ndoc_number: 云知发［２０２３］７号\n")
    problems = check_archive_at(archive)
    errs = [p for p in problems if p.level == "error"]
    assert [Path(p.file).name for p in errs] == [second.name] and first.name in errs[0].message
    rep, msgs = _build(archive, index=False)
    assert rep.ok and (archive.site / "notices" / "wenhao-a.html").is_file()
    assert not (archive.site / "notices" / "wenhao-b.html").exists()


ODD_DOC_NUMBERS = ["云知发 〔2023〕 7 号", "云知发（2023）第7号", "云知发〔2023年〕07号", "云知发［2023］7號",
                   "云知发\u30002023\u30007号", "云知发〈2023〉七号", "云知发【２０２３】第七号"]


def test_a_doc_number_in_odd_spaces_and_brackets_is_one_number():
    """Issue 28 tried again: the same 文号 with spaces, 第, 年 in the brackets,
    號, a leading zero, full-width spaces instead of brackets, Chinese
    numerals: each is the 文号 云知发〔2023〕7号 (so a second claim is caught);
    other numbers and years stay apart, and the corpus' real 文号 keep their keys."""
    import csv

    from build_tools.permanence.claims import doc_number_key

    assert {doc_number_key(x) for x in ODD_DOC_NUMBERS} == {"云知发〔2023〕7号"}
    assert len({doc_number_key(x) for x in ("云知发〔2023〕7号", "云知发〔2023〕17号", "云知发〔2022〕7号",
                                             "云知发〔2023〕七十号", "云知办发〔2023〕7号")}) == 5
    real = {v for m in SHARED.glob("corpus/*/manifest.tsv")
            for row in csv.DictReader(m.open(encoding="utf-8"), delimiter="\t")
            for v in (row.get("doc_number") or "").split("|") if v.strip()}
    assert len(real) > 60 and len({doc_number_key(v) for v in real}) == len(real)


def test_a_doc_number_claimed_twice_in_an_odd_spelling_is_an_error(archive):
    first = _doc(archive.sources, "wenhao-a.txt", 1, "id: wenhao-a\ndoc_number: 云知发〔2023〕7号\n")
    second = _doc(archive.sources, "wenhao-b.txt", 2, f"id: wenhao-b\ndoc_number: {ODD_DOC_NUMBERS[-1]}\n")
    errs = [p for p in check_archive_at(archive) if p.level == "error"]
    assert [Path(p.file).name for p in errs] == [second.name] and first.name in errs[0].message


def test_add_refuses_names_the_archive_uses_and_suffixes_the_build_never_reads(archive, tmp_path):
    """Issue 28: ``add redirects.html`` wrote redirects.yml as its sidecar and
    broke every later build; .shtml/.xhtml were accepted and never read."""
    root = archive.sources.parent
    red_before = (archive.sources / "redirects.yml").read_bytes() if (archive.sources / "redirects.yml").exists() else None
    for name in ("redirects.html", "README.txt", "通知.xls", "通知", ".hidden.txt"):
        f = tmp_path / name
        shutil.copyfile(PROVINCIAL, f)
        r = _cli("add", str(f), root=root)
        assert r.returncode == 2 and "未添加" in r.stderr and "Traceback" not in r.stderr, (name, r.stderr)
    red_now = (archive.sources / "redirects.yml").read_bytes() if (archive.sources / "redirects.yml").exists() else None
    assert red_now == red_before
    # what add accepts, the build reads: a .shtml page is published
    page = tmp_path / "江西措施.shtml"
    shutil.copyfile(PROVINCIAL, page)
    r = _cli("add", str(page), root=root)
    assert r.returncode == 0, r.stderr
    doc_id = re.search(r"id: ([a-z0-9-]+)", r.stdout).group(1)
    # a second file of the same name but another suffix would share its sidecar
    twin = tmp_path / "江西措施.html"
    twin.write_text(PROVINCIAL.read_text(encoding="utf-8").replace("江西", "江右"), encoding="utf-8")
    r = _cli("add", str(twin), root=root)
    assert r.returncode == 2 and "sidecar" in r.stderr
    rep, msgs = _build(archive, index=False)
    assert rep.ok and (archive.site / "notices" / f"{doc_id}.html").is_file()
    from build_tools.pipeline import SOURCE_SUFFIXES, source_name_problem

    assert all(source_name_problem(f"a{s}") is None for s in SOURCE_SUFFIXES)


# ---- 8. one scraped page never stops everyone

def test_a_relative_canonical_or_meta_url_never_fails_the_link_check(archive):
    """Issue 28: a relative ``<link rel=canonical>`` or ``meta Url`` pointing at
    a missing page failed the site-wide link check (nothing published)."""
    text = PROVINCIAL.read_text(encoding="utf-8")
    a = re.sub(r'<meta name="Url" content="[^"]*">', '<meta name="Url" content="../missing/page.html">', text)
    b = text.replace("<head>", '<head><link rel="canonical" href="nowhere.html">', 1).replace("江西", "江右")
    (archive.sources / "rel-url.html").write_text(a, encoding="utf-8")
    (archive.sources / "rel-url.yml").write_text("id: rel-url\n", encoding="utf-8")
    (archive.sources / "rel-canon.html").write_text(b, encoding="utf-8")
    (archive.sources / "rel-canon.yml").write_text("id: rel-canon\ndoc_number: 测试〔2099〕1号\n", encoding="utf-8")
    rep, msgs = _build(archive, index=False)
    assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
    for doc in ("rel-url", "rel-canon"):
        assert (archive.site / "notices" / f"{doc}.html").is_file()
    assert linkcheck(archive.site) == []


# ---- 9. duplicates

def test_the_same_notice_in_three_forms_is_reported(archive, tmp_path):
    """Issue 28: LF, CRLF with trailing spaces, and HTML: published three times without a word."""
    text = (ROOT / "source_texts" / KUNMING).read_text(encoding="utf-8")
    crlf = tmp_path / "昆明CRLF.txt"
    crlf.write_bytes("\r\n".join(line + "  " for line in text.split("\n")).encode("utf-8"))
    page = tmp_path / "昆明网页.html"
    lines = text.split("\n")
    page.write_text("<html><head><title>" + html.escape(lines[0]) + "</title></head><body><h1>" + html.escape(lines[0])
                    + "</h1>" + "".join(f"<p>{html.escape(x)}</p>" for x in lines[1:] if x.strip()) + "</body></html>",
                    encoding="utf-8")
    root = archive.sources.parent
    for f in (crlf, page):
        r = _cli("add", str(f), root=root)
        assert r.returncode == 0 and "警告" in r.stdout and KUNMING in r.stdout, (f, r.stdout, r.stderr)
    problems = check_archive_at(archive)
    near = [p for p in problems if "只差换行" in p.message]
    assert sorted(Path(p.file).name for p in near) == sorted([crlf.name, page.name])
    assert all(KUNMING in p.message for p in near)
    rep, msgs = _build(archive, index=False)  # and at every build
    assert rep.ok and sorted(Path(p.file).name for p in rep.problems if "只差换行" in p.message) == \
        sorted([crlf.name, page.name])


ADD_AT_ONCE = """
import sys, time
from build_tools import cli
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
sys.exit(cli.main(["--root", sys.argv[1], "add", sys.argv[2]]))
"""


def test_two_adds_of_one_file_at_the_same_moment_give_one_id(archive, tmp_path):
    import time

    f = tmp_path / "同时添加.md"
    shutil.copyfile(LAW, f)
    at = str(time.time() + 3)
    procs = [subprocess.Popen([sys.executable, "-c", ADD_AT_ONCE, str(archive.sources.parent), str(f), at], cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    assert "内容完全相同" in "".join(err for _, err in outs) or "已存在 sidecar" in "".join(err for _, err in outs)
    assert len(list(archive.sources.glob("同时添加*"))) == 2  # the file and one sidecar


# ---- 6. content, never mtimes, decides what is rendered again

def _date_ahead(tree: Path, seconds: float) -> None:
    for p in tree.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + int(seconds * 1e9)))


@pytest.mark.parametrize("mode", ["pagefind", "material"])
def test_files_dated_ahead_never_keep_old_text(archive, monkeypatch, mode):
    """Issue 28: with site/ (and docs/) dated ahead (a clock set back), a
    changed 第一条 built with exit 0 but the page, archive.json and the .txt
    kept the old text, on every later build."""
    monkeypatch.setenv("IPARCHIVE_SEARCH", mode)
    assert _build(archive, index=False)[0].ok
    assert _build(archive, index=False)[0].ok  # a second build: the dirty path of large archives
    _date_ahead(archive.site, 365 * 86400)
    _date_ahead(archive.docs, 365 * 86400)
    law = archive.sources / "商标法(2019-04-23).md"
    new = "第一条 为了加强商标管理（本句为更正后的文字），保护商标专用权"
    law.write_text(law.read_text(encoding="utf-8").replace("第一条 为了加强商标管理，保护商标专用权", new), encoding="utf-8")
    for _ in range(2):  # and stays right on the build after
        rep, msgs = _build(archive, index=False)
        assert rep.ok, msgs
        doc = next(d for d in read_archive(archive.site / "data")["documents"]
                   if d["source_file"] == law.name)
        assert "本句为更正后的文字" in (archive.site / "notices" / f"{doc['id']}.html").read_text(encoding="utf-8")
        assert "本句为更正后的文字" in json.dumps(doc, ensure_ascii=False)
        # the record the TXT/Markdown/JSON downloads are made from in the browser (issue 29)
        assert "本句为更正后的文字" in read_record_file(archive.site / "data" / "notices" / f"{doc['id']}.json.gz").decode("utf-8")


@pytest.mark.parametrize("mode", ["pagefind", "material"])
def test_a_same_size_same_mtime_edit_reaches_every_output(archive, monkeypatch, mode):
    """Issue 28, principle 3 (content digests, never mtimes): 第一条 changed
    in place to text of the same length, the source's mtime put back, and
    every built file (site/, docs/, the build cache's files) dated ahead as
    by a clock set back: the page, archive.json, the record the downloads come from and the
    CLI search index all hold the new words, on this build and the next."""
    monkeypatch.setenv("IPARCHIVE_SEARCH", mode)
    assert _build(archive)[0].ok
    assert _build(archive)[0].ok  # a second build: the dirty path
    law = archive.sources / "商标法(2019-04-23).md"
    st = law.stat()
    old, new = "第一条 为了加强商标管理，保护商标专用权", "第一条 为了整饬商标管理，保护商标专用权"
    raw = law.read_bytes()
    assert old.encode() in raw and len(old.encode()) == len(new.encode())
    with open(law, "r+b") as f:  # in place: same inode, same size
        f.write(raw.replace(old.encode(), new.encode(), 1))
    os.utime(law, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (law.stat().st_size, law.stat().st_mtime_ns, law.stat().st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    for tree in (archive.site, archive.docs, archive.cache):
        _date_ahead(tree, 365 * 86400)
    for _ in range(2):
        rep, msgs = _build(archive)
        assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
        doc = next(d for d in read_archive(archive.site / "data")["documents"] if d["source_file"] == law.name)
        page = (archive.site / "notices" / f"{doc['id']}.html").read_text(encoding="utf-8")
        assert '<p class="clause-text">第一条为了整饬商标管理' in page  # the old text only in the change note
        assert "整饬商标管理" in json.dumps(doc, ensure_ascii=False)
        # the record the TXT/Markdown/JSON downloads are made from in the browser (issue 29)
        record = json.loads(read_record_file(archive.site / "data" / "notices" / f"{doc['id']}.json.gz"))
        text = json.dumps(record, ensure_ascii=False)
        assert "整饬商标管理" in text and "为了加强商标管理" not in text, list(record)
        r = _cli("search", "整饬", "--index", str(archive.index), "--json")
        assert r.returncode == 0 and doc["id"] in r.stdout, (r.stdout[-2000:], r.stderr[-2000:])


def test_a_broken_link_on_one_document_page_is_dropped_and_the_rest_published(archive, monkeypatch):
    """Isolation itself, whatever made the link: with the reader's URL rule
    loosened (as a new reader might), the relative canonical reaches the page;
    the link check drops it from that page, names the document, publishes all."""
    from build_tools.ingest import read

    monkeypatch.setattr(read, "_ABSOLUTE_URL", re.compile(r""))
    text = PROVINCIAL.read_text(encoding="utf-8")
    (archive.sources / "rel-canon.html").write_text(
        text.replace("<head>", '<head><link rel="canonical" href="nowhere/page.html">', 1), encoding="utf-8")
    (archive.sources / "rel-canon.yml").write_text("id: rel-canon\n", encoding="utf-8")
    rep, msgs = _build(archive, index=False)
    assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
    warned = [p for p in rep.problems if "已从页面去除" in p.message]
    assert [Path(p.file).name for p in warned] == ["rel-canon.html"] and "nowhere/page.html" in warned[0].message
    page = (archive.site / "notices" / "rel-canon.html").read_text(encoding="utf-8")
    assert 'href="nowhere/page.html"' not in page and PROVINCIAL_TITLE in page
    assert linkcheck(archive.site) == [] and len(list((archive.site / "notices").glob("*.html"))) > 11


def test_a_broken_link_on_a_listing_page_is_dropped_naming_its_document(archive, monkeypatch):
    """Issue 28: a broken link outside document pages (the document list, the
    region, year and type listings) stopped the build (exit 2, nothing
    published).  A document whose listing entry carries a link to a missing
    page (as a new metadata field shown in listings might): the link is made
    plain text on every listing, each warning names that document's source
    file, the rest is published and the site checks clean."""
    from build_tools.render import tags

    real = tags.doc_item

    def item(page_md, n):
        out = real(page_md, n)
        return out.replace("</li>", ' · <a href="nowhere/来源.html">来源</a></li>') if n.id == "kunming-2022-4dd4de" else out

    monkeypatch.setattr(tags, "doc_item", item)
    rep, msgs = _build(archive, index=False)
    assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
    warned = [p for p in rep.problems if "已从页面去除" in p.message]
    assert warned and {Path(p.file).name for p in warned} == {KUNMING}, [(p.file, p.message) for p in warned]
    pages = {re.search(r"页面 (\S+) 上", p.message)[1] for p in warned}
    assert "index.html" in pages and {"tags/year/2022.html", "tags/region/530100.html"} <= pages, pages
    for page in pages:
        text = (archive.site / page).read_text(encoding="utf-8")
        assert "nowhere/" not in text and "来源" in text  # the text stays, the link goes
    assert linkcheck(archive.site) == [] and (archive.site / "notices" / "kunming-2022-4dd4de.html").is_file()


def test_isolation_keeps_the_site_frame_s_own_broken_links_as_errors(archive):
    """Only the site's own structure may stop a build: on a real built page, a
    broken link in the content is removed (named after the document whose
    entry holds it), one in the header or ``<head>`` stays and is reported."""
    from build_tools.publish.linkcheck import isolate

    assert _build(archive, index=False)[0].ok
    site = archive.site
    page = site / "tags" / "year" / "2022.html"
    text = page.read_text(encoding="utf-8")
    assert "<header" in text and "</article>" in text
    entry = re.search(r'<li><a href="\.\./\.\./notices/kunming-2022-4dd4de\.html">', text)
    text = text.replace(entry[0], entry[0].replace("<li>", '<li><a href="lost.html">缺失</a>'), 1)
    text = text.replace("<header", '<a href="frame-lost.html">框架</a><header', 1)
    text = text.replace("</head>", '<link rel="stylesheet" href="assets/lost.css"></head>', 1)
    page.unlink()
    page.write_text(text, encoding="utf-8")
    broken = linkcheck(site)
    assert len(broken) == 3, broken
    dropped = isolate(site, broken, {"kunming-2022-4dd4de", "jilin-2022-5f6c84"})
    assert [(p, u, d) for p, u, _, d in dropped] == [("tags/year/2022.html", "lost.html", ("kunming-2022-4dd4de",))]
    left = linkcheck(site)
    assert sorted(b.split(": ", 1)[1].split(" ->")[0] for b in left) == ["assets/lost.css", "frame-lost.html"]
    assert "缺失" in page.read_text(encoding="utf-8")


def test_a_damaged_index_is_rebuilt_and_never_reported_as_nothing_published(archive):
    """A truncated index segment (a kill, a disk): the update failed with
    EOFError after the site was live and the build said 「未发布任何内容」."""
    assert _build(archive)[0].ok
    seg = next(p for p in archive.index.iterdir() if p.suffix in (".seg", ".toc") or p.name.endswith(".store"))
    seg.write_bytes(seg.read_bytes()[:50])
    k = archive.sources / KUNMING
    k.write_bytes(k.read_bytes() + "\n附：索引损坏后新增的一句。\n".encode())
    rep, msgs = _build(archive)
    assert rep.ok and not [p for p in rep.problems if p.level == "error"], msgs
    r = _cli("search", "索引损坏后新增", "--index", str(archive.index), "--json")
    assert r.returncode == 0 and "kunming-2022-4dd4de" in r.stdout, r.stderr


FULL_ADD = """
import errno, os, sys
real = os.fsync
def fsync(fd):
    if ".yml." in os.readlink(f"/proc/self/fd/{fd}"):
        raise OSError(errno.ENOSPC, "No space left on device")
    return real(fd)
os.fsync = fsync
from build_tools import cli
sys.exit(cli.main(["--root", sys.argv[1], "add", sys.argv[2]]))
"""


def test_a_full_disk_during_add_leaves_nothing_half_added(archive):
    r = subprocess.run([sys.executable, "-c", FULL_ADD, str(archive.sources.parent), str(LAW)], cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "No space left" in r.stderr, r.stderr
    assert not (archive.sources / LAW.name).exists() and not (archive.sources / LAW.with_suffix(".yml").name).exists()
    assert not [p for p in archive.sources.iterdir() if p.name.endswith(".tmp")]
