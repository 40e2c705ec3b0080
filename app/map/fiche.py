"""What the popup and the list need to describe a training, taken from ``geo.schema``.

The page never restates a label or a rule of the schema: the value labels of the levels,
publics and yes/no fields, and the certification code's pattern and public page, reach
``static/js/fiche.js`` through the page configuration (``client_config()["fiche"]``).
"""

from __future__ import annotations

from typing import Any

from geo.schema import (
    CERTIFICATION_PATTERN,
    CERTIFICATION_URL,
    NIVEAU_LABELS,
    OUI_NON_LABELS,
    PUBLIC_VISE_LABELS,
)


def fiche_config() -> dict[str, Any]:
    """Labels and rules of the popup and list, as the page configuration carries them.

    JSON keys are texts: the yes/no labels are keyed ``"true"``/``"false"``, what
    ``String(value)`` gives in the page. The certification pattern is a regular expression
    that JavaScript reads as Python does (anchors, a group for the register, one for the
    number), and ``url`` holds the ``{registre}`` and ``{numero}`` fields the page fills in.
    """
    return {
        "libelles": {
            "niveau": {str(key): label for key, label in NIVEAU_LABELS.items()},
            "public_vise": {str(key): label for key, label in PUBLIC_VISE_LABELS.items()},
            "oui_non": {str(key).lower(): label for key, label in OUI_NON_LABELS.items()},
        },
        "certification": {"motif": CERTIFICATION_PATTERN, "url": CERTIFICATION_URL},
    }
