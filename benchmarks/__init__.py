"""The benchmarks: ``make bench`` (``bench.py``: the whole real corpus built,
rebuilt after one change, searched; ``bench_rebuild.py``: one rebuild in a
process of its own) and ``make bench-search`` (``bench_search.py``: recall
and precision of the CLI and the browser against a plain substring search).

Not tests and not part of the package: nothing in build_tools/ or search/
imports them.  The tests reuse their ground truth (``bench_search.truth``),
their queries and their edit of a document (``bench.changed_copy``).
Figures: BENCHMARKS.md.
"""
