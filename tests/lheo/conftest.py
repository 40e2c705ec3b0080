"""Fixtures of the LHEO tests: the demo file, its namespace variants, and an index document."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.lheo import read_lheo
from geo.lheo.codes import NAMESPACE_2_3

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "tests" / "data" / "lheo-cas.xml"


@pytest.fixture(scope="session")
def demo_bytes() -> bytes:
    return DEMO.read_bytes()


@pytest.fixture(scope="session")
def read_bytes() -> Callable[[bytes], list[dict[str, object]]]:
    """Read every record of an LHEO document given as bytes."""

    def read(data: bytes) -> list[dict[str, object]]:
        return list(read_lheo(io.BytesIO(data)))

    return read


def _with_namespace(data: bytes, namespace: str | None) -> bytes:
    declaration = f' xmlns="{NAMESPACE_2_3}"'.encode()
    assert data.count(declaration) == 1
    replacement = f' xmlns="{namespace}"'.encode() if namespace else b""
    return data.replace(declaration, replacement)


INDEX_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<lheo-index{xmlns}>
  <resumes-offres>
    <resume-offre numero="R1">
      <domaine-formation/>
      <intitule-formation>Développeur d'applications</intitule-formation>
      <nom-organisme>École fictive du Code</nom-organisme>
      <SIRET>99900000900017</SIRET>
      <codepostal>69003</codepostal>
      <code-INSEE-commune>69383</code-INSEE-commune>
      <ville>Lyon</ville>
      <departement>69</departement>
      <certifiante>1</certifiante>
      <code-niveau-entree>5</code-niveau-entree>
      <prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>
      <modalites-enseignement>2</modalites-enseignement>
      <code-public-vise ref="V12">80006</code-public-vise>
      <code-public-vise ref="V12">99999</code-public-vise>
      <nombre-heures-total>1200</nombre-heures-total>
      <session><periode><debut>20270104</debut><fin>20270630</fin></periode></session>
      <session><periode><debut>20270900</debut><fin>99999999</fin></periode></session>
      <contact-formation-resume>
        <telfixe><numtel>04 00 00 00 09</numtel></telfixe>
        <courriel>ecole@code.invalid</courriel>
      </contact-formation-resume>
      <certification><code-RS>6012</code-RS></certification>
    </resume-offre>
    <resume-offre>
      <domaine-formation/>
      <intitule-formation>Initiation au numérique</intitule-formation>
      <nom-organisme>Tiers-lieu fictif</nom-organisme>
      <SIRET>-</SIRET>
      <ville>Brest</ville>
      <departement>29</departement>
      <certifiante>0</certifiante>
      <code-niveau-entree>0</code-niveau-entree>
      <prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>
      <code-public-vise ref="V12">83056</code-public-vise>
    </resume-offre>
  </resumes-offres>
  <resumes-organismes/>
</lheo-index>
"""


def _index_document(namespace: str | None) -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return INDEX_TEMPLATE.format(xmlns=xmlns).encode()


@pytest.fixture(scope="session")
def with_namespace() -> Callable[[bytes, str | None], bytes]:
    """Put a document in another LHEO namespace, or in none."""
    return _with_namespace


@pytest.fixture(scope="session")
def index_document() -> Callable[[str | None], bytes]:
    """Build a two-summary ``<lheo-index>`` document, in a namespace or in none."""
    return _index_document
