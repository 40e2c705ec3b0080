"""Geocoding chain: the offline commune resolution and the hook for an online address geocoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


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
