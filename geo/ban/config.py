"""The BAN client's configuration: one frozen value, and the single source of its defaults.

``app.settings.Settings`` takes the defaults of its ``CARTE_GEN_BAN_*`` fields from here, and
the CLI maps those settings back to a ``BanConfig``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["batch", "row"]


@dataclass(frozen=True, slots=True)
class BanConfig:
    """Everything the client needs, as explicit values (``Settings`` takes its defaults here)."""

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
