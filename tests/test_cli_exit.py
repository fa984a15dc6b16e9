"""``iparchive build`` ends at once when its work is done (issue 29: the
interpreter's own exit freed a ~1 GB heap object by object), and nothing is
lost by it: the exit code, everything printed, the atexit handlers, the site,
the index and the problems report are those of a normal exit
(``cli.exit_now``).

Real builds of a copy of this repository's archive (``source_texts/``: the
seeds and the laws), run as a user runs them (the installed ``iparchive``).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.archive_copy import copy_archive

ROOT = Path(__file__).resolve().parent.parent

EXIT_SCRIPT = r'''
import atexit, sys, threading, time
from pathlib import Path
from build_tools.cli import exit_now
out = Path(sys.argv[1])
atexit.register(lambda: (out / "atexit").write_text("ran"))
print("输出未换行", end="")
sys.stderr.write("错误输出未换行")
if sys.argv[2] == "thread":  # a thread that is no daemon still works: the normal exit waits for it
    def work():
        time.sleep(1.0)
        (out / "thread").write_text("done")
    threading.Thread(target=work).start()
code = exit_now(int(sys.argv[3]))
(out / "returned").write_text(str(code))
sys.exit(code)
'''


def _run_script(tmp_path: Path, mode: str, code: int) -> subprocess.CompletedProcess:
    script = tmp_path / "exit_script.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")
    return subprocess.run([sys.executable, str(script), str(tmp_path), mode, str(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("code", [0, 1, 2])
def test_exit_now_keeps_the_code_the_output_and_the_atexit_handlers(tmp_path, code):
    r = _run_script(tmp_path, "plain", code)
    assert r.returncode == code
    assert r.stdout == "输出未换行" and r.stderr == "错误输出未换行"
    assert (tmp_path / "atexit").read_text() == "ran"
    assert not (tmp_path / "returned").exists()  # it did end the process there


def test_exit_now_leaves_the_exit_to_python_while_a_thread_still_works(tmp_path):
    r = _run_script(tmp_path, "thread", 1)
    assert r.returncode == 1
    assert (tmp_path / "returned").read_text() == "1"
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "atexit").read_text() == "ran"


def _iparchive(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("IPARCHIVE_SITE_URL", "IPARCHIVE_INDEX")}
    return subprocess.run([str(Path(sys.executable).parent / "iparchive"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def test_a_build_that_exits_at_once_loses_nothing(tmp_path):
    """A whole build, then a build with one unreadable document added: exit
    codes 0 and 1 (README), the site and the CLI index there and answering,
    the problems report written whole and naming the bad file, the build's
    last line printed."""
    work = copy_archive(tmp_path / "archive")
    first = _iparchive("build", "--quiet", cwd=work)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "网站已生成" in first.stderr
    site, report = work / "site", work / "build" / "cache" / "problems.txt"
    assert (site / "index.html").is_file() and any((site / "notices").glob("*.html"))
    assert report.is_file()
    sources = work / "source_texts"
    pages = sorted(p.name for p in (site / "notices").glob("*.html"))
    found = _iparchive("search", "专利", "--json", cwd=work)
    assert found.returncode == 0 and found.stdout.strip(), found.stderr[-2000:]

    bad = sources / "损坏的文件.txt"
    bad.write_bytes(b"\xff\xfe\x00" * 10)  # no sidecar, and not text: an error of this document only
    second = _iparchive("build", "--quiet", cwd=work)
    assert second.returncode == 1, second.stderr[-3000:]
    assert "损坏的文件" in second.stderr and "Traceback" not in second.stderr
    text = report.read_text(encoding="utf-8")
    assert "损坏的文件" in text and text.endswith("\n")
    assert text.count("\n") == len([ln for ln in text.splitlines() if ln.strip()])
    assert sorted(p.name for p in (site / "notices").glob("*.html")) == pages  # the others still published
