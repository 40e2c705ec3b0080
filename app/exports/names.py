"""File names of the downloads, made from the selection, and their ``Content-Disposition``.

A name says what was selected: ``formations-gen-region-84-2026-11-30.csv`` is the trainings of
région 84 in the data of 30 November 2026. The criteria come from
:meth:`app.filters.FormationFilters.canonical_items` (every active criterion, sorted), so a
new filter appears in the names without an edit here. The date is the data's
(``metadonnees.date_generation``): the same data and selection always give the same name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote

#: Every file name starts with this.
NAME_PREFIX: Final = "formations-gen"
#: At most this many bytes (UTF-8) of criteria, so names stay well below the 255 bytes file
#: systems allow; a longer selection is cut and marked with a short digest of the whole, so
#: two selections never share a name.
MAX_SELECTION_BYTES: Final = 150
DIGEST_CHARS: Final = 8
#: Characters kept in a name: letters and digits of any script, ``.`` and ``_``.
_UNSAFE: Final = re.compile(r"[^\w.]+")
_DOTS_AT_ENDS: Final = re.compile(r"^[.-]+|[.-]+$")
#: Characters a quoted ``filename="…"`` (RFC 6266) carries as they are.
_ASCII_SAFE: Final = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """Keep letters, digits, ``.`` and ``_`` of ``text`` (NFC); every other run becomes ``-``."""
    cleaned = _UNSAFE.sub("-", unicodedata.normalize("NFC", text))
    return _DOTS_AT_ENDS.sub("", cleaned)


def ascii_slug(text: str) -> str:
    """Make :func:`slug` ASCII: accents removed, other letters replaced."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _DOTS_AT_ENDS.sub("", _ASCII_SAFE.sub("-", stripped))


def data_date(date_generation: object) -> str | None:
    """Return the ``YYYY-MM-DD`` of the data's generation time (``None``: absent or bad)."""
    if not isinstance(date_generation, str):
        return None
    try:
        return dt.datetime.fromisoformat(date_generation).date().isoformat()
    except ValueError:
        return None


def export_filename(
    items: Sequence[tuple[str, str]], extension: str, date: str | None = None
) -> str:
    """Name a download: the prefix, the criteria, the data's date and the extension.

    Non-ASCII letters of a search text are kept (see :func:`content_disposition`); every
    other character that could mislead a file system (slashes, quotes, spaces…) is not.
    """
    parts = [slug(f"{name}-{value}") for name, value in items]
    selection = "-".join(part for part in parts if part)
    encoded = selection.encode()
    if len(encoded) > MAX_SELECTION_BYTES:
        digest = hashlib.sha256(encoded).hexdigest()[:DIGEST_CHARS]
        kept = encoded[: MAX_SELECTION_BYTES - DIGEST_CHARS - 1].decode(errors="ignore")
        selection = kept.rstrip("-.") + "-" + digest
    name = "-".join(part for part in (NAME_PREFIX, selection, date) if part)
    return f"{name}.{extension}"


def content_disposition(filename: str) -> str:
    """``attachment`` with the name (RFC 6266): ASCII ``filename``, plus ``filename*`` in UTF-8.

    ``filename*`` (RFC 8187 encoding) is added only when the name is not plain ASCII; clients
    that read it use it, older ones fall back to the ASCII form.
    """
    fallback = ascii_slug(filename.rsplit(".", 1)[0]) + "." + filename.rsplit(".", 1)[-1]
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
