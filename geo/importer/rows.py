"""Rows of a table to validated trainings, and every problem found, row by row.

A row is rejected only when nothing can place it (no commune, postcode, INSEE code or
coordinates that can be read) or when it has neither a title nor a structure name to show.
Every other problem leaves the value empty, or the type « Autre structure », with a warning.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, replace
from itertools import repeat
from typing import Final

import numpy as np

from geo.importer.details import (
    parse_certification,
    parse_email,
    parse_heures,
    parse_niveau,
    parse_oui_non,
    parse_public_vise,
    parse_sessions,
    parse_telephone,
    parse_url,
)
from geo.importer.headers import (
    EXPECTED_FIELDS,
    FIELD_LABELS,
    HeaderMapping,
    check_columns,
    map_headers,
)
from geo.importer.ids import (
    MAX_ID_CHARS,
    SAFE_ID_ALPHABET,
    all_safe_ids,
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
    parse_code_insee,
    parse_code_postal,
    parse_coordinate,
    parse_date,
    parse_duree,
    parse_modalite,
    parse_site_web,
)
from geo.lheo.codes import HEURES_PAR_MOIS, duree_mois_depuis_heures
from geo.schema import (
    DUREE_MAX_MOIS,
    DUREE_MIN_MOIS,
    TYPE_STRUCTURE_LABELS,
    Modalite,
    TypeStructure,
)

_AUTRE_LABEL: Final = TYPE_STRUCTURE_LABELS[TypeStructure.AUTRE]
_MISSING_COLUMN_NOTES: Final = {
    "type_structure": f"toutes les formations sont classées « {_AUTRE_LABEL} »",
    "duree_mois": "durée non précisée pour toutes les formations",
    "modalite": "modalité non précisée pour toutes les formations",
}
_SOFT_PARSERS: Final = (
    ("duree_mois", parse_duree),
    ("modalite", parse_modalite),
    ("code_postal", parse_code_postal),
    ("code_insee", parse_code_insee),
    ("site_web", parse_site_web),
    ("date_labellisation", parse_date),
    ("contact_email", parse_email),
    ("contact_telephone", parse_telephone),
    ("url_candidature", parse_url),
    ("certification", parse_certification),
    ("niveau_entree", parse_niveau),
    ("niveau_sortie", parse_niveau),
    ("alternance", parse_oui_non),
    ("nombre_heures", parse_heures),
    ("prise_en_charge", parse_oui_non),
)
#: Fields holding a list: their parser keeps what it can read and notes the rest.
_LIST_PARSERS: Final = (("sessions", parse_sessions), ("public_vise", parse_public_vise))
_HOURS_NOTE: Final = (
    "durée déduite du nombre d'heures, à raison de {par_mois} h par mois (35 h par semaine "
    "× 52 semaines ÷ 12), arrondie au mois"
)


def hours_rule() -> str:
    """Return the rule deriving ``duree_mois`` from ``nombre_heures``, as warnings state it."""
    return _HOURS_NOTE.format(par_mois=f"{HEURES_PAR_MOIS:.2f}".replace(".", ","))


def derived_duree(heures: int) -> tuple[int | None, str]:
    """``duree_mois`` derived from hours (None when outside the allowed months) and its warning."""
    months = duree_mois_depuis_heures(heures)
    note = f"{hours_rule()} : {heures} h → {months} mois"
    if not DUREE_MIN_MOIS <= months <= DUREE_MAX_MOIS:
        return None, (
            f"{note}, hors limites ({DUREE_MIN_MOIS} à {DUREE_MAX_MOIS} mois) : durée non précisée"
        )
    return months, note


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
    for name, parser in _SOFT_PARSERS:
        if text.get(name):
            try:
                parsed[name] = parser(raw[name])
            except ValueProblem as exc:
                warn(name, f"{exc} ; valeur ignorée")
        elif name == "duree_mois" and name in mapping.columns and not text.get("nombre_heures"):
            warn(name, "durée absente : « durée non précisée »")
    for name, list_parser in _LIST_PARSERS:
        if name in raw and raw[name] is not None:
            parsed[name], notes = list_parser(raw[name])
            for note in notes:
                warn(name, note)
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
        details=_details(parsed)
        if any(name in mapping.columns for name in DETAIL_FIELDS)
        else NO_DETAILS,
        latitude=coords.get("latitude"),
        longitude=coords.get("longitude"),
    )
    return row, issues


def _details(parsed: dict[str, object]) -> TrainingDetails:
    details = {name: parsed[name] for name in DETAIL_FIELDS if name in parsed}
    return TrainingDetails(**details) if details else NO_DETAILS  # type: ignore[arg-type]


#: An outcome of the column pass meaning "this cell needs :func:`validate_row`".
_DIRTY: Final = object()
_TEXT_FIELDS: Final = ("intitule", "structure", "adresse", "commune")


def _text_of(value: Cell) -> str:
    return cell_text(value).strip()


def _text_or_none(value: Cell) -> str | None:
    return cell_text(value).strip() or None


#: A space at either end of a line, two spaces, or any other white space (as str.split sees it).
_NOT_PLAIN: Final = re.compile(r"^ | $|  |[^\S \n]", re.MULTILINE)


def _all_plain(texts: Sequence[str]) -> bool:
    """Whether every text is already its own cell text (one regex pass over the column)."""
    joined = "\n".join(texts)
    return not texts or (joined.count("\n") == len(texts) - 1 and not _NOT_PLAIN.search(joined))


def _clean_id(value: Cell) -> object:
    text = cell_text(value).strip()
    return text if text and is_safe_id(text) else _DIRTY


def _clean_type(value: Cell) -> object:
    label = cell_text(value).strip()
    if not label:
        return _DIRTY
    found, guessed = match_type_structure(label)
    return found if found is not None and not guessed else _DIRTY


def _soft_outcome(name: str, parser: Callable[[Cell], object]) -> Callable[[Cell], object]:
    def outcome(value: Cell) -> object:
        if not cell_text(value).strip():
            return _DIRTY if name == "duree_mois" else None
        try:
            return parser(value)
        except ValueProblem:
            return _DIRTY

    return outcome


def _list_outcome(
    parser: Callable[[Cell], tuple[tuple[object, ...], list[str]]],
) -> Callable[[Cell], object]:
    def outcome(value: Cell) -> object:
        if value is None or value == "":
            return ()
        found, notes = parser(value)
        return _DIRTY if notes else found

    return outcome


#: How each field's cell reads in a clean row; the keys are the fields of ImportedRow but
#: ``details``, and those of TrainingDetails.
_CLEAN_OUTCOMES: Final[dict[str, Callable[[Cell], object]]] = {
    "id": _clean_id,
    **dict.fromkeys(_TEXT_FIELDS, _text_or_none),
    "type_structure": _clean_type,
    **{name: _soft_outcome(name, parser) for name, parser in _SOFT_PARSERS},
    **{name: _list_outcome(parser) for name, parser in _LIST_PARSERS},
    "latitude": _soft_outcome("latitude", parse_coordinate),
    "longitude": _soft_outcome("longitude", parse_coordinate),
}


_ROW_FIELDS: Final = tuple(field.name for field in fields(ImportedRow))
#: Fields the rules across columns read (each gets a mask of its empty cells).
_EMPTY_CHECKED: Final = (
    "intitule",
    "structure",
    "latitude",
    "longitude",
    "code_postal",
    "code_insee",
    "commune",
    "duree_mois",
    "nombre_heures",
)
#: Value of a field whose column is absent (``None`` unless listed).
_ABSENT: Final[dict[str, object]] = {name: () for name, _ in _LIST_PARSERS}


def _column_outcomes(
    values: Sequence[Cell], outcome: Callable[[Cell], object]
) -> tuple[list[object], np.ndarray | None]:
    """Outcome of every cell of a column, computed once per distinct text, and the dirty mask.

    Only text cells share an outcome: ``1``, ``1.0`` and ``True`` are equal keys of a dict
    but read differently. The mask (``None`` when no cell is dirty) marks the cells that
    need :func:`validate_row`.
    """
    if set(map(type, values)) == {str}:
        if outcome is _clean_id and all_safe_ids(values):  # type: ignore[arg-type]
            return list(values), None  # safe ids hold no space: each is its own text
        if outcome is _text_or_none and _all_plain(values):  # type: ignore[arg-type]
            return [value or None for value in values], None
        memo = {value: outcome(value) for value in set(values)}
        found = list(map(memo.__getitem__, values))
        if _DIRTY not in memo.values():
            return found, None
    else:
        found = [outcome(value) for value in values]
    return found, _is(found, _DIRTY)


def _is(values: Iterable[object], sentinel: object) -> np.ndarray:
    """Boolean mask of the values that are ``sentinel`` (identity, never ``==``)."""
    return np.fromiter(map(operator.is_, values, repeat(sentinel)), dtype=bool)


def _columns(table: Table) -> list[Sequence[Cell]]:
    """Return the table's columns (short rows padded with ``None``, extra cells dropped)."""
    cells = [cells for _, cells in table.rows]
    width = len(table.headers)
    if set(map(len, cells)) != {width}:
        cells = [(*row, *repeat(None, width - len(row)))[:width] for row in cells]
    return [[row[index] for row in cells] for index in range(width)]


def clean_rows(table: Table, mapping: HeaderMapping) -> list[ImportedRow | None]:
    """Find, column by column, the rows :func:`validate_row` would keep without any issue.

    Each column is parsed once per distinct value (files repeat postcodes, communes, types
    and durations), and the rules that span columns are boolean masks; a row with any
    problem, however small, is ``None`` and is left to :func:`validate_row`, which says what
    is wrong. Every other row equals :func:`validate_row`'s
    (``tests/geo/test_import_columns.py`` checks this on random messy rows).
    """
    count = len(table.rows)
    if "id" not in mapping.columns or count == 0:
        return [None] * count  # a derived id comes with a warning
    columns = _columns(table)
    dirty = np.zeros(count, dtype=bool)
    outcomes: dict[str, Sequence[object]] = {}
    for name, outcome in _CLEAN_OUTCOMES.items():
        index = mapping.columns.get(name)
        if index is None:
            outcomes[name] = [_ABSENT.get(name)] * count
            continue
        outcomes[name], mask = _column_outcomes(columns[index], outcome)
        if mask is not None:
            dirty |= mask
    if "type_structure" not in mapping.columns:
        outcomes["type_structure"] = [TypeStructure.AUTRE] * count
    if any(name in mapping.columns for name in DETAIL_FIELDS):
        outcomes["details"] = list(
            map(TrainingDetails, *(outcomes[name] for name in DETAIL_FIELDS))
        )
    else:
        outcomes["details"] = [NO_DETAILS] * count
    empty = {
        name: _is(outcomes[name], None) if name in mapping.columns else np.ones(count, dtype=bool)
        for name in _EMPTY_CHECKED
    }
    dirty |= empty["intitule"] & empty["structure"]  # nothing to show
    dirty |= empty["latitude"] != empty["longitude"]  # one coordinate alone
    dirty |= empty["duree_mois"] & ~empty["nombre_heures"]  # a duration derived, with a warning
    dirty |= (  # nothing to place the row with
        empty["latitude"] & empty["code_postal"] & empty["code_insee"] & empty["commune"]
    )
    lines = [line for line, _ in table.rows]
    found: list[ImportedRow | None] = list(
        map(ImportedRow, lines, *(outcomes[name] for name in _ROW_FIELDS[1:]))
    )
    for index in np.flatnonzero(dirty).tolist():
        found[index] = None
    return found


def _missing_note(name: str, mapping: HeaderMapping) -> str:
    if name == "duree_mois" and "nombre_heures" in mapping.columns:
        return f"{hours_rule()} quand il est donné, sinon durée non précisée"
    return _MISSING_COLUMN_NOTES[name]


def import_table(table: Table) -> ImportResult:
    """Validate every row of a table; reading problems come first in the result's issues.

    The same id written twice rejects the second row, naming the first; any other meeting of
    ids (one of them derived or cleaned) gives the later row a ``-2``, ``-3``… suffix, with a
    warning. Raises
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
    id_index = mapping.columns.get("id")
    id_column = table.headers[id_index] if id_index is not None else FIELD_LABELS["id"]
    first_seen: dict[str, int] = {}
    given_ids: set[str] = set()  # ids taken as written in the file
    for (line, cells), clean in zip(table.rows, clean_rows(table, mapping), strict=True):
        if clean is not None and line not in refused:
            # a clean row has a title or a structure, so it is not empty; its id is as written
            result.rows_read += 1
            if clean.id not in first_seen:
                first_seen[clean.id] = line
                given_ids.add(clean.id)
                result.rows.append(clean)
                continue
            row: ImportedRow | None = clean
            issues: list[Issue] = []
        else:
            empty = not any(c.strip() if isinstance(c, str) else c is not None for c in cells)
            if empty and line not in refused:
                continue  # an empty spreadsheet row is not a training
            result.rows_read += 1
            if line in refused:
                continue
            row, issues = validate_row(line, cells, mapping, table.headers)
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
            result.rows.append(row)
        result.issues.extend(issues)
    if result.rows_read == 0:
        raise InputFileError(
            f"aucune ligne de données sous les en-têtes (ligne {table.header_line}) : "
            "le tableau est vide."
        )
    return result


def _with_unique_id(
    row: ImportedRow, seen: dict[str, int], issues: list[Issue], id_column: str
) -> ImportedRow:
    """Give a row a ``-N`` suffix on its derived or cleaned id, which another row has."""
    suffix = 2
    while f"{row.id}-{suffix}" in seen:
        suffix += 1
    unique = f"{row.id}-{suffix}"
    issues.append(
        Issue(
            row.ligne,
            unique,
            id_column,
            f"identifiant « {row.id} » déjà pris ligne {seen[row.id]} (ligne identique ?) : "
            f"« {unique} »",
            Level.AVERTISSEMENT,
        )
    )
    return replace(row, id=unique)
