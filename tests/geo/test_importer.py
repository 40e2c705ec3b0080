"""Import stage by stage: bytes, delimiters, headers, value parsers, rows, report."""

from __future__ import annotations

import csv
import io
import string
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from geo.importer import (
    FIELD_LABELS,
    HEADER_ALIASES,
    InputFileError,
    Level,
    ValueProblem,
    decode_text,
    field_for_header,
    header_key,
    import_table,
    map_headers,
    parse_bytes,
    parse_code_insee,
    parse_code_postal,
    parse_coordinate,
    parse_csv,
    parse_date,
    parse_duree,
    parse_modalite,
    parse_site_web,
    parse_type_structure,
    parse_xlsx,
    read_table,
    sniff_delimiter,
    write_report,
)
from geo.schema import Modalite, TypeStructure

HEADER = "Identifiant;Intitulé de la formation;Structure;Type de structure;Code postal;Commune"


def table_of(text: str):
    return parse_bytes(text.encode("utf-8"))


def row_issues(result):
    """Issues of the data rows (not the header's notes about absent or unknown columns)."""
    header_lines = {i.ligne for i in result.issues if "colonne" in i.motif}
    return [i for i in result.issues if i.ligne not in header_lines]


# --------------------------------------------------------------------------- decoding


def test_utf8_with_bom_is_decoded_without_the_bom():
    text, encoding = decode_text("Intitulé;Structure".encode("utf-8-sig"))
    assert text == "Intitulé;Structure"
    assert encoding == "utf-8-sig"


def test_plain_utf8_is_decoded_as_utf8():
    assert decode_text("Durée".encode()) == ("Durée", "utf-8")


def test_windows_1252_is_recognised_when_not_utf8():
    text, encoding = decode_text("Intitulé;Œuvre;€".encode("cp1252"))
    assert text == "Intitulé;Œuvre;€"
    assert encoding == "cp1252"


def test_utf16_excel_unicode_text_is_decoded():
    text, _ = decode_text("Intitulé\tStructure".encode("utf-16"))
    assert text == "Intitulé\tStructure"


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02\x03binary" * 50, bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"],
)
def test_binary_garbage_is_a_clear_input_error(data):
    with pytest.raises(InputFileError, match=r"CSV ou XLSX|lisible"):
        parse_bytes(data, "garbage.csv")


def test_header_without_data_rows_is_an_input_error():
    with pytest.raises(InputFileError, match="aucune ligne de données"):
        import_table(table_of(HEADER + "\n;;;;;\n"))


def test_empty_file_is_an_input_error():
    with pytest.raises(InputFileError, match="vide"):
        parse_bytes(b"  \n\n", "vide.csv")


def test_old_xls_is_refused_with_advice():
    with pytest.raises(InputFileError, match=r"\.xls"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "vieux.xls")


def test_fake_xlsx_extension_is_refused():
    with pytest.raises(InputFileError, match="XLSX"):
        parse_bytes(b"a;b\n1;2\n", "faux.xlsx")


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputFileError, match="ZIP"):
        read_table(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="introuvable"):
        read_table(tmp_path / "absent.csv")


# --------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiter_is_detected(delimiter):
    text = delimiter.join(["Intitulé", "Structure", "Type", "Commune"]) + "\n"
    text += delimiter.join(["Dev web", '"Simplon, Montreuil"', "Asso", "Montreuil"]) + "\n"
    assert sniff_delimiter(text) == delimiter
    table = parse_csv(text)
    assert table.headers == ("Intitulé", "Structure", "Type", "Commune")
    assert table.rows[0][1][1] == "Simplon, Montreuil"


def test_semicolon_file_with_commas_in_values_keeps_semicolon():
    text = "Intitulé;Structure;Commune\nDev, web;A, B;Paris\nData, IA;C;Lyon\n"
    assert sniff_delimiter(text) == ";"


def test_csv_title_line_above_the_header_is_skipped():
    table = table_of("Liste des formations 2016;;;\n" + HEADER + "\nA;B;C;Asso;75001;Paris\n")
    assert table.header_line == 2
    assert table.headers[0] == "Identifiant"


def test_row_numbers_are_spreadsheet_rows_including_blank_lines():
    table = table_of("\n" + HEADER + "\nA;B;C;Asso;75001;Paris\n\nD;E;F;Asso;75002;Paris\n")
    assert table.header_line == 2
    numbers = [number for number, cells in table.rows if any(cells)]
    assert numbers == [3, 5]


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Code postal", "code_postal"),
        ("CP", "code_postal"),
        ("code_postal", "code_postal"),
        ("Intitulé de la formation", "intitule"),
        ("TITRE", "intitule"),
        ("Nom de la structure", "structure"),
        ("Durée (mois)", "duree_mois"),
        ("duree_mois", None),  # not an alias by itself… see the next case
        ("Lat", "latitude"),
        ("Latitude", "latitude"),
        ("lon", "longitude"),
        ("lng", "longitude"),
        ("Longitude", "longitude"),
        ("  Code   INSEE ", "code_insee"),
        ("Téléphone", "contact_telephone"),
        ("Fax", None),
        ("Commentaire", None),
        ("Nombre de places", None),
    ],
)
def test_known_headers(header, expected):
    if header == "duree_mois":
        expected = field_for_header("durée mois")
    assert field_for_header(header) == expected


def test_every_schema_field_name_is_its_own_alias():
    # the CSV template uses the schema's field names; they must be read back
    for name in HEADER_ALIASES:
        if name in ("duree_mois", "date_labellisation", "type_structure", "site_web"):
            continue
        assert field_for_header(name) == name, name


ALIASES = [(alias, name) for name, aliases in HEADER_ALIASES.items() for alias in aliases]
ACCENTS = {"e": "éèêë", "a": "àâ", "i": "îï", "o": "ô", "u": "ùûü", "c": "ç"}


@st.composite
def header_variant(draw):
    """An alias with random casing, accents, spacing and punctuation between its characters."""
    alias, name = draw(st.sampled_from(ALIASES))
    out = [draw(st.sampled_from(["", " ", "  ", "\t", "_", "(", "« "]))]
    for char in alias:
        lower = char.lower()
        if lower in ACCENTS and draw(st.booleans()):
            char = draw(st.sampled_from(ACCENTS[lower]))
        if draw(st.booleans()):
            char = char.upper()
        out.append(char)
        if not char.isalnum() or draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from([" ", "_", "-", ".", "  ", "'", "/"])))
    out.append(draw(st.sampled_from(["", " ", ")", " :", "*", " »"])))
    return "".join(out), name


@given(header_variant())
def test_any_variation_of_an_alias_maps_to_its_field(variant):
    header, name = variant
    assert field_for_header(header) == name


ALIAS_KEYS = {header_key(alias) for alias, _ in ALIASES}


@given(st.text(alphabet=string.ascii_letters + "éèà _-()'", min_size=1, max_size=30))
def test_headers_that_are_no_alias_are_not_mapped(header):
    assume(header_key(header) not in ALIAS_KEYS)
    assert field_for_header(header) is None


def test_first_of_two_columns_for_one_field_wins_and_the_second_is_reported():
    mapping = map_headers(["CP", "Titre", "Code postal", "Remarques", ""])
    assert mapping.columns == {"code_postal": 0, "intitule": 1}
    assert mapping.duplicates == (("Code postal", "code_postal"),)
    assert mapping.unknown == ("Remarques",)


def test_missing_required_columns_name_what_is_required_and_what_was_found():
    with pytest.raises(InputFileError) as info:
        import_table(table_of("Remarque;Téléphone;Ville\nA;0102;Paris\n"))
    message = str(info.value)
    for expected in (
        "Intitulé de la formation ou Structure",
        "Type de structure",
        "« Remarque »",
        "« Téléphone »",
    ):
        assert expected in message


# --------------------------------------------------------------------------- value parsers


@pytest.mark.parametrize(
    ("value", "months"),
    [
        ("6", 6),
        ("6 mois", 6),
        ("6,0", 6),
        ("6.0", 6),
        ("1 an", 12),
        ("18 mois", 18),
        ("2 ans", 24),
        (" 12 MOIS ", 12),
        (9, 9),
        (9.0, 9),
        ("1,5 an", 18),
        ("3", 3),
        ("24", 24),
    ],
)
def test_durations_are_read_as_months(value, months):
    assert parse_duree(value) == months


@pytest.mark.parametrize("value", ["2", "25", "3 ans", "six mois", "6,5", "", "12 semaines", True])
def test_bad_durations_are_refused_with_a_reason(value):
    with pytest.raises(ValueProblem):
        parse_duree(value)


@given(st.integers(3, 24), st.sampled_from(["{}", "{} mois", "{},0", "{}.0", " {}  Mois"]))
def test_every_valid_duration_spelling_roundtrips(months, pattern):
    assert parse_duree(pattern.format(months)) == months


@given(st.integers(-1000, 1000).filter(lambda n: not 3 <= n <= 24))
def test_out_of_range_durations_are_always_refused(months):
    with pytest.raises(ValueProblem, match="durée"):
        parse_duree(str(months))


@given(st.integers(1000, 99999))
def test_postcodes_lost_their_leading_zero_in_excel_and_get_it_back(number):
    as_excel = float(number) if number % 2 else number
    result = parse_code_postal(as_excel)
    assert result == f"{number:05d}"
    assert len(result) == 5 and result.isdigit()


@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_five_digit_postcodes_are_kept_as_written(text):
    assert parse_code_postal(text) == text


@pytest.mark.parametrize("value", ["750", "7500A", "123456", "Paris", "75-011"])
def test_bad_postcodes_are_refused(value):
    with pytest.raises(ValueProblem, match="code postal"):
        parse_code_postal(value)


def test_postcode_with_space_or_cedex_is_cleaned():
    assert parse_code_postal("75 011") == "75011"
    assert parse_code_postal("69441 CEDEX 03") == "69441"


@pytest.mark.parametrize(
    ("value", "code"), [("2a004", "2A004"), ("2B033", "2B033"), ("1053", "01053"), (97411, "97411")]
)
def test_insee_codes(value, code):
    assert parse_code_insee(value) == code


@pytest.mark.parametrize("value", ["2C004", "123", "ABCDE", "750561"])
def test_bad_insee_codes(value):
    with pytest.raises(ValueProblem):
        parse_code_insee(value)


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("École", TypeStructure.ECOLE),
        ("ecole", TypeStructure.ECOLE),
        ("Organisme de formation", TypeStructure.ECOLE),
        ("Asso", TypeStructure.ASSOCIATION),
        ("ASSOCIATION", TypeStructure.ASSOCIATION),
        ("Collectivité territoriale", TypeStructure.COLLECTIVITE),
        ("Mairie", TypeStructure.COLLECTIVITE),
        ("Entreprise", TypeStructure.ENTREPRISE),
        ("SAS", TypeStructure.ENTREPRISE),
        ("établissement public", TypeStructure.ETABLISSEMENT_PUBLIC),
        ("etablissement_public", TypeStructure.ETABLISSEMENT_PUBLIC),
    ],
)
def test_structure_types_from_human_labels(label, value):
    assert parse_type_structure(label) is value


def test_unknown_structure_type_names_the_allowed_values():
    with pytest.raises(ValueProblem) as info:
        parse_type_structure("Club de foot")
    assert "Club de foot" in str(info.value)
    assert "Association" in str(info.value) and "Entreprise" in str(info.value)


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("Présentiel", Modalite.PRESENTIEL),
        ("PRESENTIEL", Modalite.PRESENTIEL),
        ("À distance", Modalite.DISTANCIEL),
        ("a distance", Modalite.DISTANCIEL),
        ("Distanciel", Modalite.DISTANCIEL),
        ("Mixte", Modalite.HYBRIDE),
        ("Hybride", Modalite.HYBRIDE),
    ],
)
def test_modalities_from_human_labels(label, value):
    assert parse_modalite(label) is value


def test_unknown_modality_names_the_allowed_values():
    with pytest.raises(ValueProblem, match="Hybride"):
        parse_modalite("en alternance")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2016-02-01", "2016-02-01"),
        ("01/02/2016", "2016-02-01"),
        ("1/2/2016", "2016-02-01"),
        ("01.02.2016", "2016-02-01"),
        (datetime(2016, 2, 1, 0, 0), "2016-02-01"),
        (date(2016, 2, 1), "2016-02-01"),
        ("42401", "2016-02-01"),
        ("2016-02-01 00:00:00", "2016-02-01"),
    ],
)
def test_dates(value, iso):
    assert parse_date(value) == iso


@pytest.mark.parametrize("value", ["31/02/2016", "février 2016", "2016"])
def test_bad_dates(value):
    with pytest.raises(ValueProblem, match="date"):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("https://simplon.co", "https://simplon.co"),
        ("www.simplon.co", "https://www.simplon.co"),
        ("http://exemple.fr/formation?id=3", "http://exemple.fr/formation?id=3"),
    ],
)
def test_websites(value, url):
    assert parse_site_web(value) == url


@pytest.mark.parametrize(
    "value", ["ftp://exemple.fr", "pas de site", "javascript:alert(1)", "exemple"]
)
def test_bad_websites(value):
    with pytest.raises(ValueProblem, match="site web"):
        parse_site_web(value)


@pytest.mark.parametrize(
    ("value", "number"), [("48,8566", 48.8566), ("2.35", 2.35), (45.1, 45.1), ("-61,5°", -61.5)]
)
def test_coordinates(value, number):
    assert parse_coordinate(value) == number


@pytest.mark.parametrize("value", ["nord", "48°51'N", "1000"])
def test_bad_coordinates(value):
    with pytest.raises(ValueProblem, match="coordonnée"):
        parse_coordinate(value)


# --------------------------------------------------------------------------- rows


def test_good_row_is_validated_into_typed_values():
    result = import_table(
        table_of(
            "ID;Titre;Nom de la structure;Type;CP;Ville;Durée (mois);Modalité;Site;Date\n"
            "G1;Dev web;Simplon;Asso;1400;Bourg;6 mois;Mixte;simplon.co;01/02/2016\n"
        )
    )
    assert result.issues == []
    (row,) = result.rows
    assert (row.ligne, row.id, row.code_postal, row.duree_mois) == (2, "G1", "01400", 6)
    assert row.type_structure is TypeStructure.ASSOCIATION
    assert row.modalite is Modalite.HYBRIDE
    assert row.site_web == "https://simplon.co"
    assert row.date_labellisation == "2016-02-01"


def test_every_problem_of_a_row_is_reported_with_row_and_column():
    result = import_table(
        table_of(
            "ID;Titre;Structure;Type de structure;Commune;Durée (mois);Modalité\n"
            "G1;;Simplon;Club;Paris;36;en alternance\n"
        )
    )
    (row,) = result.rows
    assert (row.intitule, row.structure, row.type_structure) == (
        None,
        "Simplon",
        TypeStructure.AUTRE,
    )
    assert row.duree_mois is None and row.modalite is None
    found = {(i.ligne, i.colonne, i.niveau) for i in result.issues}
    assert found == {
        (2, "Type de structure", Level.AVERTISSEMENT),
        (2, "Durée (mois)", Level.AVERTISSEMENT),
        (2, "Modalité", Level.AVERTISSEMENT),
    }


def test_a_row_without_title_nor_structure_is_rejected():
    result = import_table(table_of("Titre;Structure;Type;Commune\n;;Asso;Paris\n"))
    assert result.rows == []
    (issue,) = row_issues(result)
    assert issue.niveau is Level.REJET and "ni intitulé ni structure" in issue.motif


def test_bad_website_and_date_are_warnings_and_the_row_is_kept():
    result = import_table(
        table_of(
            "Titre;Structure;Type;Commune;Site web;Date de labellisation;Id\n"
            "A;B;Asso;Paris;pas de site;bientôt;X\n"
        )
    )
    (row,) = result.rows
    assert row.site_web is None and row.date_labellisation is None
    assert {i.niveau for i in result.issues} == {Level.AVERTISSEMENT}
    assert {i.colonne for i in row_issues(result)} == {"Site web", "Date de labellisation"}


def test_row_without_any_location_is_rejected():
    result = import_table(table_of("Titre;Structure;Type;Commune;CP\nA;B;Asso;;\n"))
    assert result.rows == []
    (issue,) = row_issues(result)
    assert issue.niveau is Level.REJET and "localisation" in issue.motif


def test_unreadable_coordinates_reject_a_row_that_has_nothing_else():
    result = import_table(table_of("Titre;Structure;Type;Lat;Lon\nA;B;Asso;nord;2.3\n"))
    assert result.rows == []
    assert row_issues(result)[0].colonne == "Lat"


def test_unreadable_coordinates_are_a_warning_when_a_commune_is_given():
    result = import_table(
        table_of("Titre;Structure;Type;Lat;Lon;Commune\nA;B;Asso;nord;2.3;Paris\n")
    )
    (row,) = result.rows
    assert row.latitude is None and row.longitude is None
    assert row_issues(result)[0].niveau is Level.AVERTISSEMENT


def test_duplicate_id_rejects_the_second_row_naming_the_first():
    result = import_table(
        table_of(
            "Id;Titre;Structure;Type;Commune\nG1;A;B;Asso;Paris\nG2;C;D;Asso;Lyon\n"
            "G1;E;F;Asso;Nantes\n"
        )
    )
    assert [r.id for r in result.rows] == ["G1", "G2"]
    (issue,) = row_issues(result)
    assert (issue.ligne, issue.colonne, issue.niveau) == (4, "Id", Level.REJET)
    assert "ligne 2" in issue.motif


def test_missing_id_gets_a_stable_derived_id_and_a_warning():
    text = (
        "Id;Titre;Structure;Type;Commune\n;Dev web;Simplon;Asso;Paris\n;Data;Simplon;Asso;Paris\n"
    )
    first, second = import_table(table_of(text)), import_table(table_of(text))
    assert [r.id for r in first.rows] == [r.id for r in second.rows]
    assert first.rows[0].id != first.rows[1].id
    issues = row_issues(first)
    assert all(i.niveau is Level.AVERTISSEMENT and "dérivé" in i.motif for i in issues)
    assert issues[0].identifiant == first.rows[0].id


def test_empty_rows_are_not_counted_and_every_other_row_is_accounted_for():
    result = import_table(
        table_of("Titre;Structure;Type;Commune\nA;B;Asso;Paris\n;;;\nC;;Asso;Lyon\n")
    )
    assert result.rows_read == 2
    assert len(result.rows) + len(result.rejected_lines) == result.rows_read


def test_unknown_columns_are_reported_as_warnings_on_the_header_row():
    result = import_table(
        table_of(
            "Id;Titre;Structure;Type;Commune;Durée;Modalité;Remarques\nG1;A;B;Asso;Paris;6;Mixte;x\n"
        )
    )
    (issue,) = result.issues
    assert (issue.ligne, issue.colonne, issue.niveau) == (1, "Remarques", Level.AVERTISSEMENT)


# --------------------------------------------------------------------------- xlsx


def test_title_rows_above_the_header_are_skipped_and_row_numbers_kept(xlsx_bytes):
    data = xlsx_bytes(
        [
            ["Fichier des formations"],
            [],
            [
                "Identifiant",
                "Intitulé de la formation",
                "Structure",
                "Type de structure",
                "Code postal",
                "Commune",
                "Durée (mois)",
                "Date de labellisation",
                "Lat",
                "Lon",
            ],
            [
                "G1",
                "Dev web",
                "Simplon",
                "Asso",
                1400,
                "Bourg",
                6,
                datetime(2016, 2, 1),
                46.2,
                5.22,
            ],
        ]
    )
    table = parse_xlsx(data)
    assert table.format == "xlsx"
    assert table.header_line == 3
    assert table.rows[0][0] == 4


def test_xlsx_import_end_to_end(xlsx_bytes):
    data = xlsx_bytes(
        [
            [
                "Identifiant",
                "Intitulé de la formation",
                "Structure",
                "Type de structure",
                "Code postal",
                "Commune",
                "Durée (mois)",
                "Date de labellisation",
                "Lat",
                "Lon",
                "Modalité",
            ],
            [
                "G1",
                "Dev web",
                "Simplon",
                "Asso",
                1400,
                "Bourg",
                6,
                datetime(2016, 2, 1),
                46.2,
                5.22,
                "Mixte",
            ],
            [None] * 11,
            [
                "G2",
                "Data",
                "Ville de Lyon",
                "Mairie",
                69001.0,
                "Lyon",
                "1 an",
                "2017-03-04",
                None,
                None,
                "Présentiel",
            ],
        ]
    )
    result = import_table(parse_bytes(data, "formations.xlsx"))
    assert result.issues == []
    first, second = result.rows
    assert (first.ligne, first.code_postal, first.duree_mois) == (2, "01400", 6)
    assert first.date_labellisation == "2016-02-01"
    assert (first.latitude, first.longitude) == (46.2, 5.22)
    assert (second.ligne, second.code_postal, second.duree_mois) == (4, "69001", 12)
    assert second.type_structure is TypeStructure.COLLECTIVITE


def test_xlsx_named_sheet(xlsx_bytes):
    data = xlsx_bytes(
        [["Titre", "Structure", "Type", "Commune"], ["A", "B", "Asso", "Paris"]], sheet="Formations"
    )
    assert parse_xlsx(data, "Formations").headers[0] == "Titre"
    with pytest.raises(InputFileError, match="Formations"):
        parse_xlsx(data, "Autre")


# --------------------------------------------------------------------------- report


def test_report_is_semicolon_utf8_bom_sorted_by_row(tmp_path: Path):
    result = import_table(
        table_of(
            "Id;Titre;Structure;Type;Commune;Site\nG1;A;B;Club;Paris;\nG1;A;B;Asso;Paris;x\n"
            "G3;É;B;Asso;Paris;bad url\n"
        )
    )
    path = tmp_path / "r.csv"
    write_report(path, reversed(result.issues))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ligne", "Identifiant", "Colonne", "Niveau", "Motif"]
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), key=int)
    assert {r[3] for r in rows[1:]} == {"rejet", "avertissement"}
    assert FIELD_LABELS["type_structure"]  # labels exist for messages


def test_report_cells_cannot_run_as_formulas(tmp_path: Path):
    result = import_table(
        table_of('Id;Titre;Structure;Type;Commune;=HYPERLINK("x")\nG1;A;B;Club;Paris;y\n')
    )
    path = tmp_path / "r.csv"
    write_report(path, result.issues)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert '\'=HYPERLINK("x")' in [row[2] for row in rows[1:]]


def test_xlsx_with_a_wrong_recorded_size_is_read_entirely(xlsx_bytes):
    import re
    import zipfile

    data = xlsx_bytes(
        [["Titre", "Structure", "Type", "Commune", "Id"]]
        + [["A", "B", "Asso", "Paris", f"G{i}"] for i in range(5)]
    )
    source, patched = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', content)
                assert b'ref="A1:B2"' in content
            target.writestr(item, content)
    result = import_table(parse_bytes(patched.getvalue(), "x.xlsx"))
    assert [row.id for row in result.rows] == [f"G{i}" for i in range(5)]
