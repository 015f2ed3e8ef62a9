"""Wide survey exports and the Excel response template (src/styringsoverblik/wide.py, template.py).

Everything here runs in-process (no dbt): header parsing against the rubric seeds, the CSV and
.xlsx readers, format detection, the template's round trip through read_wide_xlsx and the
long -> wide converter on the shipped sample.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from conftest import DBT, PROJECT_ROOT
from styringsoverblik import cli, template
from styringsoverblik.rubric import Rubric, RubricError, normalize_label
from styringsoverblik.template import SHEET_GUIDE, SHEET_OPTIONS, SHEET_RESPONSES, write_template
from styringsoverblik.wide import (
    DESCRIPTION_ROW_MARKER,
    LoadError,
    WideRow,
    is_wide_header,
    long_to_wide,
    parse_header,
    read_header,
    read_wide_csv,
    read_wide_xlsx,
    write_wide_csv,
    write_wide_xlsx,
)

SAMPLE = PROJECT_ROOT / "data" / "sample" / "responses_2023_synthetic.csv"
IDS = ["municipality_code", "survey_year"]
Q34_BOX = "Q34 | Direktion | Varighed af indsatserne"


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.from_seeds(PROJECT_ROOT / "seeds")


def keys(cells):
    return [(c.question_no, c.item_code, c.option_code) for c in cells]


# --------------------------------------------------------------------------- normalize_label


@pytest.fixture(scope="module")
def macro_sql(tmp_path_factory) -> str:
    """The macro normalize_label as dbt renders it for DuckDB (target lint: in memory), over a
    bound parameter: `dbt compile --inline`, so the macros it calls (dispatched per adapter) are
    rendered as in a build."""
    work = tmp_path_factory.mktemp("normalize_label")
    inline = "select {{ normalize_label('x') }} as normalized from (select cast(? as varchar) as x) as t"
    proc = subprocess.run(
        [DBT, "compile", "--project-dir", str(PROJECT_ROOT), "--target", "lint", "--target-path", str(work / "target"),
         "--log-path", str(work / "logs"), "--quiet", "--output", "json", "--inline", inline],
        env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT)}, cwd=work, capture_output=True, text=True,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return json.loads(proc.stdout)["compiled"]


MACRO_CASES = [
    "  Ja,  ved\talle\r\nsager ",
    "“Ja”",
    "It’s ‘quoted’ ´x` «y» „z”",
    "ÆØÅ æøå Ü",
    "a—b‐c‑d−e",
    "",
    "a\u2003b",
    "a\vb",
    "\u2003 lead\u3000",
    "a–b",
    "§\u00a0107",
    "\u00a0x",
]


@pytest.mark.parametrize("text", MACRO_CASES)
def test_normalize_label_matches_the_sql_macro(text, macro_sql):
    with duckdb.connect() as con:
        expected = con.execute(macro_sql, [text]).fetchone()[0]
    assert normalize_label(text) == expected


def test_normalize_label_as_documented():
    assert normalize_label(None) == ""
    assert normalize_label("  Ja,\u00a0 ved  ALLE\tsager ") == "ja, ved alle sager"
    assert normalize_label("“Ja”") == '"ja"'
    assert normalize_label("a–b—c") == "a-b-c"
    assert normalize_label("ß") == "ß"  # lower(), not casefold(), as DuckDB


# --------------------------------------------------------------------------- rubric + header


def test_rubric_from_seeds_accepts_the_rubric_folder_too(rubric):
    other = Rubric.from_seeds(PROJECT_ROOT / "seeds" / "rubric")
    assert other.wide_header() == rubric.wide_header()
    assert rubric.is_checkbox(34) and not rubric.is_checkbox(32)
    with pytest.raises(RubricError, match="rubric_questions.csv"):
        Rubric.from_seeds(PROJECT_ROOT / "docs")


def test_wide_header_is_every_cell_in_the_notes_order(rubric):
    header = rubric.wide_header()
    assert header[:6] == [*IDS, "Q1", "Q2", "Q3", "Q4 | § 95"]
    assert "Q17" in header and "Q32 | Direktion" in header and "Q5 | § 85/ABL § 105" in header
    q34 = [h for h in header if h.startswith("Q34 ")]
    assert len(q34) == 16
    assert q34[0] == "Q34 | Centerledelse | Gennemsnitspriser pr. borger"
    assert q34[-1] == "Q34 | Økonomiudvalg | Antal borgere der bevæger sig op/ned af indsatstrappen"
    assert len(header) == len(set(header))
    # the rubric's items/options, one column each (Q34: 4 groups x 4 boxes)
    expected = 2 + sum(len(items) for q, items in rubric.items.items() if q != 34) + 16
    assert len(header) == expected


def test_parse_header_exact(rubric):
    header = rubric.wide_header()
    cells = parse_header(header, rubric)
    assert [c.index for c in cells] == list(range(2, len(header)))
    assert [c.header for c in cells] == header[2:]
    assert len(set(keys(cells))) == len(cells)
    by_header = {c.header: c for c in cells}
    assert keys([by_header["Q1"]]) == [(1, "main", None)]
    assert keys([by_header["Q5 | § 107"]]) == [(5, "par_107", None)]
    assert keys([by_header[Q34_BOX]]) == [(34, "direktion", "varighed")]
    assert by_header[Q34_BOX].item_label == "Direktion"
    assert by_header[Q34_BOX].option_label == "Varighed af indsatserne"


def test_parse_header_normalised_labels_leading_zeros_and_aliases(rubric):
    columns = [
        "Municipality_Code ",
        "\ufeffsurvey_year",
        "Q01",
        "q05|§ 107",
        "Q5 |  §  95",
        "Q32|direktion",
        "Q 33 | ØKONOMIUDVALG",
        "Q34|fagudvalg|varighed af indsatserne",
        "Q5 | § 85/ABL § 85",  # item alias -> § 85/ABL § 105
        "Q34 | Direktion | Varighed af indsats- serne",  # option alias
        "Q34 | Centerledelse | Antal borgere der bevæger sig op/ ned af indsatsstrappen",  # option alias
        "Q18 | Digital understøttelse af medicin-håndtering",  # item alias
        "Q9 | Tydeliggørelse af priser i fagsystem",
    ]
    cells = parse_header(columns, rubric)
    assert [c.index for c in cells] == list(range(2, len(columns)))
    assert [c.header for c in cells] == columns[2:]
    assert keys(cells) == [
        (1, "main", None),
        (5, "par_107", None),
        (5, "par_95", None),
        (32, "direktion", None),
        (33, "oekonomiudvalg", None),
        (34, "fagudvalg", "varighed"),
        (5, "par_85_abl_105", None),
        (34, "direktion", "varighed"),
        (34, "centerledelse", "op_ned_indsatstrappen"),
        (18, cells[9].item_code, None),
        (9, "priser_i_fagsystem", None),
    ]
    assert cells[6].item_label == "§ 85/ABL § 105"
    assert cells[6].canonical_header == "Q5 | § 85/ABL § 105"
    assert cells[9].item_label == "Digital understøttelse af medicinhåndtering"
    assert cells[4].item_label == "Økonomiudvalg"


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("Kommunenavn", r"unknown column 'Kommunenavn'; expected municipality_code, survey_year or an answer column"),
        ("Q48", r"unknown column 'Q48': there is no question 48; expected questions 1-47"),
        ("Q5", r"unknown column 'Q5': question 5 has sub-questions; expected one of 'Q5 \| § 95'"),
        ("Q1 | Ja", r"unknown column 'Q1 \| Ja': question 1 has no sub-questions; expected 'Q1'"),
        ("Q5 | § 109", r"'§ 109' is not a sub-question of Q5; expected one of '§ 95', '§ 96', '§ 107'"),
        ("Q34 | Direktion", r"question 34 is a checkbox grid; expected 'Q34 \| <group> \| <parameter>'"),
        ("Q34 | Borgmester | Varighed af indsatserne", r"'Borgmester' is not a sub-question of Q34"),
        ("Q34 | Direktion | Ventelister", r"'Ventelister' is not a box of Q34 'Direktion'; expected one of "
                                         r"'Gennemsnitspriser pr. borger'"),
    ],
)
def test_parse_header_unknown_column_names_it_and_what_was_expected(rubric, column, expected):
    with pytest.raises(LoadError, match=expected) as error:
        parse_header([*IDS, "Q1", column], rubric, source="svar.csv")
    assert str(error.value).startswith("svar.csv: line 1, column 4: ")


def test_parse_header_duplicates(rubric):
    with pytest.raises(LoadError, match=r"column 5: duplicate column 'Q5 \| § 85/ABL § 85': it is the same cell "
                                        r"'Q5 \| § 85/ABL § 105' as 'Q5 \| § 85/ABL § 105' \(column 3\)"):
        parse_header([*IDS, "Q5 | § 85/ABL § 105", "Q1", "Q5 | § 85/ABL § 85"], rubric)
    with pytest.raises(LoadError, match=r"duplicate column 'Q01'.*'Q1' \(column 3\)"):
        parse_header([*IDS, "Q1", "Q01"], rubric)
    with pytest.raises(LoadError, match=r"column 3: duplicate column 'Municipality_code' \(also column 1\)"):
        parse_header([*IDS, "Municipality_code", "Q1"], rubric)


def test_parse_header_needs_both_ids_but_no_cell_column(rubric):
    with pytest.raises(LoadError, match="missing column.*survey_year"):
        parse_header(["municipality_code", "Q1"], rubric)
    assert parse_header(IDS, rubric) == []
    assert keys(parse_header(["survey_year", "Q17", "municipality_code", ""], rubric)) == [(17, "main", None)]


def test_is_wide_header():
    assert is_wide_header([*IDS, "Q1", "Q5 | § 107"])
    assert is_wide_header(["\ufeffMunicipality_Code", "survey_year", "q05 | § 107"])
    assert not is_wide_header([*IDS, "question_no", "item", "answer"])
    assert not is_wide_header(["\ufeffmunicipality_code", "SURVEY_YEAR", "Question_No", "item", "answer", "Q1"])
    assert not is_wide_header(IDS)  # no Q column
    assert not is_wide_header(["municipality_code", "Q1"])
    assert not is_wide_header([])


# --------------------------------------------------------------------------- CSV


def _row(line, column, code, year, q, item, answer, invalid=False):
    return WideRow(line, column, code, year, q, item, answer, invalid)


def _box(line, code, year, group, parameter):
    """A checked Q34 box: the column `Q34 | <group> | <parameter>` reads as item group, answer parameter."""
    return _row(line, f"Q34 | {group} | {parameter}", code, year, "34", group, parameter)


def test_read_wide_csv_utf8_comma(rubric, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(
        "municipality_code,survey_year,Q1,Q05 | § 107,Q4 | § 85/ABL § 85,Q32 | Direktion\r\n"
        "101,2023,Ja,2,\"Ja, ved alle sager\",\r\n"
        "\r\n"  # blank line: skipped, but counted
        "147,2023,,Nej,3,Kvartalsvist\r\n",
        encoding="utf-8-sig",
    )
    assert read_wide_csv(path, rubric) == [
        _row(2, "Q1", "101", "2023", "1", "", "Ja"),
        _row(2, "Q05 | § 107", "101", "2023", "5", "§ 107", "2"),  # option number kept as written
        _row(2, "Q4 | § 85/ABL § 85", "101", "2023", "4", "§ 85/ABL § 105", "Ja, ved alle sager"),
        _row(4, "Q05 | § 107", "147", "2023", "5", "§ 107", "Nej"),
        _row(4, "Q4 | § 85/ABL § 85", "147", "2023", "4", "§ 85/ABL § 105", "3"),
        _row(4, "Q32 | Direktion", "147", "2023", "32", "Direktion", "Kvartalsvist"),
    ]


def test_read_wide_csv_windows_1252_semicolon_quoted_line_breaks(rubric, tmp_path):
    path = tmp_path / "wide.csv"
    text = (
        "municipality_code;survey_year;Q12 | § 83;Q32 | Økonomiudvalg;Q9 | Tydeliggørelse af priser i fagsystem\r\n"
        "0101;2023;\"ca. hver 9. måned;\r\nefter behov\";Halvårligt;Ja\r\n"
        "151;2023;Årligt;;\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    assert read_wide_csv(path, rubric) == [
        _row(2, "Q12 | § 83", "0101", "2023", "12", "§ 83", "ca. hver 9. måned;\r\nefter behov"),
        _row(2, "Q32 | Økonomiudvalg", "0101", "2023", "32", "Økonomiudvalg", "Halvårligt"),
        _row(2, "Q9 | Tydeliggørelse af priser i fagsystem", "0101", "2023", "9",
             "Tydeliggørelse af priser i fagsystem", "Ja"),
        _row(4, "Q12 | § 83", "151", "2023", "12", "§ 83", "Årligt"),  # the record on line 2 spans 2 lines
    ]


def test_read_wide_csv_checkbox_vocabulary(rubric, tmp_path):
    boxes = [
        ("Q34 | Centerledelse | Gennemsnitspriser pr. borger", "x"),
        ("Q34 | Centerledelse | Tilgang/afgang fra ydelserne", " X "),
        ("Q34 | Centerledelse | Varighed af indsatserne", "1"),
        ("Q34 | Centerledelse | Antal borgere der bevæger sig op/ned af indsatstrappen", "1.0"),
        ("Q34 | Direktion | Gennemsnitspriser pr. borger", "Ja"),
        ("Q34 | Direktion | Tilgang/afgang fra ydelserne", "TRUE"),
        ("Q34 | Direktion | Varighed af indsatserne", "0"),
        ("Q34 | Direktion | Antal borgere der bevæger sig op/ned af indsatstrappen", "nej"),
        ("Q34 | Fagudvalg | Gennemsnitspriser pr. borger", "False"),
        ("Q34 | Fagudvalg | Tilgang/afgang fra ydelserne", ""),
        ("Q34 | Fagudvalg | Varighed af indsatserne", "0,0"),
        ("Q34 | Fagudvalg | Antal borgere der bevæger sig op/ned af indsatstrappen", "måske"),
        ("Q34 | Økonomiudvalg | Gennemsnitspriser pr. borger", "2"),
    ]
    path = tmp_path / "wide.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*IDS, *(h for h, _ in boxes)])
        writer.writerow(["101", "2023", *(v for _, v in boxes)])
    rows = read_wide_csv(path, rubric)
    assert [(r.item, r.answer, r.checkbox_value_invalid) for r in rows] == [
        ("Centerledelse", "Gennemsnitspriser pr. borger", False),
        ("Centerledelse", "Tilgang/afgang fra ydelserne", False),
        ("Centerledelse", "Varighed af indsatserne", False),
        ("Centerledelse", "Antal borgere der bevæger sig op/ned af indsatstrappen", False),
        ("Direktion", "Gennemsnitspriser pr. borger", False),
        ("Direktion", "Tilgang/afgang fra ydelserne", False),
        ("Fagudvalg", "måske", True),
        ("Økonomiudvalg", "2", True),
    ]
    assert {r.question_no for r in rows} == {"34"}
    assert rows[-1].source_column == "Q34 | Økonomiudvalg | Gennemsnitspriser pr. borger"


def test_read_wide_csv_skips_empty_rows_and_the_description_row(rubric, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(
        "municipality_code,survey_year,Q1,Q2\n"
        f"{DESCRIPTION_ROW_MARKER} (3 cifre),Undersøgelsesår,Spørgsmål 1,Spørgsmål 2\n"
        "101,2023,Ja,\n"
        ",,,\n"  # no id, no answers: skipped
        "173,2023,,\n"  # ids but no answers: kept, but has no answered cell
        ",,Nej,\n"  # an answer without ids: kept (the warehouse rejects it)
        "kommunekode,2023,Ja,\n",  # the marker only counts right after the header
        encoding="utf-8",
    )
    assert read_wide_csv(path, rubric) == [
        _row(3, "Q1", "101", "2023", "1", "", "Ja"),
        _row(6, "Q1", "", "", "1", "", "Nej"),
        _row(7, "Q1", "kommunekode", "2023", "1", "", "Ja"),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", r"wide\.csv: line 1: the file is empty"),
        (b"municipality_code,survey_year,Q1,Kommentar\n", r"wide\.csv: line 1, column 4: unknown column 'Kommentar'"),
        (b"municipality_code,survey_year,Q1\n101,2023,Ja,extra\n", r"wide\.csv: line 2, column 4: a value \('extra'\) "
                                                                   r"beyond the last header column; expected at most 3"),
        (b"municipality_code,survey_year,Q1,\n101,2023,Ja,x\n", r"line 2, column 4: a value \('x'\) in a column without "
                                                                r"a header"),
        (b"municipality_code,survey_year,Q1\n101,2023,Ja\n102,2023,\"Nej\n", r"wide\.csv: line 3: not valid CSV"),
        (b"municipality_code,survey_year,Q1\n101,2023,\x81\n", r"wide\.csv: line 2: byte 0x81 is neither UTF-8 nor "
                                                               r"Windows-1252"),
    ],
)
def test_read_wide_csv_errors_name_file_line_and_column(rubric, tmp_path, content, expected):
    path = tmp_path / "wide.csv"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=expected):
        read_wide_csv(path, rubric)


def test_trailing_empty_fields_are_fine(rubric, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("municipality_code,survey_year,Q1,Q2\n101,2023,Ja\n101,2024,Ja,Nej,,\n", encoding="utf-8")
    assert [(r.survey_year, r.answer) for r in read_wide_csv(path, rubric)] == [
        ("2023", "Ja"), ("2024", "Ja"), ("2024", "Nej")
    ]


# --------------------------------------------------------------------------- XLSX


def _workbook(path, rows, title="Data", extra_sheets=()):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for position, name in enumerate(extra_sheets):  # before the data sheet
        workbook.create_sheet(name, position)
    workbook.save(path)
    return path


def test_read_wide_xlsx_floats_numbers_and_empty_cells(rubric, tmp_path):
    header = [*IDS, "Q1", "Q4 | § 95", "Q17", Q34_BOX, "Q34 | Fagudvalg | Varighed af indsatserne", "Q5 | § 96"]
    path = _workbook(tmp_path / "wide.xlsx", [
        header,
        [101.0, 2023.0, "Ja", 3.0, None, 1.0, True, "  "],
        [147, 2023, None, 2, "I høj grad", 0, "x", 2.5],
        [None] * 8,
        [None, None, None, None, None, None, None, None],
    ])
    assert read_wide_xlsx(path, rubric) == [
        _row(2, "Q1", "101", "2023", "1", "", "Ja"),
        _row(2, "Q4 | § 95", "101", "2023", "4", "§ 95", "3"),
        _box(2, "101", "2023", "Direktion", "Varighed af indsatserne"),
        _box(2, "101", "2023", "Fagudvalg", "Varighed af indsatserne"),
        _row(3, "Q4 | § 95", "147", "2023", "4", "§ 95", "2"),
        _row(3, "Q17", "147", "2023", "17", "", "I høj grad"),
        _box(3, "147", "2023", "Fagudvalg", "Varighed af indsatserne"),
        _row(3, "Q5 | § 96", "147", "2023", "5", "§ 96", "2.5"),
    ]


def test_read_wide_xlsx_sheets(rubric, tmp_path):
    path = _workbook(tmp_path / "wide.xlsx", [[*IDS, "Q1"], [101, 2023, "Nej"]], title="Svar",
                     extra_sheets=("Noter",))
    # the first sheet is "Noter", which is empty
    with pytest.raises(LoadError, match=r"\[sheet 'Noter'\]: row 1: no header"):
        read_wide_xlsx(path, rubric)
    assert read_wide_xlsx(path, rubric, sheet="Svar") == [_row(2, "Q1", "101", "2023", "1", "", "Nej")]
    with pytest.raises(LoadError, match=r"wide\.xlsx: no sheet 'Besvarelse'; the workbook's sheets are 'Noter', 'Svar'"):
        read_wide_xlsx(path, rubric, sheet="Besvarelse")


def test_read_wide_xlsx_errors(rubric, tmp_path):
    path = _workbook(tmp_path / "wide.xlsx", [[*IDS, "Q1", "Q 1"], [101, 2023, "Ja"]])
    with pytest.raises(LoadError, match=r"wide\.xlsx \[sheet 'Data'\]: row 1, column D: duplicate column 'Q 1'"):
        read_wide_xlsx(path, rubric)
    path = _workbook(tmp_path / "wide2.xlsx", [[*IDS, "Q1"], [101, 2023, "Ja", None, "oops"]])
    with pytest.raises(LoadError, match=r"row 2, column E: a value \('oops'\) beyond the last header column"):
        read_wide_xlsx(path, rubric)
    not_xlsx = tmp_path / "wide3.xlsx"
    not_xlsx.write_text("municipality_code,survey_year\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"wide3\.xlsx: not a readable \.xlsx workbook"):
        read_wide_xlsx(not_xlsx, rubric)


def test_read_header_and_detection(rubric, tmp_path):
    wide = _workbook(tmp_path / "wide.xlsx", [[*IDS, "Q1"]])
    assert is_wide_header(read_header(wide))
    assert not is_wide_header(read_header(SAMPLE))
    semicolon = tmp_path / "wide.csv"
    semicolon.write_text("\ufeffmunicipality_code;survey_year;Q1\n", encoding="utf-8")
    assert read_header(semicolon) == [*IDS, "Q1"]
    assert is_wide_header(read_header(semicolon))


# --------------------------------------------------------------------------- template


def test_template_layout(rubric, tmp_path):
    path = write_template(tmp_path / "skabelon.xlsx", rubric)
    workbook = load_workbook(path)
    assert workbook.sheetnames == [SHEET_RESPONSES, SHEET_GUIDE, SHEET_OPTIONS]
    assert workbook[SHEET_OPTIONS].sheet_state == "hidden"
    sheet = workbook[SHEET_RESPONSES]
    header = [c.value for c in sheet[1]]
    assert header == rubric.wide_header()
    assert sheet["A2"].value.startswith(DESCRIPTION_ROW_MARKER)
    assert sheet.freeze_panes == "C3"
    assert sheet.max_row == 2  # no answer rows
    column = {h: i + 1 for i, h in enumerate(header)}
    q5 = sheet.cell(row=1, column=column["Q5 | § 107"])
    assert "Indgår udfører i visitationsudvalget?" in q5.comment.text
    assert "1 = Ja\n2 = Nej" in q5.comment.text
    assert "§ 107" in sheet.cell(row=2, column=column["Q5 | § 107"]).value

    from openpyxl.utils import get_column_letter

    validated: dict[str, str] = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            assert cell_range.min_row == 3
            for col in range(cell_range.min_col, cell_range.max_col + 1):
                validated[header[col - 1]] = validation
    lists = workbook[SHEET_OPTIONS]

    def dropdown(name):
        validation = validated[name]
        assert validation.type == "list" and len(validation.formula1) < 255
        match = re.fullmatch(r"'?Svarmuligheder'?!\$([A-Z]+)\$2:\$([A-Z]+)\$(\d+)", validation.formula1)
        letter, last = match.group(1), int(match.group(3))
        return [lists[f"{letter}{row}"].value for row in range(2, last + 1)]

    assert dropdown("Q1") == ["Ja", "Nej", "Ved ikke"]
    assert dropdown("Q32 | Direktion") == ["Månedligt", "Kvartalsvist", "Halvårligt", "Årligt eller sjældnere",
                                           "Ved ikke"]
    assert dropdown(Q34_BOX) == ["x"]
    long_lists = [h for h in header[2:] if not h.startswith("Q12 ") and len(",".join(dropdown(h))) > 255]
    assert long_lists  # the reason for the hidden sheet
    assert not [h for h in header if h.startswith("Q12 ") and h in validated]  # Q12: free text
    cell_columns = [h for h in header[2:] if not h.startswith("Q12 ")]
    assert all(h in validated for h in cell_columns)
    assert validated["municipality_code"].type == "whole"
    widths = [sheet.column_dimensions[get_column_letter(i)].width for i in range(1, len(header) + 1)]
    assert all(w and w >= 14 for w in widths)
    assert "Vælg svaret" in "\n".join(str(c.value) for c in workbook[SHEET_GUIDE]["A"] if c.value)


def test_template_round_trip(rubric, tmp_path):
    path = write_template(tmp_path / "skabelon.xlsx", rubric)
    workbook = load_workbook(path)
    sheet = workbook[SHEET_RESPONSES]
    column = {c.value: c.column for c in sheet[1]}

    def fill(row, values):
        for name, value in values.items():
            sheet.cell(row=row, column=column[name], value=value)

    fill(3, {
        "municipality_code": 101, "survey_year": 2023,
        "Q1": "Ja",
        "Q4 | § 95": 2,  # option number, as a number
        "Q5 | § 107": "1",  # option number, as text
        "Q12 | § 83": "ca. hver 9. måned",  # Q12 free text
        "Q12 | § 95": "Årligt",
        "Q17": "Vi har ingen interne botilbud i kommunen",
        "Q32 | Direktion": "Kvartalsvist",
        Q34_BOX: "x",
        "Q34 | Økonomiudvalg | Gennemsnitspriser pr. borger": "X",
        "Q34 | Fagudvalg | Varighed af indsatserne": None,
    })
    fill(4, {
        "municipality_code": 147.0, "survey_year": 2023.0,  # numbers stored as floats
        "Q2": 3.0,
        "Q47 | I forbindelse med det indledende køb": "I nogen grad",
    })
    workbook.save(path)

    assert read_wide_xlsx(path, rubric) == [
        _row(3, "Q1", "101", "2023", "1", "", "Ja"),
        _row(3, "Q4 | § 95", "101", "2023", "4", "§ 95", "2"),
        _row(3, "Q5 | § 107", "101", "2023", "5", "§ 107", "1"),
        _row(3, "Q12 | § 83", "101", "2023", "12", "§ 83", "ca. hver 9. måned"),
        _row(3, "Q12 | § 95", "101", "2023", "12", "§ 95", "Årligt"),
        _row(3, "Q17", "101", "2023", "17", "", "Vi har ingen interne botilbud i kommunen"),
        _row(3, "Q32 | Direktion", "101", "2023", "32", "Direktion", "Kvartalsvist"),
        _box(3, "101", "2023", "Direktion", "Varighed af indsatserne"),
        _box(3, "101", "2023", "Økonomiudvalg", "Gennemsnitspriser pr. borger"),
        _row(4, "Q2", "147", "2023", "2", "", "3"),
        _row(4, "Q47 | I forbindelse med det indledende køb", "147", "2023", "47",
             "I forbindelse med det indledende køb", "I nogen grad"),
    ]
    assert read_wide_xlsx(path, rubric, sheet=SHEET_RESPONSES) == read_wide_xlsx(path, rubric)


def test_template_command_prefills_ids(rubric, tmp_path, capsys):
    assert cli.COMMANDS["template"][0] == "styringsoverblik.template"
    parser = argparse.ArgumentParser()
    template.add_arguments(parser)
    out = tmp_path / "sub" / "skabelon_101.xlsx"
    argv = ["--out", str(out), "--municipality", "101", "--year", "2023", "--project-dir", str(PROJECT_ROOT)]
    assert template.run(parser.parse_args(argv)) == 0
    assert str(out) in capsys.readouterr().out
    sheet = load_workbook(out)[SHEET_RESPONSES]
    assert (sheet["A3"].value, sheet["B3"].value) == (101, 2023)
    assert read_wide_xlsx(out, rubric) == []  # ids only: no answered cell
    assert template.run(parser.parse_args(["--out", str(tmp_path / "skabelon.csv")])) == 2
    assert not (tmp_path / "skabelon.csv").exists()


# --------------------------------------------------------------------------- long -> wide


def _canonical(rubric, rows):
    """(municipality, year, question, item, answer) with labels resolved and normalised."""
    out = set()
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda name, row=row: getattr(row, name)
        q = int(get("question_no"))
        item = rubric.resolve_item(q, get("item")) if rubric.has_sub_questions(q) else rubric.items[q][0]
        option = rubric.resolve_option(q, item.item_code, get("answer"))
        answer = option.label if option is not None else get("answer")
        out.add((int(get("municipality_code")), int(get("survey_year")), q, normalize_label(item.label),
                 normalize_label(answer)))
    return out


def test_long_sample_round_trips_through_wide_csv_and_xlsx(rubric, tmp_path):
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        long_rows = list(csv.DictReader(handle))
    header, rows = long_to_wide(long_rows, rubric)
    assert header == rubric.wide_header()
    assert len(rows) == len({(r["municipality_code"], r["survey_year"]) for r in long_rows}) == 72
    expected = _canonical(rubric, long_rows)
    assert len(expected) == len(long_rows)  # no exact repeats in the sample

    csv_path = write_wide_csv(tmp_path / "wide.csv", header, rows)
    xlsx_path = write_wide_xlsx(tmp_path / "wide.xlsx", header, rows)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfmunicipality_code,survey_year,Q1,")
    for read in (read_wide_csv(csv_path, rubric), read_wide_xlsx(xlsx_path, rubric)):
        assert len(read) == len(long_rows)
        assert not any(r.checkbox_value_invalid for r in read)
        assert _canonical(rubric, read) == expected


def test_long_to_wide_checks_cells(rubric):
    row = {"municipality_code": "101", "survey_year": "2023", "question_no": "5", "item": "§ 107", "answer": "Ja"}
    header, rows = long_to_wide([row, {**row, "answer": " ja "}, {**row, "question_no": "34", "item": "Direktion",
                                                                  "answer": "Varighed af indsats- serne"}], rubric)
    assert rows[0][header.index("Q5 | § 107")] == "Ja"
    assert rows[0][header.index(Q34_BOX)] == "x"
    with pytest.raises(LoadError, match=r"long row 3: conflicting answers for municipality 101 2023 'Q5 \| § 107': "
                                        r"'Ja' and 'Nej'"):
        long_to_wide([row, {**row, "answer": "Nej"}], rubric)
    with pytest.raises(LoadError, match=r"item '§ 109' is not a sub-question of Q5"):
        long_to_wide([{**row, "item": "§ 109"}], rubric)
    with pytest.raises(LoadError, match=r"unknown question 48"):
        long_to_wide([{**row, "question_no": "48"}], rubric)


# --------------------------------------------------------------------------- rubric versions


def _versioned_seeds(tmp_path):
    """The shipped rubric plus a version 2 that rewords a Q34 parameter and drops an item of Q9."""
    import shutil

    folder = tmp_path / "rubric"
    shutil.copytree(PROJECT_ROOT / "seeds" / "rubric", folder)
    with open(folder / "rubric_options.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    box = next(r for r in rows if r["question_no"] == "34" and r["item_code"] == "direktion")
    box["to_version"] = "1"
    reworded = {**box, "option_label": "Varighed (omformuleret)", "from_version": "2", "to_version": ""}
    with open(folder / "rubric_options.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows([*rows, reworded])
    with open(folder / "rubric_items.csv", encoding="utf-8", newline="") as handle:
        items = list(csv.DictReader(handle))
    dropped = next(r for r in items if r["question_no"] == "9" and r["is_sub_question"] == "true")
    dropped["to_version"] = "1"
    with open(folder / "rubric_items.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(items[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(items)
    return folder, box, reworded, dropped


def test_the_template_rubric_is_the_current_version_and_reading_accepts_older_rounds(tmp_path):
    folder, box, reworded, dropped = _versioned_seeds(tmp_path)
    current = Rubric.from_seeds(folder, current_only=True)
    every_round = Rubric.from_seeds(folder)

    current_labels = [o.label for o in current.item_options(34, "direktion")]
    assert reworded["option_label"] in current_labels and box["option_label"] not in current_labels
    assert dropped["item_code"] not in [i.item_code for i in current.items[9]]
    assert dropped["item_code"] in [i.item_code for i in every_round.items[9]]

    # a file of the older round still parses: the old wording of the box and the dropped item
    old_header = ["municipality_code", "survey_year", f"Q34 | Direktion | {box['option_label']}", f"Q9 | {dropped['item_label']}"]
    cells = parse_header(old_header, every_round)
    assert [(c.question_no, c.item_code, c.option_code) for c in cells] == [
        (34, "direktion", box["option_code"]),
        (9, dropped["item_code"], None),
    ]
