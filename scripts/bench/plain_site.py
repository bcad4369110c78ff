"""Reproduce: a plain mkdocs-material site (with jieba) of the raw articles finds nothing
for mixed Latin/Chinese queries typed without a space.

    .venv/bin/python scripts/bench/plain_site.py

Builds, in a temporary folder, the five articles of sources/ as they are (one page each)
with mkdocs-material's search plugin at its Chinese defaults (`lang: zh`, jieba installed,
no separator, no user dictionary, no query rewrite), types each query into the search
box in headless Chromium, and prints how many results the site shows. It also prints the
index tokens that contain each Latin term, which is where the cause shows.
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from kb.bench.browser import chromium, serve  # noqa: E402
from kb.bench.plain import build_plain_site  # noqa: E402
from kb.bench.search import SearchBox  # noqa: E402

QUERIES = ["CNN模型", "Transformer架构", "Docker容器", "LSTM层", "SEM广告", "TensorFlow Lite", "GPT-3"]


def tokens_with(index: dict, term: str) -> list[str]:
    separator = re.compile(index["config"]["separator"])
    found = set()
    for doc in index["docs"]:
        for token in separator.split(re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"])):
            if term.lower() in token.lower():
                found.add(token.lower())
    return sorted(found)[:6]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kb-plain-") as tmp:
        site = build_plain_site(Path(tmp), ROOT / "sources")
        index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
        print(f"plain site: separator {index['config']['separator']!r}, {len(index['docs'])} sections")
        with chromium() as browser, serve(site) as base:
            box = SearchBox(browser, base)
            for query in QUERIES:
                box.search(query)
                shown = box.page.locator("ol.md-search-result__list > li").count()
                meta = box.page.text_content(".md-search-result__meta")
                latin = re.match(r"[A-Za-z]+", query).group(0)
                print(f"{query:16} results shown: {shown:3}  ({meta.strip()})  "
                      f"index tokens with {latin!r}: {tokens_with(index, latin)}")
            box.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
