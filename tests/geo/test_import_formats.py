"""JSON and GeoJSON readers, open-data headers, INSEE legal categories, broken accents, ids."""

from __future__ import annotations

import json

import pytest

from geo.categories_juridiques import CATEGORIES_JURIDIQUES, type_of_category
from geo.importer import (
    MAX_ID_CHARS,
    InputFileError,
    Level,
    field_for_header,
    import_table,
    match_type_structure,
    parse_bytes,
    safe_id,
)
from geo.schema import TypeStructure

# --------------------------------------------------------------------------- JSON and GeoJSON


def test_a_json_array_of_objects_is_a_table_with_integer_postcodes_restored():
    data = json.dumps(
        [
            {"Name": "Médiathèque", "Adresse": "rue Sabaton", "Code postal": 1000, "SIRET": "1"},
            {"Name": "PIMMS", "Code postal": 26100, "Autre": {"imbriqué": [1, 2]}},
        ],
        ensure_ascii=False,
    ).encode()
    table = parse_bytes(data, "export.json")
    assert table.format == "json"
    assert table.headers == ("Name", "Adresse", "Code postal", "SIRET", "Autre")
    assert [number for number, _ in table.rows] == [1, 2]
    result = import_table(table)
    first, second = result.rows
    assert (first.structure, first.code_postal, first.intitule) == ("Médiathèque", "01000", None)
    assert second.code_postal == "26100" and second.type_structure is TypeStructure.AUTRE


def test_json_is_recognised_by_its_content_whatever_the_name():
    table = parse_bytes(b'\xef\xbb\xbf  [{"nom": "A", "commune": "Paris"}]', "export.txt")
    assert table.format == "json"


def test_a_json_item_that_is_not_an_object_is_rejected_and_counted():
    result = import_table(parse_bytes(b'[{"nom": "A", "commune": "Paris"}, 3]', "x.json"))
    assert result.rows_read == 2 and len(result.rows) == 1
    assert 2 in result.rejected_lines


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"nom": "A",', "JSON illisible ligne 1"),
        (b'{"data": 3}', "tableau d'objets"),
        (b"[]", "vide"),
    ],
)
def test_unusable_json_is_a_french_input_error(content: bytes, message: str):
    with pytest.raises(InputFileError, match=message):
        parse_bytes(content, "x.json")


def test_a_geojson_feature_collection_gives_properties_and_point_coordinates():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "lieu/1",
                "geometry": {"type": "Point", "coordinates": [5.049559, 47.364205]},
                "properties": {"nom": "Onlineformapro", "typologie": "ASSO", "ville": "Dijon"},
            },
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"nom": "Sans point", "code_postal": "21000"},
            },
        ],
    }
    table = parse_bytes(json.dumps(collection).encode(), "lieux.geojson")
    assert table.format == "geojson"
    assert table.headers[:2] == ("longitude", "latitude")
    result = import_table(table)
    first, second = result.rows
    assert (first.longitude, first.latitude) == (5.049559, 47.364205)
    assert first.type_structure is TypeStructure.ASSOCIATION
    assert first.id == "lieu-1"
    assert second.latitude is None and second.code_postal == "21000"


# --------------------------------------------------------------------------- open-data headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("nom", "structure"),
        ("Name", "structure"),
        ("nom_structure", "structure"),
        ("structure_porteuse", "structure"),
        ("adresse", "adresse"),
        ("Code postal", "code_postal"),
        ("code_postal", "code_postal"),
        ("commune", "commune"),
        ("ville", "commune"),
        ("code_insee", "code_insee"),
        ("code_commune", "code_insee"),
        ("latitude", "latitude"),
        ("lat", "latitude"),
        ("longitude", "longitude"),
        ("lon", "longitude"),
        ("lng", "longitude"),
        ("typologie", "type_structure"),
        ("nature_juridique", "type_structure"),
        ("categorie_juridique", "type_structure"),
        ("site_web", "site_web"),
        ("SIRET", None),
    ],
)
def test_headers_of_the_public_open_data_schemas(header: str, field: str | None):
    assert field_for_header(header) == field


def test_a_file_with_a_structure_name_and_no_title_column_is_accepted():
    result = import_table(parse_bytes("nom;ville\nMédiathèque;Dijon\n".encode(), "lieux.csv"))
    (row,) = result.rows
    assert (row.intitule, row.structure, row.type_structure) == (
        None,
        "Médiathèque",
        TypeStructure.AUTRE,
    )
    notes = {i.colonne for i in result.issues if i.ligne == 1 and "absente" in i.motif}
    assert notes == {"Type de structure", "Durée (mois)", "Modalité"}


# --------------------------------------------------------------------------- structure types


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("7210", TypeStructure.COLLECTIVITE),
        ("7346", TypeStructure.COLLECTIVITE),
        ("7348", TypeStructure.COLLECTIVITE),
        ("7354", TypeStructure.COLLECTIVITE),  # syndicat mixte fermé
        ("7410", TypeStructure.ETABLISSEMENT_PUBLIC),  # GIP
        ("5499", TypeStructure.ENTREPRISE),
        ("5710", TypeStructure.ENTREPRISE),
        ("5720", TypeStructure.ENTREPRISE),
        ("9220", TypeStructure.ASSOCIATION),
        ("7331", TypeStructure.ECOLE),
        ("7210 - Commune et commune nouvelle", TypeStructure.COLLECTIVITE),
        ("Collectivité locale ou territoriale", TypeStructure.COLLECTIVITE),
        ("Établissement public de coopération intercommunale (EPCI)", TypeStructure.COLLECTIVITE),
        ("Groupement d'intérêt public (GIP)", TypeStructure.ETABLISSEMENT_PUBLIC),
        ("Société à responsabilité limitée (SARL)", TypeStructure.ENTREPRISE),
        ("SARL", TypeStructure.ENTREPRISE),
        ("SAS", TypeStructure.ENTREPRISE),
        ("EPCI", TypeStructure.COLLECTIVITE),
        ("GIP", TypeStructure.ETABLISSEMENT_PUBLIC),
        ("État", TypeStructure.ETABLISSEMENT_PUBLIC),
        ("Syndicat", TypeStructure.COLLECTIVITE),
        ("Association déclarée", TypeStructure.ASSOCIATION),
        ("Communauté de communes", TypeStructure.COLLECTIVITE),
        ("ASSO;MUNI", TypeStructure.ASSOCIATION),
        ("CCAS", TypeStructure.ETABLISSEMENT_PUBLIC),
        ("Autre structure", TypeStructure.AUTRE),
    ],
)
def test_insee_legal_categories_and_their_short_forms(label: str, expected: TypeStructure):
    assert match_type_structure(label) == (expected, False)


def test_every_insee_code_of_the_table_has_a_type_at_each_level():
    for code, (_, kind) in CATEGORIES_JURIDIQUES.items():
        assert type_of_category(code) is kind
    assert type_of_category("5498") is TypeStructure.ENTREPRISE  # level II « 54 »
    assert type_of_category("0") is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Collectivit\ufffd locale ou territoriale", TypeStructure.COLLECTIVITE),
        ("\ufffdtablissement public", TypeStructure.ETABLISSEMENT_PUBLIC),
        (
            "Soci\ufffdt\ufffd \ufffd responsabilit\ufffd limit\ufffde (SARL)",
            TypeStructure.ENTREPRISE,
        ),
    ],
)
def test_lost_accents_are_matched_tolerantly(label: str, expected: TypeStructure):
    assert match_type_structure(label) == (expected, True)


def test_a_lost_accent_is_a_warning_naming_the_line():
    text = "Titre;Structure;Type;Commune\nA;B;Collectivit\ufffd territoriale;Paris\n"
    result = import_table(parse_bytes(text.encode(), "x.csv"))
    assert result.rows[0].type_structure is TypeStructure.COLLECTIVITE
    (warning,) = [i for i in result.issues if "illisibles" in i.motif]
    assert (warning.ligne, warning.niveau) == (2, Level.AVERTISSEMENT)


def test_an_unknown_or_empty_type_keeps_the_row_as_autre_with_a_warning():
    text = "Titre;Structure;Type;Commune\nA;B;Club de foot;Paris\nC;D;;Lyon\n"
    result = import_table(parse_bytes(text.encode(), "x.csv"))
    assert [r.type_structure for r in result.rows] == [TypeStructure.AUTRE] * 2
    motifs = [i.motif for i in result.issues if i.colonne == "Type"]
    assert "Club de foot" in motifs[0] and "Autre structure" in motifs[0]
    assert "vide" in motifs[1]


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("GEN/2024/01", "GEN-2024-01"),
        ("Formation n°3", "Formation-n-3"),
        ("été 2024", "ete-2024"),
        ("a?b#c%2F", "a-b-c-2F"),
        ("..", None),
        ("///", None),
        ("x" * 300, "x" * MAX_ID_CHARS),
    ],
)
def test_unsafe_ids_are_cleaned_to_the_url_safe_alphabet(given: str, cleaned: str | None):
    assert safe_id(given) == cleaned


def test_ids_with_a_slash_are_replaced_with_a_warning_and_collisions_get_a_suffix():
    text = (
        "Id;Titre;Structure;Type;Commune\n"
        "GEN/1;A;B;Asso;Paris\nGEN-1;C;D;Asso;Lyon\nGEN 1;E;F;Asso;Brest\n..;G;H;Asso;Lille\n"
    )
    result = import_table(parse_bytes(text.encode(), "x.csv"))
    ids = [row.id for row in result.rows]
    assert ids[:3] == ["GEN-1", "GEN-1-2", "GEN-1-3"]
    assert ids[3].startswith("H-")
    assert len(set(ids)) == 4
    warned = {i.ligne for i in result.issues if i.colonne == "Id"}
    assert warned == {2, 3, 4, 5}


def test_an_id_the_api_keeps_for_itself_gets_a_suffix_with_a_warning():
    """``/api/formations/pistes`` is the API's: a training written ``pistes`` could not be read."""
    text = "Id;Titre;Structure;Type;Commune\npistes;A;B;Asso;Paris\nPistes;C;D;Asso;Lyon\n"
    result = import_table(parse_bytes(text.encode(), "x.csv"))
    assert [row.id for row in result.rows] == ["pistes-2", "Pistes"]
    (warning,) = [i for i in result.issues if i.colonne == "Id"]
    assert warning.ligne == 2 and warning.niveau is Level.AVERTISSEMENT
    assert "/api/formations/pistes" in warning.motif and "« pistes-2 »" in warning.motif
