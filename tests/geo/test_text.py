"""Text folding: properties of fold and commune_key, and the names they must bring together."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from geo import text
from geo.text import commune_key, commune_key_of_folded, fold

ACCENTED = {
    "a": "àâä",
    "e": "éèêë",
    "i": "îï",
    "o": "ôö",
    "u": "ùûü",
    "c": "ç",
    "y": "ÿ",
}
plain_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
plain_names = st.lists(plain_words, min_size=1, max_size=4).map(" ".join)


def accented_variants(draw_choices: list[int], word: str) -> str:
    out = []
    for index, char in enumerate(word):
        variants = ACCENTED.get(char)
        choice = draw_choices[index % len(draw_choices)] if draw_choices else 0
        out.append(char if not variants or choice == 0 else variants[choice % len(variants)])
    return "".join(out)


@given(st.text())
def test_fold_is_idempotent(value):
    assert fold(fold(value)) == fold(value)


@given(st.text())
def test_fold_gives_lower_ascii_words_separated_by_single_spaces(value):
    folded = fold(value)
    assert folded == folded.strip()
    assert "  " not in folded
    assert all(ch.isdigit() or "a" <= ch <= "z" or ch == " " for ch in folded)


@given(plain_names, st.lists(st.integers(min_value=0, max_value=3), min_size=1))
def test_fold_ignores_accents_and_case(name, choices):
    accented = accented_variants(choices, name)
    assert fold(accented) == fold(name)
    assert fold(accented.upper()) == fold(name)
    assert fold(name.title()) == name


@given(plain_names, st.sampled_from(["-", "'", " ", "  ", " - ", "’", "_", "."]))
def test_fold_treats_punctuation_as_a_separator(name, separator):
    assert fold(name.replace(" ", separator)) == fold(name)


@given(st.text())
def test_commune_key_is_idempotent_and_has_no_spaces(value):
    key = commune_key(value)
    assert " " not in key
    assert commune_key(key) == key


@given(st.text())
def test_commune_key_of_folded_agrees_with_commune_key(value):
    assert commune_key_of_folded(fold(value)) == commune_key(value)


@given(plain_names, st.sampled_from(["St", "ST", "st.", "Saint", "SAINT"]))
def test_st_and_saint_are_the_same(name, prefix):
    assert commune_key(f"{prefix} {name}") == commune_key(f"Saint-{name}")
    assert commune_key(f"Ste-{name}") == commune_key(f"Sainte {name}")


@given(plain_names, st.sampled_from(["Le", "La", "Les", "L'", "l’", "LES"]))
def test_a_leading_article_does_not_count(name, article):
    assume(name.split()[0] not in ("le", "la", "les", "l"))  # only one article is dropped
    assert commune_key(f"{article} {name}") == commune_key(name)


@given(plain_names, st.sampled_from(["CEDEX", "Cedex 7", "cedex 14", "CEDEX07"]))
def test_cedex_does_not_count(name, cedex):
    assert commune_key(f"{name} {cedex}") == commune_key(name)


@given(plain_names, st.lists(st.integers(min_value=0, max_value=3), min_size=1))
def test_commune_key_ignores_accents_case_and_hyphens(name, choices):
    assert commune_key(accented_variants(choices, name).upper().replace(" ", "-")) == commune_key(
        name
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Saint-Étienne-du-Rouvray", "ST ETIENNE DU ROUVRAY"),
        ("L'Haÿ-les-Roses", "L HAY LES ROSES"),
        ("Œuilly", "oeuilly"),
        ("Les Abymes", "Abymes"),
        ("Saint-Denis Cedex 9", "St Denis"),
        ("Sainte-Marie", "Ste Marie"),
    ],
)
def test_known_spellings_share_a_key(a, b):
    assert commune_key(a) == commune_key(b)


def test_different_communes_keep_different_keys():
    assert commune_key("Saint-Denis") != commune_key("Saint-Denis-de-Pile")
    assert commune_key("Lens") != commune_key("Sens")


def test_every_combining_mark_is_below_the_scanned_range():
    last = max(c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c)))
    assert last <= text._LAST_COMBINING_SCAN


def reference_fold(value: str) -> str:
    """fold without its translation-table shortcut: NFKD, marks dropped, punctuation spaced."""
    return text._NON_ALNUM.sub(" ", text._strip_marks(value).lower()).strip()


@given(st.text())
def test_fold_shortcut_agrees_with_the_reference(value):
    assert fold(value) == reference_fold(value)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF)))
def test_fold_shortcut_agrees_with_the_reference_on_latin_text(value):
    assert fold(value) == reference_fold(value)


def test_fold_shortcut_agrees_on_every_character_it_translates():
    for code in text._ASCII:
        for value in (chr(code), f"a{chr(code)}B", f"{chr(code)}É ß"):
            assert fold(value) == reference_fold(value), hex(code)


@pytest.mark.parametrize("value", ["s t", "S-TE", "c edex 9", "la s ts"])
def test_a_key_that_reads_as_an_abbreviation_or_cedex_is_still_its_own_key(value):
    """Found by hypothesis: joined words may spell what the rules rewrite."""
    assert commune_key(commune_key(value)) == commune_key(value)
