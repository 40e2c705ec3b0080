"""Why the BAN client left a row at its commune: short French reasons, counted in the summary."""

from __future__ import annotations

from typing import Final

REASON_UNREACHABLE: Final = "service injoignable"
REASON_INVALID: Final = "réponse invalide"
REASON_NOT_FOUND: Final = "adresse introuvable"
REASON_EMPTY: Final = "adresse vide"
REASON_MUNICIPALITY: Final = "précision commune seulement"
REASON_UNCHECKABLE: Final = "commune non vérifiable"
REASON_TOO_MANY: Final = "service saturé (HTTP 429)"


def reason_low_score(score: float, min_score: float) -> str:
    """« score insuffisant (0.32 < 0.50) »."""
    return f"score insuffisant ({score:.2f} < {min_score:.2f})"


def reason_other_commune(expected: str, found: str) -> str:
    """« commune différente (69123 ≠ 13201) »: the row's INSEE code, then the answer's."""
    return f"commune différente ({expected} ≠ {found})"


def reason_refused(status: int) -> str:
    """« requête refusée (HTTP 400) »: the server rejected the request itself."""
    return f"requête refusée (HTTP {status})"


def reason_server_error(status: int) -> str:
    """« service en erreur (HTTP 503) »: the server kept failing after every retry."""
    return f"service en erreur (HTTP {status})"


def reason_unknown_type(result_type: str) -> str:
    """« type de résultat non géré (poi) »."""
    return f"type de résultat non géré ({result_type})"


def reason_category(reason: str) -> str:
    """Return the reason without its details, to count reasons in a summary.

    >>> reason_category("score insuffisant (0.32 < 0.50)")
    'score insuffisant'
    """
    return reason.split(" (", 1)[0]
