"""``iparchive serve``: the built site on 127.0.0.1, static files of one tree only.

A module of its own so that the other commands (``search`` above all, whose
whole command is a benchmark figure) do not import ``http.server``.

Text files (HTML, CSS, JavaScript, JSON, SVG, XML) are sent gzip-compressed
to a browser that accepts it, as any web server hosting the site would send
them: a first search of a large archive fetched Material's stylesheet and
script bundle (252 KB) uncompressed, a quarter of its bytes.  Pagefind's
index files are compressed already and go as they are.  Compressed bodies
are kept in memory per file, as long as its bytes hash the same (a build
swaps site/ in while we serve; issue 28: never its size and mtime).

Text files go with ``charset=utf-8`` (``TEXT_TYPES``): the downloads
``data/notices/<id>.txt`` and ``<id>.md.txt`` were sent as bare
``text/plain`` and a browser showed their Chinese as mojibake.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import stat
import sys
import threading
from collections import OrderedDict
from pathlib import Path

from ..build.schedule import start_thread
from ..fsutil import content_digest
from ..settings import SERVE_CACHE_BYTES

__all__ = ["SiteHandler", "serve_site", "background_server", "accepts_gzip", "NOT_FOUND_PAGE", "COMPRESSED",
           "TEXT_TYPES"]

NOT_FOUND_PAGE = "404.html"  # MkDocs writes the theme's Chinese 404 page (overrides/404.html) there
COMPRESSED = frozenset({".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"})
# every file the build writes as text is UTF-8; the type named here, with its charset
TEXT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".json": "application/json", ".html": "text/html",
              ".htm": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
              ".csv": "text/csv", ".xml": "application/xml", ".svg": "image/svg+xml", ".map": "application/json"}


def accepts_gzip(header: str) -> bool:
    """``Accept-Encoding: gzip, deflate, br`` (Chromium) yes; ``gzip;q=0`` or no header no."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


class _Gzipped:
    """path -> (content digest, gzip bytes), bounded by ``settings.SERVE_CACHE_BYTES``.
    The file is read on every request and its digest decides (issue 28:
    never its size and mtime, which a same-length edit can keep); only the
    compression is spared."""

    def __init__(self):
        self.items: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, path: str) -> bytes:
        with open(path, "rb") as f:
            raw = f.read()
        key = content_digest(raw)
        with self.lock:
            hit = self.items.get(path)
            if hit and hit[0] == key:
                self.items.move_to_end(path)
                return hit[1]
        body = gzip.compress(raw, compresslevel=6, mtime=0)
        with self.lock:
            old = self.items.pop(path, None)
            self.size += len(body) - (len(old[1]) if old else 0)
            self.items[path] = (key, body)
            while self.size > SERVE_CACHE_BYTES and len(self.items) > 1:
                self.size -= len(self.items.popitem(last=False)[1][1])
        return body


_GZIPPED = _Gzipped()


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files of one site tree only: a path that resolves outside the
    tree (a symlink in a downloaded copy pointing at /etc) and a directory
    without index.html are 404 — never a directory listing."""

    def translate_path(self, path: str) -> str:
        local = super().translate_path(path)
        root = os.path.realpath(self.directory)
        if "\0" in local:  # /notices/%00.html: realpath raised ValueError, a traceback and no answer
            return os.path.join(root, ".iparchive-outside-the-site")
        real = os.path.realpath(local)
        if real != root and not real.startswith(root + os.sep):
            return os.path.join(root, ".iparchive-outside-the-site")  # does not exist: 404
        try:
            mode = os.stat(real).st_mode
        except OSError:
            return local
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # a FIFO or device: open() would block a thread for good
            return os.path.join(root, ".iparchive-outside-the-site")
        return local

    def guess_type(self, path) -> str:
        """Text files with ``charset=utf-8`` (module doc); others as ``http.server`` guesses."""
        kind = TEXT_TYPES.get(os.path.splitext(str(path))[1].lower())
        return f"{kind}; charset=utf-8" if kind else super().guess_type(path)

    def send_head(self):
        """A text file to a client that accepts gzip: compressed (module doc);
        anything else as ``http.server`` sends it."""
        if not accepts_gzip(self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?", 1)[0].endswith("/") or not os.path.isfile(index):
                return super().send_head()  # the redirect to the slash, or the 404
            path = index
        if path.endswith("/") or os.path.splitext(path)[1].lower() not in COMPRESSED:
            return super().send_head()
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                return super().send_head()
            body = _GZIPPED.get(path)
        except OSError:  # gone meanwhile: http.server's answer (the 404 page)
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(st.st_mtime))
        self.end_headers()
        return io.BytesIO(body)

    def list_directory(self, path):
        self.send_error(404, "File not found")
        return None

    def send_error(self, code: int, message=None, explain=None) -> None:
        """A missing path gets the site's own Chinese 404 page (status 404), not http.server's English one."""
        page = Path(self.directory) / NOT_FOUND_PAGE
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")  # sys.stderr is the CLI's SafeStream


def serve_site(site: Path, port: int) -> None:
    """Serve ``site`` until Ctrl-C.  site/ may be swapped by a build while we
    serve: the handler is given the path, not an open directory."""
    handler = functools.partial(SiteHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"文库已在 http://127.0.0.1:{httpd.server_address[1]}/ 提供（仅本机可访问），Ctrl-C 结束", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


class QuietHandler(SiteHandler):
    """``SiteHandler`` without the request log (tests, benchmarks)."""

    def log_message(self, format: str, *args) -> None:
        pass


def background_server(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """(server, base URL) serving ``site`` on a free port of 127.0.0.1 from a
    daemon thread, exactly as ``iparchive serve`` does (text files gzipped),
    without its log: the browser tests and ``make bench`` measure through it.
    The caller ends it with ``shutdown()``."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    start_thread(httpd.serve_forever, name="site-server")
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
