"""Refining offline placements with an online address geocoder (BAN/addok): queries, verdicts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from geo.address import (
    PRECISION_BY_RESULT_TYPE,
    AddressGeocoder,
    AddressOutcome,
    AddressQuery,
    same_commune,
)
from geo.geocode import GeocodeReport, PlacedRow, Placement
from geo.schema import GeocodingSource


def address_queries(placed: Iterable[PlacedRow]) -> list[AddressQuery]:
    """Build online queries for the rows that have an address and were placed by the gazetteer."""
    return [
        AddressQuery(
            key=item.row.id,
            adresse=item.row.adresse or "",
            code_postal=item.row.code_postal,
            commune=item.placement.commune.nom,
            code_insee=item.placement.commune.code_insee,
        )
        for item in placed
        if item.row.adresse and item.placement.source is GeocodingSource.GAZETTEER
    ]


def apply_address_outcomes(
    placed: Sequence[PlacedRow], outcomes: Iterable[AddressOutcome]
) -> tuple[list[PlacedRow], Counter[str]]:
    """Move rows to their address when the online match is precise and in the same commune (pure).

    Returns the rows (same order) and, for rows sent but kept at the commune, the count of
    each reason (the part of the reason before any parenthesis).
    """
    by_key = {outcome.key: outcome for outcome in outcomes}
    fallbacks: Counter[str] = Counter()
    result: list[PlacedRow] = []
    for item in placed:
        outcome = by_key.get(item.row.id)
        if outcome is None or item.placement.source is not GeocodingSource.GAZETTEER:
            result.append(item)
            continue
        match = outcome.match
        precision = PRECISION_BY_RESULT_TYPE.get(match.type) if match else None
        reason = outcome.reason or "sans réponse"
        if match is not None and precision is None:
            reason = f"précision insuffisante ({match.type})"
        elif match is not None and not (
            match.citycode and same_commune(match.citycode, item.placement.commune.code_insee)
        ):
            reason = f"commune différente ({match.citycode})"
            precision = None
        if match is None or precision is None:
            fallbacks[reason.split(" (", 1)[0]] += 1
            result.append(item)
            continue
        result.append(
            PlacedRow(
                item.row,
                Placement(
                    item.placement.commune,
                    round(match.lon, 6),
                    round(match.lat, 6),
                    GeocodingSource.BAN,
                    precision,
                    round(match.score, 3),
                    match.label,
                ),
            )
        )
    return result, fallbacks


async def refine_with_addresses(report: GeocodeReport, geocoder: AddressGeocoder) -> GeocodeReport:
    """Ask an online geocoder for the rows that have an address, and keep what it places well."""
    queries = address_queries(report.placed)
    if not queries:
        return report
    outcomes = await geocoder.geocode(queries)
    placed, fallbacks = apply_address_outcomes(report.placed, outcomes)
    return GeocodeReport(placed, report.issues, len(queries), fallbacks)
