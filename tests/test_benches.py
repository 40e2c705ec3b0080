"""Every benchmark that needs no server but ours and Chromium still runs, at a tiny size.

A benchmark is run by hand, when its figures are wanted; one broken by a change elsewhere
(a signature it calls from a child process's code, say) would only be found then. Their
figures at these sizes mean nothing: only that they are printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

#: Script and tiny arguments, and a fragment every run prints with its figures.
BENCHES = [
    (["bench_exports.py", "--count", "50"], "trainings/s"),
    (["bench_filter_fields.py", "--sizes", "200", "--rounds", "1"], " found)"),
    (["bench_gazetteer.py"], "look-ups/s"),
    (["bench_geocode.py", "--rows", "300"], "rows/s"),
    (["bench_import.py", "--rows", "300"], "kept 300"),
    (["bench_lheo.py", "--sizes", "100"], "records/s"),
    (["bench_map.py", "--sizes", "50", "--rounds", "1", "--formats"], "map data fetched, parsed"),
    (["bench_map.py", "--sizes", "50", "--rounds", "1", "--network", "20:50000"], "tiles: "),
    (["bench_memory.py", "--count", "300"], "× the file"),
    (["bench_pistes.py", "--count", "300", "--repeat", "1"], "pistes ms"),
    (["bench_placement.py"], "within"),
]


@pytest.mark.parametrize(("arguments", "printed"), BENCHES, ids=[a[0] for a, _ in BENCHES])
def test_a_benchmark_runs_and_prints_its_figures(
    repo_root: Path, arguments: list[str], printed: str
) -> None:
    script, *options = arguments
    answer = subprocess.run(
        [sys.executable, str(repo_root / "bench" / script), *options],
        capture_output=True,
        text=True,
        cwd=repo_root,
        timeout=240,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-3000:]
    assert "Traceback" not in answer.stderr, answer.stderr[-3000:]
    assert printed in answer.stdout, answer.stdout[-3000:]


def test_every_benchmark_script_is_run_here_or_needs_a_server(repo_root: Path) -> None:
    # wrk (not installed by the test command), nginx and addok: their areas' tests start
    # the same servers with the same helpers
    needs_servers = {"bench_api.py", "bench_ban.py", "bench_http.py", "bench_serving.py"}
    scripts = {path.name for path in (repo_root / "bench").glob("bench_*.py")}
    assert scripts == {arguments[0] for arguments, _ in BENCHES} | needs_servers
