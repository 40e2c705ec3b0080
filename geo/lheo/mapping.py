"""The one table from LHEO elements to Carte GEN record fields, and the rules that convert them.

:data:`FIELD_MAP` is read by the reader (which elements to look at, how to convert them) and
rendered into ``docs/lheo.md`` by :mod:`geo.lheo.doc` (a test keeps the two identical).
Paths are relative to ``<formation>`` in a full offer (``action/…`` is read on each action,
``action/lieu-de-formation/…`` on each training site) and to ``<resume-offre>`` in an index;
``@name`` is an attribute. The first path that has a value wins unless the rule says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from geo.lheo.codes import (
    ALTERNANCE_CODES,
    BOOLEAN_BY_LHEO_CODE,
    MODALITE_BY_LHEO_CODE,
    NIVEAU_BY_LHEO_CODE,
    NON,
    OUI,
    PLACEHOLDER,
    PUBLIC_LABELS,
    PUBLICS_BY_FORMACODE,
    TYPE_STRUCTURE_AUTRE,
    UNKNOWN_INFO,
    iso_date,
)

#: What the reader found for one path: the path as written in the table, and an lxml element
#: (or the attribute's text for an ``@name`` path).
Found = tuple[str, Any]
Converter = Callable[[Sequence[Found]], object]

#: Prefixes of the paths read on each action and on each training site of an action.
ACTION_PREFIX: Final = "action/"
LIEU_PREFIX: Final = "action/lieu-de-formation/"


def value_text(found: Any) -> str | None:
    """Return the stripped text of an element or attribute; None if empty, ``-`` or unknown."""
    if isinstance(found, str):
        text = found.strip()
    else:
        if found.get("info") == UNKNOWN_INFO:
            return None
        text = (found.text or "").strip()
    return None if not text or text == PLACEHOLDER else text


def _texts(found: Sequence[Found]) -> list[tuple[str, str]]:
    return [(path, text) for path, value in found if (text := value_text(value)) is not None]


def first_text(found: Sequence[Found]) -> str | None:
    """Return the first value found, in path order."""
    texts = _texts(found)
    return texts[0][1] if texts else None


def joined_lines(found: Sequence[Found]) -> str | None:
    """Every line found, joined with ``, `` (an LHEO address has 1 to 4 ``<ligne>``)."""
    return ", ".join(text for _, text in _texts(found)) or None


def certification_code(found: Sequence[Found]) -> str | None:
    """``RNCP`` + the RNCP code, or ``RS`` + the RS code (France Compétences' spelling)."""
    for path, text in _texts(found):
        prefix = "RS" if path.endswith("code-RS") else "RNCP"
        code = re.sub(r"^(?:RNCP|RS)\s*", "", text.upper().replace(" ", ""))
        return prefix + code
    return None


def niveau(found: Sequence[Found]) -> str | None:
    """Our level for a ``dict-niveaux`` key; an unknown key is passed on as written."""
    text = first_text(found)
    if text is None:
        return None
    return NIVEAU_BY_LHEO_CODE.get(text, text)


def publics(found: Sequence[Found]) -> list[str]:
    """Our publics for every FORMACODE public code, in label order; unknown codes → autre."""
    values: set[str] = set()
    for _, text in _texts(found):
        values.update(PUBLICS_BY_FORMACODE.get(text, ("autre_public",)))
    return [value for value in PUBLIC_LABELS if value in values]


def alternance(found: Sequence[Found]) -> str:
    """``oui`` when a work-linked code is present, ``non`` otherwise."""
    return OUI if any(text in ALTERNANCE_CODES for _, text in _texts(found)) else NON


_HOURS_IN_TEXT = re.compile(r"(\d+)\s*h", re.IGNORECASE)


def nombre_heures(found: Sequence[Found]) -> str | None:
    """Total hours: the total, else centre + company hours, else « N heures » in the text."""
    by_path: dict[str, str] = {}
    for path, text in _texts(found):
        by_path.setdefault(path.rsplit("/", 1)[-1], text)
    if "nombre-heures-total" in by_path:
        return by_path["nombre-heures-total"]
    parts = [by_path.get(name) for name in ("nombre-heures-centre", "nombre-heures-entreprise")]
    if any(part is not None for part in parts):
        if all(part is None or part.isdigit() for part in parts):
            return str(sum(int(part) for part in parts if part is not None))
        return " + ".join(part for part in parts if part is not None)
    if match := _HOURS_IN_TEXT.search(by_path.get("duree-indicative", "")):
        return match.group(1)
    return None


def booleen(found: Sequence[Found]) -> str | None:
    """``oui``/``non`` for a ``dict-boolean`` key; another value is passed on as written."""
    text = first_text(found)
    return None if text is None else BOOLEAN_BY_LHEO_CODE.get(text, text)


def modalite(found: Sequence[Found]) -> str | None:
    """Our mode for a ``dict-modalites-enseignement`` key; another value is passed on."""
    text = first_text(found)
    if text is None:
        return None
    mode = MODALITE_BY_LHEO_CODE.get(text)
    return mode.value if mode is not None else text


def sessions(found: Sequence[Found]) -> list[dict[str, str | None]]:
    """Every ``<periode>`` as ``{debut, fin}`` ISO dates, except a fully unknown one."""
    result = []
    for _, periode in found:
        tag = periode.tag
        namespace = tag[: tag.index("}") + 1] if tag[0] == "{" else ""
        debut = iso_date(_child_text(periode, namespace + "debut"))
        fin = iso_date(_child_text(periode, namespace + "fin"))
        if debut is not None or fin is not None:
            result.append({"debut": debut, "fin": fin})
    return result


def _child_text(element: Any, tag: str) -> str:
    """Return the text of the first child ``tag`` (``""`` if none), as ``findtext`` does.

    Without ``findtext``'s path parsing, which every session of a feed would pay twice.
    """
    for child in element.iterchildren(tag):
        return child.text or ""
    return ""


def constant(value: object) -> Converter:
    """Make a converter that ignores the file and gives ``value``."""

    def convert(found: Sequence[Found]) -> object:
        return value

    return convert


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one field of a record is read from LHEO."""

    field: str
    offre: tuple[str, ...]  # paths under <formation>
    index: tuple[str, ...]  # paths under <resume-offre>
    convert: Converter
    rule: str  # for the docs


_ADRESSE = LIEU_PREFIX + "coordonnees/adresse/"
_ANY_GEOLOCALISATION = LIEU_PREFIX + ".//geolocalisation/"
_ORGANISME = "organisme-formation-responsable/"
_CONTACT = "contact-formation/coordonnees/"
_CONTACT_ORGANISME = _ORGANISME + "contact-organisme/coordonnees/"

FIELD_MAP: Final[tuple[FieldRule, ...]] = (
    FieldRule(
        "id",
        ("action/@numero",),
        ("@numero",),
        first_text,
        "The action's `numero`; with several training sites, `-1`, `-2`… is appended.",
    ),
    FieldRule(
        "intitule", ("intitule-formation",), ("intitule-formation",), first_text, "As written."
    ),
    FieldRule(
        "structure",
        (_ORGANISME + "nom-organisme", _ORGANISME + "raison-sociale"),
        ("nom-organisme",),
        first_text,
        "The usual name, else the legal name (`raison-sociale` is often `-`).",
    ),
    FieldRule(
        "type_structure",
        (),
        (),
        constant(TYPE_STRUCTURE_AUTRE),
        "Not in LHEO: always `autre`. A SIRET does not say which kind of body holds it "
        "(that needs the Sirene register's legal category, an online look-up), so no rule "
        "on the SIRET is applied.",
    ),
    FieldRule(
        "siret",
        (_ORGANISME + "SIRET-organisme-formation/SIRET",),
        ("SIRET",),
        first_text,
        "The responsible body's SIRET, as written.",
    ),
    FieldRule(
        "adresse",
        (_ADRESSE + "ligne",),
        (),
        joined_lines,
        "Every `ligne` of the site's address, joined with `, `.",
    ),
    FieldRule(
        "code_postal", (_ADRESSE + "codepostal",), ("codepostal",), first_text, "As written."
    ),
    FieldRule("commune", (_ADRESSE + "ville",), ("ville",), first_text, "As written."),
    FieldRule(
        "code_insee",
        (_ADRESSE + "code-INSEE-commune",),
        ("code-INSEE-commune",),
        first_text,
        "As written.",
    ),
    FieldRule(
        "latitude",
        (_ADRESSE + "geolocalisation/latitude", _ANY_GEOLOCALISATION + "latitude"),
        (),
        first_text,
        "WGS84 decimal degrees, from the address, else from any `geolocalisation` of the site "
        "(e.g. in its `extras`); with `longitude`, explicit coordinates.",
    ),
    FieldRule(
        "longitude",
        (_ADRESSE + "geolocalisation/longitude", _ANY_GEOLOCALISATION + "longitude"),
        (),
        first_text,
        "WGS84 decimal degrees, found like `latitude`.",
    ),
    FieldRule("site_web", ("url-formation/urlweb",), (), first_text, "The training's page."),
    FieldRule(
        "url_candidature",
        ("action/url-action/urlweb",),
        (),
        first_text,
        "The action's page: where one enrols in this action.",
    ),
    FieldRule(
        "contact_email",
        (_CONTACT + "courriel", _CONTACT_ORGANISME + "courriel"),
        ("contact-formation-resume/courriel",),
        first_text,
        "The training's contact, else the body's contact.",
    ),
    FieldRule(
        "contact_telephone",
        (
            _CONTACT + "telfixe/numtel",
            _CONTACT + "portable/numtel",
            _CONTACT_ORGANISME + "telfixe/numtel",
            _CONTACT_ORGANISME + "portable/numtel",
        ),
        ("contact-formation-resume/telfixe/numtel",),
        first_text,
        "Landline, else mobile; the training's contact, else the body's.",
    ),
    FieldRule(
        "certification",
        ("certification/code-RNCP", "certification/code-RS"),
        ("certification/code-RNCP", "certification/code-RS"),
        certification_code,
        "`RNCP` + the first RNCP code, else `RS` + the first RS code (e.g. `RNCP31114`).",
    ),
    FieldRule(
        "niveau_entree",
        ("code-niveau-entree",),
        ("code-niveau-entree",),
        niveau,
        "`dict-niveaux` key → national level (table below); `0` → empty.",
    ),
    FieldRule(
        "niveau_sortie",
        ("code-niveau-sortie",),
        (),
        niveau,
        "`dict-niveaux` key → national level (table below); `0` → empty.",
    ),
    FieldRule(
        "public_vise",
        ("action/code-public-vise",),
        ("code-public-vise",),
        publics,
        "Every FORMACODE public code → our publics (table below), a list.",
    ),
    FieldRule(
        "alternance",
        ("action/code-modalite-pedagogique", "action/code-public-vise"),
        (),
        alternance,
        "`oui` with the mode 96142 (« en alternance ») or a public 82027/82029 "
        "(apprenticeship, professionalisation contract); `non` otherwise.",
    ),
    FieldRule(
        "nombre_heures",
        (
            "action/nombre-heures-total",
            "action/nombre-heures-centre",
            "action/nombre-heures-entreprise",
            "action/duree-indicative",
        ),
        ("nombre-heures-total",),
        nombre_heures,
        "The total; else centre + company hours; else « N h » read in `duree-indicative`.",
    ),
    FieldRule(
        "prise_en_charge",
        ("action/prise-en-charge-frais-possible",),
        ("prise-en-charge-frais-possible",),
        booleen,
        "`1` → `oui`, `0` → `non`.",
    ),
    FieldRule(
        "modalite",
        ("action/modalites-enseignement",),
        ("modalites-enseignement",),
        modalite,
        "`0` → `presentiel`, `1` (mixte) → `hybride`, `2` → `distanciel`.",
    ),
    FieldRule(
        "sessions",
        ("action/session/periode",),
        ("session/periode",),
        sessions,
        "Every session's `periode` as `{debut, fin}` (date rules below).",
    ),
    FieldRule("date_labellisation", (), (), constant(None), "Not in LHEO: always empty."),
)

#: Keys of every record, in table order.
RECORD_FIELDS: Final[tuple[str, ...]] = tuple(rule.field for rule in FIELD_MAP)
