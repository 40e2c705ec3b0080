"""Async client of the national address API (BAN) or any addok-compatible geocoder.

Implements ``geo.address.AddressGeocoder``: batch CSV uploads to ``/search/csv/`` (one
request per chunk) with a fallback to per-row ``/search/`` calls when the server has no CSV
endpoint, through the polite sender of ``geo.ban.resilience``, the SQLite cache of
``geo.ban.cache`` and the quality gate of ``geo.ban.gate``. Failures never stop a build: a
row the geocoder cannot place gets an outcome with a short French reason and keeps its
gazetteer placement.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Final

import httpx

from geo.address import AddressMatch, AddressOutcome, AddressQuery
from geo.ban.cache import BanCache, cache_key
from geo.ban.config import BanConfig
from geo.ban.gate import judge
from geo.ban.reasons import (
    REASON_EMPTY,
    REASON_INVALID,
    REASON_UNREACHABLE,
    reason_category,
    reason_refused,
)
from geo.ban.resilience import ResilientSender, ServiceUnavailable
from geo.ban.wire import (
    CITYCODE_COLUMN,
    POSTCODE_COLUMN,
    QUERY_COLUMNS,
    ROW_COLUMN,
    TYPE_COLUMN,
    InvalidAnswer,
    Lookup,
    answer_from_cache,
    answer_to_cache,
    build_csv_upload,
    lookup_for,
    parse_csv_answer,
    parse_search_json,
)

logger = logging.getLogger(__name__)


#: Per-row answers are written to the cache in batches of this many.
STORE_EVERY: Final = 200


class NoCsvEndpoint(Exception):
    """The server has no usable ``/search/csv/`` endpoint."""


@dataclass(slots=True)
class BanStats:
    """What a geocoder did, for the build summary and the benchmark."""

    queries: int = 0
    distinct: int = 0
    cache_hits: int = 0
    requests: int = 0
    retries: int = 0
    csv_requests: int = 0
    row_requests: int = 0
    fell_back_to_rows: bool = False
    breaker_open: bool = False
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str


_Answer = AddressMatch | None | _Failure


class BanGeocoder:
    """``AddressGeocoder`` backed by an addok server (the BAN's or a self-hosted one).

    Use ``async with BanGeocoder(config) as geocoder: await geocoder.geocode(queries)``.
    An injected ``client`` is left open; an owned one is closed on exit. ``on_progress``
    is called with the number of rows done after each chunk or row.
    """

    def __init__(
        self,
        config: BanConfig,
        *,
        client: httpx.AsyncClient | None = None,
        cache: BanCache | None = None,
        refresh_cache: bool = False,
        on_progress: Callable[[int], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.cache = cache
        self.refresh_cache = refresh_cache
        self.stats = BanStats()
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(config.timeout_s),
            headers={"User-Agent": config.user_agent},
            limits=httpx.Limits(max_connections=config.concurrency),
        )
        self._on_progress = on_progress
        self._sender = ResilientSender(
            self._client, config, self.stats, clock=clock, sleep=sleep, jitter=jitter, now=now
        )
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._use_csv = config.mode == "batch"
        base = config.base_url.rstrip("/")
        self._search_url = f"{base}/search/"
        self._csv_url = f"{base}/search/csv/"

    async def __aenter__(self) -> BanGeocoder:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this geocoder created it."""
        if self._owns_client:
            await self._client.aclose()

    # -- public API --

    async def geocode(self, queries: Sequence[AddressQuery]) -> list[AddressOutcome]:
        """Place each row at its address, or say why not (one outcome per query, same order)."""
        self.stats.queries += len(queries)
        lookups: dict[str, Lookup] = {}
        key_of: list[str | None] = []
        for query in queries:
            if not query.adresse.strip():
                key_of.append(None)
                continue
            lookup = lookup_for(query, self.config.result_type)
            key = cache_key(lookup.text, lookup.filters, self.config.base_url)
            lookups.setdefault(key, lookup)
            key_of.append(key)
        self.stats.distinct += len(lookups)
        answers = await self._answers(lookups, rows_per_key=_count(key_of))
        outcomes: list[AddressOutcome] = []
        for query, row_key in zip(queries, key_of, strict=True):
            if row_key is None:
                outcome = AddressOutcome(query.key, None, REASON_EMPTY)
            else:
                answer = answers.get(row_key, _Failure(REASON_UNREACHABLE))
                if isinstance(answer, _Failure):
                    outcome = AddressOutcome(query.key, None, answer.reason)
                else:
                    outcome = judge(query, answer, self.config.min_score)
            if outcome.reason is not None:
                category = reason_category(outcome.reason)
                self.stats.reasons[category] = self.stats.reasons.get(category, 0) + 1
            outcomes.append(outcome)
        done_without_request = sum(1 for key in key_of if key is None)
        self._progress(done_without_request)
        return outcomes

    # -- orchestration --

    async def _answers(
        self, lookups: Mapping[str, Lookup], rows_per_key: Mapping[str, int]
    ) -> dict[str, _Answer]:
        answers: dict[str, _Answer] = {}
        if self.cache is not None and not self.refresh_cache:
            for key, cached in (await self.cache.aget_many(list(lookups))).items():
                try:
                    answers[key] = answer_from_cache(cached)
                except InvalidAnswer:
                    continue  # a damaged entry is simply asked again
            self.stats.cache_hits += len(answers)
            self._progress(sum(rows_per_key[key] for key in answers))
        pending = [key for key in lookups if key not in answers]
        if self._use_csv:
            chunks = [
                pending[start : start + self.config.batch_size]
                for start in range(0, len(pending), self.config.batch_size)
            ]
            results = await asyncio.gather(
                *(self._chunk(chunk, lookups, rows_per_key) for chunk in chunks)
            )
            for result in results:
                answers.update(result)
        else:
            answers.update(await self._rows(pending, lookups, rows_per_key))
        return answers

    async def _chunk(
        self, keys: Sequence[str], lookups: Mapping[str, Lookup], rows_per_key: Mapping[str, int]
    ) -> dict[str, _Answer]:
        """One chunk by CSV upload; by rows when the server turns out to have no CSV endpoint."""
        chunk_answers: list[_Answer] | None = None
        if self._use_csv:
            async with self._semaphore:
                chunk_answers = await self._try_csv([lookups[key] for key in keys])
        if chunk_answers is None:
            return await self._rows(keys, lookups, rows_per_key)
        answers = dict(zip(keys, chunk_answers, strict=True))
        await self._store(answers)
        self._progress(sum(rows_per_key[key] for key in keys))
        return answers

    async def _try_csv(self, lookups: Sequence[Lookup]) -> list[_Answer] | None:
        """Answers of one CSV upload, or ``None`` when rows must be asked one by one."""
        if not self._use_csv:  # another chunk found out while this one waited
            return None
        try:
            return await self._csv_request(lookups)
        except NoCsvEndpoint as error:
            self._switch_to_rows(str(error))
            return None
        except ServiceUnavailable as error:
            if error.status is not None and error.status >= 500 and not self.stats.breaker_open:
                # A CSV endpoint that keeps failing while the server answers: ask by rows.
                self._switch_to_rows(f"HTTP {error.status} on every attempt")
                return None
            return [_Failure(error.reason)] * len(lookups)

    def _switch_to_rows(self, why: str) -> None:
        if self._use_csv:
            logger.warning(
                "No usable CSV endpoint at %s (%s): geocoding row by row", self._csv_url, why
            )
        self._use_csv = False
        self.stats.fell_back_to_rows = True

    async def _rows(
        self, keys: Sequence[str], lookups: Mapping[str, Lookup], rows_per_key: Mapping[str, int]
    ) -> dict[str, _Answer]:
        unstored: dict[str, _Answer] = {}

        async def one(key: str) -> tuple[str, _Answer]:
            async with self._semaphore:
                try:
                    answer: _Answer = await self._row_request(lookups[key])
                except ServiceUnavailable as error:
                    answer = _Failure(error.reason)
            unstored[key] = answer
            if len(unstored) >= STORE_EVERY:  # write the cache as we go, in batches
                batch = dict(unstored)
                unstored.clear()
                await self._store(batch)
            self._progress(rows_per_key[key])
            return key, answer

        answers = dict(await asyncio.gather(*(one(key) for key in keys)))
        await self._store(unstored)
        return answers

    async def _store(self, answers: Mapping[str, _Answer]) -> None:
        if self.cache is None:
            return
        definitive = {
            key: answer_to_cache(answer)
            for key, answer in answers.items()
            if not isinstance(answer, _Failure)
        }
        if definitive:
            await self.cache.aput_many(definitive)

    def _progress(self, rows: int) -> None:
        if self._on_progress is not None and rows:
            self._on_progress(rows)

    # -- requests --

    async def _row_request(self, lookup: Lookup) -> AddressMatch | _Failure | None:
        params: dict[str, str | int] = {"q": lookup.text, "limit": 3, "autocomplete": 0}
        params.update(lookup.filters)
        response = await self._sender.send("GET", self._search_url, params=params)
        self.stats.row_requests += 1
        if response.status_code >= 400:
            return _Failure(reason_refused(response.status_code))
        try:
            return parse_search_json(response.content)
        except InvalidAnswer as error:
            logger.warning(
                "Invalid answer from %s for %r: %s", self._search_url, lookup.text, error
            )
            return _Failure(REASON_INVALID)

    async def _csv_request(self, lookups: Sequence[Lookup]) -> list[_Answer]:
        data: dict[str, str | list[str]] = {
            "columns": list(QUERY_COLUMNS),
            "citycode": CITYCODE_COLUMN,
            "postcode": POSTCODE_COLUMN,
            "type": TYPE_COLUMN,  # an empty filter value is no filter
            # addok-csv only fills rows scoring above min_score (0.5 by default): ask for
            # every answer and let our own gate decide, so the summary can tell why.
            "min_score": "0",
            "delimiter": ",",
        }
        files = {"data": ("carte-gen.csv", build_csv_upload(lookups), "text/csv")}
        # A chunk takes the server a while: allow the per-request timeout per 100 rows.
        timeout = self.config.timeout_s * max(1.0, len(lookups) / 100)
        response = await self._sender.send(
            "POST", self._csv_url, data=data, files=files, timeout=timeout
        )
        self.stats.csv_requests += 1
        status = response.status_code
        if status in (404, 405, 501):
            raise NoCsvEndpoint(f"HTTP {status}")
        content_type = response.headers.get("content-type", "").lower()
        if "csv" not in content_type and ROW_COLUMN.encode() not in response.content[:4096]:
            raise NoCsvEndpoint(f"answer is {content_type or 'untyped'}, not CSV")
        if status >= 400:
            raise NoCsvEndpoint(f"HTTP {status}")
        try:
            rows = parse_csv_answer(response.content, len(lookups))
        except InvalidAnswer as error:
            logger.warning("Invalid CSV answer from %s: %s", self._csv_url, error)
            return [_Failure(REASON_INVALID)] * len(lookups)
        answers: list[_Answer] = []
        for row in rows:
            if isinstance(row, InvalidAnswer):
                logger.warning("Invalid row in the CSV answer of %s: %s", self._csv_url, row)
                answers.append(_Failure(REASON_INVALID))
            else:
                answers.append(row)
        return answers


def _count(keys: Iterable[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in keys:
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    return counts
