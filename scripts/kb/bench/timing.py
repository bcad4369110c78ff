"""Wall time of `kb import`, `kb build` and `kb export`, stage by stage, against a plain
mkdocs-material build of the same raw articles, all in one interleaved series of runs.

Each run does, in this order: the plain build, `kb import`, `kb build`, and (when asked)
`kb export --site` on the site just built, i.e. the export's own steps: `kb export` is
`kb build` followed by them. These are the commands themselves, run as a user runs them;
their stages are reported from inside them by kb.bench.probe. Interleaving puts the same
background load on every command of a run.

The first run starts from a root with no build/ folder, so it pays for every cache the
commands keep there (a first build); the later runs find them (an editor building again).
Figures are medians over the later runs, the first run is reported on its own, and the
ratio to the plain build is taken within each run, then its median.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import plain, probe


def kb_command() -> str:
    return str(Path(sys.executable).parent / "kb")


def _probe_path() -> Path:
    """A folder holding only the sitecustomize.py that installs the probe."""
    folder = Path(tempfile.gettempdir()) / f"kb-bench-probe-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(probe.SITECUSTOMIZE, encoding="utf-8")
    return folder


def timed(argv: list[str], cwd: Path, pythonpath: str | None = None) -> tuple[float, dict]:
    """Seconds the command takes (it must succeed), and its stages from the probe, with its
    CPU seconds (user + system, its child processes included) and peak RSS: on a shared,
    loaded machine CPU time moves much less than wall time."""
    record = Path(tempfile.mkstemp(prefix="kb-bench-", suffix=".jsonl")[1])
    record.write_text("", encoding="utf-8")
    # An inherited PYTHONPATH stays last, so a bench run from an older package copy times it.
    paths = [str(_probe_path())] + ([pythonpath] if pythonpath else []) + \
        ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", probe.ENV: str(record),
           "PYTHONPATH": os.pathsep.join(paths)}
    try:
        with tempfile.TemporaryFile() as stderr:
            started = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
            # wait4 gives this command's own resource use (and its waited-for children's).
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode:
                stderr.seek(0)
                tail = stderr.read().decode("utf-8", "replace")[-3000:]
                raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{tail}")
        found = probe.read(record)
    finally:
        record.unlink(missing_ok=True)
    # What the stages do not cover: starting the interpreter(s), imports, loading mkdocs.yml.
    found["stages"] = {"start-up": max(0.0, seconds - sum(found["stages"].values())), **found["stages"]}
    found["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    found["rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    return seconds, found


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _series(runs: list[tuple[float, dict]]) -> dict:
    """Wall times and stage medians of one command over the runs (the first one apart)."""
    walls = [wall for wall, _ in runs]
    warm = runs[1:] or runs
    names = list(dict.fromkeys(name for _, found in runs for name in found["stages"]))
    cpus = [found["cpu_s"] for _, found in runs]
    out = {"runs": [round(w, 3) for w in walls], "first": round(walls[0], 3),
           "cpu_runs": cpus, "cpu_first": cpus[0], "cpu_median": _median(cpus[1:] or cpus),
           "rss_mb": max(found["rss_mb"] for _, found in runs),
           "median": _median([w for w, _ in warm]), "min": round(min(walls), 3), "max": round(max(walls), 3),
           "stages": {name: _median([f["stages"].get(name, 0.0) for _, f in warm]) for name in names},
           "first_stages": {name: round(runs[0][1]["stages"].get(name, 0.0), 3) for name in names}}
    handlers = {name for _, found in warm for name in found["handlers"]}
    if handlers:
        medians = {name: _median([f["handlers"].get(name, 0.0) for _, f in warm]) for name in handlers}
        out["handlers"] = dict(sorted(medians.items(), key=lambda kv: -kv[1])[:12])
    return out


def measure(root: Path, plain_config: Path, runs: int, export: bool, progress=print) -> dict:
    """The timings of one corpus (a root made by kb.bench.corpus.scratch_root)."""
    kb = [kb_command(), "--root", str(root)]
    shutil.rmtree(root / "build", ignore_errors=True)
    results: dict[str, list[tuple[float, dict]]] = {"plain": [], "import": [], "build": [], "export": []}
    ratios, cpu_ratios = [], []
    for run in range(max(1, runs)):
        results["plain"].append(timed(plain.build_command(plain_config), plain_config.parent))
        results["import"].append(timed([*kb, "import"], root))
        results["build"].append(timed([*kb, "build"], root))
        if export:
            results["export"].append(timed([*kb, "export", "--site", str(root / "site"),
                                            "--dist", str(root / "dist")], root))
        wall = {name: series[-1][0] for name, series in results.items() if series}
        ratios.append((wall["import"] + wall["build"]) / wall["plain"])
        cpu = {name: series[-1][1]["cpu_s"] for name, series in results.items() if series}
        cpu_ratios.append((cpu["import"] + cpu["build"]) / cpu["plain"])
        progress(f"    run {run + 1}/{runs}: plain {wall['plain']:.1f}s, kb import {wall['import']:.1f}s, "
                 f"kb build {wall['build']:.1f}s, ratio {ratios[-1]:.2f} (CPU {cpu_ratios[-1]:.2f})"
                 + (f", kb export --site {wall['export']:.1f}s" if export else ""))
    out = {"runs": runs, **{name: _series(series) for name, series in results.items() if series},
           "ratio": {"runs": [round(r, 3) for r in ratios], "first": round(ratios[0], 3),
                     "median": _median(ratios[1:] or ratios)},
           "cpu_ratio": {"runs": [round(r, 3) for r in cpu_ratios], "first": round(cpu_ratios[0], 3),
                         "median": _median(cpu_ratios[1:] or cpu_ratios)}}
    if export:
        out["export"].update(results["export"][-1][1].get("export", {}))
    return out


def before(root: Path, pythonpath: str, export: bool) -> dict:
    """One run of `kb import` (and the export steps) with an older kb package first on the path."""
    kb = [kb_command(), "--root", str(root)]
    out = {"import": dict(zip(("wall", "probe"), timed([*kb, "import"], root, pythonpath)))}
    if export:
        out["export"] = dict(zip(("wall", "probe"), timed([*kb, "export", "--site", str(root / "site"),
                                                           "--dist", str(root / "dist")], root, pythonpath)))
    subprocess.run([*kb, "import"], cwd=root, check=True, capture_output=True)  # back to today's docs/
    return out
