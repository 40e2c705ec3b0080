"""Every value a user reads about has one French label: schema values, and how a file was read."""

from __future__ import annotations

from geo.importer import DELIMITER_LABELS, ENCODING_LABELS, decode_lines, parse_csv
from geo.importer.model import DELIMITER_QUOTED
from geo.schema import (
    DERIVED_FIELD_LABELS,
    FIELD_LABELS,
    GEOCODING_SOURCE_LABELS,
    INPUT_FIELDS,
    PRECISION_LABELS,
    PROPERTY_FIELDS,
    GeocodingSource,
    Precision,
)


def test_every_geocoding_source_has_a_label() -> None:
    assert list(GEOCODING_SOURCE_LABELS) == list(GeocodingSource)
    assert all(label.strip() for label in GEOCODING_SOURCE_LABELS.values())


def test_every_input_field_has_a_label_in_the_schema() -> None:
    assert list(FIELD_LABELS) == list(INPUT_FIELDS)
    assert all(label.strip() for label in FIELD_LABELS.values())


def test_every_property_has_a_french_header_for_the_exports() -> None:
    labelled = {**FIELD_LABELS, **DERIVED_FIELD_LABELS}
    assert [name for name in PROPERTY_FIELDS if name not in labelled] == []
    assert len(set(labelled.values())) == len(labelled)  # two columns never share a header


def test_every_precision_has_a_label() -> None:
    assert list(PRECISION_LABELS) == list(Precision)
    assert all(label.strip() for label in PRECISION_LABELS.values())


def test_every_encoding_the_reader_names_has_a_label_and_no_other() -> None:
    samples = [
        "id;commune\n1;Besançon\n".encode(),
        "id;commune\n1;Besançon\n".encode("utf-8-sig"),
        "id;commune\n1;Besançon\n".encode("utf-16"),
        "id;commune\n1;Besançon\n".encode("cp1252"),
        "id;commune\n1;Besançon\n".encode() + "2;Besançon\n".encode("cp1252"),
    ]
    named = {decode_lines(sample).encoding for sample in samples}
    assert named == set(ENCODING_LABELS)


def test_every_delimiter_the_reader_picks_has_a_label_and_no_other() -> None:
    picked = {
        parse_csv(f"id{delimiter}intitule\n1{delimiter}Cuisine\n").delimiter
        for delimiter in (";", ",", "\t")
    }
    assert picked == set(DELIMITER_LABELS) == set(DELIMITER_QUOTED)


def test_the_importer_s_details_are_the_schema_s_offer_fields() -> None:
    from geo.importer.model import DETAIL_FIELDS
    from geo.schema import OFFER_FIELDS

    # ``prochaine_session`` is derived at build time from ``sessions``, never read
    assert tuple(name for name in OFFER_FIELDS if name != "prochaine_session") == DETAIL_FIELDS
