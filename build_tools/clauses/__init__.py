"""Clauses: the clause tree of a body.

structure (the marker table STYLES and an engine that names no style), clauseids (the one id
grammar and the declared clause kinds, ``KINDS``; ids given in one pass over the finished tree).
"""
