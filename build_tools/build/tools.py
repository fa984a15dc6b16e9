"""External tools: the one place a child process of another program is started (issue 24).

``run_tool(argv, *, timeout, cwd, env, text, pause)`` runs one program and returns its
``subprocess.CompletedProcess`` (stdout and stderr captured); ``start_tool`` starts one and
returns its ``Popen`` at once, for a tool that runs beside other work (``kill_group`` stops it).  Every tool the build uses goes
through it, each called by the module that knows the tool:

* LibreOffice headless converting a DOC/WPS/RTF to DOCX (``office.read_converted``: soffice
  starts oosplash and soffice.bin under it), pdftoppm and tesseract for opt-in OCR
  (``office``), each with a timeout;
* ``git show HEAD:source_texts/<file>`` for ``iparchive redirects --suggest`` (``renumber``);
* ``mkdocs build`` (``publish.run_mkdocs``), with the kill harness's pause point while it runs.

The stages (``office``, ``read``, ``metadata``, ``attachments``, ``renumber``) never import
this module: they take a runner of this signature as a parameter (``office.ToolRunner``),
which the build (``pipeline``) and the CLI pass in.

The child runs in a process group of its own and dies with the calling thread
(``fsutil.die_with_parent``, Linux).  Past ``timeout`` seconds, or when the caller is
interrupted (KeyboardInterrupt, a kill of the test harness's pause), the whole group is
killed — a plain kill of soffice would leave soffice.bin running — and the error is raised
again (``subprocess.TimeoutExpired`` for a timeout).  A program that cannot be started raises
``OSError`` (FileNotFoundError when it is missing): the caller says what to install.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Optional, Sequence

from ..fsutil import die_with_parent, pause_point

__all__ = ["run_tool", "start_tool", "kill_group", "signal_group"]


def start_tool(argv: Sequence[str], *, cwd: Optional[Path | str] = None, env: Optional[dict] = None,
               text: bool = False, stderr: int = subprocess.PIPE, stdin: Optional[int] = None) -> subprocess.Popen:
    """Start ``argv`` and return at once (stdout piped; ``stderr``: ``subprocess.STDOUT`` merges it;
    ``stdin``: ``subprocess.PIPE`` for a tool fed by the caller, the CLI index's writer):
    for a tool that runs beside other work (Pagefind beside MkDocs and the link check).  Its own
    process group, dying with the calling thread; ``kill_group`` stops it and whatever it started."""
    return subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=stderr,
                            text=text, start_new_session=True, preexec_fn=die_with_parent)


def run_tool(argv: Sequence[str], *, timeout: Optional[float] = None, cwd: Optional[Path | str] = None,
             env: Optional[dict] = None, text: bool = False, pause: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run ``argv`` to its end (see the module docstring); ``pause``: ``fsutil.pause_point`` while it runs."""
    proc = start_tool(argv, cwd=cwd, env=env, text=text)
    try:
        if pause:
            pause_point(pause)
        out, err = proc.communicate(timeout=timeout)
    except BaseException:  # a timeout, an interrupt: the whole group goes, then the error is raised
        kill_group(proc)
        raise
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def signal_group(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to ``proc``'s process group without reaping it (another thread waits on it)."""
    try:
        os.killpg(proc.pid, sig)
    except OSError:  # already gone
        pass


def kill_group(proc: subprocess.Popen) -> None:
    """Kill ``proc``'s process group (it leads one: ``start_new_session``) and reap it."""
    signal_group(proc)
    proc.communicate()
