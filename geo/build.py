"""The build pipeline: read a spreadsheet, validate, geocode, write the GeoJSON and the report.

``carte-gen build`` parses its arguments into a :class:`BuildRequest`, calls
:func:`geocode_file` then :func:`write_outputs`, and prints what the returned :class:`Build`
holds. Fatal problems raise :class:`BuildError` with a French message for the user.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Never

from tqdm import tqdm

from geo.ban import BanCache, BanConfig, BanGeocoder, BanStats
from geo.gazetteer import Gazetteer
from geo.geocode import GeocodeReport, geocode_offline
from geo.geojson import (
    DROP_ACCEPTED_KEY,
    CollectionMetadata,
    encode_feature_collection,
    generation_date,
    metadata_from_sidecar,
    read_sidecar,
    write_geojson_atomic,
)
from geo.importer import ImportResult, Issue, Table, import_table, read_table, write_report
from geo.refine import address_queries, refine_with_addresses

#: Collection thresholds of a tuned build's online step (:func:`tune_gc_for_online`).
BUILD_GC_THRESHOLDS: Final = (100_000, 50, 100)


class BuildError(Exception):
    """A fatal build problem, said in French for the user (no traceback)."""


@dataclass(frozen=True, slots=True)
class OnlineGeocoding:
    """How to ask the BAN for addresses after the offline chain placed rows at their commune."""

    config: BanConfig
    #: SQLite cache of answers; ``None`` neither reads nor fills one.
    cache_path: Path | None
    #: Ask every address again and overwrite what the cache held.
    refresh_cache: bool = False


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """Everything a build reads and writes, as explicit values."""

    input: Path
    output: Path
    report: Path
    gazetteer: Path
    sheet: str | None = None
    online: OnlineGeocoding | None = None
    #: Show tqdm progress bars on stderr.
    progress: bool = False
    #: Tune the process's garbage collector for the build (:func:`tune_gc_for_build`): for a
    #: process that ends with the build, as ``carte-gen build``, not for a long-lived one.
    tune_gc: bool = False
    #: Mark the output so the service accepts it even when it holds far fewer trainings than
    #: the version it serves (``carte-gen build --accepter-baisse``).
    accept_drop: bool = False


@dataclass(slots=True)
class Build:
    """What a build read, placed and rejected, and how long each step took."""

    table: Table
    imported: ImportResult
    report: GeocodeReport
    metadata: CollectionMetadata
    online_stats: BanStats | None = None
    #: Seconds per step, in the order the steps ran (French step names, for ``--verbose``).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def issues(self) -> list[Issue]:
        """Every rejection and warning: the import's first, then the geocoding's."""
        return [*self.imported.issues, *self.report.issues]


def default_report_path(output: Path) -> Path:
    """Rejection report next to the output: ``formations.geojson`` → ``formations.rejets.csv``."""
    return output.with_name(output.stem + ".rejets.csv")


def check_request(request: BuildRequest) -> None:
    """Refuse, before any work, outputs that cannot be written or would replace the input."""
    for target in (request.output, request.report):
        if not target.parent.is_dir():
            raise BuildError(f"dossier de sortie introuvable : {target.parent}")
    if request.output.resolve() == request.input.resolve():
        raise BuildError("la sortie écraserait le fichier d'entrée : choisissez un autre -o")


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - started


def geocode_file(request: BuildRequest) -> Build:
    """Read, validate and geocode the input (offline, then online if asked); write nothing."""
    check_request(request)
    timings: dict[str, float] = {}
    if request.tune_gc:  # before reading: the rows and cells are as many long-lived objects
        gc.disable()
    with _timed(timings, "lecture"):
        table = read_table(request.input, request.sheet)
        sidecar = read_sidecar(request.input)
    with _timed(timings, "validation"):
        imported = import_table(table)
    with _timed(timings, "gazetteer"):
        gazetteer = load_gazetteer(request.gazetteer)
    if request.tune_gc:
        tune_gc_for_build()
    with _timed(timings, "géocodage hors ligne"):
        report = _geocode_offline(imported, gazetteer, request.progress)
    online_stats: BanStats | None = None
    if request.online is not None:
        if request.tune_gc:
            tune_gc_for_online()
        with _timed(timings, "géocodage en ligne"):
            report, online_stats = asyncio.run(
                _refine_online(report, request.online, request.progress)
            )
    metadata = metadata_from_sidecar(sidecar, request.input.name, generation_date())
    return Build(table, imported, report, metadata, online_stats, timings)


def write_outputs(request: BuildRequest, build: Build) -> None:
    """Write the GeoJSON (only when a row was placed) and the report of rejections/warnings."""
    with _timed(build.timings, "écriture"):
        try:
            if build.report.placed:
                collection = encode_feature_collection(build.report.placed, build.metadata)
                if request.accept_drop:
                    collection.metadonnees[DROP_ACCEPTED_KEY] = True
                write_geojson_atomic(request.output, collection)
            write_report(request.report, build.issues)
        except OSError as exc:
            raise BuildError(
                f"écriture impossible : {exc.strerror or exc} ({exc.filename})"
            ) from exc


def load_gazetteer(path: Path) -> Gazetteer:
    """Load the commune gazetteer, or say in French how to get one."""
    if not path.is_file():
        raise BuildError(
            f"gazetteer des communes introuvable : {path}. Construisez-le avec "
            "« uv run python scripts/build_gazetteer.py » ou indiquez-le avec --gazetteer."
        )
    try:
        return Gazetteer.load(path)
    except Exception as exc:
        raise BuildError(f"gazetteer {path} illisible ({type(exc).__name__} : {exc})") from exc


def tune_gc_for_build() -> None:
    """Switch the cyclic garbage collector off for the offline build; freeze what is alive.

    The gazetteer and the input live until the process ends, so they are frozen out of
    collections. The offline steps make no garbage in cycles (a collection after each step
    of a CSV, JSON, XML or XLSX build finds none, or the read workbook's few hundred
    objects): reference counting frees everything, and every collection would only rescan
    the hundreds of thousands of rows, outcomes and features still alive
    (``bench/bench_geocode.py`` measures the build with it). Online geocoding turns it back
    on (:func:`tune_gc_for_online`).
    """
    gc.freeze()
    gc.disable()


def tune_gc_for_online() -> None:
    """Turn the cyclic collector back on, rarely, for the online step: asyncio makes cycles."""
    gc.freeze()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    gc.enable()


def _progress_bar(total: int, unit: str, desc: str, shown: bool) -> tqdm[Never]:
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=not shown, leave=False)


def _geocode_offline(imported: ImportResult, gazetteer: Gazetteer, shown: bool) -> GeocodeReport:
    with _progress_bar(len(imported.rows), " ligne", "Géocodage", shown) as bar:
        return geocode_offline(imported.rows, gazetteer, imported.column_names, on_row=bar.update)


async def _refine_online(
    report: GeocodeReport, online: OnlineGeocoding, shown: bool
) -> tuple[GeocodeReport, BanStats]:
    total = len(address_queries(report.placed))
    with _progress_bar(total, " adresse", "Adresses (BAN)", shown) as bar:
        async with open_ban_geocoder(online, on_progress=bar.update) as geocoder:
            return await refine_with_addresses(report, geocoder), geocoder.stats


@asynccontextmanager
async def open_ban_geocoder(
    online: OnlineGeocoding, on_progress: Callable[[int], object] | None = None
) -> AsyncIterator[BanGeocoder]:
    """Open the BAN client with its cache (opened and closed in a worker thread)."""
    path = online.cache_path
    cache = await asyncio.to_thread(BanCache, path) if path is not None else None
    try:
        async with BanGeocoder(
            online.config, cache=cache, refresh_cache=online.refresh_cache, on_progress=on_progress
        ) as geocoder:
            yield geocoder
    finally:
        if cache is not None:
            await asyncio.to_thread(cache.close)
