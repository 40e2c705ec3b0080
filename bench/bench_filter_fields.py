"""What the filters of issue 13 cost: map data bytes and search time, side by side.

For synthetic trainings with and without the LHEO fields (``tests/new_fields.py``), prints
the map data's size (raw, br, gzip: what the page downloads), the time to build the dataset,
and the median time of a search by each new filter next to a search by ``modalite`` on the
same dataset (a ratio, so that the machine's load cancels out).

    uv run --no-sync python bench/bench_filter_fields.py [--sizes 1000 50000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from app.dataset import Dataset  # noqa: E402
from app.filters import FormationFilters  # noqa: E402
from app.routers.pages import map_data_entry  # noqa: E402
from bench.synthetic import synthetic_collection  # noqa: E402
from tests.new_fields import TODAY, with_new_fields  # noqa: E402

SEARCHES = {
    "modalite=presentiel (reference)": FormationFilters(modalite=("presentiel",)),
    "niveau_sortie=5": FormationFilters(niveau_sortie=("5",)),
    "public_vise=salaries,tout_public": FormationFilters(public_vise=("salaries", "tout_public")),
    "certifiante=oui": FormationFilters(certifiante=True),
    "alternance=oui": FormationFilters(alternance=True),
    "session_avant=+60 days": FormationFilters(
        session_avant=TODAY + timedelta(days=60), aujourdhui=TODAY
    ),
}


def median_ms(dataset: Dataset, filters: FormationFilters, rounds: int) -> float:
    """Median time of ``dataset.select(filters)`` in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        dataset.select(filters)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    """Print the figures for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 50000])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    for size in args.sizes:
        base = synthetic_collection(size, seed=5)
        print(f"{size} trainings")
        for name, collection in (("without", base), ("with LHEO fields", with_new_fields(base, 5))):
            start = time.perf_counter()
            dataset = Dataset.from_collection(collection)
            built = time.perf_counter() - start
            entry = map_data_entry(dataset, 60)
            print(
                f"  {name:17s} map data raw {len(entry.body) / 1000:8.1f} kB, "
                f"br {len(entry.encoded['br']) / 1000:7.1f} kB, "
                f"gzip {len(entry.encoded['gzip']) / 1000:7.1f} kB; dataset built in "
                f"{built:.2f} s"
            )
        reference = None
        for label, filters in SEARCHES.items():
            ms = median_ms(dataset, filters, args.rounds)
            reference = reference or ms
            found = len(dataset.select(filters))
            print(f"  {label:34s} {ms:8.3f} ms  ×{ms / reference:5.2f}  ({found} found)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
