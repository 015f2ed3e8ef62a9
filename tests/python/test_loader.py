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
