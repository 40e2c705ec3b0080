"""The shortcut for a commune's official name and postcode answers what the full chain would.

When ``official_in_postcode`` answers a commune, ``match_name`` answers that commune alone at
score 1.0, the postcode is one of its own and the name names no commune déléguée: the full
chain would place the row at that commune's town hall with no warning, as the shortcut does.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.gazetteer.loading import DEFAULT_PATH, contents_of, read_file
from geo.geocode import OfflineGeocoder
from geo.importer import ImportedRow
from geo.schema import Precision, TypeStructure
from geo.text import fold


def _full_chain_agrees(gazetteer, geocoder: OfflineGeocoder, nom: str, code_postal: str) -> bool:
    """Whether the shortcut's answer (if any) is what the full chain makes of the text."""
    official = gazetteer.official_in_postcode(nom, code_postal)
    if official is None:
        return True
    found = geocoder.match_name(nom, code_postal)
    return (
        found.commune is official
        and found.score == 1.0
        and code_postal in official.codes_postaux
        and gazetteer.locality(official, nom=nom) is None
    )


def test_every_official_name_and_postcode_of_the_gazetteer(gazetteer):
    geocoder = OfflineGeocoder(gazetteer)
    answered = asked = 0
    for commune in gazetteer:
        for code_postal in commune.codes_postaux:
            for nom in (commune.nom, fold(commune.nom).upper()):
                asked += 1
                answered += gazetteer.official_in_postcode(nom, code_postal) is not None
                assert _full_chain_agrees(gazetteer, geocoder, nom, code_postal), (
                    nom,
                    code_postal,
                )
    assert answered > 0.9 * asked  # the commonest row does take the shortcut


def test_every_other_name_of_a_commune_with_its_postcodes(gazetteer):
    """Routing labels and communes déléguées/associées: names the chain warns about or moves."""
    contents = contents_of(read_file(DEFAULT_PATH)[0])
    names = [*contents.aliases, *((place.nom, place.commune) for place in contents.localities)]
    geocoder = OfflineGeocoder(gazetteer)
    for nom, code in names:
        commune = gazetteer.by_insee(code)
        for code_postal in commune.codes_postaux if commune is not None else ():
            assert _full_chain_agrees(gazetteer, geocoder, nom, code_postal), (nom, code_postal)


def test_no_shortcut_where_the_chain_must_choose(gazetteer):
    assert gazetteer.official_in_postcode("Paris", "75011") is None  # an arrondissement
    assert gazetteer.official_in_postcode("Lyon", "69003") is None
    assert gazetteer.official_in_postcode("Annecy", "7400") is None  # not five digits
    assert gazetteer.official_in_postcode("Cran-Gevrier", "74960") is None  # a déléguée
    assert gazetteer.official_in_postcode("Anecy", "74000") is None  # a typo
    assert gazetteer.official_in_postcode("Annecy", "75011") is None  # another postcode's


@settings(max_examples=300)
@given(data=st.data())
def test_any_name_and_postcode_of_the_small_gazetteer(small_gazetteer, data):
    communes = list(small_gazetteer)
    postcodes = sorted({code for commune in communes for code in commune.codes_postaux})
    nom = data.draw(
        st.sampled_from([c.nom for c in communes]).map(
            lambda name: data.draw(st.sampled_from([name, name.upper(), fold(name), name[1:]]))
        )
        | st.text(max_size=12)
    )
    code_postal = data.draw(st.sampled_from(postcodes) | st.text("0123456789 ", max_size=6))
    assert _full_chain_agrees(small_gazetteer, OfflineGeocoder(small_gazetteer), nom, code_postal)


def test_the_shortcut_places_the_row_as_the_chain_does(gazetteer):
    row = ImportedRow(
        2, "A", "Titre", None, TypeStructure.AUTRE, code_postal="74000", commune="ANNECY"
    )
    outcome = OfflineGeocoder(gazetteer).locate(row)
    assert outcome.issues == ()
    assert outcome.placement is not None
    assert (outcome.placement.commune.code_insee, outcome.placement.libelle) == ("74010", "Annecy")
    assert (outcome.placement.precision, outcome.placement.score) == (Precision.COMMUNE, 1.0)
