"""Fixtures of the BAN client tests: a real addok server (Redis + gunicorn) on loopback."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDOK_DIR = REPO_ROOT / "tests" / "addok"


def _load(name: str, path: Path) -> ModuleType:
    """Import a helper of tests/addok/ under a unique name (tests are not packages)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


addok_server = _load("carte_gen_tests_addok_server", ADDOK_DIR / "server.py")
addok_data = _load("carte_gen_tests_addok_ndjson", ADDOK_DIR / "ndjson.py")

TOWNS = {town.citycode: town for town in addok_data.MUNICIPALITIES}


def fixture_seeds() -> list:
    """Addresses of the test base: a few known streets, then synthetic ones for volume."""
    seed = addok_data.AddressSeed
    seeds = []
    for citycode, street, numbers in (
        ("75111", "Rue Oberkampf", range(1, 41)),
        ("69381", "Rue de la République", range(1, 21)),
        ("13201", "La Canebière", range(1, 21)),
        ("35238", "Rue de Saint-Malo", range(1, 21)),
        ("97411", "Rue de Paris", range(1, 11)),
    ):
        seeds += [seed(TOWNS[citycode], street, str(number)) for number in numbers]
    seeds.append(seed(TOWNS["59350"], "Rue Nationale", None))
    return seeds + addok_data.synthetic_seeds(600)


def ensure_addok_installed() -> None:
    """Install the locked addok venv when missing (the script is idempotent and fast)."""
    subprocess.run([str(REPO_ROOT / "scripts" / "install-addok.sh")], check=True, timeout=600)


@pytest.fixture(scope="session")
def addok_helpers() -> SimpleNamespace:
    """The tests/addok helpers (server start-up, document generator) for test modules."""
    return SimpleNamespace(
        server=addok_server, data=addok_data, ensure_installed=ensure_addok_installed
    )


@pytest.fixture(scope="session")
def addok_documents() -> list[dict]:
    """The documents the shared addok server is loaded with."""
    return list(addok_data.documents(fixture_seeds()))


@pytest.fixture(scope="session")
def addok(addok_documents: list[dict]) -> Iterator[object]:
    """A real addok server for the whole session (stopped at the end)."""
    ensure_addok_installed()
    server = addok_server.AddokServer()
    try:
        server.start(addok_documents)
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_addok(addok_documents: list[dict]) -> Iterator[object]:
    """A real addok server of its own, for a test that stops it."""
    ensure_addok_installed()
    server = addok_server.AddokServer(workers=1)
    try:
        server.start(addok_documents[:200])
        yield server
    finally:
        server.stop()


@pytest.fixture
def unfixed_addok(addok_documents: list[dict]) -> Iterator[object]:
    """A real addok whose addok-csv keeps its filter bug (HTTP 500 on filtered CSV uploads)."""
    ensure_addok_installed()
    server = addok_server.AddokServer(workers=1, csv_filter_fix=False)
    try:
        server.start(addok_documents[:200])
        yield server
    finally:
        server.stop()
