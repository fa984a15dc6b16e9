"""Fault injection: real build processes killed with SIGKILL at each named
step of the publish protocol (``IPARCHIVE_PAUSE_AT``, see build_tools/publish/site.py),
and two builds at once, on a copy of the 11-document source_texts archive.

After every case (issue 11 "Done when"):
* a complete last good site (byte-identical to before) or the complete new one;
* ``anchors.lock`` and ``ids.lock`` byte-identical to before or fully updated;
* a command-line index that answers (``iparchive search --index``);
* a next build that succeeds, leaves no temp directories, and ends in
  exactly the state of an undisturbed build.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from build_tools.fsutil import PAUSE_ENV, PAUSE_MARK
from build_tools.pipeline import staged_paths
from build_tools.publish.linkcheck import linkcheck
from build_tools.publish.mkbuild import STAMP
from search.schema import META_FILE
from conftest import LAWREF, ROOT
from support.procs import children_of_build

# not marked slow: each case is one or two builds of the 11-document archive (seconds)
KUNMING = "002_f819ad9b31b3e7a6.txt"
NEW_SENTENCE = "附：新增一句关于植物新品种权质押融资的话。"
NEW_QUERY = "植物新品种权质押融资"
NEW_LAW = LAWREF / "宪法" / "宪法修正案（1988年）.md"
# the build of `iparchive build`, on a staged work directory (exit codes as cmd_build)
DRIVER = """
import errno, os, sys
from pathlib import Path
full = os.environ.get("IPARCHIVE_TEST_FULL_DISK")  # a full disk while writing this file (its fsync fails)
if full:
    real_fsync = os.fsync
    def fsync(fd):
        if "." + full + "." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)
    os.fsync = fsync
from build_tools.pipeline import build_site, staged_paths
from build_tools.publish.site import BuildBusy
try:
    rep = build_site(Path(sys.argv[1]), paths=staged_paths(Path(sys.argv[1]), Path(sys.argv[2])),
                     progress=False, wait=sys.argv[3] == "wait")
except BuildBusy as e:
    print(e, file=sys.stderr)
    sys.exit(2)
sys.exit(0 if rep.ok and not any(p.level == "error" for p in rep.problems) else (1 if rep.ok else 2))
"""
STEPS = ["locked", "loaded", "enriched", "written", "mkdocs", "linkchecked", "commit", "write:anchors.lock",
         "write:works.lock", "write:ids.lock", "locks-written", "swapped:site", "site-live", "index", "swapped:index"]
# the steps after the swap: the new site is live (and its locks were made durable before it)
LIVE_STEPS = ("swapped:site", "site-live", "index", "swapped:index")


def _start(work: Path, *, pause: str | None = None, wait: bool = True, full_disk: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop(PAUSE_ENV, None)
    if pause:
        env[PAUSE_ENV] = pause
    if full_disk:
        env["IPARCHIVE_TEST_FULL_DISK"] = full_disk
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(ROOT), str(work), "wait" if wait else "fail"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _build(work: Path) -> subprocess.CompletedProcess:
    p = _start(work)
    out, err = p.communicate(timeout=600)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def _wait_marker(proc: subprocess.Popen, step: str, timeout: float = 300) -> None:
    """Read stderr until the pause marker of ``step``."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if line.strip() == f"{PAUSE_MARK} {step}":
            return
    proc.kill()
    raise AssertionError(f"build never reached {step}: {''.join(seen)[-3000:]}")


def _tree(d: Path) -> dict[str, str]:
    """Every file's hash; the stamp (it names the work directory) only as present."""
    assert (d / STAMP).is_file() and (d / "index.html").is_file()
    return {p.relative_to(d).as_posix(): _digest(p) for p in sorted(d.rglob("*")) if p.is_file() and p.name != STAMP}


def _digest(p: Path) -> str:
    """sha1 of the bytes; of the members for .docx (zip entries carry the time they were written)."""
    h = hashlib.sha1()
    if p.suffix == ".docx":
        with zipfile.ZipFile(p) as z:
            for name in sorted(z.namelist()):
                h.update(name.encode() + z.read(name))
    else:
        h.update(p.read_bytes())
    return h.hexdigest()


def _state(work: Path) -> dict:
    src = work / "source_texts"
    return {"site": _tree(work / "site"), "lock": (src / "anchors.lock").read_bytes(),
            "ids": (src / "ids.lock").read_bytes(), "works": (src / "works.lock").read_bytes()}


def _search(work: Path, query: str) -> str:
    r = subprocess.run([sys.executable, "-m", "build_tools.cli", "search", query, "--index", str(work / "index"),
                        "--json", "--limit", "50"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _mkdocs_children(work: Path) -> list[int]:
    return children_of_build(work, lambda cmd: b"build_tools.publish.mkdocs_run" in cmd)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    staged_paths(ROOT, dst)  # mkdocs.yml points at dst
    return dst


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """(a built archive about to change, its state, the state an undisturbed build reaches)."""
    base = tmp_path_factory.mktemp("faults") / "base"
    paths = staged_paths(ROOT, base)
    shutil.copytree(ROOT / "source_texts", paths.sources)
    r = _build(base)
    assert r.returncode == 0, r.stderr
    k = paths.sources / KUNMING
    k.write_bytes(k.read_bytes() + f"\n{NEW_SENTENCE}\n".encode())
    # and a new document (a new id in ids.lock), added the way a user does
    r = subprocess.run([sys.executable, "-m", "build_tools.cli", "--root", str(base), "add", str(NEW_LAW)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    before = _state(base)
    ref = _copy(base, base.with_name("reference"))
    r = _build(ref)
    assert r.returncode == 0, r.stderr
    after = _state(ref)
    assert after["lock"] != before["lock"] and after["site"] != before["site"]
    assert after["works"] != before["works"]  # the new law is a new work: write:works.lock is reached
    return base, before, after


def _assert_same(now: dict, want: dict) -> None:
    assert now["lock"] == want["lock"] and now["ids"] == want["ids"] and now["works"] == want["works"]
    differ = sorted(k for k in set(now["site"]) | set(want["site"]) if now["site"].get(k) != want["site"].get(k))
    assert differ == []


def _assert_consistent(work: Path, before: dict, after: dict) -> str:
    """The invariants at any instant; returns 'old' or 'new' (which site is live)."""
    now = _state(work)
    assert now["lock"] in (before["lock"], after["lock"])
    assert now["ids"] in (before["ids"], after["ids"])
    assert now["works"] in (before["works"], after["works"])
    live = "old" if now["site"] == before["site"] else "new"
    if live == "new":
        assert now["site"] == after["site"], "a site that is neither the last good one nor the new one"
        # issue 28: the locks are durable before the swap, so a live site never lacks its lock rows
        assert now["lock"] == after["lock"] and now["ids"] == after["ids"] and now["works"] == after["works"], \
            "a live site without its lock rows"
    assert linkcheck(work / "site") == []
    assert "kunming-2022-4dd4de" in _search(work, "惩罚性赔偿")
    return live


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_each_step_keeps_a_good_site_lock_and_index(states, tmp_path, step):
    base, before, after = states
    work = _copy(base, tmp_path / "a")
    proc = _start(work, pause=step)
    _wait_marker(proc, step)
    children = _mkdocs_children(work)
    if step == "mkdocs":
        assert children, "the mkdocs child should be running at this step"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    proc.stdout.close()
    # the mkdocs child dies with its parent (PR_SET_PDEATHSIG)
    deadline = time.monotonic() + 10
    while _mkdocs_children(work) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _mkdocs_children(work) == []
    live = _assert_consistent(work, before, after)
    assert live == ("new" if step in LIVE_STEPS else "old")
    # the next build succeeds and ends exactly where an undisturbed one does
    r = _build(work)
    assert r.returncode == 0, r.stderr
    _assert_same(_state(work), after)
    assert NEW_QUERY in _search(work, NEW_QUERY) or "kunming-2022-4dd4de" in _search(work, NEW_QUERY)
    leftovers = [p.name for p in work.iterdir() if p.name.endswith((".tmp", ".swap", ".old", ".result.json"))]
    assert leftovers == []
    assert not any(p.name.endswith(".tmp") for p in (work / "source_texts").iterdir())


def test_a_document_live_after_a_kill_right_after_the_swap_cannot_vanish_silently(states, tmp_path):
    """Issue 28: the site swapped in before the locks were written; a kill
    right after the swap left a live document with no lock rows, and deleting
    it made its published clause ids vanish with no error."""
    base, before, after = states
    work = _copy(base, tmp_path / "g")
    proc = _start(work, pause="swapped:site")
    _wait_marker(proc, "swapped:site")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    proc.stdout.close()
    assert _assert_consistent(work, before, after) == "new"
    law = work / "source_texts" / NEW_LAW.name
    assert law.is_file()
    law.unlink()
    law.with_suffix(".yml").unlink()
    r = _build(work)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert _state(work)["site"] == after["site"]  # the live document stays published


@pytest.mark.parametrize("lock", ["anchors.lock", "works.lock", "ids.lock", ".iparchive-site.json"])
def test_a_full_disk_while_writing_a_lock_publishes_nothing_and_says_so(states, tmp_path, lock):
    """Issue 28: anchors.lock written after the swap, a full disk there said
    「未发布任何内容」 with the new site live.  Now the locks are written
    before the swap: a full disk leaves the last good site, and says so truly.
    The site's stamp too (written into the new site before the swap): the
    message named source_texts/ instead of the file the disk refused."""
    base, before, after = states
    work = _copy(base, tmp_path / "f")
    proc = _start(work, full_disk=lock)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 2, err
    assert "未发布任何内容" in err and "Traceback" not in err and lock in err
    now = _state(work)
    assert now["site"] == before["site"]  # true: nothing was published
    assert now["lock"] in (before["lock"], after["lock"]) and now["ids"] in (before["ids"], after["ids"])
    assert not [p for p in (work / "source_texts").iterdir() if p.name.endswith(".tmp")]
    r = _build(work)
    assert r.returncode == 0, r.stderr
    _assert_same(_state(work), after)


def test_two_builds_at_once_both_succeed_and_site_never_vanishes(states, tmp_path):
    base, before, after = states
    work = _copy(base, tmp_path / "b")
    a, b = _start(work), _start(work)
    missing = 0
    while a.poll() is None or b.poll() is None:
        if not (work / "site" / "index.html").is_file():
            missing += 1
        time.sleep(0.005)
    out_a, err_a = a.communicate()
    out_b, err_b = b.communicate()
    assert (a.returncode, b.returncode) == (0, 0), err_a + err_b
    assert missing == 0
    assert "另一个构建" in err_a + err_b  # the second one said it waits
    _assert_same(_state(work), after)


def test_a_second_build_told_not_to_wait_refuses_with_a_message(states, tmp_path):
    base, before, after = states
    work = _copy(base, tmp_path / "c")
    first = _start(work, pause="locked")
    _wait_marker(first, "locked")
    second = _start(work, wait=False)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2 and "另一个构建" in err and "正在进行" in err
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    first.stderr.close()
    first.stdout.close()
    _assert_same(_state(work), before)  # nothing happened
    r = _build(work)  # the kernel released the dead build's lock
    assert r.returncode == 0, r.stderr


# a from-scratch rebuild of the command-line index (schema change): build_index
# clears the index first, so it must run in the copy (issue 11 case 8)
REBUILD = """
import sys
from pathlib import Path
import search.index as si
si.SCHEMA_VERSION = "forced-rebuild"  # the copy now looks stale: build_index starts it from empty
from build_tools.pipeline import load_documents, source_files
from build_tools.publish.site import build_index_swapped
work = Path(sys.argv[1])
build_index_swapped(load_documents(source_files(work / "source_texts")).notices, work / "index")
"""


def test_a_killed_from_scratch_index_rebuild_leaves_the_index_answering(states, tmp_path):
    base, before, after = states
    work = _copy(base, tmp_path / "d")
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{PAUSE_ENV: "index"})
    proc = subprocess.Popen([sys.executable, "-c", REBUILD, str(work)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_marker(proc, "index")
    meta = json.loads((work / "index.tmp" / META_FILE).read_text(encoding="utf-8"))
    assert meta["schema"] == "forced-rebuild"  # rebuilt from empty, in the copy
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    proc.stdout.close()
    assert "kunming-2022-4dd4de" in _search(work, "惩罚性赔偿")
    r = _build(work)
    assert r.returncode == 0, r.stderr
    _assert_same(_state(work), after)
    assert not (work / "index.tmp").exists()
