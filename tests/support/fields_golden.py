"""Make ``tests/data/fields-golden.json``: what the metadata stage decides for every real
document, kept so that a refactor of ``metadata.py`` / ``sidecar.py`` can be checked to
change no value (tests/test_fields.py compares with it).

Documents: ``source_texts/`` (read -> extract -> sidecar, ``load_notice``), and with no
sidecar (``extract`` only) the seeds, govcn2019 (43), provincial (20), sites2 (40), the
attachments corpus' pages, and every 60th lawrefbook law (sorted paths).

Run from the repo root:  .venv/bin/python tests/support/fields_golden.py
(only to record a deliberate change of a decided value; say which in the commit)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from build_tools.ingest.metadata import extract, load_notice
from build_tools.model.fields import metadata_record
from build_tools.ingest.read import read_file
from build_tools.settings import shared_dir

ROOT = Path(__file__).resolve().parent.parent.parent

GOLDEN = ROOT / "tests" / "data" / "fields-golden.json"
LAW_STEP = 60


def documents() -> list[tuple[str, Path, bool]]:
    """(name, path, with sidecar) of every document the golden file covers."""
    shared = shared_dir()
    corpus = shared / "corpus"
    out = [(f"source_texts/{p.name}", p, True) for p in sorted((ROOT / "source_texts").iterdir())
           if p.suffix in {".txt", ".html", ".md"}]
    out += [(f"seeds/{p.name}", p, False) for p in sorted((shared / "seeds").glob("*.txt"))]
    for folder in ("govcn2019", "provincial", "sites2"):
        out += [(f"{folder}/{p.name}", p, False) for p in sorted((corpus / folder).glob("*.html"))]
    out += [(f"attachments/{p.name}", p, False) for p in sorted((corpus / "attachments").glob("*-page.html"))]
    laws = sorted(p for p in (corpus / "lawrefbook").rglob("*.md") if p.name != "_index.md")
    out += [(f"lawrefbook/{p.relative_to(corpus / 'lawrefbook').as_posix()}", p, False) for p in laws[::LAW_STEP]]
    return out


def record(n) -> dict:
    """Every value the metadata stage sets on a Notice (the body and line map as digests)."""
    d = metadata_record(n)  # Notice.metadata_dict() when the golden file was made
    for k in ("work_id", "version", "validity", "validity_basis", "attachments"):  # later stages
        d.pop(k, None)
    d["doc_number_printed"] = n.doc_number_printed
    d["date_lines"] = dict(n.date_lines)
    d["events"] = [asdict(e) for e in n.events]
    d["stripped"] = hashlib.sha1(json.dumps(d["stripped"], ensure_ascii=False).encode()).hexdigest()
    d["body_sha1"] = hashlib.sha1(n.body.encode("utf-8")).hexdigest()
    d["line_map_sha1"] = hashlib.sha1(json.dumps(n.line_map).encode()).hexdigest()
    return json.loads(json.dumps(d, ensure_ascii=False, default=str))


def decide(path: Path, with_sidecar: bool) -> dict:
    n = load_notice(path) if with_sidecar else extract(read_file(path))
    return record(n)


def main() -> None:
    data = {name: decide(path, side) for name, path, side in documents()}
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{GOLDEN}: {len(data)} documents")


if __name__ == "__main__":
    main()
