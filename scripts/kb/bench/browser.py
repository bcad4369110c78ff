"""Headless Chromium and a static file server, for measurements in a real browser."""
from __future__ import annotations

import contextlib
import functools
import gzip
import os
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kb.core.chromium import CHROMIUM, CHROMIUM_ARGS


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


# What a web server with compression on sends gzipped: text, scripts, JSON, SVG, XML.
# Images and woff2 fonts are compressed already and go as they are.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
GZIP_LEVEL = 6  # zlib's default, and a common server setting


class _GzipHandler(_QuietHandler):
    """Sends text files gzip-compressed when the browser accepts it, as a production server would."""

    cache: dict[tuple[str, float], bytes]

    def do_GET(self):  # noqa: N802 - name from the base class
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?")[0].split("#")[0].endswith("/"):
                return super().do_GET()  # the base class redirects to the folder's URL
            path = os.path.join(path, "index.html")
        ctype = self.guess_type(path)
        if not ("gzip" in self.headers.get("Accept-Encoding", "") and os.path.isfile(path)
                and ctype.startswith(COMPRESSED_TYPES)):
            return super().do_GET()
        key = (path, os.path.getmtime(path))
        body = self.cache.get(key)
        if body is None:
            with open(path, "rb") as f:
                body = self.cache[key] = gzip.compress(f.read(), compresslevel=GZIP_LEVEL, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # browsers drop connections mid-response; not an error here


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server started elsewhere)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(directory: Path, compress: bool = False) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1; yields the base URL (no trailing slash).

    With `compress`, text files go gzip-compressed (see _GzipHandler)."""
    if compress:
        handler = type("Handler", (_GzipHandler,), {"cache": {}})
    else:
        handler = _QuietHandler
    server = _QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, name=f"serve {directory.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright `Browser`)."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (make setup as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
