"""GDAL reads /api/formations as GeoJSON and /ogc as OAPIF from a real uvicorn."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.gdal

if shutil.which("ogrinfo") is None:  # scripts/test.sh installs gdal-bin
    pytest.fail("ogrinfo (gdal-bin) is required: apt-get install gdal-bin", pytrace=False)


def run(*command: str) -> str:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CPL_DEBUG": "OFF"},
    )
    assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
    return result.stdout


def feature_count(ogrinfo_output: str) -> int:
    match = re.search(r"Feature Count: (\d+)", ogrinfo_output)
    assert match, ogrinfo_output
    return int(match.group(1))


def test_geojson_api_is_read_by_ogrinfo(
    live_server: Callable[..., Any], synthetic_path: Path, synthetic: dict[str, Any]
) -> None:
    server = live_server(synthetic_path)
    output = run("ogrinfo", "-ro", "-al", "-so", f"{server.url}/api/formations?region=84")
    expected = sum(1 for f in synthetic["features"] if f["properties"]["region"] == "84")
    assert feature_count(output) == expected > 0
    assert "intitule: String" in output
    assert "duree_mois: Integer" in output
    # The fields of contract C1: GDAL reads the list of objects as JSON, the list of codes as
    # a string list, the booleans and the ISO date as such.
    assert "sessions: String(JSON)" in output
    assert "public_vise: StringList" in output
    assert "alternance: Integer(Boolean)" in output
    assert "prochaine_session: Date" in output


def test_ogc_api_is_listed_by_ogrinfo_with_the_right_count(
    live_server: Callable[..., Any], synthetic_path: Path, synthetic: dict[str, Any]
) -> None:
    server = live_server(synthetic_path)
    output = run("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{server.url}/ogc")
    assert "Layer name: formations" in output
    assert feature_count(output) == len(synthetic["features"])


def test_ogr2ogr_copies_every_feature_across_pages(
    live_server: Callable[..., Any], synthetic_path: Path, synthetic: dict[str, Any], tmp_path: Path
) -> None:
    server = live_server(synthetic_path)
    output = tmp_path / "copie.geojson"
    run(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(output),
        f"OAPIF:{server.url}/ogc",
        "-oo",
        "PAGE_SIZE=45",  # about nine pages for 400 trainings
        "formations",
    )
    copied = json.loads(output.read_text())["features"]
    assert sorted(f["properties"]["id"] for f in copied) == sorted(
        f["id"] for f in synthetic["features"]
    )
    log = server.log.read_text()
    assert log.count("/ogc/collections/formations/items") >= len(synthetic["features"]) // 45
