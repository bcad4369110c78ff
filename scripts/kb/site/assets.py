"""Front-end libraries from npm (node_modules/, pinned by package-lock.json), served by the site.

The site never loads a script from another host: Mermaid and KaTeX are copied from
node_modules into site/assets/vendor/ at build time. A page gets KaTeX's tags only when it
has maths and Mermaid's only when it has a diagram (a string test and an insertion before
`</body>`: the page is not parsed again).

Diagrams: pymdownx.superfences writes a ```mermaid block as `<div class="mermaid">` with
the diagram's text (mkdocs.yml, fence_div_format); Mermaid, initialised here, draws every
`.mermaid` element when the page has loaded. Not Material's own integration: its bundle
takes `pre.mermaid` only (so it leaves these divs alone), loads Mermaid from unpkg when the
page has none, and draws into a closed shadow root, where neither the export nor the tests
can reach the SVG.
"""
from __future__ import annotations

import json
from pathlib import Path

from kb.core.model import KbError

VENDOR_DIR = "assets/vendor"
MERMAID_JS = f"{VENDOR_DIR}/mermaid/mermaid.min.js"
KATEX_JS = f"{VENDOR_DIR}/katex/katex.min.js"
KATEX_CSS = f"{VENDOR_DIR}/katex/katex.min.css"
KATEX_INIT = "assets/javascripts/katex-init.js"
# How the site's Mermaid draws (kb export draws with the same settings): labels are text from
# the sources, "antiscript" keeps any script out of them.
MERMAID_SETTINGS = {"securityLevel": "antiscript"}
# Material's search runs in a Web Worker, which browsers refuse from file://; the offline
# plugin swaps in this shim (an iframe posing as a worker). Material points it at unpkg;
# the kb plugin points it here instead.
IFRAME_WORKER_JS = f"{VENDOR_DIR}/iframe-worker/shim.js"

# site path -> path inside node_modules
_FILES = {
    MERMAID_JS: "mermaid/dist/mermaid.min.js",
    KATEX_JS: "katex/dist/katex.min.js",
    KATEX_CSS: "katex/dist/katex.min.css",
    IFRAME_WORKER_JS: "iframe-worker/shim/index.js",
}
_DIRS = {f"{VENDOR_DIR}/katex/fonts": "katex/dist/fonts"}


def vendor_files(node_modules: Path) -> dict[str, Path]:
    """{path in the site: file on disk} for every vendored file."""
    if not all((node_modules / package).is_dir() for package in ("katex", "mermaid", "iframe-worker")):
        raise KbError("node_modules", None, "front-end libraries are not installed",
                      "run `npm ci` (or `make setup`) in the repository root")
    out = {dest: node_modules / src for dest, src in _FILES.items()}
    for dest, src in _DIRS.items():
        for path in sorted((node_modules / src).iterdir()):
            if path.suffix == ".woff2":  # every current browser takes the first format KaTeX lists
                out[f"{dest}/{path.name}"] = path
    missing = [str(p) for p in out.values() if not p.is_file()]
    if missing:
        raise KbError(missing[0], None, "file missing from an npm package", "run `npm ci` again")
    return out


def has_maths(html: str) -> bool:
    return 'class="arithmatex"' in html


def maths_tags(base: str) -> tuple[str, str]:
    """(tag for <head>, tags for the end of <body>); `base` is the page's path to the site root."""
    head = f'<link rel="stylesheet" href="{base}{KATEX_CSS}">'
    body = f'<script src="{base}{KATEX_JS}"></script><script src="{base}{KATEX_INIT}"></script>'
    return head, body


def has_diagrams(html: str) -> bool:
    return '<div class="mermaid">' in html


def diagram_tags(base: str) -> str:
    """Tags for the end of <body> of a page with diagrams: Mermaid draws them on load."""
    return (f'<script src="{base}{MERMAID_JS}"></script>'
            f"<script>mermaid.initialize({json.dumps(MERMAID_SETTINGS)})</script>")


def add_page_tags(html: str, base: str) -> str:
    """A written page with the tags of the libraries it needs (KaTeX, Mermaid), if any;
    `base` is the page's path to the site root ("" or "../" …)."""
    head, body = "", ""
    if has_maths(html):
        head, tags = maths_tags(base)
        body += tags
    if has_diagrams(html):
        body += diagram_tags(base)
    if head:
        html = html.replace("</head>", head + "</head>", 1)
    if not body:
        return html
    before, end, after = html.rpartition("</body>")
    return before + body + end + after if end else html + body
