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
* ``render.py`` — the render orchestrator: runs the pure page families of
  ``render/`` over the archive into docs/ (forked per document, memoized).
* ``pagecache.py`` — the page cache: a document's page, record and downloads
  are made again only when it or what its renderer read changed.

``pipeline.build_site`` reads as the phases ingest -> clauses -> enrich ->
render -> publish, each a function of ``pipeline.Run`` (the build's state).
The build runs the stages; a stage imports nothing from it, and publish/
only its launchers (tests/test_imports.py, rule ``layer``).
"""
