"""File output shared by the build and the service: atomic writes and spreadsheet-safe cells."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Final

#: First characters that make a spreadsheet read a text cell as a formula (CSV injection).
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write bytes through a temporary file in the same folder, then ``os.replace``.

    Readers (the service's hot reload) see either the old file or the new one, never half.
    """
    write_pieces_atomic(path, (data,))


def write_pieces_atomic(path: Path, pieces: Iterable[bytes]) -> None:
    """Write the concatenation of byte strings atomically, as :func:`write_bytes_atomic` does.

    For outputs built in pieces: they are never joined into one copy in memory.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.writelines(pieces)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def neutralise_cell(value: str) -> str:
    """Prefix a text cell with ``'`` when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
