"""Async client of the national address API (BAN) or any addok-compatible geocoder.

Implements the ``AddressGeocoder`` protocol of ``geo.geocode``: batch CSV uploads to
``/search/csv/`` (one request per chunk, plus retries) with a fallback to per-row
``/search/`` calls when the server has no CSV endpoint; retries with exponential backoff
and jitter, ``429``/``Retry-After``, a client-side rate limit, a circuit breaker when the
service is down, an SQLite cache, and a pure quality gate that only accepts answers in the
row's commune with a high enough score. Failures never stop a build: a row the geocoder
cannot place gets an outcome with a short French reason and keeps its gazetteer placement.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Final, Literal

import httpx

from geo.ban_cache import BanCache, CachedAnswer, cache_key
from geo.geocode import AddressMatch, AddressOutcome, AddressQuery
from geo.schema import Precision
from geo.text import commune_key, fold

logger = logging.getLogger(__name__)


# --- Configuration -------------------------------------------------------------------------

Mode = Literal["batch", "row"]


@dataclass(frozen=True, slots=True)
class BanConfig:
    """Everything the client needs, as explicit values (the CLI maps ``Settings`` to it)."""

    base_url: str = "https://data.geopf.fr/geocodage"
    timeout_s: float = 10.0
    max_retries: int = 4
    concurrency: int = 8
    rate_limit_per_s: float = 40.0
    batch_size: int = 1000
    min_score: float = 0.5
    mode: Mode = "batch"
    #: First retry waits about this long, then twice as long each time (with jitter).
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    #: Longest wait a ``Retry-After`` header may impose before we count the attempt as failed.
    max_retry_after_s: float = 60.0
    #: After this many requests in a row failed for good, stop asking the service.
    breaker_threshold: int = 3
    #: Optional addok ``type`` filter of per-row searches (``housenumber``, ``street``…).
    result_type: str | None = None
    user_agent: str = "carte-gen (Grande Ecole du Numerique map builder)"

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.rate_limit_per_s <= 0:
            raise ValueError("batch_size, concurrency and rate_limit_per_s must be positive")
        if not 0 <= self.min_score <= 1:
            raise ValueError("min_score must be between 0 and 1")


# --- Reasons (French: they are counted in the build summary) -------------------------------

REASON_UNREACHABLE: Final = "service injoignable"
REASON_INVALID: Final = "réponse invalide"
REASON_NOT_FOUND: Final = "adresse introuvable"
REASON_EMPTY: Final = "adresse vide"
REASON_MUNICIPALITY: Final = "précision commune seulement"
REASON_UNCHECKABLE: Final = "commune non vérifiable"
REASON_TOO_MANY: Final = "service saturé (HTTP 429)"


def reason_low_score(score: float, min_score: float) -> str:
    """« score insuffisant (0.32 < 0.50) »."""
    return f"score insuffisant ({score:.2f} < {min_score:.2f})"


def reason_other_commune(expected: str, found: str) -> str:
    """« commune différente (69123 ≠ 13201) »: the row's INSEE code, then the answer's."""
    return f"commune différente ({expected} ≠ {found})"


def reason_refused(status: int) -> str:
    """« requête refusée (HTTP 400) »: the server rejected the request itself."""
    return f"requête refusée (HTTP {status})"


def reason_server_error(status: int) -> str:
    """« service en erreur (HTTP 503) »: the server kept failing after every retry."""
    return f"service en erreur (HTTP {status})"


def reason_unknown_type(result_type: str) -> str:
    """« type de résultat non géré (poi) »."""
    return f"type de résultat non géré ({result_type})"


def reason_category(reason: str) -> str:
    """Return the reason without its details, to count reasons in a summary.

    >>> reason_category("score insuffisant (0.32 < 0.50)")
    'score insuffisant'
    """
    return reason.split(" (", 1)[0]


# --- Pure helpers: communes, quality gate, parsing -----------------------------------------

#: Communes split into municipal arrondissements: commune code → arrondissement codes.
ARRONDISSEMENTS: Final[Mapping[str, frozenset[str]]] = {
    "75056": frozenset(f"751{n:02d}" for n in range(1, 21)),  # Paris
    "69123": frozenset(f"6938{n}" for n in range(1, 10)),  # Lyon
    "13055": frozenset(f"132{n:02d}" for n in range(1, 17)),  # Marseille
}
_PARENT: Final[Mapping[str, str]] = {
    arrondissement: commune
    for commune, arrondissements in ARRONDISSEMENTS.items()
    for arrondissement in arrondissements
}
_ARRONDISSEMENT_SUFFIX = re.compile(r"\s+\d+\s*(?:er|e|eme|ème)?\s+arrondissement$", re.IGNORECASE)

#: addok result types → the precision they give a training.
PRECISION_BY_TYPE: Final[Mapping[str, Precision]] = {
    "housenumber": Precision.ADRESSE,
    "street": Precision.RUE,
    "locality": Precision.RUE,
}


def precision_of(match: AddressMatch) -> Precision | None:
    """Precision an accepted match gives (``None`` when it is no better than the commune)."""
    return PRECISION_BY_TYPE.get(match.type)


def same_commune(code_a: str, code_b: str) -> bool:
    """Whether two INSEE codes name the same place, a commune agreeing with its arrondissements.

    ``75056`` (Paris) agrees with ``75111`` (its 11th arrondissement) and vice versa; two
    different arrondissements (``75111``, ``75112``) do not agree.
    """
    a, b = code_a.strip().upper(), code_b.strip().upper()
    return a == b or _PARENT.get(a) == b or _PARENT.get(b) == a


def commune_base_name(name: str) -> str:
    """Strip an arrondissement suffix: ``"Paris 11e Arrondissement"`` → ``"Paris"``."""
    return _ARRONDISSEMENT_SUFFIX.sub("", name.strip())


def _name_in_label(commune: str, label: str, postcode: str) -> bool:
    """Whether a label (``"12 Rue X 35000 Rennes"``) names the commune after its postcode."""
    folded = fold(label)
    wanted = commune_key(commune_base_name(commune))
    if not wanted:
        return False
    if f" {postcode} " in f" {folded} ":
        return commune_key(f" {folded} ".rsplit(f" {postcode} ", 1)[1]) == wanted
    words = folded.split()
    # No postcode in the label: its last words must be the commune's name.
    return any(commune_key(" ".join(words[-n:])) == wanted for n in range(1, len(words) + 1))


def judge(query: AddressQuery, match: AddressMatch | None, min_score: float) -> AddressOutcome:
    """Accept or refuse the geocoder's answer for a row (pure).

    Accepted only when the answer lies in the row's commune (same INSEE code, a commune and
    its arrondissements agreeing; or, when the answer has no INSEE code, the same postcode and
    the commune's name in its label), its score is at least ``min_score``, and it is more
    precise than the commune (house number, street or locality).
    """
    if match is None:
        return AddressOutcome(query.key, None, REASON_NOT_FOUND)
    if match.citycode:
        if not same_commune(query.code_insee, match.citycode):
            return AddressOutcome(
                query.key, None, reason_other_commune(query.code_insee, match.citycode)
            )
    elif not (
        match.postcode
        and query.code_postal
        and match.postcode.strip() == query.code_postal.strip()
        and _name_in_label(query.commune, match.label, match.postcode.strip())
    ):
        return AddressOutcome(query.key, None, REASON_UNCHECKABLE)
    if not match.score >= min_score:
        return AddressOutcome(query.key, None, reason_low_score(match.score, min_score))
    if match.type == "municipality":
        return AddressOutcome(query.key, None, REASON_MUNICIPALITY)
    if match.type not in PRECISION_BY_TYPE:
        return AddressOutcome(query.key, None, reason_unknown_type(match.type))
    return AddressOutcome(query.key, match, None)


class InvalidAnswer(ValueError):
    """The server's answer (or one of its rows) is not what an addok server sends."""


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidAnswer(f"{name} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise InvalidAnswer(f"{name} is not finite: {value!r}")
    return number


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def build_match(
    *,
    lon: Any,
    lat: Any,
    score: Any,
    type: Any,
    label: Any,
    citycode: Any = None,
    postcode: Any = None,
) -> AddressMatch:
    """Validate raw answer fields into an :class:`AddressMatch` (``InvalidAnswer`` if wrong)."""
    lon_f, lat_f, score_f = _number(lon, "lon"), _number(lat, "lat"), _number(score, "score")
    if not (-180 <= lon_f <= 180 and -90 <= lat_f <= 90):
        raise InvalidAnswer(f"coordinates out of range: {lon_f}, {lat_f}")
    if not 0 <= score_f <= 1.000001:
        raise InvalidAnswer(f"score out of range: {score_f}")
    if not isinstance(type, str) or not type.strip():
        raise InvalidAnswer(f"missing result type: {type!r}")
    return AddressMatch(
        lon=round(lon_f, 6),
        lat=round(lat_f, 6),
        score=min(score_f, 1.0),
        type=type.strip(),
        label=str(label or "").strip(),
        citycode=_optional_text(citycode),
        postcode=_optional_text(postcode),
    )


def parse_search_json(body: bytes) -> AddressMatch | None:
    """Best result of a ``/search/`` answer (GeoJSON), ``None`` when it found nothing."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidAnswer(f"not JSON: {error}") from None
    features = payload.get("features") if isinstance(payload, dict) else None
    if not isinstance(features, list):
        raise InvalidAnswer("no 'features' list")
    if not features:
        return None
    feature = features[0]
    try:
        lon, lat = feature["geometry"]["coordinates"][:2]
        properties = feature["properties"]
        return build_match(
            lon=lon,
            lat=lat,
            score=properties.get("score"),
            type=properties.get("type"),
            label=properties.get("label"),
            citycode=properties.get("citycode"),
            postcode=properties.get("postcode"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, InvalidAnswer):
            raise
        raise InvalidAnswer(f"malformed feature: {error!r}") from None


#: Columns of the CSV we upload (row number, query parts, filter columns).
ROW_COLUMN: Final = "carte_gen_n"
QUERY_COLUMNS: Final = ("adresse", "code_postal", "commune")
CITYCODE_COLUMN: Final = "carte_gen_citycode"
POSTCODE_COLUMN: Final = "carte_gen_postcode"
TYPE_COLUMN: Final = "carte_gen_type"
#: Result columns addok-csv appends (``result_citycode``/``result_postcode`` come from the
#: server's extra fields: optional, the gate then checks postcode and name).
REQUIRED_RESULT_COLUMNS: Final = (
    "latitude",
    "longitude",
    "result_score",
    "result_type",
    "result_label",
)


@dataclass(frozen=True, slots=True)
class Lookup:
    """What is asked of the server for one distinct query."""

    adresse: str
    code_postal: str
    commune: str
    filters: Mapping[str, str]

    @property
    def text(self) -> str:
        """The ``q`` parameter: the same words addok-csv joins from the uploaded columns."""
        return " ".join(part for part in (self.adresse, self.code_postal, self.commune) if part)


QUERY_MAX_LENGTH: Final = 200  # addok's (and the BAN's) QUERY_MAX_LENGTH


def lookup_for(query: AddressQuery, result_type: str | None = None) -> Lookup:
    """Build the request for a row: its words and its filters (pure).

    The commune filter is the row's INSEE code, except for Paris, Lyon and Marseille as a
    whole (the address base files addresses under arrondissement codes): their postcode is
    the filter then.
    """
    adresse = " ".join(query.adresse.split())
    code_postal = (query.code_postal or "").strip()
    commune = " ".join(commune_base_name(query.commune).split())
    room = QUERY_MAX_LENGTH - len(code_postal) - len(commune) - 2
    adresse = adresse[: max(room, 0)].strip()
    filters: dict[str, str] = {}
    code_insee = query.code_insee.strip().upper()
    if code_insee and code_insee not in ARRONDISSEMENTS:
        filters["citycode"] = code_insee
    elif code_postal:
        filters["postcode"] = code_postal
    if result_type:
        filters["type"] = result_type
    return Lookup(adresse, code_postal, commune, filters)


def build_csv_upload(lookups: Sequence[Lookup]) -> bytes:
    """Write the CSV sent to ``/search/csv/`` for a chunk (every field quoted, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow((ROW_COLUMN, *QUERY_COLUMNS, CITYCODE_COLUMN, POSTCODE_COLUMN, TYPE_COLUMN))
    for number, lookup in enumerate(lookups):
        writer.writerow(
            (
                number,
                lookup.adresse,
                lookup.code_postal,
                lookup.commune,
                lookup.filters.get("citycode", ""),
                lookup.filters.get("postcode", ""),
                lookup.filters.get("type", ""),
            )
        )
    return out.getvalue().encode("utf-8")


def parse_csv_answer(body: bytes, expected_rows: int) -> list[AddressMatch | InvalidAnswer | None]:
    """Read the rows of a ``/search/csv/`` answer, by uploaded row number (pure).

    Each row gives a match, ``None`` (no result) or an :class:`InvalidAnswer`; rows the
    answer lacks (truncated) or garbles are invalid, the others are used. Raises
    ``InvalidAnswer`` when the whole answer is unusable (not text, no header, columns missing).
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidAnswer(f"not UTF-8: {error}") from None
    first_line = text.split("\n", 1)[0]
    position = first_line.find(ROW_COLUMN)
    if position < 0:
        raise InvalidAnswer(f"no {ROW_COLUMN} column in the header")
    after = first_line[position + len(ROW_COLUMN) :].lstrip('"')
    delimiter = after[:1] if after[:1] in {",", ";", "\t", "|"} else ","
    # A body not ending with a line break was cut: its last line cannot be trusted.
    complete = text.endswith("\n")
    lines = text.splitlines(keepends=True)
    if not complete and lines:
        lines = lines[:-1]
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header = next(reader, None)
        if header is None:
            raise InvalidAnswer("empty answer")
        index = {name: position for position, name in enumerate(header)}
        missing = [name for name in (ROW_COLUMN, *REQUIRED_RESULT_COLUMNS) if name not in index]
        if missing:
            raise InvalidAnswer(f"missing columns: {', '.join(missing)}")
        results: list[AddressMatch | InvalidAnswer | None] = [
            InvalidAnswer("row missing from the answer") for _ in range(expected_rows)
        ]
        seen: set[int] = set()
        for row in reader:
            try:
                number = int(row[index[ROW_COLUMN]])
            except (ValueError, IndexError):
                continue
            if not 0 <= number < expected_rows or number in seen:
                continue
            seen.add(number)
            results[number] = _csv_row(row, header, index)
    except csv.Error as error:
        raise InvalidAnswer(f"unreadable CSV: {error}") from None
    return results


def _csv_row(
    row: list[str], header: list[str], index: Mapping[str, int]
) -> AddressMatch | InvalidAnswer | None:
    if len(row) != len(header):
        return InvalidAnswer(f"row has {len(row)} fields, header {len(header)}")

    def value(name: str) -> str:
        return row[index[name]].strip() if name in index else ""

    if not (value("latitude") or value("longitude") or value("result_score")):
        return None
    try:
        return build_match(
            lon=value("longitude"),
            lat=value("latitude"),
            score=value("result_score"),
            type=value("result_type"),
            label=value("result_label"),
            citycode=value("result_citycode"),
            postcode=value("result_postcode"),
        )
    except InvalidAnswer as error:
        return error


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date), or ``None``."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def backoff_delay(attempt: int, base_s: float, max_s: float, jitter: float) -> float:
    """Wait before retry ``attempt`` (0-based): exponential, capped, half of it jittered.

    ``jitter`` is a number in [0, 1): the wait lies between half and all of the capped delay.
    """
    capped = min(max_s, base_s * 2**attempt)
    return capped / 2 + capped / 2 * jitter


def answer_to_cache(match: AddressMatch | None) -> CachedAnswer:
    """Turn an answer into the cache's form."""
    if match is None:
        return None
    return {
        "lon": match.lon,
        "lat": match.lat,
        "score": match.score,
        "type": match.type,
        "label": match.label,
        "citycode": match.citycode,
        "postcode": match.postcode,
    }


def answer_from_cache(cached: CachedAnswer) -> AddressMatch | None:
    """Rebuild an answer from the cache (``InvalidAnswer`` if the stored fields are wrong)."""
    if cached is None:
        return None
    return build_match(
        lon=cached.get("lon"),
        lat=cached.get("lat"),
        score=cached.get("score"),
        type=cached.get("type"),
        label=cached.get("label"),
        citycode=cached.get("citycode"),
        postcode=cached.get("postcode"),
    )


# --- Rate limit ----------------------------------------------------------------------------


class RateLimiter:
    """Spaces request starts by at least ``1 / rate_per_s`` seconds (an interval limiter).

    With 40 per second no one-second window ever holds more than 40 starts, safely below the
    BAN's 50 requests/s per IP. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        rate_per_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._next_start = -math.inf
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until the next request may start."""
        async with self._lock:
            now = self._clock()
            if now < self._next_start:
                await self._sleep(self._next_start - now)
                now = max(self._clock(), self._next_start)
            self._next_start = now + self.interval

    def defer(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (the server asked us to slow down)."""
        self._next_start = max(self._next_start, self._clock() + seconds)


# --- The client ----------------------------------------------------------------------------


#: Per-row answers are written to the cache in batches of this many.
STORE_EVERY: Final = 200
#: Answers worth retrying besides the 5xx (501 Not Implemented is final, not transient).
RETRYABLE_STATUSES: Final = frozenset({429})


class ServiceUnavailable(Exception):
    """The service failed for good on a request (the reason is French, for the summary)."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


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
        self._sleep = sleep
        self._jitter = jitter
        self._now = now
        self._limiter = RateLimiter(config.rate_limit_per_s, clock=clock, sleep=sleep)
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self._consecutive_failures = 0
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
        response = await self._send("GET", self._search_url, params=params)
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
        response = await self._send("POST", self._csv_url, data=data, files=files, timeout=timeout)
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

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with rate limit, retries (backoff + jitter), ``Retry-After`` and the breaker.

        Returns any answer below 500 except 429; raises :class:`ServiceUnavailable` when every
        attempt failed or the service was already given up on.
        """
        attempt = 0
        while True:
            if self.stats.breaker_open:
                raise ServiceUnavailable(REASON_UNREACHABLE)
            await self._limiter.acquire()
            self.stats.requests += 1
            status: int | None = None
            wait: float | None = None
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as error:  # connection, timeout, protocol errors
                failure = f"{type(error).__name__}: {error}"
            else:
                status = response.status_code
                if not (status in RETRYABLE_STATUSES or (status >= 500 and status != 501)):
                    self._consecutive_failures = 0
                    return response
                failure = f"HTTP {status}"
                wait = parse_retry_after(response.headers.get("retry-after"), self._now())
                await response.aclose()
            if wait is None:
                wait = backoff_delay(
                    attempt, self.config.backoff_base_s, self.config.backoff_max_s, self._jitter()
                )
            if attempt >= self.config.max_retries or wait > self.config.max_retry_after_s:
                self._consecutive_failures += 1
                if self._consecutive_failures >= self.config.breaker_threshold:
                    if not self.stats.breaker_open:
                        logger.warning(
                            "Giving up on %s after %d failed requests in a row (last: %s)",
                            self.config.base_url,
                            self._consecutive_failures,
                            failure,
                        )
                    self.stats.breaker_open = True
                if status is None:
                    raise ServiceUnavailable(REASON_UNREACHABLE)
                if status == 429:
                    raise ServiceUnavailable(REASON_TOO_MANY, status)
                raise ServiceUnavailable(reason_server_error(status), status)
            logger.info("Retrying %s in %.2f s (%s)", url, wait, failure)
            self.stats.retries += 1
            if status == 429:
                # Slow everyone down, not just this request: the limiter holds every start.
                self._limiter.defer(wait)
            else:
                await self._sleep(wait)
            attempt += 1


def _count(keys: Iterable[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in keys:
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    return counts
