"""CSV structure errors and encodings: reported per line, never a merged or silently lost row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.importer import (
    MAX_CELL_CHARS,
    MAX_RECORD_LINES,
    Level,
    decode_lines,
    import_table,
    parse_bytes,
    repair_mojibake,
)

HEADER = "Identifiant;Intitulé;Structure;Type;Commune"


def imported(text: str, encoding: str = "utf-8"):
    return import_table(parse_bytes(text.encode(encoding), "liste.csv"))


def rows_by_id(result):
    return {row.id: row for row in result.rows}


# --------------------------------------------------------------------------- quotes


def test_an_unbalanced_quote_never_swallows_the_following_rows():
    # Issue 11's reproduction: 6 rows in, « Lignes lues : 3 » and a title of raw CSV text out.
    text = "\n".join(
        [
            HEADER,
            "R1;Dev web;Simplon;Asso;Paris",
            'R2;"Médiation numérique;Emmaüs Connect;Asso;Lyon',
            "R3;Data;Ada Tech;Entreprise;Nantes",
            "R4;Cyber;Le Wagon;Entreprise;Lille",
            "R5;Design;Gobelins;École;Rennes",
            "R6;IA;Simplon;Asso;Brest",
        ]
    )
    result = imported(text + "\n")
    assert result.rows_read == 6
    rows = rows_by_id(result)
    assert set(rows) == {"R1", "R2", "R3", "R4", "R5", "R6"}
    assert {rid: row.commune for rid, row in rows.items()} == {
        "R1": "Paris",
        "R2": "Lyon",
        "R3": "Nantes",
        "R4": "Lille",
        "R5": "Rennes",
        "R6": "Brest",
    }
    assert rows["R2"].intitule == "Médiation numérique"
    assert all(";" not in (row.intitule or "") for row in result.rows)
    (warning,) = [i for i in result.issues if "guillemet" in i.motif]
    assert (warning.ligne, warning.niveau) == (3, Level.AVERTISSEMENT)


def test_an_unbalanced_quote_closed_by_a_later_stray_quote_still_merges_nothing():
    text = "\n".join(
        [
            HEADER,
            'R1;"Dev web;Simplon;Asso;Paris',
            "R2;Data;Ada Tech;Entreprise;Nantes",
            'R3;Cyber;Le Wagon";Entreprise;Lille',
            "R4;Design;Gobelins;École;Rennes",
        ]
    )
    result = imported(text + "\n")
    assert result.rows_read == 4
    rows = rows_by_id(result)
    assert [rows[r].commune for r in ("R1", "R2", "R4")] == ["Paris", "Nantes", "Rennes"]
    assert "R3" in rows or 5 in result.rejected_lines
    assert all(";" not in (row.intitule or "") for row in result.rows)


def test_a_quoted_cell_over_several_lines_is_one_row():
    text = HEADER + '\nR1;"Dev web\nen alternance";Simplon;Asso;Paris\nR2;Data;Ada;Asso;Lyon\n'
    result = imported(text)
    assert result.rows_read == 2
    assert rows_by_id(result)["R1"].intitule == "Dev web en alternance"
    assert not [i for i in result.issues if "guillemet" in i.motif or "champs" in i.motif]


def test_a_quoted_field_may_not_run_over_too_many_lines():
    body = "\n".join(f"ligne {n}" for n in range(MAX_RECORD_LINES + 5))
    text = HEADER + f'\nR1;"{body}";Simplon;Asso;Paris\nR2;Data;Ada;Asso;Lyon\n'
    result = imported(text)
    assert "R2" in rows_by_id(result)
    assert any("guillemet" in i.motif and i.ligne == 2 for i in result.issues)


def test_too_many_fields_reject_the_row_naming_the_line_and_too_few_warn():
    text = (
        HEADER + "\nR1;Dev;Simplon;Asso;Paris;Lyon;en trop\nR2;Data;Ada;Asso\nR3;IA;X;Asso;Brest\n"
    )
    result = imported(text)
    assert result.rows_read == 3
    assert set(rows_by_id(result)) == {"R3"}
    too_many = [i for i in result.issues if i.ligne == 2]
    assert too_many[0].niveau is Level.REJET and "7 champs pour 5" in too_many[0].motif
    too_few = [i for i in result.issues if i.ligne == 3 and "champs" in i.motif]
    assert too_few[0].niveau is Level.AVERTISSEMENT and "4 champs pour 5" in too_few[0].motif
    assert 3 in result.rejected_lines  # R2 has no commune: nothing can place it
    assert len(result.rows) + len(result.rejected_lines) == result.rows_read


def test_trailing_empty_fields_are_not_a_structure_error():
    result = imported(HEADER + "\nR1;Dev;Simplon;Asso;Paris;;\n")
    assert [row.id for row in result.rows] == ["R1"]
    assert not [i for i in result.issues if "champs" in i.motif]


# --------------------------------------------------------------------------- long cells


@pytest.mark.parametrize("quoted", [False, True])
def test_a_cell_longer_than_csv_s_own_limit_is_cut_with_a_warning(quoted: bool):
    long_title = "Formation " + "x" * 200_000  # over csv.field_size_limit (128 KiB)
    cell = f'"{long_title}"' if quoted else long_title
    result = imported(f"{HEADER}\nR1;{cell};Simplon;Asso;Paris\nR2;Data;Ada;Asso;Lyon\n")
    rows = rows_by_id(result)
    assert set(rows) == {"R1", "R2"}
    assert rows["R1"].intitule == long_title[:MAX_CELL_CHARS]
    (warning,) = [i for i in result.issues if "coupée" in i.motif]
    assert (warning.ligne, warning.colonne) == (2, "Intitulé")


def test_a_long_cell_builds_through_the_cli_with_exit_0(tmp_path: Path, carte_gen):
    source = tmp_path / "long.csv"
    source.write_text(
        "Identifiant;Intitulé;Structure;Type;Code postal;Commune\n"
        f"L1;{'y' * 300_000};Simplon;Asso;01000;Bourg-en-Bresse\n",
        encoding="utf-8",
    )
    output = tmp_path / "long.geojson"
    result = carte_gen("build", source, "-o", output)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (feature,) = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert len(feature["properties"]["intitule"]) == MAX_CELL_CHARS


# --------------------------------------------------------------------------- encodings


def test_one_windows_1252_line_in_a_utf8_file_is_decoded_on_its_own_and_named():
    lines = [
        HEADER,
        "R1;Médiateur numérique;Emmaüs;Asso;Paris",
        "R2;Médiateur numérique;Emmaüs;Asso;Saint-Étienne",
        "R3;Conseiller numérique;Ville;Mairie;Besançon",
    ]
    data = "\n".join(lines[:2]).encode() + b"\n" + lines[2].encode("cp1252") + b"\n"
    data += lines[3].encode() + b"\n"
    table = parse_bytes(data, "mixte.csv")
    assert table.encoding == "utf-8+cp1252"
    result = import_table(table)
    rows = rows_by_id(result)
    assert {row.intitule for row in result.rows} == {"Médiateur numérique", "Conseiller numérique"}
    assert rows["R2"].commune == "Saint-Étienne" and rows["R3"].commune == "Besançon"
    (warning,) = [i for i in result.issues if "Windows-1252" in i.motif]
    assert warning.ligne == 3 and "ligne 3" in warning.motif


def test_a_plain_windows_1252_file_needs_no_warning():
    result = import_table(
        parse_bytes(f"{HEADER}\nR1;Médiateur;Emmaüs;Asso;Besançon\n".encode("cp1252"))
    )
    assert result.rows[0].commune == "Besançon"
    assert not [i for i in result.issues if "Windows-1252" in i.motif]


def test_utf8_once_read_as_windows_1252_is_repaired_with_a_warning():
    broken = "R1;MÃ©diateur numÃ©rique;CollectivitÃ© de Besançon;CollectivitÃ© territoriale;Paris"
    result = imported(f"{HEADER}\n{broken}\n")
    (row,) = result.rows
    assert row.intitule == "Médiateur numérique"
    assert row.structure == "Collectivité de Besançon"
    assert row.type_structure == "collectivite"
    assert any(i.ligne == 2 and "mal encodé" in i.motif for i in result.issues)


FRENCH = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -'.,;:()")
        + list("àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆ€°«»’")
    ),
    max_size=40,
)


@given(FRENCH)
def test_mojibake_of_any_french_text_is_undone(text: str):
    broken = text.encode("utf-8").decode("cp1252", errors="strict") if _cp1252_safe(text) else text
    assert repair_mojibake(broken) == text


def _cp1252_safe(text: str) -> bool:
    try:
        text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


@given(
    st.text(
        alphabet=st.sampled_from(
            list("abcdefghijklmnopqrstuvwxyz ABCDEÉÈÀÂÇ-'0123456789àâçéèêëîïôûù")
        ),
        max_size=40,
    )
)
def test_right_french_text_is_left_as_it_is(text: str):
    assert repair_mojibake(text) == text


def test_decoding_keeps_every_line_of_a_mixed_file():
    data = "é\n".encode() + "è\n".encode("cp1252") + "à\n".encode()
    decoded = decode_lines(data)
    assert decoded.text == "é\nè\nà\n"
    assert decoded.other_lines == (2,)


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_every_line_ending_gives_one_row_per_line_even_mixed(ending: str):
    text = f"{HEADER}{ending}R1;Dev;Simplon;Asso;Paris\rR2;Data;Ada;Asso;Lyon{ending}"
    text += "R3;IA;X;Asso;Brest\n"
    result = imported(text)
    assert [row.commune for row in result.rows] == ["Paris", "Lyon", "Brest"]


def test_an_unbalanced_quote_on_the_last_line_is_reported():
    result = imported(f'{HEADER}\nR1;Dev;Simplon;Asso;Paris\nR2;"Data;Ada;Asso;Lyon')
    assert [row.commune for row in result.rows] == ["Paris", "Lyon"]
    assert any(i.ligne == 3 and "guillemet" in i.motif for i in result.issues)


def test_a_file_quoted_everywhere_is_read_as_written():
    text = "\n".join(
        ['"Identifiant";"Intitulé";"Structure";"Type";"Commune"']
        + [f'"R{n}";"Dev ""web""";"Simplon";"Asso";"Paris"' for n in range(3)]
    )
    result = imported(text)
    assert [row.intitule for row in result.rows] == ['Dev "web"'] * 3
    assert not [i for i in result.issues if "guillemet" in i.motif or "champs" in i.motif]
