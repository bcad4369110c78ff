"""The package's layers: a module imports only its own layer and the layers below it
(kb/__init__.py lists them), so the layout shows the architecture."""
from __future__ import annotations

import ast

from kbtest import REPO

# Bottom to top.
LAYERS = ["core", "importer", "site", "export", "bench", "cli"]
PACKAGE = REPO / "scripts" / "kb"


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "kb" and len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_every_module_is_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__", "cli")]
    assert loose == []


def test_no_module_imports_a_higher_layer():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _layer("kb." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if here is None:
            continue
        for line, module in _imports(path):
            there = _layer(module)
            if there is not None and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{path.relative_to(REPO)}:{line}: {here} imports {module}")
    assert wrong == []
