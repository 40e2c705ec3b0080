"""Fixtures of the geo tests: small gazetteers and spreadsheets made on the fly."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pytest


@pytest.fixture
def xlsx_bytes() -> Callable[..., bytes]:
    """Build an XLSX workbook in memory from rows of cell values (openpyxl, no binary in git)."""

    def build(rows: Sequence[Sequence[object]], sheet: str | None = None) -> bytes:
        import openpyxl

        workbook = openpyxl.Workbook()
        worksheet = workbook.active
        if sheet:
            worksheet.title = sheet
        for row in rows:
            worksheet.append(list(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return build
