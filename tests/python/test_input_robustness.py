"""Bad input is stopped with a clear error and the last good marts survive; file formats agree.

Each bad-input fixture holds four valid rows and one bad row (line 6), except the file-level
fixtures (empty file, header only, missing column, undecodable bytes, missing file).
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, build, mart_names, mart_snapshot, query, run_dbt

BAD = FIXTURES / "bad_input"
FORMATS = FIXTURES / "file_format"

# fixture -> (reason code, line, part of the message naming the value and what was expected)
BAD_ROWS = {
    "unknown_municipality.csv": ("unknown_municipality", 6, 'municipality code "999" is not one of the 98 municipality codes'),
    "survey_year_not_configured.csv": ("survey_year_not_configured", 6, 'survey year "2019" is not a configured survey year (2023)'),
    "unknown_question.csv": ("unknown_question", 6, 'question number "48" is not a question of the survey (1-47)'),
    "item_missing.csv": ("item_missing", 6, "Q4 has sub-questions but the item is empty; items are: § 95 | § 96 | § 107 | § 108 | § 85/ABL § 105"),
    "item_not_expected.csv": ("item_not_expected", 6, 'Q2 has no sub-questions but the item is "§ 95"; leave item empty'),
    "unknown_item.csv": ("unknown_item", 6, 'item "§ 99" is not a sub-question of Q4; items are: § 95 |'),
    "empty_answer.csv": ("empty_answer", 6, "answer is empty for Q2"),
    "unknown_answer.csv": (
        "unknown_answer",
        6,
        'answer "Ja, ved alle sagr" is not an option of Q4 item "§ 107"; options are: '
        "Ja, ved alle sager | Ja, ved sager over et bestemt beløb | Nej",
    ),
    "conflicting_answers.csv": ("conflicting_answers", 6, 'Q1 of municipality 101 in 2023 has different answers: "Ja"'),
}

# fixture -> part of the error message (the path is checked separately)
BAD_FILES = {
    "empty_file.csv": "is empty (0 bytes)",
    "header_only.csv": "has a header but no response rows",
    "missing_column.csv": "lacks the required column(s) question_no",
    "windows1252_curly_quotes.csv": "is not UTF-8 and holds bytes 0x80-0x9F",
    "too_many_fields.csv": "line 3: Expected Number of Columns: 5 Found: 6 (101,2023,4,§ 95,Ja, ved alle sager)",
    "unterminated_quote.csv": "has 3 data lines but only 2 could be read as CSV rows: reading stopped at line 4",
}


@pytest.fixture
def good_warehouse(sample_build, tmp_path) -> Path:
    """A copy of the sample build's warehouse and Parquet exports, for a bad build on top."""
    shutil.copyfile(sample_build.db_path, tmp_path / "warehouse.duckdb")
    shutil.copytree(sample_build.db_path.parent / "exports", tmp_path / "exports")
    return tmp_path


def rounded(rows: list[tuple]) -> list[tuple]:
    """Rows with doubles rounded to 9 decimals: a mean may differ in its last bits when DuckDB
    sums in another order, which is no difference in the data."""
    return sorted((tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows), key=repr)


def exports_unchanged(before: Path, after: Path) -> bool:
    names = sorted(p.name for p in before.glob("*.parquet"))
    assert names == sorted(p.name for p in after.glob("*.parquet")) and names
    return all(filecmp.cmp(before / n, after / n, shallow=False) for n in names)


@pytest.mark.parametrize("fixture", sorted(BAD_ROWS))
def test_bad_row_stops_strict_build_and_keeps_last_good_marts(fixture, good_warehouse, sample_build):
    reason, line, message = BAD_ROWS[fixture]
    before = mart_snapshot(good_warehouse / "warehouse.duckdb")

    run = build(BAD / fixture, good_warehouse)

    assert run.returncode != 0
    assert f"{BAD / fixture}:{line} [{reason}]" in run.output, run.output[-3000:]
    assert message in run.output
    assert "1 raw response row(s) rejected" in run.output or reason == "conflicting_answers"
    assert mart_snapshot(good_warehouse / "warehouse.duckdb") == before
    assert exports_unchanged(sample_build.db_path.parent / "exports", good_warehouse / "exports")


def test_conflicting_answers_reject_every_row_of_the_cell(good_warehouse):
    run = build(BAD / "conflicting_answers.csv", good_warehouse)
    assert run.returncode != 0
    assert "2 raw response row(s) rejected" in run.output
    assert f"{BAD / 'conflicting_answers.csv'}:2 [conflicting_answers]" in run.output


@pytest.mark.parametrize("fixture", sorted(BAD_FILES))
def test_bad_file_stops_the_run_with_a_clear_message(fixture, good_warehouse):
    before = mart_snapshot(good_warehouse / "warehouse.duckdb")

    run = build(BAD / fixture, good_warehouse)

    assert run.returncode != 0
    assert f"'{BAD / fixture}'" in run.output, run.output[-3000:]
    assert BAD_FILES[fixture] in run.output
    assert "Traceback" not in run.output
    assert mart_snapshot(good_warehouse / "warehouse.duckdb") == before


def test_line_numbers_survive_quoted_line_breaks_and_blank_lines(tmp_path):
    """A quoted value spanning two lines and a blank line: the bad row is still named by its line."""
    fixture = BAD / "line_break_in_quoted_field.csv"
    run = build(fixture, tmp_path)
    assert run.returncode != 0
    assert f"{fixture}:6 [unknown_answer]" in run.output, run.output[-3000:]
    lines = query(run.db_path, "select source_line_number, source_line_span from raw.raw_responses order by 1")
    assert [(r["source_line_number"], r["source_line_span"]) for r in lines] == [(2, 2), (5, 1), (6, 1)]


def test_missing_file_names_the_path(good_warehouse):
    missing = BAD / "no_such_file.csv"
    run = build(missing, good_warehouse)
    assert run.returncode != 0
    assert f"no response file matches '{missing}'" in run.output
    assert "Traceback" not in run.output


def test_exact_duplicate_is_reported_but_harmless(tmp_path):
    run = build(BAD / "duplicate_answer.csv", tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert f"{BAD / 'duplicate_answer.csv'}:6 [duplicate_answer]" in run.output
    # Q4 has § 95 = Ja ved alle sager (100) and § 96 = Nej (0) once each: (100 + 0) / 2
    (q4,) = query(run.db_path, "select score, items_answered from marts.fct_question_scores where question_no = 4")
    assert q4 == {"score": 50.0, "items_answered": 2}


@pytest.mark.parametrize("fixture", sorted(BAD_ROWS) + ["duplicate_answer.csv"])
def test_lenient_mode_builds_from_valid_rows_and_accounts_for_every_row(fixture, tmp_path):
    run = build(BAD / fixture, tmp_path, strict=False)

    assert run.returncode == 0, run.output[-3000:]
    (counts,) = query(
        run.db_path,
        """
        select
            (select count(*) from raw.raw_responses) as raw_rows,
            (select count(distinct response_row_id) from marts.fct_item_scores where response_row_id is not null) as scored_rows,
            (select count(*) from intermediate.int_responses_classified where row_status = 'rejected') as rejected_rows
        """,
    )
    assert counts["raw_rows"] == counts["scored_rows"] + counts["rejected_rows"]
    assert counts["rejected_rows"] == (2 if fixture == "conflicting_answers.csv" else 1)


def test_file_formats_give_identical_marts(tmp_path):
    variants = sorted(FORMATS.glob("*.csv"))
    assert {v.name for v in variants} >= {"comma_utf8.csv", "semicolon_windows1252_crlf.csv", "semicolon_utf8_bom.csv"}
    # the fixtures are what their names say
    assert (FORMATS / "semicolon_utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    cp1252 = (FORMATS / "semicolon_windows1252_crlf.csv").read_bytes()
    assert b"\r\n" in cp1252 and "ø".encode("cp1252") in cp1252 and "ø".encode("utf-8") not in cp1252

    snapshots = {}
    for variant in variants:
        run = build(variant, tmp_path / variant.stem)
        assert run.returncode == 0, f"{variant.name}: {run.output[-3000:]}"
        with duckdb.connect(str(run.db_path), read_only=True) as con:
            snapshots[variant.name] = {
                # response_row_id names the source file, which differs by design
                name: rounded(con.execute(f"select * exclude (response_row_id) from marts.{name}").fetchall())
                if name == "fct_item_scores"
                else rounded(con.execute(f"select * from marts.{name}").fetchall())
                for name in mart_names(run.db_path)
            }
        labels = query(run.db_path, "select distinct item_label from marts.fct_item_scores where question_no = 34")
        assert {row["item_label"] for row in labels} == {"Centerledelse", "Direktion", "Fagudvalg", "Økonomiudvalg"}
    reference = snapshots.pop("comma_utf8.csv")
    for name, snapshot in snapshots.items():
        assert snapshot == reference, name


def test_glob_reads_several_files_with_their_own_encoding(tmp_path):
    """A glob may mix exports: one UTF-8 comma file and one Windows-1252 semicolon file."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    lines = (FORMATS / "comma_utf8.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    first = [r for r in rows if r.startswith("825,")]
    rest = [r for r in rows if not r.startswith("825,")]
    (folder / "a.csv").write_text("\n".join([header, *first]) + "\n", encoding="utf-8")
    (folder / "b.csv").write_bytes(("\r\n".join([header, *rest]) + "\r\n").encode("cp1252"))

    run = build(folder / "*.csv", tmp_path / "build")

    assert run.returncode == 0, run.output[-3000:]
    files = query(run.db_path, "select source_file, source_encoding, count(*) as n from raw.raw_responses group by all order by 1")
    assert [(Path(f["source_file"]).name, f["source_encoding"]) for f in files] == [("a.csv", "utf-8"), ("b.csv", "latin-1")]
    totals = query(run.db_path, "select count(*) as n from marts.fct_total_scores")
    assert totals == [{"n": 3}]


def test_last_good_marts_survive_a_bad_build_end_to_end(tmp_path):
    """good build -> bad build (fails, marts and exports kept) -> good build of new data (marts change)."""
    good = build(FORMATS / "comma_utf8.csv", tmp_path)
    assert good.returncode == 0, good.output[-3000:]
    after_good = mart_snapshot(good.db_path)
    exports_before = tmp_path / "exports_before"
    shutil.copytree(tmp_path / "exports", exports_before)

    bad = build(BAD / "unknown_answer.csv", tmp_path)
    assert bad.returncode != 0
    assert mart_snapshot(good.db_path) == after_good
    assert exports_unchanged(exports_before, tmp_path / "exports")
    # the rejects of the bad build are queryable
    rejects = query(good.db_path, "select reject_reason from intermediate.int_responses_classified where row_status = 'rejected'")
    assert rejects == [{"reject_reason": "unknown_answer"}]

    again = build(BAD / "duplicate_answer.csv", tmp_path)
    assert again.returncode == 0, again.output[-3000:]
    assert query(good.db_path, "select municipality_code from marts.fct_total_scores") == [{"municipality_code": 101}]


def test_strict_gate_lists_at_most_20_rows_and_the_count(tmp_path):
    lines = ["municipality_code,survey_year,question_no,item,answer"] + [f"{900 + i},2023,1,,Ja" for i in range(25)]
    bad = tmp_path / "many_bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    run = run_dbt("build", tmp_path / "warehouse.duckdb", {"raw_responses_path": str(bad), "export_path": str(tmp_path / "exports")})

    assert run.returncode != 0
    assert "25 raw response row(s) rejected" in run.output
    assert run.output.count("[unknown_municipality]") == 20
    assert "... and 5 more" in run.output
