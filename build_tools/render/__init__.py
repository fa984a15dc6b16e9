"""The render stage: pure page families and per-document outputs (issue 24).

Each module turns records (``Notice``, ``Enrichment``) into files under docs/:
``pages`` (a document's page), ``tags``/``home``/``timeline``/``works``/``compare``/``cite``
(listing and cross-document pages), ``downloads`` (the ``OUTPUTS`` registry of
per-document files), ``exports``/``feed`` (archive, schema, RSS), ``search_pages``
(Pagefind's input pages), ``site_mode`` (which search a site gets), ``common``.
Nothing here imports ``build/`` (caches, forks) or ``publish/`` (MkDocs,
Pagefind): ``build.render.write_docs`` runs these functions over the archive
and passes in what they keep between builds (``common.Fragments``).
This ``__init__`` imports nothing, so one module loads alone.
"""
