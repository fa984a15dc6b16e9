"""The pipeline: read -> structure -> enrich -> write (pages, index).

Each stage lives in its own module; this one only wires them together and
keeps the rules of the build:

* one bad document never stops the others: it is reported (file:line) and
  left out, unless it was already published (it is in anchors.lock), in which
  case the build fails rather than silently removing its pages;
* a document whose clauses do not conserve its body is never published;
* sources are regular files inside source_texts/ (``source_files`` /
  ``refused_sources``: symlinks, FIFOs and control-character names refused),
  at most ``limits.max_source_bytes`` (one bound for add, parse and build);
* an id belongs to the file ``ids.lock`` names (``load_owners``): another
  file claiming it is the error, wherever it sorts; ``lock_gaps`` cross-checks
  ids.lock and anchors.lock against each other and the live site;
* a 文号, a page name, a text claimed twice (``claims.py``: errors naming
  both files, near-duplicates a warning); at most ``limits.MAX_CLAUSES``
  clauses a document; two sources sharing a sidecar (``shared_sidecars``);
  whatever ``add`` accepts is read (``source_name_problem``);
* publishing (site, locks, index; the build lock; killing children) is
  ``publish.SiteBuild``: a failed or killed build never destroys the last
  good site or index.
"""
from __future__ import annotations

import filecmp
import functools
import gc
import hashlib
import os
import pickle
import re
import shutil
import sys
import time
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import yaml
from tqdm import tqdm

from .permanence import anchors
from . import collector
from .build.schedule import beside, child_peaks, mapper, pool_map, resident_mb
from .build.tools import run_tool
from .build.store import Memo, Store, load_parse, release_memory
from .ingest.attachments import FILES_SUFFIX, attach, held_files, orphan_folders
from .permanence.claims import doc_number_conflicts, near_duplicates, slug_conflicts, text_digest
from .codedigest import code_digest
from .errors import SourceError
from .ingest.lawdates import date_order_problem
from .limits import (DEFAULT_SOURCE_BYTES, MAX_CLAUSES, OFFICE_BYTES, SIDECAR_BYTES, SOURCE_BYTES, max_source_bytes,
                     read_regular, too_large_message)
from .fsutil import (NAME_MAX, TEMP_NAME_EXTRA, atomic_write_bytes, atomic_write_text, exclusive, load_keyed, pause_point,
                     save_keyed)
from .ingest.metadata import load_notice
from .models import Enrichment, Notice, Problem, StoredNotice, stored_header
from .ingest.office import ocr_enabled
from .settings import LOAD_POOL_MIN, PARALLEL_MIN, RELATED_BESIDE_MIN, STORED_MIN
from .ingest.sidecar import SidecarError, parse_sidecar
from .ingest.sidecar import validate as validate_sidecar
from .siteurl import record_site_url
from .clauses.structure import conservation_error, parse_structure
from .textsafe import INVISIBLE, shown_name

# every suffix the readers read (read.detect_format, office.py); ``add`` refuses any other (issue 28:
# .shtml/.xhtml were accepted by add and never read by the build)
SOURCE_SUFFIXES = {".txt", ".html", ".htm", ".shtml", ".xhtml", ".md", ".markdown", ".text",
                   ".pdf", ".docx", ".doc", ".wps", ".rtf"}
# source names whose sidecar would be one of the archive's own files
RESERVED_STEMS = {"redirects": "redirects.yml（条款重定向表）"}
CACHE_VERSION = "1"
# what keying reads of a source at most: the largest bound of any kind, so keying needs no sniffing of
# its bytes (two reads a file); a file over its own bound is reported by _load_one, never cached
KEY_BYTES = max(DEFAULT_SOURCE_BYTES, *SOURCE_BYTES.values(), *OFFICE_BYTES.values())
LOAD_MODULES = ("build_tools.ingest.metadata", "build_tools.clauses.structure", "build_tools.ingest.lawdates",
                "build_tools.ingest.attachments")  # what a parse runs


@dataclass
class Paths:
    root: Path
    sources: Path
    docs: Path
    site: Path
    index: Path
    cache: Path
    config: Path

    @property
    def problems(self) -> Path:
        """Every problem of the last build (the console shows the first warnings)."""
        return self.cache / "problems.txt"

    @classmethod
    def at(cls, root: Path, **over) -> "Paths":
        root = Path(root)
        base = dict(root=root, sources=root / "source_texts", docs=root / "docs", site=root / "site",
                    index=root / "search" / "index", cache=root / "build" / "cache", config=root / "mkdocs.yml")
        base.update({k: Path(v) for k, v in over.items() if v is not None})
        return cls(**base)


@dataclass
class LoadResult:
    notices: list[Notice]
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)  # id -> the file it was read from
    keys: dict[str, str] = field(default_factory=dict)  # id -> load cache key (content hash), when cached
    # load key -> clause fingerprints of a document parsed by this load in stored mode, made while its tree was in
    # memory (anchors.remembered_anchors takes them: a full build at 5x loaded every tree back for them, issue 29)
    fingerprints: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


def source_files(directory: Path) -> list[Path]:
    """Raw documents in a source directory (sidecars, lock files and README
    excluded).  Only regular files inside the directory: symlinks (a link to
    /etc/passwd was published, issue 11) and special files are left out and
    reported by ``refused_sources``."""
    out = []
    for d, dnames, fnames in os.walk(directory):  # never follows symlinked directories
        # <stem>.files/ holds a document's attachment files (attachments.py), not documents
        dnames[:] = sorted(x for x in dnames if not x.startswith(".") and not x.endswith(FILES_SUFFIX))
        for name in fnames:
            p = Path(d) / name
            if (p.suffix.lower() in SOURCE_SUFFIXES and name != "_index.md" and not name.startswith(("README", "."))
                    and p.stem.lower() not in RESERVED_STEMS
                    and not p.is_symlink() and p.is_file() and not CONTROL_CHARS.search(name)):
                out.append(p)
    return sorted(out)


CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def source_name_problem(name: str) -> Optional[str]:
    """Why ``iparchive add`` refuses a file of this name (None: it is read by
    every build): the build must read whatever ``add`` accepts."""
    suffix = Path(name).suffix.lower()
    if CONTROL_CHARS.search(name) or INVISIBLE.search(name) or \
            any(unicodedata.category(c) in ("Cf", "Co", "Cn", "Cs", "Zl", "Zp") for c in name):  # U+200B too
        return "文件名含换行、控制字符或不可见的排版字符：请先改名"
    if Path(name).stem != Path(name).stem.strip():  # " 通知.txt" beside "通知.txt": two files that look one
        return "文件名的开头或结尾（扩展名前）有空格：请先改名"
    if suffix not in SOURCE_SUFFIXES:
        return f"扩展名 {suffix or '（无）'} 不是文库能读取的格式（可用：{'、'.join(sorted(SOURCE_SUFFIXES))}）"
    if name == "_index.md" or name.startswith(("README", ".")):
        return "这个名称的文件（README*、以 . 开头、_index.md）构建时不读取：请改名"
    if Path(name).stem.lower() in RESERVED_STEMS:
        return f"它的 sidecar 会与文库自身的 {RESERVED_STEMS[Path(name).stem.lower()]} 同名：请改名"
    stem = Path(name).stem
    longest = max(len(n.encode("utf-8")) for n in (name, f"{stem}.yml", f"{stem}{FILES_SUFFIX}"))
    if longest + TEMP_NAME_EXTRA > NAME_MAX:  # issue 28: add failed half-way on its sidecar's temp file
        return (f"文件名过长（{len(name.encode('utf-8'))} 字节）：它的 sidecar、附件文件夹与临时文件的名字会超过"
                f"文件系统 {NAME_MAX} 字节的上限；请缩短 {longest + TEMP_NAME_EXTRA - NAME_MAX} 字节以上后再添加")
    return None


def shared_sidecars(files: list[Path]) -> list[Problem]:
    """Sources that would share one sidecar (``a.txt`` beside ``a.html``): an error for each but the first."""
    first: dict[Path, Path] = {}
    probs = []
    for f in files:
        side = f.with_suffix(".yml")
        if side in first:
            probs.append(Problem(str(f), None, "error", f"与 {first[side]} 只差扩展名，两者共用 sidecar {side.name}："
                                                        "本文件不予发布，请改名并运行 iparchive add"))
        else:
            first[side] = f
    return probs


def refused_sources(directory: Path) -> list[Problem]:
    """Entries of the source directory that are never read: symlinks (to
    files or directories), special files (FIFOs, devices, sockets) and names
    with control characters (a newline in a name broke its sidecar)."""
    probs = []
    for d, dnames, fnames in os.walk(directory):
        dnames[:] = sorted(x for x in dnames if not x.startswith("."))
        for name in sorted(fnames) + [x for x in dnames if (Path(d) / x).is_symlink()]:
            p = Path(d) / name
            if name.startswith("."):
                continue
            if p.is_symlink():
                probs.append(Problem(str(p), None, "error", f"是符号链接（指向 {os.readlink(p)}），不予收录：原始文件必须是 source_texts/ 内的普通文件"))
            elif not p.is_file():
                probs.append(Problem(str(p), None, "error", "不是普通文件（设备、管道或套接字），不予收录"))
            elif CONTROL_CHARS.search(name):
                probs.append(Problem(repr(str(p)), None, "error", "文件名含换行或控制字符，不予收录：请改名"))
            elif p.suffix.lower() in SOURCE_SUFFIXES and p.stem.lower() in RESERVED_STEMS:
                probs.append(Problem(str(p), None, "error", f"它的 sidecar 会与文库自身的 {RESERVED_STEMS[p.stem.lower()]} 同名，"
                                                           "不予收录：请改名"))
    return probs


# ------------------------------------------------------------------ id owners

IDS_LOCK = anchors.IDS_LOCK
ANCHORS_CACHE = "anchors-current.pickle"  # <cache>/: each document's clause fingerprints by load key
load_owners = anchors.load_owners  # ids.lock rows: anchors.owner_row (any file name, issue 28)


def write_owners(path: Path, built: dict[str, Path], sources: Path, old: dict[str, str]) -> None:
    """Record the owner file of every published id (``built``: id -> path;
    entries of documents not built this time are kept)."""
    owners = dict(old)
    for doc_id, src in built.items():
        try:
            owners[doc_id] = Path(src).resolve().relative_to(Path(sources).resolve()).as_posix()
        except ValueError:
            owners[doc_id] = Path(src).name
    text = anchors.format_owners(owners)
    if not Path(path).exists() or Path(path).read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)


def _structure(notice: Notice) -> list[Problem]:
    res = parse_structure(notice.body, notice.kind, notice.title)
    notice.clauses = res.clauses

    def src_line(line: Optional[int]) -> Optional[int]:
        return notice.line_map[line - 1] if line and 0 < line <= len(notice.line_map) else line

    probs = [Problem(notice.source_file, src_line(line), "warning", msg) for line, msg in res.warnings]
    count = sum(1 for _ in notice.walk())
    if count > MAX_CLAUSES:  # a 1.999 MB file of one-line clauses made a 90 MB page (issue 28)
        probs.append(Problem(notice.source_file, None, "error",
                             f"条款过多（{count} 个，上限 {MAX_CLAUSES} 个；文库中最多的法律约 1,900 个）：每个条款的页面带锚点与"
                             "引用按钮，这样的文件会生成过大的页面，不予发布；请确认文件是否正确或拆分后再添加"))
        return probs
    lost = conservation_error(notice.body, res.clauses)
    if lost is not None:
        probs.append(Problem(notice.source_file, src_line(lost.line), "error",
                             f"条款切分丢失或重复了正文文字（守恒检查失败：{lost.message}），该文件不予发布"))
    return probs


@functools.lru_cache(maxsize=1)
def _stage_digest() -> bytes:
    """The read/structure stage modules (``codedigest``: metadata, structure,
    lawdates and what they import): a change to any of them invalidates the cache."""
    return hashlib.sha1(CACHE_VERSION.encode() + code_digest(*LOAD_MODULES)).digest()


def parse_file(cache_dir: Path | str, key: str) -> str:
    """Where the parse of a source with load key ``key`` is kept (``<cache>/docs/<key>.pickle``; a
    string: pathlib's objects cost more than the look-up, and a rebuild asks it of every source)."""
    return os.path.join(cache_dir, f"{key}.pickle")


def cache_key(path: Path) -> str:
    """The load key of a source: the stage code, where it is (the document names its file:
    ``source_file``, an office original's ``source_path``; a moved file is another result), its
    bytes, its sidecar's and its attachment files' (names as strings: a rebuild keys every source,
    and pathlib's objects cost more than the hashing)."""
    h = hashlib.sha1(_stage_digest())
    h.update(b"ocr" if ocr_enabled() else b"")  # a scan read with OCR on is another result
    name = os.fspath(path)
    h.update(os.fsencode(os.path.abspath(name)) + b"\0")
    h.update(read_regular(name, KEY_BYTES))  # bounded, never a FIFO (limits.py); the file's own bound: _load_one
    stem = os.path.splitext(name)[0]
    if os.path.isfile(stem + ".yml"):
        h.update(read_regular(stem + ".yml", SIDECAR_BYTES))
    if os.path.isdir(stem + FILES_SUFFIX):  # the attachment files are part of the document (and where they are: the write stage copies them)
        for f in held_files(path):
            h.update(str(f.resolve()).encode() + b"\0" + read_regular(f))
    return h.hexdigest()


def _load_one(path: Path, require_sidecar: bool, cache_dir: Optional[Path], structure: bool):
    """read + metadata + structure of one file -> (notice | None, problems, seconds read, seconds structure).

    Runs in a worker process for large batches; results are cached by the
    content hash of the file, its sidecar and the stage modules."""
    try:
        key = cache_key(path) if cache_dir else None
    except (OSError, SourceError):  # unreadable, too large, not a regular file: load_notice reports it
        key = None
    if key:
        cf = Path(parse_file(cache_dir, key))
        if cf.exists():
            try:
                notice, probs = pickle.loads(cf.read_bytes())
                return notice, probs, 0.0, 0.0, key
            except Exception:
                pass
    t0 = time.perf_counter()
    try:
        size = path.stat().st_size if path.is_file() else 0  # unreadable: load_notice reports it
        if size > max_source_bytes(path):
            raise SourceError(path, too_large_message(size, max_source_bytes(path)))
        notice = load_notice(path, runner=run_tool)  # the stages start no process: the build hands them its runner
        if require_sidecar and not path.with_suffix(".yml").exists():
            raise SidecarError(path.with_suffix(".yml"), f"缺少 sidecar：请运行 iparchive add {path} 为它分配永久 id")
    except SourceError as e:
        return None, [Problem.from_error(e)], time.perf_counter() - t0, 0.0, key
    except Exception as e:  # a parser bug must not stop the other documents
        return None, [Problem(str(path), None, "error", f"内部错误：{type(e).__name__}: {e}")], time.perf_counter() - t0, 0.0, key
    t1 = time.perf_counter()
    probs: list[Problem] = []
    if structure:
        try:
            probs += _structure(notice)
        except Exception as e:
            probs += [Problem(str(path), None, "error", f"条款切分内部错误：{type(e).__name__}: {e}")]
        if not any(p.level == "error" for p in probs):
            try:  # the 附件 list, and each held attachment file as an 附件 section
                probs += attach(notice, path, runner=run_tool)
            except Exception as e:  # an attachment bug must not stop the document or the others
                probs += [Problem(str(path), None, "warning", f"附件处理内部错误：{type(e).__name__}: {e}")]
    probs += [Problem(str(path), line, "warning", msg) for line, msg in notice.warnings]
    order = date_order_problem(notice)
    if order is not None:
        probs.append(order)
    for p in probs:
        if p.file == notice.source_file:
            p.file = str(path)
    t2 = time.perf_counter()
    if key:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = Path(cache_dir) / f"{key}.{os.getpid()}.tmp"
        tmp.write_bytes(pickle.dumps((notice, probs)))
        tmp.replace(parse_file(cache_dir, key))
    return notice, probs, t1 - t0, t2 - t1, key


def _cached_load(path: Path, cache_dir: Path, heads: Optional[Memo] = None, lazy: bool = False):
    """``_load_one``'s result for a file whose parse is cached, else None.  With
    ``heads`` (the stored build's headers by load key), a document whose header
    is kept comes back as its kept entry in the notice's place (a tuple: its
    ``models.stored_header``, the problems its parse had, its ``text_digest``),
    its parse left unread; ``lazy``: a parse whose header is not kept comes back
    as a function that reads it (``_merge_loads`` calls it in turn: the parses
    of a stored build are never all held at once, issue 29: 849 MB after load at
    2x when the headers had to be made again, against 182 MB)."""
    try:
        key = cache_key(path)
        parse = parse_file(cache_dir, key)
        kept = heads.kept(key) if heads is not None and os.path.isfile(parse) else None
        if kept is not None:
            return kept, list(kept[1]), 0.0, 0.0, key
        if lazy and os.path.isfile(parse):
            return functools.partial(_cached_load, path, cache_dir)
        with open(parse, "rb") as f:
            notice, probs = pickle.loads(f.read())
    except Exception:  # missing, unreadable or stale entry: parse it
        return None
    return notice, probs, 0.0, 0.0, key


def _merge_loads(paths: list[Path], cached: dict, fresh: Iterable, again: Callable[[Path], Any]):
    """The results in the order of ``paths``: cached ones as they are (a function: read now, and
    ``again(path)`` when that fails; each let go once given), the others from ``fresh``."""
    fresh = iter(fresh)
    for p in paths:
        if p not in cached:
            yield next(fresh)
            continue
        hit = cached.pop(p)
        yield (hit() or again(p)) if callable(hit) else hit


def prune_parse_cache(cache_dir: Path, keep: set[str]) -> None:
    """Delete cached documents this build did not use (edited or removed
    files); the cache then holds one entry per current file."""
    try:
        entries = os.scandir(cache_dir)  # names as strings: pathlib's glob made a Path per entry, 0.5 s at 2x
    except OSError:
        return
    with entries:
        for e in entries:
            if e.name.endswith(".pickle") and e.name[:-len(".pickle")] not in keep:
                try:
                    os.unlink(e.path)
                except FileNotFoundError:
                    pass


def _owner_of(doc_id: str, claimants: list[tuple[Path, Notice]], owners: dict[str, str],
              sources: Optional[Path]) -> int:
    """Index of the claimant that keeps ``doc_id``: the file ``ids.lock``
    names, else the first (issue 11: a new file sorting first took over a
    published page); -1 when the owner still exists but is not among them
    (it failed this build: nobody else may take its id meanwhile)."""
    name = owners.get(doc_id)
    if not name:
        return 0
    for k, (path, _) in enumerate(claimants):
        try:  # the name as listed first (no file system call: a rebuild asks this of every document)
            if sources and path.relative_to(sources).as_posix() == name:
                return k
        except ValueError:
            pass
        try:
            rel = path.resolve().relative_to(Path(sources).resolve()).as_posix() if sources else path.name
        except ValueError:
            rel = path.name
        if rel == name:
            return k
    return -1 if sources and (Path(sources) / name).is_file() else 0



SOURCE_DIGESTS = "source-digests.marshal"  # <cache>/: load key -> [size, sha256 or None] (identical_sources)


def identical_sources(files: list[Path], keys: Optional[dict[Path, str]] = None,
                      memo: Optional[Path] = None) -> list[Problem]:
    """A warning for each file byte-identical to an earlier one (two ids, two
    pages of one text; ``iparchive add`` refuses the second).  Only files of
    equal size are hashed.  With ``keys`` (path -> load key, ``cache_key``:
    a hash of the file's bytes and where it is) and ``memo`` (a keyed file),
    each keyed file's size and digest are kept by its load key, so a rebuild
    stats and reads only the files whose key is new (issue 29: at 5x every
    source was stat'ed and a fifth of them read again on each rebuild); the
    key, a content hash, decides, never an mtime."""
    keys = keys or {}
    old = load_keyed(memo, CACHE_VERSION, codec="marshal") if memo else {}
    new: dict[str, list] = {}

    def known(f: Path) -> list:
        key = keys.get(f)
        got = old.get(key) if key else None
        if got is None:
            got = [f.stat().st_size, None]
        if key:
            new[key] = got
        return got

    by_size: dict[int, list[Path]] = {}
    for f in files:
        try:
            by_size.setdefault(known(f)[0], []).append(f)
        except OSError:
            continue
    probs = []
    for same in by_size.values():
        if len(same) < 2:
            continue
        first: dict[bytes, Path] = {}
        for f in same:
            entry = new.get(keys.get(f, ""))
            digest = entry[1] if entry is not None else None
            if digest is None:
                digest = hashlib.sha256(f.read_bytes()).digest()
                if entry is not None:
                    new[keys[f]] = [entry[0], digest]  # a new object: save_keyed appends what is not the loaded one
            if digest in first:
                probs.append(Problem(str(f), None, "warning", f"与 {first[digest]} 内容完全相同（重复文件）：同一文本有两个 id、两个页面，请删去其一"))
            else:
                first[digest] = f
    if memo:
        try:
            save_keyed(memo, CACHE_VERSION, new, codec="marshal")
        except OSError:
            pass
    return probs




def load_documents(paths: Iterable[Path], *, require_sidecar: bool = False, cache_dir: Optional[Path] = None,
                   progress: bool = False, structure: bool = True, workers: Optional[int] = None,
                   prune_cache: bool = False, owners: Optional[dict[str, str]] = None,
                   sources: Optional[Path] = None, stored: bool = False) -> LoadResult:
    """read + metadata + structure for each file; problems collected, never raised.

    Large batches run on all cores (``workers``, default os.cpu_count()).
    Results keep the order of ``paths``.  Of two documents with the same id
    the owner named in ``owners`` (``ids.lock``: id -> file name under
    ``sources``) wins wherever it sorts, else the first; the other is reported.  Parsed documents are cached in
    ``cache_dir`` by content hash; ``prune_cache`` (a whole-archive build)
    then drops the entries no current file uses.  ``stored`` (the build, with
    ``cache_dir``): each document comes back as a ``models.StoredNotice``, its
    body and clause tree left in its cached parse (issue 29: the build holds
    ~9 KB a document, not ~67 KB).
    """
    paths = [p if isinstance(p, Path) else Path(p) for p in paths]  # Path(path) parses it again: 0.1 s at 2x
    workers = workers or os.cpu_count() or 1
    # stored: a source whose load key is unchanged comes back from its header (models.stored_header),
    # its parse never read (issue 29); else cached documents are unpickled here, once: through a
    # worker they were unpickled, pickled again and sent (10 s of a one-document rebuild)
    heads = Memo(Store(Path(cache_dir).parent).headers, LOAD_MODULES, codec="pickle") if stored and cache_dir else None
    with collector.paused():  # unpickling 358,000 clauses makes no garbage to collect: 0.95 -> 0.67 s
        cached = {p: hit for p in paths if (hit := _cached_load(p, cache_dir, heads, lazy=heads is not None))
                  is not None} if cache_dir else {}
    todo = [p for p in paths if p not in cached]
    problems: list[Problem] = []
    claims: dict[str, list[tuple[Path, Notice]]] = {}
    t_read = t_struct = 0.0
    used: set[str] = set()
    key_of: dict[Path, str] = {}
    digest_of: dict[Path, str] = {}  # claims.text_digest of the stored documents, kept in their headers
    made: dict[str, anchors.Fingerprints] = {}  # load key -> fingerprints of a stored document parsed now
    with ExitStack() as stack:
        if workers > 1 and len(todo) >= LOAD_POOL_MIN:
            fresh = stack.enter_context(pool_map(_load_one, todo, [require_sidecar] * len(todo),
                                                 [cache_dir] * len(todo), [structure] * len(todo), workers=workers))
        else:
            fresh = (_load_one(p, require_sidecar, cache_dir, structure) for p in todo)
        results = _merge_loads(paths, cached, fresh, lambda p: _load_one(p, require_sidecar, cache_dir, structure))
        if progress:
            results = tqdm(results, total=len(paths), desc="读取与切分", unit="件", file=sys.stderr)
        for path, (notice, probs, tr, ts, key) in zip(paths, results):
            if key:
                used.add(key)
                key_of[path] = key
            t_read += tr
            t_struct += ts
            problems.extend(probs)
            if notice is None or any(p.level == "error" for p in probs):
                continue
            if isinstance(notice, tuple):  # a kept header: (header, problems, text digest)
                digest_of[path] = notice[2]
                notice = StoredNotice(None, functools.partial(load_parse, parse_file(cache_dir, key)), notice[0])
            elif heads is not None and key and os.path.isfile(kept := parse_file(cache_dir, key)):
                header, digest_of[path] = stored_header(notice), text_digest(notice.body)
                made[key] = anchors.Fingerprints.of(anchors.current_anchors(notice))
                heads.put(key, (header, probs, digest_of[path]))
                notice = StoredNotice(notice, functools.partial(load_parse, kept), header)
            claims.setdefault(notice.id, []).append((path, notice))
    notices: list[Notice] = []
    where: dict[str, Path] = {}
    for doc_id, claimants in claims.items():
        owner = _owner_of(doc_id, claimants, owners or {}, sources)
        if owner < 0:
            for path, _ in claimants:
                problems.append(Problem(str(path), None, "error", f"id {doc_id!r} 属于已发布的 {owners[doc_id]}（ids.lock 记载其归属）：本文件不予发布，请为它另取一个 id"))
            continue
        first_path, first = claimants[owner]
        notices.append(first.freeze())  # issue 24: the record as ingested is final; later stages make new ones
        where[doc_id] = first_path
        for k, (path, notice) in enumerate(claimants):
            if k == owner:
                continue
            if notice.basis.get("id") == "auto" and first_path.read_bytes() == path.read_bytes():
                problems.append(Problem(str(path), None, "warning", f"与 {first_path} 内容完全相同（重复文件），只收录一份"))
            elif owners and doc_id in owners:
                problems.append(Problem(str(path), None, "error", f"id {doc_id!r} 已由 {first_path} 发布（ids.lock 记载其归属）：本文件不予发布，请为它另取一个 id"))
            else:
                problems.append(Problem(str(path), None, "error", f"id {doc_id!r} 与 {first_path} 重复：每个文件的 id 必须唯一，请修改其中一个 sidecar"))
    order = {p: k for k, p in enumerate(paths)}
    notices.sort(key=lambda n: order[where[n.id]])
    problems.extend(identical_sources([where[n.id] for n in notices], key_of,
                                      Path(cache_dir).parent / SOURCE_DIGESTS if cache_dir else None))
    if owners is not None:  # check and build: what only one document may hold (claims.py)
        left_out: set[str] = set()
        for conflicts in (doc_number_conflicts(notices, where, owners), slug_conflicts(notices, where)):
            left_out |= conflicts[0]
            problems.extend(conflicts[1])
        notices = [n for n in notices if n.id not in left_out]
        problems.extend(near_duplicates(notices, where, _text_digests(notices, key_of, where, cache_dir, digest_of)))
    if cache_dir and prune_cache:
        prune_parse_cache(cache_dir, used)
    if heads is not None:
        heads.save(keep_old=not prune_cache, forget=True)  # a whole-archive build keeps only the current sources' headers
    # with a pool, per-file seconds add up across cores: report CPU seconds
    keys = {n.id: key_of[where[n.id]] for n in notices if where[n.id] in key_of}
    return LoadResult(notices, problems, {"read": t_read, "structure": t_struct}, where, keys, made)


TEXT_DIGESTS = "text-digests.marshal"  # <cache>/: load key -> claims.text_digest


def _text_digests(notices: list[Notice], key_of: dict[Path, str], where: dict[str, Path],
                  cache_dir: Optional[Path], known: Optional[dict[Path, str]] = None) -> dict[str, str]:
    """id -> ``claims.text_digest`` of its body: from ``known`` (by source: the
    stored documents' headers), else kept by load key in the cache."""
    known = known or {}
    if all(where[n.id] in known for n in notices):  # a stored build: no body read, no other file
        return {n.id: known[where[n.id]] for n in notices}
    cache_file = Path(cache_dir).parent / TEXT_DIGESTS if cache_dir else None
    old = load_keyed(cache_file, CACHE_VERSION, codec="marshal") if cache_file else {}
    new, out = {}, {}
    for n in notices:
        if where[n.id] in known:
            out[n.id] = known[where[n.id]]
            continue
        key = key_of.get(where[n.id])
        d = old.get(key) if key else None
        if d is None:
            d = text_digest(n.body)
        if key:
            new[key] = d
        out[n.id] = d
    if cache_file:
        try:
            save_keyed(cache_file, CACHE_VERSION, new, codec="marshal")
        except OSError:
            pass
    return out


# ------------------------------------------------------------------ site

def staged_paths(root: Path, work: Path) -> Paths:
    """Paths for a build outside the project (benchmarks, tests): copies the
    hand-written docs into ``work/docs`` and writes ``work/mkdocs.yml`` with
    absolute paths back into the project for the theme overrides and hooks.

    Generated pages already in ``work/docs`` are kept (with their mtimes), so
    a second staging does not defeat incremental rebuilds."""
    from .render.common import GENERATED_DIRS, GENERATED_FILES  # the render stage loads only when a site is built

    root, work = Path(root).resolve(), Path(work).resolve()
    docs = work / "docs"
    skip = set(GENERATED_DIRS) | set(GENERATED_FILES)
    with exclusive(work / "cache" / "stage.lock"):  # two builds may stage one work directory at once
        _sync_tree(root / "docs", docs, skip)
        config = _staged_config(root, work, docs)
    return Paths(root=root, sources=work / "source_texts", docs=docs, site=work / "site",
                 index=work / "index", cache=work / "cache", config=config)


def _sync_tree(src: Path, dst: Path, skip: set[str]) -> None:
    """Make ``dst`` hold exactly the files of ``src`` (top-level names in
    ``skip`` left alone on both sides), touching only files that differ: a
    build already reading ``dst`` sees the same bytes when nothing changed."""
    want: dict[Path, Path] = {}
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if rel.parts[0] not in skip and path.is_file():
            want[rel] = path
    dirs = {d for rel in want for d in rel.parents}
    if dst.exists():
        for path in sorted(dst.rglob("*"), reverse=True):  # children before their directories
            rel = path.relative_to(dst)
            if rel.parts[0] in skip:
                continue
            if path.is_dir() and not path.is_symlink():
                if rel not in dirs:
                    shutil.rmtree(path, ignore_errors=True)
            elif rel not in want:
                path.unlink(missing_ok=True)
    for rel, path in want.items():
        out = dst / rel
        if out.is_file() and not out.is_symlink() and filecmp.cmp(path, out, shallow=False):
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, path.read_bytes())


def _staged_config(root: Path, work: Path, docs: Path) -> Path:
    """``work/mkdocs.yml``: the project's, with absolute paths back into it."""
    cfg = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    cfg["docs_dir"] = str(docs)
    cfg["site_dir"] = str(work / "site")
    cfg["theme"]["custom_dir"] = str(root / cfg["theme"].get("custom_dir", "overrides"))
    cfg["hooks"] = [str(root / h) for h in cfg.get("hooks", [])]
    for plugin in cfg.get("plugins", []):
        if isinstance(plugin, dict) and isinstance(plugin.get("search"), dict) and plugin["search"].get("jieba_dict_user"):
            plugin["search"]["jieba_dict_user"] = str(root / plugin["search"]["jieba_dict_user"])
    config = work / "mkdocs.yml"
    text = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False)
    if not config.is_file() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return config


def check_archive(root: Path) -> list[Problem]:
    """Everything ``iparchive check`` reports: sources, sidecars (every
    problem of each, with its line), ids and their owners, anchors.  Never
    raises for bad input: an unexpected failure is one more problem."""
    paths = Paths.at(root)
    problems: list[Problem] = refused_sources(paths.sources)
    files = source_files(paths.sources)
    stems = {f.with_suffix(".yml") for f in files}
    for side in sorted(paths.sources.glob("*.yml")):
        if side.name == "redirects.yml" or side.is_symlink():
            continue
        if side not in stems:
            problems.append(Problem(str(side), None, "warning", "sidecar 没有对应的原始文件"))
            continue
        try:
            parsed = parse_sidecar(side, read_regular(side, SIDECAR_BYTES).decode("utf-8"))
        except (SourceError, UnicodeDecodeError, OSError):
            continue  # load_documents reports it with its line
        problems.extend(Problem(str(side), line, "error", msg) for line, msg in validate_sidecar(parsed)[1:])
    problems.extend(orphan_folders(paths.sources, files))
    shared = shared_sidecars(files)
    problems.extend(shared)
    files = [f for f in files if str(f) not in {p.file for p in shared}]
    res = load_documents(files, require_sidecar=True, owners=load_owners(paths.sources / IDS_LOCK),
                         sources=paths.sources)
    problems.extend(res.problems)
    problems.extend(_anchor_problems(paths, res, update=False))
    from .enrich.versions import LOCK_NAME, WorksLockError, load_works_lock, works_lock_gaps  # enrich: only when checked
    try:
        gap = works_lock_gaps(paths.sources / LOCK_NAME, load_works_lock(paths.sources / LOCK_NAME),
                              [n.id for n in res.notices], paths.site)
        problems.extend([Problem.from_error(gap)] if gap is not None else [])
    except WorksLockError as e:
        problems.append(Problem.from_error(e))
    return problems


def lock_gaps(owners: dict[str, str], lock: dict[str, dict[str, str]], lock_path: Path,
              site: Optional[Path] = None) -> list[Problem]:
    """Published documents (ids.lock) without their clause ids in anchors.lock:
    the lock was truncated or edited (issue 11: a 0-byte lock made ``check``
    silent and let a build delete published clauses); and the other way
    round, published documents (anchors.lock) without their owner in
    ids.lock (issue 28: an emptied ids.lock let a new file take over a
    published id), their owners named from the live site's records."""
    owner_probs = [Problem(path, None, "error", msg)
                   for path, msg in anchors.owner_gaps(owners, lock, lock_path.with_name(IDS_LOCK), site)]
    gone = sorted(d for d in owners if d not in lock and anchors.is_live(site, d))
    if not gone:
        return owner_probs
    shown = "、".join(gone[:5]) + (f" 等 {len(gone)} 件" if len(gone) > 5 else "")
    return owner_probs + [Problem(str(lock_path), None, "error",
                                  f"缺少已发布文件 {shown} 的条款记录（ids.lock 记载它们已发布）：锚点文件可能被截断或误删，"
                                  "请从版本库恢复 anchors.lock")]


def _anchor_problems(paths: Paths, res: LoadResult, *, update: bool) -> list[Problem]:
    lock_path = paths.sources / "anchors.lock"
    redirects_path = paths.sources / "redirects.yml"
    probs: list[Problem] = []
    try:
        lock = anchors.read_lock(lock_path)
        redirects = anchors.load_redirects(redirects_path)
    except anchors.AnchorError as e:
        return [Problem.from_error(e)]
    probs.extend(lock_gaps(load_owners(paths.sources / IDS_LOCK), lock, lock_path, paths.site))
    report = anchors.check_anchors(res.notices, lock, redirects)
    res.notices = anchors.apply_changes(res.notices, report)
    for item in report.errors:
        probs.append(Problem(str(lock_path), None, "error", str(item)))
    for item in report.warnings:
        probs.append(Problem(str(lock_path), None, "warning", str(item)))
    if update and not report.errors:
        anchors.update_lock(lock_path, res.notices, report, old=lock)
    return probs


@dataclass
class BuildReport:
    notices: int = 0
    clauses: int = 0
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ok: bool = False
    peak_mb: dict[str, float] = field(default_factory=dict)  # this process's peak RSS after each phase
    pages_written: int = 0  # generated files the write stage rewrote (the others kept, mtime too)
    documents_made: int = 0  # documents whose page the write stage made again (build.pagecache)


def enrich_stage(notices: list[Notice], cache_dir: Optional[Path] = None,
                 works_lock: Optional[Path] = None,
                 keys: Optional[dict[str, str]] = None) -> tuple[dict[str, float], Enrichment]:
    """Themes, references, goals, targets, works and versions, related documents:
    one typed ``Enrichment`` (``enrich.enrich_all``) that write takes as it is.

    The term vectors of ``related_documents`` (jieba, the slow part) are kept
    in ``cache_dir/related-terms.pickle`` between builds; ``works_lock`` is
    ``source_texts/works.lock`` (permanent work ids); with ``keys`` (id ->
    load key, ``LoadResult.keys``) each document's themes, references,
    goals and targets are kept in ``cache_dir/enrich/`` (enrich.doccache)."""
    from .enrich import enrich_all  # jieba and the vocabularies load only when enriching

    store = Store(Path(cache_dir)) if cache_dir else None
    cache = store.load(store.related_terms, {}) if store else {}
    cache = cache if isinstance(cache, dict) else {}
    schedule = dict(map=mapper(PARALLEL_MIN))  # the stage starts no process: the build's schedule is passed in
    if len(notices) >= RELATED_BESIDE_MIN:
        schedule["beside"] = beside
    # the term cache is saved where it is made (a child at scale): written only when related documents ran
    save = functools.partial(store.save, store.related_terms) if store else None
    enrichment = enrich_all(notices, works_lock=works_lock, related_cache=cache, related_save=save,
                            doc_cache_dir=store.enrich if store and keys else None, doc_keys=keys, **schedule)
    return dict(enrichment.timings), enrichment


@dataclass
class Run:
    """One build's state, handed from phase to phase (``build_site``)."""
    paths: Paths
    say: Callable[[str], None]
    step: Callable[[str], None]
    update_lock: bool
    rep: BuildReport = field(default_factory=BuildReport)
    failure: Optional[str] = None  # why nothing was published (the phase that stopped says it)
    owners: dict[str, str] = field(default_factory=dict)
    res: Optional[LoadResult] = None
    redirects: dict = field(default_factory=dict)
    anchors: Optional[anchors.AnchorReport] = None
    lock: "Optional[anchors.Lock | anchors.CompactLock]" = None  # anchors.lock as the clauses phase read it (update_lock writes from it)
    enrichment: Optional[Enrichment] = None
    mode: str = "material"
    stats: Any = None  # build.render.WriteStats

    @property
    def notices(self) -> list[Notice]:
        return self.res.notices if self.res else []

    @property
    def store(self) -> Store:
        return Store(self.paths.cache)

    def stop(self, why: str, problems: Iterable[Problem] = ()) -> bool:
        self.rep.problems.extend(problems)
        self.failure = why
        return False

    def mark(self, phase: str, t0: Optional[float] = None) -> None:
        """After a phase: its seconds (when timed here), its pause point, this process's peak memory."""
        if t0 is not None:
            self.rep.timings[phase] = time.perf_counter() - t0
        pause_point({"load": "loaded", "enrich": "enriched", "write": "written"}.get(phase, phase))
        release_memory()  # what the phase let go, out of this process and the children forked after it (issue 29)
        self.rep.peak_mb[phase] = resident_mb()


def build_site(root: Path, *, paths: Optional[Paths] = None, progress: bool = True, index: bool = True,
               site_url: str = "", files: Optional[list[Path]] = None, require_sidecar: bool = True,
               update_lock: bool = True, log: Callable[[str], None] | None = None,
               wait: bool = True) -> BuildReport:
    """The whole build, one phase after the other: ingest -> clauses -> enrich
    -> render -> publish (the publish protocol is ``publish.SiteBuild``).

    ``rep.ok`` False means nothing was published (the last good site, index
    and locks are as they were); ``wait=False`` refuses instead of waiting
    when another build holds the build lock (publish.BuildBusy)."""
    from .publish import site as publish  # the render stage and search backends load only when a site is built

    say = log or (lambda s: print(s, file=sys.stderr))
    t_all = time.perf_counter()
    step = (lambda s: say(f"[{time.perf_counter() - t_all:6.1f} s] {s}")) if progress else (lambda s: None)
    run = Run(paths or Paths.at(root), say, step, update_lock)
    with publish.BuildLock(run.paths.cache, say, wait=wait), collector.tuned():
        if ingest_phase(run, files, require_sidecar, progress) and clauses_phase(run) and enrich_phase(run):
            with publish.SiteBuild(run.paths, run.mode, say=say, step=step, index=index,
                                   documents=len(run.notices)) as sb:
                published = render_phase(run, sb, site_url) and publish_phase(run, sb, progress)
                run.rep.timings.update(sb.timings)
            if published:
                run.rep.timings["total"] = time.perf_counter() - t_all
                run.rep.ok = True
                say(f"网站已生成：{run.paths.site}（{run.stats}）")
    return _finish(run.rep, say, run.failure, run.paths.problems)


def ingest_phase(run: Run, files: Optional[list[Path]], require_sidecar: bool, progress: bool) -> bool:
    """Read, clean, metadata and structure of every source (cached by content);
    bad ones are reported and left out."""
    rep, sources = run.rep, run.paths.sources
    t0 = time.perf_counter()
    run.owners = load_owners(sources / IDS_LOCK) if run.update_lock else {}
    if files is None:
        rep.problems.extend(refused_sources(sources))
        files = source_files(sources)
        shared = shared_sidecars(files)  # a.txt beside a.html: one sidecar, one id
        rep.problems.extend(shared)
        files = [f for f in files if str(f) not in {p.file for p in shared}]
    run.res = load_documents(files, require_sidecar=require_sidecar, cache_dir=run.store.parses, progress=progress,
                             prune_cache=True, owners=run.owners, sources=sources, stored=len(files) >= STORED_MIN)
    gc.freeze()  # the documents live until the end: later collections (and forked workers) skip them
    rep.timings.update(run.res.timings)
    rep.problems.extend(run.res.problems)
    run.mark("load", t0)  # timings["load"]: the whole phase (read and structure: CPU seconds of the parsed ones)
    return True


def clauses_phase(run: Run) -> bool:
    """The published clause ids: none may silently disappear (anchors.lock,
    redirects.yml, ids.lock cross-checked)."""
    lock_path = run.paths.sources / "anchors.lock"
    t0 = time.perf_counter()
    try:
        lock = run.lock = anchors.read_lock(lock_path) if run.update_lock else None  # compact: issue 29
        lock = lock if lock is not None else {}
        run.redirects = anchors.load_redirects(run.paths.sources / "redirects.yml") if run.update_lock else {}
    except anchors.AnchorError as e:
        return run.stop("锚点文件无法读取，未构建", [Problem.from_error(e)])
    gaps = lock_gaps(run.owners, lock, lock_path, run.paths.site) if run.update_lock else []
    if gaps:
        return run.stop("锁文件（anchors.lock、ids.lock）不完整，构建中止；现有网站保持不变", gaps)
    report = run.anchors = anchors.check_anchors(run.notices, lock, run.redirects, current=anchors.remembered_anchors(
        run.notices, run.res.keys, run.store.anchors, made=run.res.fingerprints))
    run.res.fingerprints = {}
    run.res.notices = anchors.apply_changes(run.notices, report)  # new records where a history is found
    run.rep.problems.extend(Problem(str(lock_path), None, "warning", str(i)) for i in report.warnings)
    run.rep.timings["anchors"] = time.perf_counter() - t0
    if report.errors:
        return run.stop("已发布的条款锚点会丢失，构建中止；现有网站保持不变",
                        [Problem(str(lock_path), None, "error", str(i)) for i in report.errors])
    return True


def enrich_phase(run: Run) -> bool:
    """Per document (cached) and across documents: themes, references resolved,
    works and versions, validity, cited-by, related documents; the search mode."""
    from .enrich import versions  # works.lock: the enrich stage loads only when a site is built
    from .render.site_mode import search_mode  # the render stage loads only when a site is built

    works_path = run.paths.sources / versions.LOCK_NAME
    try:  # works.lock: a garbage or truncated lock stops the build like anchors.lock (issue 28)
        gap = versions.works_lock_gaps(works_path, versions.load_works_lock(works_path), [n.id for n in run.notices],
                                       run.paths.site) if run.update_lock else None
        if gap is not None:
            raise gap
    except versions.WorksLockError as e:
        return run.stop("作品锁文件 works.lock 无法读取或不完整，构建中止；现有网站保持不变", [Problem.from_error(e)])
    run.step(f"丰富：主题、引用、目标与相关文件（{len(run.notices)} 件）…")
    t0 = time.perf_counter()
    _, run.enrichment = enrich_stage(run.notices, run.paths.cache, works_lock=run.paths.sources / versions.LOCK_NAME,
                                     keys=run.res.keys)
    run.rep.problems.extend(run.enrichment.problems)  # 成文日期 after 发布日期, works.lock
    gc.freeze()
    run.mark("enrich", t0)
    try:
        run.mode = search_mode(run.notices)
    except ValueError as e:
        return run.stop("网页检索方式设置有误，未构建", [Problem("环境变量", None, "error", str(e))])
    return True


def render_phase(run: Run, sb, site_url: str) -> bool:
    """The Markdown of every page (only what changed is made again), then MkDocs
    into the new site; the browser index beside, the CLI index after the Markdown."""
    from .build.render import document_digests, search_characters, write_docs  # the render orchestrator loads only when a site is built

    t0 = time.perf_counter()
    digests = document_digests(run.notices, run.res.keys)  # once: the pages, the search pages, the listings
    run.rep.timings["write_digests"] = time.perf_counter() - t0
    chars = search_characters(run.notices, digests, run.paths.cache) if run.mode == "pagefind" else None
    beside = sb.start_browser_index(run.notices, digests, chars)
    run.step("写出 Markdown 页面…" + ("（Pagefind 同时建网页检索索引）" if beside else ""))
    t0 = time.perf_counter()
    run.stats = write_docs(run.notices, run.paths.docs, site_url=site_url, enrichment=run.enrichment,
                           redirects=run.redirects, search=run.mode, cache_dir=run.paths.cache,
                           load_keys=run.res.keys, doc_digests=digests)
    run.rep.pages_written, run.rep.documents_made = len(run.stats.changed), run.stats.made
    run.mark("write", t0)
    run.rep.timings.update((f"write_{k}", v) for k, v in run.stats.timings.items())  # where the write went
    sb.start_cli_index(run.notices, run.stats.doc_digests)  # after the write stage: beside it, both ran slower on two cores
    try:
        sb.render(run.stats.changed)
    except RuntimeError as e:
        return run.stop("mkdocs 构建失败；现有网站保持不变", [Problem("mkdocs.yml", None, "error", str(e))])
    run.rep.peak_mb["mkdocs"] = resident_mb()
    return True


def publish_phase(run: Run, sb, progress: bool) -> bool:
    """Links checked (a bad link in any page's content dropped there, named after its document, issue 28),
    the browser index put in, the locks written, the new site swapped in, the
    CLI index committed."""
    from .publish.site import broken_link_warnings  # publish loads only when a site is built

    rep = run.rep
    broken = sb.check_links()
    if broken:
        dropped, broken = sb.drop_broken_links(broken, {n.id for n in run.notices})
        rep.problems.extend(broken_link_warnings(dropped, run.res.paths))
    rep.peak_mb["linkcheck"] = resident_mb()
    try:
        sb.finish_browser_index()
    except RuntimeError as e:
        run.stop("Pagefind 检索索引构建失败；现有网站保持不变", [Problem(str(sb.bundle), None, "error", str(e))])
    if broken:
        return run.stop(f"{len(broken)} 个站内链接或锚点失效；现有网站保持不变",
                        [Problem(str(sb.tmp), None, "error", f"站内链接失效：{b}") for b in broken[:50]])
    if run.failure:
        return False
    try:
        index_errors = sb.commit(run.notices, before_swap=lambda: _write_locks(run), progress=progress)
    except OSError as e:  # a full disk while writing a lock: nothing was swapped in
        if sb.committed:
            raise
        return run.stop("锁文件或网站无法写入，未发布任何内容；现有网站保持不变",
                        [Problem(str(getattr(e, "filename", None) or run.paths.sources), None, "error",
                                 f"无法写入（{e.strerror or e}）")])
    rep.peak_mb["commit"] = resident_mb()
    rep.peak_mb.update(child_peaks(clear=True))  # each forked child's peak, and this process's size when it forked
    rep.problems.extend(Problem(str(run.paths.index), None, "error", e) for e in index_errors)
    if sb.index and not index_errors:
        record_site_url(run.paths.index, run.stats.site_url)  # iparchive search prints the site's own links
    rep.notices, rep.clauses = len(run.notices), run.stats.clauses
    return True


def _write_locks(run: Run) -> None:
    """anchors.lock, works.lock and ids.lock, each named when it cannot be written."""
    from .enrich import versions  # works.lock: loaded with the enrich stage

    if not run.update_lock:
        return
    src = run.paths.sources
    lock_path, works_path, owners_path = src / "anchors.lock", src / versions.LOCK_NAME, src / IDS_LOCK
    for path, write in ((lock_path, lambda: anchors.update_lock(lock_path, run.notices, run.anchors, old=run.lock)),
                        (works_path, lambda: versions.update_works_lock(works_path, run.notices)),
                        (owners_path, lambda: write_owners(owners_path, run.res.paths, src, run.owners))):
        try:
            write()
        except OSError as e:  # named: a full disk says which lock
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e


MAX_WARNINGS_SHOWN = 30


def _finish(rep: BuildReport, say, failure: Optional[str], report_file: Optional[Path] = None) -> BuildReport:
    """Print the problems: every error; warnings up to MAX_WARNINGS_SHOWN,
    all of them in ``report_file`` (a large corpus has thousands)."""
    warnings = 0
    for p in rep.problems:
        if p.level != "error":
            warnings += 1
            if warnings > MAX_WARNINGS_SHOWN:
                continue
        say(shown_name(str(p)))  # one line each: a newline in a file name forges nothing
    if report_file is not None:
        try:
            atomic_write_text(report_file, "".join(f"{shown_name(str(p))}\n" for p in rep.problems))
        except OSError:
            report_file = None
    if warnings > MAX_WARNINGS_SHOWN:
        where = f"，全部问题见 {report_file}" if report_file else ""
        say(f"……另有 {warnings - MAX_WARNINGS_SHOWN} 条警告未显示{where}")
    if failure:
        say(f"构建失败：{failure}")
        rep.ok = False
    errors = sum(1 for p in rep.problems if p.level == "error")
    if errors and rep.ok:
        say(f"注意：{errors} 个文件有错误，未收录（见上）")
    return rep
