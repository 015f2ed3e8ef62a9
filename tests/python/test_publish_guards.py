"""Only whole, tested builds reach Power BI: what must never be published, and the build log.

Bad input under every command that builds marts, a failing data test, a partial selection and
the commands that build nothing leave the published set as it was (a copy of the shared sample
build, A); `dbt run` then `dbt test` publishes B. Helpers and fixtures: test_publish.py.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import (
    BLOCKING_REASONS,
    FIXTURES,
    HAND_FIXTURE,
    PROJECT_ROOT,
    SAMPLE,
    build,
    build_vars,
    every_reason_file,
    export_snapshot,
    mart_snapshot,
    published_build_id,
    query,
    run_dbt,
)
from test_publish import assert_nothing_published, assert_whole_build, expected, published_a  # noqa: F401 (fixtures)

BAD = FIXTURES / "bad_input"


def latest_attempt(workdir: Path) -> dict:
    """The newest build attempt in the warehouse's log (the one the test just ran)."""
    (attempt,) = query(
        workdir / "warehouse.duckdb", "select status, reason from ops.build_runs order by started_at desc limit 1"
    )
    return attempt


# --------------------------------------------------------------------------------------------
# bad input, failing tests and commands that build nothing leave the published set alone


@pytest.mark.parametrize(
    "command, selection",
    [("run", ()), ("run", ("--select", "marts")), ("run", ("--select", "+fct_total_scores"))],
    ids=["run", "run-select-marts", "run-select-total"],
)
def test_bad_rows_stop_every_command_that_builds_marts(published_a, command, selection, tmp_path):
    before, workdir, before_id = published_a
    bad = every_reason_file(tmp_path)

    run = build(bad, workdir, command=command, extra_args=selection)

    assert run.returncode != 0
    assert "raw response row(s) rejected" in run.output
    for line, reason in enumerate(BLOCKING_REASONS, start=6):
        assert f"{bad}:{line} [{reason}]" in run.output, (reason, run.output[-3000:])
    assert_nothing_published(before, workdir, before_id)
    attempt = latest_attempt(workdir)
    assert attempt["status"] == "failed" and "rejected" in attempt["reason"]


def test_a_bad_file_stops_the_build_before_any_model(published_a):
    before, workdir, before_id = published_a
    run = build(BAD / "missing_column.csv", workdir, command="run")
    assert run.returncode != 0
    assert f"Response file '{BAD / 'missing_column.csv'}' lacks the required column(s) question_no" in run.output
    assert_nothing_published(before, workdir, before_id)
    attempt = latest_attempt(workdir)
    assert attempt["status"] == "failed" and "lacks the required column" in attempt["reason"]


def test_a_failing_data_test_on_a_mart_keeps_the_published_set(published_a, tmp_path):
    """A copy of the project with one extra data test on fct_total_scores that fails."""
    before, workdir, before_id = published_a
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT, project, symlinks=True,
        ignore=shutil.ignore_patterns(".venv", ".git", "target", "logs", "warehouse", "exports", "reports", "__pycache__"),
    )
    (project / "tests" / "dbt" / "singular" / "assert_fixture_fails.sql").write_text(
        "-- fails on purpose: every total is a row\nselect * from {{ ref('fct_total_scores') }}\n", encoding="utf-8"
    )

    run = run_dbt("build", workdir / "warehouse.duckdb", build_vars(HAND_FIXTURE, workdir), project=project)

    assert run.returncode != 0
    assert "assert_fixture_fails" in run.output
    assert_nothing_published(before, workdir, before_id)
    attempt = latest_attempt(workdir)
    assert attempt["status"] == "failed" and "assert_fixture_fails" in attempt["reason"]


def test_commands_that_build_nothing_change_nothing(published_a):
    """`dbt test`, `docs generate` and `compile` with another input file leave every table alone."""
    before, workdir, before_id = published_a
    db = workdir / "warehouse.duckdb"

    def everything():
        tables = query(db, "select schema_name, table_name from duckdb_tables() where database_name = 'warehouse' order by 1, 2")
        with duckdb.connect(str(db), read_only=True) as con:
            return {
                (t["schema_name"], t["table_name"]): sorted(
                    con.execute(f'select * from "{t["schema_name"]}"."{t["table_name"]}"').fetchall(), key=repr
                )
                for t in tables
            }

    state = everything()
    assert ("raw", "raw_responses") in state and ("ops", "build_runs") in state
    for command in ("test", "docs generate", "compile"):
        run = build(HAND_FIXTURE, workdir, command=command)
        assert run.returncode == 0, (command, run.output[-3000:])
        assert everything() == state, command
    assert_nothing_published(before, workdir, before_id)


def test_dbt_run_then_dbt_test_publishes_after_the_audit(published_a, expected):
    _, workdir, before_id = published_a
    run = build(HAND_FIXTURE, workdir, command="run")
    assert run.returncode == 0, run.output[-3000:]
    assert "awaiting audit" in run.output
    assert published_build_id(workdir / "warehouse.duckdb") == before_id  # not yet tested: not published

    audit = build(HAND_FIXTURE, workdir, command="test")
    assert audit.returncode == 0, audit.output[-3000:]
    assert assert_whole_build(workdir, expected) == "B"
    assert published_build_id(workdir / "warehouse.duckdb") != before_id


def test_a_partial_selection_is_never_published(published_a):
    """Only the total and its parents are rebuilt from B: the audit area now holds a mix of A and
    B (the reconciliation test may even say so), and nothing of it is published."""
    before, workdir, before_id = published_a
    run = build(HAND_FIXTURE, workdir, command="run", extra_args=("--select", "+fct_total_scores"))
    assert "Power BI keeps the published build" in run.output
    assert_nothing_published(before, workdir, before_id)
    attempt = latest_attempt(workdir)
    assert attempt["status"] in ("failed", "not_published"), attempt


# --------------------------------------------------------------------------------------------
# the build log


def test_the_build_log_names_the_input_with_its_sha256_and_counts(sample_build):
    db = sample_build.db_path
    (current,) = query(db, "select * from marts.dim_builds where is_current")
    (file,) = query(db, f"select * from marts.fct_build_input_files where build_id = '{current['build_id']}'")
    content = SAMPLE.read_bytes()
    assert file["file_path"] == str(SAMPLE)
    assert file["file_sha256"] == hashlib.sha256(content).hexdigest()
    assert file["file_size_bytes"] == len(content)
    assert file["raw_rows"] == content.count(b"\n") - 1
    assert file["valid_rows"] + file["rejected_rows"] == file["raw_rows"]
    assert (current["input_files"], current["raw_rows"], current["strict"]) == (1, file["raw_rows"], True)
    assert current["finished_at"] >= current["started_at"]
    assert current["dbt_version"].startswith("1.11") and current["project_version"] == "0.1.0"
    assert current["q17_neutral_scope"] == "all" and current["survey_years"] == "2023"
    assert current["min_group_size"] == 3
    # the Parquet set carries the same log
    build_id, tables = export_snapshot(sample_build.db_path.parent / "exports")
    assert build_id == current["build_id"]
    assert tables["fct_build_input_files"] == mart_snapshot(db)["fct_build_input_files"]


def test_the_console_script_answers_help_and_shows_the_build_log(sample_build):
    script = str(Path(sys.executable).with_name("styringsoverblik"))
    help_text = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert "builds" in help_text and "report" in help_text and "template" in help_text
    log = subprocess.run([script, "builds", "--database", str(sample_build.db_path)], capture_output=True, text=True)
    assert log.returncode == 0, log.stderr
    assert f"published build: {published_build_id(sample_build.db_path)}" in log.stdout
