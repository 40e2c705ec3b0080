"""The downloads of ``/api/formations``: CSV, XLSX and LHEO of the selection, named after it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import unquote

import openpyxl
from fastapi.testclient import TestClient
from lxml import etree

from geo.lheo import read_lheo
from geo.lheo.structure import structure_problems
from geo.schema import FIELD_LABELS, PUBLIC_VISE_LABELS, PublicVise


def region_of(c1: dict[str, Any]) -> str:
    return str(c1["features"][0]["properties"]["region"])


def selected(c1: dict[str, Any], region: str) -> list[dict[str, Any]]:
    return [f for f in c1["features"] if f["properties"]["region"] == region]


def test_the_csv_speaks_french_and_is_named_after_the_selection(
    client: TestClient, c1: dict[str, Any]
) -> None:
    region = region_of(c1)
    answer = client.get("/api/formations", params={"region": region, "format": "csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    date = c1["metadonnees"]["date_generation"][:10]
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="formations-gen-region-{region}-{date}.csv"'
    )
    assert answer.content.startswith(b"\xef\xbb\xbf")
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    expected = selected(c1, region)
    assert [row[FIELD_LABELS["id"]] for row in rows] == [f["id"] for f in expected]
    for row, feature in zip(rows, expected, strict=True):
        properties = feature["properties"]
        assert row[FIELD_LABELS["code_postal"]] == properties["code_postal"]
        assert row["Code du département"] == properties["departement"]
        assert f';"{properties["code_postal"]}";' in text  # quoted: kept as text on import


def test_codes_columns_are_for_programs(client: TestClient, c1: dict[str, Any]) -> None:
    region = region_of(c1)
    answer = client.get(
        "/api/formations", params={"region": region, "format": "csv", "colonnes": "codes"}
    )
    assert not answer.content.startswith(b"\xef\xbb\xbf")
    assert "colonnes-codes" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode()), delimiter=","))
    first = selected(c1, region)[0]
    assert rows[0]["id"] == first["id"]
    assert float(rows[0]["lon"]) == first["geometry"]["coordinates"][0]
    assert rows[0]["type_structure"] == first["properties"]["type_structure"]


def test_a_search_near_a_point_adds_the_distance(client: TestClient, c1: dict[str, Any]) -> None:
    lon, lat = c1["features"][0]["geometry"]["coordinates"]
    params = {"lat": lat, "lon": lon, "rayon_km": 200, "format": "csv"}
    answer = client.get("/api/formations", params=params)
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["Distance (km)"] == "0"
    assert "rayon_km-200" in answer.headers["content-disposition"]


def test_the_xlsx_keeps_codes_as_text_and_types_the_rest(
    client: TestClient, c1: dict[str, Any]
) -> None:
    region = region_of(c1)
    answer = client.get(
        "/api/formations",
        params={"region": region, "format": "xlsx"},
        headers={"Accept-Encoding": "br, gzip"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "content-encoding" not in answer.headers  # a zip already
    assert answer.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content))["Formations"]
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    expected = selected(c1, region)
    assert len(rows) == len(expected)
    for cells, feature in zip(rows, expected, strict=True):
        values = dict(zip(header, cells, strict=True))
        for label in ("Code postal", "Code INSEE", "Code du département", "Code de la région"):
            assert values[label].data_type == "s" and values[label].number_format == "@"
        assert values["Code postal"].value == feature["properties"]["code_postal"]
        assert values["Longitude"].data_type == "n"
        assert values["Durée (mois)"].value in (None, feature["properties"]["duree_mois"])
        labellisation = feature["properties"].get("date_labellisation")
        if labellisation:
            assert values["Date de labellisation"].value == dt.datetime.fromisoformat(labellisation)


def test_issue_13_fields_reach_the_files(client: TestClient, c1: dict[str, Any]) -> None:
    """The records branch lists these fields in PROPERTY_FIELDS; they then become columns."""

    answer = client.get("/api/formations", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    for row, feature in zip(rows, c1["features"], strict=True):
        publics = feature["properties"]["public_vise"]
        expected = " ; ".join(PUBLIC_VISE_LABELS[PublicVise(p)] for p in publics)
        assert row[FIELD_LABELS["public_vise"]] == expected


def lheo_fields(feature: dict[str, Any]) -> dict[str, Any]:
    """The values of a feature LHEO carries, as the LHEO reader gives them back."""
    properties = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    level = {"8": "7"}  # LHEO's published levels cannot tell 8 from 7 (docs/lheo.md)
    entree, sortie = properties.get("niveau_entree"), properties.get("niveau_sortie")
    return {
        "id": feature["id"],
        "intitule": properties.get("intitule"),
        "structure": properties.get("structure"),
        "adresse": properties.get("adresse"),
        "code_postal": properties.get("code_postal"),
        "commune": properties.get("commune"),
        "code_insee": properties.get("code_insee"),
        "longitude": lon,
        "latitude": lat,
        "site_web": properties.get("site_web"),
        "modalite": properties.get("modalite"),
        "url_candidature": properties.get("url_candidature"),
        "contact_email": properties.get("contact_email"),
        "contact_telephone": properties.get("contact_telephone"),
        "certification": properties.get("certification"),
        "niveau_entree": level.get(entree, entree),
        "niveau_sortie": level.get(sortie, sortie),
        "public_vise": properties.get("public_vise") or [],
        "alternance": "oui" if properties.get("alternance") else "non",
        "nombre_heures": text(properties.get("nombre_heures")),
        "prise_en_charge": {True: "oui", False: "non"}.get(properties.get("prise_en_charge")),
        "sessions": [s for s in properties.get("sessions") or [] if s["debut"] or s["fin"]],
    }


def test_the_lheo_export_round_trips_and_follows_the_documented_structure(
    client: TestClient, c1: dict[str, Any]
) -> None:
    answer = client.get("/api/formations", params={"format": "lheo"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/xml"
    assert answer.headers["content-disposition"].endswith('.xml"')
    assert structure_problems(etree.fromstring(answer.content)) == []
    records = list(read_lheo(io.BytesIO(answer.content)))
    assert len(records) == len(c1["features"])
    for record, feature in zip(records, c1["features"], strict=True):
        expected = lheo_fields(feature)
        got = {name: record[name] for name in expected}
        got["longitude"] = float(str(got["longitude"]))
        got["latitude"] = float(str(got["latitude"]))
        assert got == expected, feature["id"]


def test_an_empty_selection_has_no_lheo_document(client: TestClient) -> None:
    answer = client.get("/api/formations", params={"format": "lheo", "q": "zzzqqqxxx"})
    assert answer.status_code == 404
    assert "au moins une" in answer.json()["detail"][0]["message"]
    empty_csv = client.get("/api/formations", params={"format": "csv", "q": "zzzqqqxxx"})
    assert empty_csv.status_code == 200
    assert len(empty_csv.content.decode("utf-8-sig").splitlines()) == 1  # the header


def test_a_search_text_names_the_file_in_utf8(client: TestClient) -> None:
    answer = client.get("/api/formations", params={"format": "csv", "q": "Réseaux ß"})
    disposition = answer.headers["content-disposition"]
    assert 'filename="formations-gen-q-reseaux-ss-' in disposition
    if "filename*=" in disposition:
        assert unquote(disposition.split("''", 1)[1]).startswith("formations-gen-q-")


def test_an_unknown_format_or_colonnes_is_refused_in_french(client: TestClient) -> None:
    for params in ({"format": "ods"}, {"format": "csv", "colonnes": "noms"}):
        answer = client.get("/api/formations", params=params)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["message"]
