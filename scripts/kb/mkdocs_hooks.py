"""MkDocs hooks: the generated navigation, vendored front-end libraries, maths on demand."""
from __future__ import annotations

import logging
from pathlib import Path

import yaml
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from kb import vendor


def on_startup(**kwargs):
    # jieba (used by the search plugin for Chinese) prints its dictionary loading to stderr.
    import jieba

    jieba.setLogLevel(logging.WARNING)


def on_config(config, **kwargs):
    # The navigation is written by `kb import` next to the pages it lists.
    nav_file = Path(config["docs_dir"]) / ".nav.yml"
    if nav_file.is_file():
        config["nav"] = yaml.safe_load(nav_file.read_text(encoding="utf-8"))["nav"]
    # mermaid2 looks for its library under docs/; ours comes from node_modules (on_files),
    # so give the plugin the site path directly instead of letting it probe docs/.
    mermaid = config["plugins"].get("mermaid2")
    if mermaid is not None:
        mermaid._javascript = vendor.MERMAID_JS
    # The offline plugin adds Material's iframe-worker shim (search from file://) from unpkg;
    # serve the copy vendored from node_modules instead, whichever of us runs first.
    polyfills = [p for p in config["extra"].get("polyfills", []) if "iframe-worker" not in str(p)]
    config["extra"]["polyfills"] = [*polyfills, vendor.IFRAME_WORKER_JS]
    return config


def on_files(files, config, **kwargs):
    root = Path(config["config_file_path"]).parent
    for dest, src in vendor.vendor_files(root / "node_modules").items():
        files.append(File.generated(config, dest, abs_src_path=str(src)))
    return files


def on_post_page(output, page, config, **kwargs):
    # KaTeX only on pages that have maths.
    if not vendor.has_maths(output):
        return output
    base = get_relative_url(".", page.url or ".")
    base = "" if base == "." else base.rstrip("/") + "/"
    head, body = vendor.maths_tags(base)
    output = output.replace("</head>", head + "</head>", 1)
    return output.replace("</body>", body + "</body>", 1)
