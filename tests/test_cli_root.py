"""``iparchive`` works on the archive it stands in (issue 27): the current
directory or its nearest parent holding ``mkdocs.yml`` and ``source_texts/``,
``--root`` over both; it says so when that is not the archive it was
installed from.  ``iparchive add`` and ``build`` run inside a second archive
(a copy of this one's tracked files) changed the first one before."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.cli import archive_root, find_archive
from conftest import GOVCN, ROOT
from support.archive_copy import copy_archive

SITE_URL = "https://second.example.org/ipa"


def _digests(root: Path) -> dict[str, str]:
    """Every file of the archive but the virtualenv, git's own files and bytecode."""
    out = {}
    for d, dnames, fnames in os.walk(root):
        rel = Path(d).relative_to(root)
        if rel == Path("."):
            dnames[:] = [x for x in dnames if x not in (".venv", ".git")]
        dnames[:] = [x for x in dnames if x != "__pycache__"]
        for f in fnames:
            p = Path(d) / f
            if p.is_file() and not p.is_symlink():
                out[str(rel / f)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _cli(*args, cwd: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("IPARCHIVE_SITE_URL", "IPARCHIVE_INDEX")}
    # the installed command (as a user runs it), not ``python -m``, which would import the copy's own code
    return subprocess.run([str(Path(sys.executable).parent / "iparchive"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=540)


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> Path:
    """A second archive: this repository's tracked files, copied."""
    return copy_archive(tmp_path_factory.mktemp("second") / "archive")


def test_the_archive_is_found_from_any_folder_inside_it(second, tmp_path):
    assert find_archive(second / "source_texts") == second.resolve()
    assert find_archive(second / "build_tools" / "render") == second.resolve()
    assert find_archive(tmp_path) is None
    assert archive_root(None, cwd=second / "docs") == (second.resolve(), "当前目录")
    assert archive_root(str(second), cwd=tmp_path)[0] == second.resolve()
    assert archive_root(None, cwd=tmp_path)[1] == "安装位置"
    with pytest.raises(ValueError, match="不是文库目录"):
        archive_root(str(tmp_path / "nowhere"))
    rc = _cli("--root", str(tmp_path / "nowhere"), "check", cwd=ROOT)
    assert rc.returncode == 3 and "不是文库目录" in rc.stderr and "Traceback" not in rc.stderr


def test_add_and_build_in_a_second_archive_leave_the_first_untouched(second):
    """``add`` from source_texts/ of the copy, ``build --site-url`` and
    ``search`` from its root: the copy changes, not one byte of this archive
    does; search prints the copy's canonical links (the build's site_url,
    which mkdocs.yml does not carry)."""
    before = _digests(ROOT)
    page = sorted(GOVCN.glob("*.html"))[0]
    add = _cli("add", str(page), cwd=second / "source_texts")
    assert add.returncode == 0, add.stderr
    assert f"文库：{second.resolve()}" in add.stderr
    assert (second / "source_texts" / page.name).read_bytes() == page.read_bytes()
    assert (second / "source_texts" / page.with_suffix(".yml").name).is_file()
    new_id = next(line for line in add.stdout.splitlines() if "id:" in line).split("id: ")[1].split("）")[0]

    build = _cli("build", "--quiet", "--site-url", SITE_URL, cwd=second)
    assert build.returncode in (0, 1), build.stderr[-2000:]
    assert (second / "site" / "notices" / f"{new_id}.html").is_file()
    assert json.loads((second / "search" / "index" / "iparchive-site.json").read_text("utf-8")) == {"site_url": SITE_URL}

    found = _cli("search", "知识产权", "--json", "--limit", "50", cwd=second / "docs")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert hits and all(h["url"].startswith(SITE_URL + "/notices/") for h in hits)
    assert any(h["url"].startswith(f"{SITE_URL}/notices/{new_id}.html") for h in hits) or \
        json.loads(found.stdout)["total"] > 50
    assert _digests(ROOT) == before
