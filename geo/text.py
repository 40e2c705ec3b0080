"""Pure text normalisation shared by header matching, commune matching and text search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_LEADING_ARTICLES = frozenset({"le", "la", "les", "l"})
_CEDEX = re.compile(r"\bcedex(?:\s*\d+)?\b")


def fold(text: str) -> str:
    """Fold text for comparison: lower case, no accents, punctuation as single spaces.

    >>> fold("  Saint-Étienne-du-Rouvray ")
    'saint etienne du rouvray'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", ascii_only.lower()).strip()


@lru_cache(maxsize=65536)
def commune_key(name: str) -> str:
    """Key under which commune names are compared.

    On top of :func:`fold`, expands ``St``/``Ste`` to ``Saint``/``Sainte``, drops
    a leading article and a ``CEDEX`` suffix, and removes spaces, so that
    ``"St-Denis"``, ``"SAINT DENIS"`` and ``"Saint-Denis Cedex 9"`` share one key.

    >>> commune_key("Les Abymes") == commune_key("abymes")
    True
    """
    words = _CEDEX.sub(" ", fold(name)).split()
    words = [_ABBREVIATIONS.get(word, word) for word in words]
    if len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    return "".join(words)
