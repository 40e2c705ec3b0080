"""Download cost: seconds, size and peak memory of each export format at one selection size.

Generates N synthetic trainings carrying issue 13's fields (``bench.synthetic_c1``), writes
them encoded as the dataset holds them, then builds each file in a fresh subprocess that
decodes the trainings one at a time, as the route does. Each subprocess reports its CPU
seconds, the file's size and the growth of its resident memory (sampled every 2 ms: the
kernel's high-water mark lags behind a running process) over a baseline measured after
loading the encoded trainings: what building the file costs, to
compare with the file's own size (the body the service caches once).

    uv run --no-sync python bench/bench_exports.py [--count 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("geojson-bytes", "csv", "csv-codes", "xlsx", "lheo")

CHILD = r"""
import io, json, os, sys, threading, time
import orjson
sys.path.insert(0, {root!r})
from app.exports import Colonnes, ExportRows
from app.exports.cells import export_columns
from app.exports import write_csv, write_lheo_export, write_xlsx

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class Peak(threading.Thread):
    # the kernel's high-water mark lags behind a running process: sample the RSS instead
    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.done = rss(), False

    def run(self):
        while not self.done:
            self.peak = max(self.peak, rss())
            time.sleep(0.002)


with open({path!r}, "rb") as lines:  # line by line: no transient copy of the whole file
    heads = [line.rstrip(b"\n") for line in lines]
fmt = {fmt!r}
before = rss()
sampler = Peak()
sampler.start()
start = time.process_time()
features = (orjson.loads(head) for head in heads)
out = io.BytesIO()
if fmt == "geojson-bytes":
    out.write(b",".join(heads))
elif fmt == "lheo":
    write_lheo_export(features, out)
else:
    colonnes = Colonnes.CODES if fmt == "csv-codes" else Colonnes.LIBELLES
    rows = ExportRows(export_columns(False), ((f, None) for f in features), len(heads))
    (write_xlsx if fmt == "xlsx" else write_csv)(rows, colonnes, out)
body = out.getvalue()
seconds = time.process_time() - start
sampler.done = True
sampler.join()
peak = max(sampler.peak, rss())
print(json.dumps({{"seconds": seconds, "bytes": len(body), "growth": peak - before}}))
"""


def run(fmt: str, path: Path) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), path=str(path), fmt=fmt)
    answer = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if answer.returncode != 0:
        raise SystemExit(f"building the {fmt} file failed:\n{answer.stderr}")
    result: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="trainings (20000)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import orjson

    from bench.synthetic_c1 import c1_collection

    collection = c1_collection(args.count, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "features.jsonl"
        path.write_bytes(b"\n".join(orjson.dumps(f) for f in collection["features"]) + b"\n")
        print(f"{args.count} trainings with issue 13's fields")
        print(f"{'format':<14}{'s':>8}{'trainings/s':>13}{'MB':>9}{'peak growth MB':>16}")
        for fmt in FORMATS:
            result = run(fmt, path)
            rate = args.count / result["seconds"] if result["seconds"] else float("inf")
            print(
                f"{fmt:<14}{result['seconds']:>8.2f}{rate:>13,.0f}"
                f"{result['bytes'] / 1e6:>9.1f}{result['growth'] / 1e6:>16.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
