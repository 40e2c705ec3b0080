"""Write ``app/territoires.py``: the codes and names of régions and départements.

Taken from the committed gazetteer (``data/gazetteer.json.gz``, itself built from the npm
package ``@etalab/decoupage-administratif`` by ``scripts/build_gazetteer.py``), so the API
accepts exactly the codes the build can write into the data, including régions and
départements with no training today. ``--check`` exits 1 when the module is stale.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "data" / "gazetteer.json.gz"
TARGET = ROOT / "app" / "territoires.py"


def _text(value: str) -> str:
    """Return a double-quoted Python literal, as ruff format writes it."""
    return json.dumps(value, ensure_ascii=False)


def render(gazetteer: Path = GAZETTEER) -> str:
    """Return the text of the module for the gazetteer at ``gazetteer``."""
    document = json.loads(gzip.decompress(gazetteer.read_bytes()))
    regions = sorted((str(code), str(nom)) for code, nom in document["regions"])
    departements = sorted(
        (str(code), str(nom), str(region)) for code, nom, region in document["departements"]
    )
    lines = [
        '"""Codes and names of régions and départements (generated: do not edit).',
        "",
        "Written by ``scripts/build_territoires.py`` from ``data/gazetteer.json.gz``; a test",
        "checks it against a rebuild.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final",
        "",
        "#: INSEE code of each région → its name.",
        "REGIONS: Final[dict[str, str]] = {",
        *(f"    {_text(code)}: {_text(nom)}," for code, nom in regions),
        "}",
        "",
        "#: INSEE code of each département → (name, code of its région).",
        "DEPARTEMENTS: Final[dict[str, tuple[str, str]]] = {",
        *(
            f"    {_text(code)}: ({_text(nom)}, {_text(region)}),"
            for code, nom, region in departements
        ),
        "}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the module, or with ``--check`` say whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the module is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        stale = not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text
        print("app/territoires.py is stale" if stale else "app/territoires.py is up to date")
        return 1 if stale else 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
