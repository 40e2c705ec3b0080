"""Being a polite client: rate limit, retries with backoff and ``Retry-After``, circuit breaker.

:class:`ResilientSender` sends every request of the client: it spaces request starts
(:class:`RateLimiter`), retries transport errors, 429 and 5xx answers with exponential backoff
and jitter (or the server's ``Retry-After``), and stops asking a service that failed several
requests in a row. The clock, the sleep and the jitter are injectable for the fault tests.

Written by hand rather than with ``aiolimiter`` (no injectable clock, no way to hold every
request back after a 429) or ``tenacity`` (``Retry-After``, the longest allowed wait and the
shared hold-back would each need a custom hook: no shorter, and harder to follow).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Protocol

import httpx

from geo.ban.config import BanConfig
from geo.ban.reasons import REASON_TOO_MANY, REASON_UNREACHABLE, reason_server_error

logger = logging.getLogger(__name__)

#: Answers worth retrying besides the 5xx (501 Not Implemented is final, not transient).
RETRYABLE_STATUSES: Final = frozenset({429})


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


class ServiceUnavailable(Exception):
    """The service failed for good on a request (the reason is French, for the summary)."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class SendCounters(Protocol):
    """Where the sender counts its work (``BanStats`` in practice)."""

    requests: int
    retries: int
    breaker_open: bool


class ResilientSender:
    """Sends requests through the rate limit, the retries and the circuit breaker."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        config: BanConfig,
        counters: SendCounters,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._config = config
        self._counters = counters
        self._sleep = sleep
        self._jitter = jitter
        self._now = now
        self._limiter = RateLimiter(config.rate_limit_per_s, clock=clock, sleep=sleep)
        self._consecutive_failures = 0

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with rate limit, retries (backoff + jitter), ``Retry-After`` and the breaker.

        Returns any answer below 500 except 429; raises :class:`ServiceUnavailable` when every
        attempt failed or the service was already given up on.
        """
        config, counters = self._config, self._counters
        attempt = 0
        while True:
            if counters.breaker_open:
                raise ServiceUnavailable(REASON_UNREACHABLE)
            await self._limiter.acquire()
            counters.requests += 1
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
                    attempt, config.backoff_base_s, config.backoff_max_s, self._jitter()
                )
            if attempt >= config.max_retries or wait > config.max_retry_after_s:
                self._consecutive_failures += 1
                if self._consecutive_failures >= config.breaker_threshold:
                    if not counters.breaker_open:
                        logger.warning(
                            "Giving up on %s after %d failed requests in a row (last: %s)",
                            config.base_url,
                            self._consecutive_failures,
                            failure,
                        )
                    counters.breaker_open = True
                if status is None:
                    raise ServiceUnavailable(REASON_UNREACHABLE)
                if status == 429:
                    raise ServiceUnavailable(REASON_TOO_MANY, status)
                raise ServiceUnavailable(reason_server_error(status), status)
            logger.info("Retrying %s in %.2f s (%s)", url, wait, failure)
            counters.retries += 1
            if status == 429:
                # Slow everyone down, not just this request: the limiter holds every start.
                self._limiter.defer(wait)
            else:
                await self._sleep(wait)
            attempt += 1
