"""build_tools.build.schedule (was forked.py): one call in a forked child, its value or its error back."""
from __future__ import annotations

import os

import pytest

from build_tools.build import schedule as forked
from build_tools.build.schedule import Forked


def _pid_and(x):
    return os.getpid(), x * 2


def _fails():
    raise ValueError("坏输入（测试）")


def _dies():
    os._exit(3)


def test_the_child_runs_the_call_in_another_process_and_returns_its_value():
    pid, value = Forked("测试", _pid_and, 21).start().result()
    assert value == 42 and pid != os.getpid()


def test_inline_when_not_beside():
    job = Forked("测试", _pid_and, 1).start(beside=False)
    assert job.proc is None and job.result() == (os.getpid(), 2)


def test_an_exception_in_the_child_comes_back_with_its_traceback():
    with pytest.raises(RuntimeError) as e:
        Forked("测试步骤", _fails).start().result()
    assert "测试步骤失败" in str(e.value) and "坏输入（测试）" in str(e.value) and "Traceback" in str(e.value)


def test_a_child_that_dies_without_a_word_is_reported_with_its_exit_status():
    with pytest.raises(RuntimeError) as e:
        Forked("测试步骤", _dies).start().result()
    assert "子进程退出码 3" in str(e.value) and "未返回结果" in str(e.value)


def test_cancel_stops_the_child():
    import time

    job = Forked("测试", time.sleep, 30).start()
    t0 = time.perf_counter()
    job.cancel()
    assert not job.proc.is_alive() and time.perf_counter() - t0 < 5


def _pid_of(x):
    return os.getpid(), x


def test_fork_map_runs_on_forked_workers_in_order_from_its_threshold():
    """``fork_map``: the results in the items' order; at ``at_least`` items
    they come from other processes (the workers read the items from the
    parent's memory), below it from this one; nothing is left for the next
    fork (``MAPPED`` is emptied)."""
    items = list(range(40))
    out = forked.fork_map(_pid_of, items, 2, at_least=40)
    assert [x for _, x in out] == items
    assert os.getpid() not in {pid for pid, _ in out} and forked.MAPPED == ()
    inline = forked.fork_map(_pid_of, items, 2, at_least=41)
    assert inline == [(os.getpid(), x) for x in items]


# That no stage imports build/ (the build passes enrich its schedule) is tests/test_imports.py's rule ``layer``.


def _double(x):
    return os.getpid(), x * 2


def test_enrich_runs_its_per_document_step_through_the_mapper_it_is_given():
    """The enrich stage forks nothing itself: serially by default, on forked
    workers through the build's ``schedule.mapper`` (same results, in order)."""
    from build_tools.enrich.doccache import compute_all, serial_map

    items = list(range(60))
    serial = compute_all(items, _double)
    assert serial == serial_map(_double, items) and {pid for pid, _ in serial} == {os.getpid()}
    forked_out = compute_all(items, _double, forked.mapper(at_least=40, workers=2))
    assert [v for _, v in forked_out] == [v for _, v in serial]
    assert os.getpid() not in {pid for pid, _ in forked_out}
    assert compute_all(items, _double, forked.mapper(at_least=61, workers=2)) == serial


def _grow(mb):
    block = b"\1" * (mb * 1024 * 1024)  # written: resident
    return len(block)


def test_each_child_s_peak_memory_is_kept_under_its_function_s_name():
    """Issue 29: the build report names each child's peak (``fork:<fn>``)
    and the parent's size when it forked (``fork:<fn>@fork``); a child that
    allocates 64 MB peaks at least that high."""
    forked.CHILD_PEAKS.clear()
    assert Forked("测试", _grow, 64).start().result() == 64 * 1024 * 1024
    forked.fork_map(_grow, [8] * 4, 2, at_least=1)
    rows = forked.child_peaks()
    assert rows["fork:_grow"] >= 64 and rows["fork:_grow@fork"] > 0
    assert rows["fork:map:_grow"] >= 8 and rows["fork:map:_grow@fork"] > 0
    assert forked.resident_mb() >= forked.resident_mb("VmRSS") > 0
    assert forked.child_peaks(clear=True) == rows and forked.child_peaks() == {}


def test_trim_gives_free_heap_pages_back_before_a_fork():
    """``trim`` (glibc malloc_trim, called before every fork): a heap with
    every tenth block kept alive holds its freed pages until trimmed; a child
    would start with all of them."""
    before = forked.resident_mb("VmRSS")
    blocks = [b"x" * 5000 for _ in range(40000)]  # ~200 MB of small blocks in the C heap
    kept = blocks[::10]
    del blocks
    held = forked.resident_mb("VmRSS")
    forked.trim()
    after = forked.resident_mb("VmRSS")
    assert held - before > 150 and held - after > 100, (before, held, after)
    assert len(kept) == 4000


def _counts_until(flag: str, n: int):
    """Yields 0, then waits (up to 20 s) for ``flag`` to exist before the rest."""
    import time  # only this generator waits

    yield 0, os.getpid()
    t0 = time.perf_counter()
    while not os.path.exists(flag) and time.perf_counter() - t0 < 20:
        time.sleep(0.01)
    for i in range(1, n):
        yield i, os.path.exists(flag)


def _yields_then_fails():
    yield "第一个"
    raise ValueError("坏输入（测试）")


def test_a_streamed_child_s_values_come_as_they_are_made(tmp_path):
    """``ForkedStream`` (issue 29: Pagefind indexes a shard as soon as its
    pages are written): the first value reaches the caller while the child
    is still waiting for the caller's answer to it; then every value, in order."""
    flag = str(tmp_path / "got-the-first")
    job = forked.ForkedStream("测试", _counts_until, flag, 5).start()
    items = job.items()
    first, pid = next(items)
    assert first == 0 and pid != os.getpid()
    open(flag, "w").close()  # the child goes on only now
    assert list(items) == [(i, True) for i in range(1, 5)]
    assert not job.proc.is_alive()
    assert "fork:_counts_until" in forked.child_peaks(clear=True)


def test_a_streamed_child_s_error_comes_after_its_values():
    got = []
    with pytest.raises(RuntimeError) as e:
        for v in forked.ForkedStream("测试步骤", _yields_then_fails).start().items():
            got.append(v)
    assert got == ["第一个"]
    assert "测试步骤失败" in str(e.value) and "坏输入（测试）" in str(e.value)


def test_a_streamed_child_that_dies_or_is_cancelled_ends_its_values(tmp_path):
    job = forked.ForkedStream("测试", _counts_until, str(tmp_path / "never"), 3).start()
    items = job.items()
    assert next(items)[0] == 0
    job.cancel()
    with pytest.raises(RuntimeError, match="未返回结果"):
        list(items)
    inline = forked.ForkedStream("测试", _counts_until, str(tmp_path), 3).start(beside=False)
    assert inline.proc is None and [i for i, _ in inline.items()] == [0, 1, 2]
