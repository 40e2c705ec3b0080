"""Rows of a table to validated trainings, and every problem found, row by row.

A row is rejected only when nothing can place it (no commune, postcode, INSEE code or
coordinates that can be read) or when it has neither a title nor a structure name to show.
Every other problem leaves the value empty, or the type « Autre structure », with a warning.
Most rows are found clean by the column pass (:mod:`geo.importer.columns`); the others are
validated here one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from geo.importer.columns import (
    LIST_PARSERS,
    SOFT_PARSERS,
    clean_rows,
    derived_duree,
    hours_rule,
)
from geo.importer.details import parse_session_row, sorted_sessions
from geo.importer.headers import (
    EXPECTED_FIELDS,
    FIELD_LABELS,
    HeaderMapping,
    check_columns,
    map_headers,
)
from geo.importer.ids import (
    MAX_ID_CHARS,
    RESERVED_IDS,
    SAFE_ID_ALPHABET,
    derive_id,
    is_safe_id,
    safe_id,
)
from geo.importer.model import (
    DETAIL_FIELDS,
    NO_DETAILS,
    Cell,
    ImportedRow,
    ImportResult,
    InputFileError,
    Issue,
    Level,
    Table,
    TrainingDetails,
    ValueProblem,
    cell_text,
)
from geo.importer.values import (
    match_type_structure,
    parse_coordinate,
)
from geo.schema import (
    SESSION_ROW_FIELDS,
    TYPE_STRUCTURE_LABELS,
    Modalite,
    TypeStructure,
)

_AUTRE_LABEL: Final = TYPE_STRUCTURE_LABELS[TypeStructure.AUTRE]
#: Where :func:`import_table` says a reserved id was "first seen": before any line.
_RESERVED_LINE: Final = 0
_MISSING_COLUMN_NOTES: Final = {
    "type_structure": f"toutes les formations sont classées « {_AUTRE_LABEL} »",
    "duree_mois": "durée non précisée pour toutes les formations",
    "modalite": "modalité non précisée pour toutes les formations",
}


def validate_row(
    line: int, cells: Sequence[Cell], mapping: HeaderMapping, headers: Sequence[str]
) -> tuple[ImportedRow | None, list[Issue]]:
    """Validate one data row: the row (``None`` when rejected) and its issues."""
    raw: dict[str, Cell] = {}
    text: dict[str, str] = {}
    for name, index in mapping.columns.items():
        value = cells[index] if index < len(cells) else None
        raw[name] = value
        # A list (LHEO, JSON) is read by its own parser: its text would only cost time.
        text[name] = cell_text(value).strip() if not isinstance(value, list) else ""
    issues: list[Issue] = []
    given_id = text.get("id") or None
    row_id = given_id if given_id is None or is_safe_id(given_id) else safe_id(given_id)

    def column(name: str) -> str:
        index = mapping.columns.get(name)
        return headers[index] if index is not None else FIELD_LABELS[name]

    def reject(name: str, motif: str) -> None:
        issues.append(Issue(line, row_id, column(name), motif))

    def warn(name: str, motif: str) -> None:
        issues.append(Issue(line, row_id, column(name), motif, Level.AVERTISSEMENT))

    if not text.get("intitule") and not text.get("structure"):
        name = "intitule" if "intitule" in mapping.columns else "structure"
        reject(name, "ni intitulé ni structure : rien à afficher pour cette ligne")

    type_structure = TypeStructure.AUTRE
    if "type_structure" in mapping.columns:
        label = text["type_structure"]
        found, guessed = match_type_structure(label) if label else (None, False)
        if found is not None:
            type_structure = found
            if guessed:
                warn(
                    "type_structure",
                    f"accents illisibles (�) dans « {label} » : lu comme "
                    f"« {TYPE_STRUCTURE_LABELS[found]} »",
                )
        elif label:
            allowed = ", ".join(TYPE_STRUCTURE_LABELS.values())
            warn(
                "type_structure",
                f"type de structure « {label} » inconnu : classée « {_AUTRE_LABEL} » "
                f"(valeurs admises : {allowed}, ou une catégorie juridique INSEE)",
            )
        else:
            warn("type_structure", f"type de structure vide : classée « {_AUTRE_LABEL} »")

    parsed: dict[str, object] = {}
    for name, parser in SOFT_PARSERS:
        if text.get(name):
            try:
                parsed[name] = parser(raw[name])
            except ValueProblem as exc:
                warn(name, f"{exc} ; valeur ignorée")
        elif name == "duree_mois" and name in mapping.columns and not text.get("nombre_heures"):
            warn(name, "durée absente : « durée non précisée »")
    for name, list_parser in LIST_PARSERS:
        if name in raw and raw[name] is not None:
            parsed[name], notes = list_parser(raw[name])
            for note in notes:
                warn(name, note)
    if (session_field := _session_field(mapping)) is not None:
        session, notes = parse_session_row(raw.get("session_debut"), raw.get("session_fin"))
        for note in notes:
            warn(session_field, note)
        if session is not None:
            parsed["sessions"] = sorted_sessions((*parsed.get("sessions", ()), session))  # type: ignore[misc]
    if parsed.get("duree_mois") is None and parsed.get("nombre_heures") is not None:
        parsed["duree_mois"], note = derived_duree(parsed["nombre_heures"])  # type: ignore[arg-type]
        warn("nombre_heures", note)

    coords: dict[str, float] = {}
    has_other_place = any(name in parsed for name in ("code_postal", "code_insee")) or bool(
        text.get("commune")
    )
    if text.get("latitude") or text.get("longitude"):
        for name in ("latitude", "longitude"):
            if not text.get(name):
                motif = f"{FIELD_LABELS[name]} manquante alors que l'autre coordonnée est remplie"
                (warn if has_other_place else reject)(name, motif)
                continue
            try:
                coords[name] = parse_coordinate(raw[name])
            except ValueProblem as exc:
                (warn if has_other_place else reject)(name, str(exc))
        if len(coords) < 2:
            coords = {}
    if not coords and not has_other_place and not any(i.niveau is Level.REJET for i in issues):
        reject(
            "commune",
            "aucune localisation : renseignez le code INSEE, le code postal, la commune "
            "ou les coordonnées",
        )

    if any(i.niveau is Level.REJET for i in issues):
        return None, issues
    if given_id is not None and row_id != given_id:
        if row_id is not None:
            motif = (
                f"identifiant « {given_id} » : caractères hors de {SAFE_ID_ALPHABET} (ou plus "
                f"de {MAX_ID_CHARS} caractères) remplacés : « {row_id} »"
            )
        else:
            row_id = derive_id(text)
            motif = f"identifiant « {given_id} » inutilisable : identifiant dérivé « {row_id} »"
        issues = [Issue(i.ligne, row_id, i.colonne, i.motif, i.niveau) for i in issues]
        issues.append(Issue(line, row_id, column("id"), motif, Level.AVERTISSEMENT))
    elif row_id is None:
        row_id = derive_id(text)
        issues = [Issue(i.ligne, row_id, i.colonne, i.motif, i.niveau) for i in issues]
        issues.append(
            Issue(
                line,
                row_id,
                column("id"),
                f"identifiant absent : identifiant dérivé du contenu « {row_id} »",
                Level.AVERTISSEMENT,
            )
        )
    modalite = parsed.get("modalite")
    row = ImportedRow(
        ligne=line,
        id=row_id,
        intitule=text.get("intitule") or None,
        structure=text.get("structure") or None,
        type_structure=type_structure,
        adresse=text.get("adresse") or None,
        code_postal=parsed.get("code_postal"),  # type: ignore[arg-type]
        commune=text.get("commune") or None,
        code_insee=parsed.get("code_insee"),  # type: ignore[arg-type]
        duree_mois=parsed.get("duree_mois"),  # type: ignore[arg-type]
        modalite=modalite if isinstance(modalite, Modalite) else None,
        site_web=parsed.get("site_web"),  # type: ignore[arg-type]
        date_labellisation=parsed.get("date_labellisation"),  # type: ignore[arg-type]
        details=_details(parsed),
        latitude=coords.get("latitude"),
        longitude=coords.get("longitude"),
    )
    return row, issues


def _details(parsed: dict[str, object]) -> TrainingDetails:
    details = {name: parsed[name] for name in DETAIL_FIELDS if name in parsed}
    return TrainingDetails(**details) if details else NO_DETAILS  # type: ignore[arg-type]


def _missing_note(name: str, mapping: HeaderMapping) -> str:
    if name == "duree_mois" and "nombre_heures" in mapping.columns:
        return f"{hours_rule()} quand il est donné, sinon durée non précisée"
    return _MISSING_COLUMN_NOTES[name]


def import_table(table: Table) -> ImportResult:
    """Validate every row of a table; reading problems come first in the result's issues.

    The same id written twice rejects the second row, naming the first; any other meeting of
    ids (one of them derived or cleaned) gives the later row a ``-2``, ``-3``… suffix, with a
    warning; so does an id the API keeps for itself (:data:`~geo.importer.ids.RESERVED_IDS`).
    Raises
    :class:`InputFileError` when no column names a training or none can place it.
    """
    mapping = map_headers(table.headers)
    check_columns(mapping, table.headers)
    result = ImportResult(
        header_map=dict(mapping.columns),
        column_names={name: table.headers[i] for name, i in mapping.columns.items()},
    )
    header_issues = [
        *(
            Issue(
                table.header_line,
                None,
                header,
                "colonne non reconnue, ignorée",
                Level.AVERTISSEMENT,
            )
            for header in mapping.unknown
        ),
        *(
            Issue(
                table.header_line,
                None,
                header,
                f"deuxième colonne pour « {FIELD_LABELS[name]} », ignorée",
                Level.AVERTISSEMENT,
            )
            for header, name in mapping.duplicates
        ),
        *(
            Issue(
                table.header_line,
                None,
                FIELD_LABELS[name],
                f"colonne « {FIELD_LABELS[name]} » absente : {_missing_note(name, mapping)}",
                Level.AVERTISSEMENT,
            )
            for name in EXPECTED_FIELDS
            if name not in mapping.columns
        ),
    ]
    result.issues.extend(header_issues)
    result.issues.extend(table.issues)
    refused = {i.ligne for i in table.issues if i.niveau is Level.REJET}
    # A file with a session per row: the rows of one training are joined (_joined_sessions).
    session_field = _session_field(mapping)
    kept_at: dict[str, int] = {}  # with a session_field: id → index of its row in result.rows
    id_index = mapping.columns.get("id")
    id_column = table.headers[id_index] if id_index is not None else FIELD_LABELS["id"]
    # The API's own paths come first: a row written with one of them gets a suffix.
    first_seen: dict[str, int] = dict.fromkeys(RESERVED_IDS, _RESERVED_LINE)
    given_ids: set[str] = set()  # ids taken as written in the file
    hours_index = mapping.columns.get("nombre_heures")
    hours_column = table.headers[hours_index] if hours_index is not None else ""
    found = clean_rows(table, mapping)
    for index, ((line, cells), clean) in enumerate(zip(table.rows, found.rows, strict=True)):
        if clean is not None and line not in refused:
            # a clean row has a title or a structure, so it is not empty; its id is as written
            result.rows_read += 1
            note = found.hours_notes.get(index)
            issues: list[Issue] = (
                [Issue(line, clean.id, hours_column, note, Level.AVERTISSEMENT)] if note else []
            )
            if clean.id not in first_seen:
                first_seen[clean.id] = line
                given_ids.add(clean.id)
                result.rows.append(clean)
                result.issues.extend(issues)
                continue
            row: ImportedRow | None = clean
        else:
            empty = not any(c.strip() if isinstance(c, str) else c is not None for c in cells)
            if empty and line not in refused:
                continue  # an empty spreadsheet row is not a training
            result.rows_read += 1
            if line in refused:
                continue
            row, issues = validate_row(line, cells, mapping, table.headers)
        if row is not None and session_field is not None and row.id in kept_at:
            joined = _joined_sessions(result.rows[kept_at[row.id]], row)
            if joined is not None:
                result.rows[kept_at[row.id]] = joined
                result.joined_lines.append(line)
                issues.append(
                    Issue(
                        line,
                        row.id,
                        table.headers[mapping.columns[session_field]],
                        f"même formation que la ligne {first_seen[row.id]}, pour une autre "
                        "session : session ajoutée à cette formation",
                        Level.AVERTISSEMENT,
                    )
                )
                result.issues.extend(issues)
                continue
        if row is not None and row.id in first_seen:
            given = (
                cell_text(cells[id_index]).strip()
                if id_index is not None and id_index < len(cells)
                else ""
            )
            if given == row.id and row.id in given_ids:
                issues.append(
                    Issue(
                        line,
                        row.id,
                        id_column,
                        f"identifiant « {row.id} » en double (déjà utilisé ligne "
                        f"{first_seen[row.id]})",
                    )
                )
                row = None
            else:
                row = _with_unique_id(row, first_seen, issues, id_column)
        if row is not None:
            first_seen[row.id] = line
            written = (
                cell_text(cells[id_index]) if id_index is not None and id_index < len(cells) else ""
            )
            if written.strip() == row.id:
                given_ids.add(row.id)
            if session_field is not None:
                kept_at[row.id] = len(result.rows)
            result.rows.append(row)
        result.issues.extend(issues)
    if result.rows_read == 0:
        raise InputFileError(
            f"aucune ligne de données sous les en-têtes (ligne {table.header_line}) : "
            "le tableau est vide."
        )
    return result


def _session_field(mapping: HeaderMapping) -> str | None:
    """Name the first field of a session per row with a column in the file (``None``: none)."""
    return next((name for name in SESSION_ROW_FIELDS if name in mapping.columns), None)


def _joined_sessions(first: ImportedRow, later: ImportedRow) -> ImportedRow | None:
    """Give ``first`` the sessions of ``later`` too, when nothing else sets them apart.

    Rows of a file with one session per row; ``None`` when they differ in anything but their
    line and sessions.
    """
    if replace(first, ligne=0, details=replace(first.details, sessions=())) != replace(
        later, ligne=0, details=replace(later.details, sessions=())
    ):
        return None
    # the same session on two rows is one session: a repeated row adds none
    sessions = sorted_sessions(dict.fromkeys((*first.details.sessions, *later.details.sessions)))
    return replace(first, details=replace(first.details, sessions=sessions))


def _with_unique_id(
    row: ImportedRow, seen: dict[str, int], issues: list[Issue], id_column: str
) -> ImportedRow:
    """Give a row a ``-N`` suffix on its derived or cleaned id, which another row has."""
    suffix = 2
    while f"{row.id}-{suffix}" in seen:
        suffix += 1
    unique = f"{row.id}-{suffix}"
    taken = (
        f"réservé à l'adresse /api/formations/{row.id} du service"
        if seen[row.id] == _RESERVED_LINE
        else f"déjà pris ligne {seen[row.id]} (ligne identique ?)"
    )
    issues.append(
        Issue(
            row.ligne,
            unique,
            id_column,
            f"identifiant « {row.id} » {taken} : « {unique} »",
            Level.AVERTISSEMENT,
        )
    )
    return replace(row, id=unique)
