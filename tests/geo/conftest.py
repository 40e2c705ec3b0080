"""Fixtures of the geo tests: small gazetteers and spreadsheets made on the fly."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest


@pytest.fixture
def xlsx_bytes() -> Callable[..., bytes]:
    """Build an XLSX workbook in memory from rows of cell values (openpyxl, no binary in git)."""

    def build(rows: Sequence[Sequence[object]], sheet: str | None = None) -> bytes:
        import openpyxl

        workbook = openpyxl.Workbook()
        worksheet = workbook.active
        if sheet:
            worksheet.title = sheet
        for row in rows:
            worksheet.append(list(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return build


#: (code_insee, nom, codes_postaux, departement, region, population, lon, lat, type)
SMALL_COMMUNES: tuple[tuple[str, str, tuple[str, ...], str, str, int, float, float, str], ...] = (
    (
        "75056",
        "Paris",
        (*tuple(f"750{n:02d}" for n in range(1, 21)), "75116"),
        "75",
        "11",
        2_100_000,
        2.3522,
        48.8566,
        "commune",
    ),
    (
        "75111",
        "Paris 11e Arrondissement",
        ("75011",),
        "75",
        "11",
        140_000,
        2.3795,
        48.8590,
        "arrondissement_municipal",
    ),
    ("93066", "Saint-Denis", ("93200", "93210"), "93", "11", 113_000, 2.3539, 48.9362, "commune"),
    (
        "97411",
        "Saint-Denis",
        ("97400", "97490"),
        "974",
        "04",
        153_000,
        55.4481,
        -20.8789,
        "commune",
    ),
    ("11339", "Saint-Denis", ("11310",), "11", "76", 500, 2.2206, 43.3547, "commune"),
    ("93048", "Montreuil", ("93100",), "93", "11", 111_000, 2.4410, 48.8611, "commune"),
    ("62588", "Montreuil", ("62170",), "62", "32", 1_900, 1.7631, 50.4638, "commune"),
    ("01053", "Bourg-en-Bresse", ("01000",), "01", "84", 41_000, 5.2258, 46.2052, "commune"),
    (
        "01093",
        "Châtillon-sur-Chalaronne",
        ("01400",),
        "01",
        "84",
        5_000,
        4.9575,
        46.1183,
        "commune",
    ),
    ("01001", "L'Abergement-Clémenciat", ("01400",), "01", "84", 800, 4.9261, 46.1534, "commune"),
    (
        "69123",
        "Lyon",
        tuple(f"6900{n}" for n in range(1, 10)),
        "69",
        "84",
        520_000,
        4.8357,
        45.7640,
        "commune",
    ),
    ("42218", "Saint-Étienne", ("42000", "42100"), "42", "84", 173_000, 4.3872, 45.4397, "commune"),
    ("97101", "Les Abymes", ("97139",), "971", "01", 53_000, -61.5045, 16.2706, "commune"),
    (
        "97209",
        "Fort-de-France",
        ("97200", "97234"),
        "972",
        "02",
        76_000,
        -61.0742,
        14.6161,
        "commune",
    ),
    ("97302", "Cayenne", ("97300",), "973", "03", 63_000, -52.3135, 4.9224, "commune"),
    ("97611", "Mamoudzou", ("97600",), "976", "06", 71_000, 45.2279, -12.7806, "commune"),
    ("2A004", "Ajaccio", ("20000", "20090"), "2A", "94", 73_000, 8.7369, 41.9192, "commune"),
)

SMALL_DEPARTEMENTS = {
    "01": "Ain",
    "11": "Aude",
    "2A": "Corse-du-Sud",
    "42": "Loire",
    "62": "Pas-de-Calais",
    "69": "Rhône",
    "75": "Paris",
    "93": "Seine-Saint-Denis",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}
SMALL_REGIONS = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "32": "Hauts-de-France",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "94": "Corse",
}


@pytest.fixture(scope="session")
def small_gazetteer():
    """A gazetteer of a few communes chosen for their traps (homonyms, shared postcodes, DOM)."""
    from geo.gazetteer import Commune, Gazetteer

    communes = [
        Commune(
            code_insee=code,
            nom=nom,
            codes_postaux=codes,
            departement=dep,
            departement_nom=SMALL_DEPARTEMENTS[dep],
            region=reg,
            region_nom=SMALL_REGIONS[reg],
            population=population,
            lon=lon,
            lat=lat,
            position="test",
            type=kind,
        )
        for code, nom, codes, dep, reg, population, lon, lat, kind in SMALL_COMMUNES
    ]
    return Gazetteer.from_communes(communes, SMALL_DEPARTEMENTS, SMALL_REGIONS)


# -- the real gazetteer and its sources (gazetteer tests)

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


@pytest.fixture(scope="session")
def gazetteer():
    """The committed gazetteer, data/gazetteer.json.gz."""
    from geo.gazetteer import Gazetteer

    return Gazetteer.load()


@pytest.fixture(scope="session")
def source_communes() -> list[dict]:
    """Communes of the npm package @etalab/decoupage-administratif (the build's source)."""
    path = NODE_MODULES / "@etalab" / "decoupage-administratif" / "data" / "communes.json"
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="session")
def source_postcodes() -> list[dict]:
    """Entries of the npm package codes-postaux (codes-postaux-full.json)."""
    path = NODE_MODULES / "codes-postaux" / "codes-postaux-full.json"
    return json.loads(path.read_text("utf-8"))


REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def donnees_reelles() -> Path:
    """The real public files of ``shared/donnees-reelles`` (beside the clone, or the env var).

    A test that needs them fails, never skips, when they are missing.
    """
    import os

    candidates = [REPO_ROOT.parent / "shared" / "donnees-reelles"]
    if os.environ.get("CARTE_GEN_DONNEES_REELLES"):
        candidates.append(Path(os.environ["CARTE_GEN_DONNEES_REELLES"]))
    for folder in candidates:
        if (folder / "README.md").is_file():
            return folder
    pytest.fail(
        "real files not found: expected ../shared/donnees-reelles beside the clone, or "
        "CARTE_GEN_DONNEES_REELLES; looked in " + ", ".join(map(str, candidates))
    )


@pytest.fixture(scope="session")
def carte_gen() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``carte-gen`` console script in a subprocess (French messages, exit code)."""
    import os
    import sys

    def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        script = Path(sys.executable).parent / "carte-gen"
        return subprocess.run(
            [str(script), *map(str, args)],
            capture_output=True,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
            cwd=REPO_ROOT,
            timeout=timeout,
            check=False,
        )

    return run
