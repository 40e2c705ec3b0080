"""CSV and XLSX files: what a French spreadsheet and a program read back from them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from app.exports.cells import KINDS, Colonnes, ExportRows, Kind, export_columns
from app.exports.tables import XLSX_TEXT_FORMAT, csv_line, write_csv, write_xlsx
from geo.io import neutralise_cell

LIBELLES, CODES = Colonnes.LIBELLES, Colonnes.CODES

FEATURE: dict[str, Any] = {
    "type": "Feature",
    "id": "GEN-0001",
    "geometry": {"type": "Point", "coordinates": [3.62, 49.56]},
    "properties": {
        "intitule": '=HYPERLINK("http://x")',
        "structure": 'Atelier "Le Code" ; Laon',
        "type_structure": "association",
        "adresse": "1 rue de la Paix\nBâtiment B",
        "code_postal": "02000",
        "commune": "Laon",
        "code_insee": "02408",
        "departement": "02",
        "departement_nom": "Aisne",
        "region": "32",
        "region_nom": "Hauts-de-France",
        "duree_mois": 6.5,
        "modalite": "presentiel",
        "site_web": "https://exemple.invalid",
        "date_labellisation": "2016-02-01",
        "sessions": [{"debut": "2027-01-05", "fin": "2027-06-30"}],
        "prochaine_session": "2027-01-05",
        "contact_telephone": "+33 3 23 45 67 89",
        "certification": "RNCP37873",
        "public_vise": ["demandeurs_emploi", "salaries"],
        "alternance": True,
        "nombre_heures": 420,
        "prise_en_charge": False,
        "geocodage_score": 0.97,
    },
}


def rows(*features: dict[str, Any], distance: float | None = None) -> ExportRows:
    columns = export_columns(with_distance=distance is not None)
    return ExportRows(columns, [(f, distance) for f in features], len(features))


def csv_text(colonnes: Colonnes, *features: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    write_csv(rows(*features), colonnes, out)
    return out.getvalue()


def read_csv(data: bytes, colonnes: Colonnes) -> list[dict[str, str]]:
    delimiter = ";" if colonnes is LIBELLES else ","
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_labels_csv_is_for_a_french_spreadsheet() -> None:
    data = csv_text(LIBELLES, FEATURE)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 2  # records end with CRLF; a line break in a cell stays LF
    [row] = read_csv(data, LIBELLES)
    assert row["Code postal"] == "02000" and row["Code du département"] == "02"
    assert row["Type de structure"] == "Association"
    assert row["Modalité"] == "En présentiel"
    assert row["Durée (mois)"] == "6,5"
    assert row["Longitude"] == "3,62"
    assert row["Date de labellisation"] == "01/02/2016"
    assert row["Adresse"] == "1 rue de la Paix\nBâtiment B"
    assert row["Structure"] == 'Atelier "Le Code" ; Laon'


def test_codes_are_quoted_and_numbers_and_dates_are_not() -> None:
    line = csv_text(LIBELLES, FEATURE).decode("utf-8-sig").split("\r\n")[1]
    assert '"02000"' in line and ';"02";' in line and '"02408"' in line
    assert ";3,62;49,56;" in line
    assert ";01/02/2016;" in line


def test_text_a_spreadsheet_would_run_is_neutralised() -> None:
    [row] = read_csv(csv_text(LIBELLES, FEATURE), LIBELLES)
    assert row["Intitulé de la formation"] == '\'=HYPERLINK("http://x")'
    [raw] = read_csv(csv_text(CODES, FEATURE), CODES)
    assert raw["intitule"] == '\'=HYPERLINK("http://x")'
    assert raw["lon"] == "3.62"  # a number, not a text: never prefixed


def test_codes_csv_is_for_programs() -> None:
    data = csv_text(CODES, FEATURE)
    assert not data.startswith(b"\xef\xbb\xbf")
    [row] = read_csv(data, CODES)
    assert list(row)[:4] == ["id", "lon", "lat", "intitule"]
    assert row["type_structure"] == "association"
    assert row["duree_mois"] == "6.5"
    assert row["date_labellisation"] == "2016-02-01"


cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1000, 1, 1)),
)


@settings(max_examples=200)
@given(st.lists(cells, min_size=1, max_size=6))
def test_every_csv_line_reads_back_as_its_cells(values: list[Any]) -> None:
    for colonnes in (LIBELLES, CODES):
        line = csv_line(values, colonnes)
        delimiter = ";" if colonnes is LIBELLES else ","
        [read] = list(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter))
        assert len(read) == len(values)
        for value, text in zip(values, read, strict=True):
            if isinstance(value, str) and value:
                assert text == neutralise_cell(value)
            elif value is None:
                assert text == ""


def xlsx_sheet(colonnes: Colonnes, *features: dict[str, Any], distance: float | None = None) -> Any:
    out = io.BytesIO()
    write_xlsx(rows(*features, distance=distance), colonnes, out, [("Sélection", "region=32")])
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def test_xlsx_types_every_cell() -> None:
    workbook = xlsx_sheet(LIBELLES, FEATURE, distance=12.34)
    sheet = workbook["Formations"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Identifiant", "Longitude", "Latitude"]
    assert all(cell.data_type == "s" and cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=sheet.max_column).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}2"  # the header filters every row
    columns = export_columns(with_distance=True)
    values = dict(zip([c.code for c in columns], sheet[2], strict=True))
    for column in columns:
        cell = values[column.code]
        if cell.value is None:
            continue
        if column.kind is Kind.CODE:
            assert cell.data_type == "s" and cell.number_format == XLSX_TEXT_FORMAT, column.code
        elif column.kind is Kind.NUMBER:
            assert cell.data_type == "n" and isinstance(cell.value, int | float), column.code
        elif column.kind is Kind.DATE:
            assert cell.is_date and cell.number_format == "dd/mm/yyyy", column.code
        else:
            assert cell.data_type == "s", column.code
    assert values["code_postal"].value == "02000"
    assert values["departement"].value == "02"
    assert values["contact_telephone"].value == "+33 3 23 45 67 89"
    assert values["intitule"].value == '=HYPERLINK("http://x")'  # text, never a formula
    assert values["date_labellisation"].value == dt.datetime(2016, 2, 1)
    assert values["alternance"].value == "Oui"
    assert values["sessions"].value == "du 05/01/2027 au 30/06/2027"
    assert values["distance_km"].value == 12.3
    widths = [sheet.column_dimensions[c].width for c in ("A", "D")]
    assert all(8 <= width <= 60 for width in widths)
    assert list(workbook["Informations"].values) == [("Sélection", "region=32")]


def test_xlsx_with_codes_keeps_raw_values_typed() -> None:
    sheet = xlsx_sheet(CODES, FEATURE)["Formations"]
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, sheet[2], strict=True))
    assert values["alternance"].value is True and values["alternance"].data_type == "b"
    assert values["type_structure"].value == "association"
    assert values["public_vise"].value == "demandeurs_emploi;salaries"
    assert values["date_labellisation"].number_format == "yyyy-mm-dd"
    assert values["code_insee"].value == "02408"


def test_xlsx_drops_characters_a_spreadsheet_cannot_hold() -> None:
    feature = {**FEATURE, "properties": {**FEATURE["properties"], "intitule": "A\x00B\x1fC"}}
    sheet = xlsx_sheet(LIBELLES, feature)["Formations"]
    assert sheet.cell(row=2, column=4).value == "ABC"


def test_kinds_are_read_by_every_writer() -> None:
    assert {KINDS[name] for name in ("code_postal", "departement", "region")} == {Kind.CODE}
