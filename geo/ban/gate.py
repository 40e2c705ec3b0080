"""The quality gate (pure): accept an addok answer only in the row's commune, scored and precise."""

from __future__ import annotations

from geo.address import (
    PRECISION_BY_RESULT_TYPE,
    AddressMatch,
    AddressOutcome,
    AddressQuery,
    commune_base_name,
    same_commune,
)
from geo.ban.reasons import (
    REASON_MUNICIPALITY,
    REASON_NOT_FOUND,
    REASON_UNCHECKABLE,
    reason_low_score,
    reason_other_commune,
    reason_unknown_type,
)
from geo.text import commune_key, fold


def _name_in_label(commune: str, label: str, postcode: str) -> bool:
    """Whether a label (``"12 Rue X 35000 Rennes"``) names the commune after its postcode."""
    folded = fold(label)
    wanted = commune_key(commune_base_name(commune))
    if not wanted:
        return False
    if f" {postcode} " in f" {folded} ":
        return commune_key(f" {folded} ".rsplit(f" {postcode} ", 1)[1]) == wanted
    words = folded.split()
    # No postcode in the label: its last words must be the commune's name.
    return any(commune_key(" ".join(words[-n:])) == wanted for n in range(1, len(words) + 1))


def judge(query: AddressQuery, match: AddressMatch | None, min_score: float) -> AddressOutcome:
    """Accept or refuse the geocoder's answer for a row (pure).

    Accepted only when the answer lies in the row's commune (same INSEE code, a commune and
    its arrondissements agreeing; or, when the answer has no INSEE code, the same postcode and
    the commune's name in its label), its score is at least ``min_score``, and it is more
    precise than the commune (house number, street or locality).
    """
    if match is None:
        return AddressOutcome(query.key, None, REASON_NOT_FOUND)
    if match.citycode:
        if not same_commune(query.code_insee, match.citycode):
            return AddressOutcome(
                query.key, None, reason_other_commune(query.code_insee, match.citycode)
            )
    elif not (
        match.postcode
        and query.code_postal
        and match.postcode.strip() == query.code_postal.strip()
        and _name_in_label(query.commune, match.label, match.postcode.strip())
    ):
        return AddressOutcome(query.key, None, REASON_UNCHECKABLE)
    if not match.score >= min_score:
        return AddressOutcome(query.key, None, reason_low_score(match.score, min_score))
    if match.type == "municipality":
        return AddressOutcome(query.key, None, REASON_MUNICIPALITY)
    if match.type not in PRECISION_BY_RESULT_TYPE:
        return AddressOutcome(query.key, None, reason_unknown_type(match.type))
    return AddressOutcome(query.key, match, None)
