"""Publishing a rendered docs/ (issue 24): MkDocs and its hooks, Pagefind, the link check, the swap.

``site`` (``SiteBuild``: the build into site.tmp/, link check, index swap, ``run_child``),
``mkbuild`` (MkDocs configuration, Pagefind shards, stale pages), ``mkdocs_run``
(the MkDocs child process: ``python -m build_tools.publish.mkdocs_run``),
``mkdocs_hooks``/``site_hooks``/``escape_hooks`` (loaded by MkDocs by path),
``linkcheck`` (``python -m build_tools.publish.linkcheck site/``), ``serve``
(serves the built site).  This ``__init__`` imports nothing, so the MkDocs
child loads neither the render stage nor the search backends.
"""
