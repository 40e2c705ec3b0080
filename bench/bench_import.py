"""Import robustness and speed: reading throughput by format, and how fast caps refuse a bomb.

Prints, for one synthetic list written as CSV (clean, and with a broken quote every 1,000
rows), JSON and XLSX, the CPU time and rows/s of reading and of validating; then, for XLSX
decompression bombs made on the spot (small: a ratio bomb; large: past the decompressed-size
cap), the time to refusal and the peak memory of a child ``carte-gen build``.

    uv run --no-sync python bench/bench_import.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar

from geo.importer import import_table, parse_bytes
from geo.importer.xlsx_reader import MAX_XLSX_UNCOMPRESSED_BYTES, MIB

HEADER = ["Identifiant", "Intitulé", "Structure", "Type de structure", "Code postal", "Commune"]
TYPES = ["Association", "SARL", "7210", "Collectivité locale ou territoriale", "GIP", "Club"]


def make_rows(count: int) -> list[list[object]]:
    """Rows that look like a regional export: every type spelling, a few unknown."""
    return [
        [
            f"B{n:06d}",
            f"Médiation numérique {n}",
            f"Structure n°{n % 997}",
            TYPES[n % 6],
            f"{1000 + n % 94_000:05d}",
            "Bourg-en-Bresse",
        ]
        for n in range(count)
    ]


def as_csv(rows: list[list[object]], broken_every: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for number, row in enumerate(rows, start=1):
        if broken_every and number % broken_every == 0:
            buffer.write(";".join(map(str, row[:1])) + ';"' + ";".join(map(str, row[1:])) + "\r\n")
        else:
            writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def as_json(rows: list[list[object]]) -> bytes:
    return json.dumps([dict(zip(HEADER, row, strict=True)) for row in rows]).encode()


def as_xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


T = TypeVar("T")


def cpu(action: Callable[[], T]) -> tuple[float, T]:
    start = time.process_time()
    result = action()
    return time.process_time() - start, result


def bomb(template: bytes, chunks: Callable[[], Iterator[bytes]]) -> bytes:
    """Copy a real workbook, its first sheet replaced by streamed XML."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w", force_zip64=True) as stream:
                    for chunk in chunks():
                        stream.write(chunk)
            else:
                target.writestr(item, source.read(item))
    return out.getvalue()


def refusal(data: bytes, folder: Path) -> tuple[float, int, str]:
    """Wall time, peak memory (MiB) and first message line of a child build refusing ``data``."""
    path = folder / "bomb.xlsx"
    path.write_bytes(data)
    code = (
        "import sys\nfrom app.cli import main\nstatus = main(sys.argv[1:])\n"
        "lines = open('/proc/self/status').read().splitlines()\n"
        "print('PEAK', next(l.split()[1] for l in lines if l.startswith('VmHWM:')), "
        "file=sys.stderr)\nsys.exit(status)\n"
    )
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, "build", str(path), "-o", str(folder / "o.geojson")],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    peak = int(result.stderr.rsplit("PEAK", 1)[1].split()[0]) // 1024
    return elapsed, peak, result.stderr.splitlines()[0][:110]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = make_rows(args.rows)
    print(f"Reading {args.rows:,} rows (CPU seconds, best of 3)")
    inputs = {
        "CSV": (as_csv(rows), "liste.csv"),
        "CSV, a broken quote / 1000 rows": (as_csv(rows, 1000), "liste.csv"),
        "JSON": (as_json(rows), "liste.json"),
        "XLSX": (as_xlsx(rows), "liste.xlsx"),
    }
    for label, (data, name) in inputs.items():
        read = validate = float("inf")
        kept = 0
        for _ in range(3):
            seconds, table = cpu(partial(parse_bytes, data, name))
            read = min(read, seconds)
            seconds, result = cpu(partial(import_table, table))
            validate = min(validate, seconds)
            kept = len(result.rows)
        print(
            f"  {label:34s} read {read:6.3f} s ({args.rows / read:>9,.0f} rows/s)"
            f"  validate {validate:6.3f} s   kept {kept:,}"
        )

    template = as_xlsx(rows[:1])
    blank = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 10_000
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><sheetData>'
    )
    small = bomb(template, lambda: iter([head, *[blank] * 40, b"</sheetData></worksheet>"]))
    filler = b"<!--" + b"0" * (4 * MIB) + b"-->"
    large = bomb(
        template,
        lambda: iter([head, *[filler] * (MAX_XLSX_UNCOMPRESSED_BYTES // len(filler) + 2)]),
    )
    print("XLSX bombs refused by a child carte-gen build (wall time, peak memory)")
    with tempfile.TemporaryDirectory() as folder:
        for label, data in (("small (ratio)", small), ("large (decompressed size)", large)):
            elapsed, peak, message = refusal(data, Path(folder))
            print(f"  {label:26s} {len(data) / 1024:8.0f} KiB  {elapsed:5.2f} s  {peak:4d} MiB")
            print(f"    {message}")


if __name__ == "__main__":
    main()
