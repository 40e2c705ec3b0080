"""GeoJSON building (RFC 7946 shape, properties, metadata, version) and atomic writing."""

from __future__ import annotations

import json
import os
import threading
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.geocode import PlacedRow, Placement
from geo.geojson import (
    CollectionMetadata,
    SidecarError,
    build_date_of,
    build_feature,
    build_feature_collection,
    features_version,
    generation_date,
    metadata_from_sidecar,
    read_sidecar,
    write_geojson_atomic,
)
from geo.importer import ImportedRow, TrainingDetails
from geo.schema import (
    PROPERTY_FIELDS,
    GeocodingSource,
    Modalite,
    Niveau,
    Precision,
    PublicVise,
    TypeStructure,
)

METADATA = CollectionMetadata(source="formations.csv", date_generation="2026-01-01T00:00:00+00:00")
BUILD_DATE = date(2026, 1, 1)


@pytest.fixture
def placed(small_gazetteer) -> PlacedRow:
    commune = small_gazetteer.by_insee("75111")
    row = ImportedRow(
        ligne=2,
        id="GEN-0001",
        intitule="Développeur web",
        structure="Simplon",
        type_structure=TypeStructure.ASSOCIATION,
        adresse="55 rue de Vincennes",
        code_postal=None,
        commune="paris",
        code_insee="75111",
        duree_mois=6,
        modalite=Modalite.PRESENTIEL,
        site_web="https://simplon.co",
        date_labellisation="2016-02-01",
    )
    placement = Placement(
        commune,
        2.37951234567,
        48.85901234567,
        GeocodingSource.GAZETTEER,
        Precision.COMMUNE,
        1.0,
        commune.nom,
    )
    return PlacedRow(row, placement)


def test_feature_is_an_rfc7946_point_with_lon_lat_and_a_string_id(placed):
    feature = build_feature(placed, BUILD_DATE)
    assert feature["type"] == "Feature"
    assert feature["id"] == "GEN-0001"
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.379512, 48.859012]}
    assert "crs" not in feature


def test_properties_are_exactly_the_schema_fields_in_order(placed):
    properties = build_feature(placed, BUILD_DATE)["properties"]
    assert tuple(properties) == PROPERTY_FIELDS
    assert properties["commune"] == "Paris 11e Arrondissement"  # the matched commune's name
    assert properties["code_postal"] == "75011"  # filled from the commune when unique
    assert (properties["departement"], properties["departement_nom"]) == ("75", "Paris")
    assert (properties["region"], properties["region_nom"]) == ("11", "Île-de-France")
    assert properties["type_structure"] == "association"
    assert properties["modalite"] == "presentiel"
    assert properties["geocodage_precision"] == "commune"


def test_collection_has_metadata_as_a_foreign_member_and_no_crs(placed):
    collection = build_feature_collection([placed], METADATA)
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    meta = collection["metadonnees"]
    assert meta["nombre"] == 1
    assert meta["source"] == "formations.csv"
    assert meta["version"] == features_version(collection["features"])
    assert len(meta["version"]) == 64


def test_version_changes_with_the_data_and_only_with_it(placed):
    first = build_feature_collection([placed], METADATA)
    later = build_feature_collection(
        [placed], CollectionMetadata(source="x.csv", date_generation="2030-01-01T00:00:00+00:00")
    )
    assert first["metadonnees"]["version"] == later["metadonnees"]["version"]
    other = PlacedRow(
        placed.row.__class__(**{**_fields(placed.row), "intitule": "Autre"}), placed.placement
    )
    changed = build_feature_collection([other], METADATA)
    assert changed["metadonnees"]["version"] != first["metadonnees"]["version"]


def _fields(row):
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


@given(st.floats(-180, 180), st.floats(-90, 90))
def test_coordinates_never_have_more_than_six_decimals(small_gazetteer, lon, lat):
    commune = small_gazetteer.by_insee("01053")
    row = ImportedRow(2, "X", "A", "B", TypeStructure.ECOLE)
    feature = build_feature(
        PlacedRow(
            row,
            Placement(commune, lon, lat, GeocodingSource.COORDONNEES, Precision.ADRESSE, 1.0, "x"),
        ),
        BUILD_DATE,
    )
    for value in feature["geometry"]["coordinates"]:
        text = repr(value)
        decimals = text.split(".")[1] if "." in text and "e" not in text else ""
        assert len(decimals) <= 6


def test_source_date_epoch_fixes_the_generation_date():
    assert generation_date({"SOURCE_DATE_EPOCH": "1700000000"}) == "2023-11-14T22:13:20+00:00"
    assert generation_date({}).endswith("+00:00")


def test_sidecar_sets_title_demo_and_licence(tmp_path: Path):
    source = tmp_path / "formations.csv"
    (tmp_path / "formations.meta.json").write_text(
        json.dumps({"titre": "Démo", "demo": True, "licence": "Licence Ouverte 2.0"}),
        encoding="utf-8",
    )
    metadata = metadata_from_sidecar(read_sidecar(source), "formations.csv", "d")
    assert (metadata.titre, metadata.demo, metadata.licence) == (
        "Démo",
        True,
        "Licence Ouverte 2.0",
    )


def test_no_sidecar_means_not_demo(tmp_path: Path):
    metadata = metadata_from_sidecar(read_sidecar(tmp_path / "x.csv"), "x.csv", "d")
    assert metadata.demo is False


def test_broken_sidecar_is_a_clear_error(tmp_path: Path):
    (tmp_path / "x.meta.json").write_text("{pas du json", encoding="utf-8")
    with pytest.raises(SidecarError, match=r"x\.meta\.json"):
        read_sidecar(tmp_path / "x.csv")


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path, placed):
    path = tmp_path / "out.geojson"
    path.write_text("old", encoding="utf-8")
    collection = build_feature_collection([placed], METADATA)
    write_geojson_atomic(path, collection)
    assert json.loads(path.read_text(encoding="utf-8")) == collection
    assert os.listdir(tmp_path) == ["out.geojson"]


def test_readers_never_see_half_a_file(tmp_path: Path, placed):
    path = tmp_path / "out.geojson"
    big = build_feature_collection([placed] * 5000, METADATA)
    small = build_feature_collection([placed], METADATA)
    write_geojson_atomic(path, small)
    stop = threading.Event()
    bad: list[str] = []

    def read_loop() -> None:
        while not stop.is_set():
            try:
                json.loads(path.read_bytes())
            except json.JSONDecodeError as exc:
                bad.append(str(exc))

    reader = threading.Thread(target=read_loop)
    reader.start()
    for i in range(20):
        write_geojson_atomic(path, big if i % 2 else small)
    stop.set()
    reader.join()
    assert bad == []


def test_failed_write_keeps_the_old_file(tmp_path: Path):
    path = tmp_path / "out.geojson"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        write_geojson_atomic(path, {"bad": object()})
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.geojson"]


def test_details_become_c1_properties_in_schema_order(placed):
    details = TrainingDetails(
        sessions=(("2025-09-01", "2026-06-30"), ("2026-03-02", None), ("2026-09-07", "2027-06-30")),
        contact_email="a@exemple.invalid",
        contact_telephone="01 99 00 00 01",
        certification="RNCP37873",
        niveau_sortie=Niveau.NIVEAU_5,
        public_vise=(PublicVise.DEMANDEURS_EMPLOI, PublicVise.SALARIES),
        alternance=False,
        nombre_heures=400,
    )
    row = placed.row.__class__(**{**_fields(placed.row), "details": details})
    properties = build_feature(PlacedRow(row, placed.placement), date(2026, 3, 2))["properties"]
    assert tuple(properties) == PROPERTY_FIELDS
    assert properties["sessions"] == [
        {"debut": "2025-09-01", "fin": "2026-06-30"},
        {"debut": "2026-03-02", "fin": None},
        {"debut": "2026-09-07", "fin": "2027-06-30"},
    ]
    assert properties["prochaine_session"] == "2026-03-02"  # on the build day counts
    assert properties["public_vise"] == ["demandeurs_emploi", "salaries"]
    assert properties["niveau_sortie"] == "5" and properties["niveau_entree"] is None
    assert properties["alternance"] is False and properties["prise_en_charge"] is None
    assert properties["nombre_heures"] == 400


def test_the_build_day_is_the_generation_day_in_paris():
    late = CollectionMetadata(source="x.csv", date_generation="2026-12-31T23:30:00+00:00")
    assert build_date_of(late) == date(2027, 1, 1)
