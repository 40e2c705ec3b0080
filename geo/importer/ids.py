"""Row identifiers: kept when safe in a URL, cleaned when not, derived when missing.

An id is a path segment of ``/api/formations/{id}`` and of the OGC item URL, so it is made
of :data:`SAFE_ID_ALPHABET` only (RFC 3986 unreserved characters), at most
:data:`MAX_ID_CHARS` long, and never only dots (``.`` and ``..`` are removed from paths by
clients). The API's own sub-paths of ``/api/formations/`` (:data:`RESERVED_IDS`) are never
ids either: the import gives such a row a suffix, as to an id another row has taken.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Final

from geo.text import fold

#: Characters an id may hold: RFC 3986 unreserved characters, never percent-encoded.
SAFE_ID_ALPHABET: Final = "A-Z a-z 0-9 . _ ~ -"
MAX_ID_CHARS: Final = 100
#: Path segments the API serves under ``/api/formations/`` itself, so no training's id
#: (``tests/api`` checks them against the app's routes).
RESERVED_IDS: Final = frozenset({"pistes"})
_SAFE_CHAR: Final = "[A-Za-z0-9._~-]"
_SAFE_ID: Final = re.compile(f"{_SAFE_CHAR}+")
_UNSAFE_RUN: Final = re.compile(r"[^A-Za-z0-9._~-]+")
#: Lines of safe ids, one per line, each of 1 to MAX_ID_CHARS characters.
_SAFE_ID_LINES: Final = re.compile(
    f"{_SAFE_CHAR}{{1,{MAX_ID_CHARS}}}(?:\n{_SAFE_CHAR}{{1,{MAX_ID_CHARS}}})*"
)
_ONLY_DOTS_LINE: Final = re.compile(r"^\.+$", re.MULTILINE)


def is_safe_id(text: str) -> bool:
    """Whether ``text`` can be used as an id as it is."""
    return (
        len(text) <= MAX_ID_CHARS and _SAFE_ID.fullmatch(text) is not None and text.strip(".") != ""
    )


def all_safe_ids(texts: Sequence[str]) -> bool:
    """Whether every text is an id as it is (:func:`is_safe_id`), checked in one regex pass."""
    if not texts:
        return True
    joined = "\n".join(texts)
    return (
        joined.count("\n") == len(texts) - 1  # no text holds a line break of its own
        and _SAFE_ID_LINES.fullmatch(joined) is not None
        and not _ONLY_DOTS_LINE.search(joined)
    )


def safe_id(text: str) -> str | None:
    """``text`` made safe: accents dropped, other characters runs replaced by ``-``, cut.

    ``None`` when nothing usable is left (then an id is derived from the row's content).
    """
    ascii_text = text if text.isascii() else _strip_accents(text)
    cleaned = _UNSAFE_RUN.sub("-", ascii_text).strip("-")[:MAX_ID_CHARS].strip("-")
    return cleaned if cleaned.strip(".") else None


def _strip_accents(text: str) -> str:

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def derive_id(values: Mapping[str, str]) -> str:
    """Stable identifier for a row without one: a hash of its normalised content."""
    content = "\x1f".join(
        fold(values.get(name, ""))
        for name in ("intitule", "structure", "adresse", "code_postal", "commune", "code_insee")
    )
    return "H-" + hashlib.sha256(content.encode()).hexdigest()[:10].upper()
