"""One rebuild of ``make bench``'s work directory in a process of its own,
as a user's ``make site`` (``iparchive build``) runs one: the interpreter's
start, the imports and the build, and nothing left in memory by the full
build before it.  ``bench.rebuild_rounds`` times it from outside.

Usage (by the bench only): ``python -m benchmarks.bench_rebuild SPEC OUT``:
SPEC a pickle of {"root", "paths" (pipeline.Paths), "files"}; OUT gets the
report as JSON (timings, pages written, documents made, errors).
"""
from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path


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


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
