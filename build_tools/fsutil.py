"""File-system primitives the build relies on: atomic writes, atomic swaps,
and the test hook that pauses a build at a named step.

* ``atomic_write_bytes(path, data)`` / ``atomic_write_text(path, text)`` —
  a temp file in the same directory, flushed and fsynced, then ``os.replace``
  over ``path`` and the directory fsynced: a reader (or a build killed with
  ``kill -9`` at any instant, or a full disk) sees the old bytes or the new
  ones, never a truncated file.  Used for ``anchors.lock`` (issue 11: it was
  truncated to 0 bytes by a kill during the rewrite), ``ids.lock``, sidecars
  written by ``iparchive add``, the site stamp and the problems file.
* ``exchange(a, b)`` — Linux ``renameat2(RENAME_EXCHANGE)``: two existing
  paths (here: ``site/`` and the freshly built ``site.<stamp>/``) trade
  places in one step, so ``site/`` never stops existing; the old tree is
  then at ``b`` and deleted.  Where the call is unavailable it falls back to
  two renames (a window of one rename without ``site/``).
* ``lock_rows(path)`` — the tab-separated rows of a lock file
  (``anchors.lock``, ``works.lock``) with their 1-based line numbers,
  blank and ``#`` comment lines skipped; a missing file has none.
* ``exclusive(path)`` — a blocking ``flock`` on ``path`` for a ``with``
  block (the kernel drops it when the process dies).  ``staged_paths``
  holds one while it re-stages a work directory: two builds of one staged
  directory (tests/test_faults.py, CI 2026-12-02) had one deleting
  ``docs/assets/vendor/iframe-worker`` while the other copied into it.
* ``load_keyed(path, key)`` / ``save_keyed(path, key, value)`` — a cache
  dict (pickle or marshal) that holds the key it was made for: what a build
  kept is used only when the key matches (missing, unreadable or other key:
  ``{}``, made again).  A save after a load appends only the entries that
  changed (a rebuild rewrote 58 MB of caches for one document: 1 s).  The
  page cache, the fragment memo, the clause fingerprints, the link check.
* ``write_cache_bytes(path, data)`` — temp file + rename without fsync,
  for caches whose reader takes an unreadable file for a missing one.
* ``die_with_parent()`` — in a child: SIGKILL when the build process dies.
* ``replace_bytes(path, data)`` — write ``data`` as a new file at ``path``
  (the old one unlinked first, never written into): the write stage's
  files are hard-linked into the built site (``mkdocs_run --link``), so a
  write into the old inode would change the published site.
* ``log_exception(log)`` — the current exception's traceback appended to
  ``log`` (else a file in the temp directory); returns where it went.  The
  command line prints a short Chinese message naming that file instead of
  a traceback (``IPARCHIVE_DEBUG=1`` prints it too).
* ``content_digest(data)`` / ``file_digest(path)`` — 16 bytes naming the
  bytes (xxh3-128, 9 GB/s): what decides whether a built file changed
  (issue 28: never its size, mtime or inode — a clock set back, or an edit
  of the same length with its mtime put back, kept old text on every build).
* ``pause_point(step)`` — when ``IPARCHIVE_PAUSE_AT`` equals ``step``, print
  ``IPARCHIVE_PAUSED <step>`` on stderr and sleep, so ``tests/test_faults.py``
  can ``kill -9`` the build at exactly that step.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import marshal
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

import xxhash

from .settings import PAUSE_ENV, PAUSE_SECONDS_ENV, env

PAUSE_MARK = "IPARCHIVE_PAUSED"
NAME_MAX = 255  # bytes of one file name (ext4, xfs, btrfs)
TEMP_NAME_EXTRA = len("..12345678.tmp")  # atomic_write_bytes' temp file: ".<name>.<8 random>.tmp"
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_bytes(path: Path | str, data: bytes) -> None:
    """``data`` into a new file at ``path`` (not atomic; see the module docstring)."""
    path = Path(path)
    try:
        path.unlink()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def atomic_write_bytes(path: Path | str, data: bytes, *, step: str | None = None, durable: bool = True) -> None:
    """Replace ``path`` by ``data`` atomically (temp file + fsync + rename).

    ``step``: the pause-point name checked between the fsync and the rename
    (the test hook), default ``write:<file name>``; ``durable=False``: no
    fsync (``write_cache_bytes``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        try:
            os.chmod(tmp, 0o644)
        except OSError:
            pass
        pause_point(step or f"write:{path.name}")
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError) and not e.filename:  # a full disk names the file it hit, not the temp or nothing
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
        raise
    if durable:
        _fsync_dir(path.parent)


def atomic_write_text(path: Path | str, text: str, *, encoding: str = "utf-8", step: str | None = None) -> None:
    """``atomic_write_bytes`` for text."""
    atomic_write_bytes(path, text.encode(encoding), step=step)


def stale_temp_files(directory: Path | str) -> list[Path]:
    """Temp files a killed ``atomic_write_*`` left in ``directory``."""
    return sorted(p for p in Path(directory).glob(".*.tmp") if p.is_file())


_libc = None


def _renameat2():
    global _libc
    import ctypes  # here: 8 ms of imports for the commands that never swap a directory (search)

    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            _libc = False
    return getattr(_libc, "renameat2", None) if _libc else None


def exchange(a: Path | str, b: Path | str) -> bool:
    """Atomically swap two existing paths (same file system).  True if done
    in one step; False if only the fallback (two renames) was possible."""
    a, b = os.fsencode(str(a)), os.fsencode(str(b))
    fn = _renameat2()
    if fn is not None:
        if fn(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0:
            return True
        import ctypes  # loaded by _renameat2 already

        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), os.fsdecode(a))
    tmp = a + b".swap"
    os.rename(a, tmp)
    os.rename(b, a)
    os.rename(tmp, b)
    return False


def swap_dir(new: Path, final: Path, *, keep_old: bool = False) -> Optional[Path]:
    """Put directory ``new`` at ``final`` without a moment where ``final`` is
    missing, then delete the previous tree (``keep_old``: return where it is
    now, ``new``, for the caller to delete; None when there was none)."""
    new, final = Path(new), Path(final)
    if final.exists() or final.is_symlink():
        exchange(new, final)
        pause_point(f"swapped:{final.name}")
        _fsync_dir(final.parent)
        if keep_old:
            return new
        remove_tree(new)
    else:
        os.rename(new, final)
        _fsync_dir(final.parent)
    return None


def remove_tree(path: Path) -> None:
    """Delete a file, symlink or directory tree; missing is fine."""
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


# path -> (key, file size, the dict as on disk, size of its whole-dict record): save_keyed's base
_KEYED: dict[str, tuple] = {}
_MISSING = object()


def _codec(codec: str):
    return marshal if codec == "marshal" else pickle


def forget_keyed(path: Path) -> None:
    """Drop this process's copy of what ``path`` holds (``save_keyed``'s base):
    its values are freed with their last user; the next save writes the file whole
    unless a ``load_keyed`` comes first (each build loads before it saves)."""
    _KEYED.pop(str(path), None)


def load_keyed(path: Optional[Path], key, *, codec: str = "pickle") -> dict:
    """The dict ``save_keyed`` stored at ``path`` with ``key``; {} when the
    file is missing, unreadable or was saved with another key.

    The file is a log: the whole dict, then the changes of later saves
    (``{"set": …, "drop": …}``).  A change cut short (a killed build) ends
    the reading: what was read before it is an earlier, whole state, and
    the next save writes the file again."""
    if not path:
        return {}
    path = Path(path)
    _KEYED.pop(str(path), None)
    mod = _codec(codec)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    try:
        head = _decode(mod, data, 0)
    except Exception:  # unreadable or of an older format: made again
        return {}
    if head is None or not isinstance(head[0], dict) or head[0].get("key") != key:
        return {}
    value, pos = head[0]["value"], head[1]
    whole = True
    while pos < len(data):
        try:
            rec, pos = _decode(mod, data, pos)
            value.update(rec["set"])
            for k in rec["drop"]:
                value.pop(k, None)
        except Exception:
            whole = False
            break
    if whole:
        _KEYED[str(path)] = (key, len(data), dict(value), head[1])
    return value


def _decode(mod, data: bytes, pos: int):
    """(record, next position) of the length-prefixed record at ``pos``."""
    n = int.from_bytes(data[pos:pos + 8], "little")
    if pos + 8 + n > len(data):
        raise EOFError("cut short")
    return mod.loads(data[pos + 8:pos + 8 + n]), pos + 8 + n


def _record(mod, obj) -> bytes:
    raw = mod.dumps(obj, 5) if mod is pickle else mod.dumps(obj)
    return len(raw).to_bytes(8, "little") + raw


def save_keyed(path: Path, key, value: dict, *, codec: str = "pickle", durable: bool = False) -> None:
    """Store ``value`` with ``key`` at ``path`` (``load_keyed``).

    When this process loaded (or saved) the file with the same key, only
    the entries that differ are appended (``is`` decides: callers keep the
    loaded objects of what did not change); the file is written again when
    that is more than a third of the entries, or the log has grown to three
    times the whole dict.  ``durable``: fsynced, so a crash of the machine
    never leaves an entry the files it describes do not match (the page
    cache); the other caches hold only values true of their keys, and an
    earlier state of them is true too."""
    path = Path(path)
    mod = _codec(codec)
    base = _KEYED.get(str(path))
    try:
        size = path.stat().st_size
    except OSError:
        size = -1
    if base is not None and base[0] == key and base[1] == size:
        old = base[2]
        changed = {k: v for k, v in value.items() if old.get(k, _MISSING) is not v}
        drop = [k for k in old if k not in value]
        if not changed and not drop:
            return
        if len(changed) + len(drop) <= max(len(value), 1) / 3:
            rec = _record(mod, {"set": changed, "drop": drop})
            whole = base[3]
            if size + len(rec) <= 3 * whole:
                with open(path, "ab") as f:
                    f.write(rec)
                    if durable:
                        f.flush()
                        os.fsync(f.fileno())
                _KEYED[str(path)] = (key, size + len(rec), dict(value), whole)
                return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _record(mod, {"key": key, "value": value})
    if durable:
        atomic_write_bytes(path, data)
    else:
        write_cache_bytes(path, data)
    _KEYED[str(path)] = (key, len(data), dict(value), len(data))


def content_digest(data: bytes) -> bytes:
    """16 bytes naming ``data`` (xxh3-128): equal digests, equal bytes."""
    return xxhash.xxh3_128_digest(data)


def value_digest(value) -> bytes:
    """SHA-1 of the memo-less pickle of ``value`` (a page's inputs: build.pagecache,
    render.search_pages)."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=5)
    p.fast = True
    p.dump(value)
    return hashlib.sha1(buf.getvalue()).digest()


def file_digest(path: Path | str) -> bytes:
    """``content_digest`` of a file's bytes: read whole when small (built pages
    and records), in 8 MB pieces when large (``data/archive.json.gz``, ~100 MB
    a corpus), with the same digest either way."""
    piece = 1 << 23
    with open(path, "rb", buffering=0) as f:
        if os.fstat(f.fileno()).st_size <= piece:
            return xxhash.xxh3_128_digest(f.readall())
        h, buf = xxhash.xxh3_128(), bytearray(piece)
        view = memoryview(buf)
        while n := f.readinto(buf):
            h.update(view[:n])
        return h.digest()


def write_cache_bytes(path: Path, data: bytes) -> None:
    """``atomic_write_bytes`` without fsync: for caches, whose readers take
    an unreadable file for a missing one (thousands of fsyncs cost seconds)."""
    atomic_write_bytes(path, data, durable=False)


@contextlib.contextmanager
def exclusive(path: Path | str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock




def log_exception(log: Optional[Path] = None) -> Optional[Path]:
    """Append the current exception's traceback (with the time and pid) to
    ``log``, or to ``<tmp>/iparchive-error.log`` when that cannot be written."""
    import traceback  # only when something went wrong

    text = f"==== {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()} argv {sys.argv!r}\n{traceback.format_exc()}\n"
    for where in ([Path(log)] if log else []) + [Path(tempfile.gettempdir()) / "iparchive-error.log"]:
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            with open(where, "a", encoding="utf-8") as f:
                f.write(text)
            return where
        except OSError:
            continue
    return None


def pause_point(step: str) -> None:
    """Test hook: with ``IPARCHIVE_PAUSE_AT=<step>`` print a marker and sleep
    (``IPARCHIVE_PAUSE_SECONDS``, default 600) so a test can kill the build here."""
    if env(PAUSE_ENV) != step:
        return
    print(f"{PAUSE_MARK} {step}", file=sys.stderr, flush=True)
    time.sleep(float(env(PAUSE_SECONDS_ENV, "600")))


def lock_rows(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line number, line, tab-separated fields) of each data line of a lock file."""
    if not path.exists():
        return
    # split on "\n" only: splitlines() also splits at U+2028, U+0085, U+001C … (issue 28)
    for no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        line = line.removesuffix("\r")
        if line.strip() and not line.startswith("#"):
            yield no, line, line.split("\t")


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child: get SIGKILL when the build process dies (Linux), so a
    killed build never leaves MkDocs, Pagefind or a forked writer running."""
    import ctypes  # here, as in _renameat2

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
