"""Ingest: what a user brings, read into a document with its metadata.

read (formats, encodings, the main content of a web page), clean (the body), office (PDF, Word,
DOC/WPS through an injected runner), sidecar (curated corrections), metadata (one decider per
declared field, ``model/fields.py``), lawdates (a law's dated lines), attachments (the 附件 list
and held files).  Imports nothing from build/ or publish/ (tests/test_imports.py, rule ``layer``).
"""
