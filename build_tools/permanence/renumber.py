"""Redirect suggestions for the day a document is renumbered.

A published clause id (``source_texts/anchors.lock``: doc id, clause id,
fingerprint) may vanish when a source is edited (seed 002 with its section
三、工作进度 deleted: 四 becomes 三, ``s4-1`` becomes ``s3-1``) or when a
parser change reads a document differently (govcn-041's ``title-p30…``
became ``d1…`` when decimal numbering was declared).  ``iparchive redirects
--suggest`` proposes the ``redirects.yml`` entries that keep old links
working, as YAML ready to paste:

* a vanished id whose fingerprint (anchors.fingerprint of its text) is now
  carried by another id -> that id (``指纹相同``), one-to-one;
* failing that, the published text of the vanished id — read from the last
  committed version of the source (``git show HEAD:source_texts/<file>``),
  parsed again and checked against the locked fingerprint — is compared with
  the current clauses by rapidfuzz's ``ratio``; the best match at or above
  ``MIN_SIMILARITY`` wins (``文字相似度 0.93``), one-to-one, best pairs first;
* anything else is listed as a comment (未找到对应条款) for a human.

Ids already redirected in ``redirects.yml``, retired ids (``>new`` in the
lock) and documents not built are left alone.  A locked id that still
exists but whose text moved to another id is only mentioned in a comment:
a redirect cannot start from an id that still exists (anchors.check_anchors).
"""
from __future__ import annotations

import subprocess  # its TimeoutExpired only: the runner starts git
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from rapidfuzz import fuzz

from .anchors import fingerprint
from ..clauses.clauseids import order_key
from ..errors import SourceError
from ..ingest.metadata import load_notice
from ..models import Notice
from ..ingest.office import ToolRunner
from ..clauses.structure import parse_structure

__all__ = ["Suggestion", "suggest_redirects", "format_suggestions", "committed_texts", "MIN_SIMILARITY"]

MIN_SIMILARITY = 0.6
GIT_TIMEOUT = 60  # seconds for one ``git show`` of a committed source


@dataclass
class Suggestion:
    """One proposed entry: ``old`` -> ``new`` (``new`` None: nothing found)."""

    doc_id: str
    old: str
    new: Optional[str]
    reason: str
    exists: bool = False  # the old id still exists (its text moved): a note, never an entry


def suggest_redirects(notices: list[Notice], lock: dict[str, dict[str, str]],
                      redirects: dict[str, dict[str, str]],
                      old_texts: Callable[[Notice], dict[str, str]] = lambda n: {}) -> list[Suggestion]:
    """Suggestions for every vanished locked id of the built ``notices``.

    ``old_texts(notice)``: ``{clause id: published text}`` of the document's
    previous version (e.g. ``committed_texts``); only entries whose
    fingerprint equals the lock's are used."""
    out: list[Suggestion] = []
    for n in notices:
        locked = lock.get(n.id, {})
        red = redirects.get(n.id, {})
        now = {c.id: c for c in n.walk()}
        fps = {cid: fingerprint(c.text) for cid, c in now.items()}
        by_fp: dict[str, list[str]] = {}
        for cid in now:
            by_fp.setdefault(fps[cid], []).append(cid)
        vanished = {cid: fp for cid, fp in locked.items()
                    if not fp.startswith(">") and cid not in now and cid not in red}
        moved = [Suggestion(n.id, cid, None, f"原文（指纹 {fp}）现在在 {'、'.join(by)}；该条款仍存在，不能重定向",
                            True)
                 for cid, fp in sorted(locked.items(), key=lambda kv: order_key(kv[0]))
                 if cid in now and fps[cid] != fp and (by := [c for c in by_fp.get(fp, []) if c != cid])]
        out.extend(moved)
        if not vanished:
            continue
        # targets: current ids not holding their own published text
        free = {cid for cid in now if locked.get(cid) != fps[cid]}
        found: dict[str, Suggestion] = {}
        for old, fp in sorted(vanished.items()):
            cands = [c for c in by_fp.get(fp, []) if c in free]
            if len(cands) == 1:
                found[old] = Suggestion(n.id, old, cands[0], "指纹相同")
                free.discard(cands[0])
        rest = [old for old in vanished if old not in found]
        if rest:
            texts = {cid: t for cid, t in old_texts(n).items() if cid in vanished and fingerprint(t) == vanished[cid]}
            pairs = []
            for old in rest:
                if old not in texts:
                    continue
                for cid in free:
                    score = fuzz.ratio(texts[old], now[cid].text) / 100
                    if score >= MIN_SIMILARITY:
                        pairs.append((-score, old, cid))
            for neg, old, cid in sorted(pairs):
                if old in found or cid not in free:
                    continue
                found[old] = Suggestion(n.id, old, cid, f"文字相似度 {-neg:.2f}")
                free.discard(cid)
        for old in sorted(vanished, key=order_key):
            out.append(found.get(old) or Suggestion(
                n.id, old, None, f"未找到对应条款（原指纹 {vanished[old]}），请人工确定"))
    return out


def format_suggestions(suggestions: list[Suggestion]) -> str:
    """YAML for source_texts/redirects.yml (entries found), comments for the rest."""
    lines = ["# iparchive redirects --suggest：anchors.lock 中已不存在的条款及建议的新条款；",
             "# 请逐条核对后粘贴到 source_texts/redirects.yml"]
    if not any(s.new or not s.exists for s in suggestions):
        lines.append("# 没有已发布的条款消失，无需重定向")
    doc = None
    for s in suggestions:
        if s.doc_id != doc:
            doc = s.doc_id
            lines.append(f"{doc}:" if any(x.doc_id == doc and x.new for x in suggestions) else f"# {doc}:")
        if s.new is None:
            lines.append(f"  # {s.old}{'（仍存在）' if s.exists else ': ?'}    # {s.reason}")
        else:
            lines.append(f"  {s.old}: {s.new}    # {s.reason}")
    return "\n".join(lines) + "\n"


def committed_texts(root: Path, runner: ToolRunner) -> Callable[[Notice], dict[str, str]]:
    """``old_texts`` for suggest_redirects: each document's clause texts as
    committed at HEAD in the git repository at ``root`` (``{}`` when the file is
    not committed or git is missing), parsed with its current sidecar.
    ``runner`` (``office.ToolRunner``; the CLI passes ``build.tools.run_tool``)
    starts git, and the converters an old DOC/WPS version needs."""
    root = Path(root)

    def texts(n: Notice) -> dict[str, str]:
        rel = f"source_texts/{n.source_file}"
        try:
            shown = runner(["git", "-C", str(root), "show", f"HEAD:{rel}"], timeout=GIT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):  # git missing or stuck
            return {}
        if shown.returncode != 0:  # not committed, or not a repository
            return {}
        old = shown.stdout
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / n.source_file
            copy.write_bytes(old)
            side = root / "source_texts" / Path(n.source_file).with_suffix(".yml")
            try:
                old_n = load_notice(copy, side if side.exists() else None, runner=runner)
            except SourceError:
                return {}
        res = parse_structure(old_n.body, old_n.kind, old_n.title)
        return {c.id: c.text for c in res.walk()}

    return texts
