"""The build owner (issue 24): what the build keeps, what it starts, in which order.

* ``store.py`` — one store: every file a build keeps for the next one under
  ``<cache>/`` is named there once (``Store``), read and written atomically;
  ``Memo`` keeps a value per input key under the code digest of the modules
  that make it (``codedigest.code_digest``, the one digest of code in the
  project).
* ``schedule.py`` — the two-core schedule: a call beside the caller's work in
  a forked child (``Forked``), a map over both cores (``fork_map``), a pool of
  workers with pickled arguments (``pool_map``, the load stage), a thread
  beside (``thread_beside``).  Every process and thread the build starts for
  its own work is started there (tests/test_imports.py).

``pipeline.build_site`` reads as the phases ingest -> clauses -> enrich ->
render -> publish, each a function of ``pipeline.Run`` (the build's state).
This package imports no stage: stages may use it, never the other way round.
"""
