"""The offline build makes no garbage in reference cycles, so it may run without the collector.

``tune_gc_for_build`` switches the cyclic garbage collector off for ``carte-gen build``'s
offline steps; that only holds memory bounded if reference counting frees what they drop.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.build import BuildRequest, default_report_path, geocode_file, write_outputs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "source", [REPO / "tests" / "data" / "formations_messy.csv", REPO / "data" / "formations.csv"]
)
def test_an_offline_build_leaves_no_garbage_in_cycles(tmp_path: Path, source: Path, collector_off):
    output = tmp_path / "out.geojson"
    request = BuildRequest(
        input=source,
        output=output,
        report=default_report_path(output),
        gazetteer=REPO / "data" / "gazetteer.json.gz",
    )
    gc.collect()  # what the test's own set-up left
    write_outputs(request, geocode_file(request))
    assert gc.collect() == 0
    assert output.is_file()


def test_the_collector_is_off_offline_and_back_on_for_online_geocoding():
    code = (
        "import gc\n"
        "from geo.build import tune_gc_for_build, tune_gc_for_online\n"
        "tune_gc_for_build()\n"
        "assert not gc.isenabled()\n"
        "tune_gc_for_online()\n"
        "assert gc.isenabled()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
