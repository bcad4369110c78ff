"""CPU time of `kb import` alone, first run (no build/) and a later run, for several kb
versions side by side, interleaved (issue 15: import time within 10% of an older commit's).

    .venv/bin/python scripts/bench/import_cpu.py --rounds 3 --sizes 5,50 --work /tmp/kb-import-cpu \\
        cf76a77=/tmp/kb-cf76a77 now=.

Each VERSION=ROOT is a checkout of kb (for an older commit: `git archive COMMIT | tar -x -C ROOT`);
its own scripts/ goes first on PYTHONPATH and its corpus is made, as `kb bench` makes it
(kb.bench.corpus), from its own sources/ and editorial file. Every round runs, per size
and version (the order of versions reversed every other round): remove build/, `kb import`
(first run), `kb import` again (later run). CPU time is user + system of the command and
its children (os.wait4, as kb.bench.timing measures it): on a shared machine it moves much
less than wall time. Prints the median per version, size and run, each run's figure, and
the machine's load average while they ran. BYTECODE=1 lets Python write and read .pyc
files even when PYTHONDONTWRITEBYTECODE is set (as on a user's machine).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from kb.bench.corpus import scratch_root  # noqa: E402

KB = str(Path(sys.executable).parent / "kb")


def environment(scripts: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(scripts)}
    if os.environ.get("BYTECODE") == "1":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cpu(root: Path, env: dict[str, str]) -> float:
    """CPU seconds of one `kb import` in root (it must succeed)."""
    proc = subprocess.Popen([KB, "--root", str(root), "import"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    error = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"kb import failed in {root}:\n{error[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="5,50")
    parser.add_argument("--work", default="/tmp/kb-import-cpu", help="where the corpora are made")
    parser.add_argument("versions", nargs="+", help="NAME=ROOT of a kb checkout")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    versions = [(name, Path(root).resolve()) for name, root in (v.split("=", 1) for v in args.versions)]
    roots, envs = {}, {}
    for name, source in versions:
        envs[name] = environment(source / "scripts")
        for n in sizes:
            root = scratch_root(source, Path(args.work) / f"{name}-{n}", n)
            subprocess.run([KB, "--root", str(root), "import"], env=envs[name], check=True, capture_output=True)
            roots[(name, n)] = root
    runs: dict[tuple[str, int, str], list[float]] = {}
    loads = []
    for r in range(args.rounds):
        for n in sizes:
            for name, _ in versions if r % 2 == 0 else versions[::-1]:
                root = roots[(name, n)]
                loads.append(os.getloadavg()[0])
                shutil.rmtree(root / "build", ignore_errors=True)
                runs.setdefault((name, n, "first"), []).append(cpu(root, envs[name]))
                runs.setdefault((name, n, "later"), []).append(cpu(root, envs[name]))
        print(f"round {r + 1}/{args.rounds}: load average {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
    print(f"Python bytecode files: {'written and read' if os.environ.get('BYTECODE') == '1' else 'as the environment says'}"
          f" (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})")
    print(f"load average (1 min) at each run: min {min(loads):.2f}, median {statistics.median(loads):.2f}, "
          f"max {max(loads):.2f} (2 cores)")
    print("| articles | run | " + " | ".join(name for name, _ in versions) + " | runs |")
    print("| ---: | --- | " + " | ".join("---:" for _ in versions) + " | --- |")
    for n in sizes:
        for kind in ("first", "later"):
            medians = [statistics.median(runs[(name, n, kind)]) for name, _ in versions]
            every = "; ".join(f"{name}: " + ", ".join(f"{x:.2f}" for x in runs[(name, n, kind)]) for name, _ in versions)
            print(f"| {n} | {kind} | " + " | ".join(f"{m:.3f}" for m in medians) + f" | {every} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
