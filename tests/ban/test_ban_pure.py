"""Pure parts of the BAN client: the quality gate, commune agreement, parsing, waits."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.address import (
    ARRONDISSEMENTS,
    PRECISION_BY_RESULT_TYPE,
    AddressMatch,
    AddressQuery,
    same_commune,
)
from geo.ban.cache import cache_key
from geo.ban.gate import judge
from geo.ban.reasons import (
    REASON_MUNICIPALITY,
    REASON_NOT_FOUND,
    REASON_UNCHECKABLE,
    reason_category,
)
from geo.ban.resilience import backoff_delay, parse_retry_after
from geo.ban.wire import (
    ROW_COLUMN,
    InvalidAnswer,
    build_csv_upload,
    lookup_for,
    parse_csv_answer,
    parse_search_json,
)

ALL_ARRONDISSEMENTS = sorted(code for codes in ARRONDISSEMENTS.values() for code in codes)
insee_codes = st.one_of(
    st.sampled_from(["75056", "69123", "13055", "35238", "2A004", "97411", "59350"]),
    st.sampled_from(ALL_ARRONDISSEMENTS),
    st.from_regex(r"\A[0-9]{5}\Z"),
)
result_types = st.sampled_from(["housenumber", "street", "locality", "municipality", "poi"])


def query(code_insee: str = "35238", code_postal: str | None = "35000", commune: str = "Rennes"):
    return AddressQuery("k", "12 rue de Saint-Malo", code_postal, commune, code_insee)


def match(
    citycode: str | None = "35238",
    score: float = 0.9,
    type: str = "housenumber",
    postcode: str | None = "35000",
    label: str = "12 Rue de Saint-Malo 35000 Rennes",
) -> AddressMatch:
    return AddressMatch(-1.68, 48.11, score, type, label, citycode, postcode)


# --- commune agreement -----------------------------------------------------------------


@given(insee_codes, insee_codes)
def test_same_commune_is_symmetric(a: str, b: str) -> None:
    assert same_commune(a, b) == same_commune(b, a)


@given(insee_codes)
def test_same_commune_is_reflexive(code: str) -> None:
    assert same_commune(code, code)


@pytest.mark.parametrize(("commune", "arrondissements"), sorted(ARRONDISSEMENTS.items()))
def test_a_commune_agrees_with_each_of_its_arrondissements(
    commune: str, arrondissements: frozenset[str]
) -> None:
    assert all(same_commune(commune, code) for code in arrondissements)
    assert all(same_commune(code, commune) for code in arrondissements)


def test_arrondissement_codes_are_the_known_ones() -> None:
    assert len(ARRONDISSEMENTS["75056"]) == 20 and "75120" in ARRONDISSEMENTS["75056"]
    assert len(ARRONDISSEMENTS["69123"]) == 9 and "69389" in ARRONDISSEMENTS["69123"]
    assert len(ARRONDISSEMENTS["13055"]) == 16 and "13216" in ARRONDISSEMENTS["13055"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("75111", "75112"),
        ("69381", "13201"),
        ("75056", "69123"),
        ("75111", "69381"),
        ("69123", "13201"),
        ("35238", "35047"),
    ],
)
def test_different_places_do_not_agree(a: str, b: str) -> None:
    assert not same_commune(a, b)


# --- the quality gate ------------------------------------------------------------------


@given(
    code=insee_codes,
    citycode=st.one_of(st.none(), insee_codes),
    score=st.floats(0, 1),
    min_score=st.floats(0, 1),
    type=result_types,
)
def test_an_accepted_answer_agrees_scores_and_is_precise(
    code: str, citycode: str | None, score: float, min_score: float, type: str
) -> None:
    outcome = judge(query(code_insee=code), match(citycode, score, type), min_score)
    assert (outcome.match is None) == (outcome.reason is not None)
    if outcome.match is not None:
        assert outcome.match.score >= min_score
        assert outcome.match.type in PRECISION_BY_RESULT_TYPE
        if citycode is not None:
            assert same_commune(code, citycode)
    elif citycode is not None and same_commune(code, citycode) and score >= min_score:
        assert type in {"municipality", "poi"}


@given(score=st.floats(0, 1), min_score=st.floats(0, 1))
def test_the_score_threshold_is_inclusive(score: float, min_score: float) -> None:
    outcome = judge(query(), match(score=score), min_score)
    assert (outcome.match is not None) == (score >= min_score)


def test_low_score_reason_gives_both_numbers() -> None:
    assert judge(query(), match(score=0.32), 0.5).reason == "score insuffisant (0.32 < 0.50)"


def test_other_commune_reason_gives_both_codes() -> None:
    outcome = judge(query(code_insee="69123"), match(citycode="13201"), 0.5)
    assert outcome.reason == "commune différente (69123 ≠ 13201)"


@pytest.mark.parametrize(
    ("row", "answer"),
    [("75056", "75111"), ("75111", "75056"), ("69123", "69381"), ("13055", "13216")],
)
def test_plm_commune_and_arrondissement_answers_are_accepted(row: str, answer: str) -> None:
    assert judge(query(code_insee=row), match(citycode=answer), 0.5).match is not None


def test_no_result_is_address_not_found() -> None:
    assert judge(query(), None, 0.5).reason == REASON_NOT_FOUND


def test_municipality_results_keep_the_gazetteer() -> None:
    assert judge(query(), match(type="municipality"), 0.5).reason == REASON_MUNICIPALITY


@pytest.mark.parametrize("type", ["housenumber", "street", "locality", "municipality", "poi"])
def test_the_gate_passes_exactly_the_types_that_improve_on_the_commune(type: str) -> None:
    outcome = judge(query(), match(type=type), 0.5)
    assert (outcome.match is not None) == (type in PRECISION_BY_RESULT_TYPE)


def test_without_citycode_postcode_and_name_must_agree() -> None:
    assert judge(query(), match(citycode=None), 0.5).match is not None
    paris = query("75056", "75011", "Paris 11e Arrondissement")
    assert judge(paris, match(None, postcode="75011", label="1 Rue X 75011 Paris"), 0.5).match
    wrong_name = match(citycode=None, label="12 Rue de Saint-Malo 35000 Rennes-le-Château")
    assert judge(query(), wrong_name, 0.5).reason == REASON_UNCHECKABLE
    wrong_postcode = match(citycode=None, postcode="35200")
    assert judge(query(), wrong_postcode, 0.5).reason == REASON_UNCHECKABLE
    assert judge(query(code_postal=None), match(citycode=None), 0.5).reason == REASON_UNCHECKABLE


def test_reason_category_drops_the_details() -> None:
    assert reason_category("commune différente (69123 ≠ 69381)") == "commune différente"
    assert reason_category("adresse introuvable") == "adresse introuvable"


# --- lookups ---------------------------------------------------------------------------


def test_lookup_filters_by_insee_code_except_for_plm_communes_as_a_whole() -> None:
    assert lookup_for(query()).filters == {"citycode": "35238"}
    paris = AddressQuery("k", "12 rue Oberkampf", "75011", "Paris", "75056")
    assert lookup_for(paris).filters == {"postcode": "75011"}
    arrondissement = AddressQuery(
        "k", "12 rue Oberkampf", "75011", "Paris 11e Arrondissement", "75111"
    )
    assert lookup_for(arrondissement).filters == {"citycode": "75111"}
    assert lookup_for(arrondissement).text == "12 rue Oberkampf 75011 Paris"
    assert lookup_for(query(), result_type="housenumber").filters["type"] == "housenumber"


@given(st.text(min_size=1, max_size=400), st.text(max_size=80))
def test_lookup_text_never_exceeds_addok_query_limit(adresse: str, commune: str) -> None:
    lookup = lookup_for(AddressQuery("k", adresse, "35000", commune or "Rennes", "35238"))
    assert len(lookup.text) <= 200


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_cache_key_ignores_case_accents_and_punctuation(word: str) -> None:
    filters = {"citycode": "35238"}
    assert (
        cache_key(f"12 Rue {word}", filters, "http://h/")
        == cache_key(f"12, rue  {word.upper()}", filters, "http://h")
        or word.upper().lower() != word.lower()
    )


def test_cache_key_separates_filters_and_servers() -> None:
    a = cache_key("12 rue X", {"citycode": "35238"}, "http://a")
    assert a != cache_key("12 rue X", {"citycode": "35047"}, "http://a")
    assert a != cache_key("12 rue X", {"citycode": "35238"}, "http://b")
    assert cache_key("Élysée", {}, "http://a") == cache_key("ELYSEE", {}, "http://a")


# --- parsing ---------------------------------------------------------------------------

answers = st.one_of(
    st.none(),
    st.builds(
        AddressMatch,
        lon=st.floats(-180, 180).map(lambda v: round(v, 6)),
        lat=st.floats(-90, 90).map(lambda v: round(v, 6)),
        score=st.floats(0, 1).map(lambda v: round(v, 2)),
        type=result_types,
        label=st.text(
            st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
        ).map(str.strip),
        citycode=insee_codes,
        postcode=st.from_regex(r"\A[0-9]{5}\Z"),
    ),
)


def addok_csv_answer(results: list[AddressMatch | None]) -> bytes:
    """An answer shaped like addok-csv's (BOM, input columns echoed, result columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            ROW_COLUMN,
            "adresse",
            "latitude",
            "longitude",
            "result_label",
            "result_score",
            "result_type",
            "result_postcode",
            "result_citycode",
        ]
    )
    for number, result in enumerate(results):
        if result is None:
            writer.writerow([number, "x", "", "", "", "", "", "", ""])
        else:
            writer.writerow(
                [
                    number,
                    "x",
                    result.lat,
                    result.lon,
                    result.label,
                    result.score,
                    result.type,
                    result.postcode,
                    result.citycode,
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@given(st.lists(answers, max_size=8))
def test_csv_answers_round_trip(results: list[AddressMatch | None]) -> None:
    parsed = parse_csv_answer(addok_csv_answer(results), len(results))
    assert parsed == [
        None
        if r is None
        else AddressMatch(r.lon, r.lat, r.score, r.type, r.label.strip(), r.citycode, r.postcode)
        for r in results
    ]


@given(st.lists(answers, min_size=1, max_size=6), st.data())
def test_a_truncated_csv_never_gives_a_wrong_answer(results, data) -> None:
    body = addok_csv_answer(results)
    cut = data.draw(st.integers(0, len(body) - 1))
    try:
        parsed = parse_csv_answer(body[:cut], len(results))
    except InvalidAnswer:
        return
    for original, got in zip(results, parsed, strict=True):
        if isinstance(got, InvalidAnswer):
            continue
        if original is None:
            assert got is None
        else:
            assert got == AddressMatch(
                original.lon,
                original.lat,
                original.score,
                original.type,
                original.label.strip(),
                original.citycode,
                original.postcode,
            )


def test_csv_answer_with_the_upload_echoed_parses_by_row_number() -> None:
    upload = build_csv_upload([lookup_for(query()), lookup_for(query(commune="Rennes Cedex"))])
    text = upload.decode().replace('"', "")
    lines = text.split("\r\n")
    header = lines[0] + ",latitude,longitude,result_label,result_score,result_type"
    rows = [lines[2] + ",48.1,-1.6,Rue X 35000 Rennes,0.81,street", lines[1] + ",,,,,"]
    parsed = parse_csv_answer("\r\n".join([header, *rows, ""]).encode(), 2)
    assert parsed[0] is None
    assert isinstance(parsed[1], AddressMatch) and parsed[1].score == 0.81


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"id,latitude\r\n1,2\r\n",
        f"{ROW_COLUMN},latitude,longitude\r\n0,1,2\r\n".encode(),
    ],
)
def test_unusable_csv_answers_raise_invalid_answer(body: bytes) -> None:
    with pytest.raises(InvalidAnswer):
        parse_csv_answer(body, 1)


def test_search_json_takes_the_first_feature_lon_lat_in_order() -> None:
    body = (
        b'{"features": [{"geometry": {"coordinates": [2.5, 48.75]}, "properties": '
        b'{"score": 0.8, "type": "street", "label": "Rue X", "citycode": "94028"}}]}'
    )
    found = parse_search_json(body)
    assert found is not None and (found.lon, found.lat) == (2.5, 48.75)
    assert found.postcode is None
    assert parse_search_json(b'{"features": []}') is None


# --- waits -----------------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


@given(st.integers(0, 10**6))
def test_retry_after_seconds(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == seconds


@given(st.integers(-(10**5), 10**6))
def test_retry_after_http_date_is_the_time_left(seconds: int) -> None:
    header = format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after(header, NOW) == max(seconds, 0)


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5e3"])
def test_unreadable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


@given(st.integers(0, 20), st.floats(0.01, 5), st.floats(1, 120), st.floats(0, 0.999999))
def test_backoff_is_exponential_capped_and_jittered_in_the_upper_half(
    attempt: int, base: float, cap: float, jitter: float
) -> None:
    capped = min(cap, base * 2**attempt)
    delay = backoff_delay(attempt, base, cap, jitter)
    assert capped / 2 <= delay <= capped
    assert math.isclose(backoff_delay(attempt, base, cap, 0.0), capped / 2)
