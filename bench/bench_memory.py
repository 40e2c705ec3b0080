"""Memory held by a loaded dataset, as a ratio to its data file's size (target ≤ 2×).

Generates 100,000 synthetic trainings (``geo/synthetic.py``), then, in a fresh Python process
each time, loads the file as the service does (``DatasetStore.load_initial``: ``Dataset.load``,
the page's ``prepare`` hook that builds the map's compact data, then freed memory handed back)
and prints the memory it holds once loaded:

* ``traced``: bytes still allocated by Python and numpy after a full collection
  (``tracemalloc``), the dataset's own size;
* ``rss``: growth of the process's resident memory (in a run without tracing), which also
  counts freed memory the allocator keeps: an upper bound;
* ``peak``: the most that was allocated at once while loading (``tracemalloc`` peak).

    uv run --no-sync python bench/bench_memory.py [--count 100000] [--file F.geojson]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

MEASURE = r"""
import gc, json, sys, tracemalloc
from pathlib import Path

def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0

from functools import partial
from app.routers.pages import prepare_dataset
from app.settings import Settings
from app.store import DatasetStore
traced = sys.argv[2] == "traced"
gc.collect()
before = rss()
if traced:
    tracemalloc.start()
settings = Settings(data_path=Path(sys.argv[1]))
prepare = partial(prepare_dataset, settings=settings, assets=None)
dataset = DatasetStore(Path(sys.argv[1]), prepare=prepare).load_initial()
gc.collect()
if traced:
    current, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"count": len(dataset), "traced": current, "peak": peak}))
else:
    print(json.dumps({"count": len(dataset), "rss": rss() - before}))
"""


def measure(path: Path) -> dict[str, int]:
    """Load ``path`` in fresh interpreters (traced, then not: tracing costs memory too)."""
    figures: dict[str, int] = {}
    for mode in ("traced", "rss"):
        output = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path), mode],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures.update(json.loads(output.strip().splitlines()[-1]))
    return figures


def main(argv: list[str] | None = None) -> int:
    """Generate (or take) a data file, load it and print the memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="synthetic trainings")
    parser.add_argument("--file", type=Path, help="measure this data file instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        path = args.file
        if path is None:
            sys.path.insert(0, str(REPO))
            from bench.synthetic import write_synthetic

            path = Path(tmp) / "formations.geojson"
            write_synthetic(path, args.count, seed=1)
        size = path.stat().st_size
        figures = measure(path)
    print(f"data file: {figures['count']:,} trainings, {size / MIB:.1f} MiB")
    for name in ("traced", "rss", "peak"):
        print(f"  {name:>6}: {figures[name] / MIB:7.1f} MiB = {figures[name] / size:.2f}× the file")
    for name in ("traced", "rss"):
        verdict = "met" if figures[name] <= 2 * size else "MISSED"
        print(f"target: loaded dataset ≤ 2× its file, {name}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
