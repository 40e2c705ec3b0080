"""Header recognition: which column holds which field, the header row, and required columns.

:data:`HEADER_ALIASES` is the one table of accepted headers; ``docs/import.md`` is checked
against it by ``tests/geo/test_import_doc.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from geo.importer.model import Cell, InputFileError, cell_text
from geo.schema import FIELD_LABELS
from geo.text import fold

#: Accepted headers per field. Matching ignores case, accents, spaces and punctuation, so
#: ``code_postal``, ``Code postal`` and ``CODE POSTAL`` are one header. Besides spreadsheets
#: made by hand, this covers the open-data schemas public bodies publish: the national
#: « lieux de médiation numérique » schema and data·inclusion (``nom``, ``adresse``,
#: ``code_postal``, ``commune``, ``code_insee``, ``latitude``, ``longitude``, ``typologie``,
#: ``site_web``), France Services and regional exports (``nom_structure``,
#: ``structure_porteuse``, ``ville``, ``lat``/``lon``, ``nature_juridique``), and Aidants
#: Connect (``Name``, ``Adresse``, ``Code postal``).
HEADER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id", "identifiant", "ref", "référence", "code formation", "n°", "numéro", "num"),
    "intitule": (
        "intitulé",
        "intitulé de la formation",
        "titre",
        "titre de la formation",
        "formation",
        "nom de la formation",
        "libellé",
        "libellé de la formation",
    ),
    "structure": (
        "structure",
        "nom de la structure",
        "structure porteuse",
        "nom structure",
        "organisme",
        "porteur",
        "raison sociale",
        "établissement",
        "nom",
        "name",
        "nom du lieu",
        "nom de l'organisme",
    ),
    "type_structure": (
        "type de structure",
        "type structure",
        "type",
        "type d'organisme",
        "catégorie",
        "catégorie de structure",
        "statut",
        "nature de la structure",
        "typologie",
        "typologie de la structure",
        "nature juridique",
        "catégorie juridique",
        "forme juridique",
        "statut juridique",
    ),
    "adresse": ("adresse", "adresse postale", "adresse de la formation", "rue", "voie", "lieu"),
    "code_postal": ("code postal", "cp", "code_postal", "postcode", "zip"),
    "commune": ("commune", "ville", "localité", "nom de la commune", "city"),
    "code_insee": (
        "code insee",
        "insee",
        "code commune",
        "code insee de la commune",
        "code insee commune",
        "cog",
        "citycode",
    ),
    "duree_mois": (
        "durée (mois)",
        "durée",
        "durée en mois",
        "durée de la formation",
        "nombre de mois",
    ),
    "modalite": ("modalité", "modalités", "mode", "mode de formation", "modalité de formation"),
    "site_web": ("site web", "site", "site internet", "url", "lien", "web", "url du lieu"),
    "date_labellisation": (
        "date de labellisation",
        "date labellisation",
        "labellisation",
        "date du label",
        "labellisée le",
        "date",
    ),
    "sessions": (
        "sessions",
        "session",
        "dates des sessions",
        "dates de session",
        "calendrier",
        "périodes",
        "dates de formation",
    ),
    "session_debut": (
        "session_debut",
        "date de début",
        "date début",
        "début",
        "début de session",
        "date de début de session",
        "date de début de formation",
        "date d'entrée en formation",
    ),
    "session_fin": (
        "session_fin",
        "date de fin",
        "date fin",
        "fin",
        "fin de session",
        "date de fin de session",
        "date de fin de formation",
        "date de sortie de formation",
    ),
    "contact_email": (
        "courriel de contact",
        "courriel",
        "e-mail",
        "mail",
        "adresse e-mail",
        "adresse mail",
        "e-mail contact",
        "mail contact",
        "courriel contact",
        "contact courriel",
        "contact e-mail",
    ),
    "contact_telephone": (
        "téléphone de contact",
        "téléphone",
        "tél",
        "téléphone contact",
        "contact téléphone",
        "numéro de téléphone",
        "phone",
    ),
    "url_candidature": (
        "lien de candidature",
        "url de candidature",
        "url candidature",
        "candidature",
        "candidater",
        "lien pour candidater",
        "inscription",
        "lien d'inscription",
    ),
    "certification": (
        "certification (code rncp ou rs)",
        "certification",
        "code rncp",
        "rncp",
        "code rs",
        "code certification",
        "certification rncp",
        "fiche rncp",
    ),
    "niveau_entree": ("niveau d'entrée", "niveau entrée", "niveau requis", "niveau d'accès"),
    "niveau_sortie": (
        "niveau de sortie",
        "niveau sortie",
        "niveau",
        "niveau de qualification",
        "niveau du diplôme",
        "niveau de certification",
    ),
    "public_vise": ("public visé", "publics visés", "public", "publics", "public cible"),
    "alternance": ("alternance", "en alternance", "formation en alternance"),
    "nombre_heures": (
        "nombre d'heures",
        "nombre heures",
        "heures",
        "durée en heures",
        "durée (heures)",
        "volume horaire",
        "nb heures",
    ),
    "prise_en_charge": (
        "prise en charge des frais",
        "prise en charge",
        "financement possible",
        "frais pris en charge",
        "prise en charge possible",
    ),
    "latitude": ("lat", "latitude", "y"),
    "longitude": ("lon", "lng", "long", "longitude", "x"),
}

#: One of these is needed to show a training (a title, or else the structure's name).
NAME_FIELDS: Final = ("intitule", "structure")
#: At least one of these columns must exist (latitude needs longitude).
LOCATION_FIELDS: Final = ("code_insee", "code_postal", "commune", "latitude")
#: Columns whose absence is allowed but warned about once (every row then lacks the value).
EXPECTED_FIELDS: Final = ("type_structure", "duree_mois", "modalite")


def header_key(text: str) -> str:
    """Key under which a header is compared: folded, without spaces or punctuation."""
    return fold(text).replace(" ", "")


_HEADER_INDEX: Final[dict[str, str]] = {
    header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def field_for_header(header: str) -> str | None:
    """Name of the schema field a header stands for, or ``None`` when it is not recognised."""
    return _HEADER_INDEX.get(header_key(header))


@dataclass(frozen=True, slots=True)
class HeaderMapping:
    """Which column holds which field, and what was left unused."""

    columns: dict[str, int]  # field → column index
    unknown: tuple[str, ...]  # headers that match no field
    duplicates: tuple[tuple[str, str], ...]  # (header, field) ignored because field already seen


def map_headers(headers: Sequence[str]) -> HeaderMapping:
    """Map header cells to fields; the first column wins when two columns mean the same field."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        name = field_for_header(header)
        if name is None:
            unknown.append(header)
        elif name in columns:
            duplicates.append((header, name))
        else:
            columns[name] = index
    return HeaderMapping(columns, tuple(unknown), tuple(duplicates))


def check_columns(mapping: HeaderMapping, headers: Sequence[str]) -> None:
    """Raise :class:`InputFileError` when no column names a training or none can place it."""
    missing: list[str] = []
    if not any(name in mapping.columns for name in NAME_FIELDS):
        missing.append(f"{FIELD_LABELS['intitule']} ou {FIELD_LABELS['structure']}")
    has_location = any(name in mapping.columns for name in LOCATION_FIELDS[:3]) or (
        "latitude" in mapping.columns and "longitude" in mapping.columns
    )
    if not has_location:
        missing.append("une localisation (Code INSEE, Code postal, Commune ou Latitude+Longitude)")
    if missing:
        found = ", ".join(f"« {h} »" for h in headers if h.strip()) or "aucun"
        raise InputFileError(
            "colonnes obligatoires introuvables : "
            + " ; ".join(missing)
            + f". En-têtes trouvés : {found}. Il faut un intitulé ou un nom de structure, "
            "et au moins une localisation ; le modèle a aussi "
            + ", ".join(FIELD_LABELS[name] for name in EXPECTED_FIELDS)
            + "."
        )


#: How many leading non-empty rows may be a title or notes above the header row.
HEADER_SEARCH_ROWS: Final = 10


def find_header(
    records: Sequence[tuple[int, tuple[Cell, ...]]],
) -> tuple[tuple[str, ...], int, tuple[tuple[int, tuple[Cell, ...]], ...]]:
    """Split records into the header row and the data rows.

    The header is, among the first non-empty rows, the one with most recognised headers (so a
    title above the table is skipped); the first non-empty row when none is recognised.
    """
    candidates = [
        (index, number)
        for index, (number, cells) in enumerate(records[: HEADER_SEARCH_ROWS * 10])
        if any(cell_text(cell) for cell in cells)
    ][:HEADER_SEARCH_ROWS]
    if not candidates:
        raise InputFileError("le fichier est vide : aucune ligne d'en-têtes.")
    best_index, best_count = candidates[0][0], 0
    for index, _ in candidates:
        count = len({field_for_header(cell_text(c)) for c in records[index][1]} - {None})
        if count > best_count:
            best_index, best_count = index, count
    number, cells = records[best_index]
    headers = tuple(cell_text(cell) for cell in cells)
    return headers, number, tuple(records[best_index + 1 :])
