"""LHEO reading throughput and peak memory, at two feed sizes to show memory does not grow.

Generates an LHEO 2.3 feed (formations of two actions, each with a training site, contact,
certification and five sessions) streamed to a temporary file, then reads it with
``geo.lheo.read_lheo`` in a fresh subprocess per size, which reports CPU seconds and its peak
resident memory (``ru_maxrss``). A baseline subprocess (interpreter + imports, no reading)
is measured the same way, so the printed growth is what reading costs. Last, the records of
the smallest feed are written back with ``geo.lheo.writer.write_lheo`` (the export's cost).

    uv run --no-sync python bench/bench_lheo.py [--sizes 20000 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS_PER_ACTION = 5
ACTIONS_PER_FORMATION = 2
TARGET_SESSIONS_PER_S = 20_000

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3"><offres>\n'
TAIL = "</offres></lheo>\n"
SESSION = (
    "<session><periode><debut>2027{month:02d}01</debut><fin>2028{month:02d}28</fin></periode>"
    "<adresse-inscription><adresse><ligne>{n} rue de l'Exemple</ligne><codepostal>59000"
    "</codepostal><ville>Lille</ville></adresse></adresse-inscription></session>"
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
    "<codepostal>59000</codepostal><ville>Lille</ville>"
    "<code-INSEE-commune>59350</code-INSEE-commune><geolocalisation><latitude>50.63"
    "</latitude><longitude>3.06</longitude></geolocalisation></adresse></coordonnees>"
    "</lieu-de-formation><modalites-entrees-sorties>0</modalites-entrees-sorties>"
    "<url-action><urlweb>https://exemple.example/a/{n}</urlweb></url-action>"
    "{sessions}<nombre-heures-total>{hours}</nombre-heures-total></action>"
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
    "<url-formation><urlweb>https://exemple.example/f/{n}</urlweb></url-formation>"
    "{actions}<organisme-formation-responsable><numero-activite>00000000000</numero-activite>"
    "<SIRET-organisme-formation><SIRET>99900000000000</SIRET></SIRET-organisme-formation>"
    "<nom-organisme>Organisme fictif {n}</nom-organisme><raison-sociale>-</raison-sociale>"
    "<coordonnees-organisme><coordonnees/></coordonnees-organisme>"
    "<contact-organisme><coordonnees/></contact-organisme>"
    "</organisme-formation-responsable></formation>\n"
)


def write_feed(path: Path, sessions: int) -> None:
    """Write a feed of ``sessions`` sessions to ``path``, one formation at a time."""
    per_formation = SESSIONS_PER_ACTION * ACTIONS_PER_FORMATION
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(sessions // per_formation):
            actions = "".join(
                ACTION.format(
                    n=n,
                    a=a,
                    mode=(n + a) % 3,
                    hours=400 + n % 800,
                    sessions="".join(
                        SESSION.format(n=n, month=1 + (n + s) % 12)
                        for s in range(SESSIONS_PER_ACTION)
                    ),
                )
                for a in range(ACTIONS_PER_FORMATION)
            )
            out.write(FORMATION.format(n=n, rncp=30000 + n % 9000, actions=actions))
        out.write(TAIL)


def child(path: str | None) -> None:
    """Read the feed (or nothing, for the baseline) and print the figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from geo.lheo import read_lheo

    records = sessions = 0
    start = time.process_time()
    if path is not None:
        with open(path, "rb") as stream:
            for record in read_lheo(stream):
                records += 1
                sessions += len(record["sessions"])  # type: ignore[arg-type]
    seconds = time.process_time() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"records": records, "sessions": sessions, "cpu_s": seconds, "peak_kib": peak_kib}
        )
    )


def child_write(path: str) -> None:
    """Read the feed into memory, then time writing its records as LHEO; print JSON."""
    sys.path.insert(0, str(ROOT))
    from geo.lheo import read_lheo
    from geo.lheo.writer import write_lheo

    with open(path, "rb") as stream:
        records = list(read_lheo(stream))
    start = time.process_time()
    with open(path + ".out", "wb") as out:
        written = write_lheo(records, out)
    seconds = time.process_time() - start
    print(json.dumps({"records": written, "cpu_s": seconds}))


def measure(path: Path | None) -> dict[str, float]:
    """Run :func:`child` in a fresh interpreter so each peak memory is its own."""
    return _run("--child", str(path) if path else "-")


def _run(*options: str) -> dict[str, float]:
    arguments = [sys.executable, __file__, *options]
    output = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-write", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(None if arguments.child == "-" else arguments.child)
        return
    if arguments.child_write:
        child_write(arguments.child_write)
        return
    baseline = measure(None)
    print(f"baseline (interpreter + imports): peak {baseline['peak_kib'] / 1024:.1f} MiB")
    print(
        f"{'sessions':>9} {'records':>8} {'file MiB':>9} {'CPU s':>7} {'sessions/s':>11} "
        f"{'peak MiB':>9} {'growth MiB':>11}"
    )
    write_line = ""
    with tempfile.TemporaryDirectory() as folder:
        for size in arguments.sizes:
            path = Path(folder) / f"lheo-{size}.xml"
            write_feed(path, size)
            figures = measure(path)
            rate = figures["sessions"] / figures["cpu_s"]
            growth = (figures["peak_kib"] - baseline["peak_kib"]) / 1024
            print(
                f"{int(figures['sessions']):>9} {int(figures['records']):>8} "
                f"{path.stat().st_size / 2**20:>9.1f} {figures['cpu_s']:>7.2f} {rate:>11,.0f} "
                f"{figures['peak_kib'] / 1024:>9.1f} {growth:>11.1f}"
            )
            if size == min(arguments.sizes):
                written = _run("--child-write", str(path))
                write_line = (
                    f"write: {int(written['records'])} records in {written['cpu_s']:.2f} CPU s, "
                    f"{written['records'] / written['cpu_s']:,.0f} records/s"
                )
            path.unlink()
            verdict = "meets" if rate >= TARGET_SESSIONS_PER_S else "MISSES"
            print(f"  {verdict} the target of {TARGET_SESSIONS_PER_S:,} sessions/s")
    print(write_line)


if __name__ == "__main__":
    main()
