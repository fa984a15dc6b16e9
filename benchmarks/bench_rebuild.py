"""One rebuild of ``make bench``'s work directory in a process of its own,
as a user's ``make site`` (``iparchive build``) runs one: the interpreter's
start, the imports and the build, and nothing left in memory by the full
build before it.  ``bench.rebuild_rounds`` times it from outside.

Usage:

* by the bench: ``python -m benchmarks.bench_rebuild SPEC OUT``: SPEC a
  pickle of {"root", "paths" (pipeline.Paths), "files"}; OUT gets the report
  as JSON (timings, pages written, documents made, errors); the process
  ends as ``iparchive build`` ends (``cli.exit_now``);
* by hand, on a work directory kept by ``bench --keep`` (issue 29: where a
  one-document rebuild's seconds go): ``python -m benchmarks.bench_rebuild
  --work DIR [--kind notice|law] [--profile FILE]``: one more sentence in one
  document (``bench.changed_copy``), one rebuild, its phase timings and the
  functions with the most cumulative seconds (cProfile; the forked children's
  time shows as the parent's wait).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import sys
import time
from pathlib import Path

from build_tools.cli import exit_now  # the end of a user's build (iparchive build): timed as it is


def main(spec_file: str, out_file: str) -> int:
    from build_tools.pipeline import build_site  # the same imports as iparchive build

    spec = pickle.loads(Path(spec_file).read_bytes())
    rep = build_site(spec["root"], paths=spec["paths"], files=spec["files"], require_sidecar=False,
                     update_lock=False, progress=False)
    out = {"ok": rep.ok, "timings": {k: round(v, 2) for k, v in rep.timings.items()},
           "pages_written": rep.pages_written, "documents_made": rep.documents_made,
           "errors": [str(p) for p in rep.problems if p.level == "error"][:5]}
    Path(out_file).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return 0 if rep.ok else 1


def by_hand(argv: list[str]) -> int:
    """``--work DIR``: change one document of a kept bench directory, rebuild, report where the time went."""
    import cProfile  # by hand only
    import pstats  # by hand only

    from benchmarks.bench import changed_copy  # by hand only: the bench's own edit
    from build_tools.pipeline import build_site  # the same imports as iparchive build

    ap = argparse.ArgumentParser(description="改动一个文件后重建一次，报告各阶段与最耗时的函数")
    ap.add_argument("--work", type=Path, required=True, help="bench --keep 保留的目录")
    ap.add_argument("--kind", default="notice", choices=("notice", "law"))
    ap.add_argument("--profile", type=Path, help="cProfile 结果文件（pstats）")
    ap.add_argument("--top", type=int, default=40, help="最耗时的函数个数；0 = 不开 cProfile")
    ap.add_argument("--cpu", action="store_true", help="cProfile 计 CPU 时间（机器繁忙时）而非墙上时间")
    args = ap.parse_args(argv)
    spec_file = args.work / "rebuild-spec.pickle"
    spec = pickle.loads(spec_file.read_bytes())
    files: list[Path] = spec["files"]
    part = "govcn2019" if args.kind == "notice" else "lawrefbook"
    origin = spec.setdefault("by_hand", {})  # kind -> the original file the edits are made from
    where = args.work / "changed" / args.kind / "by-hand"
    if args.kind not in origin:
        origin[args.kind] = next(f for f in files if part in f.parts and "scale-1" not in f.parts)
    victim = origin[args.kind]
    k = next(i for i, f in enumerate(files) if f == victim or f == where / victim.name)
    files[k] = changed_copy(victim, where, int(time.time()))  # a new sentence each run
    spec_file.write_bytes(pickle.dumps(spec))
    # CPU seconds, not wall: on a shared machine (load 20-40 on 2 cores) the wall clock measures the others
    prof = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
    t0, c0, k0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    if args.top:  # --top 0: no profiler (its overhead doubles the CPU of Python code)
        prof.enable()
    rep = build_site(spec["root"], paths=spec["paths"], files=files, require_sidecar=False, update_lock=False,
                     progress=True)
    prof.disable()
    c1, k1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    own = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    kids = k1.ru_utime + k1.ru_stime - k0.ru_utime - k0.ru_stime
    print(f"build_site {time.perf_counter() - t0:.2f} s wall（cProfile {'开启' if args.top else '关闭'}），CPU 本进程 {own:.2f} s，子进程 {kids:.2f} s，"
          f"load {os.getloadavg()[0]:.1f}；ok={rep.ok}，写出 {rep.pages_written} 个文件，重做 {rep.documents_made} 件")
    print(json.dumps({k: round(v, 2) for k, v in rep.timings.items()}, ensure_ascii=False))
    if args.profile and args.top:
        prof.dump_stats(str(args.profile))
    if args.top:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)
    return 0 if rep.ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1].startswith("--"):
        sys.exit(by_hand(sys.argv[1:]))
    sys.exit(exit_now(main(*sys.argv[1:3])))  # as ``iparchive build`` ends (issue 29)
