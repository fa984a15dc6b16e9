"""Works, versions and legal validity.

A *work* is one instrument; each text of it held in the archive is a *version*
with its own page and permanent id.  Rules (issue 13):

Laws, regulations, interpretations (``kind == "law"``)
    versions share the normalised title (``references.title_key``: 中华人民共和国
    and brackets folded, e.g. 行政复议法(2017-09-01) and 行政复议法(2023-09-01)
    in lawrefbook) and the issuing level (region code); two texts with the same
    version date and different texts are not versions of one another (the
    eight parts of 民法典 share one title and one date) — the later id forms
    its own work; the same text filed twice (广告法(2021-04-29) under 行政法 and
    经济法) and undated files join the work outside the chain
    (``Work.others``).  A work is
    ``confirmed`` when a later version's dated lines name the earlier version's
    date (行政复议法 2023 prints ``2017年9月1日 …第二次修正``).
    ``Work.history`` lists every version the latest text's dated lines name
    (专利法 2020: 1984年通过, 1992/2000/2008/2020年修正), with the archive's
    document where it holds that text.
Notices
    a 征求意见稿 and a final text with the same title (征求意见稿 and brackets
    dropped) and region form a work: the draft is 已被正式文本取代.  A notice
    printing ``有效期至2020年12月31日`` / ``有效期5年`` / ``有效期为三年`` that has
    ended at the build date is 已失效.

Validity (``Version.validity``, also ``Notice.validity``): 现行有效 /
已被修改（由 YYYY 年版取代） / 已废止 (a 废止 line) / 尚未生效 (施行日期 after the
build date) / 已被正式文本取代 / 已失效.

Work ids are permanent: ``w-`` + 10 hex of sha1(title key | region code) when
first seen, then kept in ``source_texts/works.lock`` (``doc_id<TAB>work_id``);
a work with any locked member keeps that member's id, whatever the title
normalisation becomes later.

``models.Work.in_force(date)`` answers "which version did a text dated D mean":
the one in force on D, by 施行 (issue 25; ``Work.effective`` from each text's own
施行 line, an earlier text's 施行 line it still prints — 专利法 本法自1985年4月1日起施行
— and a held amendment decision's 本决定自…起施行; a sidecar's ``date_effective``).

:func:`assign_validity` (after references are resolved) gives every document a
validity and its basis (issue 25): laws from their versions (「本文库所收最新文本，未见
废止记录」); a held later text that repeals it (促进个体工商户发展条例 第三十九条
``《个体工商户条例》同时废止``; 外商投资法实施条例 第四十九条; 印花税法 第二十条;
上海市绿色建筑条例 第四十六条); a page's own 有效性 field (sites2-016/021: 「页面标注有效」);
有效期至…/有效期X年/本办法自…起废止 with its clause (sites2-011 第十条第二款
``有效期至2022年12月31日``, sites2-030 四、 ``自2025年10月9日起施行，有效期至2027年12月31日``,
sites2-007 ``有效期5年``); a 施行 date after the build date (尚未生效); a 征求意见稿; a
plan whose title period has ended (seed 002 （2022—2025年）, marked 推定).
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..errors import SourceError
from ..fsutil import atomic_write_text
from ..limits import read_regular
from ..ingest.lawdates import ADOPTION, AMENDMENT, body_effective, version_label
from ..models import NATIONAL_CODE, Notice, Problem, Version, Work
from ..numerals import cn_int
from .references import BareSpot, loose_title_key, title_key

__all__ = ["WorksLockError", "build_works", "load_works_lock", "works_lock_gaps", "format_works_lock", "update_works_lock",
           "version_date", "expiry_date", "decision_effective", "assign_validity", "repeal_verb", "LOCK_NAME",
           "DocFacts", "doc_facts"]

LOCK_NAME = "works.lock"
LOCK_HEADER = ("# works.lock — 作品（同一法律文件的各个版本）的永久编号，由 iparchive build 维护，请勿手工删除行。\n"
               "# 格式：文件id<TAB>作品id\n")
_EXPIRY_UNTIL = re.compile(r"有效期(?:至|到)\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EXPIRY_YEARS = re.compile(r"有效期(?:为|暂定为?)?\s*([一二三四五六七八九十\d]{1,3})\s*年")


class WorksLockError(SourceError):
    """A malformed works.lock line (file, line, Chinese message)."""


def version_date(n: Notice) -> Optional[str]:
    """The date of the text as held: its adoption (成文), else its 发布日期."""
    return n.date_written or n.date_published


def _region_code(n: Notice) -> str:
    return n.region.code if n.region else NATIONAL_CODE


def _derive_id(key: str, code: str) -> str:
    return "w-" + hashlib.sha1(f"{key}|{code}".encode("utf-8")).hexdigest()[:10]


WORKS_LOCK_BYTES = 64 * 1024 * 1024  # the whole corpus' works.lock is ~80 KB; a bound, not a budget
_DOC_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # sidecar.ID_RE: what an id may be
_WORK_ID = re.compile(r"w-[0-9a-f]{10}")  # _derive_id


def _works_text(path: Path) -> Optional[str]:
    """works.lock's text (None: no file); WorksLockError naming the file and
    the line for what is not a lock: not a regular file (a FIFO never
    blocks), too large, not UTF-8 (a binary file: its line), cut short (the
    writer ends every row with a newline: a last row without one is a
    truncated file)."""
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = read_regular(path, WORKS_LOCK_BYTES)
    except SourceError as e:
        raise WorksLockError(path, e.message) from None
    except OSError as e:
        raise WorksLockError(path, f"无法读取（{e.strerror or e}）") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise WorksLockError(path, "不是 UTF-8 文本（文件可能损坏或被二进制内容覆盖）：请从版本库恢复",
                             data.count(b"\n", 0, e.start) + 1) from None
    if "\0" in text:
        raise WorksLockError(path, "含有 NUL 字节（文件可能损坏）：请从版本库恢复", text.count("\n", 0, text.index("\0")) + 1)
    if text and not text.endswith("\n"):
        raise WorksLockError(path, "末行不完整（文件可能被截断）：请从版本库恢复", text.count("\n") + 1)
    return text


def load_works_lock(path: Path | str) -> dict[str, str]:
    """doc id -> work id (missing file: empty).  Issue 28: a garbage lock
    (binary, truncated, wrong columns, ids of the wrong form, a document
    twice) raises WorksLockError with the file and line, never a traceback
    and never a silently accepted row."""
    path = Path(path)
    text = _works_text(path)
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for no, line in enumerate((text or "").split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not _DOC_ID.fullmatch(parts[0]) or len(parts[0]) > 80 or not _WORK_ID.fullmatch(parts[1]):
            raise WorksLockError(path, f"作品锁文件格式错误，应为“文件id<TAB>作品id（w- 加 10 位十六进制）”：{line[:200]!r}", no)
        if parts[0] in out:
            raise WorksLockError(path, f"文件 {parts[0]} 重复出现（另见第 {seen[parts[0]]} 行）", no)
        out[parts[0]], seen[parts[0]] = parts[1], no
    return out


def works_lock_gaps(path: Path | str, lock: dict[str, str], doc_ids: Iterable[str],
                    site: Optional[Path]) -> Optional[WorksLockError]:
    """Documents of this build that the live site publishes with a work id
    but ``lock`` (works.lock) lacks: the lock was truncated at a line or
    rows were deleted (issue 28), and a work would silently get a new
    permanent id.  Only the documents missing from the lock are looked up
    (their record ``data/notices/<id>.json.gz``), so a rebuild reads a few
    files.  The locks are written before the site swap, so a live work id
    always has its row; no live site (a fresh clone): no gap."""
    if not site or not (Path(site) / "index.html").is_file():
        return None
    missing = []
    folder = Path(site) / "data" / "notices"
    for d in sorted(set(doc_ids) - lock.keys()):
        try:  # the record: <id>.json.gz since issue 29, <id>.json from older builds
            rec = folder / f"{d}.json.gz"
            raw = gzip.decompress(rec.read_bytes()) if rec.is_file() else (folder / f"{d}.json").read_bytes()
            work = json.loads(raw.decode("utf-8")).get("work_id")
        except (OSError, ValueError, EOFError, AttributeError):
            continue
        if isinstance(work, str) and work:
            missing.append(f"{d}（{work}）")
    if not missing:
        return None
    shown = "、".join(missing[:5]) + (f" 等 {len(missing)} 件" if len(missing) > 5 else "")
    return WorksLockError(Path(path), f"缺少已发布文件 {shown} 的作品编号（现有网站记载它们）：works.lock 可能被截断或误删，"
                                      "作品会得到新的永久编号；请从版本库恢复 works.lock")


def format_works_lock(lock: dict[str, str]) -> str:
    return LOCK_HEADER + "".join(f"{d}\t{w}\n" for d, w in sorted(lock.items()))


def write_text(path: Path, text: str) -> None:
    """The one place this module writes a file."""
    atomic_write_text(path, text)  # a kill or a full disk never truncates the lock


def update_works_lock(path: Path | str, notices: Iterable[Notice]) -> dict[str, str]:
    """Add the work id of every built document that has one; keep the rest."""
    path = Path(path)
    lock = load_works_lock(path)
    for n in notices:
        if n.work_id:
            lock.setdefault(n.id, n.work_id)
    text = format_works_lock(lock)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text(path, text)
    return lock


def expiry_date(n: Notice) -> Optional[str]:
    """End of a printed 有效期 (至YYYY年M月D日, or N年 from the document's date)."""
    body = n.body
    if "有效期" not in body:
        return None
    m = _EXPIRY_UNTIL.search(body)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        try:
            return dt.date(y, mo, d).isoformat()
        except ValueError:
            return None
    m = _EXPIRY_YEARS.search(body)
    start = n.date_effective or n.date
    if m and start:
        try:
            years = cn_int(m.group(1))
            d0 = dt.date.fromisoformat(start)
            return d0.replace(year=d0.year + years).isoformat()
        except (ValueError, TypeError):
            return None
    return None


def _history(latest: Notice, members: list[Notice]) -> list[tuple[str, str, Optional[str]]]:
    """(label, date, doc id or None) for each version the latest text's lines name."""
    by_date = {version_date(m): m.id for m in members if version_date(m)}
    seen: dict[str, tuple[str, str, Optional[str]]] = {}
    # a regulation issued by 令 has no 通过 line: its 公布 makes the first version
    kinds = ADOPTION + AMENDMENT + (() if any(e.kind in ADOPTION for e in latest.events) else ("公布",))
    for e in sorted(latest.events, key=lambda e: e.date):
        if e.kind not in kinds or e.date in seen:
            continue
        kind = "通过" if e.kind == "批准" else e.kind
        seen[e.date] = (f"{e.date[:4]}年{kind}", e.date, by_date.get(e.date))
    for m in members:  # archive versions the lines do not name (a 令 公布 only)
        d = version_date(m)
        if d and d not in seen:
            seen[d] = (version_label(m.events, d) or f"{d[:4]}年版", d, m.id)
    return [seen[d] for d in sorted(seen)]


def _validity_of_law(n: Notice, nxt: Optional[Notice], today: str, nxt_start: Optional[str] = None) -> str:
    if any(e.kind == "废止" for e in n.events):
        return "已废止"
    if n.date_effective and n.date_effective > today:
        return "尚未生效"
    nxt_start = nxt_start or (nxt.date_effective if nxt is not None else None)
    if nxt is not None and not (nxt_start and nxt_start > today):
        year = (version_date(nxt) or "")[:4]
        return f"已被修改（由 {year} 年版取代）"
    return "现行有效"


def _decision_key(title: str) -> str:
    """关于修改〈中华人民共和国专利法〉的决定, with or without its issuer, as one key."""
    k = title_key(title.strip("《》"))
    i = k.find("关于")
    return k[i:] if i >= 0 else k


def decision_effective(notices: list[Notice], facts: Optional[dict[str, "DocFacts"]] = None
                       ) -> dict[tuple[str, str], tuple[str, str]]:
    """(decision key, adoption date) -> (施行 date, where) of the amendment decisions
    the archive holds (``本决定自2021年6月1日起施行``, lawdates.body_effective);
    ``facts``: each document's ``DocFacts`` where already known."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for n in notices:
        entry = _facts(n, facts).decision
        if entry is not None:
            out[entry[0]] = entry[1]
    return out


def _decision_entry(n: Notice) -> Optional[tuple[tuple[str, str], tuple[str, str]]]:
    if "决定" not in n.title or "修改" not in n.title:
        return None
    found = body_effective(list(enumerate(n.body.split("\n"), 1)))
    date = found[0] if found else None
    if found and date is None:
        date = n.date_published
    if date and n.date:
        return (_decision_key(n.title), n.date_written or n.date), (date, f"《{n.title}》：{found[2]}")
    return None


def _effective_dates(chain: list[Notice], decisions: dict[tuple[str, str], tuple[str, str]]) -> dict[str, str]:
    """version date -> 施行 date: each held text's own 施行; an earlier 施行 line a text
    prints (本法自1985年4月1日起施行) for the adoption it follows; a held amendment
    decision's 施行 line for its amendment."""
    out: dict[str, str] = {}
    for m in chain:
        d = version_date(m)
        if d and m.date_effective and m.date_effective >= d:
            out[d] = m.date_effective
    for m in reversed(chain):
        adopted = sorted(e.date for e in m.events if e.kind in ADOPTION + AMENDMENT)
        for e in m.events:
            if e.kind == "施行":
                before = [d for d in adopted if d <= e.date]
                if before:
                    out.setdefault(before[-1], e.date)
        for e in m.amendments:
            if e.decision and (_decision_key(e.decision), e.date) in decisions:
                out.setdefault(e.date, decisions[(_decision_key(e.decision), e.date)][0])
    return out


Give = Callable[..., None]  # give(n, **facts): where build_works puts a document's work, version and validity


def put(n: Notice, **facts: object) -> None:
    """``build_works``' default ``give``: write the facts into ``n`` when it is
    a record still being made (tests build works over drafts).  A frozen
    record already carries its facts (``resolved.enrichment_from_notices``
    runs ``build_works`` over enriched records for the works alone): it is
    not written (before issue 24 that rewrote the validity ``assign_validity``
    had refined, e.g. a 征求意见稿's).  The enrich stage passes ``found``
    instead: nothing is written, the facts make new records."""
    if not n.frozen:
        for name, value in facts.items():
            setattr(n, name, value)


def collect(found: dict[str, dict]) -> Give:
    """A ``give`` that keeps the facts by document id in ``found`` (written into no record)."""
    def give(n: Notice, **facts: object) -> None:
        found.setdefault(n.id, {}).update(facts)
    return give


def build_works(notices: list[Notice], lock: Optional[dict[str, str]] = None,
                today: Optional[str] = None, facts: Optional[dict[str, "DocFacts"]] = None,
                same: Optional[Callable[[Notice, Notice], bool]] = None,
                found: Optional[dict[str, dict]] = None
                ) -> tuple[dict[str, Work], dict[str, Version], list[Problem]]:
    """Group ``notices`` into works; the ``work_id``/``version_label``/``validity``
    of each notice it concerns go into ``found`` (doc id -> facts: the enrich
    stage makes new records of them), or without ``found`` into the records
    still being made (``put``).  Returns (works, versions by doc id, problems).
    ``facts``: each document's ``DocFacts`` where already known (the enrich cache);
    ``same``: ``same_text`` as the caller keeps it (``doccache.PairMemo``: the
    bodies of two same-dated texts are read once, not on every rebuild)."""
    lock = lock or {}
    same = same or same_text
    give = collect(found) if found is not None else put
    decisions = decision_effective(notices, facts)
    today = today or dt.date.today().isoformat()
    groups: dict[tuple[str, str, str], list[Notice]] = {}
    for n in notices:
        if not n.title:
            continue
        if n.kind == "law":
            key = ("law", title_key(n.title), _region_code(n))
        elif n.status in ("征求意见稿", "正式"):
            key = ("notice", loose_title_key(n.title), _region_code(n))
        else:
            continue
        if key[1]:
            groups.setdefault(key, []).append(n)
    works: dict[str, Work] = {}
    versions: dict[str, Version] = {}
    problems: list[Problem] = []
    for (family, key, code), members in sorted(groups.items()):
        if family == "law":
            chains: list[list[Notice]] = [[]]
            others: list[Notice] = []
            for m in sorted(members, key=lambda m: (version_date(m) is None, version_date(m) or "", m.id)):
                last = chains[0][-1] if chains[0] else None
                if last is None:
                    chains[0].append(m)
                elif version_date(m) is None or (version_date(last) == version_date(m)
                                                 and one_text(last, m, facts, same)):
                    others.append(m)  # undated, or the same text filed twice
                elif version_date(last) == version_date(m):
                    chains.append([m])  # same date, other text: not a version of it (民法典 parts)
                else:
                    chains[0].append(m)
            for i, chain in enumerate(chains):
                _law_work(chain, others if i == 0 else [], key, code, lock, today, works, versions, problems,
                          decisions, give)
        else:
            drafts = [m for m in members if m.status == "征求意见稿"]
            finals = [m for m in members if m.status == "正式"]
            if drafts and finals:
                _draft_work(drafts, finals, key, code, lock, works, versions, give)
    for n in notices:
        given = (found or {}).get(n.id, {})
        if given.get("validity", n.validity) is None and n.kind != "law":
            end = _facts(n, facts).expiry_end
            if end and end < today:
                give(n, validity="已失效")
            elif end:
                give(n, validity="现行有效")
    return works, versions, problems


def _work_id(chain: list[Notice], key: str, code: str, lock: dict[str, str],
             works: dict[str, Work], problems: list[Problem]) -> str:
    locked = [lock[m.id] for m in chain if m.id in lock]
    if locked:
        if len(set(locked)) > 1:
            problems.append(Problem(LOCK_NAME, None, "warning",
                                    f"《{chain[-1].title}》的各版本在 works.lock 中有不同的作品编号 {sorted(set(locked))}，"
                                    f"沿用最早版本的 {locked[0]}"))
        return locked[0]
    wid = _derive_id(key, code)
    n = 2
    while wid in works:  # a same-title chain split off (same version date)
        wid = _derive_id(f"{key}#{n}", code)
        n += 1
    return wid


def lines_digest(body: str) -> str:
    """The digest of a body's set of distinct lines (``DocFacts.lines``)."""
    return hashlib.sha1("\n".join(sorted(set(body.split("\n")))).encode("utf-8")).hexdigest()


def one_text(a: Notice, b: Notice, facts: Optional[dict[str, "DocFacts"]],
             same: Callable[[Notice, Notice], bool]) -> bool:
    """``same(a, b)``, but true at once when both hold the same distinct lines
    (their ``DocFacts.lines``; issue 29: at 5x every law has four copies, and
    each pair read both bodies back from the store in a full build)."""
    fa, fb = (facts or {}).get(a.id), (facts or {}).get(b.id)
    if fa is not None and fb is not None and fa.lines is not None and fa.lines == fb.lines:
        return True  # equal sets: all of their lines are shared
    return same(a, b)


def same_text(a: Notice, b: Notice) -> bool:
    """Two files of one text (lawrefbook files 广告法(2021-04-29) under 行政法 and
    经济法): nine in ten of their distinct lines are the same."""
    la, lb = set(a.body.split("\n")), set(b.body.split("\n"))
    return len(la & lb) >= 0.9 * max(len(la), len(lb), 1)


def _law_work(chain: list[Notice], others: list[Notice], key: str, code: str, lock: dict[str, str], today: str,
              works: dict[str, Work], versions: dict[str, Version], problems: list[Problem],
              decisions: Optional[dict[tuple[str, str], tuple[str, str]]] = None, give: Give = put) -> None:
    wid = _work_id(chain + others, key, code, lock, works, problems)
    latest = chain[-1]
    work = Work(wid, latest.title, [m.id for m in chain], history=_history(latest, chain),
                effective=_effective_dates(chain, decisions or {}))
    dates = {e.date for e in latest.events}
    work.confirmed = len(chain) > 1 and all(version_date(m) in dates for m in chain[:-1])
    multi = len(chain) > 1
    for i, m in enumerate(chain):
        nxt = chain[i + 1] if i + 1 < len(chain) else None
        label = version_label(m.events, version_date(m)) or "现行文本"
        eff = work.effective.get(version_date(m) or "") or m.date_effective
        v = Version(m.id, wid, label, version_date(m), m.date_published, eff,
                    _validity_of_law(m, nxt, today, work.effective.get(version_date(nxt) or "") if nxt else None),
                    previous=chain[i - 1].id if i else None, next=nxt.id if nxt else None)
        versions[m.id] = v
        give(m, work_id=wid, validity=v.validity,
             version_label=label if multi or re.match(r"\d{4}年", label) else None)  # issue 25: cited by version
    current = next((m.id for m in reversed(chain) if versions[m.id].validity == "现行有效"), None)
    work.current = current
    for m in chain:
        versions[m.id].current = current
    for m in others:
        twin = next((c for c in chain if version_date(c) and version_date(c) == version_date(m)), None)
        if twin is not None:
            v = versions[twin.id]
            versions[m.id] = Version(m.id, wid, v.label, v.date, m.date_published, m.date_effective, v.validity,
                                     current=current, duplicate_of=twin.id)
        else:
            versions[m.id] = Version(m.id, wid, "日期不详的文本", None, m.date_published, m.date_effective,
                                     "版本日期不详", current=current)
        give(m, work_id=wid, validity=versions[m.id].validity,
             version_label=versions[m.id].label if len(chain) > 1 or re.match(r"\d{4}年", versions[m.id].label)
             else None)
        work.others.append(m.id)
    works[wid] = work


def _draft_work(drafts: list[Notice], finals: list[Notice], key: str, code: str, lock: dict[str, str],
                works: dict[str, Work], versions: dict[str, Version], give: Give = put) -> None:
    final = max(finals, key=lambda m: (version_date(m) or "", m.id))
    chain = sorted(drafts, key=lambda m: (version_date(m) or "", m.id)) + [final]
    locked = [lock[m.id] for m in chain if m.id in lock]
    wid = locked[0] if locked else _derive_id("notice|" + key, code)
    work = Work(wid, final.title, [m.id for m in chain], current=final.id, kind="draft",
                history=[("征求意见稿" if m is not final else "正式文本", version_date(m) or "", m.id) for m in chain])
    for i, m in enumerate(chain):
        is_final = m is final
        v = Version(m.id, wid, "正式文本" if is_final else "征求意见稿", version_date(m), m.date_published,
                    m.date_effective, "现行有效" if is_final else "已被正式文本取代",
                    previous=chain[i - 1].id if i else None,
                    next=chain[i + 1].id if i + 1 < len(chain) else None, current=final.id)
        versions[m.id] = v
        give(m, work_id=wid)
        if not is_final:
            give(m, validity=v.validity)
    works[wid] = work


# ------------------------------------------------------------ validity with its basis (issue 25)

DRAFT = "征求意见稿"
_REPEAL_SELF = re.compile(r"本(?:办法|规定|通知|意见|方案|细则|规则|决定|条例|措施)自\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起(?:废止|失效|停止执行)")
_TITLE_PERIOD = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*[-—–－~～至到]+\s*((?:19|20)\d{2})\s*年?\s*[)）]")


def _clause_of(n: Notice, text: str) -> Optional[str]:
    """Label of the clause whose own text holds ``text`` (第十条 / 四、), if any."""
    for c in n.walk():
        if text in c.text and c.label:
            return c.label
    return None


def _where(n: Notice, printed: str) -> str:
    label = _clause_of(n, printed)
    return f"（{label}）" if label else ""


def _expiry_basis(n: Notice) -> Optional[tuple[str, str]]:
    """(end date, basis) of a printed 有效期 or 自…起废止 (issue 25 forms, module doc)."""
    m = _REPEAL_SELF.search(n.body)
    if m:
        try:
            end = dt.date(*(int(x) for x in m.groups())).isoformat()
            return end, f"{m.group(0)}{_where(n, m.group(0))}"
        except ValueError:
            pass
    end = expiry_date(n)
    if not end:
        return None
    m = _EXPIRY_UNTIL.search(n.body) or _EXPIRY_YEARS.search(n.body)
    printed = m.group(0) if m else "有效期"
    basis = f"{printed}{_where(n, printed)}"
    if not _EXPIRY_UNTIL.match(printed):
        basis += f"，至 {end}"
    return end, basis


def _declared(n: Notice) -> Optional[str]:
    """The page's own 时效性/有效性 field (metadata table), as printed."""
    v = n.provenance.get("validity")
    return v.split("　←", 1)[0].strip() if v else None


_TITLES_AFTER = re.compile(r"(?:\s*[、，,和及与]\s*《[^》]{1,80}》)*\s*[，,]?\s*(?:自[^。；，]{1,24}起)?\s*"
                           r"(同时废止|予以废止|即行废止|废止)")
_TITLES_BEFORE = re.compile(r"(同时废止|废止)\s*(?:《[^》]{1,80}》\s*[、，,和及与]\s*)*$")


def repeal_verb(text: str, printed: str) -> Optional[str]:
    """同时废止 / 废止 when ``printed`` (a title) is what the words repeal: 《X》同时废止,
    《A》、《X》同时废止, 同时废止《X》, 废止《A》和《X》, ``…通过的《北京市关于游行示威的若干
    暂行规定》自本办法施行之日起即行废止``, ``《上海市公民游行示威暂行条例》即行废止`` (lawrefbook)
    — not a title merely near the word (``实施《北京市机构改革方案》需要制定、修改、废止地方性法规``)."""
    for m in re.finditer(re.escape(printed), text):
        after = _TITLES_AFTER.match(text, m.end())
        if after:
            return "同时废止" if after.group(1) == "同时废止" else "废止"
        before = _TITLES_BEFORE.search(text, 0, m.start())
        if before and "关于" not in text[max(0, before.start() - 2):before.start()]:
            return before.group(1)
    return None


def _repeal_words(n: Notice, refs: Iterable) -> dict[tuple[str, str], Optional[str]]:
    """(clause id, printed reference) -> the basis when that clause's words repeal what
    the reference names (``repeal_verb``), else None; for the references given."""
    out: dict[tuple[str, str], Optional[str]] = {}
    if "废止" not in n.body:
        return out
    texts = {c.id: c for c in n.walk()}
    for r in refs:
        c = texts.get(r.clause_id)
        if c is not None and (r.clause_id, r.text) not in out:
            verb = repeal_verb(c.text, r.text)
            out[(r.clause_id, r.text)] = f"《{n.title}》{c.label}：{r.text}{verb}" if verb else None
    return out


def bare_repeal_words(n: Notice, spots: list[BareSpot], refs: Iterable) -> dict[tuple[str, str], Optional[str]]:
    """``_repeal_words`` of ``refs`` (bare law references, added at resolution)
    read from the document's ``BareSpot``s (their clause's label and, when it
    says 废止, its text), without loading its clause tree (issue 29)."""
    clause = {sp.clause_id: sp for sp in spots}
    out: dict[tuple[str, str], Optional[str]] = {}
    for r in refs:
        sp = clause.get(r.clause_id)
        if sp is None or (r.clause_id, r.text) in out:
            continue
        verb = repeal_verb(sp.repeal, r.text) if sp.repeal is not None else None
        out[(r.clause_id, r.text)] = f"《{n.title}》{sp.label}：{r.text}{verb}" if verb else None
    return out


def _repeals(notices: list[Notice], facts: Optional[dict[str, "DocFacts"]] = None,
             spots: Optional[dict[str, list[BareSpot]]] = None) -> dict[str, str]:
    """doc id -> basis, for held documents another held document repeals: a sentence of
    its clause names the document (a resolved reference) and 废止 outside the title
    (江西省居住证办法 ``…的《江西省暂住人口管理办法》同时废止``; ``…同时废止《X》``).
    The words are read once per document (``DocFacts.repeals``, for the references
    as found); a reference added at resolution (a bare law name) is read from the
    document's ``spots`` where known, else from its clauses here."""
    out: dict[str, str] = {}
    for n in notices:
        got = facts.get(n.id) if facts else None
        if not (got.repeal_word if got is not None else "废止" in n.body):
            continue
        known = (got or doc_facts(n)).repeals
        new = [r for r in n.references if (r.clause_id, r.text) not in known]
        mine = spots.get(n.id) if spots else None
        if new and mine is not None and all(any(sp.clause_id == r.clause_id for sp in mine) for r in new):
            words = {**known, **bare_repeal_words(n, mine, new)}
        else:
            words = {**known, **_repeal_words(n, new)} if new else known
        for r in n.references:
            if not r.target_id or r.target_id == n.id:
                continue
            basis = words.get((r.clause_id, r.text))
            if basis:
                out.setdefault(r.target_id, basis)
    return out


@dataclass(frozen=True)
class DocFacts:
    """What validity reads of one document alone (issue 24): none of it depends on
    another document or on the build date, so it is computed with the document's
    per-document enrichment and cached with it (``enrich.doccache``); a rebuild
    then decides 3,489 validities without reading their bodies again."""
    expiry_end: Optional[str] = None  # expiry_date (notices)
    expiry: Optional[tuple[str, str]] = None  # _expiry_basis: (end, basis) (notices)
    effective: Optional[tuple[Optional[str], str]] = None  # a notice's body 施行 line: (date, basis)
    decision: Optional[tuple[tuple[str, str], tuple[str, str]]] = None  # decision_effective's entry
    repeals: dict[tuple[str, str], Optional[str]] = field(default_factory=dict)  # _repeal_words of its references
    repeal_word: bool = True  # 废止 is in its body (_repeals reads no other body; issue 29: none is held)
    lines: Optional[str] = None  # a law's distinct lines (lines_digest): equal ones are one text (same_text)


def doc_facts(n: Notice) -> DocFacts:
    """``DocFacts`` of ``n`` (its references as found: ``find_references`` first)."""
    word = "废止" in n.body
    if n.kind == "law":
        return DocFacts(decision=_decision_entry(n), repeals=_repeal_words(n, n.references), repeal_word=word,
                        lines=lines_digest(n.body))
    eff = body_effective(list(enumerate(n.body.split("\n"), 1)))
    return DocFacts(expiry_end=expiry_date(n), expiry=_expiry_basis(n),
                    effective=(eff[0], f"{eff[2][:60]}{_where(n, eff[2][:20])}") if eff is not None else None,
                    decision=_decision_entry(n), repeals=_repeal_words(n, n.references), repeal_word=word)


def _facts(n: Notice, facts: Optional[dict[str, DocFacts]]) -> DocFacts:
    got = facts.get(n.id) if facts else None
    return got if got is not None else doc_facts(n)


def assign_validity(notices: list[Notice], versions: dict[str, Version], today: str,
                    facts: Optional[dict[str, DocFacts]] = None,
                    spots: Optional[dict[str, list[BareSpot]]] = None) -> dict[str, tuple[str, str]]:
    """The ``validity`` and ``validity_basis`` of every document (issue 25): 现行有效 /
    已被修改 / 已废止 / 已失效 / 尚未生效 / 征求意见稿, each with why, by doc id
    (issue 24: written into no record; the enrich stage makes new ones).  Runs after the
    references are resolved (a 同时废止 names a held document); ``facts``: each
    document's ``DocFacts`` where already known (the enrich cache); ``spots``: each
    document's ``references.BareSpot``s where known (the bare law names' clauses)."""
    repealed = _repeals(notices, facts, spots)
    byid = {n.id: n for n in notices}
    out: dict[str, tuple[str, str]] = {}
    for n in notices:
        v = versions.get(n.id)
        declared = _declared(n) or ""
        if n.id in repealed:
            out[n.id] = "已废止", repealed[n.id]
        elif n.kind == "law":
            out[n.id] = _law_basis(n, v, byid, today)
        elif n.status == DRAFT:
            final = byid.get(v.current) if v is not None and v.current else None
            out[n.id] = DRAFT, (f"已有正式文本《{final.title}》（{final.date or '日期不详'}）" if final is not None
                                else "标题或正文写有“征求意见稿”，本文库未见正式文本")
        elif "废止" in declared:
            out[n.id] = "已废止", f"页面标注{declared}"
        elif "失效" in declared:
            out[n.id] = "已失效", f"页面标注{declared}"
        else:
            out[n.id] = _notice_basis(n, declared, today, _facts(n, facts))
    return out


def _notice_basis(n: Notice, declared: str, today: str, facts: DocFacts) -> tuple[str, str]:
    exp, eff = facts.expiry, facts.effective
    if exp is not None and exp[0] < today:
        return "已失效", exp[1]
    if eff is not None and eff[0] and eff[0] > today:
        return "尚未生效", eff[1]
    if exp is not None:
        return "现行有效", exp[1]
    if declared and "有效" in declared:
        return "现行有效", f"页面标注{declared}"
    m = _TITLE_PERIOD.search(n.title or "")
    if m and f"{m.group(2)}-12-31" < today:
        return "已失效", f"标题所示期限（{m.group(1)}—{m.group(2)}年）已过（推定，原文未载有效期）"
    return "现行有效", "未见有效期、废止或失效的记载（推定）"


def _law_basis(n: Notice, v: Optional[Version], byid: dict[str, Notice], today: str) -> tuple[str, str]:
    repeal = next((e for e in n.events if e.kind == "废止"), None)
    if repeal is not None:
        return "已废止", f"题注第 {repeal.line} 行：{repeal.text[:60]}" if repeal.line else repeal.text[:60]
    validity = (v.validity if v is not None else n.validity) or "现行有效"
    eff = v.date_effective if v is not None else n.date_effective
    if validity == "尚未生效":
        return validity, f"施行日期 {eff or n.date_effective}，晚于本次构建日期 {today}"
    if validity.startswith("已被修改") and v is not None and v.next in byid:
        nv = byid[v.next]
        return validity, f"本文库收有后来的文本《{nv.title}》（{nv.version_label or nv.date}）"
    if validity == "版本日期不详":
        return validity, "文本未载日期，无法确定是哪一版本"
    return validity, "本文库所收最新文本，未见废止记录" + (f"；施行于 {eff}" if eff else "")