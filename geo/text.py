"""Pure text normalisation shared by header matching, commune matching and text search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Every combining mark lies below this code point (a test checks the whole Unicode range).
_LAST_COMBINING_SCAN = 0x1FFFF


def _combining_class_pattern() -> re.Pattern[str]:
    """Compile a character class of every combining mark (what NFKD splits accents into)."""
    ranges: list[tuple[int, int]] = []
    for code in range(_LAST_COMBINING_SCAN + 1):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    parts = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{parts}]+")


_COMBINING = _combining_class_pattern()
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_LEADING_ARTICLES = frozenset({"le", "la", "les", "l"})
_CEDEX = re.compile(r"\bcedex(?:\s*\d+)?\b")


def _strip_marks(text: str) -> str:
    """Decompose (NFKD, ligatures spelt out) and drop combining marks: 'Œé' → 'OEe'."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_LIGATURES)))


def _ascii_table() -> dict[int, str]:
    """Map common non-ASCII characters to what fold makes of them, in ASCII.

    Built from :func:`_strip_marks` one character at a time (NFKD works per character and
    the marks it reorders are dropped), with any character left outside ASCII replaced by
    a space, which is what fold's punctuation rule would make of it anyway.
    """
    blocks = [
        range(0x80, 0x250),  # Latin-1 supplement, Latin extended A and B
        range(0x300, 0x370),  # combining diacritical marks
        range(0x1E00, 0x1F00),  # Latin extended additional
        range(0x2000, 0x2070),  # general punctuation: ’ – … and odd spaces
    ]
    table: dict[int, str] = {}
    for block in blocks:
        for code in block:
            stripped = _strip_marks(chr(code))
            table[code] = "".join(
                ch if ch.isascii() else (ch.lower() if ch.lower().isascii() else " ")
                for ch in stripped
            )
    return table


_ASCII = _ascii_table()


def fold(text: str) -> str:
    """Fold text for comparison: lower case, no accents, punctuation as single spaces.

    >>> fold("  Saint-Étienne-du-Rouvray ")
    'saint etienne du rouvray'
    """
    if not text.isascii():
        translated = text.translate(_ASCII)
        text = translated if translated.isascii() else _strip_marks(text)
    return _NON_ALNUM.sub(" ", text.lower()).strip()


@lru_cache(maxsize=65536)
def commune_key(name: str) -> str:
    """Key under which commune names are compared.

    On top of :func:`fold`, expands ``St``/``Ste`` to ``Saint``/``Sainte``, drops
    a leading article and a ``CEDEX`` suffix, and removes spaces, so that
    ``"St-Denis"``, ``"SAINT DENIS"`` and ``"Saint-Denis Cedex 9"`` share one key.

    >>> commune_key("Les Abymes") == commune_key("abymes")
    True
    """
    return commune_key_of_folded(fold(name))


def commune_key_of_folded(folded: str) -> str:
    """:func:`commune_key` of text already passed through :func:`fold` (saves folding twice)."""
    words = _CEDEX.sub(" ", folded).split() if "cedex" in folded else folded.split()
    words = [_ABBREVIATIONS.get(word, word) for word in words]
    if len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    key = "".join(words)
    # A key is its own key: joined, "s t" or "c edex 9" would read as a word the rules change.
    if _CEDEX.fullmatch(key):
        return ""
    return _ABBREVIATIONS.get(key, key)
