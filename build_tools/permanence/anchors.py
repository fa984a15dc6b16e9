"""Anchor permanence: published clause ids never silently disappear.

``source_texts/anchors.lock`` — plain text, sorted, one line per published
clause::

    doc_id<TAB>clause_id<TAB>fingerprint     # live clause, 8 hex of sha1
    doc_id<TAB>clause_id<TAB>fingerprint<TAB>old_fp@2026-12-01,…   # with its text history
    doc_id<TAB>old_id<TAB>>new_id            # retired id, redirected

``#`` lines are comments.  The fingerprint is the first 8 hex digits of the
sha1 of the clause's own text with all whitespace removed.  The lock records
the text *last published*: a changed clause warns once (at the build that
publishes the change) and the new fingerprint is written; the diff of the
lock shows it in review.  Redirected ids stay in the lock (``>new_id``) so
that deleting their redirect later is caught.

History of changed clauses: the build that publishes a changed text keeps
the old fingerprint and the date in the lock's fourth column
(``old_fp@YYYY-MM-DD``, oldest first, comma-separated) and the earlier text
in ``source_texts/clause-history.lock`` (YAML: ``doc_id: {clause_id: [{date,
fingerprint, text}]}``; not ``.yml``, which would read as a sidecar), taken
from the last published site
(``<root>/site/data/archive.json``, read by :func:`check_anchors` before the
new site replaces it).  ``check_anchors`` mutates nothing: it returns each
document's history (``AnchorReport.clause_changes``; :func:`apply_changes`
returns the documents with it in ``Notice.clause_changes``, shown on the page as 「本条文字于
YYYY-MM-DD 更正」) and lists every such clause as a warning, so
``iparchive check`` names them.

``source_texts/redirects.yml`` — ``doc_id: {old_clause_id: new_clause_id}``.

Rules checked by :func:`check_anchors` (messages in Chinese):

* a locked id missing from the build without a redirect -> error naming the
  document, the id, its fingerprint and what happened;
* a locked id whose text changed -> warning;
* a redirect whose target does not exist, or whose old id still exists -> error;
* a locked document that was not built at all (failed to parse, removed) ->
  one error for the document, listed in ``missing_documents`` — never a
  deletion error for each of its clauses.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Iterable, Optional

import yaml

from ..codedigest import code_digest
from ..errors import SourceError
from ..fsutil import atomic_write_bytes, atomic_write_text, content_digest, load_keyed, save_keyed
from ..limits import read_regular
from ..models import ClauseChange, Notice

__all__ = [
    "AnchorError", "AnchorIssue", "AnchorReport", "Redirects", "fingerprint", "current_anchors", "remembered_anchors",
    "Fingerprints",
    "code_key", "load_lock", "load_redirects", "check_anchors", "apply_changes", "update_lock", "format_lock", "Lock",
    "load_history", "HISTORY_NAME", "read_lock", "CompactLock", "lock_block", "block_digest",
]

HISTORY_NAME = "clause-history.lock"
LOCK_BYTES = 512 * 1024 * 1024  # anchors.lock of the whole corpus is ~20 MB; a bound, not a budget

LOCK_HEADER = (
    "# anchors.lock — 已发布的条款锚点，由 iparchive build 自动维护，请勿手工删除行。\n"
    "# 格式：文件id<TAB>条款id<TAB>指纹（正文去空白后 sha1 前 8 位；以 > 开头表示已重定向到的新条款）\n"
)


class AnchorError(SourceError):
    """A malformed lock or redirects file; carries path, line and a Chinese message."""


@dataclass
class AnchorIssue:
    doc_id: str
    clause_id: Optional[str]
    message: str

    def __str__(self) -> str:
        where = f"{self.doc_id}#{self.clause_id}" if self.clause_id else self.doc_id
        return f"{where}: {self.message}"


@dataclass
class AnchorReport:
    errors: list[AnchorIssue] = field(default_factory=list)
    warnings: list[AnchorIssue] = field(default_factory=list)
    new: dict[str, dict[str, str]] = field(default_factory=dict)  # doc -> {id: fp} to add
    changed: dict[str, dict[str, str]] = field(default_factory=dict)  # doc -> {id: new fp}
    missing_documents: list[str] = field(default_factory=list)
    old_texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (doc, id) -> published text
    date: str = field(default_factory=lambda: dt.date.today().isoformat())  # of this check
    current: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # doc -> current_anchors
    clause_changes: dict[str, dict[str, list[ClauseChange]]] = field(default_factory=dict, repr=False)  # doc -> history

    @property
    def ok(self) -> bool:
        return not self.errors


class Redirects(dict):
    """``{doc_id: {old: new}}`` plus ``lines[(doc_id, old)]`` for messages."""

    def __init__(self, *a, path: str = "", **kw):
        super().__init__(*a, **kw)
        self.path = path
        self.lines: dict[tuple[str, str], int] = {}


class Lock(dict):
    """``{doc_id: {clause_id: fingerprint}}`` plus ``history[(doc, id)]`` =
    [(old fingerprint, date)] and the ``path`` it was read from."""

    def __init__(self, *a, path: Optional[Path] = None, **kw):
        super().__init__(*a, **kw)
        self.path = path
        self.history: dict[tuple[str, str], list[tuple[str, str]]] = {}


_SPACE = re.compile(r"\s+")


def fingerprint(text: str) -> str:
    """First 8 hex digits of sha1 of the text with all whitespace removed."""
    return hashlib.sha1(_SPACE.sub("", text).encode("utf-8")).hexdigest()[:8]


def current_anchors(notice: Notice) -> dict[str, str]:
    """``{clause_id: fingerprint}`` of one built document."""
    return {c.id: fingerprint(c.text) for c in notice.walk()}


def lock_block(doc: str, fps: Mapping[str, str], history: Optional[dict] = None) -> str:
    """One document's rows of anchors.lock as ``format_lock`` writes them (sorted, each ending in a newline)."""
    history = history or {}

    def row(cid: str, fp: str) -> str:
        h = history.get((doc, cid))
        return f"{doc}\t{cid}\t{fp}" + ("\t" + ",".join(f"{o}@{d}" for o, d in h) if h else "")

    return "".join(r + "\n" for r in sorted(row(cid, fp) for cid, fp in fps.items()))


def block_digest(doc: str, fps: Mapping[str, str]) -> bytes:
    """The digest of ``lock_block(doc, fps)`` without history: what a lock that
    holds exactly these fingerprints has for the document (``Fingerprints.block``)."""
    made = getattr(fps, "block", None)
    return made if made is not None else content_digest(lock_block(doc, fps).encode("utf-8"))


class Fingerprints(Mapping):
    """One document's ``{clause_id: fingerprint}`` kept as one string of
    ``id<TAB>fp`` rows and made a dict only when read (issue 29: a rebuild
    whose lock names nothing of a document reads none of its fingerprints;
    1.8 M of them at 5x cost more to unpickle one by one than the whole
    load phase of the unchanged documents).  Equal to the dict it stands for.
    ``block``: the digest of its rows in anchors.lock (``block_digest``), kept
    with it, so a check against an unchanged lock makes no row."""

    __slots__ = ("rows", "_d", "block")

    def __init__(self, rows: str, made: Optional[dict[str, str]] = None, block: Optional[bytes] = None):
        self.rows, self._d, self.block = rows, made, block

    @classmethod
    def of(cls, fps: dict[str, str]) -> "Fingerprints":
        return cls("".join(f"{cid}\t{fp}\n" for cid, fp in fps.items()), fps)  # ids are ASCII without tabs

    def _dict(self) -> dict[str, str]:
        if self._d is None:
            self._d = dict(row.split("\t") for row in self.rows.split("\n") if row)
        return self._d

    def __getitem__(self, cid: str) -> str:
        return self._dict()[cid]

    def __contains__(self, cid: object) -> bool:
        return cid in self._dict()

    def __iter__(self):
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __bool__(self) -> bool:  # without making the dict
        return bool(self.rows)

    def __repr__(self) -> str:
        return f"Fingerprints({self._dict()!r})"

    def __reduce__(self):
        return Fingerprints, (self.rows, None, self.block)


def code_key() -> str:
    """How fingerprints are made: this module and what it imports
    (``codedigest``); the key of the remembered fingerprints."""
    return code_digest("build_tools.permanence.anchors").hex()


def remembered_anchors(notices: Iterable[Notice], keys: dict[str, str],
                       path: Optional[Path], made: Optional[dict[str, "Fingerprints"]] = None
                       ) -> dict[str, Mapping[str, str]]:
    """``current_anchors`` of every document (as ``Fingerprints``), those of a
    document whose load key (``LoadResult.keys``: its source, sidecar and the
    parser) is unchanged taken from ``path`` (a pickle of the last build's,
    doc id -> (load key, ``Fingerprints.rows``, ``Fingerprints.block``)): 358,000 fingerprints on the
    whole corpus cost 1.5 s, this costs 0.1 s, and loads no clause tree.
    ``made``: load key -> ``Fingerprints`` the load stage made while the
    document's tree was in memory (``pipeline.LoadResult.fingerprints``: a
    full build of a stored archive loads no tree here either)."""
    code = code_key()
    old = load_keyed(Path(path), code) if path else {}
    cur: dict[str, Mapping[str, str]] = {}
    keep = {}
    for n in notices:
        key = keys.get(n.id)
        hit = old.get(n.id)
        if key and hit and hit[0] == key:
            cur[n.id], keep[n.id] = Fingerprints(hit[1], None, hit[2] if len(hit) > 2 else None), hit  # the loaded entry itself: save_keyed appends only changes
        else:
            fps = (made or {}).get(key) if key else None
            fps = cur[n.id] = fps if fps is not None else Fingerprints.of(current_anchors(n))
            fps.block = block_digest(n.id, fps)
            if key:
                keep[n.id] = (key, fps.rows, fps.block)
    if path:
        save_keyed(Path(path), code, keep)
    return cur


_HISTORY_ITEM = re.compile(r"^([0-9a-f]{8})@(\d{4}-\d{2}-\d{2})$")


def _read_text(path: Path, limit: int = LOCK_BYTES) -> str:
    """A lock or redirects file's text; AnchorError (never a traceback) when it is
    not UTF-8, not a regular file (a directory, a FIFO: never blocks) or too large."""
    try:
        return read_regular(path, limit).decode("utf-8")
    except UnicodeDecodeError as e:
        raise AnchorError(path, f"不是 UTF-8 文本（第 {e.start} 字节）：请从版本库恢复") from None
    except SourceError as e:
        raise AnchorError(path, e.message) from None
    except OSError as e:
        raise AnchorError(path, f"无法读取（{e.strerror or e}）") from None


def _rows(path: Path):
    """``fsutil.lock_rows`` of the text ``_read_text`` gives (missing file: none)."""
    if not path.exists() and not path.is_symlink():
        return
    text = _read_text(path)
    for no, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if line.strip() and not line.startswith("#"):
            yield no, line, line.split("\t")


def load_lock(path: Path | str) -> Lock:
    """Read anchors.lock (missing file: empty).  Raises AnchorError with the line."""
    path = Path(path)
    out = Lock(path=path)
    for no, line, parts in _rows(path):
        if len(parts) not in (3, 4) or not all(parts):
            raise AnchorError(path, f"锚点锁文件格式错误，应为“文件id<TAB>条款id<TAB>指纹[<TAB>旧指纹@日期,…]”：{line!r}", no)
        doc, cid, fp = parts[:3]
        if cid in out.get(doc, {}):
            raise AnchorError(path, f"锚点 {doc}#{cid} 重复出现", no)
        out.setdefault(doc, {})[cid] = fp
        if len(parts) == 4:
            items = []
            for item in parts[3].split(","):
                m = _HISTORY_ITEM.match(item)
                if not m:
                    raise AnchorError(path, f"锚点 {doc}#{cid} 的历史记录应为“旧指纹@YYYY-MM-DD”：{item!r}", no)
                items.append((m.group(1), m.group(2)))
            out.history[(doc, cid)] = items
    return out


# one document's rows in a lock as format_lock writes it: its id, then rows of 3 or 4 columns, all with that id
_BLOCK = re.compile(rb"([^\t\r\n#][^\t\r\n]*)\t[^\t\r\n]+\t[^\t\r\n]+(?:\t[^\t\r\n]+)?\n"
                    rb"(?:\1\t[^\t\r\n]+\t[^\t\r\n]+(?:\t[^\t\r\n]+)?\n)*")
_HISTORY_ROW = re.compile(rb"^([^\t\r\n]+)\t([^\t\r\n]+)\t[^\t\r\n]+\t([^\t\r\n]+)$", re.M)


class CompactLock(Mapping):
    """anchors.lock as ``format_lock`` wrote it, read once into a compact form
    (issue 29: at 5x the lock is 1.8 M rows; a dict of dicts of them cost
    ~5 s of CPU to read, check and write again on every build): the file's
    bytes and where each document's rows are, made a dict only when that
    document is read (``lock[doc]``).  Equal to the ``Lock`` ``load_lock``
    gives; ``history`` is the same.  ``unchanged(doc, fps)``: the lock holds
    exactly these fingerprints of the document (its rows' digest), so the
    check reads none of its rows and the writer keeps its bytes."""

    def __init__(self, data: bytes, spans: dict[str, tuple[int, int]], path: Optional[Path] = None):
        self.data, self.spans, self.path = data, spans, path
        self.history: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._dicts: dict[str, dict[str, str]] = {}

    def block(self, doc: str) -> bytes:
        s, e = self.spans[doc]
        return self.data[s:e]

    def unchanged(self, doc: str, fps: Mapping[str, str]) -> bool:
        span = self.spans.get(doc)
        return span is not None and content_digest(memoryview(self.data)[span[0]:span[1]]) == block_digest(doc, fps)

    def __getitem__(self, doc: str) -> dict[str, str]:
        got = self._dicts.get(doc)
        if got is None:
            if doc not in self.spans:
                raise KeyError(doc)
            got = {}
            start = self.spans[doc][0]
            for k, row in enumerate(self.block(doc).decode("utf-8").split("\n")[:-1]):
                cid, fp = row.split("\t")[1:3]
                if cid in got:
                    raise AnchorError(self.path, f"锚点 {doc}#{cid} 重复出现", self.data.count(b"\n", 0, start) + k + 1)
                got[cid] = fp
            self._dicts[doc] = got
        return got

    def __contains__(self, doc: object) -> bool:
        return doc in self.spans

    def __iter__(self):
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)


def read_lock(path: Path | str) -> "Lock | CompactLock":
    """anchors.lock for the build: a ``CompactLock`` when the file is as
    ``format_lock`` writes it (the header, each document's rows together, the
    documents in order), else ``load_lock``'s ``Lock`` (a hand-edited lock,
    checked row by row: its errors name the line).  Raises AnchorError."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return Lock(path=path)
    text = _read_text(path)  # UTF-8, a regular file, bounded: its errors
    data = text.encode("utf-8")
    head = LOCK_HEADER.encode("utf-8")
    if not data.startswith(head):
        return load_lock(path)
    spans: dict[str, tuple[int, int]] = {}
    pos, last = len(head), b""
    while pos < len(data):
        m = _BLOCK.match(data, pos)
        if m is None or m.group(1) + b"\t" <= last:  # a row out of the written order: read row by row
            return load_lock(path)
        last = m.group(1) + b"\t"
        spans[m.group(1).decode("utf-8")] = (pos, m.end())
        pos = m.end()
    out = CompactLock(data, spans, path)
    for m in _HISTORY_ROW.finditer(data):
        items = []
        for item in m.group(3).decode("utf-8").split(","):
            h = _HISTORY_ITEM.match(item)
            if not h:
                doc, cid = m.group(1).decode("utf-8"), m.group(2).decode("utf-8")
                raise AnchorError(path, f"锚点 {doc}#{cid} 的历史记录应为“旧指纹@YYYY-MM-DD”：{item!r}",
                                  data.count(b"\n", 0, m.start()) + 1)
            items.append((h.group(1), h.group(2)))
        out.history[(m.group(1).decode("utf-8"), m.group(2).decode("utf-8"))] = items
    return out


def load_history(path: Path | str) -> dict[str, dict[str, list[dict]]]:
    """clause-history.lock: ``{doc: {clause: [{date, fingerprint, text}]}}`` (missing: empty)."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(_read_text(path)) or {}
    except RecursionError:
        raise AnchorError(path, "YAML 嵌套过深") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise AnchorError(path, f"YAML 语法错误：{e.problem or e}", mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise AnchorError(path, "clause-history.lock 顶层应为“文件id: {条款id: [记录…]}”的映射", 1)
    return data


def read_archive(data_dir: Path) -> Optional[dict]:
    """A built site's ``data/archive.json.gz`` (gzipped since issue 29), else an
    older site's ``archive.json``, parsed; None when neither is there.  Raises
    OSError or ValueError (EOFError included) on a damaged file."""
    for name in ("archive.json.gz", "archive.json"):
        p = Path(data_dir) / name
        if p.is_file():
            raw = p.read_bytes()
            return json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    return None


def _published_record(folder: Path, doc: str) -> Optional[dict]:
    """A live site's record of ``doc`` (``data/notices/<id>.json.gz``, or ``.json``
    of an older site), parsed; None when there is none or it is damaged."""
    for name in (f"{doc}.json.gz", f"{doc}.json"):
        p = folder / name
        if p.is_file():
            try:
                raw = p.read_bytes()
                rec = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
            except (OSError, ValueError, EOFError):
                return None
            return rec if isinstance(rec, dict) else None
    return None


def _published_texts(lock_path: Path, docs: Iterable[str]) -> dict[tuple[str, str], str]:
    """(doc, clause) -> text of the last published site next to ``source_texts``,
    for the documents ``docs``: from each one's record (issue 29: the site's
    whole archive.json.gz, 71 MB at 2x, was read for one changed clause),
    else from the archive (the records it is made of)."""
    data = lock_path.parent.parent / "site" / "data"
    out: dict[tuple[str, str], str] = {}

    def walk(doc: str, clauses: list) -> None:
        for c in clauses:
            out[(doc, c.get("id"))] = c.get("text", "")
            walk(doc, c.get("children") or [])

    rest = set()
    for doc in docs:
        rec = _published_record(data / "notices", doc)
        if rec is None or not isinstance(rec.get("clauses"), list):
            rest.add(doc)
        else:
            walk(doc, rec["clauses"])
    if not rest:
        return out
    try:
        archived = (read_archive(data) or {}).get("documents", [])
    except (OSError, ValueError, EOFError):
        return out
    for d in archived:
        if d.get("id") in rest:
            walk(d.get("id"), d.get("clauses") or [])
    return out


def load_redirects(path: Path | str) -> Redirects:
    """Read redirects.yml (missing file: empty).  YAML or shape errors raise
    AnchorError with file and line; target existence is checked by check_anchors."""
    path = Path(path)
    red = Redirects(path=str(path))
    if not path.exists():
        return red
    text = _read_text(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise AnchorError(path, "YAML 嵌套过深") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise AnchorError(path, f"YAML 语法错误：{e.problem or e}", mark.line + 1 if mark else None) from None
    if root is None:
        return red
    if not isinstance(root, yaml.MappingNode):
        raise AnchorError(path, "redirects.yml 顶层应为“文件id: {旧条款id: 新条款id}”的映射", root.start_mark.line + 1)
    for knode, vnode in root.value:
        doc = str(knode.value)
        if not isinstance(vnode, yaml.MappingNode):
            raise AnchorError(path, f"{doc} 下应为“旧条款id: 新条款id”的映射", vnode.start_mark.line + 1)
        entries = red.setdefault(doc, {})
        for ok, nv in vnode.value:
            line = ok.start_mark.line + 1
            if not isinstance(ok, yaml.ScalarNode) or not isinstance(nv, yaml.ScalarNode) or not ok.value or not nv.value:
                raise AnchorError(path, f"{doc} 下的重定向应为“旧条款id: 新条款id”（两个非空字符串）", line)
            if ok.value in entries:
                raise AnchorError(path, f"{doc} 的旧条款 {ok.value} 重复出现", line)
            if ok.value == nv.value:
                raise AnchorError(path, f"{doc} 的条款 {ok.value} 重定向到自身", line)
            entries[str(ok.value)] = str(nv.value)
            red.lines[(doc, str(ok.value))] = line
    return red


def _resolve(doc_red: dict[str, str], cid: str) -> Optional[str]:
    seen = {cid}
    while cid in doc_red:
        cid = doc_red[cid]
        if cid in seen:
            return None  # cycle
        seen.add(cid)
    return cid


def check_anchors(notices: Iterable[Notice], lock: dict[str, dict[str, str]],
                  redirects: dict[str, dict[str, str]], built: Optional[Iterable[str]] = None,
                  current: Optional[dict[str, dict[str, str]]] = None) -> AnchorReport:
    """Compare the built documents with the lock and the redirects; mutates nothing.

    ``built``: ids of the documents this build produced (default: those in
    ``notices``).  A locked document not among them is reported once in
    ``missing_documents`` (and as one error), not as deletions of its clauses.
    ``current``: ``current_anchors`` of each document, if known already
    (``remembered_anchors``).  The text history of each document is returned
    in ``AnchorReport.clause_changes``; :func:`apply_changes` returns the
    notices with it (the page shows it).
    """
    notices = list(notices)
    cur = current if current is not None else {n.id: current_anchors(n) for n in notices}
    built_ids = set(cur) if built is None else set(built)
    rep = AnchorReport(current=cur)
    lock_path = getattr(lock, "path", None)
    try:
        texts = load_history(lock_path.with_name(HISTORY_NAME)) if lock_path else {}
    except AnchorError as e:
        rep.warnings.append(AnchorIssue(str(e.path), None, e.message))
        texts = {}
    for doc in sorted(lock):
        if doc not in built_ids or doc not in cur:
            rep.missing_documents.append(doc)
            rep.errors.append(AnchorIssue(doc, None, (
                f"该文件已发布（anchors.lock 中有 {len(lock[doc])} 个锚点），但本次没有构建出来；"
                "请修正该文件的问题，而不是让已发布的页面消失")))
    compact = isinstance(lock, CompactLock)
    for doc in sorted(built_ids & set(cur)):
        _check_redirects(rep, doc, cur[doc], redirects)
        if compact and lock.unchanged(doc, cur[doc]):  # its rows are its fingerprints: nothing to report
            continue
        _check_locked(rep, doc, cur[doc], lock.get(doc, {}), redirects.get(doc, {}))
    if rep.changed and lock_path:
        published = _published_texts(lock_path, rep.changed)
        rep.old_texts = {(d, c): published[(d, c)] for d, ids in rep.changed.items() for c in ids
                         if (d, c) in published and fingerprint(published[(d, c)]) == lock[d][c]}
    history: dict[str, list] = {}  # doc -> its rows of the lock's history, found once (not once per document)
    for (d, cid), items in getattr(lock, "history", {}).items():
        history.setdefault(d, []).append((cid, items))
    for n in notices:  # the page shows each change; iparchive check lists them
        rep.clause_changes[n.id] = changes = _changes_of(n.id, rep, lock, texts, history.get(n.id, ()))
        for cid, items in sorted(changes.items()):
            if cid not in rep.changed.get(n.id, {}):
                rep.warnings.append(AnchorIssue(n.id, cid, "条款 {} 的文字曾更正：{}".format(
                    cid, "；".join(f"{c.date} 之前指纹 {c.old_fingerprint}" for c in items))))
    return rep


def apply_changes(notices: Iterable[Notice], report: AnchorReport) -> list[Notice]:
    """The documents with their clause text history (``report.clause_changes``):
    a new record for each document whose history differs (``Notice.with_facts``),
    the others as they are; the documents given are left unchanged (issue 24)."""
    out = []
    for n in notices:
        changes = report.clause_changes.get(n.id)
        out.append(n.with_facts(clause_changes=changes) if changes is not None and changes != n.clause_changes else n)
    return out


def _redirect_where(redirects: dict, doc: str, old: str) -> str:
    rpath = getattr(redirects, "path", "source_texts/redirects.yml") or "source_texts/redirects.yml"
    line = getattr(redirects, "lines", {}).get((doc, old))
    return f"{rpath}:{line}" if line else rpath


def _check_redirects(rep: AnchorReport, doc: str, now: dict[str, str], redirects: dict) -> None:
    """A redirect must reach an existing clause and start from one that is gone."""
    red = redirects.get(doc, {})
    for old, new in sorted(red.items()):
        where = _redirect_where(redirects, doc, old)
        target = _resolve(red, old)
        if target is None:
            rep.errors.append(AnchorIssue(doc, old, f"重定向形成循环（{where}）"))
        elif target not in now:
            rep.errors.append(AnchorIssue(doc, old, f"重定向目标条款 {new} 不存在（{where}）"))
        if old in now:
            rep.errors.append(AnchorIssue(doc, old, f"条款 {old} 仍然存在，不能再重定向到 {new}（{where}）"))


def _check_locked(rep: AnchorReport, doc: str, now: dict[str, str], locked: dict[str, str],
                  red: dict[str, str]) -> None:
    """Every locked id of a built document: kept (text changed: a warning),
    redirected, or an error; new ids go to ``rep.new``."""
    for cid, fp in sorted(locked.items()):
        if fp.startswith(">"):
            if cid not in red and cid not in now:
                rep.errors.append(AnchorIssue(doc, cid, (
                    f"条款 {cid} 已重定向到 {fp[1:]}，但 source_texts/redirects.yml 中的这条映射被删除了；"
                    "已发布的锚点必须保留重定向")))
        elif cid in now:
            if now[cid] != fp:
                rep.warnings.append(AnchorIssue(doc, cid, f"条款 {cid} 的文字已变化：备忘录中引用的原文可能已过时"
                                                          f"（原文指纹 {fp}，现为 {now[cid]}；页面将注明更正日期并保留原文字）"))
                rep.changed.setdefault(doc, {})[cid] = now[cid]
        elif cid not in red:
            rep.errors.append(AnchorIssue(doc, cid, (
                f"条款 {cid} 已不存在（原文指纹 {fp}）；如系有意删除或改号，"
                "请在 source_texts/redirects.yml 中把它映射到新的条款")))
    added = {cid: fp for cid, fp in now.items() if cid not in locked} if locked else now  # read-only: shared
    if added:
        rep.new[doc] = added


def _changes_of(doc: str, rep: AnchorReport, lock: dict[str, dict[str, str]],
                texts: dict, history: Iterable = ()) -> dict[str, list[ClauseChange]]:
    """One document's clause history: the lock's earlier fingerprints (``history``:
    its (clause id, [(old fingerprint, date)]) rows, with the texts kept in
    clause-history.lock) and this build's changes."""
    changes: dict[str, list[ClauseChange]] = {}
    for cid, items in history:
        kept = {str(x.get("fingerprint")): x.get("text") for x in (texts.get(doc, {}) or {}).get(cid, []) or []}
        changes[cid] = [ClauseChange(cid, date, old, kept.get(old)) for old, date in items]
    for cid in rep.changed.get(doc, {}):
        old = lock[doc][cid]
        changes.setdefault(cid, []).append(ClauseChange(cid, rep.date, old, rep.old_texts.get((doc, cid))))
    return changes


def format_lock(lock: dict[str, dict[str, str]]) -> str:
    history = getattr(lock, "history", {})

    def row(doc: str, cid: str, fp: str) -> str:
        h = history.get((doc, cid))
        return f"{doc}\t{cid}\t{fp}" + ("\t" + ",".join(f"{o}@{d}" for o, d in h) if h else "")

    rows = sorted(row(doc, cid, fp) for doc, ids in lock.items() for cid, fp in ids.items())
    return LOCK_HEADER + "".join(r + "\n" for r in rows)


def write_text(path: Path, text: str) -> None:
    """The one place this module writes a text file."""
    atomic_write_text(path, text)  # a kill or a full disk never truncates the lock


def write_text_bytes(path: Path, data: bytes) -> None:
    """A lock's UTF-8 bytes, written as ``write_text`` writes text."""
    atomic_write_bytes(path, data)


def update_lock(path: Path | str, notices: Iterable[Notice], report: Optional[AnchorReport] = None,
                redirects: Optional[dict[str, dict[str, str]]] = None,
                old: "Optional[Lock | CompactLock]" = None) -> Mapping[str, dict[str, str]]:
    """Write the lock: every built document's current ids and fingerprints,
    retired ids kept as ``>new_id``, documents not built kept unchanged.
    Deterministic (sorted) output; returns the written mapping.  ``old``: the
    lock as the build read it from ``path`` (its check), not read again
    (0.75 s of CPU at 2x); it is left unchanged.  From a ``CompactLock``
    (``read_lock``) with the check's report, only the rows of the documents
    whose fingerprints differ from the lock's are made, and the file is
    written only when its bytes change (issue 29); the bytes are those
    ``format_lock`` gives."""
    path = Path(path)
    old = old if old is not None and old.path == path else load_lock(path)
    if redirects is None:
        redirects = load_redirects(path.with_name("redirects.yml"))
    notices = list(notices)
    built = {n.id for n in notices}
    if report is not None:
        built -= set(report.missing_documents)
    history = {k: list(v) for k, v in old.history.items()}
    texts_added: dict[str, dict[str, list[dict]]] = {}
    if isinstance(old, CompactLock) and report is not None:
        out: Mapping[str, dict[str, str]] = _update_compact(path, old, notices, built, report, redirects, history,
                                                            texts_added)
    else:
        out = Lock({d: dict(ids) for d, ids in old.items() if d not in built}, path=path)
        out.history = history
        for n in notices:
            if n.id in built:
                now = (report.current.get(n.id) if report is not None else None) or current_anchors(n)
                out[n.id] = _lock_ids(n.id, now, old.get(n.id, {}), redirects.get(n.id, {}), report, history,
                                      texts_added)
        text = format_lock(out)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_text(path, text)
    if texts_added:
        hpath = path.with_name(HISTORY_NAME)
        data = load_history(hpath)
        for doc, cids in texts_added.items():
            for cid, items in cids.items():
                data.setdefault(doc, {}).setdefault(cid, []).extend(items)
        write_text(hpath, "# clause-history.lock — 已发布条款被更正前的文字，由 iparchive build 自动追加，请勿删除。\n"
                   + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=1000))
    return out


def _lock_ids(doc: str, now: Mapping[str, str], old_ids: dict[str, str], red: dict[str, str],
              report: Optional[AnchorReport], history: dict, texts_added: dict) -> dict[str, str]:
    """One built document's rows of the new lock: its current ids, a changed
    text's old fingerprint kept in ``history`` (and its text in ``texts_added``),
    retired ids kept as ``>new_id``."""
    ids = dict(now)
    for cid, fp in old_ids.items():  # a changed text: keep what it was, and when
        if cid in now and now[cid] != fp and not fp.startswith(">"):
            date = report.date if report is not None else dt.date.today().isoformat()
            history.setdefault((doc, cid), []).append((fp, date))
            text = report.old_texts.get((doc, cid)) if report is not None else None
            if text is not None:
                texts_added.setdefault(doc, {}).setdefault(cid, []).append(
                    {"date": date, "fingerprint": fp, "text": text})
    for cid, fp in old_ids.items():
        if cid not in now:
            # never drop a published id: retired ones point to their target
            ids[cid] = ">" + (red.get(cid) or fp[1:]) if (cid in red or fp.startswith(">")) else fp
    return ids


def _update_compact(path: Path, old: CompactLock, notices: list[Notice], built: set[str], report: AnchorReport,
                    redirects: dict, history: dict, texts_added: dict) -> CompactLock:
    """``update_lock`` from a ``CompactLock``: the rows of a built document whose
    fingerprints are the lock's are kept as bytes; the others made as
    ``format_lock`` makes them; the file written only when it changed."""
    blocks: dict[str, bytes] = {}
    made: dict[str, dict[str, str]] = {}
    for doc in old.spans:
        if doc not in built:  # kept unchanged, in the written order
            blocks[doc] = lock_block(doc, old[doc], history).encode("utf-8")
    for n in notices:
        if n.id not in built:
            continue
        now = report.current.get(n.id) or current_anchors(n)
        if old.unchanged(n.id, now):
            blocks[n.id] = old.block(n.id)
            continue
        ids = made[n.id] = _lock_ids(n.id, now, old.get(n.id, {}), redirects.get(n.id, {}), report, history,
                                     texts_added)
        blocks[n.id] = lock_block(n.id, ids, history).encode("utf-8")
    order = sorted(blocks, key=lambda d: d + "\t")  # format_lock's order: a row begins with its id and a tab
    data = LOCK_HEADER.encode("utf-8") + b"".join(blocks[d] for d in order)
    spans, pos = {}, len(LOCK_HEADER.encode("utf-8"))
    for d in order:
        spans[d] = (pos, pos + len(blocks[d]))
        pos += len(blocks[d])
    if data != old.data or not path.exists():
        write_text_bytes(path, data)
    out = CompactLock(data, spans, path)
    out.history = history
    out._dicts.update(made)
    return out


# ------------------------------------------------------------------ id owners (ids.lock)

IDS_LOCK = "ids.lock"
IDS_HEADER = ("# ids.lock — 每个已发布 id 归哪个原始文件所有，由 iparchive build 自动维护。\n"
              "# 另一个文件声称同一 id 是错误：已发布的文件保留其页面。格式：id<TAB>文件名\n")
# (a name holding a quote, a backslash or an invisible character is written as a JSON string: owner_row)
_NAME_NEEDS_QUOTES = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u0085\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')


def owner_row(doc_id: str, name: str) -> str:
    """One ids.lock row: the name as it is, or as a JSON string when it holds
    a character a line-splitting reader (``str.splitlines``: U+2028, U+0085,
    U+001C …) or a terminal would take apart (issue 28: a name holding U+2028
    split its row and its id was taken over)."""
    shown = json.dumps(name, ensure_ascii=True) if _NAME_NEEDS_QUOTES.search(name) or name.startswith('"') else name
    return f"{doc_id}\t{shown}\n"


def load_owners(path: Path | str) -> dict[str, str]:
    """id -> source file name (relative to source_texts/) from ``ids.lock``;
    {} if absent.  Rows are split on ``\\n`` only; a JSON-quoted name is
    decoded (both the old plain rows and the quoted ones are read)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    out = {}
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if line and not line.startswith("#") and "\t" in line:
            doc, name = line.split("\t", 1)
            if name.startswith('"') and name.endswith('"') and len(name) > 1:
                try:
                    name = json.loads(name)
                except ValueError:
                    pass
            out[doc] = name
    return out


def format_owners(owners: dict[str, str]) -> str:
    return IDS_HEADER + "".join(owner_row(k, v) for k, v in sorted(owners.items()))


def published_owner(site: Optional[Path], doc_id: str) -> Optional[str]:
    """The source file the live site says ``doc_id`` was built from (its
    record ``data/notices/<id>.json.gz``, gzipped since issue 29, or
    ``<id>.json`` of an older site; field ``source_file``), or None."""
    if not site:
        return None
    folder = Path(site) / "data" / "notices"
    try:
        if (folder / f"{doc_id}.json.gz").is_file():
            with gzip.open(folder / f"{doc_id}.json.gz", "rb") as f:
                rec = json.loads(f.read(1 << 24))
        else:
            with open(folder / f"{doc_id}.json", "rb") as f:
                rec = json.loads(f.read(1 << 24))
        name = rec.get("source_file") if isinstance(rec, dict) else None
        return name if isinstance(name, str) else None
    except (OSError, ValueError, EOFError):  # EOFError: a gzip file cut short
        return None


def is_live(site: Optional[Path], doc_id: str) -> bool:
    """Is ``doc_id`` published in the live site (its record is there)?  True
    when there is no built site (a fresh clone: the locks alone say what was
    published).  A build killed between writing its locks and swapping its
    site in (publish.SiteBuild.commit) leaves lock rows of documents that are
    not live yet: they are no gap."""
    if not site or not (Path(site) / "index.html").is_file():
        return True
    folder = Path(site) / "data" / "notices"
    return (folder / f"{doc_id}.json.gz").is_file() or (folder / f"{doc_id}.json").is_file()  # .gz since issue 29


def owner_gaps(owners: dict[str, str], lock: dict[str, dict[str, str]], ids_path: Path,
               site: Optional[Path] = None) -> list[tuple[str, str]]:
    """Published documents (their clause ids are in anchors.lock) that
    ``ids.lock`` names no owner for: the lock was emptied, deleted or edited
    (issue 28: then a new file took over a published page and id).  One
    (path, Chinese message) naming them and, from the live site's records,
    the files that own them."""
    gone = sorted(d for d in lock if d not in owners and any(not fp.startswith(">") for fp in lock[d].values())
                  and is_live(site, d))
    if not gone:
        return []
    shown = "、".join(f"{d}（{published_owner(site, d) or '来源文件不详'}）" for d in gone[:5])
    more = f" 等 {len(gone)} 件" if len(gone) > 5 else ""
    state = "不存在" if not Path(ids_path).exists() else "缺少它们的记录"
    return [(str(ids_path), f"ids.lock {state}：已发布文件 {shown}{more} 的归属无从核对（anchors.lock 记载它们已发布）："
                            "另一个文件可能冒用其 id；请从版本库恢复 ids.lock")]
