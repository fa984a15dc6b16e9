"""``iparchive serve``: the built site on 127.0.0.1, static files of one tree only.

A module of its own so that the other commands (``search`` above all, whose
whole command is a benchmark figure) do not import ``http.server``.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
from pathlib import Path

__all__ = ["SiteHandler", "serve_site", "NOT_FOUND_PAGE"]

NOT_FOUND_PAGE = "404.html"  # MkDocs writes the theme's Chinese 404 page (overrides/404.html) there


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files of one site tree only: a path that resolves outside the
    tree (a symlink in a downloaded copy pointing at /etc) and a directory
    without index.html are 404 — never a directory listing."""

    def translate_path(self, path: str) -> str:
        local = super().translate_path(path)
        root = os.path.realpath(self.directory)
        real = os.path.realpath(local)
        if real != root and not real.startswith(root + os.sep):
            return os.path.join(root, ".iparchive-outside-the-site")  # does not exist: 404
        return local

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
