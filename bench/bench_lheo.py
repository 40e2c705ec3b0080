"""LHEO throughput and peak memory: the whole offline build, and reading alone, at two sizes.

Generates an LHEO 2.3 feed (formations of two actions, each with a training site in a real
commune drawn from ``data/gazetteer.json.gz``, contact, certification, hours and five
sessions) streamed to a temporary file. Training sites are placed as real feeds place them:
a third with coordinates, a third by INSEE code, postcode and town, a third by postcode and
town only. Then, for each size, each in a fresh subprocess:

- **build**: the whole offline build through :mod:`geo.build`'s public entry (what
  ``carte-gen build offre.xml`` runs: read, validate, load the gazetteer, geocode, write the
  GeoJSON and the report), with CPU and wall seconds, sessions/s, the build's own time split
  (``carte-gen build --verbose``) and peak resident memory (``VmHWM``);
- **read**: ``geo.lheo.read_lheo`` alone (records streamed and dropped), for comparison.

A baseline subprocess (interpreter + the same imports, no work) is measured the same way, so
the printed growth is what the work costs; the ratio of the two sizes' growths says whether
memory grows with the file beyond the trainings the build keeps. Last, the records of the
smallest feed are written back with ``geo.lheo.writer.write_lheo`` (the export's cost).
CPU seconds do not count what other processes take on a shared machine; wall seconds do.

    uv run --no-sync python bench/bench_lheo.py [--sizes 20000 100000]

Side by side with the code of a git revision (the build of the largest feed only, alternating
runs, each in its own process; the revision's ``geo`` package is measured on the same feed):

    uv run --no-sync python bench/bench_lheo.py --against main [--repeat 3] [--sizes 100000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
#: The ``geo`` package measured: this checkout's, or a revision's unpacked by ``--against``.
CODE_ENV = "CARTE_GEN_BENCH_CODE"
sys.path[:0] = [os.environ.get(CODE_ENV) or str(ROOT), str(ROOT)]

GAZETTEER = ROOT / "data" / "gazetteer.json.gz"
SESSIONS_PER_ACTION = 5
ACTIONS_PER_FORMATION = 2
#: Issue 13: the whole build of a generated feed of 100,000 sessions, in sessions per second.
TARGET_SESSIONS_PER_S = 20_000
#: Distinct communes the training sites are drawn from (weighted towards towns).
COMMUNES = 3_000

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3"><offres>\n'
TAIL = "</offres></lheo>\n"
SESSION = (
    "<session><periode><debut>2027{month:02d}01</debut><fin>2028{month:02d}28</fin></periode>"
    "<adresse-inscription><adresse><ligne>{n} rue de l'Exemple</ligne><codepostal>{cp}"
    "</codepostal><ville>{ville}</ville></adresse></adresse-inscription></session>"
)
GEOLOCALISATION = (
    "<geolocalisation><latitude>{lat:.5f}</latitude><longitude>{lon:.5f}</longitude>"
    "</geolocalisation>"
)
ACTION = (
    '<action numero="A{n}-{a}"><rythme-formation>Temps plein</rythme-formation>'
    '<code-public-vise ref="V12">80006</code-public-vise>'
    '<code-public-vise ref="V12">81024</code-public-vise>'
    "<niveau-entree-obligatoire>0</niveau-entree-obligatoire>"
    "<modalites-alternance>-</modalites-alternance>"
    "<modalites-enseignement>{mode}</modalites-enseignement>"
    "<conditions-specifiques>-</conditions-specifiques>"
    "<prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>"
    "<lieu-de-formation><coordonnees><adresse><ligne>{n} rue de l'Exemple</ligne>"
    "<codepostal>{cp}</codepostal><ville>{ville}</ville>{insee}{geo}</adresse></coordonnees>"
    "</lieu-de-formation><modalites-entrees-sorties>0</modalites-entrees-sorties>"
    "<url-action><urlweb>https://exemple.invalid/a/{n}</urlweb></url-action>"
    "{sessions}{hours}</action>"
)
FORMATION = (
    '<formation numero="F{n}"><domaine-formation><code-FORMACODE ref="V12">31054'
    "</code-FORMACODE></domaine-formation>"
    "<intitule-formation>Formation fictive n° {n} &amp; numérique</intitule-formation>"
    "<objectif-formation>Objectif fictif.</objectif-formation>"
    "<resultats-attendus>Titre fictif.</resultats-attendus>"
    "<contenu-formation>Contenu fictif.</contenu-formation><certifiante>1</certifiante>"
    "<contact-formation><coordonnees><telfixe><numtel>03 20 00 00 00</numtel></telfixe>"
    "<courriel>contact{n}@exemple.invalid</courriel></coordonnees></contact-formation>"
    "<parcours-de-formation>1</parcours-de-formation>"
    "<code-niveau-entree>5</code-niveau-entree>"
    "<certification><code-RNCP>{rncp}</code-RNCP></certification>"
    "<code-niveau-sortie>6</code-niveau-sortie>"
    "<url-formation><urlweb>https://exemple.invalid/f/{n}</urlweb></url-formation>"
    "{actions}<organisme-formation-responsable><numero-activite>00000000000</numero-activite>"
    "<SIRET-organisme-formation><SIRET>99900000000000</SIRET></SIRET-organisme-formation>"
    "<nom-organisme>Organisme fictif {n}</nom-organisme><raison-sociale>-</raison-sociale>"
    "<coordonnees-organisme><coordonnees/></coordonnees-organisme>"
    "<contact-organisme><coordonnees/></contact-organisme>"
    "</organisme-formation-responsable></formation>\n"
)


def _places(seed: int) -> list[tuple[str, str, str, float, float]]:
    """Real communes (INSEE code, postcode, escaped name, lat, lon), weighted towards towns."""
    from bench.synthetic import commune_weight
    from geo.gazetteer import Gazetteer

    communes = [c for c in Gazetteer.load(GAZETTEER) if c.type == "commune" and c.codes_postaux]
    chosen = random.Random(seed).choices(
        communes, weights=[commune_weight(c.population) for c in communes], k=COMMUNES
    )
    return [(c.code_insee, c.codes_postaux[0], escape(c.nom), c.lat, c.lon) for c in chosen]


def _action(n: int, a: int, place: tuple[str, str, str, float, float]) -> str:
    insee, cp, ville, lat, lon = place
    placement = (n + a) % 3  # 0: coordinates, 1: INSEE + postcode + town, 2: postcode + town
    return ACTION.format(
        n=n,
        a=a,
        mode=(n + a) % 3,
        cp=cp,
        ville=ville,
        insee=f"<code-INSEE-commune>{insee}</code-INSEE-commune>" if placement < 2 else "",
        geo=GEOLOCALISATION.format(lat=lat, lon=lon) if placement == 0 else "",
        # one action in ten gives no hours, as real feeds do
        hours="" if n % 10 == 9 else f"<nombre-heures-total>{400 + n % 800}</nombre-heures-total>",
        sessions="".join(
            SESSION.format(n=n, month=1 + (n + s) % 12, cp=cp, ville=ville)
            for s in range(SESSIONS_PER_ACTION)
        ),
    )


def write_feed(path: Path, sessions: int, seed: int = 13) -> None:
    """Write a feed of ``sessions`` sessions to ``path``, one formation at a time."""
    places = _places(seed)
    per_formation = SESSIONS_PER_ACTION * ACTIONS_PER_FORMATION
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(sessions // per_formation):
            actions = "".join(
                _action(n, a, places[(n * ACTIONS_PER_FORMATION + a) * 7919 % COMMUNES])
                for a in range(ACTIONS_PER_FORMATION)
            )
            out.write(FORMATION.format(n=n, rncp=30000 + n % 9000, actions=actions))
        out.write(TAIL)


def _import_all() -> None:
    """Import what the build and the reader import, so the baseline holds the same modules."""
    import geo.build
    import geo.lheo  # noqa: F401


def _peak_kib() -> int:
    """Peak resident memory of this process, in KiB.

    Linux's ``VmHWM`` where there is one: Linux carries the parent's resident size at the
    ``exec`` into the child's ``ru_maxrss``, so a child of a parent that loaded the gazetteer
    to write the feed would report at least the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_baseline() -> None:
    """Print the peak memory of the interpreter with the imports, doing nothing."""
    _import_all()
    print(json.dumps({"peak_kib": _peak_kib()}))


def child_read(path: str) -> None:
    """Read the feed with ``read_lheo`` (records dropped) and print the figures as JSON."""
    _import_all()
    from geo.lheo import read_lheo

    records = sessions = 0
    cpu, wall = time.process_time(), time.perf_counter()
    with open(path, "rb") as stream:
        for record in read_lheo(stream):
            records += 1
            sessions += len(record["sessions"])  # type: ignore[arg-type]
    figures = {
        "records": records,
        "sessions": sessions,
        "cpu_s": time.process_time() - cpu,
        "wall_s": time.perf_counter() - wall,
        "peak_kib": _peak_kib(),
    }
    print(json.dumps(figures))


def child_build(path: str) -> None:
    """Build the feed offline as ``carte-gen build`` does and print the figures as JSON."""
    _import_all()
    from geo.build import BuildRequest, geocode_file, write_outputs

    folder = Path(path).parent
    request = BuildRequest(
        input=Path(path),
        output=folder / "formations.geojson",
        report=folder / "formations.rejets.csv",
        gazetteer=GAZETTEER,
        tune_gc=True,  # as the command line does
    )
    cpu, wall = time.process_time(), time.perf_counter()
    build = geocode_file(request)
    write_outputs(request, build)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    placed = build.report.placed
    figures = {
        "records": len(build.imported.rows),
        "placed": len(placed),
        "warnings": sum(1 for issue in build.issues if issue.niveau.value == "avertissement"),
        "sessions": sum(len(row.details.sessions) for row in build.imported.rows),
        "cpu_s": cpu,
        "wall_s": wall,
        "peak_kib": _peak_kib(),
        "timings": build.timings,
        "geojson_mib": request.output.stat().st_size / 2**20,
    }
    print(json.dumps(figures))


def child_write(path: str) -> None:
    """Read the feed into memory, then time writing its records as LHEO; print JSON."""
    from geo.lheo import read_lheo
    from geo.lheo.writer import write_lheo

    with open(path, "rb") as stream:
        records = list(read_lheo(stream))
    start = time.process_time()
    with open(path + ".out", "wb") as out:
        written = write_lheo(records, out)
    seconds = time.process_time() - start
    os.unlink(path + ".out")
    print(json.dumps({"records": written, "cpu_s": seconds}))


CHILDREN = {
    "baseline": lambda path: child_baseline(),
    "read": child_read,
    "build": child_build,
    "write": child_write,
}


def _run(kind: str, path: Path | None = None, code: str | None = None) -> dict:
    """Run one child in a fresh interpreter, so that each peak memory is its own."""
    arguments = [sys.executable, "-B", __file__, "--child", kind, str(path or "-")]
    env = {**os.environ, CODE_ENV: code or str(ROOT)}
    output = subprocess.run(arguments, check=True, capture_output=True, text=True, env=env)
    return json.loads(output.stdout)


def side_by_side(revision: str, size: int, repeat: int) -> None:
    """Time the whole build with a revision's ``geo`` and with this checkout's, alternately."""
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "geo"],
            check=True,
            capture_output=True,
        ).stdout
        code_folder = Path(folder) / "code"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(code_folder, filter="data")
        path = Path(folder) / "feed" / f"lheo-{size}.xml"
        path.parent.mkdir()
        write_feed(path, size)
        codes = {revision: str(code_folder), "this checkout": str(ROOT)}
        cpu: dict[str, list[float]] = {name: [] for name in codes}
        for round_number in range(repeat):
            for name, code in codes.items():
                figures = _run("build", path, code)
                cpu[name].append(figures["cpu_s"])
                split = " ; ".join(f"{step} {s:.2f}" for step, s in figures["timings"].items())
                print(
                    f"  round {round_number + 1} {name:<14} CPU {figures['cpu_s']:.2f} s, "
                    f"wall {figures['wall_s']:.2f} s ({split})"
                )
    best = {name: min(values) for name, values in cpu.items()}
    for name, seconds in best.items():
        print(f"  {name:<14} best build {size / seconds:10,.0f} sessions per CPU second")
    speed_up = best[revision] / best["this checkout"]
    print(f"  speed-up of this checkout over {revision}: {speed_up:.2f}x")
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def _growth_mib(figures: dict, baseline: dict) -> float:
    return (figures["peak_kib"] - baseline["peak_kib"]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--against", metavar="REV", help="side by side with a git revision's geo")
    parser.add_argument("--repeat", type=int, default=3, help="alternations with --against")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        kind, path = arguments.child
        CHILDREN[kind](path)
        return
    if arguments.against:
        side_by_side(arguments.against, max(arguments.sizes), arguments.repeat)
        return
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    baseline = _run("baseline")
    print(f"baseline (interpreter + imports): peak {baseline['peak_kib'] / 1024:.1f} MiB")
    header = (
        f"{'':5} {'sessions':>9} {'records':>8} {'file MiB':>9} {'CPU s':>7} {'wall s':>7} "
        f"{'sess/CPU s':>11} {'sess/wall s':>11} {'peak MiB':>9} {'growth MiB':>11}"
    )
    print(header)
    results: dict[int, dict[str, dict]] = {}
    write_line = ""
    with tempfile.TemporaryDirectory() as folder:
        for size in sorted(arguments.sizes):
            path = Path(folder) / f"lheo-{size}.xml"
            write_feed(path, size)
            results[size] = {kind: _run(kind, path) for kind in ("build", "read")}
            for kind in ("build", "read"):
                figures = results[size][kind]
                print(
                    f"{kind:5} {int(figures['sessions']):>9} {int(figures['records']):>8} "
                    f"{path.stat().st_size / 2**20:>9.1f} {figures['cpu_s']:>7.2f} "
                    f"{figures['wall_s']:>7.2f} {figures['sessions'] / figures['cpu_s']:>11,.0f} "
                    f"{figures['sessions'] / figures['wall_s']:>11,.0f} "
                    f"{figures['peak_kib'] / 1024:>9.1f} {_growth_mib(figures, baseline):>11.1f}"
                )
            build = results[size]["build"]
            split = " ; ".join(f"{step} {s:.2f}" for step, s in build["timings"].items())
            print(
                f"      build split (wall s): {split}; {build['placed']} placed, "
                f"{build['warnings']} warnings, GeoJSON {build['geojson_mib']:.1f} MiB"
            )
            if size == min(arguments.sizes):
                written = _run("write", path)
                write_line = (
                    f"write: {int(written['records'])} records in {written['cpu_s']:.2f} CPU s, "
                    f"{written['records'] / written['cpu_s']:,.0f} records/s"
                )
            path.unlink()
    largest = results[max(results)]["build"]
    rate = largest["sessions"] / largest["cpu_s"]
    verdict = "meets" if rate >= TARGET_SESSIONS_PER_S else "MISSES"
    print(
        f"build of {int(largest['sessions']):,} sessions: {rate:,.0f} sessions per CPU second, "
        f"{verdict} the target of {TARGET_SESSIONS_PER_S:,}"
    )
    if len(results) > 1:
        small, large = min(results), max(results)
        for kind in ("build", "read"):
            low, high = results[small][kind], results[large][kind]
            grow_low, grow_high = _growth_mib(low, baseline), _growth_mib(high, baseline)
            per_record = (grow_high - grow_low) * 1024 / max(high["records"] - low["records"], 1)
            print(
                f"{kind} memory growth {large:,} / {small:,} sessions: {grow_high:.1f} / "
                f"{grow_low:.1f} MiB = {grow_high / grow_low:.2f} for a file "
                f"{large / small:.1f} times larger; {per_record:.2f} KiB more per record"
            )
    print(write_line)
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
