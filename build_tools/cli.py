"""``iparchive``: the command line of the archive.

Subcommands: parse (``--explain``), add, check, build, search, serve, redirects (``--suggest``),
memo check (build_tools/memo.py; its own exit codes, 0/1/4/5 by the most severe citation).

Exit codes (README "Rules of the build"): 0 ok; 1 some documents had errors
(the others were published / checked); 2 nothing done (build: nothing
published, the last good site kept; add: refused; serve: no site); 3 usage
error (bad arguments, a missing file).  Input errors print a Chinese
``file:line`` message, never a traceback.  Everything printed goes through
``SafeStream``: control characters and terminal escape sequences from a
document (``\x1b[2J``) are shown as ``\u001b`` instead of driving the terminal.
"""
from __future__ import annotations

import argparse
import atexit
import hashlib
import io
import json
import os
import re
import sys
import threading
import traceback
from glob import escape as glob_escape
from pathlib import Path
from typing import Optional

from .errors import SourceError
from .fsutil import atomic_write_bytes, atomic_write_text, log_exception
from .limits import read_regular
from .siteurl import SiteUrlAction
from . import settings
from .textsafe import shown_name

ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_SOME_ERRORS, EXIT_NOTHING_DONE, EXIT_USAGE = 0, 1, 2, 3
# SGR colour codes (search highlights) pass; every other control character does not
UNSAFE_CHARS = re.compile(r"(\x1b\[[0-9;]{0,12}m)|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                          r"\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]")


def safe_text(text: str) -> str:
    """Control characters (ESC, CSI, BEL, bidi overrides) as visible ``\\uXXXX``
    (also a valid JSON escape, so ``parse --json`` output stays JSON); only
    colour codes (``ESC[1;31m``) pass: they cannot move the cursor, clear the
    screen or retitle the terminal."""
    return UNSAFE_CHARS.sub(lambda m: m.group(1) or f"\\u{ord(m.group(0)):04x}", text)


class SafeStream(io.TextIOBase):
    """A text stream that writes ``safe_text`` of everything to ``raw``;
    ``progress`` (stderr) lets carriage returns through for the progress bars
    (document text never carries one: the reader folds CR/CRLF into newlines)."""

    def __init__(self, raw, progress: bool = False):
        self.raw = raw
        self.progress = progress

    def write(self, text: str) -> int:
        if self.progress:
            self.raw.write("\r".join(safe_text(part) for part in text.split("\r")))
        else:
            self.raw.write(safe_text(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    @property
    def encoding(self):
        return getattr(self.raw, "encoding", "utf-8")

    def fileno(self) -> int:
        return self.raw.fileno()


class ArgParser(argparse.ArgumentParser):
    """argparse with exit code 3 for usage errors (2 means nothing published)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 用法错误：{message}\n")


def find_archive(start: Path) -> Optional[Path]:
    """The archive holding ``start``: ``start`` or its nearest parent with both
    ``mkdocs.yml`` and ``source_texts/`` (as git and mkdocs find theirs); None
    outside any archive."""
    start = Path(start).resolve()
    for d in (start, *start.parents):
        if (d / "mkdocs.yml").is_file() and (d / "source_texts").is_dir():
            return d
    return None


def archive_root(option: Optional[str], cwd: Optional[Path] = None) -> tuple[Path, str]:
    """(the archive a command works on, how it was chosen): ``--root``, else the
    archive the current directory is in, else the one this program was
    installed from.  A ``--root`` that is not a directory is a usage error
    (ValueError, Chinese message); one without mkdocs.yml is taken as given (a
    folder of sources only can be checked, added to, searched)."""
    if option:
        root = Path(option).expanduser().resolve()
        if not root.is_dir():
            raise ValueError(f"{root}: 不是文库目录（目录不存在）")
        return root, "--root"
    found = find_archive(cwd or Path.cwd())
    if found is not None:
        return found, "当前目录"
    return ROOT, "安装位置"


# commands that read or write an archive (parse reads files given by name only)
ARCHIVE_COMMANDS = {"add", "check", "build", "serve", "redirects", "search", "memo"}


def _root(args) -> Path:
    return Path(getattr(args, "root", None) or ROOT)


def _print_problems(problems, stream=None) -> None:
    """One line per problem: a newline in a file name is shown as ``\n``, so
    a name cannot print a forged line (issue 28: 「检查完毕：0 个错误」)."""
    for p in problems:
        print(safe_text(shown_name(str(p))), file=stream or sys.stderr)


# ------------------------------------------------------------------ parse

def cmd_parse(args) -> int:
    from .pipeline import load_documents  # the pipeline loads only when its command runs: --help and search stay fast
    from .model.fields import document_record, metadata_record  # as the pipeline: only when parse runs

    res = load_documents([Path(f) for f in args.files], structure=not args.no_clauses)
    _print_problems(res.problems)
    by_file = {n.source_file: n for n in res.notices}
    for f in args.files:
        n = by_file.get(Path(f).name)
        if n is None:
            continue
        if args.json:
            d = document_record(n) if not args.no_clauses else {**metadata_record(n), "body": n.body}
            print(json.dumps(d, ensure_ascii=False))
        elif args.explain:
            _print_explain(n)
        else:
            _print_record(n)
    return 1 if res.errors else 0


def _print_record(n) -> None:
    from .ingest.metadata import missing_fields  # the pipeline loads only when its command runs: --help and search stay fast
    from .model.fields import missing_label  # as the pipeline: only when parse runs

    def basis(field):
        b = n.basis.get(field)
        return f"  [{ {'inferred': '推定', 'sidecar': '人工核定', 'filename': '据文件名'}.get(b, '')}]" if b in {"inferred", "sidecar", "filename"} else ""

    print(f"== {n.source_file}  ({n.format}, {n.encoding})")
    print(f"id        {n.id}{'  [自动生成，未保存]' if n.basis.get('id') == 'auto' else ''}")
    print(f"标题      {n.title or '（缺）'}{basis('title')}")
    print(f"发文机关  {'、'.join(n.issuer) or '（缺）'}{basis('issuer')}")
    print(f"发文字号  {n.doc_number or '—'}")
    print(f"成文日期  {n.date_written or '—'}{basis('date_written')}")
    print(f"发布日期  {n.date_published or '—'}")
    print(f"年份      {n.year or '（缺）'}{basis('year')}")
    print(f"地区      {' → '.join(f'{a} {c}' for a, c in n.region.chain) if n.region else '（缺）'}{basis('region')}")
    print(f"类型      {n.doc_type or '（缺）'}   状态 {n.status}")
    if n.forwarded:
        print(f"{n.forwarded.action}      《{n.forwarded.title}》（{n.forwarded.doc_type or '?'}，由{n.forwarded.wrapper_type or '?'}{n.forwarded.action}）")
    if n.source_url:
        print(f"来源网址  {n.source_url}")
    for line, msg in n.warnings:
        print(f"警告      {'第' + str(line) + '行 ' if line else ''}{msg}")
    for a in n.attachments:  # the 附件 list (attachments.py): held, printed in the page, or not held
        print(f"附件{a.number:<6}{a.title} [{a.status}]" + (f" {a.held}" if a.held else f" {a.file_name}" if a.file_name else ""))
    for s in n.stripped:
        print(f"已去除    第{s.line}行 [{s.reason}] {s.text[:60]}")
    miss = missing_fields(n)
    if miss:
        print(f"待补充    {'、'.join(missing_label(m) for m in miss)}")
    if n.clauses:
        print(f"条款      {sum(1 for _ in n.walk())} 个")
    print("---- 正文 ----")
    print(n.body)
    print()


def _print_explain(n) -> None:
    """``parse --explain``: every declared metadata field (model/fields.py), its value, where it
    came from (页面/正文/侧文件/推定/推算/文件名/默认) and the provenance text."""
    from .model.fields import explain  # as the pipeline: only when parse runs
    print(f"== {n.source_file}  ({n.format}, {n.encoding})")
    for e in explain(n):
        tag = f"［{e.basis}］" if e.basis else ""
        origin = f"　［来自{e.origin}］" if e.origin else ""
        print(f"{e.label:<6}{e.value or '（缺）'}{tag}\n{'':8}← {e.where}{origin}")
    for line, msg in n.warnings:
        print(f"警告    {'第' + str(line) + '行 ' if line else ''}{msg}")
    print()


# -------------------------------------------------------------------- add

def _add_inputs(names: list[str]) -> tuple[Path, list[Path]] | str:
    """(the document, its attachment files) of ``iparchive add`` arguments, or a
    Chinese refusal.  ``add page.html a.pdf b.docx``: the first file is the
    document; ``add FOLDER``: the folder's one web page (else its one text
    file) is the document and the other files its attachments."""
    if len(names) == 1 and Path(names[0]).is_dir():
        folder = Path(names[0])
        files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_dir())
        for kinds in ((".html", ".htm"), (".txt", ".md", ".text")):
            pages = [p for p in files if p.suffix.lower() in kinds]
            if len(pages) == 1:
                return pages[0], [p for p in files if p != pages[0]]
            if len(pages) > 1:
                return (f"{folder}: 含多个可作为正文的文件（{'、'.join(p.name for p in pages)}），"
                        f"请用 iparchive add 页面 附件1 附件2… 指明哪个是正文")
        return f"{folder}: 目录中没有网页或文本文件可作为正文；单独的附件文件请逐个添加"
    return Path(names[0]), [Path(n) for n in names[1:]]


def _refuse_file(src: Path) -> tuple[str, int] | None:
    if CONTROL_NAME.search(src.name):
        return f"{src.name!r}: 文件名含换行或控制字符，未添加：请先改名", EXIT_NOTHING_DONE
    if not src.exists():
        return f"{src}: 文件不存在", EXIT_USAGE
    if not src.is_file():
        return f"{src}: 不是普通文件（目录、设备或管道），未添加", EXIT_NOTHING_DONE
    return None


CONTROL_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def cmd_add(args) -> int:
    """Copy a raw file into source_texts/ with a new permanent id and its sidecar,
    with its attachment files (``<stem>.files/``, mapped in the sidecar's
    ``attachments:``).

    Refused (exit 2, nothing written): a name with a newline, control or
    invisible characters, a name the build would never read (a suffix it
    does not read, README*, dot files), a name whose sidecar would be one of
    the archive's own files (``redirects.html`` -> ``redirects.yml``) or
    another source's (``a.txt`` beside ``a.html``), a symlink or special
    file, a file over the size bound (``limits.py``: the build's), a file
    byte-identical to one already in the archive (named), an existing
    sidecar, a different file of the same name; an attachment that is a
    symlink or special file, two attachments of one name, an existing
    different ``<stem>.files/`` entry of the same name.  The same text in
    another form (LF/CRLF, HTML) is added with a warning naming the twin.
    An attachment file added alone is a document of its own.  ``add`` holds
    the build lock: two adds of one file at once cannot both get one id."""
    from .publish.site import BuildLock  # the pipeline loads only when its command runs: --help and search stay fast

    root = _root(args)
    with BuildLock(root / "build" / "cache", lambda s: print(s, file=sys.stderr)):
        return _add(args, root)


def _refuse_inputs(src: Path, extra: list[Path]) -> tuple[str, int] | None:
    """Why ``add`` refuses the files themselves (their names, kinds, sizes), with its exit code."""
    from .pipeline import source_name_problem  # the pipeline loads only when its command runs: --help and search stay fast

    why = source_name_problem(src.name)
    if why:
        return f"{shown_name(src.name)}: {why}，未添加", EXIT_NOTHING_DONE
    for f in [src, *extra]:
        refused = _refuse_file(f)
        if refused is not None:
            return refused
    if len({f.name for f in extra}) < len(extra):
        return "附件中有同名文件，未添加：请先改名", EXIT_NOTHING_DONE
    return None


def _refuse_destination(src: Path, extra: list[Path], dest: Path, data: bytes) -> str | None:
    """Why ``add`` refuses to put ``src`` at ``dest``: a sidecar already there,
    a name sharing the sidecar, something else or other bytes at ``dest`` or
    at an attachment's place."""
    from .ingest.attachments import files_dir  # the pipeline loads only when its command runs: --help and search stay fast

    side, src_dir = dest.with_suffix(".yml"), dest.parent
    if side.exists():
        return f"{side}: 已存在 sidecar（id 不可更改），未做任何修改"
    sharing = [f for f in src_dir.glob(f"{glob_escape(dest.stem)}.*")
               if f.with_suffix(".yml") == side and f.name != dest.name and f.suffix.lower() != ".yml"] if src_dir.is_dir() else []
    if sharing:
        return (f"{shown_name(src.name)}: 与已有的 {shown_name(sharing[0].name)} 同名（只差扩展名），"
                f"两者会共用 sidecar {side.name}；请改名后再添加")
    if (dest.exists() or dest.is_symlink()) and not dest.is_file():
        return f"{dest}: 已存在同名的目录、设备或管道，未添加"
    if dest.exists() and dest.resolve() != src.resolve() and dest.read_bytes() != data:
        return f"{dest}: 已存在同名但内容不同的文件，请改名后再添加"
    att_dir = files_dir(dest)
    for f in extra:
        there = att_dir / f.name
        if there.is_symlink() or (there.exists() and (not there.is_file() or there.read_bytes() != f.read_bytes())):
            return f"{there}: 已存在同名但内容不同的附件文件，未添加"
    return None


def _identical(data: bytes, others: list[Path]) -> Optional[Path]:
    """The held source with exactly these bytes, if any."""
    digest = hashlib.sha256(data).digest()
    return next((f for f in others if f.stat().st_size == len(data) and hashlib.sha256(f.read_bytes()).digest() == digest),
                None)


def _free_id(notice, loaded: list, src_dir: Path) -> None:
    """Give ``notice`` an id no held document, reserved name or published id (ids.lock) has: ``<id>-2``, ``-3`` …"""
    from .pipeline import IDS_LOCK, load_owners  # the pipeline loads only when its command runs: --help and search stay fast
    from .ingest.sidecar import RESERVED_IDS  # (ditto)

    taken = {n.id for n in loaded} | set(RESERVED_IDS)
    taken |= set(load_owners(src_dir / IDS_LOCK))  # published ids stay with their files
    base, k = notice.id, 2
    while notice.id in taken:
        notice.id = f"{base}-{k}"
        k += 1


def _say_added(dest: Path, side: Path, notice, miss: list, near) -> None:
    from .model.fields import missing_label  # the pipeline loads only when its command runs: --help and search stay fast

    print(f"已添加 {dest}（id: {notice.id}），元数据写入 {side}")
    if near is not None:
        print(f"警告：正文与已收录的 {near.source_file}（{near.id}）相同（只差换行、空格或格式），可能是同一文件的另一份；"
              "如是，请删去其一（构建时也会提示）")
    inferred = [k for k, b in notice.basis.items() if b == "inferred"]
    if miss:
        print("需要人工补充：" + "、".join(missing_label(m) for m in miss))
    if inferred:
        print("自动推定、请核对：" + "、".join(inferred))
    if not miss and not inferred:
        print("所有字段均已从原文取得。")


def _add(args, root: Path) -> int:
    from .ingest.attachments import attachment_list, files_dir, match_files  # the pipeline loads only when its command runs: --help and search stay fast
    from .permanence.claims import text_digest  # (ditto)
    from .build.tools import run_tool  # (ditto): the reader's runner for LibreOffice and OCR
    from .ingest.metadata import load_notice, missing_fields  # (ditto)
    from .pipeline import load_documents, source_files  # (ditto)
    from .ingest.read import decode  # (ditto)
    from .ingest.sidecar import dump_sidecar  # (ditto)

    src_dir = root / "source_texts"
    inputs = _add_inputs(args.files)
    if isinstance(inputs, str):
        print(inputs, file=sys.stderr)
        return EXIT_NOTHING_DONE
    src, extra = inputs
    refused = _refuse_inputs(src, extra)
    if refused is not None:
        print(refused[0], file=sys.stderr)
        return refused[1]
    dest = src_dir / src.name
    side = dest.with_suffix(".yml")
    if dest.is_symlink():
        print(f"{dest}: 是符号链接，不予收录；请放入普通文件", file=sys.stderr)
        return EXIT_NOTHING_DONE
    data = read_regular(src)  # the build's size bound; never a FIFO or device
    if side.exists() and extra and dest.is_file() and dest.read_bytes() == data:
        return _add_later(dest, side, extra)
    others = [f for f in source_files(src_dir) if f.resolve() != dest.resolve()] if src_dir.is_dir() else []
    why = _refuse_destination(src, extra, dest, data)
    twin = None if why else _identical(data, others)
    if twin is not None:
        why = f"{src}: 与已收录的 {twin} 内容完全相同，未添加（同一文件只收录一份）"
    if why:
        print(why, file=sys.stderr)
        return EXIT_NOTHING_DONE
    notice = load_notice(src, use_sidecar=False, runner=run_tool)
    loaded = load_documents(others, structure=False).notices
    _free_id(notice, loaded, src_dir)
    mine = text_digest(notice.body)
    near = next((n for n in loaded if n.body.strip() and text_digest(n.body) == mine), None)
    html = decode(data, src)[0] if notice.format == "html" else None
    listed = attachment_list(html, notice.body.split("\n"))
    mapping = match_files(listed, extra, runner=run_tool) if extra else {}
    _say_twins(extra, others)
    att_dir = files_dir(dest)
    for f in extra:  # the attachments first: the sidecar, written last, makes the document whole
        if not (att_dir / f.name).exists():
            atomic_write_bytes(att_dir / f.name, read_regular(f))
    copied = dest.resolve() != src.resolve()
    if copied:
        atomic_write_bytes(dest, data)
    notice.source_file = dest.name
    miss = missing_fields(notice)
    text = dump_sidecar(notice, miss)
    if extra:
        text += "# 附件：每个文件对应页面附件列表中的序号（自动匹配，请核对）\nattachments:\n" + _mapping_lines(mapping, listed)
    try:
        atomic_write_text(side, text)
    except BaseException:  # a full disk: no source left without its sidecar (and id)
        if copied:
            dest.unlink(missing_ok=True)
        raise
    _say_added(dest, side, notice, miss, near)
    _say_attachments(mapping, listed, att_dir)
    return EXIT_OK


def _mapping_lines(mapping: dict[str, int], listed) -> str:
    titles = {e.number: e.title for e in listed}
    return "".join(f"  - {{number: {num}, file: {_yaml_scalar(name)}}}"
                   + (f"  # {titles[num]}" if num in titles else "  # 页面未列出此文件") + "\n"
                   for name, num in sorted(mapping.items(), key=lambda x: x[1]))


def _say_attachments(mapping: dict[str, int], listed, att_dir: Path, held: dict[str, int] | None = None) -> None:
    for name, num in sorted(mapping.items(), key=lambda x: x[1]):
        title = next((e.title for e in listed if e.number == num), None)
        print(f"附件{num}：{title or '（页面未列出）'} ← {att_dir.name}/{name}")
    taken = set(mapping.values()) | set((held or {}).values())
    for e in listed:
        if e.number not in taken:
            print(f"附件{e.number}：{e.title}（未收录：未提供文件；可用 iparchive add 本文件 附件文件 补充）")


def _say_twins(extra: list[Path], others: list[Path]) -> None:
    """An attachment that is already a document of the archive (added alone before): said, not refused."""
    sizes = {f.stat().st_size: f for f in others}
    for f in extra:
        twin = sizes.get(f.stat().st_size)
        if twin is not None and twin.read_bytes() == f.read_bytes():
            print(f"注意：附件 {f.name} 与已收录的文件 {twin} 内容相同（它也是一件单独的文件）")


def _add_later(dest: Path, side: Path, extra: list[Path]) -> int:
    """``iparchive add page.html more.pdf`` for a page already in the archive:
    the files join ``<stem>.files/`` and the sidecar's ``attachments:`` list
    (appended; the id and every other value stay)."""
    from .ingest.attachments import attachment_list, files_dir, match_files, sidecar_attachments  # the pipeline loads only when its command runs
    from .build.tools import run_tool  # the reader's runner for LibreOffice and OCR, loaded with the command
    from .ingest.metadata import load_notice  # the pipeline loads only when its command runs
    from .ingest.read import decode  # the pipeline loads only when its command runs
    from .ingest.sidecar import parse_sidecar, validate  # the pipeline loads only when its command runs

    att_dir = files_dir(dest)
    held = {x["file"]: x["number"] for x in sidecar_attachments(dest)}
    extra = [f for f in extra if not ((att_dir / f.name).is_file() and (att_dir / f.name).read_bytes() == f.read_bytes())]
    if not extra:
        print(f"{dest}: 这些附件均已收录，未做任何修改")
        return EXIT_OK
    clash = [f.name for f in extra if f.name in held or (att_dir / f.name).exists()]
    if clash:
        print(f"{att_dir}: 已有同名但内容不同的附件 {'、'.join(clash)}，未添加：请先改名", file=sys.stderr)
        return EXIT_NOTHING_DONE
    notice = load_notice(dest, use_sidecar=False, runner=run_tool)
    html = decode(dest.read_bytes(), dest)[0] if notice.format == "html" else None
    listed = attachment_list(html, notice.body.split("\n"))
    free = [e for e in listed if e.number not in held.values()]
    mapping = match_files(free, extra, runner=run_tool)
    nxt = max(list(held.values()) + [e.number for e in listed], default=0)
    for name in [n for n, k in mapping.items() if k in held.values()]:  # past the list: after every number in use
        nxt += 1
        mapping[name] = nxt
    text = side.read_text(encoding="utf-8")
    if not held and "attachments" not in (parse_sidecar(side, text).values or {}):
        new = text.rstrip("\n") + "\n# 附件：每个文件对应页面附件列表中的序号（自动匹配，请核对）\nattachments:\n" + _mapping_lines(mapping, listed)
    elif re.search(r"^attachments:\n(?:  - .*\n?)+\Z", text, re.M):  # the block list is the file's last key
        new = text.rstrip("\n") + "\n" + _mapping_lines(mapping, listed)
    else:
        print(f"{side}: attachments 不在文件末尾，无法自动追加；请手工加入：\n" + _mapping_lines(mapping, listed), file=sys.stderr)
        return EXIT_NOTHING_DONE
    errors = validate(parse_sidecar(side, new))
    if errors:
        print(f"{side}: 追加附件后 sidecar 无效（{errors[0][1]}），未做任何修改", file=sys.stderr)
        return EXIT_NOTHING_DONE
    for f in extra:  # the files first: the sidecar, written last, names them
        atomic_write_bytes(att_dir / f.name, f.read_bytes())
    atomic_write_text(side, new)
    print(f"已为 {dest} 补充附件，映射写入 {side}")
    _say_attachments(mapping, listed, att_dir, held)
    return EXIT_OK


def _yaml_scalar(text: str) -> str:
    import yaml  # only add writes YAML here
    return yaml.safe_dump(text, allow_unicode=True, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()


# ------------------------------------------------------------------ check

def cmd_check(args) -> int:
    from .pipeline import check_archive  # the pipeline loads only when its command runs: --help and search stay fast

    problems = check_archive(_root(args))
    _print_problems(problems, sys.stdout)
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    print(f"检查完毕：{errors} 个错误，{warnings} 个警告")
    return EXIT_SOME_ERRORS if errors else EXIT_OK


# ------------------------------------------------------------------ build

def cmd_build(args) -> int:
    from .pipeline import build_site  # the pipeline loads only when its command runs: --help and search stay fast
    from .publish.site import BuildBusy  # the pipeline loads only when its command runs: --help and search stay fast

    try:
        rep = build_site(_root(args), progress=not args.quiet, wait=not args.no_wait)
    except BuildBusy as e:
        print(str(e), file=sys.stderr)
        return EXIT_NOTHING_DONE
    if not rep.ok:
        return EXIT_NOTHING_DONE
    return EXIT_SOME_ERRORS if any(p.level == "error" for p in rep.problems) else EXIT_OK


def cmd_serve(args) -> int:
    """Serve site/ on localhost only (a downloaded copy of a large archive searches this way)."""
    site = Path(args.site).resolve() if args.site else _root(args) / "site"
    if not (site / "index.html").exists():
        hint = "不是已构建的文库网站（缺少 index.html）" if args.site else "网站尚未构建，请先运行 make site"
        print(f"{site}: {hint}", file=sys.stderr)
        return EXIT_SOME_ERRORS  # no site to serve (tests/test_browser.py pins 1)
    from .publish.serve import serve_site  # here: http.server costs every other command 60 ms of imports

    serve_site(site, args.port)
    return EXIT_OK


def cmd_redirects(args) -> int:
    """``redirects --suggest``: redirects.yml entries proposed for the locked ids
    that vanished (build_tools/permanence/renumber.py), printed as YAML; changes nothing."""
    from .permanence.anchors import load_lock, load_redirects  # imported when run, like the other commands: --help stays fast
    from .build.tools import run_tool  # git (and LibreOffice for an old DOC) run by the build's runner
    from .pipeline import load_documents, source_files  # the whole pipeline only for this command
    from .permanence.renumber import committed_texts, format_suggestions, suggest_redirects  # rapidfuzz only for this command

    if not args.suggest:
        print("用法：iparchive redirects --suggest（列出建议的 redirects.yml 条目，不修改任何文件）", file=sys.stderr)
        return EXIT_USAGE
    src = _root(args) / "source_texts"
    res = load_documents(source_files(src))
    _print_problems(res.problems)
    suggestions = suggest_redirects(res.notices, load_lock(src / "anchors.lock"),
                                    load_redirects(src / "redirects.yml"), committed_texts(_root(args), run_tool))
    print(format_suggestions(suggestions), end="")
    return EXIT_OK


def cmd_memo(args) -> int:
    """``memo check FILE…``: every citation of the memos resolved against the
    built archive (build_tools/memo.py); exit code by the most severe status."""
    from . import memo  # the memo checker (python-docx's XML, the records) loads only for this command

    if args.since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.since):
        print(f"--since 应写作 YYYY-MM-DD：{args.since}", file=sys.stderr)
        return EXIT_USAGE
    if args.out and (len(args.files) != 1 or Path(args.files[0]).is_dir()):
        print("--out 只能与一个文件同用", file=sys.stderr)
        return EXIT_USAGE
    missing = [f for f in args.files if not Path(f).exists()]
    if missing:
        print("找不到文件：" + "、".join(missing), file=sys.stderr)
        return EXIT_USAGE
    try:
        archive = memo.Archive(_root(args))
    except memo.MemoError as e:
        print(str(e), file=sys.stderr)
        return memo.EXIT_UNREADABLE
    reports = memo.check_files([Path(f) for f in args.files], archive, since=args.since)
    if args.fix:
        for rep in reports:
            if not rep.error:
                memo.fix_copy(rep, Path(args.out) if args.out else None)
    if args.json:
        print(json.dumps(memo.report_json(reports, archive), ensure_ascii=False, indent=1))
    else:
        print(memo.format_table(reports, archive))
        for rep in reports:
            if rep.error:
                print(rep.error, file=sys.stderr)
    return memo.exit_code(reports)


def search_unavailable(reason: str) -> int:
    """``iparchive search`` when the search package cannot be imported: say so, exit 2."""
    print(f"iparchive search 无法使用：检索模块 search/ 加载失败（{reason}）。"
          "请检查安装（make site 会安装依赖）或 search/ 下的改动。", file=sys.stderr)
    return EXIT_NOTHING_DONE


def _internal_error(args, what: str) -> int:
    """The short Chinese message of an unexpected failure: what happened, that
    nothing was published or changed, and where the traceback is
    (``IPARCHIVE_DEBUG=1``: printed too).  Exit 2."""
    log = log_exception(_root(args) / "build" / "iparchive-error.log")
    if settings.env(settings.DEBUG_ENV):
        traceback.print_exc()
    done = "未发布任何内容，上次的网站保持不变" if getattr(args, "cmd", "") == "build" else "未做任何修改"
    where = f"；详细信息已记入 {log}，报告问题时请附上" if log else ""
    print(f"iparchive {getattr(args, 'cmd', '')}：{what}，{done}{where}", file=sys.stderr)
    return EXIT_NOTHING_DONE


def build_parser() -> ArgParser:
    """``iparchive`` and its commands (search and cite from the search package, when it loads)."""
    ap = ArgParser(prog="iparchive", description="知识产权政策文库：读取、检查、构建与检索",
                   epilog="退出码：0 成功；1 部分文件有错误（其余已发布）；2 未做任何发布或修改（保留上次的网站）；3 用法错误")
    ap.add_argument("--root", help="文库根目录（默认：当前目录或其最近的、含 mkdocs.yml 与 source_texts/ 的上级目录；都不是时为安装本程序的文库）")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("parse", help="解析原始文件，输出元数据与规范化正文")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.add_argument("--no-clauses", action="store_true", help="不切分条款")
    p.add_argument("--explain", action="store_true", help="逐项列出元数据字段的值及其来源（元数据表、meta 标签、正文第几行、落款、文件名、sidecar）")
    p.add_argument("--ocr", action="store_true", help="对无文字层的扫描 PDF 页面做 OCR 识别（tesseract 中文简体；结果标注“OCR 识别，未经校对”）")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("add", help="把新文件加入 source_texts/，分配永久 id 并写 sidecar；"
                                   "可连同附件：add 页面.html 附件1.pdf 附件2.docx，或 add 目录（网页及其附件）")
    p.add_argument("files", nargs="+", metavar="FILE", help="正文文件，其后为它的附件文件；或一个含网页与附件的目录")
    p.add_argument("--ocr", action="store_true", help="对无文字层的扫描 PDF 页面做 OCR 识别（tesseract 中文简体；结果标注“OCR 识别，未经校对”）")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("check", help="检查所有原始文件与 sidecar")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="构建整个网站与检索索引")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--no-wait", action="store_true", help="另一个构建正在进行时立即退出（退出码 2），而不是等待")
    p.add_argument("--site-url", action=SiteUrlAction, help="网站公开地址（覆盖 mkdocs.yml 的 site_url 与环境变量 IPARCHIVE_SITE_URL），用于引用链接")
    p.add_argument("--ocr", action="store_true", help="对无文字层的扫描 PDF 页面做 OCR 识别（tesseract 中文简体；结果标注“OCR 识别，未经校对”）")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="在本机 127.0.0.1 上提供已构建的网站")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--site", help="要提供的网站目录（如下载的文库副本；默认为本项目的 site/）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("redirects", help="条款改号后：按指纹与文字相似度建议 redirects.yml 条目")
    p.add_argument("--suggest", action="store_true", help="列出建议的重定向（YAML，可直接粘贴），不修改任何文件")
    p.set_defaults(func=cmd_redirects)

    p = sub.add_parser("memo", help="核对备忘录中的引用：链接与《》条文、文号是否仍然有效",
                       description="核对备忘录（.docx、.md、.txt、.html 或文件夹）中指向本文库的链接与文字引用",
                       epilog="退出码：0 全部有效；1 有条款已移动（旧链接仍可跳转，--fix 可更正）；"
                              "4 有条款文字已改或版本已被取代；5 有文件已废止或找不到条款；2 有文件无法读取或文库尚未构建；3 用法错误")
    memo_sub = p.add_subparsers(dest="memo_cmd", required=True)
    p = memo_sub.add_parser("check", help="逐条核对引用并列表")
    p.add_argument("files", nargs="+", help="备忘录文件或文件夹")
    p.add_argument("--since", help="备忘录日期 YYYY-MM-DD（默认取 Word 文档属性的修改/创建日期，其他文件取修改时间）")
    p.add_argument("--json", action="store_true", help="输出 JSON（iparchive-memo/1）")
    p.add_argument("--fix", action="store_true", help="另存一份更正了已移动链接的副本（<名>.checked.<扩展名>），不改动原文件")
    p.add_argument("--out", help="与 --fix 同用：更正副本的路径（仅一个文件时）")
    p.set_defaults(func=cmd_memo)

    try:
        # imported here so that a broken search package leaves the other commands working
        from search import cli as search_cli

        search_cli.add_parser(sub)
    except Exception as e:  # any failure (ImportError, SyntaxError, a missing add_parser)
        broken = f"{type(e).__name__}: {e}"
        p = sub.add_parser("search", help="检索条款（检索模块无法加载，运行时报告原因）", add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=lambda args: search_unavailable(broken))

    try:
        # imported here, as search above: a broken search package leaves the other commands working
        from search import citation as citation_cli

        citation_cli.add_parser(sub)  # iparchive cite 专利法第七十一条 (issue 25)
    except Exception:  # the search entry already reports why the package does not load
        pass
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        root, how = archive_root(args.root)
    except ValueError as e:
        print(f"iparchive: 用法错误：{e}", file=sys.stderr)
        return EXIT_USAGE
    args.root = str(root)
    if args.cmd in ARCHIVE_COMMANDS and root != ROOT.resolve():
        # said on stderr: stdout stays the command's output (search --json, memo check --json)
        print(f"文库：{root}（据{how}；不是安装本程序的 {ROOT}）", file=sys.stderr)
    if getattr(args, "ocr", False):
        os.environ[settings.OCR_ENV] = "1"  # settings.OCR_ENV: read where the pages are read, workers included
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err, progress=True)
    try:
        code = run(args)
    finally:
        sys.stdout, sys.stderr = out, err
    if args.cmd == "build" and argv is None:  # the program's own entry (not a caller's in-process main([...]))
        exit_now(code)
    return code


def exit_now(code: int) -> int:
    """End the process with ``code`` at once, once its work is done (issue 29:
    a build's interpreter exit freed its ~1 GB heap object by object and ran
    the final collections, 0.3-0.8 s of a rebuild at 5x).  Every file the
    build writes is closed by then (the site swapped in, the locks fsynced,
    the problems report written); what is left is done here first: the
    atexit handlers (multiprocessing's, logging's), then stdout and stderr
    flushed.  While a thread that is not a daemon still runs, nothing is
    done: returns ``code`` and the normal exit waits for it.  ``main`` calls
    it for ``build``; ``benchmarks/bench_rebuild`` too, as a user's build ends
    (tests/test_cli_exit.py: exit codes, site, index and report as after a
    normal exit)."""
    me = threading.current_thread()
    if any(t is not me and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return code
    atexit._run_exitfuncs()  # what the normal exit would run, in its order
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said on it
            pass
    os._exit(code)


def run(args) -> int:
    """The command, with every failure said as one Chinese line and its exit code (never a traceback)."""
    try:
        return args.func(args)
    except SourceError as e:  # an input error: file:line and a Chinese message, no traceback
        print(str(e), file=sys.stderr)
        return EXIT_NOTHING_DONE
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
        print(f"{e.filename}: 找不到文件或目录（{e.strerror}）", file=sys.stderr)
        return EXIT_USAGE
    except PermissionError as e:
        print(f"{e.filename}: 没有权限（{e.strerror}）", file=sys.stderr)
        return EXIT_NOTHING_DONE
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except OSError as e:  # a full disk, an I/O error: said as such, not as a bug
        done = "未发布任何内容，上次的网站保持不变" if getattr(args, "cmd", "") == "build" else "未完成"
        where = f"{shown_name(str(e.filename))}: " if e.filename else ""
        print(f"{where}文件系统错误（{e.strerror or e}）；{done}", file=sys.stderr)
        return EXIT_NOTHING_DONE
    except RecursionError:  # input nested past what the code handles: never a traceback (issue 28)
        return _internal_error(args, "输入嵌套过深，无法处理")
    except MemoryError:
        return _internal_error(args, "内存不足，无法处理")
    except Exception:  # a bug, not bad input: the traceback goes to a log, never to the user; never exit 1
        return _internal_error(args, "内部错误（程序缺陷）")


if __name__ == "__main__":
    sys.exit(main())
