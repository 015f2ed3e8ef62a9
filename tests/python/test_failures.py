"""Every failure is a clean, recorded failure, and the exit code says whether anything was published.

An export path that is a file, a read-only export folder (before the build, and when `dbt test`
publishes what `dbt run` built), an unreadable input file: each stops with one message naming the
file or folder, no traceback, no "Exited because of keyboard interrupt", a non-zero exit code,
the attempt logged `failed` with that reason (shown by `styringsoverblik builds` right after),
and the published set unchanged. A failure after the commit point (removing an old build) is a
warning of a published build, exit code 0.

The tests run as root, which ignores file modes; the dbt processes that must meet a read-only
folder or an unreadable file run with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped
(`setpriv`), so modes bind them as they bind any other user.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import HAND_FIXTURE, PROJECT_ROOT, DbtRun, build, build_vars, dbt_command, published_build_id
from test_export_folder import tree
from test_export_folder_builds import build_log
from test_publish import assert_nothing_published, assert_whole_build, expected, published_a  # noqa: F401 (fixtures)


def run_bound_by_modes(command: str, workdir: Path, variables: dict) -> DbtRun:
    """`dbt <command>` for which file modes hold (as root: without the capabilities that
    override them)."""
    args, env = dbt_command(command, workdir / "warehouse.duckdb", variables)
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file modes cannot be made to bind")
        args = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *args]
    proc = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, workdir / "warehouse.duckdb")


def assert_clean_failure(run: DbtRun, workdir: Path, *phrases: str) -> str:
    """Non-zero; the message once, with every phrase; no traceback or interrupt; the newest
    attempt in `styringsoverblik builds` is failed with the same reason. Returns that line."""
    output = run.output
    assert run.returncode != 0, output[-3000:]
    for phrase in phrases:
        assert phrase in output, (phrase, output[-3000:])
    assert output.count(phrases[0]) == 1, output[-3000:]
    for noise in ("Traceback", "keyboard interrupt", "Python exception occurred"):
        assert noise not in output, (noise, output[-3000:])
    latest = build_log(workdir).splitlines()[1]
    assert " failed " in latest and all(phrase in latest for phrase in phrases), latest
    return latest


def writable(path: Path, on: bool) -> None:
    mode = path.stat().st_mode
    path.chmod(mode | stat.S_IWUSR if on else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_an_export_path_that_is_a_file_stops_the_build_before_it_starts(published_a, tmp_path):
    before, workdir, before_id = published_a
    file = tmp_path / "exports.parquet"
    file.write_text("not a folder", encoding="utf-8")

    run = build(HAND_FIXTURE, workdir, export_path=str(file))

    assert_clean_failure(run, workdir, f"The export folder '{file}' (var export_path) is a file, not a folder")
    assert "OK created" not in run.output
    assert file.read_text(encoding="utf-8") == "not a folder"
    assert_nothing_published(before, workdir, before_id)


def test_a_read_only_export_folder_stops_the_build_before_it_starts(published_a):
    before, workdir, before_id = published_a
    exports = workdir / "exports"
    listing = tree(exports)
    writable(exports, False)
    try:
        run = run_bound_by_modes("build", workdir, build_vars(HAND_FIXTURE, workdir))
    finally:
        writable(exports, True)

    assert_clean_failure(run, workdir, f"The export folder '{exports}' (var export_path) cannot be written", "Permission denied")
    assert "OK created" not in run.output
    assert tree(exports) == listing
    assert_nothing_published(before, workdir, before_id)


def test_an_unreadable_input_file_is_named_and_nothing_is_built(published_a, tmp_path):
    before, workdir, before_id = published_a
    responses = tmp_path / "responses.csv"
    shutil.copyfile(HAND_FIXTURE, responses)
    responses.chmod(0)

    run = run_bound_by_modes("build", workdir, build_vars(responses, workdir))

    latest = assert_clean_failure(run, workdir, str(responses))
    assert "OK created" not in run.output and "input not loaded" in latest
    assert run.returncode == 2  # not started (PostgreSQL's command gives the same: test_build_command)
    assert_nothing_published(before, workdir, before_id)


def test_dbt_test_that_cannot_publish_fails_cleanly_and_records_it(published_a):
    """`dbt run` builds B; the builds folder turns read-only; `dbt test` audits B, cannot
    publish it, and fails with one message (no "keyboard interrupt") and the attempt failed."""
    before, workdir, before_id = published_a
    builds = workdir / "exports" / "builds"
    variables = build_vars(HAND_FIXTURE, workdir)
    ran = run_bound_by_modes("run", workdir, variables)
    assert ran.returncode == 0, ran.output[-3000:]
    listing = tree(workdir / "exports")
    writable(builds, False)
    try:
        audit = run_bound_by_modes("test", workdir, variables)
    finally:
        writable(builds, True)

    latest = assert_clean_failure(audit, workdir, f"The export folder '{workdir / 'exports'}' (var export_path) cannot be written")
    assert "not published: " in latest and " run " in latest  # the attempt `dbt run` left
    assert "on-run-end" in audit.output  # dbt reports the hook's error, with the message once
    assert {k: v for k, v in tree(workdir / "exports").items() if not k.startswith(".styringsoverblik")} == {
        k: v for k, v in listing.items() if not k.startswith(".styringsoverblik")
    }
    assert_nothing_published(before, workdir, before_id)
    # the failed attempt is no longer pending: a second `dbt test` publishes nothing
    again = build(HAND_FIXTURE, workdir, command="test")
    assert again.returncode == 0 and published_build_id(workdir / "warehouse.duckdb") == before_id


def test_a_failure_after_the_commit_point_is_a_warning_of_a_published_build(published_a, expected):
    """Removing the old build fails (its folder is read-only): B is published all the same, the
    exit code is 0, and the output warns."""
    _, workdir, before_id = published_a
    old = workdir / "exports" / "builds" / before_id
    writable(old, False)
    try:
        run = run_bound_by_modes("build", workdir, build_vars(HAND_FIXTURE, workdir, export_keep_builds=1))
    finally:
        writable(old, True)

    assert run.returncode == 0, run.output[-3000:]
    assert f"warning: old build folder '{old}" in run.output and "Permission denied" in run.output
    assert assert_whole_build(workdir, expected) == "B"
    assert old.is_dir()
    latest = build_log(workdir).splitlines()[1]
    assert latest.startswith("*") and " published " in latest, latest


# --------------------------------------------------------------------------------------------
# the pieces, without dbt


def test_a_failure_is_recorded_before_it_is_raised_as_one_message(tmp_path):
    import json
    import xml.etree.ElementTree as ElementTree

    import duckdb

    from styringsoverblik.duckdb_plugin import hook_outcome
    from styringsoverblik.buildlog import BuildFailed, ensure_ops, recorded_failure

    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        ensure_ops(con)
        con.execute("insert into ops.build_runs (build_id, command, status, started_at) values ('b1', 'build', 'running', now())")
        missing = tmp_path / "gone.csv"
        with pytest.raises(BuildFailed) as failure:
            with recorded_failure(con, "b1", "input not loaded", subject="inbox/*.csv"):
                missing.read_bytes()
        assert str(failure.value).startswith(f"Cannot read '{missing}': No such file or directory")
        assert failure.value.__cause__ is None and failure.value.__suppress_context__
        (status, reason) = con.execute("select status, reason from ops.build_runs").fetchone()
        assert status == "failed" and reason == f"input not loaded: {failure.value}"

        def step(cursor, context):
            raise ElementTree.ParseError("undefined entity &e;: line 1, column 2")

        outcome = json.loads(hook_outcome(con, step, json.dumps({"invocation_id": "b2", "command": "build", "project_dir": "."})))
        assert outcome == {"ok": False, "error": "The build step step stopped (ParseError: undefined entity &e;: line 1, column 2)."}
        outcome = json.loads(hook_outcome(con, lambda cursor, context: "fine", json.dumps({"invocation_id": "b3", "command": "test", "project_dir": "."})))
        assert outcome == {"ok": True, "message": "fine"}
