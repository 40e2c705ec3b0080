"""The build's encoded collection is, byte for byte, the JSON of the dict collection."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.build import BuildRequest, default_report_path, geocode_file, write_outputs
from geo.geocode import PlacedRow, Placement
from geo.geojson import (
    DROP_ACCEPTED_KEY,
    FEATURES_PER_PIECE,
    CollectionMetadata,
    build_feature_collection,
    dumps_collection,
    encode_feature_collection,
    features_version,
    write_geojson_atomic,
)
from geo.importer import NO_DETAILS, ImportedRow, TrainingDetails
from geo.schema import GeocodingSource, Modalite, Niveau, Precision, PublicVise, TypeStructure

REPO = Path(__file__).resolve().parents[2]
METADATA = CollectionMetadata(source="formations.csv", date_generation="2026-03-02T08:00:00+00:00")
#: Communes of the small gazetteer: one postcode, several postcodes, an arrondissement, a DOM.
INSEE_CODES = ("01053", "75111", "42218", "97411")

texts = st.none() | st.text(max_size=12)
dates = st.none() | st.dates().map(lambda day: day.isoformat())
details = st.just(NO_DETAILS) | st.builds(
    TrainingDetails,
    sessions=st.lists(st.tuples(dates, dates), max_size=3).map(tuple),
    contact_email=texts,
    contact_telephone=texts,
    url_candidature=texts,
    certification=texts,
    niveau_entree=st.none() | st.sampled_from(Niveau),
    niveau_sortie=st.none() | st.sampled_from(Niveau),
    public_vise=st.lists(st.sampled_from(PublicVise), unique=True, max_size=3).map(tuple),
    alternance=st.none() | st.booleans(),
    nombre_heures=st.none() | st.integers(0, 5_000),
    prise_en_charge=st.none() | st.booleans(),
)
rows = st.builds(
    ImportedRow,
    ligne=st.integers(2, 10**6),
    id=st.text(min_size=1, max_size=12),
    intitule=texts,
    structure=texts,
    type_structure=st.sampled_from(TypeStructure),
    adresse=texts,
    code_postal=st.none() | st.sampled_from(("01000", "75011", "13013")),
    commune=texts,
    duree_mois=st.none() | st.integers(3, 24),
    modalite=st.none() | st.sampled_from(Modalite),
    site_web=texts,
    date_labellisation=dates,
    details=details,
)
#: A placement: an index into a few shared ones (rows of one commune share theirs), or fresh.
placements = st.integers(0, 3) | st.builds(
    lambda code, lon, lat, score, libelle: (code, lon, lat, score, libelle),
    st.sampled_from(INSEE_CODES),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.floats(0, 1),
    st.text(max_size=8),
)


def _placement(small_gazetteer, drawn: int | tuple) -> Placement:
    if isinstance(drawn, int):
        return Placement(
            small_gazetteer.by_insee(INSEE_CODES[drawn]),
            1.5 + drawn,
            45.25,
            GeocodingSource.GAZETTEER,
            Precision.COMMUNE,
            1.0,
            "mairie",
        )
    code, lon, lat, score, libelle = drawn
    commune = small_gazetteer.by_insee(code)
    return Placement(
        commune, lon, lat, GeocodingSource.COORDONNEES, Precision.ADRESSE, score, libelle
    )


def encoded_bytes(placed: list[PlacedRow], metadata: CollectionMetadata = METADATA) -> bytes:
    return b"".join(encode_feature_collection(placed, metadata).pieces())


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(st.lists(st.tuples(rows, placements), max_size=12))
def test_encoded_collection_is_the_json_of_the_built_collection(small_gazetteer, drawn):
    shared = {index: _placement(small_gazetteer, index) for index in range(4)}
    placed = [
        PlacedRow(
            row, shared[where] if isinstance(where, int) else _placement(small_gazetteer, where)
        )
        for row, where in drawn
    ]
    assert encoded_bytes(placed) == dumps_collection(build_feature_collection(placed, METADATA))


@pytest.mark.parametrize(
    "count", [0, 1, FEATURES_PER_PIECE - 1, FEATURES_PER_PIECE, FEATURES_PER_PIECE * 2 + 1]
)
def test_pieces_join_into_the_same_document_at_any_count(small_gazetteer, count):
    commune = small_gazetteer.by_insee("42218")
    placement = Placement(
        commune, 4.39, 45.43, GeocodingSource.GAZETTEER, Precision.COMMUNE, 1.0, commune.nom
    )
    row = ImportedRow(2, "X", "Titre", "Structure", TypeStructure.ECOLE)
    placed = [PlacedRow(replace(row, id=f"X{i}", ligne=i + 2), placement) for i in range(count)]
    collection = build_feature_collection(placed, METADATA)
    encoded = encode_feature_collection(placed, METADATA)
    assert b"".join(encoded.pieces()) == dumps_collection(collection)
    assert encoded.metadonnees["version"] == features_version(collection["features"])
    assert encoded.metadonnees["nombre"] == count


def test_the_version_hashes_the_features_as_written(small_gazetteer):
    commune = small_gazetteer.by_insee("01053")
    placement = Placement(
        commune, 5.22, 46.2, GeocodingSource.GAZETTEER, Precision.COMMUNE, 1.0, commune.nom
    )
    placed = [PlacedRow(ImportedRow(2, "A", "Titre", None, TypeStructure.AUTRE), placement)]
    written = orjson.loads(encoded_bytes(placed))
    assert written["metadonnees"]["version"] == features_version(written["features"])


def test_the_encoded_collection_is_written_atomically(tmp_path: Path, small_gazetteer):
    commune = small_gazetteer.by_insee("75111")
    placement = Placement(
        commune, 2.38, 48.86, GeocodingSource.GAZETTEER, Precision.COMMUNE, 1.0, commune.nom
    )
    placed = [PlacedRow(ImportedRow(2, "A", "Titre", None, TypeStructure.AUTRE), placement)]
    path = tmp_path / "out.geojson"
    path.write_text("old", encoding="utf-8")
    write_geojson_atomic(path, encode_feature_collection(placed, METADATA))
    assert path.read_bytes() == encoded_bytes(placed)
    assert [p.name for p in tmp_path.iterdir()] == ["out.geojson"]


@pytest.mark.parametrize("accept_drop", [False, True])
def test_the_build_writes_the_built_collection_s_json(tmp_path: Path, accept_drop: bool):
    output = tmp_path / "messy.geojson"
    request = BuildRequest(
        input=REPO / "tests" / "data" / "formations_messy.csv",
        output=output,
        report=default_report_path(output),
        gazetteer=REPO / "data" / "gazetteer.json.gz",
        accept_drop=accept_drop,
    )
    build = geocode_file(request)
    write_outputs(request, build)
    expected = build_feature_collection(build.report.placed, build.metadata)
    if accept_drop:
        expected["metadonnees"][DROP_ACCEPTED_KEY] = True
    assert output.read_bytes() == dumps_collection(expected)
