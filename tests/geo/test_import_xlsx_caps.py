"""XLSX caps: crafted workbooks (decompression bombs, huge sheets) are refused fast and small."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from geo.importer import MAX_CELL_CHARS, InputFileError, import_table, parse_bytes
from geo.importer.xlsx_reader import (
    MAX_XLSX_COLUMNS,
    MAX_XLSX_RATIO,
    MAX_XLSX_ROWS,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    MIB,
)

SHEET = "xl/worksheets/sheet1.xml"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Intitulé</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Structure</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Commune</t></is></c></row>'
)


def with_sheet(template: bytes, chunks: Callable[[], Iterator[bytes]]) -> bytes:
    """A copy of a real workbook whose first sheet is replaced by streamed XML chunks."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as stream:
                    for chunk in chunks():
                        stream.write(chunk)
            else:
                target.writestr(item, source.read(item))
    return out.getvalue()


def sheet_xml(rows: Iterator[str]) -> Iterator[bytes]:
    yield (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + HEADER_ROW.encode()
    )
    buffer: list[str] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= 10_000:
            yield "".join(buffer).encode()
            buffer.clear()
    yield "".join(buffer).encode() + b"</sheetData></worksheet>"


@pytest.fixture(scope="module")
def template(xlsx_bytes_module) -> bytes:
    return xlsx_bytes_module([["Intitulé", "Structure", "Commune"], ["A", "B", "Paris"]])


@pytest.fixture(scope="module")
def xlsx_bytes_module() -> Callable[..., bytes]:
    def build(rows: list[list[object]]) -> bytes:
        import openpyxl

        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return build


def run_build(path: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Build in a child process; return its result and its peak memory in KiB.

    The peak is the process's own ``VmHWM``: ``ru_maxrss`` would also count the memory of the
    test process it was forked from.
    """
    code = (
        "import sys\n"
        "from app.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "status_lines = open('/proc/self/status').read().splitlines()\n"
        "peak = next(line.split()[1] for line in status_lines if line.startswith('VmHWM:'))\n"
        "print('PEAK_KIB', peak, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "build", str(path), "-o", str(tmp_path / "out.geojson")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    peak = int(result.stderr.rsplit("PEAK_KIB", 1)[1].split()[0])
    return result, peak


def test_a_small_decompression_bomb_is_refused_by_its_ratio(template: bytes, tmp_path: Path):
    blank = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    bomb = with_sheet(template, lambda: sheet_xml(iter([blank] * 400_000)))
    assert len(bomb) < 200_000
    with pytest.raises(InputFileError, match=f"plus de {MAX_XLSX_RATIO} fois"):
        parse_bytes(bomb, "bombe.xlsx")
    path = tmp_path / "bombe.xlsx"
    path.write_bytes(bomb)
    result, peak_kib = run_build(path, tmp_path)
    assert result.returncode == 2
    assert "classeur XLSX refusé" in result.stderr and "Traceback" not in result.stderr
    assert peak_kib < 250 * 1024


def test_a_large_decompression_bomb_is_refused_within_bounded_memory(
    template: bytes, tmp_path: Path
):
    chunk = b"<!--" + b"0" * (4 * MIB) + b"-->"
    count = MAX_XLSX_UNCOMPRESSED_BYTES // len(chunk) + 2

    def chunks() -> Iterator[bytes]:
        yield from sheet_xml(iter([]))
        for _ in range(count):
            yield chunk

    bomb = with_sheet(template, chunks)
    assert len(bomb) < 2 * MIB
    path = tmp_path / "grosse-bombe.xlsx"
    path.write_bytes(bomb)
    result, peak_kib = run_build(path, tmp_path)
    assert result.returncode == 2
    assert "classeur XLSX refusé" in result.stderr and "Mo" in result.stderr
    assert "Traceback" not in result.stderr
    assert peak_kib < 250 * 1024


def test_a_sheet_with_too_many_rows_is_refused(template: bytes):
    rows = (
        f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 1_000_003}</v></c></row>'
        for n in range(2, MAX_XLSX_ROWS + 10)
    )
    workbook = with_sheet(template, lambda: sheet_xml(rows))
    with pytest.raises(InputFileError, match=f"plus de {MAX_XLSX_ROWS} lignes"):
        parse_bytes(workbook, "lignes.xlsx")


def test_a_sheet_with_too_many_columns_is_refused(template: bytes):
    far = MAX_XLSX_COLUMNS + 50
    column = ""
    number = far
    while number:
        number, rest = divmod(number - 1, 26)
        column = chr(65 + rest) + column
    row = f'<row r="2"><c r="{column}2" t="inlineStr"><is><t>loin</t></is></c></row>'
    workbook = with_sheet(template, lambda: sheet_xml(iter([row])))
    with pytest.raises(InputFileError, match=f"plus de {MAX_XLSX_COLUMNS} colonnes"):
        parse_bytes(workbook, "colonnes.xlsx")


def test_a_long_xlsx_cell_is_cut_with_a_warning(xlsx_bytes):
    data = xlsx_bytes(
        [
            ["Identifiant", "Intitulé", "Structure", "Type", "Commune"],
            ["X1", "t" * 1_000_000, "Simplon", "Asso", "Paris"],
        ]
    )
    result = import_table(parse_bytes(data, "long.xlsx"))
    (row,) = result.rows
    assert row.intitule == "t" * MAX_CELL_CHARS
    (warning,) = [i for i in result.issues if "coupée" in i.motif]
    assert (warning.ligne, warning.colonne) == (2, "Intitulé")


def test_a_real_workbook_within_the_caps_is_read(xlsx_bytes):
    data = xlsx_bytes(
        [["Identifiant", "Intitulé", "Structure", "Type", "Commune"]]
        + [[f"R{n}", "Dev web", "Simplon", "Asso", "Paris"] for n in range(2_000)]
    )
    assert len(import_table(parse_bytes(data, "ok.xlsx")).rows) == 2_000
