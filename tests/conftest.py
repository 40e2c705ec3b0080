"""Fixtures shared by every test area (each area keeps its own in its folder's conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """Root of the repository checkout."""
    return REPO_ROOT
