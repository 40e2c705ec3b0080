"""The cost of ``/api/formations/pistes`` answers, side by side with the search they widen.

In-process, on a generated set of trainings (``bench/synthetic.py``, 100,000 by default): for
each kind of thin query, the median time of building the pistes answer
(:func:`app.routers.pistes.pistes_answer`: one selection per active criterion, plus the
nearest beyond the radius) against the median time of the search alone (``Dataset.select``),
and their ratio. Nothing is cached: each run computes its answer.

    uv run --no-sync python bench/bench_pistes.py [--count 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.dataset import Dataset  # noqa: E402
from app.filters import FormationFilters, Near  # noqa: E402
from app.routers.pistes import pistes_answer  # noqa: E402
from bench.synthetic import write_synthetic  # noqa: E402

#: A point in the Atlantic off Brittany (nothing within a few km) and Lyon's centre.
SEA = Near(lon=-3.6, lat=47.0, rayon_km=5.0)
LYON = Near(lon=4.8357, lat=45.764, rayon_km=10.0)
QUERIES: dict[str, FormationFilters] = {
    "empty radius at sea": FormationFilters(near=SEA),
    "radius + type + duration": FormationFilters(
        near=LYON, type_structure=("autre",), duree_min=20, modalite=("distanciel",)
    ),
    "region + type + duration": FormationFilters(
        region=("84",), type_structure=("autre",), duree_min=22, modalite=("distanciel",)
    ),
    "words absent + region": FormationFilters(region=("84",), q="cuisine moleculaire"),
}


def median_ms(work: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``work`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    """Print, per query, the search, the pistes answer and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "formations.geojson"
        write_synthetic(path, args.count, seed=5)
        dataset = Dataset.load(path)
    print(f"{args.count:,} trainings, median of {args.repeat} runs")
    print(f"{'query':28} {'results':>8} {'search ms':>10} {'pistes ms':>10} {'ratio':>6}")
    for name, filters in QUERIES.items():
        results = len(dataset.select(filters))
        search = median_ms(partial(dataset.select, filters), args.repeat)
        pistes = median_ms(partial(pistes_answer, dataset, filters), args.repeat)
        print(f"{name:28} {results:>8} {search:>10.2f} {pistes:>10.2f} {pistes / search:>6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
