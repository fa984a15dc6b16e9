"""Atom feed of the newest documents: ``data/feed.xml``.

Entry ids are ``tag:iparchive,2024:notice/<id>`` (stable even without a
site_url); links are absolute when ``site_url`` is set, else relative to
the feed (``../notices/<id>.html``), which Atom resolves via xml:base.  An entry's
summary holds the fields declared with ``feed=True`` in ``model/fields.py``.
"""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from ..model.fields import feed_values
from ..models import Notice
from .common import ThemeIndex, by_date_desc, region_label, write_if_changed

ATOM = "http://www.w3.org/2005/Atom"


def _when(n: Notice) -> str:
    return f"{n.date or '1970-01-01'}T00:00:00Z"


def atom(notices: list[Notice], site_url: str = "", themes: ThemeIndex | None = None,
         limit: int = 30) -> bytes:
    themes = themes or ThemeIndex([])
    ET.register_namespace("", ATOM)
    newest = by_date_desc(notices)[:limit]
    base = site_url.rstrip("/") + "/" if site_url else "../"
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "zh-CN"})
    if site_url:
        feed.set("xml:base", base)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "知识产权政策文库：最新文件"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "tag:iparchive,2024:feed"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _when(newest[0]) if newest else _when(Notice("", "", "", ""))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": base + "data/feed.xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": base + "index.html"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "知识产权政策文库"
    for n in newest:
        e = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(e, f"{{{ATOM}}}title").text = n.title
        ET.SubElement(e, f"{{{ATOM}}}id").text = f"tag:iparchive,2024:notice/{n.id}"
        ET.SubElement(e, f"{{{ATOM}}}updated").text = _when(n)
        ET.SubElement(e, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}notices/{n.id}.html"})
        # the region, each field declared with feed=True (model/fields.py: 发文机关, 发文字号, 状态), the date
        bits = [region_label(n), *feed_values(n), n.date or "", "（日期推定）" if n.date_basis == "inferred" else ""]
        ET.SubElement(e, f"{{{ATOM}}}summary").text = " ".join(b for b in bits if b)
        for s, name in themes.doc_themes(n):
            ET.SubElement(e, f"{{{ATOM}}}category", {"term": s, "label": name})
        if n.work_id:  # issue 13: the work, the version and its validity
            ET.SubElement(e, f"{{{ATOM}}}category", {"scheme": "tag:iparchive,2024:work", "term": n.work_id,
                                                   "label": n.version_label or ""})
        if n.validity:
            ET.SubElement(e, f"{{{ATOM}}}category", {"scheme": "tag:iparchive,2024:validity", "term": n.validity,
                                                   "label": f"{n.validity}：{n.validity_basis or ''}"})  # issue 25
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_feed(notices: list[Notice], docs_dir: Path, site_url: str,
               themes: ThemeIndex | None = None) -> Path:
    path = docs_dir / "data" / "feed.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(path, atom(notices, site_url, themes))
    return path
