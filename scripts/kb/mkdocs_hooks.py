"""MkDocs hooks: take the navigation that `kb import` generated (docs/.nav.yml)."""
from __future__ import annotations

from pathlib import Path

import yaml


def on_config(config, **kwargs):
    nav_file = Path(config["docs_dir"]) / ".nav.yml"
    if nav_file.is_file():
        config["nav"] = yaml.safe_load(nav_file.read_text(encoding="utf-8"))["nav"]
    return config


def on_startup(**kwargs):
    # jieba (used by the search plugin for Chinese) prints its dictionary loading to stderr.
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


def on_page_content(html, **kwargs):
    # Page bodies come from articles the site's owners did not write: remove anything
    # that could run or fetch in the reader's browser (see kb.sanitize).
    from kb.sanitize import sanitize_html

    return sanitize_html(html)
