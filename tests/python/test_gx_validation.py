"""The Great Expectations suite passes on a good build and fails on a corrupted mart."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from conftest import PROJECT_ROOT


def run_gx(db_path):
    return subprocess.run(
        [sys.executable, "-m", "styringsoverblik.gx_validate", "--database", str(db_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def materialize(con, table: str) -> None:
    """Turn a published view (over the Parquet set) into a table of this copy, to corrupt it."""
    con.execute(f"create temp table copy_of_{table} as select * from marts.{table}")
    con.execute(f"drop view marts.{table}")
    con.execute(f"create table marts.{table} as select * from copy_of_{table}")


def test_gx_passes_on_a_good_build(sample_build):
    result = run_gx(sample_build.db_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 failed" in result.stdout


def test_gx_fails_when_a_total_no_longer_equals_the_question_mean(copy_of_sample_build):
    with duckdb.connect(str(copy_of_sample_build.db_path)) as con:
        materialize(con, "fct_total_scores")
        con.execute(
            "update marts.fct_total_scores set score = score + 0.5"
            " where municipality_code = (select min(municipality_code) from marts.fct_total_scores)"
        )
    result = run_gx(copy_of_sample_build.db_path)
    assert result.returncode == 1
    assert "FAIL  total_vs_question_mean.total_difference" in result.stdout
    assert ", 1 failed" in result.stdout


def test_gx_fails_on_a_changed_question_score_and_a_missing_question(copy_of_sample_build):
    """A question score that no longer adds up to its theme and total, and a lost question row."""
    with duckdb.connect(str(copy_of_sample_build.db_path)) as con:
        materialize(con, "fct_question_scores")
        con.execute("update marts.fct_question_scores set score = 101 where question_no = 1")
        con.execute("delete from marts.fct_question_scores where question_no = 47")
    result = run_gx(copy_of_sample_build.db_path)
    assert result.returncode == 1
    assert "FAIL  theme_vs_question_mean.theme_difference" in result.stdout
    assert "FAIL  total_vs_question_mean.total_difference" in result.stdout
    assert "FAIL  questions_per_respondent.question_rows" in result.stdout


def test_gx_reports_a_missing_warehouse(tmp_path):
    result = run_gx(tmp_path / "nothing.duckdb")
    assert result.returncode == 2
    assert "no warehouse at" in result.stderr
