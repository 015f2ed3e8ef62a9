"""Only whole, tested builds reach Power BI (write-audit-publish).

Each test starts from a published build A (a copy of the shared sample build: warehouse and
Parquet folder) and tries to replace it with build B (the hand-computed fixture, whose own
build is the shared reference). Whatever happens - a kill at any moment, bad input, a failing
data test, a command that builds nothing - the published DuckDB marts and the published Parquet
set are each exactly A or exactly B, and both name the same build.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conftest import (
    BLOCKING_REASONS,
    BUILD_LOG,
    FIXTURES,
    HAND_FIXTURE,
    PROJECT_ROOT,
    SAMPLE,
    build,
    build_vars,
    copy_published,
    every_reason_file,
    dbt_command,
    export_pointer,
    export_snapshot,
    mart_snapshot,
    published_build_id,
    query,
    run_dbt,
)

BAD = FIXTURES / "bad_input"


def published_state(workdir: Path) -> tuple[str, dict, str, dict]:
    """(DuckDB build id, DuckDB marts, Parquet build id, Parquet marts), build log tables left out."""
    db = workdir / "warehouse.duckdb"
    export_id, exported = export_snapshot(workdir / "exports", with_build_log=False)
    return published_build_id(db), mart_snapshot(db, with_build_log=False), export_id, exported


def assert_whole_build(workdir: Path, expected: dict[str, dict]) -> str:
    """The published marts and Parquet set are one of the expected builds, and the same one."""
    db_id, db_marts, export_id, export_marts = published_state(workdir)
    assert db_id == export_id, "the DuckDB marts and the Parquet set come from different builds"
    name = next((name for name, marts in expected.items() if marts == db_marts), None)
    assert name is not None, "the published DuckDB marts are a mix of builds"
    assert export_marts == expected[name], "the published Parquet set differs from the DuckDB marts"
    return name


@pytest.fixture(scope="module")
def expected(sample_build, hand_build) -> dict[str, dict]:
    return {
        "A": mart_snapshot(sample_build.db_path, with_build_log=False),
        "B": mart_snapshot(hand_build.db_path, with_build_log=False),
    }


# --------------------------------------------------------------------------------------------
# kill -9 at many moments


def start_build(workdir: Path, responses: Path, output=subprocess.DEVNULL) -> subprocess.Popen:
    args, env = dbt_command("build", workdir / "warehouse.duckdb", build_vars(responses, workdir))
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)


def kill_when(process: subprocess.Popen, condition, timeout: float = 300) -> bool:
    """SIGKILL the process as soon as condition() holds; False if it ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if condition():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.001)
    process.wait()
    return False


# Moments of a build, each by what dbt printed last or what the publish step left on disk.
KILL_MOMENTS = {
    "before the load": "Registered adapter",
    "after the load": "raw response rows from",
    "first mart": "START sql table model marts_audit.",
    "marts half built": "OK created sql table model marts_audit.fct_question_scores",
    "auditing marts": "START test accepted_range_fct_",
    "writing the Parquet set": "partial folder",
    "Parquet set complete": "new build folder",
    "just after the swap": "symlink moved",
}


def test_a_kill_at_any_moment_leaves_one_whole_build(sample_build, expected, tmp_path):
    """Rebuild from B over a published A, killed with SIGKILL at each moment of KILL_MOMENTS."""
    states = {}
    for moment, marker in KILL_MOMENTS.items():
        workdir = copy_published(sample_build, tmp_path / moment.replace(" ", "_"))
        builds = workdir / "exports" / "builds"
        folders_before = {p.name for p in builds.iterdir()}
        link_before = os.readlink(workdir / "exports" / "current")
        process = start_build(workdir, HAND_FIXTURE, output=subprocess.PIPE)
        printed = []
        reader = threading.Thread(target=lambda: printed.extend(process.stdout), daemon=True)
        reader.start()
        condition = {
            "partial folder": lambda: any(builds.glob(".*.partial")),
            "new build folder": lambda: {p.name for p in builds.iterdir() if not p.name.startswith(".")} != folders_before,
            "symlink moved": lambda: os.readlink(workdir / "exports" / "current") != link_before,
        }.get(marker) or (lambda: any(marker in line for line in list(printed)))
        killed = kill_when(process, condition)
        reader.join()
        states[moment] = assert_whole_build(workdir, expected)
        assert killed or states[moment] == "B", moment
    # the early kills keep A; a kill after the swap (or a build that finished first) shows B
    assert states["before the load"] == states["marts half built"] == states["writing the Parquet set"] == "A", states
    assert states["just after the swap"] == "B", states


# --------------------------------------------------------------------------------------------
# bad input, failing tests and commands that build nothing leave the published set alone


def assert_nothing_published(before: Path, workdir: Path, before_id: str) -> None:
    assert published_build_id(workdir / "warehouse.duckdb") == before_id
    assert mart_snapshot(workdir / "warehouse.duckdb") == mart_snapshot(before / "warehouse.duckdb")
    export_id, folder = export_pointer(workdir / "exports")
    assert export_id == before_id
    _, before_folder = export_pointer(before / "exports")
    comparison = filecmp.dircmp(before_folder, folder)
    assert comparison.left_only == comparison.right_only == comparison.diff_files == []
    assert all(filecmp.cmp(before_folder / f, folder / f, shallow=False) for f in comparison.common_files)


@pytest.fixture
def published_a(sample_build, tmp_path) -> tuple[Path, Path, str]:
    """(untouched copy, working copy, build id) of the published sample build."""
    before = copy_published(sample_build, tmp_path / "before")
    workdir = copy_published(sample_build, tmp_path / "work")
    return before, workdir, published_build_id(before / "warehouse.duckdb")


@pytest.mark.parametrize(
    "command, selection",
    [("run", ()), ("run", ("--select", "marts")), ("build", ("--select", "+fct_total_scores"))],
    ids=["run", "run-select-marts", "build-select-total"],
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
    (attempt,) = query(workdir / "warehouse.duckdb", "select status, reason from ops.build_runs where status != 'published'")
    assert attempt["status"] == "failed" and "rejected" in attempt["reason"]


def test_a_bad_file_stops_the_build_before_any_model(published_a):
    before, workdir, before_id = published_a
    run = build(BAD / "missing_column.csv", workdir, command="run")
    assert run.returncode != 0
    assert f"Response file '{BAD / 'missing_column.csv'}' lacks the required column(s) question_no" in run.output
    assert_nothing_published(before, workdir, before_id)
    (attempt,) = query(workdir / "warehouse.duckdb", "select status, reason from ops.build_runs where status != 'published'")
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
    (attempt,) = query(workdir / "warehouse.duckdb", "select status, reason from ops.build_runs where status != 'published'")
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
    run = build(HAND_FIXTURE, workdir, extra_args=("--select", "+fct_total_scores"))
    assert "Power BI keeps the published build" in run.output
    assert_nothing_published(before, workdir, before_id)
    (attempt,) = query(workdir / "warehouse.duckdb", "select status, reason from ops.build_runs where status != 'published'")
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
    # the Parquet set carries the same log
    build_id, tables = export_snapshot(sample_build.db_path.parent / "exports")
    assert build_id == current["build_id"]
    assert tables["fct_build_input_files"] == mart_snapshot(db)["fct_build_input_files"]


# --------------------------------------------------------------------------------------------
# readers and a second writer


def test_readers_always_get_one_whole_build(published_a):
    """A reader that resolves the pointer and reads the folder while builds run: never a mix."""
    _, workdir, _ = published_a
    exports = workdir / "exports"
    result = subprocess.run(
        [sys.executable, "-m", "styringsoverblik.soak", "--builds", "2", "--workdir", str(workdir),
         "--input", str(HAND_FIXTURE), "--input", str(SAMPLE)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout
    assert sorted(p.name for p in (exports / "builds").iterdir()) and not list((exports / "builds").glob(".*"))


def test_a_second_build_fails_fast_while_one_runs(published_a, expected):
    _, workdir, _ = published_a
    first = start_build(workdir, HAND_FIXTURE, output=subprocess.PIPE)
    printed = []
    reader = threading.Thread(target=lambda: printed.extend(first.stdout), daemon=True)
    reader.start()
    try:
        # the first build holds the warehouse once it has loaded the input
        deadline = time.monotonic() + 120
        while not any("raw response rows from" in line for line in list(printed)) and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        second = build(SAMPLE, workdir)
        assert second.returncode != 0
        assert time.monotonic() - started < 30
        assert "is in use by" in second.output and "Nothing was changed" in second.output
        assert "Traceback" not in second.output
    finally:
        assert first.wait(timeout=300) == 0, "".join(printed)[-3000:]
        reader.join()
    assert assert_whole_build(workdir, expected) == "B"


def test_a_read_only_reader_blocks_a_build_with_a_clear_message_or_a_wait(published_a, expected):
    _, workdir, _ = published_a
    db = workdir / "warehouse.duckdb"
    holder = subprocess.Popen(  # holds a read-only connection until its stdin closes
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}, read_only=True); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        blocked = build(HAND_FIXTURE, workdir)
        assert blocked.returncode != 0
        assert "is in use by" in blocked.output and "Power BI" in blocked.output and "Traceback" not in blocked.output

        args, env = dbt_command("build", db, build_vars(HAND_FIXTURE, workdir))
        waiting = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env={**env, "STYRINGSOVERBLIK_LOCK_WAIT_SECONDS": "300"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        time.sleep(8)  # the waiting build parses, then waits for the file
        assert waiting.poll() is None
    finally:
        holder.stdin.close()
        holder.wait()
    output = waiting.communicate(timeout=300)[0]
    assert waiting.returncode == 0, output[-3000:]
    assert assert_whole_build(workdir, expected) == "B"


def test_the_console_script_answers_help_and_shows_the_build_log(sample_build):
    script = str(Path(sys.executable).with_name("styringsoverblik"))
    help_text = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert "builds" in help_text and "report" in help_text and "template" in help_text
    log = subprocess.run([script, "builds", "--database", str(sample_build.db_path)], capture_output=True, text=True)
    assert log.returncode == 0, log.stderr
    assert f"published build: {published_build_id(sample_build.db_path)}" in log.stdout


def test_old_build_folders_are_cleaned_up(published_a):
    _, workdir, _ = published_a
    before = {p.name for p in (workdir / "exports" / "builds").iterdir()}
    assert build(HAND_FIXTURE, workdir, export_keep_builds=1).returncode == 0
    folders = {p.name for p in (workdir / "exports" / "builds").iterdir()}
    assert len(folders) == 1 and folders != before and export_pointer(workdir / "exports")[0] in folders
