"""The ``carte-gen`` console script: ``build`` makes GeoJSON from a spreadsheet, ``serve`` runs."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from geo.ban import BanConfig, BanStats
from geo.build import (
    Build,
    BuildError,
    BuildRequest,
    OnlineGeocoding,
    default_report_path,
    geocode_file,
    write_outputs,
)
from geo.geojson import SidecarError
from geo.importer import DELIMITER_LABELS, ENCODING_LABELS, InputFileError, Level, Table
from geo.schema import GEOCODING_SOURCE_LABELS, PRECISION_LABELS, GeocodingSource, Precision

if TYPE_CHECKING:
    from app.settings import Settings

EXIT_OK: Final = 0
EXIT_REJECTIONS: Final = 1  # --strict and some rows rejected, or nothing could be placed
EXIT_FATAL: Final = 2
GEOCODERS: Final = ("offline", "ban", "gazetteer")  # "gazetteer" is another name for "offline"
ONLINE_GEOCODERS: Final = frozenset({"ban"})


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
        help="géocode un tableur CSV, XLSX, JSON ou GeoJSON en GeoJSON",
        description="Lit un tableur (CSV, XLSX, JSON ou GeoJSON), valide et géocode chaque "
        "ligne, écrit un GeoJSON et un rapport des lignes rejetées.",
    )
    build.add_argument(
        "input", type=Path, metavar="ENTREE", help="fichier CSV, XLSX, JSON ou GeoJSON"
    )
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
        "-v", "--verbose", action="store_true", help="affiche aussi la durée de chaque étape"
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
    except (CliError, BuildError, InputFileError, SidecarError) as exc:
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


def ban_config(settings: Settings) -> BanConfig:
    """Map the ``CARTE_GEN_BAN_*`` settings to the BAN client's configuration."""
    try:
        return BanConfig(
            base_url=settings.ban_url,
            timeout_s=settings.ban_timeout_s,
            max_retries=settings.ban_max_retries,
            concurrency=settings.ban_concurrency,
            rate_limit_per_s=settings.ban_rate_limit_per_s,
            batch_size=settings.ban_batch_size,
            min_score=settings.ban_min_score,
        )
    except ValueError as exc:
        raise CliError(f"configuration du géocodeur BAN invalide : {exc}") from exc


def build_request(args: argparse.Namespace, settings: Settings) -> BuildRequest:
    """Turn the ``build`` arguments and the settings into the pipeline's request."""
    input_path: Path = args.input
    output: Path = args.output or input_path.with_suffix(".geojson")
    online = None
    if args.geocoder in ONLINE_GEOCODERS:
        online = OnlineGeocoding(
            ban_config(settings),
            cache_path=None if args.no_cache else settings.ban_cache_path,
            refresh_cache=args.refresh_cache,
        )
    return BuildRequest(
        input=input_path,
        output=output,
        report=args.rejets or default_report_path(output),
        gazetteer=args.gazetteer or settings.gazetteer_path,
        sheet=args.feuille,
        online=online,
        progress=not args.quiet and sys.stderr.isatty(),
        tune_gc=True,
        accept_drop=args.accepter_baisse,
    )


def run_build(args: argparse.Namespace) -> int:
    """Read, validate, geocode and write; print a summary; return the exit code."""
    settings = _settings()
    request = build_request(args, settings)
    build = geocode_file(request)
    write_outputs(request, build)

    if not args.quiet:
        print_summary(build, request, sys.stdout)
        if build.online_stats is not None:
            print_ban_stats(build.online_stats, settings.ban_url, sys.stdout)
        if args.verbose:
            print_timings(build.timings, sys.stdout)
    if not build.report.placed:
        print(
            f"carte-gen : aucune formation placée, {request.output} n'a pas été écrit ; "
            f"voir {request.report}.",
            file=sys.stderr,
        )
        return EXIT_REJECTIONS
    rejected = any(issue.niveau is Level.REJET for issue in build.issues)
    return EXIT_REJECTIONS if args.strict and rejected else EXIT_OK


def print_ban_stats(stats: BanStats, url: str, stream: TextIO) -> None:
    """Say how much the BAN was asked, and whether it was given up on."""
    print(
        f"Base Adresse Nationale ({url}) : {stats.requests} requête(s), "
        f"{stats.cache_hits} réponse(s) tirée(s) du cache"
        + (" ; service abandonné après des échecs répétés" if stats.breaker_open else ""),
        file=stream,
    )


def print_timings(timings: dict[str, float], stream: TextIO) -> None:
    """Print the seconds each step of the build took, and their total."""
    steps = " ; ".join(f"{step} {seconds:.3f} s" for step, seconds in timings.items())
    print(f"Durées : {steps} ; total {sum(timings.values()):.3f} s", file=stream)


def print_summary(build: Build, request: BuildRequest, stream: TextIO) -> None:
    """Print what happened to every row: read, placed (by precision and source), rejected."""
    report, issues = build.report, build.issues
    rejected_lines = {i.ligne for i in issues if i.niveau is Level.REJET}
    warnings = sum(1 for i in issues if i.niveau is Level.AVERTISSEMENT)
    by_kind = Counter((item.placement.precision, item.placement.source) for item in report.placed)
    lines = [
        f"Fichier lu : {describe_table(build.table)}",
        f"Lignes lues : {build.imported.rows_read}",
        f"Placées : {len(report.placed)}",
    ]
    for precision in Precision:
        for source in GeocodingSource:
            count = by_kind.get((precision, source))
            if count:
                label = f"{PRECISION_LABELS[precision]} ({GEOCODING_SOURCE_LABELS[source]})"
                lines.append(f"  - {label} : {count}")
    lines.append(f"Rejetées : {len(rejected_lines)}")
    if build.imported.joined_lines:
        lines.append(
            "Jointes à la formation d'une ligne précédente (une session par ligne) : "
            f"{len(build.imported.joined_lines)}"
        )
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
        lines.append(f"GeoJSON écrit : {request.output}")
    lines.append(f"Rapport des rejets et avertissements : {request.report}")
    print("\n".join(lines), file=stream)


def describe_table(table: Table) -> str:
    """Say in French how the input was read (format, encoding, delimiter, header row)."""
    if table.format == "xlsx":
        return f"classeur XLSX, en-têtes ligne {table.header_line}"
    if table.format == "lheo":
        return f"LHEO (XML), {len(table.rows)} formations (actions et lieux)"
    if table.format in ("json", "geojson"):
        kind = "GeoJSON (FeatureCollection)" if table.format == "geojson" else "JSON"
        return f"{kind}, {len(table.rows)} objets"
    encoding = ENCODING_LABELS.get(table.encoding or "", table.encoding or "?")
    delimiter = DELIMITER_LABELS.get(table.delimiter or "", repr(table.delimiter))
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
