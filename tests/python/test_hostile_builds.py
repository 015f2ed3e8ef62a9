"""Hostile input through `dbt build` and `dbt run` (issue 16, items 2, 4, 6): a crafted header,
a hidden sheet, a formula without a value and a terminal-abusing answer each stop the build with a
clean message, and the published set (DuckDB marts and the Parquet `current` set) stays as it was;
a crafted header that loads shows the file it aimed at nowhere.

Each hostile build runs on a private copy of the shared sample build (fixture published_a of
test_publish.py); the readers themselves are tested without dbt in test_hostile_input.py.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE, build, export_snapshot, query
from test_hostile_input import SECRET, secret, workbook  # noqa: F401 (fixture: a file a crafted header would read)
from test_publish import assert_nothing_published, published_a  # noqa: F401 (fixture)

LONG_HEADER = ["municipality_code", "survey_year", "question_no", "item", "answer"]


def crafted_names(secret: Path) -> list[str]:
    return [
        f'answer", (select string_agg(content) from read_text(\'{secret}\')), "answer',
        f"x') ; select * from read_csv('{secret}') --",
    ]


def csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def latest_attempt(workdir: Path) -> dict:
    (attempt,) = query(workdir / "warehouse.duckdb",
                       "select build_id, status, reason from ops.build_runs order by started_at desc limit 1")
    return attempt


def assert_failed_cleanly(run, workdir: Path, before: Path, before_id: str, expected: str) -> None:
    assert run.returncode != 0
    assert expected in run.output, run.output[-3000:]
    assert SECRET not in run.output
    assert "Traceback" not in run.output
    assert_nothing_published(before, workdir, before_id)
    attempt = latest_attempt(workdir)
    assert attempt["status"] == "failed" and expected in attempt["reason"]


def test_long_csv_crafted_header_without_answer_stops_dbt_build(published_a, tmp_path, secret):
    before, workdir, before_id = published_a
    path = tmp_path / "long.csv"
    header = LONG_HEADER[:4] + crafted_names(secret)
    # a blank line: the per-record path, which once pasted header names into SQL
    path.write_text(csv_text([header, ["101", "2023", "1", "", "Ja", ""]]) + "\n", encoding="utf-8")

    run = build(path, workdir, command="build")

    assert_failed_cleanly(run, workdir, before, before_id, f"Response file '{path}' lacks the required column(s) answer")


def test_wide_csv_crafted_header_stops_dbt_run(published_a, tmp_path, secret):
    before, workdir, before_id = published_a
    path = tmp_path / "wide.csv"
    path.write_text(csv_text([["municipality_code", "survey_year", "Q1", crafted_names(secret)[1]], ["101", "2023", "Ja", ""]]),
                    encoding="utf-8")

    run = build(path, workdir, command="run")

    assert_failed_cleanly(run, workdir, before, before_id, f"Response file '{path}': line 1, column 4: unknown column ")


def test_xlsx_hidden_sheet_named_by_the_var_stops_dbt_build(published_a, tmp_path):
    before, workdir, before_id = published_a
    path = workbook(tmp_path / "answers.xlsx", [
        ("Kladde", [["municipality_code", "survey_year", "Q1"], [157, 2023, "Ja"]], "hidden"),
        ("Svar", [["municipality_code", "survey_year", "Q1"], [101, 2023, "Ja"]], "visible"),
    ])

    run = build(path, workdir, command="build", xlsx_sheet="Kladde")

    assert_failed_cleanly(run, workdir, before, before_id,
                          f"Response file '{path}': the sheet 'Kladde' is hidden; hidden sheets are never read")


def test_xlsx_formula_without_value_stops_dbt_run(published_a, tmp_path):
    before, workdir, before_id = published_a
    path = workbook(tmp_path / "answers.xlsx", [
        ("Svar", [["municipality_code", "survey_year", "Q1"], [101, 2023, '=IF(TRUE,"Ja","Nej")']], "visible"),
    ])

    run = build(path, workdir, command="run")

    assert_failed_cleanly(run, workdir, before, before_id,
                          f"Response file '{path}' [sheet 'Svar']: cell C2 holds a formula without a stored value")


def test_a_terminal_abusing_answer_is_shown_escaped_and_cut(published_a, tmp_path):
    """An answer holding terminal control sequences and 100,000 characters is rejected by the
    strict gate; the build output never holds the sequences raw nor the answer in full."""
    before, workdir, before_id = published_a
    answer = "\x1b]0;pwned\x07\x1b[2J" + "B" * 100_000
    path = tmp_path / "long.csv"
    path.write_text(csv_text([LONG_HEADER, ["101", "2023", "1", "", "Ja"], ["101", "2023", "2", "", answer]]),
                    encoding="utf-8")

    run = build(path, workdir, command="build")

    assert run.returncode != 0
    assert "\x1b]0;pwned" not in run.output and "\x1b[2J" not in run.output
    assert "B" * 1000 not in run.output
    assert f"{path}:3 [unknown_answer]" in run.output
    # the first 200 characters (14 of them control characters, escaped), then the length
    assert '"\\x1b]0;pwned\\x07\\x1b[2J' + "B" * 186 + '… (100014 characters)"' in run.output
    assert_nothing_published(before, workdir, before_id)
    # the classified row keeps the answer as written; its message is escaped and cut
    (row,) = query(workdir / "warehouse.duckdb",
                   "select raw_answer, reject_message from intermediate.int_responses_classified where reject_reason = 'unknown_answer'")
    assert row["raw_answer"] == answer
    assert row["reject_message"].startswith('answer "\\x1b]0;pwned\\x07\\x1b[2J' + "B" * 186 + '… (100014 characters)"')


def test_a_crafted_header_that_loads_shows_its_target_nowhere(published_a, tmp_path, secret):
    """The sample with crafted extra header columns (per-record path: a blank line) and a
    workbook whose hidden first sheet is a draft: the build publishes the sample plus the visible
    sheet, records the sheet read, and the secret file shows in no output and no table."""
    _, workdir, before_id = published_a
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    (inbox / "sample.csv").write_text(
        csv_text([header + crafted_names(secret)]) + "\n".join(lines[1:3]) + "\n\n" + "\n".join(lines[3:]) + "\n",
        encoding="utf-8",
    )
    workbook(inbox / "more.xlsx", [
        ("Kladde", [["municipality_code", "survey_year", "Q1"], [157, 2023, "Ja"]], "hidden"),
        ("Svar", [["municipality_code", "survey_year", "Q1"], [101, 2023, "Nej"]], "visible"),
    ])

    run = build(inbox / "*", workdir, command="build")

    assert run.returncode == 0, run.output[-4000:]
    assert SECRET not in run.output
    assert f"(workbooks read: '{inbox / 'more.xlsx'}' sheet 'Svar')" in run.output
    build_id, tables = export_snapshot(workdir / "exports")
    assert build_id != before_id
    assert SECRET not in repr(tables)
    rows = query(workdir / "warehouse.duckdb",
                 "select municipality_code, raw_answer from marts.fct_response_rows where source_format = 'wide_xlsx'")
    assert rows == [{"municipality_code": 101, "raw_answer": "Nej"}]
    files = query(workdir / "warehouse.duckdb",
                  f"select file_path, file_format, sheet_name from ops.build_input_files where build_id = '{build_id}' order by 1")
    assert files == [
        {"file_path": str(inbox / "more.xlsx"), "file_format": "wide_xlsx", "sheet_name": "Svar"},
        {"file_path": str(inbox / "sample.csv"), "file_format": "long", "sheet_name": None},
    ]
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall():
            text = repr(con.execute(f'select * from "{schema}"."{table}"').fetchall())
            assert SECRET not in text, (schema, table)


def test_a_folder_or_a_utf16_file_stops_dbt_build(published_a, tmp_path):
    """Item 7 under dbt: a glob matching a UTF-16 export (besides a folder, which a glob skips)
    stops the build with the UTF-16 message, nothing published."""
    before, workdir, before_id = published_a
    inbox = tmp_path / "inbox"
    (inbox / "old.csv").mkdir(parents=True)
    path = inbox / "export.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + csv_text([LONG_HEADER, ["101", "2023", "1", "", "Ja"]]).encode("utf-16-le"))

    run = build(inbox / "*.csv", workdir, command="build")

    assert_failed_cleanly(run, workdir, before, before_id, f"Response file '{path}' is UTF-16 text")
