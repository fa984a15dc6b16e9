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
  pickle that holds the key it was made for: what a build kept is used only
  when the key matches (missing, unreadable or other key: ``{}``, made again).
  The page cache, the fragment memo, the clause fingerprints.
* ``files_digest(root, patterns)`` — SHA-1 of the names and bytes of the
  files under ``root`` matching ``patterns`` (the source a cache depends
  on: ``pagecache.code_digest``, ``search.index``).
* ``pause_point(step)`` — when ``IPARCHIVE_PAUSE_AT`` equals ``step``, print
  ``IPARCHIVE_PAUSED <step>`` on stderr and sleep, so ``tests/test_faults.py``
  can ``kill -9`` the build at exactly that step.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

PAUSE_ENV = "IPARCHIVE_PAUSE_AT"
PAUSE_MARK = "IPARCHIVE_PAUSED"
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


def atomic_write_bytes(path: Path | str, data: bytes, *, step: str | None = None) -> None:
    """Replace ``path`` by ``data`` atomically (temp file + fsync + rename).

    ``step``: the pause-point name checked between the fsync and the rename
    (the test hook), default ``write:<file name>``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, 0o644)
        except OSError:
            pass
        pause_point(step or f"write:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
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


def load_keyed(path: Optional[Path], key) -> dict:
    """The value ``save_keyed`` stored at ``path`` with ``key``; {} when the
    file is missing, unreadable or was saved with another key."""
    try:
        data = pickle.loads(path.read_bytes()) if path and path.is_file() else {}
        return data["value"] if data.get("key") == key else {}
    except Exception:  # unreadable or of an older format: made again
        return {}


def save_keyed(path: Path, key, value) -> None:
    """Pickle ``value`` with ``key`` to ``path`` atomically (``load_keyed``)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, pickle.dumps({"key": key, "value": value}, protocol=5))


def files_digest(root: Path | str, patterns: tuple[str, ...]) -> bytes:
    """SHA-1 over (relative name, bytes) of every file under ``root`` matching one of ``patterns``."""
    root = Path(root)
    h = hashlib.sha1()
    for f in sorted({f for pat in patterns for f in root.glob(pat) if f.is_file()}):
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(f.read_bytes())
    return h.digest()


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


def pause_point(step: str) -> None:
    """Test hook: with ``IPARCHIVE_PAUSE_AT=<step>`` print a marker and sleep
    (``IPARCHIVE_PAUSE_SECONDS``, default 600) so a test can kill the build here."""
    if os.environ.get(PAUSE_ENV) != step:
        return
    print(f"{PAUSE_MARK} {step}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("IPARCHIVE_PAUSE_SECONDS", "600")))


def lock_rows(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line number, line, tab-separated fields) of each data line of a lock file."""
    if not path.exists():
        return
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield no, line, line.split("\t")
