"""The training schema: field names, allowed values and their French labels.

This module is the single source of truth for what a training is. The import,
the GeoJSON writer, the API and the map all read their field lists and labels
from here, so adding a value means editing one dictionary.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final


class TypeStructure(StrEnum):
    """Kinds of structures that run a labelled training."""

    ECOLE = "ecole"
    ASSOCIATION = "association"
    COLLECTIVITE = "collectivite"
    ENTREPRISE = "entreprise"
    ETABLISSEMENT_PUBLIC = "etablissement_public"
    AUTRE = "autre"  # an unknown or missing type: the row is kept, with a warning


TYPE_STRUCTURE_LABELS: Final[dict[TypeStructure, str]] = {
    TypeStructure.ECOLE: "École ou organisme de formation",
    TypeStructure.ASSOCIATION: "Association",
    TypeStructure.COLLECTIVITE: "Collectivité territoriale",
    TypeStructure.ENTREPRISE: "Entreprise",
    TypeStructure.ETABLISSEMENT_PUBLIC: "Établissement public",
    TypeStructure.AUTRE: "Autre structure",
}


class Modalite(StrEnum):
    """How the training is delivered."""

    PRESENTIEL = "presentiel"
    DISTANCIEL = "distanciel"
    HYBRIDE = "hybride"


MODALITE_LABELS: Final[dict[Modalite, str]] = {
    Modalite.PRESENTIEL: "En présentiel",
    Modalite.DISTANCIEL: "À distance",
    Modalite.HYBRIDE: "Hybride (présentiel et distance)",
}


class Precision(StrEnum):
    """How precisely a training was placed, from the most to the least precise."""

    ADRESSE = "adresse"
    RUE = "rue"
    COMMUNE = "commune"
    CODE_POSTAL = "code_postal"


PRECISION_LABELS: Final[dict[Precision, str]] = {
    Precision.ADRESSE: "à l'adresse",
    Precision.RUE: "à la rue",
    Precision.COMMUNE: "à la mairie de la commune",
    Precision.CODE_POSTAL: "au code postal",
}


class GeocodingSource(StrEnum):
    """Where the position of a training comes from."""

    COORDONNEES = "coordonnees"  # explicit lat/lon columns of the input
    GAZETTEER = "gazetteer"  # the embedded commune gazetteer (offline)
    BAN = "ban"  # the national address API (addok)


GEOCODING_SOURCE_LABELS: Final[dict[GeocodingSource, str]] = {
    GeocodingSource.COORDONNEES: "coordonnées fournies",
    GeocodingSource.GAZETTEER: "gazetteer des communes",
    GeocodingSource.BAN: "Base Adresse Nationale",
}


class Niveau(StrEnum):
    """The national framework of certification levels (2019), plus « sans niveau spécifique »."""

    SANS_NIVEAU = "sans_niveau"
    NIVEAU_3 = "3"
    NIVEAU_4 = "4"
    NIVEAU_5 = "5"
    NIVEAU_6 = "6"
    NIVEAU_7 = "7"
    NIVEAU_8 = "8"


NIVEAU_LABELS: Final[dict[Niveau, str]] = {
    Niveau.SANS_NIVEAU: "Sans niveau spécifique",
    Niveau.NIVEAU_3: "Niveau 3 (CAP, BEP)",
    Niveau.NIVEAU_4: "Niveau 4 (baccalauréat, brevet professionnel)",
    Niveau.NIVEAU_5: "Niveau 5 (bac + 2 : BTS, DEUST)",
    Niveau.NIVEAU_6: "Niveau 6 (bac + 3 : licence, BUT)",
    Niveau.NIVEAU_7: "Niveau 7 (bac + 5 : master, diplôme d'ingénieur)",
    Niveau.NIVEAU_8: "Niveau 8 (doctorat)",
}


class PublicVise(StrEnum):
    """Who a training is open to (a training may name several)."""

    DEMANDEURS_EMPLOI = "demandeurs_emploi"
    JEUNES_MOINS_26_ANS = "jeunes_moins_26_ans"
    SALARIES = "salaries"
    PERSONNES_HANDICAP = "personnes_handicap"
    TOUT_PUBLIC = "tout_public"
    AUTRE_PUBLIC = "autre_public"


PUBLIC_VISE_LABELS: Final[dict[PublicVise, str]] = {
    PublicVise.DEMANDEURS_EMPLOI: "Demandeurs d'emploi",
    PublicVise.JEUNES_MOINS_26_ANS: "Jeunes de moins de 26 ans",
    PublicVise.SALARIES: "Salariés",
    PublicVise.PERSONNES_HANDICAP: "Personnes en situation de handicap",
    PublicVise.TOUT_PUBLIC: "Tout public",
    PublicVise.AUTRE_PUBLIC: "Autre public",
}

#: Labels of the yes/no fields (``alternance``, ``prise_en_charge``), stored as JSON booleans.
OUI_NON_LABELS: Final[dict[bool, str]] = {True: "Oui", False: "Non"}

#: A certification code: ``RNCP`` or ``RS`` then the number of the national register.
CERTIFICATION_PATTERN: Final = r"^(RNCP|RS)([0-9]{1,6})$"
#: Public page of a certification on France Compétences, by register (``rncp``/``rs``) and number.
CERTIFICATION_URL: Final = "https://www.francecompetences.fr/recherche/{registre}/{numero}/"

DUREE_MIN_MOIS: Final = 3
DUREE_MAX_MOIS: Final = 24

#: Fields of a training as they appear in the CSV template and in GeoJSON properties.
#: ``departement``/``region`` hold INSEE codes; their ``*_nom`` companions hold names.
#: Both come from the matched commune, never from the input's free text.
INPUT_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "intitule",
    "structure",
    "type_structure",
    "adresse",
    "code_postal",
    "commune",
    "code_insee",
    "duree_mois",
    "modalite",
    "site_web",
    "date_labellisation",
    "sessions",
    "session_debut",
    "session_fin",
    "contact_email",
    "contact_telephone",
    "url_candidature",
    "certification",
    "niveau_entree",
    "niveau_sortie",
    "public_vise",
    "alternance",
    "nombre_heures",
    "prise_en_charge",
    "latitude",
    "longitude",
)

#: Input fields of a file with one session per row, instead of ``sessions``: each row gives
#: one session, and the rows of one training are joined (:func:`geo.importer.import_table`).
#: They are not in the template, whose ``sessions`` column holds them all.
SESSION_ROW_FIELDS: Final[tuple[str, ...]] = ("session_debut", "session_fin")

#: French names of fields, for messages.
FIELD_LABELS: Final[dict[str, str]] = {
    "id": "Identifiant",
    "intitule": "Intitulé de la formation",
    "structure": "Structure",
    "type_structure": "Type de structure",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "code_insee": "Code INSEE",
    "duree_mois": "Durée (mois)",
    "modalite": "Modalité",
    "site_web": "Site web",
    "date_labellisation": "Date de labellisation",
    "sessions": "Sessions",
    "session_debut": "Début de session",
    "session_fin": "Fin de session",
    "contact_email": "Courriel de contact",
    "contact_telephone": "Téléphone de contact",
    "url_candidature": "Lien de candidature",
    "certification": "Certification (code RNCP ou RS)",
    "niveau_entree": "Niveau d'entrée",
    "niveau_sortie": "Niveau de sortie",
    "public_vise": "Public visé",
    "alternance": "Alternance",
    "nombre_heures": "Nombre d'heures",
    "prise_en_charge": "Prise en charge des frais",
    "latitude": "Latitude",
    "longitude": "Longitude",
}

#: Properties whose value is a JSON list, ``[]`` when empty (never ``null``): ``sessions`` holds
#: ``{"debut", "fin"}`` objects (ISO dates or ``null``), ``public_vise`` :class:`PublicVise` values.
LIST_FIELDS: Final = ("sessions", "public_vise")
#: Properties whose value is a JSON boolean or ``null`` (labels: :data:`OUI_NON_LABELS`).
BOOLEAN_FIELDS: Final = ("alternance", "prise_en_charge")

#: Properties that say when, how and at what level one can join a training (issue 13), in
#: output order: the popup, the list and the exports read them as a group.
OFFER_FIELDS: Final[tuple[str, ...]] = (
    "sessions",
    "prochaine_session",
    "contact_email",
    "contact_telephone",
    "url_candidature",
    "certification",
    "niveau_entree",
    "niveau_sortie",
    "public_vise",
    "alternance",
    "nombre_heures",
    "prise_en_charge",
)

#: Properties of every GeoJSON feature, in output order (``id`` is the top-level member).
#: ``prochaine_session`` is derived at build time: the earliest session start on or after
#: the build date.
PROPERTY_FIELDS: Final[tuple[str, ...]] = (
    "intitule",
    "structure",
    "type_structure",
    "adresse",
    "code_postal",
    "commune",
    "code_insee",
    "departement",
    "departement_nom",
    "region",
    "region_nom",
    "duree_mois",
    "modalite",
    "site_web",
    "date_labellisation",
    *OFFER_FIELDS,
    "geocodage_source",
    "geocodage_precision",
    "geocodage_score",
    "geocodage_libelle",
)


def empty_properties() -> dict[str, Any]:
    """Properties of a training with no value: ``null``, and ``[]`` for the list fields."""
    return {name: [] if name in LIST_FIELDS else None for name in PROPERTY_FIELDS}


#: French names of the properties the build derives rather than reads (the commune's
#: département and région, how the position was found) and of the distance a search adds:
#: with :data:`FIELD_LABELS`, every column of an export has a French header.
DERIVED_FIELD_LABELS: Final[dict[str, str]] = {
    "departement": "Code du département",
    "departement_nom": "Département",
    "region": "Code de la région",
    "region_nom": "Région",
    "geocodage_source": "Origine de la position",
    "geocodage_precision": "Précision de la position",
    "geocodage_score": "Confiance du géocodage",
    "geocodage_libelle": "Lieu trouvé au géocodage",
    "prochaine_session": "Prochaine session",
    "distance_km": "Distance (km)",
}

#: Labels of the values of each enumerated property (of each item, for a list property).
VALUE_LABELS: Final[dict[str, dict[str, str]]] = {
    "type_structure": {kind.value: label for kind, label in TYPE_STRUCTURE_LABELS.items()},
    "modalite": {mode.value: label for mode, label in MODALITE_LABELS.items()},
    "niveau_entree": {level.value: label for level, label in NIVEAU_LABELS.items()},
    "niveau_sortie": {level.value: label for level, label in NIVEAU_LABELS.items()},
    "public_vise": {public.value: label for public, label in PUBLIC_VISE_LABELS.items()},
    "geocodage_source": {source.value: label for source, label in GEOCODING_SOURCE_LABELS.items()},
    "geocodage_precision": {level.value: label for level, label in PRECISION_LABELS.items()},
}
