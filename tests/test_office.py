"""Issue 30 (items 5, 6): PDF, DOCX, DOC and WPS files read like any other source.

On the real attachments (../shared/corpus/attachments/, manifest.tsv): every file with text gives its
printed title, first and last body lines and each must_contain sentence, in the reader's lines and in
the clauses after structure (compared with whitespace and cell marks removed, punctuation normalised,
as the corpus README says); no page number, running header or footer inside a clause; scans give the
clear 「扫描件，无文字层」 record.  The wrapping invariant extended: each seed made into a DOCX
(python-docx) and a PDF (LibreOffice from that DOCX) gives the same title, 文号, dates and clause ids as
its text copy.  Bad office files are clear Chinese errors naming the file.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from build_tools.build.tools import run_tool
from build_tools.ingest.clean import SourceLine, normalise_line
from build_tools.ingest.metadata import load_notice
from build_tools.ingest.office import OCR_NOTE, PRINTED_TITLE, SCAN_NOTE, printed_title, sniff
from build_tools.pipeline import SOURCE_SUFFIXES
from build_tools.ingest.read import ReadError, read_file
from build_tools.clauses.structure import parse_structure
from conftest import SEED_FILES, SHARED

ATTACH = SHARED / "corpus" / "attachments"
MANIFEST = ATTACH / "manifest.tsv"
TEXT_KINDS = {"pdf-text", "docx", "doc", "wps"}
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _manifest() -> list[dict]:
    if not MANIFEST.is_file():
        pytest.fail(f"real corpus missing: {MANIFEST}")
    with MANIFEST.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = _manifest() if MANIFEST.is_file() else []
TEXT_ROWS = [pytest.param(r, id=r["file"]) for r in ROWS if r["kind"] in TEXT_KINDS]
SCAN_ROWS = [pytest.param(r, id=r["file"]) for r in ROWS if r["kind"] == "pdf-scan"]


def norm(s: str) -> str:
    """The README's comparison: punctuation normalised, all whitespace and table cell marks removed."""
    return re.sub(r"[\s|\u0007\u200b\u3000\u2002]", "", normalise_line(s.replace("\u200b", "")))


def _truths(row: dict) -> dict[str, str]:
    out = {k: row[k] for k in ("title", "first_line", "last_line") if row[k].strip()}
    for i, m in enumerate(row["must_contain"].split("|")):
        if m.strip():
            out[f"must_contain[{i}]"] = m
    return out


_DOCS: dict[str, tuple] = {}


def _read(row: dict):
    """(RawDocument, Notice, clauses) of one attachment, read once per test session."""
    name = row["file"]
    if name not in _DOCS:
        path = ATTACH / name
        raw = read_file(path, runner=run_tool)
        notice = load_notice(path, use_sidecar=False, runner=run_tool)
        clauses = list(parse_structure(notice.body, notice.kind, notice.title).walk())
        _DOCS[name] = (raw, notice, clauses)
    return _DOCS[name]


def test_manifest_covers_every_kind():
    kinds = {}
    for r in ROWS:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    assert kinds == {"pdf-text": 13, "pdf-scan": 3, "docx": 8, "doc": 5, "wps": 3}


@pytest.mark.parametrize("row", TEXT_ROWS)
def test_reader_gives_every_printed_line(row):
    raw, _, _ = _read(row)
    text = norm("".join(t for _, t in raw.lines))
    missing = {k: v for k, v in _truths(row).items() if norm(v) not in text}
    assert not missing, (row["file"], missing)


@pytest.mark.parametrize("row", TEXT_ROWS)
def test_clauses_hold_every_printed_line(row):
    _, notice, clauses = _read(row)
    text = norm("".join(c.text for c in clauses))
    truths = _truths(row)
    title = truths.pop("title")
    missing = {k: v for k, v in truths.items() if norm(v) not in text}
    assert not missing, (row["file"], missing)
    # the title is the document's title or printed in the clauses (a 附件 heading over a title)
    assert norm(title) == norm(notice.title or "") or norm(title) in text, (row["file"], notice.title)


@pytest.mark.parametrize("row", TEXT_ROWS)
def test_document_title_is_the_printed_heading(row):
    """An office file added alone is its own document: its title is the heading printed over its text
    (after an 附件N label, above a form's table), never the label, a red header or a table row."""
    _, notice, _ = _read(row)
    assert norm(notice.title or "") == norm(row["title"]), (row["file"], notice.title, notice.provenance.get("title"))
    assert notice.provenance.get("title", "").startswith(PRINTED_TITLE), (row["file"], notice.provenance.get("title"))
    assert not re.match(r"附件\s*\d", notice.title)


def test_printed_title_skips_labels_and_tables():
    """The principle on the reader's own lines: a label, a 文号 and a red header are skipped, a run of
    heading lines is one title, and lines after the first table row or clause are never read."""
    sl = SourceLine
    assert printed_title([sl(1, "附件1", "center"), sl(2, "关于某事的通知", "heading"), sl(3, "一、总则")]) == (2, "关于某事的通知")
    assert printed_title([sl(1, "某某市人民政府文件", "heading"), sl(2, "某政发〔2024〕3号", "center"),
                          sl(3, "某某市人民政府", "heading"), sl(4, "关于印发某办法的通知", "heading")]) == (3, "某某市人民政府关于印发某办法的通知")
    assert printed_title([sl(1, "附件：某某登记费一览表", "center"), sl(2, "序号\u3000项目", cell=True)]) == (1, "某某登记费一览表")
    assert printed_title([sl(1, "序号\u3000项目名称", cell=True), sl(2, "一、弄却（油脂疗法）", "center")]) is None
    assert printed_title([sl(1, "关于某事的通知"), sl(2, "各有关单位：")]) is None  # nothing printed as a heading


# page numbers in every style seen (- 1 -, — 1 —, －1－, -1-, 第 1 页) and the 规章 running lines
_PAGE_NO_IN_TEXT = re.compile(r"(^|[^\w])[-—－–]\s*[0-9０-９]{1,3}\s*[-—－–]($|[^\w])|第\s*\d+\s*页\s*共\s*\d+\s*页")
_RUNNING = {"北京市人民政府规章", "北京市人民政府发布"}


@pytest.mark.parametrize("row", TEXT_ROWS)
def test_no_page_furniture_in_clauses(row):
    raw, _, clauses = _read(row)
    for c in clauses:
        for line in c.text.split("\n"):
            s = re.sub(r"\s", "", line)
            assert not _PAGE_NO_IN_TEXT.search(line), (row["file"], c.id, line)
            # (a bare number is allowed: 005's form rows print 序号 cells 1, 2 on lines of their own)
            assert s not in _RUNNING and not re.fullmatch(r"[-—－]\d{1,3}[-—－]?(北京市人民政府发布)?", s), (row["file"], c.id, line)
    if row["kind"] == "pdf-text" and int(row["pages"] or 0) > 1:
        # every page-number line the reader removed is accounted for, with its reason
        numbers = [s for s in raw.stripped if s.reason.startswith("页码")]
        body = "\n".join(t for _, t in raw.lines)
        for s in raw.stripped:
            if s.reason.startswith(("页码", "页眉", "页脚")):
                assert re.sub(r"\s", "", s.text) not in {re.sub(r"\s", "", t) for t in body.split("\n")}
        assert len({s.reason for s in numbers}) == len(numbers)  # at most one per page


def test_running_header_and_footer_removed_with_reason():
    raw = read_file(ATTACH / "017-att2.pdf", runner=run_tool)
    reasons = {re.sub(r"\s", "", s.text): s.reason for s in raw.stripped}
    assert reasons["北京市人民政府规章"].startswith("页眉") and reasons["北京市人民政府发布"].startswith("页脚")
    pages = sum(1 for s in raw.stripped if s.reason.startswith("页码"))
    assert pages == 7  # - 1 - … - 7 -


def test_pdf_lines_are_paragraphs():
    """A PDF line is not a paragraph: 001's 第四条 is one line holding the spaced run 资金的75%留存监管."""
    raw = read_file(ATTACH / "001-att1.pdf", runner=run_tool)
    art4 = [t for _, t in raw.lines if t.startswith("第四条")]
    assert len(art4) == 1 and "资金的75%留存监管资金" in art4[0] and art4[0].endswith("留存比例。")
    assert raw.lines[0][1] == "达州市人民政府办公室关于印发达州市促进房地产市场良性循环健康发展十条措施的通知"


@pytest.mark.parametrize("pair", ["017", "018", "019"])
def test_same_text_as_docx_and_pdf_gives_the_same_lines(pair):
    """017-019 hold one 规章 as DOCX and as typeset PDF (running header and footer, page numbers,
    justified lines, 第X条 labels in 黑体): the PDF's paragraphs are the DOCX's, line for line."""
    a = [t for _, t in read_file(ATTACH / f"{pair}-att1.docx", runner=run_tool).lines]
    b = [t for _, t in read_file(ATTACH / f"{pair}-att2.pdf", runner=run_tool).lines]
    assert len(a) > 40 and a == b


@pytest.mark.parametrize("row", SCAN_ROWS)
def test_scans_give_the_clear_record(row, monkeypatch):
    monkeypatch.delenv("IPARCHIVE_OCR", raising=False)
    raw = read_file(ATTACH / row["file"], runner=run_tool)
    assert raw.header.get("text_layer") == "none"
    assert len(raw.lines) == 1 and SCAN_NOTE in raw.lines[0][1] and f"共 {row['pages']} 页" in raw.lines[0][1]
    assert OCR_NOTE not in raw.lines[0][1]


def test_mixed_pdf_notes_its_image_page(monkeypatch):
    monkeypatch.delenv("IPARCHIVE_OCR", raising=False)
    raw = read_file(ATTACH / "002-att1.pdf", runner=run_tool)
    notes = [t for _, t in raw.lines if "无文字层" in t]
    assert len(notes) == 1 and "第2页" in notes[0]
    assert raw.header["pages_without_text"] == "2"
    # the note stands where page 2 was: after page 1's text, before page 3's
    order = [t for _, t in raw.lines]
    k = order.index(notes[0])
    assert "三、停止受理物业管理费提取" in "".join(order[:k]) and "解读" in "".join(order[k + 1:])


def test_docx_numbering_labels_are_printed():
    """017-att1: chapters 五 and 六 are Word numbering (第%1章　 chineseCounting from 5)."""
    raw = read_file(ATTACH / "017-att1.docx", runner=run_tool)
    chapters = [t for _, t in raw.lines if re.match(r"第[一二三四五六七八九十]+章", t)]
    assert [c[:3] for c in chapters] == ["第一章", "第二章", "第三章", "第四章", "第五章", "第六章"]


def test_docx_table_rows_and_zero_width():
    raw = read_file(ATTACH / "014-att1.docx", runner=run_tool)
    rows = [raw.lines[k][1] for k in raw.table_rows]
    assert rows and norm(rows[0]) == norm("序号 登记类别 收费标准及依据 减免情形及依据")
    raw = read_file(ATTACH / "019-att1.docx", runner=run_tool)
    assert all("\u200b" not in t for _, t in raw.lines)
    assert load_notice(ATTACH / "019-att1.docx", use_sidecar=False, runner=run_tool).title == "北京市无线电管理规定"


def test_office_files_are_added_found_and_parsed(tmp_path):
    """iparchive add f.pdf / f.docx / f.wps: the file is copied, an id assigned from its own text and a
    sidecar written; the archive's source discovery finds them; parse --json reads them."""
    import json  # only this test reads the CLI's JSON
    import sys  # the CLI runs as the test's own interpreter

    from build_tools.pipeline import load_documents, source_files  # the archive's own discovery and load

    cli = [sys.executable, "-m", "build_tools.cli"]
    (tmp_path / "source_texts").mkdir()
    for name in ("001-att1.pdf", "013-att1.docx", "024-att1.wps"):
        r = subprocess.run(cli + ["--root", str(tmp_path), "add", str(ATTACH / name)], capture_output=True,
                           text=True, cwd=Path(__file__).resolve().parent.parent, timeout=300)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "source_texts" / name).read_bytes() == (ATTACH / name).read_bytes()
        assert "id: " in (tmp_path / "source_texts" / name).with_suffix(".yml").read_text(encoding="utf-8")
    found = source_files(tmp_path / "source_texts")
    assert {f.name for f in found} == {"001-att1.pdf", "013-att1.docx", "024-att1.wps"}
    assert {".pdf", ".docx", ".doc", ".wps"} <= SOURCE_SUFFIXES
    res = load_documents(found, require_sidecar=True)
    assert not res.errors and len(res.notices) == 3
    pdf = next(n for n in res.notices if n.source_file == "001-att1.pdf")
    assert pdf.doc_number == "达市府办发〔2022〕25号" and pdf.date_written == "2022-04-28" and pdf.format == "pdf"
    r = subprocess.run(cli + ["parse", "--json", str(ATTACH / "013-att1.docx")], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parent.parent, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0])["title"] == "关于印发进一步做好近期促进消费工作若干措施的通知"


def test_sniffing_is_by_bytes(tmp_path):
    """016-att1 is a Word 97 file the crawler stored under an .html name: read by its bytes."""
    src = (ATTACH / "016-att1.doc").read_bytes()
    assert sniff(src) == "ole" and sniff((ATTACH / "001-att1.pdf").read_bytes()) == "pdf"
    assert sniff((ATTACH / "012-att1.docx").read_bytes()) == "docx"
    assert sniff("通知正文提到 %PDF-1.4 格式的附件。\n".encode("utf-8") * 3) is None  # a text mentioning it
    f = tmp_path / "a7f5f906.html"
    f.write_bytes(src)
    raw = read_file(f, runner=run_tool)
    assert norm("太原市人民政府办公室关于加快发展保障性租赁住房的实施意见") in norm("".join(t for _, t in raw.lines))


def test_office_files_have_their_own_size_bound(tmp_path, monkeypatch):
    """A text source over its bound (limits.SOURCE_BYTES) is refused; an office file is bounded by
    limits.OFFICE_BYTES for its format instead (images and fonts make PDFs large)."""
    from build_tools import limits, pipeline  # the bounds under test
    from build_tools.ingest import office

    monkeypatch.setitem(limits.SOURCE_BYTES, ".txt", 50_000)
    pdf = tmp_path / "001-att1.pdf"
    pdf.write_bytes((ATTACH / "001-att1.pdf").read_bytes())
    txt = tmp_path / "big.txt"
    txt.write_bytes(SEED_FILES["001"].read_bytes() * 10)
    assert pdf.stat().st_size > 50_000 and txt.stat().st_size > 50_000
    res = pipeline.load_documents([pdf, txt])
    assert [n.source_file for n in res.notices] == ["001-att1.pdf"]
    assert [p.file for p in res.errors] == [str(txt)]
    monkeypatch.setitem(office.MAX_BYTES, "pdf", 50_000)
    with pytest.raises(ReadError, match="上限"):
        read_file(pdf, runner=run_tool)


BAD = {
    "truncated.pdf": lambda: (ATTACH / "009-att1.pdf").read_bytes()[:1500],
    "notpdf.pdf": lambda: b"\x00\x01\x02garbage" * 100,
    "broken.docx": lambda: b"PK\x03\x04" + b"\x00" * 200,
    "noword.docx": lambda: _zip({"content.xml": b"<x/>"}),
    "badxml.docx": lambda: _zip({"word/document.xml": b"<w:document", "[Content_Types].xml": b"<x"}),
    "broken.doc": lambda: (ATTACH / "004-att1.doc").read_bytes()[:4096],
    "excel.doc": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000,
}


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_office_file_is_a_clear_error(name, tmp_path):
    f = tmp_path / name
    f.write_bytes(BAD[name]())
    with pytest.raises(ReadError) as e:
        read_file(f, runner=run_tool)
    msg = str(e.value)
    assert msg.startswith(str(f)) and re.search(r"[\u4e00-\u9fff]{4}", msg), msg
    assert "Traceback" not in msg


def test_missing_or_stuck_converter_is_a_clear_error(monkeypatch):
    """No runner given (a caller that is not the build or the CLI): the message names the file
    and the runner; no LibreOffice: the message names the file and what to install; a conversion
    past its timeout is stopped (its whole process group) and reported."""
    from build_tools.ingest import office  # the converter lookup and timeout under test

    doc = ATTACH / "023-att1.doc"
    for path in (doc, ATTACH / "024-att1.wps"):
        with pytest.raises(ReadError) as e:
            read_file(path)
        assert str(e.value).startswith(f"{path}: ") and "runner" in str(e.value) and "LibreOffice" in str(e.value)
        assert "Traceback" not in str(e.value)
    monkeypatch.setattr(office, "_soffice", lambda: None)
    with pytest.raises(ReadError) as e:
        read_file(doc, runner=run_tool)
    assert str(e.value).startswith(str(doc)) and "LibreOffice" in str(e.value) and "install-system-deps" in str(e.value)
    monkeypatch.undo()
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) missing: run scripts/install-system-deps.sh")
    monkeypatch.setattr(office, "CONVERT_TIMEOUT", 0.05)
    with pytest.raises(ReadError, match="超时"):
        read_file(doc, runner=run_tool)


def test_ocr_without_a_runner_is_a_clear_error(monkeypatch):
    """OCR on, a scan read by a caller that passed no runner: a ReadError naming the file, the
    tools and the runner, never a traceback or a silent empty page."""
    monkeypatch.setenv("IPARCHIVE_OCR", "1")
    scan = ATTACH / "010-att1.pdf"
    with pytest.raises(ReadError) as e:
        read_file(scan)
    msg = str(e.value)
    assert msg.startswith(f"{scan}: ") and "tesseract" in msg and "runner" in msg and "Traceback" not in msg


def test_encrypted_pdf_is_a_clear_error(tmp_path):
    """A PDF with an open password (made by LibreOffice's PDF export) is named as encrypted."""
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) missing: run scripts/install-system-deps.sh to make the PDF")
    src = tmp_path / "locked.docx"
    src.write_bytes((ATTACH / "013-att1.docx").read_bytes())
    export = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
              '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", export, "--outdir", str(tmp_path), str(src)], check=True, capture_output=True,
                   timeout=300)
    pdf = tmp_path / "locked.pdf"
    with pytest.raises(ReadError) as e:
        read_file(pdf, runner=run_tool)
    assert str(e.value) == f"{pdf}: PDF 文件已加密，需要密码才能读取；请取得未加密的原件"


def _coverage(sentence: str, text: str) -> float:
    """Share of a sentence's characters found, in order, in the best-matching stretch of ``text``."""
    from rapidfuzz import fuzz  # only the OCR test measures fuzzy coverage
    from rapidfuzz.distance import LCSseq  # only the OCR test measures fuzzy coverage

    al = fuzz.partial_ratio_alignment(sentence, text)
    return LCSseq.similarity(sentence, text[al.dest_start:al.dest_end]) / len(sentence)


@pytest.mark.skipif(not (shutil.which("tesseract") and shutil.which("pdftoppm")),
                    reason="tesseract/pdftoppm missing: run scripts/install-system-deps.sh")
def test_ocr_is_opt_in_and_marked(monkeypatch, capsys):
    """iparchive parse --ocr on a 2-page scan: the text is marked 未经校对 and gives ≥ 90 % of the
    characters of each must_contain sentence (the 3 scans measured 0.95-1.00, see the report)."""
    import json  # only this test reads the CLI's JSON

    from build_tools.cli import main  # the CLI is what sets the opt-in

    monkeypatch.setenv("IPARCHIVE_OCR", "0")  # restored (unset) after the test: --ocr sets it
    row = next(r for r in ROWS if r["file"] == "004-att2.pdf")
    assert main(["parse", "--ocr", "--json", "--no-clauses", str(ATTACH / row["file"])]) == 0
    body = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["body"]
    assert body.startswith("【" + OCR_NOTE) and SCAN_NOTE in body.split("\n")[0]
    text = norm(body)
    for sentence in row["must_contain"].split("|"):
        assert _coverage(norm(sentence), text) >= 0.9, sentence


# ------------------------------------------------------------------ the wrapping invariant

def _seed_lines(path: Path) -> list[str]:
    return [s for s in path.read_bytes().decode("utf-8").replace("\r\n", "\n").split("\n") if s.strip()]


def _page_field(paragraph) -> None:
    """A footer ``- PAGE -`` as Word prints page numbers (a PAGE field)."""
    paragraph.add_run("- ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text.strip() == "PAGE" else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    paragraph.add_run(" -")


def _make_docx(lines: list[str], path: Path, title: str) -> None:
    """One paragraph per line, as an official document is set: the title centred and larger, body
    paragraphs with a two-character first-line indent, 仿宋-sized text, a page-number footer."""
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(16)
    footer = d.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)
    for s in lines:
        p = d.add_paragraph(s.strip(" \u3000"))
        if title and s.strip() == title:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for r in p.runs:
                r.font.size = Pt(22)
        else:
            p.paragraph_format.first_line_indent = Pt(32)
    d.save(str(path))


def _record(path: Path) -> dict:
    n = load_notice(path, use_sidecar=False, runner=run_tool)
    res = parse_structure(n.body, n.kind, n.title)
    return {"title": n.title, "doc_number": n.doc_number, "date_written": n.date_written,
            "date_published": n.date_published, "clause_ids": [c.id for c in res.walk()]}


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each seed as text, DOCX and (LibreOffice) PDF, formatted and plain."""
    out: dict[str, dict[str, Path]] = {}
    tmp = tmp_path_factory.mktemp("wrapped")
    for key, seed in sorted(SEED_FILES.items()):
        lines = _seed_lines(seed)
        txt = tmp / f"{key}.txt"
        txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
        title = load_notice(txt, use_sidecar=False, runner=run_tool).title or ""
        docx_path = tmp / f"{key}.docx"
        _make_docx(lines, docx_path, next((s for s in lines if normalise_line(s) == title), ""))
        plain = docx.Document()  # no formatting at all: no indents, python-docx's default spacing
        for s in lines:
            plain.add_paragraph(s.strip(" \u3000"))
        plain.save(str(tmp / f"{key}-plain.docx"))
        out[key] = {"text": txt, "docx": docx_path, "plain": tmp / f"{key}-plain.docx"}
    if SOFFICE:
        pdf_dir = tmp / "pdf"
        subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(pdf_dir)]
                       + [str(v[k]) for v in out.values() for k in ("docx", "plain")],
                       check=True, capture_output=True, timeout=600)
        for key in out:
            out[key]["pdf"] = pdf_dir / f"{key}.pdf"
            out[key]["pdf-plain"] = pdf_dir / f"{key}-plain.pdf"
    return out


@pytest.mark.parametrize("key", sorted(SEED_FILES))
@pytest.mark.parametrize("form", ["docx", "pdf", "pdf-plain"])
def test_wrapping_invariant_docx_and_pdf(wrapped, key, form):
    """pdf: set as an official document (indents, a larger centred title, page numbers); pdf-plain:
    the unformatted DOCX as LibreOffice sets it (ragged lines, paragraph spacing, no indents)."""
    if form.startswith("pdf") and not SOFFICE:
        pytest.skip("LibreOffice (soffice) missing: run scripts/install-system-deps.sh to make the PDFs")
    ref = _record(wrapped[key]["text"])
    assert ref["clause_ids"]
    got = _record(wrapped[key][form])
    for field in ref:
        assert got[field] == ref[field], (key, form, field, got[field], ref[field])


# ------------------------------------------------------------------ the runner (issue 24: launches in build/)

def test_the_runner_kills_the_whole_group_past_its_timeout(tmp_path):
    """``build.tools.run_tool``, the runner the build hands the readers: a tool that started a
    child of its own (as soffice starts soffice.bin) is killed with that child at the timeout,
    and TimeoutExpired is raised; a tool that ends gives its output and exit status."""
    pidfile = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {pidfile}; wait"
    t0 = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool(["sh", "-c", script], timeout=0.5)
    assert time.monotonic() - t0 < 10
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and \
            Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
        time.sleep(0.05)
    alive = Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    assert not alive, "the tool's own child outlived the timeout"
    done = run_tool(["sh", "-c", "echo 转换完成; echo 警告 >&2; exit 3"], timeout=30, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (3, "转换完成\n", "警告\n")
    with pytest.raises(OSError):
        run_tool([str(tmp_path / "no-such-tool")], timeout=5)


def test_the_readers_start_no_process_and_import_nothing_from_build():
    """The stages that need external programs (office, read, metadata, attachments, renumber)
    import nothing from build_tools/build/ and start nothing themselves: the runner comes in as
    a parameter; the build (pipeline) and the CLI pass ``run_tool``."""
    from test_imports import analyse, launch_sites  # the import graph and launch analysis of the package

    stages = {f"build_tools.{m}" for m in ("office", "read", "metadata", "attachments", "renumber")}
    edges = [e for e in analyse().edges if e.source in stages and e.target.startswith("build_tools.build")]
    assert edges == []
    launched = {k for k in launch_sites() if k[0].replace("/", ".").removesuffix(".py") in stages}
    assert launched == set()
    passed = {e.source for e in analyse().edges if e.target == "build_tools.build.tools"}
    assert {"build_tools.pipeline", "build_tools.cli"} <= passed
