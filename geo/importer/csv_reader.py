"""CSV text to a table, one record at a time, so a structure error never merges rows.

Each record is read by :mod:`csv` from the physical lines it needs. A quoted field may run
over at most :data:`MAX_RECORD_LINES` lines; a record that runs longer, ends inside quotes at
the end of the file, or swallows lines that look like records of their own, is taken for an
unbalanced quote: its first line is read alone, without quoting, with a warning, and reading
goes on at the next line. Records with more fields than the header are rejected (a separator
inside an unquoted value shifts the columns), records with fewer are kept with a warning.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from geo.importer.encoding import (
    MOJIBAKE,
    DecodedText,
    may_hold_mojibake,
    repair_mojibake,
    repaired_issue,
)
from geo.importer.headers import HEADER_SEARCH_ROWS, find_header
from geo.importer.model import (
    DELIMITER_QUOTED,
    MAX_CELL_CHARS,
    Cell,
    Issue,
    Level,
    Table,
    cut_text,
    long_cell_issue,
)

_DELIMITERS: Final = (";", "\t", ",")
#: Most physical lines one record may span (a quoted field with line breaks inside).
MAX_RECORD_LINES: Final = 50
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)
_ANY_LINE_END: Final = re.compile(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)")


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter (``;``, tab or ``,``) that splits the header line into most columns."""
    sample = "\n".join(text.lstrip("\r\n")[:65536].splitlines()[:20])
    best, best_score = ";", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            lines = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
        except csv.Error:
            continue
        counts = [len(line) for line in lines if line]
        if not counts:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (counts[0], consistent)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _Feed:
    """The physical lines, handed to :mod:`csv` one at a time from a position we control."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.pos = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        line = self.lines[self.pos]
        self.pos += 1
        return line


@dataclass(slots=True)
class _Record:
    number: int  # record number: the spreadsheet row
    first_line: int  # 0-based index of its first physical line
    cells: tuple[str, ...]
    broken_quote: bool = False
    lines: int = 1


@dataclass(slots=True)
class _Reading:
    records: list[_Record] = field(default_factory=list)
    multi_line: bool = False


def split_lines(text: str) -> list[str]:
    r"""Physical lines with their line ends (``\r\n``, ``\n`` or a lone ``\r``)."""
    if text.count("\r") != text.count("\r\n"):  # some lone \r: an old Mac file, or a mix
        return [line for line in _ANY_LINE_END.split(text) if line]
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _scan(lines: list[str], start: int, delimiter: str) -> tuple[list[str], int, bool]:
    """Read one record as :mod:`csv` does (``strict=False``), without a field size limit.

    Returns the fields (each cut a little over :data:`MAX_CELL_CHARS`, so memory stays
    bounded), the index after its last line, and whether the record closed within
    :data:`MAX_RECORD_LINES` lines.
    """
    fields: list[str] = []
    current: list[str] = []
    state = _START
    end = start
    while end < len(lines) and end - start < MAX_RECORD_LINES:
        line = lines[end]
        end += 1
        for char in line:
            if state == _QUOTED:
                if char == '"':
                    state = _QUOTE_IN_QUOTED
                elif len(current) <= MAX_CELL_CHARS:
                    current.append(char)
                continue
            if state == _QUOTE_IN_QUOTED:
                if char == '"':  # a doubled quote stands for one
                    if len(current) <= MAX_CELL_CHARS:
                        current.append(char)
                    state = _QUOTED
                    continue
                state = _FIELD  # text after a closing quote is kept as text
            if char == delimiter:
                fields.append("".join(current))
                current, state = [], _START
            elif char in "\r\n":
                fields.append("".join(current))
                return fields, end, True
            elif char == '"' and state == _START:
                state = _QUOTED
            else:
                if len(current) <= MAX_CELL_CHARS:
                    current.append(char)
                state = _FIELD
        if state != _QUOTED:
            fields.append("".join(current))
            return fields, end, True
    fields.append("".join(current))
    return fields, end, state != _QUOTED


def _looks_like_a_record(line: str, delimiter: str, width: int | None) -> bool:
    return width is not None and width > 2 and line.count(delimiter) >= width - 1


def _read_simple(lines: list[str], delimiter: str) -> _Reading | None:
    """Read a file whose every record is one line, at :mod:`csv`'s speed; ``None`` otherwise."""
    reading = _Reading()
    records = reading.records
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if reader.line_num != number:
                return None  # a record over several lines: judged by _read
            records.append(_Record(number, number - 1, tuple(cells)))
    except csv.Error:
        return None
    if lines and '"' in lines[-1] and not _scan(lines, len(lines) - 1, delimiter)[2]:
        return None  # the last line ends inside quotes: judged by _read
    return reading


def _read(lines: list[str], delimiter: str, width: int | None) -> _Reading:
    """Read every record; with ``width`` (the header's), judge multi-line records by it."""
    reading = _Reading()
    feed = _Feed(lines)
    reader = csv.reader(feed, delimiter=delimiter)
    number = 0
    while feed.pos < len(lines):
        start = feed.pos
        number += 1
        try:
            cells: list[str] = next(reader)
            closed = True
        except StopIteration:
            break
        except csv.Error:  # a field over csv's size limit, or a stray carriage return
            cells, end, closed = _scan(lines, start, delimiter)
            feed.pos = end
            reader = csv.reader(feed, delimiter=delimiter)
        span = feed.pos - start
        if span == 1 and feed.pos == len(lines) and '"' in lines[start]:
            _, _, closed = _scan(lines, start, delimiter)  # the last line may end in quotes
        if span > 1 or not closed:
            reading.multi_line = True
            if closed:
                _, _, closed = _scan(lines, start, delimiter)
            broken = (
                not closed
                or span > MAX_RECORD_LINES
                or (width is not None and len(cells) != width)
                or any(
                    _looks_like_a_record(line, delimiter, width)
                    for line in lines[start + 1 : feed.pos]
                )
            )
            if broken:
                cells = next(
                    csv.reader([lines[start]], delimiter=delimiter, quoting=csv.QUOTE_NONE)
                )
                cells = [cell.strip('"') for cell in cells]
                feed.pos = start + 1
                reader = csv.reader(feed, delimiter=delimiter)
                reading.records.append(_Record(number, start, tuple(cells), broken_quote=True))
                continue
        reading.records.append(_Record(number, start, tuple(cells), lines=span))
    return reading


def parse_csv(
    text: str | DecodedText, delimiter: str | None = None, encoding: str | None = None
) -> Table:
    """Parse CSV text into a :class:`Table`, with the problems of its structure as issues."""
    decoded = text if isinstance(text, DecodedText) else DecodedText(text, encoding or "utf-8")
    lines = split_lines(decoded.text)
    issues: list[Issue] = []
    repaired_lines: list[int] = []
    if may_hold_mojibake(decoded.text) and MOJIBAKE.search(decoded.text):
        for index, line in enumerate(lines):
            fixed = repair_mojibake(line)
            if fixed != line:
                lines[index] = fixed
                repaired_lines.append(index)
    delimiter = delimiter or sniff_delimiter(decoded.text)
    reading = _read_simple(lines, delimiter) or _read(lines, delimiter, None)
    records = [(r.number, r.cells) for r in reading.records[: HEADER_SEARCH_ROWS * 10]]
    headers, header_line, _ = find_header(records)
    if reading.multi_line:
        reading = _read(lines, delimiter, len(headers))
    width = len(headers)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for record in reading.records:
        if record.number <= header_line:
            continue
        cells: tuple[Cell, ...] = record.cells
        if (
            len(cells) == width
            and not record.broken_quote
            and record.lines == 1
            and len(lines[record.first_line]) <= MAX_CELL_CHARS
        ) or not any(cells):
            rows.append((record.number, cells))  # the common case: nothing to check
            continue
        where = _where(record)
        if record.broken_quote:
            issues.append(
                Issue(
                    record.number,
                    None,
                    None,
                    f"guillemet ouvrant sans guillemet fermant{where} : ligne lue seule, sans "
                    "tenir compte des guillemets ; vérifiez ses valeurs",
                    Level.AVERTISSEMENT,
                )
            )
        extra = [cell for cell in record.cells[width:] if cell.strip()]
        if extra:
            issues.append(
                Issue(
                    record.number,
                    None,
                    None,
                    f"{len(record.cells)} champs pour {width} en-têtes{where} : un séparateur "
                    f"{DELIMITER_QUOTED.get(delimiter, repr(delimiter))} dans une valeur ? "
                    "Mettez cette valeur entre guillemets",
                )
            )
        elif len(record.cells) < width:
            issues.append(
                Issue(
                    record.number,
                    None,
                    None,
                    f"{len(record.cells)} champs pour {width} en-têtes{where} : "
                    "les dernières colonnes sont vides",
                    Level.AVERTISSEMENT,
                )
            )
        if sum(map(len, record.cells)) > MAX_CELL_CHARS:
            cut: list[Cell] = []
            for index, cell in enumerate(record.cells):
                value, was_cut = cut_text(cell)
                if was_cut:
                    column = headers[index] if index < width else None
                    issues.append(long_cell_issue(record.number, column))
                cut.append(value)
            cells = tuple(cut)
        rows.append((record.number, cells))
    line_to_record = _line_numbers(reading) if repaired_lines or decoded.other_lines else {}
    for index in repaired_lines:
        number = line_to_record.get(index, index + 1)
        issues.append(repaired_issue(number))
    for physical in decoded.other_lines:
        number = line_to_record.get(physical - 1, physical)
        issues.append(
            Issue(
                number,
                None,
                None,
                f"ligne {physical} du fichier en Windows-1252 dans un fichier UTF-8 : "
                "relue en Windows-1252 ; vérifiez ses accents",
                Level.AVERTISSEMENT,
            )
        )
    return Table(
        headers,
        header_line,
        tuple(rows),
        "csv",
        decoded.encoding,
        delimiter,
        tuple(issues),
    )


def _line_numbers(reading: _Reading) -> dict[int, int]:
    """Record number of each physical line (0-based), for messages about lines."""
    return {
        record.first_line + offset: record.number
        for record in reading.records
        for offset in range(record.lines)
    }


def _where(record: _Record) -> str:
    physical = record.first_line + 1
    return "" if physical == record.number else f" (ligne {physical} du fichier texte)"
