"""`kb bench <target>`: measurements that are too slow for `make test`.

Each target is a module here with `add_arguments(parser)` and `run(root, args) -> int`;
the registry below is all the CLI needs to know. Reports go under bench/.
"""
from __future__ import annotations

from importlib import import_module

# target name -> (module, one-line help)
TARGETS = {
    "search": ("kb.bench.search", "search quality (hit@1, hit@5, MRR) and keystroke-to-results time, ours vs Pagefind"),
    "engines": ("kb.bench.engines", "the served site's search engines side by side (one-file index, Pagefind): "
                "hit@5, keystroke latency, bytes per query, at 5/50/500 articles: bench/engines.md"),
    "classify": ("kb.bench.classify", "placement quality: leave-one-article-out on the five articles, "
                 "accuracy on the real-world corpus: bench/classify.md"),
    "all": ("kb.bench.perf", "build times vs plain mkdocs-material, page weight, search and serve latency, "
            "at 5 and 50 articles (--sizes): bench/report.md"),
    "build": ("kb.bench.perf", "only the build timings of `kb bench all` (import, build, export, by stage)"),
    "weight": ("kb.bench.perf", "only page weight, search index size and search latency of `kb bench all`"),
    "serve": ("kb.bench.perf", "only the kb serve edit-to-browser time of `kb bench all`"),
    "import-quality": ("kb.bench.quality", "the real-world corpus imported and built, per article, before and after "
                       "issue 14 (lines, images, tag text, formulas, headings): bench/import-quality.md"),
}


def target(name: str):
    return import_module(TARGETS[name][0])
