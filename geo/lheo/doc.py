"""Render the tables of ``docs/lheo.md`` from the code's own tables (mapping, levels, publics).

``uv run --no-sync python -m geo.lheo.doc`` prints them; ``tests/lheo/test_doc.py`` checks that
the docs contain each one verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence

from geo.lheo.codes import (
    FORMACODE_BY_PUBLIC,
    MODALITE_BY_LHEO_CODE,
    NIVEAU_BY_LHEO_CODE,
    NIVEAU_LABELS,
    PUBLIC_LABELS,
    PUBLICS_BY_FORMACODE,
)
from geo.lheo.mapping import FIELD_MAP


def _cell(paths: Sequence[str], root: str) -> str:
    if not paths:
        return "—"
    return "<br>".join(f"`{root}/{path}`" for path in paths)


def mapping_markdown() -> str:
    """Render the field mapping table from :data:`geo.lheo.mapping.FIELD_MAP`."""
    lines = [
        "| field | full offer (`<lheo><offres>`) | index (`<lheo-index><resumes-offres>`) | rule |",
        "|---|---|---|---|",
    ]
    for rule in FIELD_MAP:
        lines.append(
            f"| `{rule.field}` | {_cell(rule.offre, 'formation')} "
            f"| {_cell(rule.index, 'resume-offre')} | {rule.rule} |"
        )
    return "\n".join(lines) + "\n"


def levels_markdown() -> str:
    """Render the ``dict-niveaux`` key → national level table."""
    lines = ["| LHEO key | our value | label |", "|---|---|---|"]
    for key, value in NIVEAU_BY_LHEO_CODE.items():
        shown = f"`{value}`" if value else "empty"
        label = NIVEAU_LABELS[value] if value else "information non communiquée"
        lines.append(f"| `{key}` | {shown} | {label} |")
    return "\n".join(lines) + "\n"


def publics_markdown() -> str:
    """Render the public vocabulary with the FORMACODE codes read and written for each."""
    lines = ["| our value | label | codes read | code written |", "|---|---|---|---|"]
    for value, label in PUBLIC_LABELS.items():
        read = [code for code, values in PUBLICS_BY_FORMACODE.items() if value in values]
        shown = ", ".join(f"`{code}`" for code in read) or "any other code"
        lines.append(f"| `{value}` | {label} | {shown} | `{FORMACODE_BY_PUBLIC[value]}` |")
    return "\n".join(lines) + "\n"


def modes_markdown() -> str:
    """Render the ``dict-modalites-enseignement`` key → mode table."""
    lines = ["| LHEO key | our value |", "|---|---|"]
    for key, mode in MODALITE_BY_LHEO_CODE.items():
        lines.append(f"| `{key}` | `{mode.value}` |")
    return "\n".join(lines) + "\n"


TABLES = (mapping_markdown, levels_markdown, publics_markdown, modes_markdown)

if __name__ == "__main__":
    for render in TABLES:
        print(render())
