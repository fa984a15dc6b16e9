"""The import graph of build_tools/, search/ and benchmarks/, read with the stdlib ``ast``.

Rules pinned here (issue 17, "a house a newcomer can change"):

- no import cycle between modules, counting imports at module level AND
  inside functions (an import hidden in a function still makes a cycle);
  ``if TYPE_CHECKING:`` imports are not run and do not count;
- no underscored name imported from another module (``from .index import
  _read_meta``); dunder names (``__version__``) are fine;
- every import inside a function carries a one-line comment saying why, on
  its line or on the line above (``# jieba stays out of the query process``);
  ``noqa`` / ``type: ignore`` markers are not reasons;
- no ``sys.path.insert`` in tests (pyproject's pytest ``pythonpath`` and the
  installed package make the project importable).

And the house rules of issue 24, over build_tools/, search/ and benchmarks/:

- the benchmarks live in benchmarks/, outside the package, and nothing in
  build_tools/ or search/ imports them;
- the environment is read in ``ENV_READERS`` only (``settings.py``: every
  variable declared once, read when used); writing a variable for a child
  process (``siteurl.SiteUrlAction``) is not a read;
- processes and threads are started only at the sites of ``LAUNCHES``
  (subprocess, multiprocessing, os.fork, threading, concurrent.futures),
  a list that only shrinks: a new one goes through ``build/schedule.py``
  (a call beside, ``fork_map``, ``pool_map``, ``thread_beside``,
  ``start_thread``) or ``build/tools.py`` (``run_tool``, every external
  program), or is added here with a reason in review; forks, pools and
  executors start in ``build_tools/build/`` only; a stage that needs an
  external program receives the runner as a parameter.
- the layers (rule ``layer``): the stages (ingest and clauses modules,
  enrich/, render/, model/, every leaf) and search/ import nothing from
  ``build/`` (caches, cores) or ``publish/`` (MkDocs, Pagefind, link check,
  swap); so no module of render/ imports publish/; publish/ takes from
  build/ only its launchers (``PUBLISH_FROM_BUILD``); only the orchestrators
  (``build/``, ``pipeline``, ``cli``) and the benchmarks import both;
- the MkDocs child (``python -m build_tools.publish.mkdocs_run``) loads
  neither render/, build/ nor search/; build_tools/write/ is gone.

``ALLOWED`` lists known violations, each with its reason: a violation not in
it fails, and so does an entry that is no longer a violation.
"""
from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("build_tools", "search", "benchmarks")
PACKAGE = ("build_tools", "search")  # what is installed; the benchmarks stand beside it
# a comment that is only a tool marker is not a reason
MARKER = re.compile(r"^(?:noqa(?::[\sA-Z0-9,]*)?|type:\s*ignore(?:\[[^\]]*\])?|pragma:.*|nosec|pylint:.*)$", re.I)


@dataclass(frozen=True)
class Edge:
    """One import statement of a project module by a project module."""

    source: str  # importing module, dotted
    target: str  # imported module, dotted
    path: str  # file of the importing module, relative to ROOT
    line: int
    function: str | None  # enclosing function (qualified) or None at module level


@dataclass(frozen=True)
class Violation:
    rule: str  # "cycle" | "private" | "function-import"
    key: tuple  # stable across line shifts (no line numbers)
    where: str  # file:line for the message
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.detail}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under the packages."""
    out = {}
    for pkg in packages:
        for p in sorted((root / pkg).rglob("*.py")):
            if ".venv" not in p.parts:
                out[module_name(p, root)] = p
    return out


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """Absolute dotted name of ``from <node.module> import …`` in ``module``."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def comments(source: str) -> dict[int, str]:
    """Line -> comment text (without ``#``) of every comment in ``source``."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def has_reason(text: str | None) -> bool:
    """A comment that says something, not only ``noqa`` / ``type: ignore``."""
    if not text:
        return False
    parts = [p.strip() for p in re.split(r"[;#]", text) if p.strip()]
    return any(not MARKER.match(p) and re.search(r"\w{2,}", p) for p in parts)


class Walker(ast.NodeVisitor):
    """Collects every import with its enclosing function; skips TYPE_CHECKING blocks."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.imports: list[tuple[ast.AST, str | None]] = []

    def visit_FunctionDef(self, node) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else None
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.imports.append((node, ".".join(self.stack) or None))

    visit_ImportFrom = visit_Import


@dataclass
class Graph:
    edges: list[Edge]
    violations: list[Violation]


def analyse(root: Path = ROOT, packages=PACKAGES) -> Graph:
    files = project_files(root, packages)
    edges: list[Edge] = []
    found: list[Violation] = []
    for module, path in files.items():
        source = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(source, filename=rel)
        notes = comments(source)
        walker = Walker()
        walker.visit(tree)
        modules: dict[str, str] = {}  # local name -> project module it is bound to
        # a function-level import is inside a def: the innermost def names it
        defs = {n.lineno: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node, scope in walker.imports:
            in_function = scope is not None and any(
                d.lineno <= node.lineno <= d.end_lineno for d in defs.values()
            )
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names]
            else:
                base = resolve(node, module, path.name == "__init__.py")
                targets = []
                for a in node.names:
                    sub = f"{base}.{a.name}" if base else a.name
                    # ``from . import tokenizer``: the target is the submodule
                    targets.append((sub if sub in files else base, a.name))
                    if a.name.startswith("_") and not a.name.startswith("__") and base != "__future__":
                        found.append(Violation(
                            "private", (rel, base, a.name), f"{rel}:{node.lineno}",
                            f"imports the underscored name {a.name} from {base}: make it public there"))
            for (target, name), alias in zip(targets, node.names):
                if target in files and target != module and (name is None or target.endswith("." + name)):
                    # a module bound to a name: ``from . import tokenizer as tk``, ``import search.index as si``
                    if name is not None or alias.asname:
                        modules[alias.asname or name] = target
            for target, _ in targets:
                if target.split(".")[0] in packages and target != module:
                    # ``import build_tools.x.y`` names the module itself
                    while target not in files and "." in target:
                        target = target.rsplit(".", 1)[0]
                    if target in files and target != module:
                        edges.append(Edge(module, target, rel, node.lineno, scope if in_function else None))
            if in_function:
                # a comment on the import's own line(s), or a comment line just above it
                own = [notes[i] for i in range(node.lineno, (node.end_lineno or node.lineno) + 1) if i in notes]
                reason = " ".join(own) or None
                if reason is None and node.lineno - 1 in notes:
                    above = source.splitlines()[node.lineno - 2].lstrip()
                    reason = notes[node.lineno - 1] if above.startswith("#") else None
                if not has_reason(reason):
                    names = ", ".join(a.name for a in node.names)
                    what = names if isinstance(node, ast.Import) else f"{names} from {'.' * node.level}{node.module or ''}"
                    found.append(Violation(
                        "function-import", (rel, scope, what), f"{rel}:{node.lineno}",
                        f"import inside {scope}() without a comment saying why: {what} "
                        "(hoist it to the top of the module, or add '# <reason>' on its line)"))
        for node in ast.walk(tree):  # ``tk._private`` on an imported project module
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                target = modules[node.value.id]
                found.append(Violation(
                    "private", (rel, target, node.attr), f"{rel}:{node.lineno}",
                    f"uses the underscored name {node.value.id}.{node.attr} of {target}: make it public there"))
    for comp, cycle in cycles(edges):
        ring = " -> ".join(cycle + [cycle[0]])
        lines = []
        for a, b in zip(cycle, cycle[1:] + cycle[:1]):
            e = next(e for e in edges if e.source == a and e.target == b)
            lines.append(f"{e.path}:{e.line}" + (f" (in {e.function}())" if e.function else ""))
        found.append(Violation("cycle", tuple(comp), lines[0],
                               f"import cycle {ring}; edges at " + ", ".join(lines)
                               + (f" (tangle of {len(comp)} modules: {', '.join(comp)})" if len(comp) > len(cycle) else "")))
    return Graph(edges, found + layer_violations(edges, packages[0]))


# --- issue 24: the layers ----------------------------------------------------------------------------------------
# what may import build/ and publish/ (relative to the house package): they run the stages, the build and publishing
ORCHESTRATORS = ("build", "pipeline", "cli")
PUBLISH_FROM_BUILD = ("build.schedule", "build.tools")  # publish/ starts its children and threads beside the build through these


def within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_violations(edges: list[Edge], house: str = "build_tools") -> list[Violation]:
    """One violation per (file, imported module) that crosses a layer (see
    the module doc); the benchmarks stand outside the house."""
    build, publish = f"{house}.build", f"{house}.publish"
    orchestrators = tuple(f"{house}.{m}" for m in ORCHESTRATORS)
    launchers = tuple(f"{house}.{m}" for m in PUBLISH_FROM_BUILD)
    out: dict[tuple, Violation] = {}
    for e in edges:
        if e.source.startswith("benchmarks.") or within(e.source, orchestrators):
            continue
        if within(e.target, (build,)):
            if within(e.source, (publish,)):
                if within(e.target, launchers):
                    continue
                why = "publish/ takes from build/ only its launchers (PUBLISH_FROM_BUILD)"
            else:
                why = "a stage imports nothing from build/ (caches, forks): the build passes in what it needs"
        elif within(e.target, (publish,)) and not within(e.source, (publish,)):
            why = "a stage never publishes: only build/, pipeline and cli import publish/"
        else:
            continue
        key = (e.path, e.target)
        out.setdefault(key, Violation("layer", key, f"{e.path}:{e.line}", f"{e.source} imports {e.target}: {why}"))
    return list(out.values())


def cycles(edges: list[Edge]) -> list[tuple[list[str], list[str]]]:
    """(modules, one shortest cycle) per strongly connected component (Tarjan),
    so each tangle is reported once with a path a reader can follow."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    out = []
    for comp in comps:
        members = set(comp)
        best: list[str] | None = None
        for start in comp:  # breadth-first: shortest way back to start
            prev = {start: None}
            queue = [start]
            done = None
            while queue and done is None:
                nxt = []
                for v in queue:
                    for w in sorted(graph[v] & members):
                        if w == start:
                            done = v
                            break
                        if w not in prev:
                            prev[w] = v
                            nxt.append(w)
                    if done is not None:
                        break
                queue = nxt
            if done is not None:
                path = [done]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                path.reverse()
                if best is None or len(path) < len(best):
                    best = path
        out.append((comp, best))
    return out


# Known violations as (rule, *Violation.key) -> the reason it stands and what removes it.  The list only
# shrinks: an entry that is no longer a violation fails the test too.
ALLOWED: dict[tuple, str] = {}  # empty since the build passes enrich its schedule (issue 24)


def test_every_import_rule_holds_or_is_allowed():
    """No new cycle, underscored import or unexplained function-level import
    anywhere in build_tools/, search/ and benchmarks/ (the list of old ones only shrinks)."""
    graph = analyse()
    new = [v for v in graph.violations if (v.rule, *v.key) not in ALLOWED]
    stale = set(ALLOWED) - {(v.rule, *v.key) for v in graph.violations}
    msg = []
    if new:
        msg.append(f"{len(new)} import rule violation(s):\n" + "\n".join(map(str, new)))
    if stale:
        msg.append("fixed, delete from ALLOWED in tests/test_imports.py:\n" + "\n".join(map(repr, sorted(stale))))
    assert not msg, "\n\n".join(msg)


def test_the_graph_sees_the_real_package():
    """The analysis reads the real modules: the enrich stage imports the
    vocabulary leaf, the CLI imports the pipeline, and there are imports inside
    functions (the search CLI keeps jieba out of the query process)."""
    graph = analyse()
    pairs = {(e.source, e.target) for e in graph.edges}
    assert ("build_tools.enrich.themes", "build_tools.vocabulary") in pairs
    assert ("build_tools.cli", "build_tools.pipeline") in pairs
    assert any(e.function for e in graph.edges)
    assert len({e.source for e in graph.edges}) >= 30
    # issue 24's layers: the orchestrator runs render/, publishing writes Pagefind's pages with render/
    assert ("build_tools.build.render", "build_tools.render.pages") in pairs
    assert ("build_tools.publish.site", "build_tools.render.search_pages") in pairs
    assert ("build_tools.publish.site", "build_tools.build.schedule") in pairs
    assert all(ALLOWED.values())  # every known violation says why it stands


def write_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def rules(root: Path) -> dict[str, list[Violation]]:
    out: dict[str, list[Violation]] = {}
    for v in analyse(root, ("pkg",)).violations:
        out.setdefault(v.rule, []).append(v)
    return out


def test_a_cycle_through_a_function_import_fails(tmp_path):
    """a imports b at module level, b imports a inside a function (with a
    reason): still a cycle, reported with both edges."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from .b import g\n",
        "pkg/b.py": "def g():\n    from .a import x  # late: a imports b\n    return x\n",
        "pkg/c.py": "from pkg import a\n",
    })
    got = rules(root)
    assert set(got) == {"cycle"}
    (v,) = got["cycle"]
    assert v.key == ("pkg.a", "pkg.b")
    assert "pkg/a.py:1" in v.detail and "pkg/b.py:2 (in g())" in v.detail


def test_type_checking_imports_make_no_cycle(tmp_path):
    """``if TYPE_CHECKING:`` imports (models.py -> errors.py) are never run."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n",
        "pkg/b.py": "from .a import A\n",
    })
    assert rules(root) == {}


def test_an_underscored_import_fails(tmp_path):
    """``from .index import _read_meta`` (search/query.py before issue 17)."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/index.py": "def _read_meta():\n    pass\n",
        "pkg/query.py": "from .index import __doc__, _read_meta\n",
    })
    got = rules(root)
    assert [v.key for v in got["private"]] == [("pkg/query.py", "pkg.index", "_read_meta")]


def test_an_underscored_attribute_of_an_imported_module_fails(tmp_path):
    """``tk._segment(...)`` after ``from . import tokenizer as tk`` is the same
    reach into another module's private name."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/tokenizer.py": "def _segment(s):\n    return s\n",
        "pkg/query.py": "from . import tokenizer as tk\n\ndef q(s):\n    return tk._segment(s), tk.__name__\n",
    })
    got = rules(root)
    assert [(v.key, v.where) for v in got["private"]] == [(("pkg/query.py", "pkg.tokenizer", "_segment"), "pkg/query.py:4")]


def test_a_function_import_needs_a_reason(tmp_path):
    """A comment on the line or the line above is a reason; ``noqa`` alone,
    or a comment ending the code line above, is not."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/leaf.py": "X = 1\n",
        "pkg/a.py": (
            "def ok():\n    import json  # only the export needs json\n"
            "def ok_above():\n    # jieba stays out of the query process\n    from . import leaf\n"
            "def bare():\n    from .leaf import X\n"
            "def marker():\n    import json  # noqa: F401\n"
            "def code_above():\n    y = 1  # one\n    import json\n"
            "def multi_line():\n    from .leaf import (\n        X,\n    )  # only this function needs X\n"
            "class K:\n    def m(self):\n        import os\n"
        ),
    })
    got = rules(root)
    assert set(got) == {"function-import"}
    assert sorted(v.key[1] for v in got["function-import"]) == ["K.m", "bare", "code_above", "marker"]


def test_the_layers_hold_in_a_tree_that_crosses_them(tmp_path):
    """A render module that takes the page cache from build/ or calls the link
    check of publish/, an enrich module that forks inside a function, a leaf
    that publishes and publish/ reaching into build/'s store each fail; the
    orchestrators, publish/'s launcher, publish/ using render/, and an
    ``if TYPE_CHECKING`` import do not."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "", "pkg/models.py": "X = 1\n",
        "pkg/build/__init__.py": "", "pkg/build/store.py": "M = 1\n", "pkg/build/schedule.py": "F = 1\n",
        "pkg/build/render.py": "from ..render import pages\nfrom ..publish import site\nfrom .store import M\n",
        "pkg/render/__init__.py": "",
        "pkg/render/pages.py": ("from typing import TYPE_CHECKING\nfrom ..models import X\nfrom ..build.store import M\n"
                                "from ..publish.linkcheck import L\nif TYPE_CHECKING:\n    from ..build.schedule import F\n"),
        "pkg/enrich/__init__.py": "",
        "pkg/enrich/doccache.py": "def run():\n    from ..build.schedule import F  # the fork\n    return F\n",
        "pkg/publish/__init__.py": "", "pkg/publish/linkcheck.py": "L = 1\n",
        "pkg/publish/site.py": "from ..build.schedule import F\nfrom ..build.store import M\nfrom ..render import pages\n",
        "pkg/read.py": "from .publish import site\n",
        "pkg/pipeline.py": "from .build import render\nfrom .publish import site\n",
        "pkg/cli.py": "from .publish.linkcheck import L\n",
    })
    got = rules(root)
    assert set(got) == {"layer"}
    assert sorted(v.key for v in got["layer"]) == [
        ("pkg/enrich/doccache.py", "pkg.build.schedule"), ("pkg/publish/site.py", "pkg.build.store"),
        ("pkg/read.py", "pkg.publish.site"),
        ("pkg/render/pages.py", "pkg.build.store"), ("pkg/render/pages.py", "pkg.publish.linkcheck")]
    (fork,) = [v for v in got["layer"] if v.key[0] == "pkg/enrich/doccache.py"]
    assert fork.where == "pkg/enrich/doccache.py:2" and "passes in" in fork.detail


def test_the_mkdocs_child_loads_neither_render_build_nor_search():
    """``python -m build_tools.publish.mkdocs_run`` runs in every build: its
    import loads MkDocs' runner and leaf modules only (publish/__init__
    imports nothing), never the render stage, the build or the search
    backends (``build_tools.write``'s package import once cost it 0.7 s)."""
    code = "import sys, build_tools.publish.mkdocs_run; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = [m for m in out.stdout.split() if m.split(".")[0] in ("build_tools", "search", "mkdocs", "jieba")]
    assert "build_tools.publish.mkdocs_run" in loaded
    heavy = [m for m in loaded if within(m, ("build_tools.render", "build_tools.build", "search", "mkdocs", "jieba"))
             or (within(m, ("build_tools.publish",)) and m not in ("build_tools.publish", "build_tools.publish.mkdocs_run"))]
    assert not heavy, heavy


def test_the_write_package_is_gone():
    """Issue 24 split build_tools/write/ into render/ and publish/ (and the
    orchestrator and page cache into build/): a module added there since, by
    a branch merged later, has to move too."""
    assert not list((ROOT / "build_tools" / "write").glob("*.py"))
    assert (ROOT / "build_tools" / "render" / "pages.py").is_file()
    assert (ROOT / "build_tools" / "publish" / "mkdocs_run.py").is_file()


def test_tests_do_not_touch_sys_path():
    """Tests import the installed package (pyproject ``pythonpath``), never
    ``sys.path.insert``."""
    offenders = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in sorted((ROOT / "tests").rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"sys\.path\.(insert|append)", line) and p.name != "test_imports.py"
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("text,ok", [
    ("jieba stays out of the query process", True),
    ("noqa: E402", False),
    ("type: ignore", False),
    ("type: ignore  # optional dependency", True),
    ("", False),
])
def test_what_counts_as_a_reason(text, ok):
    """The reason test used by the function-import rule."""
    assert has_reason(text) is ok


def test_a_search_package_that_fails_to_import_is_a_clear_error(tmp_path):
    """``iparchive`` with a broken ``search`` package (here one that raises
    ImportError, first on the path): ``--help`` and the other commands still
    work, ``iparchive search`` says why in Chinese and exits 2 — the command is
    never silently missing."""
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "__init__.py").write_text("raise ImportError('模拟的损坏')\n", encoding="utf-8")

    def iparchive(*args: str) -> subprocess.CompletedProcess:
        code = f"import sys; from build_tools.cli import main; sys.exit(main({list(args)!r}))"
        return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)

    broken = iparchive("search", "专利")
    assert broken.returncode == 2
    assert "iparchive search 无法使用" in broken.stderr and "ImportError: 模拟的损坏" in broken.stderr
    assert "Traceback" not in broken.stderr
    helped = iparchive("--help")
    assert helped.returncode == 0 and "search" in helped.stdout and "检索模块无法加载" in helped.stdout
    assert iparchive("parse", "--help").returncode == 0
    real = subprocess.run([sys.executable, "-m", "build_tools.cli", "search", "--help"], cwd=ROOT,
                          capture_output=True, text=True)
    assert real.returncode == 0 and "--region" in real.stdout  # the real one is there


# --- issue 24: benchmarks outside the package, one reader of the environment, known launch sites ----------------

def test_the_benchmarks_live_outside_the_package():
    """bench.py, bench_search.py, bench_rebuild.py are in benchmarks/; no
    module of build_tools/ or search/ is a benchmark or imports one (a
    benchmark at the top of the package's import graph re-made every page
    when its docstring changed)."""
    assert {p.name for p in (ROOT / "benchmarks").glob("bench*.py")} == {"bench.py", "bench_search.py", "bench_rebuild.py"}
    assert not [p for pkg in PACKAGE for p in (ROOT / pkg).rglob("bench*.py")]
    graph = analyse()
    assert any(e.source.startswith("benchmarks.") for e in graph.edges)  # the analysis reads them
    into = [f"{e.path}:{e.line}" for e in graph.edges if e.target.startswith("benchmarks") and not e.source.startswith("benchmarks")]
    assert not into, into


def environment_reads(root: Path = ROOT, packages=PACKAGES) -> dict[str, list[int]]:
    """File -> lines where it reads the environment: ``os.environ`` in any
    use but the target of an assignment or ``del`` (``os.environ[k] = v``),
    ``os.getenv``/``os.environb``, or ``from os import environ/getenv``."""
    out: dict[str, list[int]] = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            written = {id(t.value) for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign, ast.Delete))
                       for t in (n.targets if isinstance(n, (ast.Assign, ast.Delete)) else [n.target])
                       if isinstance(t, ast.Subscript)}
            lines = []
            for n in ast.walk(tree):
                if (isinstance(n, ast.Attribute) and n.attr in ("environ", "environb", "getenv", "getenvb")
                        and isinstance(n.value, ast.Name) and n.value.id == "os" and id(n) not in written):
                    lines.append(n.lineno)
                elif isinstance(n, ast.ImportFrom) and n.module == "os" and any(
                        a.name in ("environ", "environb", "getenv", "getenvb") for a in n.names):
                    lines.append(n.lineno)
            if lines:
                out[rel] = sorted(lines)
    return out


ENV_READERS = {"build_tools/settings.py"}  # at most two modules (issue 24); today one


def test_the_environment_is_read_in_settings_only():
    """Every environment variable is declared and read in settings.py (before
    issue 24: 12 modules read os.environ); the others call settings.env."""
    readers = environment_reads()
    assert set(readers) == ENV_READERS, {k: v for k, v in readers.items() if k not in ENV_READERS}
    assert len(ENV_READERS) <= 2


def test_what_counts_as_reading_the_environment(tmp_path):
    """Reads: .get, a subscript, a copy, ``in``, os.getenv, ``from os import
    environ``; a write for a child process is not a read."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/get.py": "import os\nX = os.environ.get('A')\n",
        "pkg/sub.py": "import os\ndef f():\n    return os.environ['A']\n",
        "pkg/copy.py": "import os\nENV = dict(os.environ, B='1')\n",
        "pkg/has.py": "import os\nY = 'A' in os.environ\n",
        "pkg/getenv.py": "import os\nZ = os.getenv('A')\n",
        "pkg/named.py": "from os import environ\n",
        "pkg/write.py": "import os\ndef f(url):\n    os.environ['A'] = url\n    del os.environ['B']\n",
    })
    assert set(environment_reads(root, ("pkg",))) == {f"pkg/{m}.py" for m in ("get", "sub", "copy", "has", "getenv", "named")}


LAUNCHERS = {"Popen", "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput",  # subprocess
             "Process", "Pool", "Thread", "Timer", "ThreadPoolExecutor", "ProcessPoolExecutor",  # pools and threads
             "fork", "forkpty", "system", "posix_spawn", "posix_spawnp", "spawnv", "spawnvp", "popen"}  # os
LAUNCH_MODULES = ("subprocess", "multiprocessing", "threading", "concurrent.futures", "os")


def dotted(node: ast.AST) -> str:
    """``a.b.c`` of a call's function; a call inside the chain is ``f()``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else dotted(node.func) + "()" if isinstance(node, ast.Call) else "?")
    return ".".join(reversed(parts))


def launch_sites(root: Path = ROOT, packages=PACKAGES) -> Counter:
    """(file, enclosing function, what is launched) -> how many calls there.
    A call counts when its name, with the file's imports resolved, is one
    of ``LAUNCHERS`` under a launching module (``subprocess.Popen``,
    ``multiprocessing.get_context("fork").Pool``, ``ThreadPoolExecutor``
    imported by name), or a ``Process``/``Pool``/``Thread``/executor of a
    context held in a variable (``ctx.Process``)."""
    out: Counter = Counter()
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names: dict[str, str] = {}
            for n in ast.walk(tree):
                if isinstance(n, ast.Import):
                    for a in n.names:
                        names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
                elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
                    for a in n.names:
                        names[a.asname or a.name] = f"{n.module}.{a.name}"

            def visit(node: ast.AST, scope: list[str]) -> None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        visit(child, scope + [child.name])
                        continue
                    if isinstance(child, ast.Call):
                        head, _, rest = dotted(child.func).partition(".")
                        full = names.get(head, head) + ("." + rest if rest else "")
                        last = full.rsplit(".", 1)[-1]
                        if last in LAUNCHERS and (full.startswith(tuple(m + "." for m in LAUNCH_MODULES))
                                                  or last in ("Process", "Pool", "Thread", "ThreadPoolExecutor",
                                                              "ProcessPoolExecutor")):
                            out[(rel, ".".join(scope) or "<module>", full)] += 1
                    visit(child, scope)

            visit(tree, [])
    return out


# Every place a process or thread is started, as (file, function, call): count.  It only shrinks.  Issue 24:
# build_tools/build/ is the one package that starts processes and threads.  schedule.py is the build's own
# parallelism: Forked (a call beside: related documents, the listing half, the CLI index job, the search pages),
# fork_map (a map over both cores: each document's enrichment and pages), pool_map (the load stage's workers),
# thread_beside (archive.json), start_thread (publishing's site copy and old-site removal, the preview server).
# tools.py's start_tool (and run_tool on it) starts every external program (LibreOffice, pdftoppm and tesseract
# for office.py, git for renumber.py, MkDocs for publish.py); the stages receive run_tool as a parameter and
# import nothing from build/.  Outside it: Pagefind in write/mkbuild.py (to move to start_tool / start_thread)
# and the benchmarks.
LAUNCHES = {
    ("build_tools/build/schedule.py", "Forked.start", "ctx.Process"): 1,
    ("build_tools/build/schedule.py", "fork_map", "multiprocessing.get_context().Pool"): 1,
    ("build_tools/build/schedule.py", "pool_map", "concurrent.futures.ProcessPoolExecutor"): 1,
    ("build_tools/build/schedule.py", "thread_beside", "concurrent.futures.ThreadPoolExecutor"): 1,
    ("build_tools/build/schedule.py", "start_thread", "threading.Thread"): 1,
    ("build_tools/build/tools.py", "start_tool", "subprocess.Popen"): 1,
    ("benchmarks/bench.py", "search_latency", "subprocess.run"): 1,
    ("benchmarks/bench.py", "PeakSampler.__init__", "threading.Thread"): 1,
    ("benchmarks/bench.py", "rebuild_rounds", "subprocess.run"): 1,
}
SCHEDULE = "build_tools/build/"  # where the build's own processes, pools and forks start


def test_processes_and_threads_start_only_at_the_known_sites():
    """No new launch site (a fork, pool, thread or child process) appears
    outside ``LAUNCHES``, and a site that is gone is struck from it."""
    found = launch_sites()
    new = {k: v for k, v in found.items() if v > LAUNCHES.get(k, 0)}
    gone = {k: v for k, v in LAUNCHES.items() if found.get(k, 0) < v}
    assert not new, f"new launch sites (go through build_tools/build/schedule.py, or list them with a reason): {new}"
    assert not gone, f"fewer launches than listed: lower or delete these LAUNCHES entries: {gone}"


def test_the_build_forks_and_pools_only_in_the_build_package():
    """Issue 24: a fork, a process pool, a ``multiprocessing`` process or an
    executor is started only in ``build_tools/build/`` (the two-core
    schedule), never a second scheduler; inside it the schedule starts no
    external program and every external program starts in ``build/tools.py``;
    outside it only Pagefind's launches in write/mkbuild.py and the
    benchmarks remain."""
    own = ("multiprocessing.", "concurrent.futures.", "os.fork", "ctx.")
    outside = {k for k in launch_sites() if not k[0].startswith(SCHEDULE)
               and (k[2].startswith(own) or k[2].endswith(("Pool", "Process", "Executor")))}
    assert outside == set()
    inside = {k for k in launch_sites() if k[0].startswith(SCHEDULE)}
    programs = {k for k in inside if k[2].startswith(("subprocess.", "os.system", "os.popen"))}
    assert inside and {k[0] for k in programs} == {SCHEDULE + "tools.py"}
    rest = {k[0] for k in launch_sites() if not k[0].startswith(SCHEDULE)}
    assert rest <= {"benchmarks/bench.py"}


def test_what_counts_as_a_launch(tmp_path):
    """Module calls, a context's pool, a context in a variable, a name
    imported from concurrent.futures, os.fork; not ``subprocess``'s
    constants or a method that happens to be called ``run``."""
    root = write_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": (
            "import multiprocessing, os, subprocess, threading\n"
            "from concurrent.futures import ThreadPoolExecutor as TPE\n"
            "def f(job):\n"
            "    subprocess.run(['true'], stdout=subprocess.DEVNULL)\n"
            "    multiprocessing.get_context('fork').Pool(2)\n"
            "    ctx = multiprocessing.get_context('fork')\n"
            "    ctx.Process(target=print)\n"
            "    TPE(1)\n"
            "    job.run()\n"
            "    os.fork()\n"
            "class K:\n"
            "    def m(self):\n"
            "        threading.Thread(target=print).start()\n"
        ),
    })
    assert launch_sites(root, ("pkg",)) == Counter({
        ("pkg/a.py", "f", "subprocess.run"): 1, ("pkg/a.py", "f", "multiprocessing.get_context().Pool"): 1,
        ("pkg/a.py", "f", "ctx.Process"): 1, ("pkg/a.py", "f", "concurrent.futures.ThreadPoolExecutor"): 1,
        ("pkg/a.py", "f", "os.fork"): 1, ("pkg/a.py", "K.m", "threading.Thread"): 1})
