"""The clause engine's output is a fixed point of its refactors (issue 24, item 3).

Every real document — the seeds, govcn2019, provincial, sites2, the
attachment corpus (pages and their PDF/DOCX/DOC/WPS files), every lawrefbook
title held in more than one version and a fixed sample of 300 other laws —
is read once with the current reader; its body, kind and title are then
parsed by the current ``structure.parse_structure`` and by the one of
``REFERENCE`` (the commit before the engine was rewritten, extracted with
``git archive`` and run in a subprocess).  The clause trees (id, label, kind,
level, number, line, text, children) and the warnings (sorted: a duplicate
id is now found after placement, in the id pass) must be identical.

Feeding both engines the same bodies keeps the check about the engine alone:
reader changes of other branches move both sides together.
"""
from __future__ import annotations

import pickle
import random
import re
import subprocess
import sys
import tarfile
import io
from pathlib import Path

import pytest

from build_tools.errors import SourceError
from build_tools.build.tools import run_tool
from build_tools.ingest.metadata import load_notice
from build_tools.clauses.structure import parse_structure

from conftest import LAWREF, ROOT, SEEDS, SHARED

REFERENCE = "3321e1a"  # main before the clause engine took ids as one pass (issue 24 item 3)
LAW_SAMPLE = 300

# the same source runs here and in the reference subprocess
SERIALIZE = '''
def tree(c):
    return (c.id, c.label, c.kind, c.level, c.number, c.line, c.text, tuple(tree(k) for k in c.children))

def parse_all(parse, inputs):
    out = []
    for body, kind, title in inputs:
        res = parse(body, kind, title)
        out.append((tuple(tree(c) for c in res.clauses), tuple(sorted(res.warnings))))
    return out
'''
_ns: dict = {}
exec(SERIALIZE, _ns)
parse_all = _ns["parse_all"]

RUNNER = SERIALIZE + '''
import pickle, sys
from build_tools.structure import parse_structure  # the reference commit's path (before clauses/)
inputs = pickle.load(open(sys.argv[1], "rb"))
pickle.dump(parse_all(parse_structure, inputs), open(sys.argv[2], "wb"))
'''


def law_files() -> list[Path]:
    """Every lawrefbook title held in several versions, plus LAW_SAMPLE others (fixed seed)."""
    pool = sorted(p for p in LAWREF.rglob("*.md") if p.name != "_index.md")
    by_title: dict[str, list[Path]] = {}
    for p in pool:
        by_title.setdefault(re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", p.stem), []).append(p)
    multi = sorted(p for ps in by_title.values() if len(ps) > 1 for p in ps)
    rest = [p for p in pool if p not in set(multi)]
    random.Random(24).shuffle(rest)
    return multi + rest[:LAW_SAMPLE]


def corpus_files() -> list[Path]:
    corpus = SHARED / "corpus"
    files = sorted(p for p in SEEDS.iterdir() if p.suffix in (".txt", ".md", ".html"))
    for sub in ("govcn2019", "provincial", "sites2"):
        files += sorted((corpus / sub).glob("*.html"))
    files += sorted(p for p in (corpus / "attachments").iterdir() if p.suffix != ".tsv" and p.name != "README.md")
    return files + law_files()


@pytest.fixture(scope="module")
def inputs() -> list[tuple[Path, tuple[str, str, str]]]:
    out = []
    for path in corpus_files():
        try:
            n = load_notice(path, runner=run_tool)  # DOC/WPS through LibreOffice, as the build reads them
        except SourceError:
            continue  # scans without a text layer: nothing to parse
        out.append((path, (n.body, n.kind, n.title)))
    return out


def reference_results(tmp: Path, docs: list[tuple[str, str, str]]) -> list:
    try:
        data = subprocess.run(["git", "-C", str(ROOT), "archive", REFERENCE, "build_tools"],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"reference commit {REFERENCE} not available ({e})")
    tarfile.open(fileobj=io.BytesIO(data)).extractall(tmp)
    (tmp / "in.pkl").write_bytes(pickle.dumps(docs))
    (tmp / "run.py").write_text(RUNNER, encoding="utf-8")
    subprocess.run([sys.executable, "run.py", "in.pkl", "out.pkl"], cwd=tmp, check=True,
                   env={"PYTHONPATH": str(tmp), "PATH": "/usr/bin:/bin"})
    return pickle.loads((tmp / "out.pkl").read_bytes())


def first_difference(a, b, path="") -> str:
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        for k, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{k}]")
    return f"{path}: {str(a)[:200]!r} != {str(b)[:200]!r}"


def test_corpus_is_large_enough(inputs):
    kinds = [k for _, (_, k, _) in inputs]
    assert kinds.count("law") >= LAW_SAMPLE + 150, kinds.count("law")
    assert len(inputs) - kinds.count("law") >= 5 + 43 + 20 + 40 + 20


def test_clause_trees_ids_and_labels_unchanged(inputs, tmp_path):
    docs = [d for _, d in inputs]
    want = reference_results(tmp_path, docs)
    got = parse_all(parse_structure, docs)
    assert len(got) == len(want)
    diffs = [f"{path.name}{first_difference(g, w)}" for (path, _), g, w in zip(inputs, got, want) if g != w]
    assert not diffs, f"{len(diffs)} of {len(docs)} documents differ:\n" + "\n".join(diffs[:10])
    assert sum(len(g[0]) for g in got) > 1000
