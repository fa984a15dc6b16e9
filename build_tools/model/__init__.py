"""Declarations shared by every stage (issue 24): ``fields.py`` declares each metadata
field once (label, sidecar key and check, card row, explain line, export name), and
``checks.py`` holds the value checks the sidecar schema is made of.  The records
themselves are still in ``build_tools/models.py`` (``Notice`` stays there while other
branches import it)."""
