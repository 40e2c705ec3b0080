"""The real ``carte-gen`` console script, end to end through a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import free_port

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
GAZETTEER = REPO / "data" / "gazetteer.json.gz"


def carte_gen(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "carte-gen"
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", **(env or {})}
    return subprocess.run(
        [str(script), *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def read_report(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the report must open in Excel (UTF-8 BOM)"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


BROKEN_ROWS = [
    # Identifiant, Intitulé, Structure, Type, Code postal, Commune, Code INSEE, Durée, Lat, Lon
    [
        "B01",
        "Développeur web",
        "Simplon",
        "Association",
        "01000",
        "Bourg-en-Bresse",
        "",
        "6",
        "",
        "",
    ],
    [
        "B02",
        "Durée fausse",
        "Simplon",
        "Association",
        "01000",
        "Bourg-en-Bresse",
        "",
        "36 mois",
        "",
        "",
    ],
    ["B03", "Type inconnu", "Club", "Club de foot", "01000", "Bourg-en-Bresse", "", "6", "", ""],
    ["B04", "Commune inconnue", "X", "Asso", "", "Trifouilly-les-Oies", "", "6", "", ""],
    ["B05", "Commune ambiguë", "X", "Asso", "", "Saint-Denis", "", "6", "", ""],
    ["B01", "Doublon", "Simplon", "Asso", "01000", "Bourg-en-Bresse", "", "6", "", ""],
    ["B06", "", "X", "Asso", "01000", "Bourg-en-Bresse", "", "6", "", ""],
    ["B07", "Coordonnées illisibles", "X", "Asso", "", "", "", "6", "nord", "2.3"],
    ["B08", "Hors de France", "X", "Asso", "", "", "", "6", "51.5", "-0.12"],
    [
        "B09",
        "Œuvre numérique",
        "Mairie de Saint-Étienne",
        "Mairie",
        "42000",
        "St Étienne",
        "",
        "12",
        "",
        "",
    ],
    ["B10", "Coordonnées", "X", "Entreprise", "", "", "", "1 an", "48,8566", "2,3522"],
    ["B11", "Corse", "X", "École", "", "", "2A004", "", "", ""],
]
BROKEN_HEADER = [
    "Identifiant",
    "Intitulé de la formation",
    "Structure",
    "Type de structure",
    "Code postal",
    "Commune",
    "Code INSEE",
    "Durée (mois)",
    "Latitude",
    "Longitude",
]
#: spreadsheet row → column the report must name (a bad duration, an unknown type and a
#: missing title only warn: those rows are kept)
EXPECTED_REJECTIONS = {
    5: "Commune",
    6: "Commune",
    7: "Identifiant",
    9: "Latitude",
    10: "Latitude",
}


@pytest.fixture
def broken_csv(tmp_path: Path) -> Path:
    """A Windows-1252, tab-delimited file with one problem per row between good rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n")
    writer.writerow(BROKEN_HEADER)
    writer.writerows(BROKEN_ROWS)
    path = tmp_path / "broken.csv"
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def test_broken_csv_reports_every_bad_row_and_writes_the_good_ones(broken_csv: Path):
    output = broken_csv.with_name("out.geojson")
    result = carte_gen("build", broken_csv, "-o", output, "--gazetteer", GAZETTEER)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    collection = json.loads(output.read_text(encoding="utf-8"))
    assert [f["id"] for f in collection["features"]] == [
        "B01",
        "B02",
        "B03",
        "B06",
        "B09",
        "B10",
        "B11",
    ]
    by_id = {f["id"]: f for f in collection["features"]}
    assert by_id["B02"]["properties"]["duree_mois"] is None
    assert by_id["B03"]["properties"]["type_structure"] == "autre"
    assert by_id["B06"]["properties"]["intitule"] is None
    assert by_id["B06"]["properties"]["structure"] == "X"
    assert by_id["B09"]["properties"]["intitule"] == "Œuvre numérique"
    assert by_id["B09"]["properties"]["commune"] == "Saint-Étienne"
    assert by_id["B10"]["geometry"]["coordinates"] == [2.3522, 48.8566]
    assert by_id["B10"]["properties"]["duree_mois"] == 12
    assert by_id["B11"]["properties"]["departement"] == "2A"

    report = read_report(output.with_name("out.rejets.csv"))
    rejected = {int(r["Ligne"]): r for r in report if r["Niveau"] == "rejet"}
    assert {line: r["Colonne"] for line, r in rejected.items()} == EXPECTED_REJECTIONS
    assert "ligne 2" in rejected[7]["Motif"]
    assert "Saint-Denis" in rejected[6]["Motif"] and "(93" in rejected[6]["Motif"]
    assert all(r["Motif"] for r in report)

    assert "CSV Windows-1252, séparateur tabulation" in result.stdout
    assert "Lignes lues : 12" in result.stdout
    assert "Placées : 7" in result.stdout
    assert "Rejetées : 5" in result.stdout


def test_strict_mode_exits_1_when_a_row_is_rejected(broken_csv: Path):
    output = broken_csv.with_name("out.geojson")
    result = carte_gen("build", broken_csv, "-o", output, "--strict", "--quiet")
    assert result.returncode == 1
    assert output.exists()
    assert result.stdout == ""


def test_messy_human_spreadsheet_is_placed_entirely(tmp_path: Path):
    output = tmp_path / "messy.geojson"
    result = carte_gen("build", DATA / "formations_messy.csv", "-o", output, "--strict")
    assert_no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    by_id = {f["id"]: f["properties"] for f in features}
    assert len(by_id) == 10
    assert by_id["M01"]["commune"] == "Montreuil" and by_id["M01"]["departement"] == "93"
    assert by_id["M02"]["commune"] == "Saint-Étienne"
    assert by_id["M03"]["region_nom"] == "Corse"
    assert by_id["M04"]["departement"] == "976"
    assert by_id["M05"]["commune"].startswith("Lyon")
    assert by_id["M07"]["geocodage_source"] == "coordonnees"
    assert by_id["M09"]["code_postal"] == "01000"
    assert by_id["M10"]["commune"] == "Les Abymes"
    assert by_id["M01"]["site_web"] == "https://simplon.co"
    assert by_id["M03"]["duree_mois"] == 12


def test_xlsx_input_end_to_end(tmp_path: Path, xlsx_bytes):
    path = tmp_path / "formations.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                [
                    "Identifiant",
                    "Intitulé de la formation",
                    "Structure",
                    "Type de structure",
                    "Code postal",
                    "Commune",
                    "Durée (mois)",
                ],
                ["X1", "Dev", "Simplon", "Asso", 1000, "Bourg-en-Bresse", 6],
                ["X2", "Data", "Ville", "Mairie", 42000, "Saint-Étienne", "1 an"],
            ]
        )
    )
    result = carte_gen("build", path, "--quiet")
    assert result.returncode == 0, result.stderr
    features = json.loads(path.with_suffix(".geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["code_insee"] for f in features] == ["01053", "42218"]


def test_a_file_with_a_session_per_row_builds_one_training_each(tmp_path: Path):
    path = tmp_path / "sessions.csv"
    path.write_text(
        "Id;Intitulé;Structure;Type;Code postal;Commune;Durée;Date de début;Date de fin\n"
        "S1;Dev;Simplon;Asso;01000;Bourg-en-Bresse;6;05/01/2027;30/06/2027\n"
        "S2;Data;Ville;Mairie;42000;Saint-Étienne;12;01/03/2027;\n"
        "S1;Dev;Simplon;Asso;01000;Bourg-en-Bresse;6;06/09/2027;28/02/2028\n",
        encoding="utf-8",
    )
    result = carte_gen("build", path)
    assert result.returncode == 0, result.stderr
    features = json.loads(path.with_suffix(".geojson").read_text(encoding="utf-8"))["features"]
    sessions = {f["id"]: f["properties"]["sessions"] for f in features}
    assert sessions == {
        "S1": [
            {"debut": "2027-01-05", "fin": "2027-06-30"},
            {"debut": "2027-09-06", "fin": "2028-02-28"},
        ],
        "S2": [{"debut": "2027-03-01", "fin": None}],
    }
    assert "Lignes lues : 3" in result.stdout and "Placées : 2" in result.stdout
    assert "Jointes à la formation d'une ligne précédente (une session par ligne) : 1" in (
        result.stdout
    )
    (joined,) = [r for r in read_report(path.with_suffix(".rejets.csv")) if r["Ligne"] == "4"]
    assert joined["Niveau"] == "avertissement" and "la ligne 2" in joined["Motif"]


def test_builds_are_reproducible_with_source_date_epoch(tmp_path: Path):
    first, second = tmp_path / "a.geojson", tmp_path / "b.geojson"
    for output in (first, second):
        assert carte_gen("build", DATA / "formations_messy.csv", "-o", output, "-q").returncode == 0
    assert first.read_bytes() == second.read_bytes()
    meta = json.loads(first.read_text(encoding="utf-8"))["metadonnees"]
    assert meta["date_generation"] == "2023-11-14T22:13:20+00:00"


def test_custom_report_path(tmp_path: Path, broken_csv: Path):
    report = tmp_path / "rapport.csv"
    result = carte_gen("build", broken_csv, "-o", tmp_path / "o.geojson", "--rejets", report)
    assert result.returncode == 0
    assert len([r for r in read_report(report) if r["Niveau"] == "rejet"]) == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 40, "CSV ou XLSX"),
        (b"", "vide"),
        (b"PK\x03\x04garbage-zip", "ZIP"),
        ("Nom;Téléphone\nA;01\n".encode(), "En-têtes trouvés : « Nom », « Téléphone »"),
        (b"Titre;Structure;Type;Commune\r\n", "aucune ligne de données"),
        ("Intitulé;Structure\n".encode("utf-16"), "Type de structure"),
    ],
)
def test_fatal_input_problems_exit_2_with_a_french_message(tmp_path: Path, content, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    result = carte_gen("build", path, "-o", tmp_path / "out.geojson")
    assert_no_traceback(result)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "out.geojson").exists()


def test_missing_input_exits_2(tmp_path: Path):
    result = carte_gen("build", tmp_path / "absent.csv")
    assert result.returncode == 2
    assert "introuvable" in result.stderr
    assert_no_traceback(result)


def test_verbose_prints_the_time_of_each_step(tmp_path: Path):
    result = carte_gen("build", DATA / "formations_messy.csv", "-o", tmp_path / "x.geojson", "-v")
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("Durées : ")]
    steps = ("lecture", "validation", "gazetteer", "géocodage hors ligne", "écriture", "total")
    positions = [line.index(f"{step} ") for step in steps]
    assert positions == sorted(positions), line
    assert "géocodage en ligne" not in line  # offline build


def test_without_verbose_no_times_are_printed(tmp_path: Path):
    result = carte_gen("build", DATA / "formations_messy.csv", "-o", tmp_path / "x.geojson")
    assert result.returncode == 0, result.stderr
    assert "Durées" not in result.stdout


def test_missing_output_folder_exits_2(tmp_path: Path):
    result = carte_gen("build", DATA / "formations_messy.csv", "-o", tmp_path / "no" / "x.geojson")
    assert result.returncode == 2
    assert "dossier" in result.stderr


def test_all_rows_rejected_writes_no_geojson_and_exits_1(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("Titre;Structure;Type;Commune\nA;B;Asso;\n", encoding="utf-8")
    result = carte_gen("build", path, "-o", tmp_path / "out.geojson")
    assert result.returncode == 1
    assert not (tmp_path / "out.geojson").exists()
    rejected = [r for r in read_report(tmp_path / "out.rejets.csv") if r["Niveau"] == "rejet"]
    assert rejected[0]["Colonne"] == "Commune"


def test_serve_without_data_explains_how_to_build_it(tmp_path: Path):
    result = carte_gen("serve", "--data", tmp_path / "absent.geojson", "--port", "0")
    assert result.returncode == 2
    assert "carte-gen build" in result.stderr
    assert_no_traceback(result)


def test_serve_runs_the_app_on_the_built_data(tmp_path: Path):
    output = tmp_path / "messy.geojson"
    assert carte_gen("build", DATA / "formations_messy.csv", "-o", output, "-q").returncode == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    script = Path(sys.executable).parent / "carte-gen"
    command = [
        str(script),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data",
        str(output),
    ]
    with log_path.open("wb") as log:  # a file, not a pipe: a full pipe would stall the server
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        wait_until_serving(server, f"{url}/healthz", log_path, SERVE_READY_TIMEOUT_S)
        with urllib.request.urlopen(f"{url}/api/formations", timeout=30) as answer:
            body = json.loads(answer.read())
        assert {f["id"] for f in body["features"]} >= {"M01", "M10"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


#: A generous bound for a busy machine: the wait ends as soon as the server answers.
SERVE_READY_TIMEOUT_S = 120.0


def wait_until_serving(
    server: subprocess.Popen[bytes], health_url: str, log_path: Path, timeout_s: float
) -> None:
    """Poll ``/healthz`` until it answers, failing at once if the server process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"carte-gen serve exited ({server.returncode}): {log_path.read_text()}")
        try:
            with urllib.request.urlopen(health_url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"carte-gen serve did not answer within {timeout_s:.0f} s: {log_path.read_text()}")


@pytest.mark.gdal
def test_gdal_reads_the_built_geojson_as_wgs84_points(tmp_path: Path):
    output = tmp_path / "messy.geojson"
    assert carte_gen("build", DATA / "formations_messy.csv", "-o", output, "-q").returncode == 0
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Geometry: Point" in info
    assert "Feature Count: 10" in info
    assert 'ID["EPSG",4326]' in info
    assert "code_postal: String" in info  # "01000" keeps its leading zero
    assert "duree_mois: Integer" in info
    extent = info.split("Extent: ")[1].splitlines()[0]
    assert extent.startswith("(-61.5")  # Guadeloupe is the westernmost point: lon first


def test_demo_data_is_placed_entirely(tmp_path: Path):
    output = tmp_path / "formations.geojson"
    result = carte_gen("build", REPO / "data" / "formations.csv", "-o", output, "--strict")
    assert_no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    collection = json.loads(output.read_text(encoding="utf-8"))
    meta = collection["metadonnees"]
    assert meta["nombre"] == 171
    assert meta["demo"] is True  # from data/formations.meta.json
    assert meta["source"] == "formations.csv"
    ids = [feature["id"] for feature in collection["features"]]
    assert len(set(ids)) == 171
    assert "Lignes lues : 171" in result.stdout
    assert "Placées : 171" in result.stdout
    assert "Rejetées : 0" in result.stdout
    for feature in collection["features"]:
        properties = feature["properties"]
        assert properties["departement"] and properties["region_nom"], feature["id"]
        assert 3 <= properties["duree_mois"] <= 24
