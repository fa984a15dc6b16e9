"""Processes of a build, found in /proc (Linux): the fault tests check that
children die with a killed build."""
from __future__ import annotations

from pathlib import Path
from typing import Callable


def children_of_build(work: Path, is_child: Callable[[list[bytes]], bool]) -> list[int]:
    """Pids of the live processes whose command line ``is_child`` accepts and
    that name the build directory ``work``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if is_child(cmd) and any(str(work).encode() in c for c in cmd):
                out.append(int(d.name))
    return out
