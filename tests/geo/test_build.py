"""The build pipeline as a library: geocoding writes nothing, writing writes both files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.build import (
    BuildError,
    BuildRequest,
    default_report_path,
    geocode_file,
    write_outputs,
)
from geo.schema import GeocodingSource

REPO = Path(__file__).resolve().parents[2]
MESSY = REPO / "tests" / "data" / "formations_messy.csv"
GAZETTEER = REPO / "data" / "gazetteer.json.gz"


def request_for(tmp_path: Path, **changes: object) -> BuildRequest:
    output = tmp_path / "messy.geojson"
    values: dict[str, object] = {
        "input": MESSY,
        "output": output,
        "report": default_report_path(output),
        "gazetteer": GAZETTEER,
        **changes,
    }
    return BuildRequest(**values)  # type: ignore[arg-type]


def test_geocoding_writes_nothing_and_writing_writes_both_files(tmp_path: Path) -> None:
    request = request_for(tmp_path)
    build = geocode_file(request)
    assert list(tmp_path.iterdir()) == []
    assert {item.placement.source for item in build.report.placed} <= {
        GeocodingSource.GAZETTEER,
        GeocodingSource.COORDONNEES,
    }
    write_outputs(request, build)
    collection = json.loads(request.output.read_text(encoding="utf-8"))
    assert len(collection["features"]) == len(build.report.placed) > 0
    assert collection["metadonnees"]["source"] == MESSY.name
    assert request.report.is_file()


def test_every_step_is_timed_in_order(tmp_path: Path) -> None:
    request = request_for(tmp_path)
    build = geocode_file(request)
    write_outputs(request, build)
    assert list(build.timings) == [
        "lecture",
        "validation",
        "gazetteer",
        "géocodage hors ligne",
        "écriture",
    ]
    assert all(seconds >= 0 for seconds in build.timings.values())


def test_the_issues_are_the_import_s_then_the_geocoding_s(tmp_path: Path) -> None:
    build = geocode_file(request_for(tmp_path))
    assert build.issues == [*build.imported.issues, *build.report.issues]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"output": Path("/nonexistent-folder/x.geojson")}, "dossier de sortie introuvable"),
        ({"output": MESSY}, "écraserait le fichier d'entrée"),
        ({"gazetteer": Path("/nonexistent.json.gz")}, "gazetteer des communes introuvable"),
    ],
)
def test_fatal_problems_are_build_errors_in_french(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(BuildError, match=message):
        geocode_file(request_for(tmp_path, **changes))
