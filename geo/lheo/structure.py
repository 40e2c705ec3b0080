"""Check an LHEO document against the structure the LHEO spec documents (no XSD available).

The LHEO project publishes its schema as GML definitions and HTML pages, not as a registry
package; no PyPI or npm package ships an LHEO XSD. This module restates, for the elements
:mod:`geo.lheo.writer` writes, the ordered sequences and cardinalities of the spec's element
pages (LHEO 2.2 pages, with the 2.3 changes: several ``lieu-de-formation`` and
``contact-formation``). It checks element order, counts and unknown children; it does not check
value types or lengths.
"""

from __future__ import annotations

from typing import Any, Final

from geo.lheo.codes import NAMESPACE_2_3

N: Final = None  # no upper bound

#: element → ordered children (name, min, max). Elements not listed are not checked inside.
SEQUENCES: Final[dict[str, tuple[tuple[str, int, int | None], ...]]] = {
    "lheo": (("offres", 1, 1), ("extras", 0, N)),
    "offres": (("formation", 1, N), ("extras", 0, N)),
    "formation": (
        ("domaine-formation", 1, 1),
        ("intitule-formation", 1, 1),
        ("objectif-formation", 1, 1),
        ("resultats-attendus", 1, 1),
        ("contenu-formation", 1, 1),
        ("certifiante", 1, 1),
        ("contact-formation", 1, N),
        ("parcours-de-formation", 1, 1),
        ("code-niveau-entree", 1, 1),
        ("objectif-general-formation", 0, 1),
        ("certification", 0, 5),
        ("code-niveau-sortie", 0, 1),
        ("url-formation", 0, 1),
        ("action", 1, N),
        ("organisme-formation-responsable", 1, 1),
        ("identifiant-module", 0, 1),
        ("positionnement", 0, 1),
        ("sous-modules", 0, 1),
        ("modules-prerequis", 0, 1),
        ("extras", 0, N),
    ),
    "domaine-formation": (
        ("code-FORMACODE", 0, 5),
        ("code-NSF", 0, 3),
        ("code-ROME", 0, 5),
        ("extras", 0, N),
    ),
    "contact-formation": (("coordonnees", 1, 1), ("extras", 0, N)),
    "coordonnees": (
        ("civilite", 0, 1),
        ("nom", 0, 1),
        ("prenom", 0, 1),
        ("ligne", 0, 3),
        ("adresse", 0, 1),
        ("telfixe", 0, 1),
        ("portable", 0, 1),
        ("fax", 0, 1),
        ("courriel", 0, 1),
        ("web", 0, 1),
        ("extras", 0, N),
    ),
    "telfixe": (("numtel", 1, N), ("extras", 0, N)),
    "certification": (
        ("code-RNCP", 0, 1),
        ("code-CERTIFINFO", 0, 1),
        ("code-RS", 0, 1),
        ("extras", 0, N),
    ),
    "url-formation": (("urlweb", 1, N), ("extras", 0, N)),
    "url-action": (("urlweb", 1, N), ("extras", 0, N)),
    "action": (
        ("rythme-formation", 1, 1),
        ("code-public-vise", 1, 10),
        ("info-public-vise", 0, 1),
        ("niveau-entree-obligatoire", 1, 1),
        ("modalites-alternance", 1, 1),
        ("modalites-enseignement", 1, 1),
        ("conditions-specifiques", 1, 1),
        ("prise-en-charge-frais-possible", 1, 1),
        ("lieu-de-formation", 0, N),
        ("modalites-entrees-sorties", 1, 1),
        ("url-action", 0, 1),
        ("session", 1, N),
        ("adresse-information", 0, 1),
        ("date-information", 0, 3),
        ("restauration", 0, 1),
        ("hebergement", 0, 1),
        ("transport", 0, 1),
        ("acces-handicapes", 0, 1),
        ("langue-formation", 0, 1),
        ("modalites-recrutement", 0, 1),
        ("modalites-pedagogiques", 0, 1),
        ("code-modalite-pedagogique", 0, 5),
        ("frais-restants", 0, 1),
        ("code-perimetre-recrutement", 0, 1),
        ("infos-perimetre-recrutement", 0, 1),
        ("prix-horaire-TTC", 0, 1),
        ("prix-total-TTC", 0, 1),
        ("duree-indicative", 0, 1),
        ("nombre-heures-centre", 0, 1),
        ("nombre-heures-entreprise", 0, 1),
        ("nombre-heures-total", 0, 1),
        ("detail-conditions-prise-en-charge", 0, 1),
        ("conventionnement", 0, 1),
        ("duree-conventionnee", 0, 1),
        ("organisme-formateur", 0, N),
        ("organisme-financeur", 0, 8),
        ("extras", 0, N),
    ),
    "lieu-de-formation": (("coordonnees", 1, 1), ("extras", 0, N)),
    "adresse": (
        ("ligne", 1, 4),
        ("codepostal", 1, 1),
        ("ville", 1, 1),
        ("departement", 0, 1),
        ("code-INSEE-commune", 0, 1),
        ("code-INSEE-canton", 0, 1),
        ("region", 0, 1),
        ("pays", 0, 1),
        ("geolocalisation", 0, 1),
        ("extras", 0, N),
    ),
    "geolocalisation": (("latitude", 1, 1), ("longitude", 1, 1), ("extras", 0, N)),
    "session": (
        ("periode", 1, 1),
        ("adresse-inscription", 1, 1),
        ("modalites-inscription", 0, 1),
        ("periode-inscription", 0, 1),
        ("etat-recrutement", 0, 1),
        ("extras", 0, N),
    ),
    "periode": (("debut", 1, 1), ("fin", 1, 1), ("extras", 0, N)),
    "adresse-inscription": (("adresse", 1, 1), ("extras", 0, N)),
    "organisme-formation-responsable": (
        ("numero-activite", 1, 1),
        ("SIRET-organisme-formation", 1, 1),
        ("nom-organisme", 1, 1),
        ("raison-sociale", 1, 1),
        ("coordonnees-organisme", 1, 1),
        ("contact-organisme", 1, N),
        ("renseignements-specifiques", 0, 1),
        ("potentiel", 0, 1),
        ("extras", 0, N),
    ),
    "SIRET-organisme-formation": (("SIRET", 1, 1), ("extras", 0, N)),
    "coordonnees-organisme": (("coordonnees", 1, 1), ("extras", 0, N)),
    "contact-organisme": (("coordonnees", 1, 1), ("extras", 0, N)),
}


def _local(tag: str) -> str | None:
    prefix = f"{{{NAMESPACE_2_3}}}"
    return tag[len(prefix) :] if tag.startswith(prefix) else None


def _check_children(element: Any, name: str, problems: list[str]) -> None:
    sequence = SEQUENCES[name]
    order = {child: position for position, (child, _, _) in enumerate(sequence)}
    counts = dict.fromkeys(order, 0)
    last = -1
    where = f"<{name}> ligne {element.sourceline}"
    for child in element:
        if not isinstance(child.tag, str):
            continue
        local = _local(child.tag)
        if local is None or local not in order:
            problems.append(f"{where} : élément <{child.tag}> non prévu par LHEO ici")
            continue
        if order[local] < last:
            problems.append(f"{where} : <{local}> est hors de l'ordre défini par LHEO")
        last = max(last, order[local])
        counts[local] += 1
    for child_name, minimum, maximum in sequence:
        count = counts[child_name]
        if count < minimum or (maximum is not None and count > maximum):
            bound = "N" if maximum is None else str(maximum)
            problems.append(f"{where} : {count} <{child_name}> pour [{minimum}, {bound}] attendus")


def structure_problems(root: Any) -> list[str]:
    """Every departure of a parsed LHEO 2.3 document from the documented structure (French).

    An empty list means the element order and cardinalities of every element in
    :data:`SEQUENCES` match the spec.
    """
    problems: list[str] = []
    if _local(root.tag) != "lheo":
        return [f"élément racine <{root.tag}> : attendu <lheo> dans {NAMESPACE_2_3}"]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local(element.tag)
        if name in SEQUENCES:
            _check_children(element, name, problems)
    return problems
