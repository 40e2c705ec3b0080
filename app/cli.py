"""The ``carte-gen`` console script: ``build`` makes GeoJSON from a spreadsheet, ``serve`` runs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from app.dataset import DROP_ACCEPTED_KEY
from geo.geocode import (
    AddressGeocoder,
    GeocodeReport,
    address_queries,
    geocode_offline,
    refine_with_addresses,
)
from geo.geojson import (
    SidecarError,
    build_feature_collection,
    generation_date,
    metadata_from_sidecar,
    read_sidecar,
    write_geojson_atomic,
)
from geo.importer import (
    ImportResult,
    InputFileError,
    Issue,
    Level,
    Table,
    import_table,
    read_table,
    write_report,
)
from geo.schema import PRECISION_LABELS, GeocodingSource, Precision

if TYPE_CHECKING:
    from app.settings import Settings
    from geo.ban import BanConfig, BanStats
    from geo.gazetteer import Gazetteer

EXIT_OK: Final = 0
EXIT_REJECTIONS: Final = 1  # --strict and some rows rejected, or nothing could be placed
EXIT_FATAL: Final = 2
GEOCODERS: Final = ("offline", "ban", "gazetteer")  # "gazetteer" is another name for "offline"
OFFLINE_GEOCODERS: Final = frozenset({"gazetteer", "offline"})


class CliError(Exception):
    """A fatal problem reported to the user in French, without a traceback (exit code 2)."""


# --------------------------------------------------------------------------- arguments


def build_parser() -> argparse.ArgumentParser:
    """Command-line parser of ``carte-gen`` (help texts in French, for data maintainers)."""
    parser = argparse.ArgumentParser(
        prog="carte-gen",
        description="Carte GEN : géocode la liste des formations labellisées et la sert.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="affiche la trace complète des erreurs inattendues"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    build = commands.add_parser(
        "build",
        help="géocode un tableur CSV ou XLSX en GeoJSON",
        description="Lit un tableur (CSV ou XLSX), valide et géocode chaque ligne, écrit un "
        "GeoJSON et un rapport des lignes rejetées.",
    )
    build.add_argument("input", type=Path, metavar="ENTREE", help="fichier CSV ou XLSX")
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="SORTIE",
        help="GeoJSON à écrire (par défaut : ENTREE avec l'extension .geojson)",
    )
    build.add_argument(
        "--rejets",
        type=Path,
        metavar="CHEMIN",
        help="rapport des rejets (par défaut : SORTIE sans extension + .rejets.csv)",
    )
    build.add_argument(
        "--geocoder",
        choices=GEOCODERS,
        default="offline",
        help="offline (ou gazetteer) : hors ligne, à la commune (défaut) ; ban : précise à "
        "l'adresse avec la Base Adresse Nationale (CARTE_GEN_BAN_URL)",
    )
    cache = build.add_mutually_exclusive_group()
    cache.add_argument(
        "--no-cache",
        action="store_true",
        help="avec --geocoder ban : n'utilise ni ne remplit le cache des réponses",
    )
    cache.add_argument(
        "--refresh-cache",
        action="store_true",
        help="avec --geocoder ban : redemande chaque adresse et met le cache à jour",
    )
    build.add_argument("--gazetteer", type=Path, metavar="CHEMIN", help="gazetteer des communes")
    build.add_argument("--feuille", metavar="NOM", help="feuille du classeur XLSX à lire")
    build.add_argument(
        "--strict", action="store_true", help="code de sortie 1 si une ligne est rejetée"
    )
    build.add_argument(
        "-q", "--quiet", action="store_true", help="ni barre de progression ni résumé"
    )
    build.add_argument(
        "--accepter-baisse",
        action="store_true",
        help="le service acceptera ce fichier même s'il compte beaucoup moins de formations "
        "que celui qu'il sert (au-delà de CARTE_GEN_BAISSE_MAX) ou aucune",
    )

    serve = commands.add_parser("serve", help="sert la carte et l'API")
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port d'écoute (8000)")
    serve.add_argument("--data", type=Path, metavar="CHEMIN", help="GeoJSON construit à servir")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
        return run_serve(args)
    except (CliError, InputFileError, SidecarError) as exc:
        print(f"carte-gen : erreur : {exc}", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("carte-gen : interrompu.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, never a bare traceback
        if args.debug:
            traceback.print_exc()
        print(
            f"carte-gen : erreur inattendue ({type(exc).__name__} : {exc}). "
            "Relancez avec --debug pour le détail.",
            file=sys.stderr,
        )
        return EXIT_FATAL


def _settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from app.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])} : {error['msg']}" for error in exc.errors()
        )
        raise CliError(f"configuration invalide (variables CARTE_GEN_*) : {problems}") from exc


# --------------------------------------------------------------------------- build


def default_report_path(output: Path) -> Path:
    """Rejection report next to the output: ``formations.geojson`` → ``formations.rejets.csv``."""
    return output.with_name(output.stem + ".rejets.csv")


def ban_config(settings: Settings) -> BanConfig:
    """Map the ``CARTE_GEN_BAN_*`` settings to the BAN client's configuration."""
    from geo.ban import BanConfig

    return BanConfig(
        base_url=settings.ban_url,
        timeout_s=settings.ban_timeout_s,
        max_retries=settings.ban_max_retries,
        concurrency=settings.ban_concurrency,
        rate_limit_per_s=settings.ban_rate_limit_per_s,
        batch_size=settings.ban_batch_size,
        min_score=settings.ban_min_score,
    )


def open_address_geocoder(
    name: str,
    settings: Settings,
    *,
    use_cache: bool = True,
    refresh_cache: bool = False,
    on_progress: Callable[[int], object] | None = None,
    stats: list[BanStats] | None = None,
) -> AbstractAsyncContextManager[AddressGeocoder]:
    """Open the online geocoder chosen with ``--geocoder`` (an async context manager).

    ``stats`` receives the BAN client's counters (requests, cache hits) for the summary.
    """
    if name != "ban":
        raise CliError(f"géocodeur inconnu : « {name} »")
    return _open_ban(settings, use_cache, refresh_cache, on_progress, stats)


@asynccontextmanager
async def _open_ban(
    settings: Settings,
    use_cache: bool,
    refresh_cache: bool,
    on_progress: Callable[[int], object] | None,
    stats: list[BanStats] | None,
) -> AsyncIterator[AddressGeocoder]:
    from geo.ban import BanGeocoder
    from geo.ban_cache import BanCache

    try:
        config = ban_config(settings)
    except ValueError as exc:
        raise CliError(f"configuration du géocodeur BAN invalide : {exc}") from exc
    cache = await asyncio.to_thread(BanCache, settings.ban_cache_path) if use_cache else None
    try:
        async with BanGeocoder(
            config, cache=cache, refresh_cache=refresh_cache, on_progress=on_progress
        ) as geocoder:
            yield geocoder
            if stats is not None:
                stats.append(geocoder.stats)
    finally:
        if cache is not None:
            await asyncio.to_thread(cache.close)


async def _refine_online(
    report: GeocodeReport, args: argparse.Namespace, settings: Settings, stats: list[BanStats]
) -> GeocodeReport:
    from tqdm import tqdm

    with tqdm(
        total=len(address_queries(report.placed)),
        unit=" adresse",
        desc="Adresses (BAN)",
        file=sys.stderr,
        disable=args.quiet or not sys.stderr.isatty(),
        leave=False,
    ) as bar:
        async with open_address_geocoder(
            args.geocoder,
            settings,
            use_cache=not args.no_cache,
            refresh_cache=args.refresh_cache,
            on_progress=bar.update,
            stats=stats,
        ) as geocoder:
            return await refine_with_addresses(report, geocoder)


def _load_gazetteer(path: Path) -> Gazetteer:
    from geo.gazetteer import Gazetteer

    if not path.is_file():
        raise CliError(
            f"gazetteer des communes introuvable : {path}. Construisez-le avec "
            "« uv run python scripts/build_gazetteer.py » ou indiquez-le avec --gazetteer."
        )
    try:
        return Gazetteer.load(path)
    except Exception as exc:
        raise CliError(f"gazetteer {path} illisible ({type(exc).__name__} : {exc})") from exc


def tune_gc_for_build() -> None:
    """Make the cyclic garbage collector cheap for a build's many long-lived small objects.

    The gazetteer and the input live until the process ends, so they are frozen out of
    collections (about 10 % of geocoding time); the rows, outcomes and features the build
    creates hold almost no cycles, so collecting every 700 allocations mostly rescans live
    objects: a larger first threshold made a 100,000-row build about 1.6 times faster
    (bench/bench_geocode.py). Reference counting still frees everything as usual.
    """
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def run_build(args: argparse.Namespace) -> int:
    """Read, validate, geocode and write; print a summary; return the exit code."""
    settings = _settings()
    input_path: Path = args.input
    output: Path = args.output or input_path.with_suffix(".geojson")
    report_path: Path = args.rejets or default_report_path(output)
    for target in (output, report_path):
        if not target.parent.is_dir():
            raise CliError(f"dossier de sortie introuvable : {target.parent}")
    if output.resolve() == input_path.resolve():
        raise CliError("la sortie écraserait le fichier d'entrée : choisissez un autre -o")

    table = read_table(input_path, args.feuille)
    imported = import_table(table)
    sidecar = read_sidecar(input_path)
    gazetteer = _load_gazetteer(args.gazetteer or settings.gazetteer_path)
    tune_gc_for_build()

    from tqdm import tqdm

    with tqdm(
        total=len(imported.rows),
        unit=" ligne",
        desc="Géocodage",
        file=sys.stderr,
        disable=args.quiet or not sys.stderr.isatty(),
        leave=False,
    ) as bar:
        report = geocode_offline(
            imported.rows,
            gazetteer,
            imported.column_names,
            on_row=bar.update,
        )
    online_stats: list[BanStats] = []
    if args.geocoder not in OFFLINE_GEOCODERS:
        report = asyncio.run(_refine_online(report, args, settings, online_stats))

    issues = [*imported.issues, *report.issues]
    metadata = metadata_from_sidecar(sidecar, input_path.name, generation_date())
    try:
        if report.placed:
            collection = build_feature_collection(report.placed, metadata)
            if args.accepter_baisse:
                collection["metadonnees"][DROP_ACCEPTED_KEY] = True
            write_geojson_atomic(output, collection)
        write_report(report_path, issues)
    except OSError as exc:
        raise CliError(f"écriture impossible : {exc.strerror or exc} ({exc.filename})") from exc

    if not args.quiet:
        print_summary(imported, report, issues, output, report_path, sys.stdout, table)
        for stats in online_stats:
            print(
                f"Base Adresse Nationale ({settings.ban_url}) : {stats.requests} requête(s), "
                f"{stats.cache_hits} réponse(s) tirée(s) du cache"
                + (" ; service abandonné après des échecs répétés" if stats.breaker_open else ""),
                file=sys.stdout,
            )
    if not report.placed:
        print(
            f"carte-gen : aucune formation placée, {output} n'a pas été écrit ; "
            f"voir {report_path}.",
            file=sys.stderr,
        )
        return EXIT_REJECTIONS
    rejected = any(issue.niveau is Level.REJET for issue in issues)
    return EXIT_REJECTIONS if args.strict and rejected else EXIT_OK


_SOURCE_LABELS: Final = {
    GeocodingSource.COORDONNEES: "coordonnées fournies",
    GeocodingSource.GAZETTEER: "gazetteer des communes",
    GeocodingSource.BAN: "Base Adresse Nationale",
}


def print_summary(
    imported: ImportResult,
    report: GeocodeReport,
    issues: Sequence[Issue],
    output: Path,
    report_path: Path,
    stream: TextIO,
    table: Table | None = None,
) -> None:
    """Print what happened to every row: read, placed (by precision and source), rejected."""
    rejected_lines = {i.ligne for i in issues if i.niveau is Level.REJET}
    warnings = sum(1 for i in issues if i.niveau is Level.AVERTISSEMENT)
    by_kind = Counter((item.placement.precision, item.placement.source) for item in report.placed)
    lines = [f"Fichier lu : {describe_table(table)}"] if table is not None else []
    lines += [
        f"Lignes lues : {imported.rows_read}",
        f"Placées : {len(report.placed)}",
    ]
    for precision in Precision:
        for source in GeocodingSource:
            count = by_kind.get((precision, source))
            if count:
                lines.append(
                    f"  - {PRECISION_LABELS[precision]} ({_SOURCE_LABELS[source]}) : {count}"
                )
    lines.append(f"Rejetées : {len(rejected_lines)}")
    if report.online_queries:
        kept = sum(report.online_fallbacks.values())
        lines.append(
            f"Géocodage en ligne : {report.online_queries} adresses demandées, "
            f"{report.online_queries - kept} placées, {kept} laissées à la commune"
        )
        for reason, count in report.online_fallbacks.most_common():
            lines.append(f"  - {reason} : {count}")
    lines.append(f"Avertissements : {warnings}")
    if report.placed:
        lines.append(f"GeoJSON écrit : {output}")
    lines.append(f"Rapport des rejets et avertissements : {report_path}")
    print("\n".join(lines), file=stream)


_ENCODING_LABELS: Final = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 avec BOM",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
}
_DELIMITER_LABELS: Final = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}


def describe_table(table: Table) -> str:
    """Say in French how the input was read (format, encoding, delimiter, header row)."""
    if table.format == "xlsx":
        return f"classeur XLSX, en-têtes ligne {table.header_line}"
    encoding = _ENCODING_LABELS.get(table.encoding or "", table.encoding or "?")
    delimiter = _DELIMITER_LABELS.get(table.delimiter or "", repr(table.delimiter))
    return f"CSV {encoding}, séparateur {delimiter}, en-têtes ligne {table.header_line}"


# --------------------------------------------------------------------------- serve


def run_serve(args: argparse.Namespace) -> int:
    """Run uvicorn on ``create_app(Settings(...))``; explain how to build the data if missing."""
    overrides: dict[str, object] = {}
    if args.data is not None:
        overrides["data_path"] = args.data
    settings = _settings(**overrides)
    if not settings.data_path.is_file():
        raise CliError(
            f"données introuvables : {settings.data_path}. Construisez-les d'abord, par exemple : "
            f"« uv run carte-gen build data/formations.csv -o {settings.data_path} »."
        )
    import uvicorn

    from app.main import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port)
    return EXIT_OK
