"""The BAN client against a real addok server (Redis + gunicorn, French plugins) on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from geo.address import PRECISION_BY_RESULT_TYPE, AddressOutcome, AddressQuery
from geo.ban import BanCache, BanConfig, BanGeocoder
from geo.ban.reasons import REASON_UNREACHABLE
from geo.schema import Precision

pytestmark = pytest.mark.addok


class CountingTransport(httpx.AsyncBaseTransport):
    """The real transport, counting requests and calling ``after(n)`` after each answer."""

    def __init__(self, after: Callable[[int], None] | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.attempts = 0  # requests tried
        self.count = 0  # requests answered
        self.after = after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        response = await self.inner.handle_async_request(request)
        self.count += 1
        if self.after is not None:
            body = await response.aread()  # read it all before anything stops the server
            await asyncio.to_thread(self.after, self.count)
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def geocode(
    url: str,
    queries: list[AddressQuery],
    transport: CountingTransport | None = None,
    cache: BanCache | None = None,
    **config: Any,
) -> tuple[list[AddressOutcome], BanGeocoder]:
    settings = {"base_url": url, "rate_limit_per_s": 1000.0, **config}

    async def main() -> tuple[list[AddressOutcome], BanGeocoder]:
        async with httpx.AsyncClient(transport=transport or CountingTransport()) as client:
            geocoder = BanGeocoder(BanConfig(**settings), client=client, cache=cache)
            return await geocoder.geocode(queries), geocoder

    return asyncio.run(main())


def logged_requests(server: Any, expected: int, settle_s: float = 0.3) -> list[str]:
    """Access-log lines since the last reset, once ``expected`` are there (bounded wait)."""
    deadline = time.monotonic() + 60  # generous for a busy machine: the wait ends on the count
    lines = server.requests_logged()
    while len(lines) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        lines = server.requests_logged()
    time.sleep(settle_s)  # and nothing more arrives
    return server.requests_logged()


def housenumber_position(documents: list[dict], citycode: str, street: str, number: str):
    for document in documents:
        if document.get("citycode") == citycode and document.get("name") == street:
            point = document["housenumbers"][number]
            return point["lon"], point["lat"]
    raise AssertionError(f"{number} {street} not in the test base")


KNOWN = [
    AddressQuery("oberkampf", "12 rue Oberkampf", "75011", "Paris 11e Arrondissement", "75111"),
    AddressQuery("paris-entier", "12 rue Oberkampf", "75011", "Paris", "75056"),
    AddressQuery("lyon", "7 rue de la Republique", "69001", "Lyon 1er Arrondissement", "69381"),
    AddressQuery("marseille", "5 la canebiere", "13001", "Marseille", "13055"),
    AddressQuery("reunion", "3, rue de Paris", "97400", "Saint-Denis", "97411"),
    AddressQuery("rennes", "14 r. de St-Malo", "35000", "Rennes", "35238"),
]
STREET = AddressQuery("lille", "Rue Nationale", "59000", "Lille", "59350")
UNKNOWN = AddressQuery("inconnue", "1 impasse des Zébus", "35000", "Rennes", "35238")
ELSEWHERE = AddressQuery("ailleurs", "12 rue Oberkampf", None, "Lyon", "69123")


@pytest.mark.parametrize("mode", ["batch", "row"])
def test_known_addresses_are_placed_at_the_door(addok, addok_documents, mode: str) -> None:
    outcomes, _ = geocode(addok.url, KNOWN, mode=mode)
    for outcome in outcomes:
        assert outcome.reason is None, outcome
        assert outcome.match is not None
        assert PRECISION_BY_RESULT_TYPE[outcome.match.type] is Precision.ADRESSE
    by_key = {outcome.key: outcome.match for outcome in outcomes}
    oberkampf = by_key["oberkampf"]
    assert oberkampf is not None
    expected = housenumber_position(addok_documents, "75111", "Rue Oberkampf", "12")
    assert (oberkampf.lon, oberkampf.lat) == pytest.approx(expected, abs=1e-6)
    assert oberkampf.label == "12 Rue Oberkampf 75011 Paris"
    assert by_key["paris-entier"] is not None and by_key["paris-entier"].citycode == "75111"
    assert by_key["marseille"] is not None and by_key["marseille"].citycode == "13201"


@pytest.mark.parametrize("mode", ["batch", "row"])
def test_street_without_number_is_placed_at_the_street(addok, mode: str) -> None:
    [outcome], _ = geocode(addok.url, [STREET], mode=mode)
    assert outcome.match is not None
    assert PRECISION_BY_RESULT_TYPE[outcome.match.type] is Precision.RUE


@pytest.mark.parametrize("mode", ["batch", "row"])
def test_unknown_address_and_other_commune_fall_back_with_a_reason(addok, mode: str) -> None:
    outcomes, _ = geocode(addok.url, [UNKNOWN, ELSEWHERE], mode=mode)
    unknown, elsewhere = outcomes
    assert unknown.match is None
    assert unknown.reason is not None
    assert unknown.reason.startswith(("score insuffisant (0.", "adresse introuvable"))
    assert elsewhere.match is None
    assert elsewhere.reason == "commune différente (69123 ≠ 75111)"


def test_batch_and_row_modes_give_the_same_answers(addok) -> None:
    queries = [*KNOWN, STREET, UNKNOWN, ELSEWHERE]
    batch, _ = geocode(addok.url, queries, mode="batch")
    rows, _ = geocode(addok.url, queries, mode="row")
    for a, b in zip(batch, rows, strict=True):
        assert a.reason == b.reason
        if a.match is not None and b.match is not None:
            assert (a.match.label, a.match.type, a.match.citycode) == (
                b.match.label,
                b.match.type,
                b.match.citycode,
            )
            assert a.match.score == pytest.approx(b.match.score, abs=0.006)  # CSV rounds


def many_queries(count: int) -> list[AddressQuery]:
    return [
        AddressQuery(f"q{n}", f"{n} rue Oberkampf", "75011", "Paris 11e Arrondissement", "75111")
        for n in range(1, count + 1)
    ]


def test_batch_makes_one_request_per_chunk(addok) -> None:
    queries = many_queries(40)
    transport = CountingTransport()
    addok.reset_access_log()
    outcomes, geocoder = geocode(addok.url, queries, transport, batch_size=15, concurrency=2)
    lines = logged_requests(addok, expected=3)
    assert len(lines) == 3 and all('"POST /search/csv/ HTTP/1.1" 200' in line for line in lines)
    assert transport.count == 3 == geocoder.stats.requests
    assert all(outcome.reason is None for outcome in outcomes)


def test_row_mode_makes_one_request_per_distinct_query(addok) -> None:
    queries = [*many_queries(12), *many_queries(12)]
    addok.reset_access_log()
    outcomes, geocoder = geocode(addok.url, queries, mode="row")
    assert geocoder.stats.row_requests == 12
    lines = logged_requests(addok, expected=12)
    assert len(lines) == 12 and all('"GET /search/?q=' in line for line in lines)
    assert len(outcomes) == 24


def test_second_run_with_the_cache_asks_the_server_nothing(addok, tmp_path: Path) -> None:
    queries = [*KNOWN, STREET, UNKNOWN, ELSEWHERE]
    addok.reset_access_log()
    first, _ = geocode(addok.url, queries, cache=BanCache(tmp_path / "ban.sqlite3"))
    assert len(logged_requests(addok, expected=1)) == 1
    addok.reset_access_log()
    transport = CountingTransport()
    second, geocoder = geocode(
        addok.url, queries, transport, cache=BanCache(tmp_path / "ban.sqlite3")
    )
    assert logged_requests(addok, expected=0) == []
    assert transport.count == 0 and geocoder.stats.cache_hits == len(queries)
    assert second == first


def test_a_server_stopped_mid_run_leaves_every_row_with_an_outcome(fresh_addok) -> None:
    def stop_after_first(count: int) -> None:
        if count == 1:
            fresh_addok.stop_http()

    queries = many_queries(20)
    transport = CountingTransport(after=stop_after_first)
    started = time.monotonic()
    outcomes, geocoder = geocode(
        fresh_addok.url,
        queries,
        transport,
        batch_size=5,
        concurrency=1,
        max_retries=2,
        backoff_base_s=0.05,
        breaker_threshold=2,
    )
    assert time.monotonic() - started < 120  # bounded: no unbounded wait on a dead server
    assert [o.key for o in outcomes] == [q.key for q in queries]
    placed = [o for o in outcomes if o.match is not None]
    assert [o.key for o in placed] == [f"q{n}" for n in range(1, 6)]
    assert {o.reason for o in outcomes[5:]} == {REASON_UNREACHABLE}
    assert geocoder.stats.breaker_open
    # chunk 1 answered; chunks 2 and 3 tried 3 times each; chunk 4 not tried at all
    assert transport.count == 1
    assert transport.attempts == 1 + 3 + 3


def test_a_csv_endpoint_broken_by_the_addok_csv_filter_bug_falls_back_to_rows(
    unfixed_addok,
) -> None:
    queries = many_queries(6)
    unfixed_addok.reset_access_log()
    outcomes, geocoder = geocode(
        unfixed_addok.url,
        queries,
        batch_size=3,
        concurrency=1,
        max_retries=1,
        backoff_base_s=0.01,
    )
    assert all(outcome.reason is None for outcome in outcomes)
    assert geocoder.stats.fell_back_to_rows and not geocoder.stats.breaker_open
    lines = logged_requests(unfixed_addok, expected=2 + 6)
    assert sum('"POST /search/csv/ HTTP/1.1" 500' in line for line in lines) == 2  # one retry
    assert sum('"GET /search/?q=' in line for line in lines) == 6
    assert "unhashable type: 'list'" in (unfixed_addok.workdir / "gunicorn.log").read_text()
