"""Only whole, tested builds reach Power BI (write-audit-publish): kills, readers, a second writer.

Each test starts from a published build A (a copy of the shared sample build: warehouse and
Parquet folder) and tries to replace it with build B (the hand-computed fixture, whose own
build is the shared reference). Whatever happens - a kill at any moment, bad input, a failing
data test, a command that builds nothing - the published DuckDB marts and the published Parquet
set are each exactly A or exactly B, and both name the same build.
"""

from __future__ import annotations

import filecmp
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import (
    HAND_FIXTURE,
    PROJECT_ROOT,
    SAMPLE,
    build,
    build_vars,
    copy_published,
    dbt_command,
    export_pointer,
    export_snapshot,
    mart_snapshot,
    published_build_id,
)

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
    "marts half built": "OK created sql table model marts_audit.fct_question_scores",
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
    # kills seconds before the publish keep A; a kill after the swap (or a build that finished
    # first) shows B; around the swap either is right, as long as it is whole (checked above)
    assert states["before the load"] == states["marts half built"] == "A", states
    assert states["just after the swap"] == "B", states


# --------------------------------------------------------------------------------------------
# readers and a second writer


def test_readers_always_get_one_whole_build_and_old_builds_go(published_a):
    """A reader that resolves the pointer and reads the folder while a build publishes: never a
    mix (styringsoverblik.soak; `--builds 20` is the long run). With export_keep_builds 1 only
    the new build's folder is left."""
    _, workdir, before_id = published_a
    exports = workdir / "exports"
    result = subprocess.run(
        [sys.executable, "-m", "styringsoverblik.soak", "--builds", "1", "--keep-builds", "1", "--workdir", str(workdir),
         "--input", str(HAND_FIXTURE)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 errors" in result.stdout and "whole reads of 2 builds" in result.stdout, result.stdout
    folders = [p.name for p in (exports / "builds").iterdir()]
    assert len(folders) == 1 and folders[0] != before_id and export_pointer(exports)[0] == folders[0]


def test_a_reader_or_a_running_build_holds_the_warehouse(published_a, expected):
    """A read-only reader (as Power BI's ODBC connection) stops a build with a clear message, or
    makes it wait with STYRINGSOVERBLIK_LOCK_WAIT_SECONDS; a build started while that build runs
    fails fast, and the running one is untouched."""
    _, workdir, _ = published_a
    db = workdir / "warehouse.duckdb"
    holder = subprocess.Popen(  # holds a read-only connection until its stdin closes
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}, read_only=True); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    args, env = dbt_command("build", db, build_vars(HAND_FIXTURE, workdir))
    try:
        assert holder.stdout.readline().strip() == "open"
        blocked = build(HAND_FIXTURE, workdir)
        assert blocked.returncode != 0
        assert "is in use by" in blocked.output and "Power BI" in blocked.output and "Traceback" not in blocked.output

        waiting = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env={**env, "STYRINGSOVERBLIK_LOCK_WAIT_SECONDS": "300"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        printed = []
        reader = threading.Thread(target=lambda: printed.extend(waiting.stdout), daemon=True)
        reader.start()
        time.sleep(8)  # the waiting build parses, then waits for the file
        assert waiting.poll() is None
    finally:
        holder.stdin.close()
        holder.wait()
    try:
        # once it holds the file (it has loaded the input), it is paused there (SIGSTOP keeps its
        # lock on the file), so a second build meets a running build whatever the machine's speed;
        # that second build fails fast
        deadline = time.monotonic() + 120
        while not any("raw response rows from" in line for line in list(printed)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting.poll() is None, "".join(printed)[-3000:]
        waiting.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            second = build(SAMPLE, workdir)
        finally:
            waiting.send_signal(signal.SIGCONT)
        assert second.returncode != 0
        assert time.monotonic() - started < 30
        assert "is in use by" in second.output and "Nothing was changed" in second.output
        assert "Traceback" not in second.output
    finally:
        assert waiting.wait(timeout=300) == 0, "".join(printed)[-3000:]
        reader.join()
    assert assert_whole_build(workdir, expected) == "B"
