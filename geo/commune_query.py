"""A commune as people type it: its parsing (pure) and its search on a gazetteer.

« Roubaix », « 59100 », « Roubaix 59100 », « 59100 Roubaix », « Roubaix (59) »… Accents,
case, hyphens, « St »/« Saint » and articles are folded by the gazetteer's own prefix search;
the code narrows the names to the communes of a postcode (or its beginning) or a département.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from geo.geodesy import distance_km
from geo.text import commune_key

if TYPE_CHECKING:
    from geo.gazetteer import Commune, Gazetteer

#: A postcode (« 59100 », « 59 100 »), the beginning of one (« 5 » while it is typed), or a
#: département (« 59 », « 974 », « 2A »).
_CODE: Final = r"(?P<code>2[AaBb]|\d{2} ?\d{3}|\d{1,4})"
#: What may stand between a name and its code: spaces, commas, dashes, brackets.
_GAP: Final = r"[\s,;/\-–—()]*"
_NAME_THEN_CODE: Final = re.compile(rf"(?P<nom>.*?\D){_GAP}\(?\s*{_CODE}\s*\)?\s*", re.DOTALL)
_CODE_THEN_NAME: Final = re.compile(rf"\(?\s*{_CODE}\s*\)?{_GAP}(?P<nom>[^\d\s].*)", re.DOTALL)
_SPACES: Final = re.compile(r"\s+")
#: How far from a search point the centre of the commune naming it may lie: beyond, the point
#: is at sea or abroad, or in one of the few communes wider than that (named by its boundary).
POSITION_MAX_KM: Final = 20.0
#: Separators left at either end of a name once its code is taken away.
_NAME_EDGES: Final = " ,;/-–—()"


@dataclass(frozen=True, slots=True)
class CommuneQuery:
    """A typed commune: its name (``""`` when none) and code (``""`` when none).

    ``code`` is digits (a postcode or its beginning, a département) or ``2A``/``2B``.
    """

    nom: str
    code: str


def parse_commune_query(text: str) -> CommuneQuery:
    """Split a typed commune into a name and a postcode or département code.

    >>> parse_commune_query(" Roubaix (59) ")
    CommuneQuery(nom='Roubaix', code='59')
    >>> parse_commune_query("59 100 Roubaix")
    CommuneQuery(nom='Roubaix', code='59100')
    >>> parse_commune_query("Paris 15e")
    CommuneQuery(nom='Paris 15e', code='')
    """
    typed = _SPACES.sub(" ", text).strip()
    if re.fullmatch(_CODE, typed):
        return CommuneQuery("", typed.replace(" ", "").upper())
    for pattern in (_NAME_THEN_CODE, _CODE_THEN_NAME):
        found = pattern.fullmatch(typed)
        if found:
            nom = found["nom"].strip(_NAME_EDGES)
            if nom:
                return CommuneQuery(nom, found["code"].replace(" ", "").upper())
    return CommuneQuery(typed, "")


def fits_code(commune: Commune, code: str) -> bool:
    """Whether a commune has a postcode starting with ``code``, or is in that département."""
    return commune.departement == code or any(p.startswith(code) for p in commune.codes_postaux)


def postcode_for(commune: Commune, code: str) -> str | None:
    """Return the commune's postcode ``code`` begins, else its first one (``None``: none)."""
    if code:
        for postcode in commune.codes_postaux:
            if postcode.startswith(code):
                return postcode
    return commune.codes_postaux[0] if commune.codes_postaux else None


def is_named(commune: Commune, nom: str) -> bool:
    """Whether ``nom`` is the commune's own name (folded: accents, case, hyphens, St…)."""
    return bool(nom) and commune_key(commune.nom) == commune_key(nom)


def _search(gazetteer: Gazetteer, query: CommuneQuery, limit: int) -> list[Commune]:
    if not query.code:
        return gazetteer.autocomplete(query.nom, limit=limit)
    if not query.nom:
        return gazetteer.autocomplete(query.code, limit=limit) if query.code.isdigit() else []
    # Every commune of that name prefix (the prefix search collects them all anyway), in its
    # order (exact names, then the most populated), narrowed to the code.
    named = gazetteer.autocomplete(query.nom, limit=len(gazetteer))
    return [commune for commune in named if fits_code(commune, query.code)][:limit]


def find_communes(
    gazetteer: Gazetteer, text: str, limit: int
) -> tuple[CommuneQuery, list[Commune]]:
    """Communes a typed text means, best first, and how the text was read.

    A number that turns out to be part of a name (« Paris 15 ») is searched as a name when
    the name and the code find nothing together.
    """
    query = parse_commune_query(text)
    found = _search(gazetteer, query, limit)
    if not found and query.nom and query.code:
        query = CommuneQuery(_SPACES.sub(" ", text).strip(), "")
        found = _search(gazetteer, query, limit)
    return query, found


def commune_near(gazetteer: Gazetteer, lon: float, lat: float) -> Commune | None:
    """Name a search point: the commune whose centre is nearest (a city for its arrondissements).

    Farther than :data:`POSITION_MAX_KM` from every centre, the commune whose boundary contains
    the point (the few communes wider than that, in Guyane, are so named); ``None`` at sea,
    abroad, or on a gazetteer without boundaries. The boundaries are read on the first such
    call only: a point in France is nearly always within the limit of a centre.

    :raises ValueError: non-finite coordinates.
    """
    nearest = gazetteer.nearest(lon, lat)
    if distance_km(lon, lat, nearest.lon, nearest.lat) <= POSITION_MAX_KM:
        return gazetteer.city_of(nearest)
    around = gazetteer.commune_at(lon, lat) if gazetteer.has_boundaries else None
    return None if around is None else gazetteer.city_of(around)
