"""Permanence: ids that never vanish.

anchors (the anchor check against anchors.lock returns changes and mutates nothing; redirects),
renumber (a renumbered law's articles followed across versions), claims (a 文号, page name or text
claimed twice).
"""
