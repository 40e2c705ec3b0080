"""Files with one session per row (« Date de début », « Date de fin »): one training each."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.importer import Level, import_table, parse_bytes

HEADER = "Id;Intitulé;Structure;Type;Commune;Date de début;Date de fin\n"


def imported(text: str):
    """Import a semicolon CSV given as text."""
    return import_table(parse_bytes(text.encode(), "sessions.csv"))


def test_the_rows_of_one_training_are_joined_with_a_warning_each():
    result = imported(
        HEADER + "A1;Développeur web;École A;École;Lyon;05/01/2027;30/06/2027\n"
        "B1;Technicien;Asso B;Association;Brest;2027-03-01;\n"
        "A1;Développeur web;École A;École;Lyon;06/09/2027;28/02/2028\n"
        "A1;Développeur web;École A;École;Lyon;01/02/2027;30/07/2027\n"
    )
    assert result.rows_read == 4
    first, second = result.rows
    assert (first.id, first.ligne, second.id) == ("A1", 2, "B1")
    assert first.details.sessions == (
        ("2027-01-05", "2027-06-30"),
        ("2027-02-01", "2027-07-30"),
        ("2027-09-06", "2028-02-28"),
    )
    assert second.details.sessions == (("2027-03-01", None),)
    joined = [i for i in result.issues if "même formation" in i.motif]
    assert [(i.ligne, i.identifiant, i.colonne, i.niveau) for i in joined] == [
        (4, "A1", "Date de début", Level.AVERTISSEMENT),
        (5, "A1", "Date de début", Level.AVERTISSEMENT),
    ]
    assert all("la ligne 2" in i.motif for i in joined)
    assert result.joined_lines == [4, 5]


def test_rows_without_id_are_joined_by_the_id_their_content_gives():
    result = imported(
        "Intitulé;Structure;Commune;Début de session;Fin de session\n"
        "Data analyst;Simplon;Montreuil;2027-01-10;2027-05-10\n"
        "Data analyst;Simplon;Montreuil;2027-06-10;2027-10-10\n"
        "Data analyst;Simplon;Bagnolet;2027-06-10;2027-10-10\n"
    )
    montreuil, bagnolet = result.rows
    assert montreuil.id.startswith("H-") and bagnolet.id != montreuil.id
    assert len(montreuil.details.sessions) == 2 and len(bagnolet.details.sessions) == 1


def test_the_same_id_with_other_differences_is_still_a_repeated_id():
    result = imported(
        HEADER + "A1;Développeur web;École A;École;Lyon;05/01/2027;30/06/2027\n"
        "A1;Développeur web;École A;École;Brest;06/09/2027;28/02/2028\n"
    )
    (kept,) = result.rows
    assert kept.commune == "Lyon" and kept.details.sessions == (("2027-01-05", "2027-06-30"),)
    (refused,) = [i for i in result.issues if i.ligne == 3]
    assert refused.niveau is Level.REJET and "en double" in refused.motif


def test_a_repeated_row_adds_no_session_but_is_named():
    row = "A1;Développeur web;École A;École;Lyon;05/01/2027;30/06/2027\n"
    result = imported(HEADER + row + row)
    (kept,) = result.rows
    assert kept.details.sessions == (("2027-01-05", "2027-06-30"),)
    assert [i.ligne for i in result.issues if "même formation" in i.motif] == [3]


def test_an_unreadable_date_leaves_the_session_out_and_keeps_the_row():
    result = imported(
        HEADER + "A1;Développeur web;École A;École;Lyon;5 janvier 2027;30/06/2027\n"
        "A2;Technicien;École A;École;Lyon;30/06/2027;05/01/2027\n"
    )
    first, second = result.rows
    assert first.details.sessions == () and second.details.sessions == ()
    motifs = [i.motif for i in result.issues if i.colonne == "Date de début"]
    assert len(motifs) == 2 and all(m.endswith("session ignorée") for m in motifs)
    assert "« 5 janvier 2027 »" in motifs[0] and "la fin est avant le début" in motifs[1]


def test_a_sessions_cell_and_the_row_dates_add_up():
    result = imported(
        "Id;Intitulé;Commune;Sessions;Date de début;Date de fin\n"
        "A1;Développeur web;Lyon;2028-01-05/2028-06-30;2027-01-05;2027-06-30\n"
    )
    (row,) = result.rows
    assert row.details.sessions == (("2027-01-05", "2027-06-30"), ("2028-01-05", "2028-06-30"))


def test_spreadsheet_date_cells_are_read(xlsx_bytes):
    data = xlsx_bytes(
        [
            ["Id", "Intitulé", "Commune", "Date de début de formation", "Date de fin de formation"],
            ["A1", "Développeur web", "Lyon", datetime(2027, 1, 5), date(2027, 6, 30)],
            ["A1", "Développeur web", "Lyon", datetime(2027, 9, 6), None],
        ]
    )
    result = import_table(parse_bytes(data, "sessions.xlsx"))
    (row,) = result.rows
    assert row.details.sessions == (("2027-01-05", "2027-06-30"), ("2027-09-06", None))


days = st.dates(date(2026, 1, 1), date(2029, 12, 31))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), days, days), min_size=1, max_size=12))
def test_every_session_row_ends_in_its_training_and_no_row_is_lost(rows) -> None:
    """Rows of a few trainings, shuffled: one training each, with all its sessions."""
    lines = [
        f"F{training};Formation {training};Structure;École;Lyon;"
        f"{min(a, b):%d/%m/%Y};{max(a, b):%d/%m/%Y}\n"
        for training, a, b in rows
    ]
    result = imported(HEADER + "".join(lines))
    expected: dict[str, set[tuple[str, str]]] = {}
    for training, a, b in rows:
        expected.setdefault(f"F{training}", set()).add(
            (min(a, b).isoformat(), max(a, b).isoformat())
        )
    assert {row.id: set(row.details.sessions) for row in result.rows} == expected
    assert [row.id for row in result.rows] == list(expected)  # in order of first appearance
    joined = [i.ligne for i in result.issues if "même formation" in i.motif]
    assert joined == result.joined_lines
    assert result.rows_read == len(rows) == len(result.rows) + len(result.joined_lines)
    assert all(i.niveau is not Level.REJET for i in result.issues)
