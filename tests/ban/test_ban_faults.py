"""Faults a real addok cannot be made to produce, injected with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import csv
import io
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from geo.address import AddressOutcome, AddressQuery
from geo.ban import BanConfig, BanGeocoder
from geo.ban.reasons import REASON_INVALID, REASON_TOO_MANY, REASON_UNREACHABLE
from geo.ban.resilience import RateLimiter
from geo.ban.wire import ROW_COLUMN

BASE = "http://addok.test"
NOW = datetime(2026, 11, 29, 6, 0, 0, tzinfo=UTC)

QUERIES = [
    AddressQuery("r1", "12 rue Oberkampf", "75011", "Paris 11e Arrondissement", "75111"),
    AddressQuery("r2", "3 rue de la République", "69001", "Lyon 1er Arrondissement", "69381"),
    AddressQuery("r3", "5 la Canebière", "13001", "Marseille", "13055"),
]
HOUSENUMBER = "housenumber"
ANSWERS = {  # adresse → (lon, lat, type, label, citycode, postcode)
    "12 rue Oberkampf": (
        2.37,
        48.86,
        HOUSENUMBER,
        "12 Rue Oberkampf 75011 Paris",
        "75111",
        "75011",
    ),
    "3 rue de la République": (
        4.83,
        45.76,
        HOUSENUMBER,
        "3 Rue de la République 69001 Lyon",
        "69381",
        "69001",
    ),
    "5 la Canebière": (
        5.38,
        43.30,
        HOUSENUMBER,
        "5 La Canebière 13001 Marseille",
        "13201",
        "13001",
    ),
}
CSV_RESULT_COLUMNS = [
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_score_next",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_postcode",
    "result_city",
    "result_citycode",
]


def uploaded_rows(request: httpx.Request) -> list[dict[str, str]]:
    """The CSV rows of a /search/csv/ multipart upload."""
    body = request.content.decode()
    start = body.index(f'"{ROW_COLUMN}"')
    end = body.index("\r\n--", start)
    return list(csv.DictReader(io.StringIO(body[start:end])))


def csv_answer(rows: list[dict[str, str]], score: str = "0.95") -> str:
    """What addok-csv answers for uploaded rows (known addresses found, others empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0].keys(), *CSV_RESULT_COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        found = ANSWERS.get(row["adresse"])
        if found:
            lon, lat, kind, label, citycode, postcode = found
            row = {
                **row,
                "latitude": lat,
                "longitude": lon,
                "result_label": label,
                "result_score": score,
                "result_type": kind,
                "result_citycode": citycode,
                "result_postcode": postcode,
            }
        writer.writerow(row)
    return out.getvalue()


def json_answer(q: str) -> dict:
    """What /search/ answers for a query (known addresses found)."""
    for adresse, (lon, lat, kind, label, citycode, postcode) in ANSWERS.items():
        if q.startswith(adresse):
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "label": label,
                    "score": 0.93,
                    "type": kind,
                    "citycode": citycode,
                    "postcode": postcode,
                },
            }
            return {"type": "FeatureCollection", "features": [feature]}
    return {"type": "FeatureCollection", "features": []}


def healthy(request: httpx.Request) -> httpx.Response:
    """A well-behaved addok with the CSV plugin."""
    if request.url.path == "/search/csv/":
        return httpx.Response(
            200,
            text=csv_answer(uploaded_rows(request)),
            headers={"content-type": "text/csv; charset=utf-8"},
        )
    return httpx.Response(200, json=json_answer(request.url.params["q"]))


class Recorder:
    """Wraps a handler, counting calls per path and recording the fake sleeps."""

    def __init__(self, handler: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.handler = handler
        self.calls: list[str] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        return self.handler(request, len(self.calls))

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


def run(
    handler: Callable[[httpx.Request, int], httpx.Response],
    queries: list[AddressQuery] = QUERIES,
    **config: object,
) -> tuple[list[AddressOutcome], BanGeocoder, Recorder]:
    recorder = Recorder(handler)
    # No rate limit here: the sleeps recorded are the retry waits only.
    settings = {
        "base_url": BASE,
        "backoff_base_s": 0.1,
        "max_retries": 3,
        "rate_limit_per_s": 1e9,
        **config,
    }

    async def main() -> tuple[list[AddressOutcome], BanGeocoder]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as client:
            geocoder = BanGeocoder(
                BanConfig(**settings),  # type: ignore[arg-type]
                client=client,
                sleep=recorder.sleep,
                jitter=lambda: 0.0,
                now=lambda: NOW,
            )
            return await geocoder.geocode(queries), geocoder

    outcomes, geocoder = asyncio.run(main())
    return outcomes, geocoder, recorder


def reasons(outcomes: list[AddressOutcome]) -> dict[str, str | None]:
    return {outcome.key: outcome.reason for outcome in outcomes}


def test_healthy_server_places_every_row_with_one_csv_request() -> None:
    outcomes, _, recorder = run(lambda request, n: healthy(request))
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}
    assert recorder.calls == ["POST /search/csv/"]
    assert outcomes[0].match is not None and outcomes[0].match.citycode == "75111"


def test_5xx_is_retried_with_exponential_backoff_then_succeeds() -> None:
    def flaky(request: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(503) if n <= 2 else healthy(request)

    outcomes, geocoder, recorder = run(flaky)
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}
    assert len(recorder.calls) == 3
    # jitter 0 gives the lower half of each capped delay: 0.1 * 2**n / 2
    assert recorder.sleeps == pytest.approx([0.05, 0.1])
    assert geocoder.stats.retries == 2


def test_jitter_spreads_the_wait_within_the_upper_half() -> None:
    recorder = Recorder(lambda request, n: httpx.Response(503) if n == 1 else healthy(request))

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as client:
            geocoder = BanGeocoder(
                BanConfig(base_url=BASE, backoff_base_s=1.0, rate_limit_per_s=1e9),
                client=client,
                sleep=recorder.sleep,
                jitter=lambda: 0.999,
            )
            await geocoder.geocode(QUERIES)

    asyncio.run(main())
    assert recorder.sleeps == pytest.approx([0.9995])


def test_429_honours_retry_after_in_seconds() -> None:
    def limited(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            return httpx.Response(429, headers={"Retry-After": "7"})
        return healthy(request)

    outcomes, _, recorder = run(limited)
    assert recorder.sleeps == [pytest.approx(7.0, abs=0.05)]
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}


def test_429_honours_retry_after_as_an_http_date() -> None:
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)

    def limited(request: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": when}) if n == 1 else healthy(request)

    _, _, recorder = run(limited)
    assert recorder.sleeps == [pytest.approx(12.0, abs=0.05)]


def test_retry_after_longer_than_allowed_gives_up_without_waiting() -> None:
    def limited(request: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"})

    outcomes, _, recorder = run(limited, max_retry_after_s=60)
    assert recorder.sleeps == []
    assert set(reasons(outcomes).values()) == {REASON_TOO_MANY}


def test_connection_errors_exhaust_retries_then_rows_are_unreachable() -> None:
    def down(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    outcomes, _, recorder = run(down, max_retries=2)
    assert len(recorder.calls) == 3
    assert set(reasons(outcomes).values()) == {REASON_UNREACHABLE}
    assert all(outcome.match is None for outcome in outcomes)


def test_timeouts_are_retried() -> None:
    def slow_once(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return healthy(request)

    outcomes, _, recorder = run(slow_once)
    assert len(recorder.calls) == 2
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}


def test_real_timeout_of_a_silent_server_is_an_unreachable_row() -> None:
    async def main() -> list[AddressOutcome]:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            config = BanConfig(
                base_url=f"http://127.0.0.1:{port}",
                timeout_s=0.2,
                max_retries=1,
                backoff_base_s=0.01,
                mode="row",
            )
            async with BanGeocoder(config) as geocoder:
                return await geocoder.geocode(QUERIES[:1])

    assert reasons(asyncio.run(main())) == {"r1": REASON_UNREACHABLE}


def test_breaker_stops_asking_a_dead_service() -> None:
    def down(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    queries = [
        AddressQuery(f"r{i}", f"{i} rue de la Paix", "35000", "Rennes", "35238")
        for i in range(1, 50)
    ]
    outcomes, geocoder, recorder = run(
        down, queries, mode="row", max_retries=1, breaker_threshold=3, concurrency=1
    )
    assert geocoder.stats.breaker_open
    assert len(recorder.calls) == 3 * 2  # three rows tried twice each, then no more requests
    assert len(outcomes) == 49
    assert set(reasons(outcomes).values()) == {REASON_UNREACHABLE}


@pytest.mark.parametrize("status", [404, 405, 501])
def test_missing_csv_endpoint_falls_back_to_rows(status: int) -> None:
    def no_csv(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.path == "/search/csv/":
            return httpx.Response(status)
        return healthy(request)

    outcomes, geocoder, recorder = run(no_csv)
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}
    assert recorder.calls[0] == "POST /search/csv/"
    assert sorted(recorder.calls[1:]) == ["GET /search/"] * 3
    assert geocoder.stats.fell_back_to_rows


def test_non_csv_answer_falls_back_to_rows_for_every_later_chunk() -> None:
    def html(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.path == "/search/csv/":
            return httpx.Response(
                200, text="<html>Bienvenue</html>", headers={"content-type": "text/html"}
            )
        return healthy(request)

    outcomes, _, recorder = run(html, batch_size=1, concurrency=1)
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}
    assert recorder.calls.count("POST /search/csv/") == 1
    assert recorder.calls.count("GET /search/") == 3


def test_csv_endpoint_failing_with_500_falls_back_to_rows() -> None:
    def broken_csv(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.path == "/search/csv/":
            return httpx.Response(500, text="TypeError: unhashable type: 'list'")
        return healthy(request)

    outcomes, geocoder, recorder = run(broken_csv, max_retries=1)
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": None}
    assert recorder.calls.count("POST /search/csv/") == 2
    assert geocoder.stats.fell_back_to_rows


def test_truncated_csv_keeps_complete_rows_and_marks_the_rest_invalid() -> None:
    def truncated(request: httpx.Request, n: int) -> httpx.Response:
        body = csv_answer(uploaded_rows(request))
        cut = body[: body.rindex("\r\n", 0, len(body) - 2) + 20]  # into the last row
        return httpx.Response(200, text=cut, headers={"content-type": "text/csv"})

    outcomes, _, _ = run(truncated)
    assert reasons(outcomes) == {"r1": None, "r2": None, "r3": REASON_INVALID}


def test_csv_without_the_result_columns_is_invalid_for_the_chunk_only() -> None:
    def wrong_columns(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            return httpx.Response(
                200, text=f"{ROW_COLUMN},lat,lng\r\n0,1,2\r\n", headers={"content-type": "text/csv"}
            )
        return healthy(request)

    outcomes, _, recorder = run(wrong_columns, batch_size=2, concurrency=1)
    assert reasons(outcomes) == {"r1": REASON_INVALID, "r2": REASON_INVALID, "r3": None}
    assert recorder.calls == ["POST /search/csv/"] * 2


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", "", "91.5"])
def test_bad_coordinates_in_a_csv_row_invalidate_that_row_only(bad: str) -> None:
    def bad_latitude(request: httpx.Request, n: int) -> httpx.Response:
        body = csv_answer(uploaded_rows(request)).replace("48.86", bad)
        return httpx.Response(200, text=body, headers={"content-type": "text/csv"})

    outcomes, _, _ = run(bad_latitude)
    assert reasons(outcomes) == {"r1": REASON_INVALID, "r2": None, "r3": None}


def test_invalid_json_invalidates_that_row_only() -> None:
    def garbled(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.params["q"].startswith("12 rue Oberkampf"):
            return httpx.Response(200, text='{"features": [{"geometry": ')
        return healthy(request)

    outcomes, _, _ = run(garbled, mode="row")
    assert reasons(outcomes) == {"r1": REASON_INVALID, "r2": None, "r3": None}


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"features": "none"},
        {"features": [{"geometry": {"coordinates": ["x", 48.0]}, "properties": {"score": 1}}]},
        {
            "features": [
                {
                    "geometry": {"coordinates": [2.0, 48.0]},
                    "properties": {"score": "NaN", "type": "street"},
                }
            ]
        },
        {"features": [{"geometry": None, "properties": {}}]},
    ],
)
def test_malformed_json_shapes_are_invalid_answers(payload: object) -> None:
    outcomes, _, _ = run(
        lambda request, n: httpx.Response(200, json=payload), QUERIES[:1], mode="row"
    )
    assert reasons(outcomes) == {"r1": REASON_INVALID}


def test_an_injected_client_is_left_open_and_an_owned_one_is_closed() -> None:
    async def main() -> tuple[bool, bool]:
        injected = httpx.AsyncClient(transport=httpx.MockTransport(healthy_handler))
        async with BanGeocoder(BanConfig(base_url=BASE), client=injected):
            pass
        owned = BanGeocoder(BanConfig(base_url=BASE))
        await owned.aclose()
        closed = (injected.is_closed, owned._client.is_closed)
        await injected.aclose()
        return closed

    assert asyncio.run(main()) == (False, True)


def healthy_handler(request: httpx.Request) -> httpx.Response:
    return healthy(request)


def test_per_row_mode_respects_the_concurrency_limit() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return healthy(request)

    queries = [AddressQuery(f"r{i}", f"{i} rue X", None, "Rennes", "35238") for i in range(30)]

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            config = BanConfig(base_url=BASE, mode="row", concurrency=3, rate_limit_per_s=10_000)
            await BanGeocoder(config, client=client).geocode(queries)

    asyncio.run(main())
    assert peak == 3


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.starts: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def test_rate_limiter_never_starts_more_than_the_rate_in_any_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(40, clock=clock, sleep=clock.sleep)

    async def main() -> None:
        async def request() -> None:
            await limiter.acquire()
            clock.starts.append(clock.now)

        await asyncio.gather(*(request() for _ in range(200)))

    asyncio.run(main())
    starts = sorted(clock.starts)
    assert len(starts) == 200
    for index, start in enumerate(starts):
        in_window = [s for s in starts[index:] if s < start + 1.0 - 1e-9]
        assert len(in_window) <= 40
    assert math.isclose(starts[-1] - starts[0], 199 / 40)


def test_geocoder_requests_go_through_the_rate_limiter() -> None:
    clock = FakeClock()
    stamps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(clock.now)
        return healthy(request)

    queries = [AddressQuery(f"r{i}", f"{i} rue X", None, "Rennes", "35238") for i in range(10)]

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            config = BanConfig(base_url=BASE, mode="row", rate_limit_per_s=5)
            geocoder = BanGeocoder(config, client=client, clock=clock, sleep=clock.sleep)
            await geocoder.geocode(queries)

    asyncio.run(main())
    gaps = [b - a for a, b in zip(sorted(stamps), sorted(stamps)[1:], strict=False)]
    assert min(gaps) == pytest.approx(0.2)


def test_empty_address_asks_nothing() -> None:
    outcomes, _, recorder = run(
        lambda request, n: healthy(request),
        [AddressQuery("r0", "   ", "35000", "Rennes", "35238")],
    )
    assert recorder.calls == []
    assert reasons(outcomes) == {"r0": "adresse vide"}


def test_429_holds_back_every_request_not_only_the_refused_one() -> None:
    clock = FakeClock()
    stamps: list[tuple[float, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append((clock.now, len(stamps) + 1))
        if len(stamps) == 1:
            return httpx.Response(429, headers={"Retry-After": "5"})
        return healthy(request)

    queries = [AddressQuery(f"r{i}", f"{i} rue X", None, "Rennes", "35238") for i in range(8)]

    async def main() -> list[AddressOutcome]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            config = BanConfig(base_url=BASE, mode="row", concurrency=4, rate_limit_per_s=100)
            geocoder = BanGeocoder(config, client=client, clock=clock, sleep=clock.sleep)
            return await geocoder.geocode(queries)

    outcomes = asyncio.run(main())
    refused_at = stamps[0][0]
    assert len(stamps) == 9  # the refused request was tried again
    assert all(when >= refused_at + 5 for when, _ in stamps[1:])
    assert [outcome.key for outcome in outcomes] == [query.key for query in queries]
