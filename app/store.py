"""Hot reload: the current :class:`~app.dataset.Dataset`, replaced when the data file changes.

Loading runs in a thread, feature by feature, pausing so the event loop keeps answering; a
new version is swapped in only once complete and judged no worse than the served one.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from app.dataset import Dataset, DatasetError, Reason, now_iso
from app.settings import Settings

logger = logging.getLogger("carte_gen.dataset")

FileSignature = tuple[int, int, int]  # inode, size, mtime in ns


def file_signature(path: Path) -> FileSignature | None:
    """Return what changes when the file is replaced or rewritten (``None``: no file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class RefusedVersion(DatasetError):
    """A valid data file that would replace the served version for the worse (see ``reason``)."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def yield_the_gil() -> None:
    """Let waiting threads (the event loop) take the GIL now rather than at the next switch."""
    time.sleep(0)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a version is built, then resume it.

    What the build left alive is frozen (``gc.freeze``) before the collector resumes.

    Building a version (and its page artefacts) makes hundreds of thousands of short-lived
    containers, freed by reference counting, never in cycles; the full collections they
    trigger walk every object of the process with the GIL held and stall the event loop
    for 100 ms and more each (``bench/bench_serving.py`` (d) measures the stall).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Every container made while paused that is still alive (the new version's) sits in
        # the youngest generation: the first collection after resuming would walk them all
        # at once. Frozen, collections skip them; they are still freed by reference counting,
        # which is how a retired version goes (nothing of a version is held in a cycle).
        gc.freeze()
        if was_enabled:
            gc.enable()


#: How long a previous version may stay in use by requests in flight before it is left to
#: be freed by whichever of them ends last (at once rather than in batches).
RETIRE_WAIT_S = 5.0


def _dismantle_when_unused(retired: list[Dataset]) -> None:
    """Free a replaced version in batches once no request holds it (see ``Dataset.dismantle``).

    ``retired`` holds the only reference this store kept; requests that took the version
    before the swap hold others for a moment.
    """
    deadline = time.monotonic() + RETIRE_WAIT_S
    while sys.getrefcount(retired[0]) > 2:  # the list's reference and the argument's
        if time.monotonic() > deadline:
            return
        time.sleep(0.01)
    retired.pop().dismantle(yield_the_gil)
    return_freed_memory()


def return_freed_memory() -> None:
    """Ask the C allocator to give freed memory back to the system (glibc; else nothing).

    Building a version frees a few times its size in short-lived objects; glibc keeps most
    of that for reuse unless asked (``bench/bench_memory.py`` shows the difference).
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to ask
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: libc's, if glibc


class DatasetStore:
    """Holds the current :class:`Dataset` and reloads it in a thread when the file changes.

    A change is looked for at most every ``reload_interval_s`` (a ``stat``, cheap). A new
    version replaces the current one only once fully loaded and validated, and only if it
    does not drop more than ``max_drop`` of the trainings (or all of them) unless its file
    says the operator accepted it. A refused file is logged with its path and the reason in
    full; :meth:`status` tells only a :class:`Reason` code, and the previous version stays.
    """

    def __init__(
        self,
        path: Path,
        reload_interval_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        loader: Callable[[Path], Dataset] | None = None,
        prepare: Callable[[Dataset], None] | None = None,
        *,
        max_drop: float = 0.5,
        max_file_bytes: int | None = None,
    ) -> None:
        self.path = path
        self._prepare = prepare
        self.reload_interval_s = reload_interval_s
        self.max_drop = max_drop
        self.max_file_bytes = max_file_bytes
        self._clock = clock
        self._loader = loader or partial(Dataset.load, pause=yield_the_gil)
        self._lock = threading.Lock()
        self._dataset = Dataset.empty(Reason.NOT_LOADED)
        self._signature: FileSignature | None = None
        self._tried_signature: FileSignature | None = None
        self._file_missing = False
        self._last_check = -math.inf
        self._thread: threading.Thread | None = None
        self.refusal: Reason | None = None
        self.refused_at: str | None = None
        self._status: dict[str, Any] = {}
        self._refresh_status()

    @classmethod
    def from_settings(
        cls, settings: Settings, prepare: Callable[[Dataset], None] | None = None
    ) -> DatasetStore:
        """Make the store of ``settings.data_path`` with its reload interval and limits."""
        return cls(
            settings.data_path,
            settings.reload_interval_s,
            prepare=prepare,
            max_drop=settings.baisse_max,
            max_file_bytes=settings.data_max_mb * 1024 * 1024,
        )

    @property
    def dataset(self) -> Dataset:
        """The current version, without looking for changes."""
        return self._dataset

    def load_initial(self) -> Dataset:
        """Load the file synchronously at start-up; an empty dataset when missing or broken."""
        signature = file_signature(self.path)
        self._last_check = self._clock()
        if signature is None:
            logger.warning("Data file not found: %s; serving an empty collection", self.path)
            self._dataset = Dataset.empty(Reason.DATA_FILE_MISSING)
            self._file_missing = True
            self._refresh_status()
            return self._dataset
        self._load(signature)
        if self.refusal is not None:
            self._dataset = Dataset.empty(self.refusal)
            self._refresh_status()
        return self._dataset

    def current(self) -> Dataset:
        """Return the current version, after starting a reload if the file changed."""
        now = self._clock()
        if now - self._last_check >= self.reload_interval_s:
            with self._lock:
                if now - self._last_check >= self.reload_interval_s:
                    self._last_check = now
                    self._check()
        return self._dataset

    def _check(self) -> None:
        signature = file_signature(self.path)
        if (signature is None) != self._file_missing:
            self._file_missing = signature is None
            if self._file_missing:
                logger.error(
                    "Data file %s has disappeared; still serving version %s",
                    self.path,
                    self._dataset.version[:12],
                )
            self._refresh_status()
        if self.reloading:
            return
        if signature is None or signature in (self._signature, self._tried_signature):
            return
        self._thread = threading.Thread(
            target=self._load, args=(signature,), name="carte-gen-reload", daemon=True
        )
        self._thread.start()

    def _load(self, signature: FileSignature) -> None:
        with collector_paused():
            self._load_unpaused(signature)

    def _load_unpaused(self, signature: FileSignature) -> None:
        self._tried_signature = signature
        started = time.perf_counter()
        try:
            if self.max_file_bytes is not None and signature[1] > self.max_file_bytes:
                raise RefusedVersion(
                    Reason.DATA_FILE_TOO_LARGE,
                    f"{signature[1]} bytes, over the limit of {self.max_file_bytes}",
                )
            dataset = self._loader(self.path)
            self._judge(dataset)
        except (OSError, DatasetError, ValueError, KeyError, TypeError) as exc:
            self.refusal = (
                exc.reason if isinstance(exc, RefusedVersion) else Reason.DATA_FILE_INVALID
            )
            self.refused_at = now_iso()
            logger.error(
                "Refused data file %s (%s: %s); still serving version %s",
                self.path,
                type(exc).__name__,
                exc,
                self._dataset.version[:12],
            )
            self._refresh_status()
            return
        if self._prepare is not None:
            try:
                self._prepare(dataset)
            except Exception:  # routes rebuild what is missing: never refuse data for this
                logger.exception("Preparing version %s failed", dataset.version[:12])
        retired = [self._dataset]  # the only reference left to the previous version, but…
        self._dataset = dataset  # an atomic reference swap
        self._signature = signature
        self._file_missing = False
        self.refusal = self.refused_at = None
        self._refresh_status()
        logger.info(
            "Loaded %s: %d trainings, version %s (%.2f s)",
            self.path,
            len(dataset),
            dataset.version[:12],
            time.perf_counter() - started,
        )
        _dismantle_when_unused(retired)

    def _judge(self, new: Dataset) -> None:
        """Raise :class:`RefusedVersion` when ``new`` would lose too much of the served data."""
        served = len(self._dataset)
        if not served or new.drop_accepted:
            return
        if not len(new):
            raise RefusedVersion(
                Reason.EMPTY_COLLECTION, f"no trainings, {served} served (--accepter-baisse)"
            )
        if len(new) < served * (1 - self.max_drop):
            raise RefusedVersion(
                Reason.DROP_TOO_LARGE,
                f"{len(new)} trainings against {served} served, a drop over "
                f"{self.max_drop:.0%} (CARTE_GEN_BAISSE_MAX, or build with --accepter-baisse)",
            )

    def _refresh_status(self) -> None:
        dataset = self._dataset
        reason = (
            Reason.DATA_FILE_MISSING
            if self._file_missing
            else self.refusal
            or dataset.reason
            or (None if len(dataset) else Reason.EMPTY_COLLECTION)
        )
        self._status = {
            "status": "degraded" if reason else "ok",
            "version": dataset.version,
            "count": len(dataset),
            "loaded_at": dataset.loaded_at,
            "generated_at": dataset.metadata.get("date_generation"),
            "reason": None if reason is None else str(reason),
            "refused_at": self.refused_at,
        }

    @property
    def reloading(self) -> bool:
        """Whether a new version is being loaded in the background."""
        return self._thread is not None and self._thread.is_alive()

    def wait_for_reload(self, timeout: float = 30.0) -> None:
        """Wait for a reload in progress (tests and shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def status(self) -> dict[str, Any]:
        """Health summary, made at each change: status, version, count, dates, a reason code.

        Never a path or an error text: those go to the log.
        """
        return dict(self._status)
