"""The SQLite answer cache: persistence, misses, corrupt files, and a build asking nothing twice."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import httpx
import pytest

from geo.address import AddressOutcome, AddressQuery
from geo.ban import BanCache, BanConfig, BanGeocoder

HIT = {
    "lon": 2.37,
    "lat": 48.86,
    "score": 0.95,
    "type": "housenumber",
    "label": "12 Rue Oberkampf 75011 Paris",
    "citycode": "75111",
    "postcode": "75011",
}


def test_hits_and_misses_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ban.sqlite3"
    cache = BanCache(path)
    cache.put_many({"a": HIT, "b": None})
    cache.close()
    reopened = BanCache(path)
    assert reopened.get_many(["a", "b", "c"]) == {"a": HIT, "b": None}
    assert len(reopened) == 2


def test_missing_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "ban.sqlite3"
    cache = BanCache(path)
    cache.put_many({"a": HIT})
    assert path.exists() and cache.get_many(["a"]) == {"a": HIT}


def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "ban.sqlite3"
    BanCache(path).put_many({"a": HIT})
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_corrupt_file_is_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ban.sqlite3"
    path.write_bytes(b"this is not an SQLite database, just bytes " * 100)
    with caplog.at_level(logging.WARNING, logger="geo.ban.cache"):
        cache = BanCache(path)
    assert cache.available
    assert "rebuilding" in caplog.text
    cache.put_many({"a": HIT})
    assert cache.get_many(["a"]) == {"a": HIT}


def test_a_damaged_row_is_ignored_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "ban.sqlite3"
    BanCache(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO answers VALUES ('a', '{not json', 'x')")
    assert BanCache(path).get_many(["a"]) == {}


def test_many_keys_are_read_in_parts(tmp_path: Path) -> None:
    cache = BanCache(tmp_path / "ban.sqlite3")
    cache.put_many({f"k{i}": None for i in range(2500)})
    assert len(cache.get_many([f"k{i}" for i in range(3000)])) == 2500


def test_an_unusable_location_disables_the_cache_without_crashing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = BanCache(blocker / "ban.sqlite3")  # a folder below a file cannot exist
    assert not cache.available
    cache.put_many({"a": HIT})
    assert cache.get_many(["a"]) == {}


QUERIES = [
    AddressQuery("r1", "12 rue Oberkampf", "75011", "Paris 11e Arrondissement", "75111"),
    AddressQuery("r2", "99 rue Inconnue", "75011", "Paris 11e Arrondissement", "75111"),
    AddressQuery("r3", "12, Rue OBERKAMPF", "75011", "Paris 11e Arrondissement", "75111"),
]


def counting_server(calls: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["q"])
        if "Oberkampf" in request.url.params["q"] or "OBERKAMPF" in request.url.params["q"]:
            feature = {
                "geometry": {"coordinates": [2.37, 48.86]},
                "properties": {
                    "score": 0.95,
                    "type": "housenumber",
                    "label": "12 Rue",
                    "citycode": "75111",
                    "postcode": "75011",
                },
            }
            return httpx.Response(200, json={"features": [feature]})
        if "Erreur" in request.url.params["q"]:
            return httpx.Response(503)
        return httpx.Response(200, json={"features": []})

    return httpx.MockTransport(handler)


def geocode_with(
    cache: BanCache | None, calls: list[str], queries: list[AddressQuery], refresh: bool = False
) -> list[AddressOutcome]:
    async def main() -> list[AddressOutcome]:
        async with httpx.AsyncClient(transport=counting_server(calls)) as client:
            config = BanConfig(base_url="http://addok.test", mode="row", max_retries=0)
            geocoder = BanGeocoder(config, client=client, cache=cache, refresh_cache=refresh)
            return await geocoder.geocode(queries)

    return asyncio.run(main())


def test_second_build_asks_nothing_and_gives_the_same_outcomes(tmp_path: Path) -> None:
    calls: list[str] = []
    first = geocode_with(BanCache(tmp_path / "c.sqlite3"), calls, QUERIES)
    assert len(calls) == 2  # r1 and r3 fold to the same query
    second = geocode_with(BanCache(tmp_path / "c.sqlite3"), calls, QUERIES)
    assert len(calls) == 2
    assert second == first
    assert [o.reason for o in first] == [None, "adresse introuvable", None]


def test_transient_errors_are_not_cached(tmp_path: Path) -> None:
    calls: list[str] = []
    failing = [AddressQuery("r1", "1 rue Erreur", "75011", "Paris", "75111")]
    assert geocode_with(BanCache(tmp_path / "c.sqlite3"), calls, failing)[0].reason
    geocode_with(BanCache(tmp_path / "c.sqlite3"), calls, failing)
    assert len(calls) == 2


def test_refresh_asks_again_and_no_cache_stores_nothing(tmp_path: Path) -> None:
    calls: list[str] = []
    cache = BanCache(tmp_path / "c.sqlite3")
    geocode_with(cache, calls, QUERIES)
    geocode_with(cache, calls, QUERIES, refresh=True)
    assert len(calls) == 4
    geocode_with(None, calls, QUERIES)
    assert len(calls) == 6
