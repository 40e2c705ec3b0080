"""``carte-gen build --geocoder ban`` end to end: the console script against a real addok."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.address import commune_base_name

pytestmark = pytest.mark.addok

REPO_ROOT = Path(__file__).resolve().parents[2]
HEADER = [
    "id",
    "intitule",
    "structure",
    "type_structure",
    "adresse",
    "code_postal",
    "commune",
    "code_insee",
    "duree_mois",
    "modalite",
]
ROWS = [  # id, adresse, code postal, commune, expected precision
    ("GEN-0001", "12 rue Oberkampf", "75011", "Paris", "adresse"),
    ("GEN-0002", "7 rue de la République", "69001", "Lyon", "adresse"),
    ("GEN-0003", "3 rue de Paris", "97400", "Saint-Denis", "adresse"),
    ("GEN-0004", "Rue Nationale", "59000", "Lille", "rue"),
    ("GEN-0005", "1 impasse des Zébus", "35000", "Rennes", "commune"),
    ("GEN-0006", "", "29200", "Brest", "commune"),
    ("GEN-0007", "40 quai de la Fosse", "44000", "Nantes", "commune"),
]


def write_input(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for key, adresse, code_postal, commune, _ in ROWS:
            writer.writerow(
                [
                    key,
                    "Développeur web",
                    "Simplon",
                    "association",
                    adresse,
                    code_postal,
                    commune,
                    "",
                    "6",
                    "presentiel",
                ]
            )
    return path


def build(
    input_path: Path, output: Path, env: dict[str, str], *extra: str, geocoder: str = "ban"
) -> str:
    """Run the installed console script, as a user would."""
    script = shutil.which("carte-gen", path=str(Path(sys.executable).parent))
    assert script is not None, "carte-gen is not installed in the test venv (uv sync)"
    done = subprocess.run(
        [script, "build", str(input_path), "-o", str(output), "--geocoder", geocoder, *extra],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def features(path: Path) -> dict[str, dict[str, Any]]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    return {feature["id"]: feature for feature in collection["features"]}


def ban_env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTE_GEN_")}
    env.update(
        CARTE_GEN_BAN_URL=url,
        CARTE_GEN_BAN_CACHE_PATH=str(tmp_path / "cache" / "ban.sqlite3"),
        CARTE_GEN_BAN_BATCH_SIZE="3",
    )
    return env


#: Generous bound for gunicorn's access log on a busy machine: the wait ends on the count.
LOG_WAIT_S = 60.0


def settled_requests(server: Any, expected: int, settle_s: float = 0.5) -> list[str]:
    """Access-log lines since the last reset, once ``expected`` are there (bounded wait).

    gunicorn writes a line right after answering; the short settle afterwards lets a request
    the test does not expect show up and fail it.
    """
    deadline = time.monotonic() + LOG_WAIT_S
    while len(server.requests_logged()) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(settle_s)
    return server.requests_logged()


def test_build_places_at_the_door_what_the_server_knows_and_asks_nothing_twice(
    addok, addok_documents: list[dict], tmp_path: Path
) -> None:
    source = write_input(tmp_path / "formations.csv")
    output = tmp_path / "formations.geojson"
    env = ban_env(addok.url, tmp_path)

    addok.reset_access_log()
    summary = build(source, output, env)
    first = features(output)
    assert sorted(first) == sorted(key for key, *_ in ROWS)  # no row lost
    for key, *_, expected in ROWS:
        properties = first[key]["properties"]
        assert properties["geocodage_precision"] == expected, (key, properties)
        assert properties["geocodage_source"] == ("ban" if expected != "commune" else "gazetteer")
    assert first["GEN-0001"]["properties"]["geocodage_libelle"] == "12 Rue Oberkampf 75011 Paris"
    [oberkampf] = [d for d in addok_documents if d.get("name") == "Rue Oberkampf"]
    door = oberkampf["housenumbers"]["12"]
    assert first["GEN-0001"]["geometry"]["coordinates"] == [door["lon"], door["lat"]]
    requests = settled_requests(addok, expected=2)
    assert len(requests) == 2  # 6 addresses, batches of 3
    assert all("POST /search/csv/" in line for line in requests)
    assert "Géocodage en ligne : 6 adresses demandées, 4 placées, 2 laissées à la commune" in (
        summary
    )

    addok.reset_access_log()
    summary = build(source, output, env)
    assert settled_requests(addok, expected=0) == []
    assert features(output) == first
    assert "0 requête(s), 6 réponse(s) tirée(s) du cache" in summary

    addok.reset_access_log()
    build(source, output, env, "--no-cache")
    assert len(settled_requests(addok, expected=2)) == 2


def test_build_finishes_at_the_commune_when_the_service_is_down(tmp_path: Path) -> None:
    source = write_input(tmp_path / "formations.csv")
    output = tmp_path / "formations.geojson"
    with socket.socket() as sock:  # a port nobody listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = ban_env(f"http://127.0.0.1:{port}", tmp_path)
    env.update(CARTE_GEN_BAN_MAX_RETRIES="1")
    summary = build(source, output, env)
    placed = features(output)
    assert sorted(placed) == sorted(key for key, *_ in ROWS)
    assert {f["properties"]["geocodage_precision"] for f in placed.values()} == {"commune"}
    assert "service injoignable : 6" in summary


# --- the demo data ----------------------------------------------------------------------
# addok is loaded with the streets and numbers of the demo rows' addresses in every other
# commune of the demo data (positions generated near each commune's centre): rows there must
# be placed at the door (or the street when the address has no number), rows elsewhere stay
# where the offline build put them, no row is lost, and a second build sends no request.

DEMO = REPO_ROOT / "data" / "formations.csv"


def offline_build(tmp_path: Path) -> dict[str, dict[str, Any]]:
    output = tmp_path / "offline.geojson"
    build(DEMO, output, ban_env("http://127.0.0.1:1", tmp_path), "--quiet", geocoder="offline")
    return features(output)


def sent_online(feature: dict[str, Any]) -> bool:
    properties = feature["properties"]
    return bool(properties["adresse"]) and properties["geocodage_source"] == "gazetteer"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Features of the offline build of the demo data (each row's commune and its centre)."""
    return offline_build(tmp_path_factory.mktemp("offline"))


@pytest.fixture(scope="module")
def known_communes(demo: dict[str, dict[str, Any]]) -> set[str]:
    """Every other commune (INSEE code) of the rows the online geocoder is asked about."""
    codes = sorted({f["properties"]["code_insee"] for f in demo.values() if sent_online(f)})
    return set(codes[::2])


@pytest.fixture(scope="module")
def demo_addok(
    demo: dict[str, dict[str, Any]], known_communes: set[str], addok_helpers: Any
) -> Iterator[Any]:
    addok_data = addok_helpers.data
    seeds = []
    for feature in demo.values():
        properties = feature["properties"]
        if not sent_online(feature) or properties["code_insee"] not in known_communes:
            continue
        lon, lat = feature["geometry"]["coordinates"]
        town = addok_data.Municipality(
            citycode=properties["code_insee"],
            name=properties["commune"],
            postcode=properties["code_postal"] or "",
            city=commune_base_name(properties["commune"]),
            lon=lon,
            lat=lat,
            context=f"{properties['departement']}, {properties['departement_nom']}, "
            f"{properties['region_nom']}",
        )
        housenumber, street = addok_data.split_address(properties["adresse"])
        seeds.append(addok_data.AddressSeed(town, street, housenumber))
    assert seeds, "the demo data has no address in the chosen communes"
    addok_helpers.ensure_installed()
    server = addok_helpers.server.AddokServer()
    try:
        server.start(addok_data.documents(seeds))
        yield server
    finally:
        server.stop()


def test_demo_build_places_known_addresses_at_the_door_and_keeps_every_row(
    demo: dict[str, dict[str, Any]],
    known_communes: set[str],
    demo_addok: Any,
    addok_helpers: Any,
    tmp_path: Path,
) -> None:
    addok_data = addok_helpers.data
    output = tmp_path / "formations.geojson"
    env = ban_env(demo_addok.url, tmp_path)
    env.pop("CARTE_GEN_BAN_BATCH_SIZE")  # the real default: one request for the demo file

    demo_addok.reset_access_log()
    build(DEMO, output, env)
    online = features(output)
    assert sorted(online) == sorted(demo)  # no row lost, no row added
    expected_door = 0
    for key, before in demo.items():
        after = online[key]["properties"]
        if sent_online(before) and before["properties"]["code_insee"] in known_communes:
            housenumber, _ = addok_data.split_address(before["properties"]["adresse"])
            expected = "adresse" if housenumber else "rue"
            expected_door += housenumber is not None
            assert after["geocodage_source"] == "ban", (key, after)
            assert after["geocodage_precision"] == expected, (key, after)
            assert after["code_insee"] == before["properties"]["code_insee"]
        else:
            assert online[key]["geometry"] == before["geometry"], key
            assert after["geocodage_precision"] == before["properties"]["geocodage_precision"]
    assert expected_door > 0
    requests = settled_requests(demo_addok, expected=1)
    assert len(requests) == 1 and "POST /search/csv/" in requests[0]

    demo_addok.reset_access_log()
    build(DEMO, output, env)
    assert settled_requests(demo_addok, expected=0) == []
    second = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert {feature["id"]: feature for feature in second} == online
