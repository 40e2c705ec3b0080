"""The offline geocoding chain on a small gazetteer, and the online refinement step."""

from __future__ import annotations

import asyncio
import csv
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.address import AddressMatch, AddressOutcome, AddressQuery
from geo.gazetteer import normalise_postcode
from geo.geocode import OfflineGeocoder, geocode_offline, in_france
from geo.geodesy import distance_km
from geo.importer import ImportedRow, Level
from geo.refine import apply_address_outcomes, refine_with_addresses
from geo.schema import GeocodingSource, Precision, TypeStructure


def row(**values) -> ImportedRow:
    base = {
        "ligne": 2,
        "id": "G1",
        "intitule": "Développeur web",
        "structure": "Simplon",
        "type_structure": TypeStructure.ASSOCIATION,
    }
    base.update(values)
    return ImportedRow(**base)


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def chain(small_gazetteer) -> OfflineGeocoder:
    return OfflineGeocoder(small_gazetteer)


@pytest.fixture
def real_chain(gazetteer) -> OfflineGeocoder:
    """The chain on the committed gazetteer, with its boundaries."""
    return OfflineGeocoder(gazetteer)


def real_file(name: str) -> Path:
    """A real public file: ``<repo>/../shared/donnees-reelles``, else the env var's folder."""
    folder = REPO.parent / "shared" / "donnees-reelles"
    if not folder.exists() and os.environ.get("CARTE_GEN_DONNEES_REELLES"):
        folder = Path(os.environ["CARTE_GEN_DONNEES_REELLES"])
    path = folder / name
    assert path.exists(), f"{path} missing: set CARTE_GEN_DONNEES_REELLES (see the README)"
    return path


def rejections(outcome):
    return [i for i in outcome.issues if i.niveau is Level.REJET]


def warnings(outcome):
    return [i for i in outcome.issues if i.niveau is Level.AVERTISSEMENT]


# --------------------------------------------------------------------------- territories


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (2.35, 48.85),
        (9.45, 42.7),
        (-61.5, 16.27),
        (-61.07, 14.61),
        (-52.31, 4.92),
        (55.45, -20.88),
        (45.23, -12.78),
        (-4.48, 48.39),
        (7.75, 48.58),
    ],
)
def test_points_in_france_and_overseas(lon, lat):
    assert in_france(lon, lat)


@pytest.mark.parametrize(
    ("lon", "lat"), [(0.0, 0.0), (-0.12, 51.5), (13.4, 52.5), (-73.9, 40.7), (2.17, 41.38)]
)
def test_points_outside_france(lon, lat):
    assert not in_france(lon, lat)


def test_distance_paris_lyon_is_about_392_km():
    assert distance_km(2.3522, 48.8566, 4.8357, 45.7640) == pytest.approx(392, abs=3)


# --------------------------------------------------------------------------- coordinates


def test_coordinates_place_at_the_point_in_the_containing_commune(real_chain):
    outcome = real_chain.locate(row(latitude=48.8600, longitude=2.3530))
    placement = outcome.placement
    assert placement is not None
    assert (placement.lon, placement.lat) == (2.353, 48.86)
    assert placement.source is GeocodingSource.COORDONNEES
    assert placement.commune.code_insee == "75104"  # Paris 4e, never the city
    assert outcome.issues == ()


def test_without_boundaries_coordinates_take_the_nearest_commune(chain):
    outcome = chain.locate(row(latitude=48.8600, longitude=2.3530))
    assert outcome.placement is not None
    assert outcome.placement.commune.departement == "75"


def test_swapped_coordinates_are_corrected_with_a_warning(real_chain):
    outcome = real_chain.locate(row(latitude=55.4481, longitude=-20.8789))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "97411"
    assert (outcome.placement.lon, outcome.placement.lat) == (55.4481, -20.8789)
    (warning,) = warnings(outcome)
    assert "inversées" in warning.motif


def test_coordinates_outside_france_without_other_location_are_rejected(chain):
    outcome = chain.locate(row(latitude=51.5, longitude=-0.12))
    assert outcome.placement is None
    (rejection,) = rejections(outcome)
    assert "hors de France" in rejection.motif


def test_coordinates_outside_france_fall_back_to_the_commune_with_a_warning(chain):
    outcome = chain.locate(row(latitude=51.5, longitude=-0.12, commune="Bourg-en-Bresse"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "01053"
    assert outcome.placement.source is GeocodingSource.GAZETTEER
    assert "hors de France" in warnings(outcome)[0].motif


def test_coordinates_in_a_neighbour_country_are_outside_every_commune(real_chain):
    geneva = {"latitude": 46.2044, "longitude": 6.1432}  # inside the bounding box of France
    outcome = real_chain.locate(row(**geneva))
    assert outcome.placement is None
    assert "hors des communes" in rejections(outcome)[0].motif
    outcome = real_chain.locate(row(**geneva, code_postal="74100", commune="Annemasse"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "74012"
    assert outcome.placement.source is GeocodingSource.GAZETTEER
    assert "ignorées" in warnings(outcome)[0].motif


def test_coordinates_in_the_stated_commune_raise_no_warning(real_chain):
    # in Saint-Denis (93), nearer Paris' town hall than the Saint-Denis one
    outcome = real_chain.locate(row(latitude=48.9050, longitude=2.3600, code_postal="93200"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "93066"
    assert outcome.placement.source is GeocodingSource.COORDONNEES
    assert outcome.issues == ()
    # in the 11th arrondissement of the city the row names
    outcome = real_chain.locate(row(latitude=48.8574, longitude=2.3795, commune="Paris"))
    assert outcome.placement.commune.code_insee == "75111"
    assert outcome.issues == ()


def test_coordinates_in_a_neighbour_commune_win_with_a_warning(real_chain):
    # Aubervilliers' town hall, with Saint-Denis as the stated commune (4 km away)
    outcome = real_chain.locate(
        row(latitude=48.9146, longitude=2.3821, commune="Saint-Denis", code_postal="93200")
    )
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "93001"
    (warning,) = warnings(outcome)
    assert "Aubervilliers" in warning.motif and "Saint-Denis" in warning.motif


def test_coordinates_far_from_the_stated_commune_win_with_a_warning(real_chain):
    outcome = real_chain.locate(row(latitude=45.764, longitude=4.8357, commune="Bourg-en-Bresse"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "69382"  # Lyon 2e
    assert "pas dans la commune indiquée (Bourg-en-Bresse" in warnings(outcome)[0].motif


def test_coordinates_just_off_the_coast_belong_to_the_coastal_commune(real_chain):
    at_sea = {"latitude": 47.2755, "longitude": -2.3700}  # off the beach of La Baule
    assert real_chain.gazetteer.commune_at(-2.3700, 47.2755, tolerance_m=0) is None
    outcome = real_chain.locate(row(**at_sea))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "44055"


# --------------------------------------------------------------------------- the real bfc file


def bfc_rows() -> list[ImportedRow]:
    """Rows of the real bfc-ternum list: postcode, commune (``ville``) and its own lon/lat."""
    rows = []
    with real_file("bfc-ternum-dataset.csv").open(encoding="utf-8", newline="") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=2):
            rows.append(
                row(
                    ligne=number,
                    id=raw["bfc_id"],
                    code_postal=normalise_postcode(raw["code_postal"]),
                    commune=raw["ville"].strip() or None,
                    latitude=float(raw["lat"]),
                    longitude=float(raw["lon"]),
                )
            )
    assert len(rows) == 697
    return rows


def test_the_real_bfc_file_places_every_row_in_the_commune_containing_its_coordinates(
    real_chain,
):
    gazetteer = real_chain.gazetteer
    for item in bfc_rows():
        outcome = real_chain.locate(item)
        assert outcome.placement is not None, outcome.issues
        assert outcome.placement.source is GeocodingSource.COORDONNEES
        contains = gazetteer.commune_at(item.longitude, item.latitude)
        assert outcome.placement.commune == contains, item


def test_the_real_bfc_coordinates_fall_in_the_commune_their_row_names(real_chain):
    """Boundaries agree with the file's postcode/commune wherever its coordinates are its own.

    Some rows of the source carry the coordinates of another site of the list (a block of
    Nièvre and Saône-et-Loire rows is shifted): those lie in a commune another row names.
    Left: at most 1 % of rows whose coordinates lie in a commune no row names (one, line
    362: Dampierre-sur-Linotte's site placed in Pomoy, 19 km away).
    """
    gazetteer = real_chain.gazetteer
    rows = bfc_rows()
    stated = [real_chain.locate(replace(item, latitude=None, longitude=None)) for item in rows]
    named = {outcome.placement.commune.code_insee for outcome in stated}
    consistent, borrowed = 0, []
    for item, outcome in zip(rows, stated, strict=True):
        contains = gazetteer.commune_at(item.longitude, item.latitude)
        assert contains is not None, item
        if gazetteer.is_within(contains, outcome.placement.commune) or (
            item.code_postal in contains.codes_postaux
        ):
            consistent += 1
        else:
            borrowed.append((item.ligne, contains.code_insee))
    assert consistent >= 0.94 * len(rows)
    unexplained = [line for line, code in borrowed if code not in named]
    assert len(unexplained) <= 0.01 * len(rows), unexplained


# --------------------------------------------------------------------------- postcode first


def test_a_name_contained_in_a_commune_of_the_postcode_wins(real_chain):
    outcome = real_chain.locate(row(commune="Cherbourg", code_postal="50100"))
    assert outcome.placement.commune.code_insee == "50129"  # Cherbourg-en-Cotentin
    assert outcome.placement.precision is Precision.COMMUNE
    assert "Cherbourg-en-Cotentin" in warnings(outcome)[0].motif
    # a real row of the bfc file: not one of the 40 other « Sainte-Croix »
    outcome = real_chain.locate(row(commune="SAINTE-CROIX", code_postal="71470"))
    assert outcome.placement.commune.code_insee == "71401"  # Sainte-Croix-en-Bresse
    assert rejections(outcome) == []


def test_a_merged_commune_is_found_by_its_old_name_at_its_own_town_hall(real_chain):
    annecy = real_chain.gazetteer.by_insee("74010")
    for written in (row(commune="Cran-Gevrier", code_postal="74960"), row(code_insee="74093")):
        outcome = real_chain.locate(written)
        placement = outcome.placement
        assert placement.commune == annecy
        assert placement.libelle == "Cran-Gevrier (Annecy)"
        assert distance_km(placement.lon, placement.lat, annecy.lon, annecy.lat) > 1
        assert real_chain.gazetteer.commune_at(placement.lon, placement.lat) == annecy
        assert outcome.issues == ()
    outcome = real_chain.locate(row(commune="Annecy", code_postal="74960"))
    assert (outcome.placement.lon, outcome.placement.lat) == (annecy.lon, annecy.lat)


def test_the_homonym_of_the_postcodes_departement_outranks_the_others(real_chain):
    # Beaumont (63) has 63110, not 63000; a dozen other Beaumont lie in other départements
    found = real_chain.gazetteer.match("Beaumont", "63000")
    assert found[0][0].departement == "63"
    assert all(score < found[0][1] for _, score in found[1:])
    outcome = real_chain.locate(row(commune="Beaumont", code_postal="63000"))
    assert outcome.placement.commune.code_insee == "63032"
    assert "63000" in warnings(outcome)[0].motif


def test_an_exact_name_of_the_postcode_beats_a_homonym_elsewhere(real_chain):
    outcome = real_chain.locate(row(commune="Villeneuve", code_postal="04180"))
    assert outcome.placement.commune.code_insee == "04242"
    assert outcome.issues == ()


def test_an_ambiguity_within_the_postcode_is_warned_about(real_chain):
    # « Bourg » is in Bourg-en-Bresse and in Saint-Denis-lès-Bourg, both 01000
    outcome = real_chain.locate(row(commune="Bourg", code_postal="01000"))
    assert outcome.placement is not None
    assert outcome.placement.precision is Precision.CODE_POSTAL
    (warning,) = warnings(outcome)
    assert "ambiguë" in warning.motif and "01000" in warning.motif
    assert "Bourg-en-Bresse (01" in warning.motif and "Saint-Denis-lès-Bourg (01" in warning.motif


def test_homonyms_in_other_departements_are_never_chosen_silently(real_chain):
    # a dozen Beaumont, none in Paris: the postcode places the row, with a warning
    outcome = real_chain.locate(row(commune="Beaumont", code_postal="75011"))
    assert outcome.placement.commune.code_insee == "75111"
    assert outcome.placement.precision is Precision.COMMUNE
    (warning,) = warnings(outcome)
    assert "ambiguë" in warning.motif and "Beaumont (63" in warning.motif


# --------------------------------------------------------------------------- INSEE code


def test_insee_code_places_at_the_commune(chain):
    outcome = chain.locate(row(code_insee="2A004"))
    placement = outcome.placement
    assert placement is not None
    assert placement.commune.nom == "Ajaccio"
    assert placement.precision is Precision.COMMUNE
    assert placement.source is GeocodingSource.GAZETTEER
    assert (placement.commune.departement, placement.commune.region) == ("2A", "94")
    assert outcome.issues == ()


def test_insee_and_postcode_that_disagree_keep_insee_with_a_warning(chain):
    outcome = chain.locate(row(code_insee="01053", code_postal="69001"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "01053"
    (warning,) = warnings(outcome)
    assert "69001" in warning.motif and "INSEE" in warning.motif


def test_postcode_and_name_that_agree_against_insee_win(chain):
    outcome = chain.locate(row(code_insee="01053", code_postal="69001", commune="Lyon"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "69123"
    assert "contredit" in warnings(outcome)[0].motif


def test_arrondissement_code_with_the_city_name_is_no_conflict(chain):
    outcome = chain.locate(row(code_insee="75111", code_postal="75011", commune="PARIS"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "75111"
    assert outcome.issues == ()


def test_unknown_insee_code_falls_back_to_the_name(chain):
    outcome = chain.locate(row(code_insee="99999", commune="Cayenne"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "97302"
    assert "inconnu" in warnings(outcome)[0].motif


def test_unknown_insee_code_alone_is_rejected(chain):
    outcome = chain.locate(row(code_insee="99999"))
    assert outcome.placement is None
    assert "inconnu" in rejections(outcome)[0].motif


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("commune", "code_postal", "expected"),
    [
        ("Bourg-en-Bresse", "01000", "01053"),
        ("BOURG EN BRESSE", None, "01053"),
        ("St Etienne", None, "42218"),
        ("Saint-Etienne", "42100", "42218"),
        ("Abymes", None, "97101"),
        ("les abymes", "97139", "97101"),
        ("Mamoudzou", "97600", "97611"),
        ("Chatillon sur Chalaronne", None, "01093"),
        ("Saint-Denis", "93200", "93066"),
        ("ST DENIS", "97400", "97411"),
        ("Lyon Cedex 03", "69441", "69123"),
        ("Bourg-en-Brese", None, "01053"),  # small typo
    ],
)
def test_commune_names_are_matched_insensitively(chain, commune, code_postal, expected):
    outcome = chain.locate(row(commune=commune, code_postal=code_postal))
    assert outcome.placement is not None, outcome.issues
    assert outcome.placement.commune.code_insee == expected
    assert outcome.placement.precision is Precision.COMMUNE
    assert rejections(outcome) == []


def test_a_corrected_typo_is_placed_with_a_warning(chain):
    outcome = chain.locate(row(commune="Bourg-en-Brese"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "01053"
    assert outcome.placement.score < 1
    (warning,) = warnings(outcome)
    assert "Bourg-en-Bresse" in warning.motif and "orthographe" in warning.motif


def test_exact_names_written_differently_raise_no_warning(chain):
    for written in ("BOURG EN BRESSE", "bourg-en-bresse", "Bourg en Bresse"):
        assert chain.locate(row(commune=written)).issues == ()


def test_homonyms_without_postcode_are_rejected_listing_candidates(chain):
    outcome = chain.locate(row(commune="Saint-Denis"))
    assert outcome.placement is None
    (rejection,) = rejections(outcome)
    assert "ambiguë" in rejection.motif
    for departement in ("(93", "(974", "(11"):
        assert departement in rejection.motif


def test_unknown_commune_without_postcode_is_rejected(chain):
    outcome = chain.locate(row(commune="Trifouilly-les-Oies"))
    assert outcome.placement is None
    assert "introuvable" in rejections(outcome)[0].motif


def test_unknown_commune_with_a_known_postcode_uses_the_postcode_with_a_warning(chain):
    outcome = chain.locate(row(commune="Trifouilly-les-Oies", code_postal="01000"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "01053"
    assert "introuvable" in warnings(outcome)[0].motif


def test_name_that_does_not_match_its_postcode_keeps_the_name_with_a_warning(chain):
    outcome = chain.locate(row(commune="Cayenne", code_postal="01000"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "97302"
    assert "01000" in warnings(outcome)[0].motif


# --------------------------------------------------------------------------- postcodes


def test_postcode_of_one_commune_places_at_that_commune(chain):
    outcome = chain.locate(row(code_postal="97600"))
    assert outcome.placement is not None
    assert outcome.placement.commune.code_insee == "97611"
    assert outcome.placement.precision is Precision.COMMUNE


def test_postcode_shared_by_communes_places_at_the_largest_with_postcode_precision(chain):
    outcome = chain.locate(row(code_postal="01400"))
    placement = outcome.placement
    assert placement is not None
    assert placement.commune.code_insee == "01093"
    assert placement.precision is Precision.CODE_POSTAL
    assert placement.score == 0.5
    assert "01400" in placement.libelle


def test_unknown_postcode_alone_is_rejected(chain):
    outcome = chain.locate(row(code_postal="75700"))
    assert outcome.placement is None
    assert "75700" in rejections(outcome)[0].motif


def test_messages_name_the_users_column(small_gazetteer):
    chain = OfflineGeocoder(small_gazetteer, {"commune": "Ville"})
    outcome = chain.locate(row(commune="Saint-Denis"))
    assert outcome.issues[0].colonne == "Ville"


@given(st.sampled_from(["01053", "97411", "2A004", "75111", "97611"]))
def test_departement_and_region_always_come_from_the_matched_commune(small_gazetteer, code):
    outcome = OfflineGeocoder(small_gazetteer).locate(row(code_insee=code))
    commune = small_gazetteer.by_insee(code)
    assert outcome.placement is not None
    assert outcome.placement.commune.departement == commune.departement
    assert outcome.placement.commune.region == commune.region


def test_geocode_offline_keeps_input_order_and_accounts_for_every_row(small_gazetteer):
    rows = [
        row(ligne=2, id="A", code_insee="01053"),
        row(ligne=3, id="B", commune="Saint-Denis"),
        row(ligne=4, id="C", code_postal="97600"),
    ]
    seen = []
    report = geocode_offline(rows, small_gazetteer, on_row=lambda: seen.append(1))
    assert [p.row.id for p in report.placed] == ["A", "C"]
    assert {i.ligne for i in report.issues if i.niveau is Level.REJET} == {3}
    assert len(seen) == 3


def test_rows_of_the_same_text_get_the_same_answer_and_their_own_issues(chain):
    first = chain.locate(row(ligne=2, id="A", commune="Bourg-en-Brese", code_postal="01000"))
    again = chain.locate(row(ligne=9, id="B", commune="Bourg-en-Brese", code_postal="01000"))
    assert again.placement == first.placement
    assert [(i.ligne, i.identifiant) for i in first.issues] == [(2, "A")]
    assert [(i.ligne, i.identifiant) for i in again.issues] == [(9, "B")]
    assert [i.motif for i in again.issues] == [i.motif for i in first.issues]
    # the same text beside coordinates: the coordinates' own issues come first, as before
    with_point = chain.locate(
        row(ligne=5, id="C", commune="Trifouilly", code_postal="01000", latitude=0.0, longitude=0.0)
    )
    assert [i.colonne for i in with_point.issues] == ["Latitude", "Commune"]
    assert with_point.placement is not None and with_point.placement.commune.code_insee == "01053"


def test_the_text_cache_is_bounded_and_answers_as_a_fresh_chain(small_gazetteer, monkeypatch):
    import geo.geocode

    monkeypatch.setattr(geo.geocode, "CACHE_LIMIT", 3)
    bounded = OfflineGeocoder(small_gazetteer)
    texts = ["Bourg-en-Brese", "Saint-Denis", "Paris", "Trifouilly", "97600", "01053", "Mamoudzou"]
    rows = [row(ligne=n + 2, commune=t) for n, t in enumerate(texts * 3)]
    for item in rows:
        assert bounded.locate(item) == OfflineGeocoder(small_gazetteer).locate(item)
        assert len(bounded._texts) <= 3


# --------------------------------------------------------------------------- online step


class ScriptedGeocoder:
    """An AddressGeocoder answering from a table: the protocol's contract, no network."""

    def __init__(self, answers: dict[str, AddressOutcome]) -> None:
        self.answers = answers
        self.queries: list[AddressQuery] = []

    async def geocode(self, queries: Sequence[AddressQuery]) -> list[AddressOutcome]:
        self.queries.extend(queries)
        return [self.answers[q.key] for q in queries]


def test_online_refinement_moves_precise_matches_and_counts_fallbacks(small_gazetteer):
    rows = [
        row(ligne=2, id="A", adresse="1 rue de la Paix", code_insee="75111"),
        row(ligne=3, id="B", adresse="2 rue X", code_insee="01053"),
        row(ligne=4, id="C", adresse="3 rue Y", code_insee="01053"),
        row(ligne=5, id="D", code_insee="01053"),  # no address: not sent
        row(ligne=6, id="E", adresse="4 rue Z", latitude=46.2, longitude=5.2),  # explicit
        row(ligne=7, id="F", adresse="5 rue W", code_insee="01053"),
    ]
    report = geocode_offline(rows, small_gazetteer)
    geocoder = ScriptedGeocoder(
        {
            "A": AddressOutcome(
                "A",
                AddressMatch(
                    2.3712345678,
                    48.86,
                    0.93,
                    "housenumber",
                    "1 Rue X 75011 Paris",
                    "75056",
                    "75011",
                ),
                None,
            ),
            "B": AddressOutcome("B", None, "adresse introuvable"),
            "C": AddressOutcome(
                "C", AddressMatch(4.8, 45.7, 0.9, "street", "Rue Y Lyon", "69123", "69001"), None
            ),
            "F": AddressOutcome(
                "F", AddressMatch(5.2, 46.2, 0.8, "street", "Rue W", "01053", "01000"), None
            ),
        }
    )
    refined = asyncio.run(refine_with_addresses(report, geocoder))
    assert [q.key for q in geocoder.queries] == ["A", "B", "C", "F"]
    by_id = {p.row.id: p.placement for p in refined.placed}
    assert by_id["A"].source is GeocodingSource.BAN
    assert by_id["A"].precision is Precision.ADRESSE
    assert (by_id["A"].lon, by_id["A"].commune.code_insee) == (2.371235, "75111")
    assert by_id["B"].source is GeocodingSource.GAZETTEER
    assert by_id["C"].source is GeocodingSource.GAZETTEER  # another commune: never trusted
    assert by_id["F"].precision is Precision.RUE
    assert by_id["E"].source is GeocodingSource.COORDONNEES
    assert refined.online_queries == 4
    assert refined.online_fallbacks == {"adresse introuvable": 1, "commune différente": 1}


def test_municipality_answers_keep_the_gazetteer_placement(small_gazetteer):
    report = geocode_offline([row(adresse="x", code_insee="01053")], small_gazetteer)
    outcome = AddressOutcome(
        "G1", AddressMatch(5.0, 46.0, 0.9, "municipality", "Bourg", "01053", "01000"), None
    )
    placed, fallbacks = apply_address_outcomes(report.placed, [outcome])
    assert placed[0].placement.source is GeocodingSource.GAZETTEER
    assert fallbacks == {"précision insuffisante": 1}
