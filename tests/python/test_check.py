"""`styringsoverblik check`: the build's verdict, told to a caseworker in Danish.

One check run (module fixture) on three files written here: a long CSV, a wide CSV and a
workbook, with misspelled answers, a wrong municipality code, wrong years, an unknown item, an
option number out of range, an invalid Q34 box and a harmless repeat. Expected cells, texts and
suggestions are written out by hand below. The same files are built by `dbt build` (strict:
false) and the check's verdict must equal the build's row by row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import PROJECT_ROOT, build, query
from styringsoverblik import check, cli, wide
from styringsoverblik.display import year_ranges

LONG = """municipality_code,survey_year,question_no,item,answer
101,2023,1,,Ja
101,2023,4,§ 95,"Ja, ved alle sagr"
9999,2023,1,,Ja
Kbenhavn,2023,2,,Ja
101,2022,2,,Ja
101,2023,4,§ 10,Nej
101,2023,4,§ 96,7
101,2023,1,,ja
"""
# line 2 valid; 3 misspelling; 4 unknown code; 5 a name for a code; 6 wrong year; 7 unknown
# item; 8 option number out of range; 9 a repeat of line 2 (harmless)

WIDE_CSV = """municipality_code,survey_year,Q1,Q4 | § 95
147,2023,Ja,Nejj
147,2030,Ja,Nej
"""
# line 2: Q4 § 95 misspelled; line 3: wrong year for both answered cells (one problem)

XLSX_HEADER = ["municipality_code", "survey_year", "Q1", "Q4 | § 95", "Q34 | Direktion | Varighed af indsatserne"]
XLSX_ROWS = [
    ["151", "2023", "Ja", "Ja, ved alle sagr", "måske"],  # D2 misspelled, E2 not a checkbox value
    ["151", "2021", "Ja", "Nej", ""],  # wrong year: B3, two answered cells
    ["99", "2023", "Nej", "Nej", "x"],  # unknown municipality: A4, three answered cells
]

OPTIONS_Q4 = "1 = »Ja, ved alle sager«, 2 = »Ja, ved sager over et bestemt beløb«, 3 = »Nej«"
WRONG_YEAR = "Kontrollér årstallet; runden 2023 er den eneste, der er oprettet."


class Run:
    def __init__(self, folder: Path):
        self.folder = folder
        self.inputs = folder / "inputs"
        self.out = folder / "problemer.xlsx"
        self.code: int | None = None
        self.result: check.CheckResult | None = None
        self.printed = ""

    @property
    def long(self) -> str:
        return str(self.inputs / "a_long.csv")

    @property
    def wide_csv(self) -> str:
        return str(self.inputs / "b_wide.csv")

    @property
    def xlsx(self) -> str:
        return str(self.inputs / "c_besvarelse.xlsx")


def run_check(argv: list[str]) -> tuple[int, check.CheckResult | None, str]:
    args = cli.build_parser().parse_args(["check", *argv])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code, result = check.execute(args)
    return code, result, printed.getvalue()


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Run:
    run = Run(tmp_path_factory.mktemp("check"))
    run.inputs.mkdir()
    Path(run.long).write_text(LONG, encoding="utf-8")
    Path(run.wide_csv).write_text(WIDE_CSV, encoding="utf-8")
    wide.write_wide_xlsx(run.xlsx, XLSX_HEADER, XLSX_ROWS, sheet_name="Svar")
    # the real warehouse of this environment must never be touched: point it at a file that
    # does not exist and see that it still does not afterwards
    untouched = run.folder / "real_warehouse.duckdb"
    saved = os.environ.get("DBT_DUCKDB_PATH")
    os.environ["DBT_DUCKDB_PATH"] = str(untouched)
    try:
        run.code, run.result, run.printed = run_check(
            [run.long, run.wide_csv, run.xlsx, "--out", str(run.out), "--project-dir", str(PROJECT_ROOT)]
        )
    finally:
        if saved is None:
            os.environ.pop("DBT_DUCKDB_PATH", None)
        else:
            os.environ["DBT_DUCKDB_PATH"] = saved
    assert not untouched.exists()
    return run


def sheet_rows(path: Path) -> list[dict]:
    workbook = load_workbook(path)
    sheet = workbook["Problemer"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


def find(rows: list[dict], **wanted) -> dict:
    hits = [r for r in rows if all(str(r[k] if r[k] is not None else "") == str(v) for k, v in wanted.items())]
    assert len(hits) == 1, (wanted, hits)
    return hits[0]


# --------------------------------------------------------------------------- the problem list


def test_exit_code_and_danish_summary(checked):
    assert checked.code == 1
    assert checked.printed.startswith("Kontrol af 3 filer: 20 svar læst, 13 problemer, heraf 12 blokerende.")
    assert "  Ukendt svar: 4\n" in checked.printed
    assert "  Ukendt kommunekode: 3\n" in checked.printed
    assert "  Årstal uden runde: 3\n" in checked.printed
    assert "  Gentaget svar: 1 (blokerer ikke)\n" in checked.printed
    assert f"Problemlisten er skrevet til {checked.out}." in checked.printed
    assert "Resultat: ret de blokerende problemer, før filerne indlæses." in checked.printed


def test_the_workbook_is_a_list_a_caseworker_can_filter(checked):
    workbook = load_workbook(checked.out)
    assert workbook.sheetnames == ["Problemer"]
    sheet = workbook["Problemer"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "Fil", "Ark", "Celle", "Linje", "Kolonne", "Kommune", "Spørgsmål", "Delspørgsmål", "Værdi (som skrevet)",
        "Problemtype", "Problem", "Forslag", "Blokerer", "Antal svar", "Række-id i opbygningen",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{sheet.max_row}"
    assert sheet.max_row == 1 + 13
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["K"].width >= 40  # Problem
    assert workbook.properties.creator == "styringsoverblik check"


def test_a_misspelled_answer_in_a_workbook_names_its_cell_and_the_nearest_option(checked):
    row = find(sheet_rows(checked.out), Fil=checked.xlsx, Celle="D2")
    assert row["Ark"] == "Svar"
    assert row["Linje"] is None
    assert row["Kolonne"] == "Q4 | § 95"
    assert row["Kommune"] == "151 Ballerup"
    assert (row["Spørgsmål"], row["Delspørgsmål"], row["Værdi (som skrevet)"]) == ("4", "§ 95", "Ja, ved alle sagr")
    assert row["Problemtype"] == "Ukendt svar"
    assert row["Problem"] == (
        "Svaret »Ja, ved alle sagr« er ikke en svarmulighed til spørgsmål 4, delspørgsmål »§ 95«; svarmulighederne "
        "er: Ja, ved alle sager | Ja, ved sager over et bestemt beløb | Nej (eller deres numre 1-3)."
    )
    assert row["Forslag"] == "Mente du: »Ja, ved alle sager« (nummer 1)?"
    assert row["Blokerer"] == "Ja"
    assert row["Række-id i opbygningen"] == f"{checked.xlsx}!D2"


def test_a_bad_checkbox_value_names_its_cell(checked):
    row = find(sheet_rows(checked.out), Fil=checked.xlsx, Celle="E2")
    assert row["Problemtype"] == "Ugyldig afkrydsning"
    assert row["Værdi (som skrevet)"] == "måske"
    assert row["Problem"] == (
        "Afkrydsningen »måske« til spørgsmål 34, delspørgsmål »Direktion« er hverken afkrydset (x, 1, ja, true) "
        "eller ikke afkrydset (tom, 0, nej, false)."
    )
    assert row["Forslag"] == "Skriv x i cellen, hvis feltet skal være afkrydset; lad den ellers være tom."


def test_a_wrong_year_in_a_workbook_is_one_problem_at_the_year_cell(checked):
    row = find(sheet_rows(checked.out), Fil=checked.xlsx, Celle="B3")
    assert row["Kolonne"] == "survey_year"
    assert row["Værdi (som skrevet)"] == "2021"
    assert row["Antal svar"] == 2
    assert row["Problem"] == (
        "Årstallet »2021« er ikke en oprettet runde af undersøgelsen (oprettede runder: 2023). "
        "Det gælder alle rækkens 2 svar."
    )
    assert row["Forslag"] == WRONG_YEAR
    assert "seeds" not in row["Forslag"] and "survey_rounds" not in row["Problem"]


def test_a_wrong_municipality_code_in_a_workbook_is_one_problem_at_the_code_cell(checked):
    row = find(sheet_rows(checked.out), Fil=checked.xlsx, Celle="A4")
    assert (row["Problemtype"], row["Værdi (som skrevet)"], row["Kommune"]) == ("Ukendt kommunekode", "99", "99")
    assert row["Antal svar"] == 3
    assert row["Problem"] == "Kommunekoden »99« er ikke en af de 98 kommunekoder. Det gælder alle rækkens 3 svar."
    assert row["Forslag"] == "Kontrollér kommunekoden; skriv en af de 98 kommunekoder (3 cifre, fx 101 for København)."


def test_a_wide_csv_names_line_and_column_header(checked):
    rows = sheet_rows(checked.out)
    misspelled = find(rows, Fil=checked.wide_csv, Linje=2)
    assert (misspelled["Celle"], misspelled["Kolonne"], misspelled["Kommune"]) == (None, "Q4 | § 95", "147 Frederiksberg")
    assert misspelled["Forslag"] == "Mente du: »Nej« (nummer 3)?"
    year = find(rows, Fil=checked.wide_csv, Linje=3)
    assert (year["Kolonne"], year["Værdi (som skrevet)"], year["Antal svar"]) == ("survey_year", "2030", 2)
    assert year["Forslag"] == WRONG_YEAR


def test_a_long_csv_names_the_line_and_the_field(checked):
    rows = sheet_rows(checked.out)
    by_line = {r["Linje"]: r for r in rows if r["Fil"] == checked.long}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
    assert {line: by_line[line]["Kolonne"] for line in by_line} == {
        3: "answer", 4: "municipality_code", 5: "municipality_code", 6: "survey_year", 7: "item", 8: "answer", 9: "answer",
    }
    assert by_line[3]["Forslag"] == "Mente du: »Ja, ved alle sager« (nummer 1)?"
    assert by_line[4]["Problem"] == "Kommunekoden »9999« er ikke en af de 98 kommunekoder."
    assert by_line[5]["Forslag"] == "Mente du: 101 (København)? Skriv kommunekoden (3 cifre)."
    assert by_line[6]["Problem"] == "Årstallet »2022« er ikke en oprettet runde af undersøgelsen (oprettede runder: 2023)."
    assert by_line[6]["Forslag"] == WRONG_YEAR
    assert by_line[7]["Problem"] == (
        "»§ 10« er ikke et delspørgsmål til spørgsmål 4; delspørgsmålene er: § 95 | § 96 | § 107 | § 108 | § 85/ABL § 105."
    )
    assert by_line[7]["Forslag"] == "Mente du: »§ 107« eller »§ 108«?"
    assert by_line[8]["Forslag"] == (
        f"Nummeret 7 findes ikke; brug et nummer fra 1 til 3. Skriv svarmuligheden eller dens nummer: {OPTIONS_Q4}."
    )
    repeat = by_line[9]
    assert (repeat["Problemtype"], repeat["Blokerer"]) == ("Gentaget svar", "Nej")
    assert repeat["Problem"] == (
        f"Svaret »ja« til spørgsmål 1 er allerede givet i {checked.long}:2; gentagelsen tælles kun én gang (ingen fejl)."
    )


def test_the_csv_list_opens_in_danish_excel(checked, tmp_path):
    out = tmp_path / "problemer.csv"
    check.write_problems(out, checked.result.problems)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert b"\r\n" in data
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:4] == ["Fil", "Ark", "Celle", "Linje"]
    assert len(rows) == 1 + 13
    d2 = next(r for r in rows if r[2] == "D2")
    assert d2[11] == "Mente du: »Ja, ved alle sager« (nummer 1)?"
    assert check.is_own_output(out)


# --------------------------------------------------------------------------- same verdict as the build


def test_the_verdict_equals_the_build(checked, tmp_path_factory):
    """A real `dbt build` (strict: false) of the same three files: every raw row has the same
    status, reason and Danish message in fct_response_rows as in the check."""
    workdir = tmp_path_factory.mktemp("check_vs_build")
    run = build(str(checked.inputs / "*"), workdir, strict=False)
    assert run.returncode == 0, run.output[-3000:]
    built = {
        r["response_row_id"]: (r["row_status"], r["reject_reason"], r["reject_message_da"], r["source_cell"])
        for r in query(run.db_path, "select * from marts.fct_response_rows")
    }
    checked_rows = {
        r["response_row_id"]: (r["row_status"], r["reject_reason"], r["reject_message_da"], r["source_cell"])
        for r in checked.result.rows
    }
    assert checked_rows == built
    assert len(built) == 20
    assert built[f"{checked.xlsx}!D2"][:2] == ("rejected", "unknown_answer")
    # every rejected row is in the problem list (the rows of a wide row's code or year once)
    listed = {p.row_id.split(" … ")[0] for p in checked.result.problems}
    rejected_rows = {key for key, value in built.items() if value[0] == "rejected"}
    grouped = {p.row_id.split(" … ")[0]: p.rows for p in checked.result.problems}
    assert listed <= rejected_rows
    assert sum(grouped.values()) == len(rejected_rows)


# --------------------------------------------------------------------------- other exits (no dbt)


def test_unreadable_files_exit_2_with_a_row_each(tmp_path):
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    missing = tmp_path / "findes_ikke.xlsx"
    out = tmp_path / "problemer.xlsx"
    code, result, printed = run_check([str(empty), str(missing), "--out", str(out), "--project-dir", str(PROJECT_ROOT)])
    assert code == 2
    rows = sheet_rows(out)
    assert [r["Fil"] for r in rows] == [str(empty), str(missing)]
    assert all(r["Problemtype"] == "Filen kan ikke læses" and r["Blokerer"] == "Ja" for r in rows)
    assert rows[0]["Problem"].startswith("Filen kan ikke indlæses, så ingen af dens svar er kontrolleret.")
    assert "is empty (0 bytes)" in rows[0]["Problem"]  # the loader's own message, for the engineer
    assert rows[1]["Problem"] == "Filen findes ikke."
    assert "Filen kan ikke læses: 2" in printed


def test_an_existing_file_that_is_not_a_problem_list_is_never_overwritten(tmp_path):
    out = tmp_path / "besvarelse.csv"
    out.write_text("municipality_code,survey_year\n", encoding="utf-8")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code, _, _ = run_check([str(out), "--out", str(out), "--project-dir", str(PROJECT_ROOT)])
    assert code == 2
    assert out.read_text(encoding="utf-8") == "municipality_code,survey_year\n"
    assert "findes allerede" in stderr.getvalue()


def test_without_a_dbt_project_the_check_says_where_to_point_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code, _, _ = run_check(["x.csv", "--out", str(tmp_path / "p.xlsx")])
    assert code == 2
    assert "--project-dir" in stderr.getvalue()


# --------------------------------------------------------------------------- suggestions (pure Python)


def test_edit_distance_and_closest_labels():
    assert check.edit_distance("sagr", "sager") == 1
    assert check.edit_distance("", "abc") == 3
    assert check.edit_distance("kitten", "sitting") == 3
    options = ["Ja, ved alle sager", "Ja, ved sager over et bestemt beløb", "Nej"]
    assert check.closest("ja,  VED alle sagr ", options) == ["Ja, ved alle sager"]  # normalised first
    assert check.closest("Måske", options) == []
    assert check.closest("§ 10", ["§ 95", "§ 107", "§ 108"]) == ["§ 107", "§ 108"]


def test_danish_lists_and_year_ranges():
    assert year_ranges([2023, 2024, 2025, 2027]) == ["2023-2025", "2027"]
    assert check.danish_list(["2023-2025", "2027"]) == "2023-2025 og 2027"
    assert check.quoted(["A", "B", "C"]) == "»A«, »B« eller »C«"
    assert check.numbered(["Ja", "Nej"]) == "1 = »Ja«, 2 = »Nej«"


def test_a_value_that_looks_like_a_formula_stays_text(tmp_path):
    problem = check.Problem(file="a.xlsx", value="=HYPERLINK(\"http://x\",\"klik\")", message="m", kind="k")
    out = tmp_path / "p.xlsx"
    check.write_problems(out, [problem])
    cell = load_workbook(out)["Problemer"]["I2"]
    assert (cell.value, cell.data_type) == (problem.value, "s")
    out_csv = tmp_path / "p.csv"
    check.write_problems(out_csv, [problem])
    with out_csv.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle, delimiter=";"))[1][8] == "'" + problem.value
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not mkstemp's private one
