"""Write Carte GEN records as an LHEO 2.3 document (``<lheo><offres>``), streaming.

One ``<formation>`` per record, with one ``<action>``, its training site and its sessions,
written one at a time through ``lxml.etree.xmlfile`` (lxml escapes every value). The reader
(:mod:`geo.lheo.reader`) reads the document back to the same records for every field both
models have; :mod:`geo.lheo.structure` checks the element order and cardinalities LHEO
documents. Elements LHEO requires and we have no value for get LHEO's own neutral value:
``-`` for text, or the neutral code marked ``info="non renseigné (Carte GEN)"``
(:data:`~geo.lheo.codes.UNKNOWN_INFO`), which our reader reads as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import IO, Any, Final

from lxml import etree

from geo.lheo.codes import (
    ALTERNANCE_MODALITE_CODE,
    FORMACODE_BY_PUBLIC,
    FORMACODE_VERSION,
    LHEO_CODE_BY_BOOLEAN,
    LHEO_CODE_BY_MODALITE,
    LHEO_CODE_BY_NIVEAU,
    NAMESPACE_2_3,
    NIVEAU_INCONNU_CODE,
    OUI,
    PLACEHOLDER,
    PUBLIC_INCONNU_CODE,
    UNKNOWN_DEBUT,
    UNKNOWN_FIN,
    UNKNOWN_INFO,
    lheo_date,
)

_PREFIX: Final = f"{{{NAMESPACE_2_3}}}"

#: Characters XML 1.0 cannot carry, even escaped: dropped from the values written.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

#: Neutral values of required elements that have no Carte GEN counterpart.
_PARCOURS_EN_GROUPE: Final = "1"  # dict-type-parcours: en groupe
_ENTREES_SORTIES_FIXES: Final = "0"  # dict-modalites-es: entrées/sorties à dates fixes
_NUMERO_ACTIVITE_INCONNU: Final = "00000000000"


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = _NOT_XML.sub("", str(value))
    return text if text.strip() else None


def _sub(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, _PREFIX + name, attributes)
    if text is not None:
        element.text = text
    return element


def _coded(parent: Any, name: str, code: str | None, neutral: str) -> None:
    """Write a required coded element: its code, or the neutral code marked as unknown."""
    if code is None:
        _sub(parent, name, neutral, info=UNKNOWN_INFO)
    else:
        _sub(parent, name, code)


def _adresse(parent: Any, record: Mapping[str, object]) -> None:
    adresse = _sub(parent, "adresse")
    _sub(adresse, "ligne", _text(record.get("adresse")) or PLACEHOLDER)
    _sub(adresse, "codepostal", _text(record.get("code_postal")) or PLACEHOLDER)
    _sub(adresse, "ville", _text(record.get("commune")) or PLACEHOLDER)
    if code_insee := _text(record.get("code_insee")):
        _sub(adresse, "code-INSEE-commune", code_insee)
    latitude, longitude = _text(record.get("latitude")), _text(record.get("longitude"))
    if latitude or longitude:
        geolocalisation = _sub(adresse, "geolocalisation")
        _sub(geolocalisation, "latitude", latitude or PLACEHOLDER)
        _sub(geolocalisation, "longitude", longitude or PLACEHOLDER)


_PLACE_FIELDS: Final = ("adresse", "code_postal", "commune", "code_insee", "latitude", "longitude")


def _sessions(action: Any, record: Mapping[str, object]) -> None:
    periods: list[Any] = list(record.get("sessions") or [])  # type: ignore[call-overload]
    if not periods:
        periods = [{"debut": None, "fin": None}]  # LHEO needs one; fully unknown reads as none
    for period in periods:
        session = _sub(action, "session")
        periode = _sub(session, "periode")
        _sub(periode, "debut", lheo_date(_text(period.get("debut")), UNKNOWN_DEBUT))
        _sub(periode, "fin", lheo_date(_text(period.get("fin")), UNKNOWN_FIN))
        _adresse(_sub(session, "adresse-inscription"), record)


def _certification(formation: Any, code: str) -> None:
    certification = _sub(formation, "certification")
    if code.upper().startswith("RS") and not code.upper().startswith("RNCP"):
        _sub(certification, "code-RS", code[2:].strip())
    else:
        _sub(certification, "code-RNCP", re.sub(r"(?i)^RNCP\s*", "", code))


def formation_element(record: Mapping[str, object]) -> Any:
    """Build the ``<formation>`` element of one record (one action, one site, its sessions)."""
    formation = etree.Element(_PREFIX + "formation", nsmap={None: NAMESPACE_2_3})
    _sub(formation, "domaine-formation")
    _sub(formation, "intitule-formation", _text(record.get("intitule")) or PLACEHOLDER)
    for name in ("objectif-formation", "resultats-attendus", "contenu-formation"):
        _sub(formation, name, PLACEHOLDER)
    certification = _text(record.get("certification"))
    _sub(formation, "certifiante", "1" if certification else "0")
    coordonnees = _sub(_sub(formation, "contact-formation"), "coordonnees")
    if telephone := _text(record.get("contact_telephone")):
        _sub(_sub(coordonnees, "telfixe"), "numtel", telephone)
    if email := _text(record.get("contact_email")):
        _sub(coordonnees, "courriel", email)
    _sub(formation, "parcours-de-formation", _PARCOURS_EN_GROUPE)
    niveau_entree = LHEO_CODE_BY_NIVEAU.get(str(record.get("niveau_entree")))
    _sub(formation, "code-niveau-entree", niveau_entree or NIVEAU_INCONNU_CODE)
    if certification:
        _certification(formation, certification)
    if niveau_sortie := LHEO_CODE_BY_NIVEAU.get(str(record.get("niveau_sortie"))):
        _sub(formation, "code-niveau-sortie", niveau_sortie)
    if site_web := _text(record.get("site_web")):
        _sub(_sub(formation, "url-formation"), "urlweb", site_web)

    action = _sub(formation, "action")
    if identifier := _text(record.get("id")):
        action.set("numero", identifier)
    _sub(action, "rythme-formation", PLACEHOLDER)
    publics = [str(value) for value in record.get("public_vise") or []]  # type: ignore[attr-defined]
    codes = [FORMACODE_BY_PUBLIC[value] for value in publics if value in FORMACODE_BY_PUBLIC]
    if not codes:
        _sub(
            action,
            "code-public-vise",
            PUBLIC_INCONNU_CODE,
            ref=FORMACODE_VERSION,
            info=UNKNOWN_INFO,
        )
    for code in codes[:10]:
        _sub(action, "code-public-vise", code, ref=FORMACODE_VERSION)
    _sub(action, "niveau-entree-obligatoire", "0")
    _sub(action, "modalites-alternance", PLACEHOLDER)
    _coded(
        action,
        "modalites-enseignement",
        LHEO_CODE_BY_MODALITE.get(str(record.get("modalite"))),
        "0",
    )
    _sub(action, "conditions-specifiques", PLACEHOLDER)
    _coded(
        action,
        "prise-en-charge-frais-possible",
        LHEO_CODE_BY_BOOLEAN.get(str(record.get("prise_en_charge"))),
        "0",
    )
    if any(_text(record.get(name)) for name in _PLACE_FIELDS):
        _adresse(_sub(_sub(action, "lieu-de-formation"), "coordonnees"), record)
    _sub(action, "modalites-entrees-sorties", _ENTREES_SORTIES_FIXES)
    if url := _text(record.get("url_candidature")):
        _sub(_sub(action, "url-action"), "urlweb", url)
    _sessions(action, record)
    if record.get("alternance") == OUI:
        _sub(action, "code-modalite-pedagogique", ALTERNANCE_MODALITE_CODE, ref=FORMACODE_VERSION)
    if heures := _text(record.get("nombre_heures")):
        _sub(action, "nombre-heures-total", heures)

    organisme = _sub(formation, "organisme-formation-responsable")
    _sub(organisme, "numero-activite", _NUMERO_ACTIVITE_INCONNU)
    _sub(
        _sub(organisme, "SIRET-organisme-formation"),
        "SIRET",
        _text(record.get("siret")) or PLACEHOLDER,
    )
    structure = _text(record.get("structure")) or PLACEHOLDER
    _sub(organisme, "nom-organisme", structure)
    _sub(organisme, "raison-sociale", structure)
    _sub(_sub(organisme, "coordonnees-organisme"), "coordonnees")
    _sub(_sub(organisme, "contact-organisme"), "coordonnees")
    return formation


def write_lheo(records: Iterable[Mapping[str, object]], out: IO[bytes]) -> int:
    """Write ``records`` to the binary stream ``out`` as one LHEO 2.3 document.

    Streams: one ``<formation>`` is built, written and forgotten at a time. Returns the number
    of formations written. Characters XML cannot carry (control characters) are dropped.
    """
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xml:
        xml.write_declaration()
        with (
            xml.element(_PREFIX + "lheo", nsmap={None: NAMESPACE_2_3}),
            xml.element(_PREFIX + "offres"),
        ):
            for record in records:
                xml.write(formation_element(record))
                count += 1
    return count
