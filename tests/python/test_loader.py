"""The loader reads every file format and stops every bad file with a clear message (no dbt run).

The loader (styringsoverblik.loader) is called by the build with the warehouse connection; here
it gets an in-memory DuckDB connection. Everything downstream of raw.raw_responses is a pure
function of its values, so two files that load to the same values give the same marts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, PROJECT_ROOT, SAMPLE
from styringsoverblik.loader import REQUIRED_COLUMNS, LoadError, load_responses

BAD = FIXTURES / "bad_input"
FORMATS = FIXTURES / "file_format"

# fixture -> part of the error message (the file is named too)
BAD_FILES = {
    "empty_file.csv": "is empty (0 bytes); expected a CSV with the header municipality_code,survey_year,question_no,item,answer",
    "header_only.csv": "has a header but no response rows",
    "missing_column.csv": "lacks the required column(s) question_no; its header (delimiter ',') is: municipality_code,survey_year,question,item,answer",
    "windows1252_curly_quotes.csv": "is not UTF-8 and holds bytes 0x80-0x9F",
    "too_many_fields.csv": "has 1 line(s) that are not valid CSV with the delimiter ',' and the columns municipality_code,survey_year,question_no,item,answer: line 3: Expected Number of Columns: 5 Found: 6 (101,2023,4,§ 95,Ja, ved alle sager)",
    "unterminated_quote.csv": "has 3 data lines but only 2 could be read as CSV rows: reading stopped at line 4 (101,2023,2,,Ja)",
}


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def raw_rows(con, exclude=("source_file", "source_encoding", "source_delimiter")) -> list[tuple]:
    columns = ", ".join(exclude)
    return con.execute(f"select * exclude ({columns}) from raw.raw_responses order by source_line_number").fetchall()


@pytest.mark.parametrize("fixture", sorted(BAD_FILES))
def test_a_bad_file_stops_the_load_naming_the_file_and_problem(con, fixture):
    with pytest.raises(LoadError) as error:
        load_responses(con, str(BAD / fixture), PROJECT_ROOT)
    assert f"Response file '{BAD / fixture}'" in str(error.value)
    assert BAD_FILES[fixture] in str(error.value)


def test_a_bad_file_leaves_the_previous_raw_table(con, tmp_path):
    load_responses(con, str(FORMATS / "comma_utf8.csv"), PROJECT_ROOT)
    before = raw_rows(con)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FORMATS / "comma_utf8.csv", inbox / "a.csv")
    shutil.copy(BAD / "too_many_fields.csv", inbox / "b.csv")
    with pytest.raises(LoadError, match="b.csv"):
        load_responses(con, str(inbox / "*.csv"), PROJECT_ROOT)
    assert raw_rows(con) == before


def test_no_matching_file_names_the_pattern(con):
    with pytest.raises(LoadError, match=r"no response file matches 'data/nothing_\*.csv' \(relative paths are read from the project root\)"):
        load_responses(con, "data/nothing_*.csv", PROJECT_ROOT)


def test_relative_paths_are_read_from_the_project_root_and_named_as_given(con):
    (loaded,) = load_responses(con, "data/sample/responses_2023_synthetic.csv", PROJECT_ROOT)
    assert loaded.path == "data/sample/responses_2023_synthetic.csv"
    files = con.execute("select distinct source_file from raw.raw_responses").fetchall()
    assert files == [("data/sample/responses_2023_synthetic.csv",)]
    assert loaded.raw_rows == SAMPLE.read_bytes().count(b"\n") - 1


def test_every_value_is_kept_as_text_with_its_file_and_line(con):
    load_responses(con, str(FORMATS / "comma_utf8.csv"), PROJECT_ROOT)
    columns = con.execute("select column_name, data_type from information_schema.columns where table_name = 'raw_responses'").fetchall()
    assert {name for name, _ in columns} >= {"source_file", "source_line_number", *REQUIRED_COLUMNS}
    assert {t for name, t in columns if name in REQUIRED_COLUMNS} == {"VARCHAR"}
    first = con.execute("select * from raw.raw_responses where source_line_number = 2").fetchone()
    header, line = (FORMATS / "comma_utf8.csv").read_text(encoding="utf-8").splitlines()[:2]
    names = [d[0] for d in con.description]
    row = dict(zip(names, first))
    assert [row[c] or "" for c in header.split(",")] == line.split(",")[:5] or line.count('"')


@pytest.mark.parametrize(
    "variant, encoding, delimiter",
    [
        ("quoted_padded_extra_column.csv", "utf-8", ","),
        ("semicolon_utf8_bom.csv", "utf-8", ";"),
        ("semicolon_windows1252_crlf.csv", "latin-1", ";"),
    ],
)
def test_file_formats_load_to_the_same_values(con, variant, encoding, delimiter):
    # the fixtures are what their names say
    content = (FORMATS / variant).read_bytes()
    if "bom" in variant:
        assert content.startswith(b"\xef\xbb\xbf")
    if "windows1252" in variant:
        assert b"\r\n" in content and "ø".encode("cp1252") in content and "ø".encode("utf-8") not in content
    load_responses(con, str(FORMATS / "comma_utf8.csv"), PROJECT_ROOT)
    reference = raw_rows(con)

    (loaded,) = load_responses(con, str(FORMATS / variant), PROJECT_ROOT)

    assert (loaded.encoding, loaded.delimiter) == (encoding, delimiter)
    trimmed = [tuple(v.strip() if isinstance(v, str) else v for v in row) for row in raw_rows(con)]
    assert trimmed == [tuple(v.strip() if isinstance(v, str) else v for v in row) for row in reference]


def test_line_numbers_survive_quoted_line_breaks_and_blank_lines(con):
    load_responses(con, str(BAD / "line_break_in_quoted_field.csv"), PROJECT_ROOT)
    rows = con.execute("select source_line_number, source_line_span, answer from raw.raw_responses order by 1").fetchall()
    lines = (BAD / "line_break_in_quoted_field.csv").read_text(encoding="utf-8").split("\n")
    for line_number, span, answer in rows:
        first_line = lines[line_number - 1]
        assert answer.split("\n")[0] in first_line, (line_number, answer)
    assert any(span == 2 for _, span, _ in rows)
    assert rows[-1][0] == 6


def test_line_numbers_follow_the_file_on_a_warehouse_that_does_not_preserve_order(tmp_path):
    """The profile turns DuckDB's preserve_insertion_order off (DuckDB may then reorder rows of a
    query without ORDER BY); line numbers are the reader's order, so the loader reads with it on
    and leaves the setting as it found it. 300,000 rows span many row groups and vectors."""
    big = tmp_path / "big.csv"
    lines = ["municipality_code,survey_year,question_no,item,answer"]
    lines += [f"{101 + i % 7},{2023 + i % 5},{1 + i % 47},item {i},answer {i}" for i in range(300_000)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with duckdb.connect(config={"preserve_insertion_order": "false", "threads": "2"}) as connection:
        load_responses(connection, str(big), PROJECT_ROOT)
        mismatched = connection.execute(
            "select count(*) from raw.raw_responses where item != 'item ' || (source_line_number - 2)"
            " or answer != 'answer ' || (source_line_number - 2)"
        ).fetchone()[0]
        assert connection.execute("select count(*) from raw.raw_responses").fetchone()[0] == 300_000
        assert mismatched == 0
        assert connection.execute("select current_setting('preserve_insertion_order')").fetchone()[0] is False


def test_a_glob_reads_several_files_each_with_its_own_encoding(con, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    header, *rows = (FORMATS / "comma_utf8.csv").read_text(encoding="utf-8").splitlines()
    first = [r for r in rows if r.startswith("825,")]
    rest = [r for r in rows if not r.startswith("825,")]
    (folder / "a.csv").write_text("\n".join([header, *first]) + "\n", encoding="utf-8")
    (folder / "b.csv").write_bytes(("\r\n".join([header, *rest]) + "\r\n").encode("cp1252"))

    loaded = load_responses(con, str(folder / "*.csv"), PROJECT_ROOT)

    assert [(Path(f.path).name, f.encoding, f.raw_rows) for f in loaded] == [
        ("a.csv", "utf-8", len(first)),
        ("b.csv", "latin-1", len(rest)),
    ]
    by_file = con.execute("select source_file, count(*) from raw.raw_responses group by 1 order by 1").fetchall()
    assert [(Path(f).name, n) for f, n in by_file] == [("a.csv", len(first)), ("b.csv", len(rest))]


def test_each_file_is_recorded_with_size_and_sha256(con, tmp_path):
    import hashlib

    (loaded,) = load_responses(con, str(FORMATS / "semicolon_utf8_bom.csv"), PROJECT_ROOT)
    content = (FORMATS / "semicolon_utf8_bom.csv").read_bytes()
    assert (loaded.size_bytes, loaded.sha256) == (len(content), hashlib.sha256(content).hexdigest())


# --------------------------------------------------------------------------- wide exports (CSV, .xlsx)

import csv  # noqa: E402

from openpyxl import Workbook  # noqa: E402

from styringsoverblik import wide  # noqa: E402
from styringsoverblik.rubric import Rubric  # noqa: E402

WIDE = FIXTURES / "wide"
WIDE_FIXTURE = WIDE / "checkbox_values_and_line_numbers.csv"
RAW_COLUMNS = [
    "source_file", "source_line_number", "source_line_span", "source_format", "source_column", "source_encoding",
    "source_delimiter", "municipality_code", "survey_year", "question_no", "item", "answer", "checkbox_value",
    "source_cell",
]
CELL_COLUMNS = "source_line_number, source_column, municipality_code, survey_year, question_no, item, answer, checkbox_value"


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.from_seeds(PROJECT_ROOT / "seeds")


def long_rows() -> list[dict]:
    with (FORMATS / "comma_utf8.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def with_option_numbers(rows: list[dict], rubric, questions=(1, 2, 3, 4)) -> list[dict]:
    """The rows with the answers to some questions written as option numbers (as a survey tool may)."""
    out = []
    for row in rows:
        q = int(row["question_no"])
        if q in questions:
            item = rubric.resolve_item(q, row["item"]) if rubric.has_sub_questions(q) else rubric.items[q][0]
            option = rubric.resolve_option(q, item.item_code, row["answer"])
            row = {**row, "answer": str(option.option_no)}
        out.append(row)
    return out


def canonical_cells(rows, rubric) -> set[tuple]:
    """(municipality, year, question, canonical item, canonical answer): option numbers and labels
    (and Q34's boxes) resolved through the rubric, free text normalised."""
    cells = set()
    for code, year, question, item, answer in rows:
        q = int(question)
        resolved = rubric.resolve_item(q, item or "") if rubric.has_sub_questions(q) else rubric.items[q][0]
        options = rubric.item_options(q, resolved.item_code)
        by_number = {str(o.option_no): o for o in options}
        option = None if rubric.is_checkbox(q) else by_number.get(answer.strip())
        option = option or rubric.resolve_option(q, resolved.item_code, answer)
        cells.add((code.strip(), year.strip(), q, resolved.label, option.label if option else wide.normalize_label(answer)))
    return cells


def raw_cells(con, where: str = "true") -> list[tuple]:
    return con.execute(
        f"select municipality_code, survey_year, question_no, item, answer from raw.raw_responses where {where}"
    ).fetchall()


def write_wide(path: Path, rows: list[dict], rubric) -> Path:
    header, wide_rows = wide.long_to_wide(rows, rubric)
    if path.suffix == ".xlsx":
        return wide.write_wide_xlsx(path, header, wide_rows)
    return wide.write_wide_csv(path, header, wide_rows)


@pytest.mark.parametrize("suffix, file_format, encoding, delimiter", [
    (".csv", "wide_csv", "utf-8", ","),
    (".xlsx", "wide_xlsx", None, None),
])
def test_a_wide_file_loads_to_the_same_cells_as_the_long_file(con, rubric, tmp_path, suffix, file_format, encoding,
                                                               delimiter):
    load_responses(con, str(FORMATS / "comma_utf8.csv"), PROJECT_ROOT)
    reference = canonical_cells(raw_cells(con), rubric)
    path = write_wide(tmp_path / f"wide{suffix}", with_option_numbers(long_rows(), rubric), rubric)

    (loaded,) = load_responses(con, str(path), PROJECT_ROOT)

    assert (loaded.file_format, loaded.encoding, loaded.delimiter) == (file_format, encoding, delimiter)
    assert loaded.raw_rows == con.execute("select count(*) from raw.raw_responses").fetchone()[0]
    assert canonical_cells(raw_cells(con), rubric) == reference
    # option numbers stay digits (the SQL classification resolves them), also from Excel numbers
    assert {answer for _, _, _, _, answer in raw_cells(con, "question_no = '1'")} <= {"1", "2", "3", "4"}
    # Q34 rows: item = the group, answer = the checked box's canonical parameter label
    boxes = {(item, answer) for _, _, _, item, answer in raw_cells(con, "question_no = '34'")}
    assert ("Direktion", "Gennemsnitspriser pr. borger") in boxes
    assert con.execute(
        "select distinct source_format, source_encoding, source_delimiter, source_line_span, checkbox_value "
        "from raw.raw_responses"
    ).fetchall() == [(file_format, encoding, delimiter, 1, None)]
    # one row per municipality: 825, 741 and 492 on lines/rows 2, 3 and 4
    assert con.execute(
        "select municipality_code, min(source_line_number), max(source_line_number) from raw.raw_responses "
        "group by 1 order by 2"
    ).fetchall() == [("825", 2, 2), ("741", 3, 3), ("492", 4, 4)]
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_name = 'raw_responses' "
        "order by ordinal_position"
    ).fetchall()
    assert [name for name, _ in columns] == RAW_COLUMNS
    assert {name for name, t in columns if t != "VARCHAR"} == {"source_line_number", "source_line_span"}
    assert {t for name, t in columns if name.startswith("source_line")} == {"INTEGER"}


def test_a_glob_mixes_long_csv_wide_csv_and_xlsx(con, rubric, tmp_path):
    import hashlib

    rows = long_rows()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    by_code = {code: [r for r in rows if r["municipality_code"] == code] for code in ("825", "741", "492")}
    long_text = (FORMATS / "comma_utf8.csv").read_text(encoding="utf-8").splitlines()
    (inbox / "a_long.csv").write_text(
        "\n".join([long_text[0], *(line for line in long_text[1:] if line.startswith("825,"))]) + "\n", encoding="utf-8"
    )
    header, wide_rows = wide.long_to_wide(by_code["741"], rubric)
    wide.write_wide_csv(inbox / "b_wide.csv", header, wide_rows, delimiter=";")
    # as Excel's "CSV (semicolon)" on a Danish Windows saves it: Windows-1252
    (inbox / "b_wide.csv").write_bytes((inbox / "b_wide.csv").read_text(encoding="utf-8-sig").encode("cp1252"))
    write_wide(inbox / "c_wide.xlsx", by_code["492"], rubric)

    loaded = load_responses(con, str(inbox / "*"), PROJECT_ROOT)

    assert [(Path(f.path).name, f.file_format, f.encoding, f.delimiter, f.raw_rows) for f in loaded] == [
        ("a_long.csv", "long", "utf-8", ",", len(by_code["825"])),
        ("b_wide.csv", "wide_csv", "latin-1", ";", len(by_code["741"])),
        ("c_wide.xlsx", "wide_xlsx", None, None, len(by_code["492"])),
    ]
    for f in loaded:
        content = Path(f.path).read_bytes()
        assert (f.size_bytes, f.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    by_file = con.execute(
        "select source_file, source_format, count(*), count(source_column) from raw.raw_responses group by all order by 1"
    ).fetchall()
    assert [(Path(f).name, fmt, n, c) for f, fmt, n, c in by_file] == [
        ("a_long.csv", "long", len(by_code["825"]), 0),
        ("b_wide.csv", "wide_csv", len(by_code["741"]), len(by_code["741"])),
        ("c_wide.xlsx", "wide_xlsx", len(by_code["492"]), len(by_code["492"])),
    ]
    assert canonical_cells(raw_cells(con), rubric) == canonical_cells(
        [(r["municipality_code"], r["survey_year"], r["question_no"], r["item"], r["answer"]) for r in rows], rubric
    )


def test_wide_rows_keep_line_numbers_columns_and_invalid_checkbox_values(con):
    name = str(WIDE_FIXTURE.relative_to(PROJECT_ROOT))
    (loaded,) = load_responses(con, name, PROJECT_ROOT)

    assert (loaded.path, loaded.file_format, loaded.raw_rows) == (name, "wide_csv", 8)
    assert con.execute("select distinct source_file from raw.raw_responses").fetchall() == [(name,)]
    rows = con.execute(f"select {CELL_COLUMNS} from raw.raw_responses order by all").fetchall()
    box = "Q34 | Direktion | Varighed af indsatserne"
    fagudvalg = "Q34 | Fagudvalg | Gennemsnitspriser pr. borger"
    # header line 1, description row line 2 (skipped), the record on line 3 spans 2 lines,
    # a blank line 5; '0' is an unchecked box and gives no row
    assert rows == sorted([
        (3, "Q1", "101", "2023", "1", "", "Ja", None),
        (3, "Q5 | § 107", "101", "2023", "5", "§ 107", "2", None),
        (3, "Q12 | § 83", "101", "2023", "12", "§ 83", "Hver 6. måned\neller efter behov", None),
        (3, box, "101", "2023", "34", "Direktion", "Varighed af indsatserne", None),
        (3, fagudvalg, "101", "2023", "34", "Fagudvalg", "2", "2"),
        (6, "Q1", "147", "2023", "1", "", "1", None),
        (6, box, "147", "2023", "34", "Direktion", "Varighed af indsatserne", None),
        (6, fagudvalg, "147", "2023", "34", "Fagudvalg", "måske", "måske"),
    ])


def test_xlsx_rows_are_sheet_rows_and_numbers_stored_as_floats_read_as_digits(con, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Besvarelse"
    sheet.append(["municipality_code", "survey_year", "Q1", "Q5 | § 107", "Q34 | Direktion | Varighed af indsatserne",
                  "Q34 | Fagudvalg | Gennemsnitspriser pr. borger"])
    sheet.append(["Kommunekode (3 cifre)", "Undersøgelsesår", None, None, None, None])
    sheet.append([101.0, 2023.0, "Ja", 2.0, 1.0, 2.0])
    sheet.append([None] * 6)
    sheet.append([147, 2023, 1, None, "x", 0])
    path = tmp_path / "floats.xlsx"
    workbook.save(path)

    (loaded,) = load_responses(con, str(path), PROJECT_ROOT)

    assert (loaded.file_format, loaded.encoding, loaded.delimiter, loaded.raw_rows) == ("wide_xlsx", None, None, 6)
    rows = con.execute(
        "select source_line_number, municipality_code, survey_year, question_no, item, answer, checkbox_value "
        "from raw.raw_responses order by all"
    ).fetchall()
    assert rows == [
        (3, "101", "2023", "1", "", "Ja", None),
        (3, "101", "2023", "34", "Direktion", "Varighed af indsatserne", None),
        (3, "101", "2023", "34", "Fagudvalg", "2", "2"),
        (3, "101", "2023", "5", "§ 107", "2", None),
        (5, "147", "2023", "1", "", "1", None),
        (5, "147", "2023", "34", "Direktion", "Varighed af indsatserne", None),
    ]


def write_two_sheets(path: Path) -> Path:
    workbook = Workbook()
    guide = workbook.active
    guide.title = "Vejledning"
    guide.append(["Udfyld arket Besvarelse: én række pr. kommune og år."])
    answers = workbook.create_sheet("Besvarelse")
    answers.append(["municipality_code", "survey_year", "Q1", "Q2"])
    answers.append(["101", "2023", "Ja", "Nej"])
    workbook.save(path)
    return path


def test_an_xlsx_sheet_is_chosen_by_name(con, tmp_path):
    path = write_two_sheets(tmp_path / "template.xlsx")

    (loaded,) = load_responses(con, str(path), PROJECT_ROOT, sheet="Besvarelse")

    assert loaded.raw_rows == 2
    assert con.execute("select source_line_number, source_column, answer from raw.raw_responses order by 2").fetchall() == [
        (2, "Q1", "Ja"), (2, "Q2", "Nej")
    ]
    # without a sheet name (None, or the dbt var's default '') the first sheet is read: here the
    # guide, which has no wide header
    for sheet in (None, ""):
        with pytest.raises(LoadError, match=rf"Response file '{path}' \[sheet 'Vejledning'\]: row 1"):
            load_responses(con, str(path), PROJECT_ROOT, sheet=sheet)


def test_a_missing_sheet_stops_the_load_naming_the_file_and_the_sheets(con, tmp_path):
    path = write_two_sheets(tmp_path / "template.xlsx")
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT, sheet="Svar")
    assert str(error.value) == (
        f"Response file '{path}': no sheet 'Svar'; the workbook's sheets are 'Vejledning', 'Besvarelse'"
    )


def test_an_unknown_wide_column_stops_the_load_naming_the_column_and_the_file(con, tmp_path):
    load_responses(con, str(FORMATS / "comma_utf8.csv"), PROJECT_ROOT)
    before = raw_rows(con)
    name = str((WIDE / "unknown_column.csv").relative_to(PROJECT_ROOT))

    with pytest.raises(LoadError) as error:
        load_responses(con, name, PROJECT_ROOT)

    assert str(error.value).startswith(f"Response file '{name}': line 1, column 4: unknown column 'Kommentar'; expected")
    assert raw_rows(con) == before  # the previous table is kept

    workbook = Workbook()
    workbook.active.append(["municipality_code", "survey_year", "Q1", "Q99"])
    workbook.active.append(["101", "2023", "Ja", "Ja"])
    workbook.save(tmp_path / "unknown.xlsx")
    with pytest.raises(LoadError, match=r"Response file '.*unknown\.xlsx' \[sheet 'Sheet'\]: row 1, column D: "
                                        r"unknown column 'Q99': there is no question 99"):
        load_responses(con, str(tmp_path / "unknown.xlsx"), PROJECT_ROOT)


def test_a_wide_file_without_response_rows_stops_the_load(con, tmp_path):
    with pytest.raises(LoadError, match=rf"Response file '{WIDE / 'header_only.csv'}' has a header but no response rows"):
        load_responses(con, str(WIDE / "header_only.csv"), PROJECT_ROOT)
    workbook = Workbook()
    workbook.active.append(["municipality_code", "survey_year", "Q1"])
    workbook.active.append(["Kommunekode (3 cifre)", "Undersøgelsesår", "Spørgsmål 1"])
    workbook.save(tmp_path / "template.xlsx")
    with pytest.raises(LoadError, match="template.xlsx' has a header but no response rows"):
        load_responses(con, str(tmp_path / "template.xlsx"), PROJECT_ROOT)


def test_a_csv_that_is_neither_long_nor_wide_names_both_expected_headers(con, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("kommune;år;spørgsmål;svar\n101;2023;1;Ja\n", encoding="utf-8")
    with pytest.raises(LoadError) as error:
        load_responses(con, str(path), PROJECT_ROOT)
    message = str(error.value)
    assert message.startswith(f"Response file '{path}' lacks the required column(s) municipality_code, survey_year,")
    assert "its header (delimiter ';') is: kommune;år;spørgsmål;svar" in message
    assert "long header municipality_code,survey_year,question_no,item,answer" in message
    assert "wide header municipality_code,survey_year followed by one column per answer cell" in message


def test_a_long_header_in_a_workbook_is_named(con, tmp_path):
    workbook = Workbook()
    workbook.active.append(list(REQUIRED_COLUMNS))
    workbook.active.append(["101", "2023", "1", None, "Ja"])
    workbook.save(tmp_path / "long.xlsx")
    with pytest.raises(LoadError, match=r"long\.xlsx' is a workbook with a long header .*read as CSV only"):
        load_responses(con, str(tmp_path / "long.xlsx"), PROJECT_ROOT)


def test_wide_files_need_the_rubric_seeds(con, tmp_path):
    with pytest.raises(LoadError, match=r"Wide response files need the rubric seeds .*not found"):
        load_responses(con, str(WIDE_FIXTURE), tmp_path)
