"""Columns and cells of the table exports: French headers and values, codes kept raw."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, get_args

from hypothesis import given
from hypothesis import strategies as st

from app.exports.cells import (
    KINDS,
    Colonnes,
    ColonnesName,
    Column,
    Kind,
    cell_value,
    export_columns,
    feature_cells,
    french_date,
    label_of,
    session_code,
    session_label,
)
from geo.schema import (
    NIVEAU_LABELS,
    OUI_NON_LABELS,
    PROPERTY_FIELDS,
    PUBLIC_VISE_LABELS,
    TYPE_STRUCTURE_LABELS,
    VALUE_LABELS,
    Niveau,
    PublicVise,
    TypeStructure,
)

LIBELLES, CODES = Colonnes.LIBELLES, Colonnes.CODES


def column(code: str) -> Column:
    return Column(code, label_of(code), KINDS.get(code, Kind.TEXT))


def test_every_column_has_a_french_header_and_the_columns_follow_the_schema() -> None:
    columns = export_columns(with_distance=True)
    assert [c.code for c in columns] == ["id", "lon", "lat", *PROPERTY_FIELDS, "distance_km"]
    for c in columns:
        assert c.header(LIBELLES) != c.code, f"{c.code} has no French label in geo.schema"
        assert c.header(CODES) == c.code
    assert [c.code for c in export_columns(with_distance=False)][-1] == PROPERTY_FIELDS[-1]


def test_kinds_name_only_known_fields() -> None:
    known = {"id", "lon", "lat", "distance_km", *PROPERTY_FIELDS}
    assert set(KINDS) <= known


def test_enumerations_read_as_their_labels_or_stay_codes() -> None:
    assert (
        cell_value(column("type_structure"), "association", LIBELLES)
        == (TYPE_STRUCTURE_LABELS[TypeStructure.ASSOCIATION])
    )
    assert cell_value(column("type_structure"), "association", CODES) == "association"
    assert (
        cell_value(column("modalite"), "hybride", LIBELLES) == VALUE_LABELS["modalite"]["hybride"]
    )
    assert cell_value(column("niveau_sortie"), "5", LIBELLES) == NIVEAU_LABELS[Niveau.NIVEAU_5]
    assert cell_value(column("niveau_sortie"), "5", CODES) == "5"
    # a value the schema does not know is written as it is, never dropped
    assert cell_value(column("modalite"), "inconnue", LIBELLES) == "inconnue"


def test_publics_are_labels_joined_with_semicolons() -> None:
    publics = ["demandeurs_emploi", "personnes_handicap"]
    assert cell_value(column("public_vise"), publics, LIBELLES) == (
        f"{PUBLIC_VISE_LABELS[PublicVise.DEMANDEURS_EMPLOI]} ; "
        f"{PUBLIC_VISE_LABELS[PublicVise.PERSONNES_HANDICAP]}"
    )
    assert (
        cell_value(column("public_vise"), publics, CODES) == "demandeurs_emploi;personnes_handicap"
    )
    assert cell_value(column("public_vise"), [], LIBELLES) is None


def test_yes_no_fields_read_oui_non_with_labels_and_stay_booleans_with_codes() -> None:
    for field in ("alternance", "prise_en_charge"):
        assert cell_value(column(field), True, LIBELLES) == OUI_NON_LABELS[True]
        assert cell_value(column(field), False, LIBELLES) == OUI_NON_LABELS[False]
        assert cell_value(column(field), False, CODES) is False
        assert cell_value(column(field), None, LIBELLES) is None


def test_sessions_in_words_and_as_iso_intervals() -> None:
    sessions = [
        {"debut": "2027-01-05", "fin": "2027-06-30"},
        {"debut": "2027-09-01", "fin": None},
        {"debut": None, "fin": "2027-12-31"},
    ]
    assert cell_value(column("sessions"), sessions, LIBELLES) == (
        "du 05/01/2027 au 30/06/2027 ; à partir du 01/09/2027 ; jusqu'au 31/12/2027"
    )
    assert cell_value(column("sessions"), sessions, CODES) == (
        "2027-01-05/2027-06-30;2027-09-01/..;../2027-12-31"
    )
    assert cell_value(column("sessions"), [], LIBELLES) is None


def test_dates_are_dates_and_codes_stay_text() -> None:
    assert cell_value(column("prochaine_session"), "2027-01-05", LIBELLES) == dt.date(2027, 1, 5)
    assert cell_value(column("date_labellisation"), "2016-02-01", CODES) == dt.date(2016, 2, 1)
    # not a full date: kept as written (a month reads as MM/AAAA with labels)
    assert cell_value(column("date_labellisation"), "2016-02", LIBELLES) == "02/2016"
    assert cell_value(column("date_labellisation"), "2016-02", CODES) == "2016-02"
    for field, value in [("code_postal", "02000"), ("departement", "02"), ("region", "01")]:
        assert cell_value(column(field), value, LIBELLES) == value
    assert cell_value(column("code_postal"), 2000, LIBELLES) == "2000"  # text, even if a number
    assert cell_value(column("certification"), "RNCP37873", LIBELLES) == "RNCP37873"


def test_a_feature_gives_one_typed_cell_per_column() -> None:
    feature: dict[str, Any] = {
        "type": "Feature",
        "id": "GEN-0001",
        "geometry": {"type": "Point", "coordinates": [3.62, 49.56]},
        "properties": {
            "intitule": "Développeur web",
            "code_postal": "02000",
            "departement": "02",
            "duree_mois": 6,
            "alternance": True,
            "sessions": [{"debut": "2027-01-05", "fin": "2027-06-30"}],
        },
    }
    columns = export_columns(with_distance=True)
    row = feature_cells(feature, 12.345, columns, LIBELLES)
    cells = dict(zip([c.code for c in columns], row, strict=True))
    assert cells["id"] == "GEN-0001"
    assert (cells["lon"], cells["lat"]) == (3.62, 49.56)
    assert cells["code_postal"] == "02000" and cells["departement"] == "02"
    assert cells["duree_mois"] == 6
    assert cells["distance_km"] == 12.3
    assert cells["modalite"] is None


@given(st.dates())
def test_french_dates_read_back(day: dt.date) -> None:
    text = french_date(day.isoformat())
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", text)
    assert dt.datetime.strptime(text, "%d/%m/%Y").date() == day


periods = st.fixed_dictionaries(
    {
        "debut": st.none() | st.dates().map(dt.date.isoformat),
        "fin": st.none() | st.dates().map(dt.date.isoformat),
    }
)


@given(periods)
def test_session_codes_read_back(period: dict[str, str | None]) -> None:
    debut, fin = session_code(period).split("/")
    assert (debut, fin) == (period["debut"] or "..", period["fin"] or "..")
    words = session_label(period)
    for side in (period["debut"], period["fin"]):
        if side:
            assert french_date(side) in words


@given(st.lists(st.sampled_from([p.value for p in PublicVise]), unique=True))
def test_every_public_label_is_in_the_cell(publics: list[str]) -> None:
    cell = cell_value(column("public_vise"), publics, LIBELLES)
    if not publics:
        assert cell is None
        return
    assert isinstance(cell, str)
    assert cell.split(" ; ") == [PUBLIC_VISE_LABELS[PublicVise(p)] for p in publics]


@given(st.text(max_size=40))
def test_free_text_is_kept_as_written(text: str) -> None:
    cell = cell_value(column("intitule"), text, LIBELLES)
    assert cell == (text or None)


def test_the_parameter_type_names_every_columns_mode() -> None:
    assert get_args(ColonnesName) == tuple(mode.value for mode in Colonnes)
