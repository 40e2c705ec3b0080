"""A typed commune: the pure parser (property tests) and the search on the real gazetteer."""

from __future__ import annotations

import re

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo.commune_query import (
    POSITION_MAX_KM,
    CommuneQuery,
    commune_near,
    find_communes,
    is_named,
    parse_commune_query,
)
from geo.geodesy import distance_km

LETTERS = "abcdefghijklmnopqrstuvwxyzéèêëàâîïôûüçœÉÈÎÔŒ"
#: Commune-like names: words of letters joined by spaces, hyphens or apostrophes.
words = st.text(LETTERS + LETTERS.upper(), min_size=1, max_size=12)
names = st.builds(
    lambda first, rest: first + "".join(sep + word for sep, word in rest),
    words,
    st.lists(st.tuples(st.sampled_from([" ", "-", "'", "’", " - "]), words), max_size=4),
)
postcodes = st.from_regex(r"\A\d{5}\Z")
departements = st.from_regex(r"\A(\d{2,3}|2[AB])\Z")
spaces = st.sampled_from(["", " ", "  ", "\t", "\u00a0"])

NAME_THEN_CODE = ["{n} {c}", "{n}, {c}", "{n} ({c})", "{n}({c})", "{n} - {c}", "{n}  {c} "]
CODE_THEN_NAME = ["{c} {n}", "{c}, {n}", "({c}) {n}", "{c} - {n}", " {c}   {n}"]


def squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@given(names, postcodes | departements, st.sampled_from(NAME_THEN_CODE + CODE_THEN_NAME))
def test_a_name_and_a_code_in_either_order_are_told_apart(name: str, code: str, form: str) -> None:
    assert parse_commune_query(form.format(n=name, c=code)) == CommuneQuery(squeezed(name), code)


@given(names, st.from_regex(r"\A\d{2} \d{3}\Z"), st.sampled_from(NAME_THEN_CODE + CODE_THEN_NAME))
def test_a_postcode_written_with_a_space_is_one_code(name: str, code: str, form: str) -> None:
    typed = form.format(n=name, c=code)
    assert parse_commune_query(typed) == CommuneQuery(squeezed(name), code.replace(" ", ""))


@given(names, spaces, spaces)
def test_a_name_alone_is_the_name(name: str, before: str, after: str) -> None:
    assert parse_commune_query(before + name + after) == CommuneQuery(squeezed(name), "")


@given(postcodes | departements, spaces, spaces)
def test_a_code_alone_is_the_code(code: str, before: str, after: str) -> None:
    assert parse_commune_query(before + code + after) == CommuneQuery("", code)


@given(names, st.sampled_from(["2a", "2b"]))
def test_corsican_departements_are_upper_case(name: str, code: str) -> None:
    assert parse_commune_query(f"{name} ({code})").code == code.upper()


@given(st.text(max_size=60))
def test_any_text_gives_a_trimmed_name_and_a_code_of_digits_or_corsica(text: str) -> None:
    query = parse_commune_query(text)
    assert query.nom == query.nom.strip()
    assert re.fullmatch(r"(\d{1,5}|2[AB])?", query.code)
    if not query.code:
        assert query.nom == squeezed(text)
    assert parse_commune_query(f"  {text}  ") == query  # spaces around never matter


@pytest.mark.parametrize(
    "typed",
    [
        "Roubaix",
        "roubaix",
        "ROUBAIX 59100",
        "Roubaix 59100",
        "59100 Roubaix",
        "59100",
        "Roubaix (59)",
        "(59) Roubaix",
        "Roubaix, 59",
        "Roubaix 59 100",
        "Roubaix - 59100",
    ],
)
def test_each_form_finds_roubaix(gazetteer, typed: str) -> None:
    query, found = find_communes(gazetteer, typed, 10)
    assert [c.nom for c in found] == ["Roubaix"]
    assert is_named(found[0], query.nom) == any(ch.isalpha() for ch in typed)


@pytest.mark.parametrize(
    ("typed", "nom", "departement"),
    [
        ("saint etienne 42000", "Saint-Étienne", "42"),
        ("St-Denis (974)", "Saint-Denis", "974"),
        ("Saint-Denis 93", "Saint-Denis", "93"),
        ("Ajaccio 2a", "Ajaccio", "2A"),
        ("le havre (76)", "Le Havre", "76"),
        ("Paris 15", "Paris 15e Arrondissement", "75"),  # a number that is part of a name
    ],
)
def test_accents_case_hyphens_and_codes_are_folded(gazetteer, typed, nom, departement) -> None:
    _, found = find_communes(gazetteer, typed, 10)
    assert (found[0].nom, found[0].departement) == (nom, departement)


def test_an_ambiguous_name_gives_several_communes_of_that_name(gazetteer) -> None:
    query, found = find_communes(gazetteer, "Saint-Denis", 10)
    exact = [c for c in found if is_named(c, query.nom)]
    assert len(exact) > 1 and {"93", "974"} <= {c.departement for c in exact}
    assert found[: len(exact)] == exact  # exact names first


def test_a_name_and_a_code_that_disagree_find_nothing(gazetteer) -> None:
    assert find_communes(gazetteer, "Roubaix 69000", 10)[1] == []


# --------------------------------------------------------------------------- a point's name


def test_a_search_point_is_named_by_its_commune_and_a_city_for_its_arrondissements(gazetteer):
    lyon = commune_near(gazetteer, 4.835659, 45.764043)  # Lyon 2e: named Lyon
    assert lyon is not None and (lyon.nom, lyon.code_insee) == ("Lyon", "69123")
    paris = commune_near(gazetteer, 2.38, 48.86)
    assert paris is not None and paris.code_insee == "75056"
    # a browser position rounded to about a kilometre (static/js/pres-de-moi.js)
    villeurbanne = commune_near(gazetteer, 4.88, 45.77)
    assert villeurbanne is not None and villeurbanne.nom == "Villeurbanne"
    reunion = commune_near(gazetteer, 55.45, -20.88)
    assert reunion is not None and reunion.departement == "974"


@pytest.mark.parametrize(
    ("lon", "lat", "code_insee"),
    [(-53.5, 2.6, "97353"), (-53.0, 3.0, "97356"), (-52.5, 3.5, "97301")],
)
def test_a_point_far_from_every_centre_is_named_by_the_commune_around_it(
    gazetteer, lon: float, lat: float, code_insee: str
):
    """Guyane's communes are wider than the limit: Maripasoula, Camopi, Régina."""
    nearest = gazetteer.nearest(lon, lat)
    assert distance_km(lon, lat, nearest.lon, nearest.lat) > POSITION_MAX_KM
    found = commune_near(gazetteer, lon, lat)
    assert found is not None and found.code_insee == code_insee
    assert shapely.contains_xy(gazetteer.boundary(code_insee), lon, lat)


def test_a_point_at_sea_has_no_commune(gazetteer):
    assert commune_near(gazetteer, -8.0, 46.0) is None  # Bay of Biscay
    assert commune_near(gazetteer, 0.0, 0.0) is None


def test_every_commune_s_own_centre_names_it(gazetteer):
    """A commune chosen in « près de moi » keeps its name after a reload (5 decimals)."""
    wrong = []
    for commune in gazetteer:
        if commune.type == "arrondissement_municipal":
            continue
        found = commune_near(gazetteer, round(commune.lon, 5), round(commune.lat, 5))
        same_place = found is not None and (
            distance_km(found.lon, found.lat, commune.lon, commune.lat) < 0.01
        )
        if found is None or (found.code_insee != commune.code_insee and not same_place):
            wrong.append(commune.code_insee)
    assert wrong == []


@given(st.floats(-7, 10), st.floats(40, 52))
def test_a_point_is_named_by_the_nearest_centre_within_the_limit(
    small_gazetteer, lon: float, lat: float
) -> None:
    """On a small gazetteer: the nearest centre (a city's arrondissements standing for it)."""
    city_of = small_gazetteer.city_of
    cities = {city_of(c) for c in small_gazetteer if city_of(c) is not c}
    centres = [c for c in small_gazetteer if c not in cities]
    nearest = min(centres, key=lambda c: distance_km(lon, lat, c.lon, c.lat))
    found = commune_near(small_gazetteer, lon, lat)
    if distance_km(lon, lat, nearest.lon, nearest.lat) > POSITION_MAX_KM:
        assert found is None
    else:
        assert found == city_of(nearest)
