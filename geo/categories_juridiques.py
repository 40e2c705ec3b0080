"""INSEE legal categories (catégories juridiques) mapped to the map's structure types.

Public fact: the INSEE classification « Catégories juridiques » (niveaux I, II et III), as
used by SIRENE (``categorieJuridiqueUniteLegale``), Licence Ouverte. Only the codes and
labels a list of training or mediation sites meets are written here; a code is looked up at
its most precise level first (4 digits, then 2, then 1), so every code has a type. The
labels are those of the INSEE classification, and their usual short forms (« SARL »,
« EPCI »…) are accepted by the importer as aliases (``geo/importer/values.py``).
"""

from __future__ import annotations

from typing import Final

from geo.schema import TypeStructure

A, C, E, F, P, X = (
    TypeStructure.ASSOCIATION,
    TypeStructure.COLLECTIVITE,
    TypeStructure.ENTREPRISE,
    TypeStructure.ECOLE,
    TypeStructure.ETABLISSEMENT_PUBLIC,
    TypeStructure.AUTRE,
)

#: Code → (INSEE label, structure type). Levels I (1 digit), II (2 digits), III (4 digits).
CATEGORIES_JURIDIQUES: Final[dict[str, tuple[str, TypeStructure]]] = {
    # Niveau I
    "1": ("Entrepreneur individuel", E),
    "2": ("Groupement de droit privé non doté de la personnalité morale", X),
    "3": ("Personne morale de droit étranger", X),
    "4": ("Personne morale de droit public soumise au droit commercial", P),
    "5": ("Société commerciale", E),
    "6": ("Autre personne morale immatriculée au RCS", E),
    "7": ("Personne morale et organisme soumis au droit administratif", P),
    "8": ("Organisme privé spécialisé", X),
    "9": ("Groupement de droit privé", A),
    # Niveau II
    "10": ("Entrepreneur individuel", E),
    "21": ("Indivision", X),
    "22": ("Société créée de fait", X),
    "23": ("Société en participation", X),
    "24": ("Fiducie", X),
    "27": ("Paroisse hors zone concordataire", X),
    "29": ("Autre groupement de droit privé non doté de la personnalité morale", X),
    "31": ("Personne morale de droit étranger, immatriculée au RCS", E),
    "32": ("Personne morale de droit étranger, non immatriculée au RCS", X),
    "41": ("Établissement public ou régie à caractère industriel ou commercial", P),
    "51": ("Société coopérative commerciale particulière", E),
    "52": ("Société en nom collectif", E),
    "53": ("Société en commandite", E),
    "54": ("Société à responsabilité limitée (SARL)", E),
    "55": ("Société anonyme à conseil d'administration", E),
    "56": ("Société anonyme à directoire", E),
    "57": ("Société par actions simplifiée", E),
    "58": ("Société européenne", E),
    "61": ("Caisse d'épargne et de prévoyance", E),
    "62": ("Groupement d'intérêt économique", E),
    "63": ("Société coopérative agricole", E),
    "64": ("Société d'assurance mutuelle", E),
    "65": ("Société civile", E),
    "69": ("Autre personne morale de droit privé inscrite au registre du commerce", E),
    "71": ("Administration de l'État", P),
    "72": ("Collectivité territoriale", C),
    "73": ("Établissement public administratif", P),
    "74": ("Autre personne morale de droit public administratif", P),
    "81": ("Organisme gérant un régime de protection sociale à adhésion obligatoire", P),
    "82": ("Organisme mutualiste", X),
    "83": ("Comité social économique d'entreprise", X),
    "84": ("Organisme professionnel", A),
    "85": ("Organisme de retraite à adhésion non obligatoire", X),
    "91": ("Syndicat de propriétaires", X),
    "92": ("Association loi 1901 ou assimilé", A),
    "93": ("Fondation", A),
    "99": ("Autre personne morale de droit privé", X),
    # Niveau III: the codes whose type differs from their level II, and the common ones
    "5499": ("Société à responsabilité limitée (sans autre indication)", E),
    "5710": ("SAS, société par actions simplifiée", E),
    "5720": ("Société par actions simplifiée à associé unique", E),
    "7111": ("Autorité constitutionnelle", P),
    "7112": ("Autorité administrative ou publique indépendante", P),
    "7113": ("Ministère", P),
    "7120": ("Service central d'un ministère", P),
    "7160": ("Service déconcentré à compétence nationale d'un ministère (hors Défense)", P),
    "7171": ("Service déconcentré de l'État à compétence (inter) régionale", P),
    "7172": ("Service déconcentré de l'État à compétence (inter) départementale", P),
    "7179": ("(Autre) Service déconcentré de l'État à compétence territoriale", P),
    "7190": ("Ecole nationale non dotée de la personnalité morale", F),
    "7210": ("Commune et commune nouvelle", C),
    "7220": ("Département", C),
    "7225": ("Collectivité et territoire d'Outre Mer", C),
    "7229": ("(Autre) Collectivité territoriale", C),
    "7230": ("Région", C),
    "7312": ("Commune associée et commune déléguée", C),
    "7313": ("Section de commune", C),
    "7331": ("Établissement public local d'enseignement", F),
    "7340": ("Pôle métropolitain", C),
    "7341": ("Secteur de commune", C),
    "7342": ("District urbain", C),
    "7343": ("Communauté urbaine", C),
    "7344": ("Métropole", C),
    "7345": ("Syndicat intercommunal à vocation multiple (SIVOM)", C),
    "7346": ("Communauté de communes", C),
    "7347": ("Communauté de villes", C),
    "7348": ("Communauté d'agglomération", C),
    "7349": ("Autre établissement public local de coopération non spécialisé ou entente", C),
    "7351": ("Institution interdépartementale ou entente", C),
    "7352": ("Institution interrégionale ou entente", C),
    "7353": ("Syndicat intercommunal à vocation unique (SIVU)", C),
    "7354": ("Syndicat mixte fermé", C),
    "7355": ("Syndicat mixte ouvert", C),
    "7356": ("Commission syndicale pour la gestion des biens indivis des communes", C),
    "7357": ("Pôle d'équilibre territorial et rural (PETR)", C),
    "7361": ("Centre communal d'action sociale", P),
    "7362": ("Caisse des écoles", P),
    "7367": ("Centre intercommunal d'action sociale (CIAS)", P),
    "7373": ("Établissement public local culturel", P),
    "7378": ("Régie d'une collectivité locale à caractère administratif", C),
    "7379": ("(Autre) Établissement public administratif local", P),
    "7381": ("Organisme consulaire", P),
    "7383": ("Établissement public national à caractère scientifique culturel et professionnel", F),
    "7384": ("Autre établissement public national d'enseignement", F),
    "7389": ("Établissement public national à caractère administratif", P),
    "7410": ("Groupement d'intérêt public (GIP)", P),
    "7490": ("Autre personne morale de droit administratif", P),
    "8410": ("Syndicat de salariés", A),
    "8420": ("Syndicat patronal", A),
    "9210": ("Association non déclarée", A),
    "9220": ("Association déclarée", A),
    "9221": ("Association déclarée d'insertion par l'économique", A),
    "9222": ("Association intermédiaire", A),
    "9223": ("Groupement d'employeurs", A),
    "9230": ("Association déclarée, reconnue d'utilité publique", A),
    "9260": ("Association de droit local (Bas-Rhin, Haut-Rhin et Moselle)", A),
    "9300": ("Fondation", A),
}


def type_of_category(code: str) -> TypeStructure | None:
    """Structure type of an INSEE legal category code (1 to 4 digits), at its finest level."""
    for length in (4, 2, 1):
        if len(code) >= length and (found := CATEGORIES_JURIDIQUES.get(code[:length])):
            return found[1]
    return None
