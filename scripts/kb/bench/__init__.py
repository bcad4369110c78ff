"""`kb bench <target>`: measurements that are too slow for `make test`.

Each target is a module here with `add_arguments(parser)` and `run(root, args) -> int`;
the registry below is all the CLI needs to know. Reports go under bench/.
"""
from __future__ import annotations

from importlib import import_module

# target name -> (module, one-line help)
TARGETS = {
    "search": ("kb.bench.search", "search quality (hit@1, hit@5, MRR) and keystroke-to-results time, ours vs Pagefind"),
}


def target(name: str):
    return import_module(TARGETS[name][0])
