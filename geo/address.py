"""The online address geocoder's contract: its protocol, queries, answers and shared facts.

``geo.geocode`` asks an :class:`AddressGeocoder` for rows it placed at their commune and
``geo.ban`` implements one; both read the facts here (which addok result types give which
precision, which INSEE codes name the same place), so neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from geo.schema import Precision


@dataclass(frozen=True, slots=True)
class AddressQuery:
    """One address to place precisely, inside a commune already resolved offline."""

    key: str  # row key, unique within a build
    adresse: str
    code_postal: str | None
    commune: str  # name of the matched commune
    code_insee: str  # INSEE code of the matched commune (the BAN `citycode` filter)


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """What an online geocoder found for one address."""

    lon: float
    lat: float
    score: float  # 0..1
    type: str  # addok result_type: housenumber, street, locality, municipality
    label: str
    citycode: str | None
    postcode: str | None


@dataclass(frozen=True, slots=True)
class AddressOutcome:
    """The answer for one query: a match, or the French reason why there is none."""

    key: str
    match: AddressMatch | None  # None: not found, refused by the quality gate, or an error
    reason: str | None  # short French reason when match is None (counted in the summary)


class AddressGeocoder(Protocol):
    """An online geocoder that places addresses (implemented by ``geo.ban``)."""

    async def geocode(self, queries: Sequence[AddressQuery]) -> list[AddressOutcome]:
        """Answer every query, in any order, with exactly one outcome per query key."""
        ...


#: addok result types → the precision they give a training; any other type (``municipality``
#: first of all) is no better than the commune the offline chain already found.
PRECISION_BY_RESULT_TYPE: Final[Mapping[str, Precision]] = {
    "housenumber": Precision.ADRESSE,
    "street": Precision.RUE,
    "locality": Precision.RUE,
}

#: Communes split into municipal arrondissements: commune code → arrondissement codes.
ARRONDISSEMENTS: Final[Mapping[str, frozenset[str]]] = {
    "75056": frozenset(f"751{n:02d}" for n in range(1, 21)),  # Paris
    "69123": frozenset(f"6938{n}" for n in range(1, 10)),  # Lyon
    "13055": frozenset(f"132{n:02d}" for n in range(1, 17)),  # Marseille
}
_PARENT: Final[Mapping[str, str]] = {
    arrondissement: commune
    for commune, arrondissements in ARRONDISSEMENTS.items()
    for arrondissement in arrondissements
}
_ARRONDISSEMENT_SUFFIX = re.compile(r"\s+\d+\s*(?:er|e|eme|ème)?\s+arrondissement$", re.IGNORECASE)


def same_commune(code_a: str, code_b: str) -> bool:
    """Whether two INSEE codes name the same place, a commune agreeing with its arrondissements.

    ``75056`` (Paris) agrees with ``75111`` (its 11th arrondissement) and vice versa; two
    different arrondissements (``75111``, ``75112``) do not agree.
    """
    a, b = code_a.strip().upper(), code_b.strip().upper()
    return a == b or _PARENT.get(a) == b or _PARENT.get(b) == a


def commune_base_name(name: str) -> str:
    """Strip an arrondissement suffix: ``"Paris 11e Arrondissement"`` → ``"Paris"``."""
    return _ARRONDISSEMENT_SUFFIX.sub("", name.strip())
