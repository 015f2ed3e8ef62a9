"""`styringsoverblik build`: the scheduled command. DuckDB: the same build as `dbt build` (its hooks
run the stages), same messages and exit codes. PostgreSQL: the advisory lock (two processes), and
the stages around dbt with dbt's runner and the publish step stood in for (the project's SQL on
PostgreSQL and publish_postgres are other changes of issue 19; the coordinator's build runs the
whole route)."""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from conftest import HAND_FIXTURE, PROJECT_ROOT, every_reason_file, query
from styringsoverblik import build, buildlog, cli, settings
from styringsoverblik.project import Project

GATE_LINE = (
    "10 raw response row(s) rejected (strict mode; --vars '{strict: false}' builds from the valid rows);"
    " listed in the build summary"
)


def command_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    build.add_arguments(parser)
    return parser.parse_args(list(argv))


def run_command(workdir: Path, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    environment = {**os.environ, "DBT_DUCKDB_PATH": str(workdir / "warehouse.duckdb"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "styringsoverblik.cli", "build", "--project-dir", str(PROJECT_ROOT),
         "--profiles-dir", str(PROJECT_ROOT), "--target-path", str(workdir / "target"), "--log-path",
         str(workdir / "logs"), *argv],
        cwd=workdir, env=environment, capture_output=True, text=True, timeout=900,
    )


# --------------------------------------------------------------------------------------------
# the command line


def test_the_command_is_listed_and_passes_its_options_to_dbt():
    assert cli.COMMANDS["build"][0] == "styringsoverblik.build"
    assert cli.COMMANDS["builds"][0] == "styringsoverblik.buildlog"
    args = command_args("--vars", "{strict: false}", "--profiles-dir", "/p")
    project = Project(PROJECT_ROOT)
    assert build.dbt_arguments("build", args, project) == [
        "build", "--project-dir", str(PROJECT_ROOT), "--target", "dev", "--profiles-dir", "/p", "--vars", "{strict: false}",
    ]
    args = command_args("--target", "postgres")
    assert build.dbt_arguments("parse", args, project)[3:5] == ["--target", "postgres"]


def test_the_vars_in_force_are_the_projects_defaults_with_the_given_ones_checked():
    project = Project(PROJECT_ROOT)
    checked = build.checked_vars(project, "{strict: false, extra_survey_rounds: {from_year: 2024, to_year: 2025, rubric_version: 1}}")
    assert checked["strict"] is False and checked["min_group_size"] == 3
    assert checked["extra_survey_rounds"] == [{"from_year": 2024, "to_year": 2025, "rubric_version": 1}]
    assert build.checked_vars(project, None)["raw_responses_path"] == "data/sample/responses_2023_synthetic.csv"
    with pytest.raises(settings.SettingsError, match=r"var strict = 'no' is not allowed"):
        build.checked_vars(project, "{strict: 'no'}")
    with pytest.raises(settings.SettingsError, match=r"--vars must be a YAML mapping"):
        build.checked_vars(project, "[1, 2]")


def test_exit_codes_are_dbts():
    result = types.SimpleNamespace
    assert build.runner_exit_code(result(success=True, exception=None)) == 0
    assert build.runner_exit_code(result(success=False, exception=None)) == 1
    assert build.runner_exit_code(result(success=False, exception=RuntimeError("x"))) == 2


def test_a_missing_project_is_named(tmp_path, capsys):
    assert build.run(command_args("--project-dir", str(tmp_path))) == 2
    assert "no dbt project at" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# DuckDB: the command is `dbt build`


def test_on_duckdb_the_command_builds_and_publishes_as_dbt_build_does(tmp_path):
    workdir = tmp_path / "ok"
    workdir.mkdir()
    done = run_command(workdir, "--vars", f"{{raw_responses_path: '{HAND_FIXTURE}', export_path: '{workdir / 'exports'}'}}")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    (latest,) = query(workdir / "warehouse.duckdb", "select build_id, status, command from ops.build_runs")
    assert latest["status"] == "published" and latest["command"] == "build"
    assert f"build {latest['build_id']}: loaded " in done.stdout
    assert f"build {latest['build_id']} published to schema marts and {workdir / 'exports' / 'builds' / latest['build_id']}" in done.stdout
    assert query(workdir / "warehouse.duckdb", "select build_id from marts.dim_builds where is_current") == [
        {"build_id": latest["build_id"]}
    ]


def test_on_duckdb_a_rejected_row_fails_with_the_summary_and_exit_code_1(tmp_path):
    workdir = tmp_path / "bad"
    workdir.mkdir()
    responses = every_reason_file(workdir)
    failed = run_command(workdir, "--vars", f"{{raw_responses_path: '{responses}', export_path: '{workdir / 'exports'}'}}")
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "Rejected raw response rows (file:line [reason] message):" in failed.stdout
    assert "10 raw response row(s) rejected, 0 exact repeat(s) counted once" in failed.stdout
    assert failed.stdout.count(GATE_LINE) >= 1
    (attempt,) = query(workdir / "warehouse.duckdb", "select status, reason from ops.build_runs")
    assert attempt == {"status": "failed", "reason": f"1 node(s) failed (fct_response_rows): {GATE_LINE}"}


def test_on_duckdb_a_held_warehouse_is_the_plugins_message(tmp_path):
    workdir = tmp_path / "busy"
    workdir.mkdir()
    database = workdir / "warehouse.duckdb"
    duckdb.connect(str(database)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
         str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = run_command(workdir, "--vars", f"{{export_path: '{workdir / 'exports'}'}}")
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert busy.returncode == 2, busy.stdout[-3000:]
    output = busy.stdout + busy.stderr
    assert f"The warehouse file '{database}' is in use by" in output and "STYRINGSOVERBLIK_LOCK_WAIT_SECONDS" in output


# --------------------------------------------------------------------------------------------
# PostgreSQL


def pg_kwargs(env: dict) -> dict:
    return {"host": env["PGHOST"], "port": env["PGPORT"], "user": env["PGUSER"], "dbname": env["PGDATABASE"],
            "password": env.get("PGPASSWORD", "")}


HOLD_LOCK = """
import sys
from styringsoverblik import build
from styringsoverblik.targets import connect_postgres
with connect_postgres(autocommit=True, application_name=sys.argv[1]) as con:
    build.acquire_build_lock(con, 0)
    print(con.info.backend_pid, flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def pg_env(postgres_cluster, monkeypatch):
    env = postgres_cluster.create_database("buildcmd")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@contextlib.contextmanager
def holding_the_lock(env: dict, name: str):
    """Another process, named `name` on the server, holding the build lock of env's database
    until its stdin closes."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, name], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, **env})
    try:
        pid = int(holder.stdout.readline())
        yield holder, pid
    finally:
        if holder.poll() is None:
            holder.stdin.close()
            holder.wait(timeout=60)


@pytest.fixture
def lock_holder(pg_env):
    with holding_the_lock(pg_env, "holder") as held:
        yield held


def test_one_build_at_a_time_on_postgresql(pg_env, lock_holder):
    from styringsoverblik.targets import connect_postgres

    holder, pid = lock_holder
    with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
        with pytest.raises(build.WarehouseBusy) as busy:
            build.acquire_build_lock(con, 0)
        message = str(busy.value)
        assert f"is in use by another build (holder), PID {pid} on the server" in message
        assert "Nothing was changed" in message and "STYRINGSOVERBLIK_LOCK_WAIT_SECONDS=<seconds>" in message
        # waiting: the lock is taken once the other build ends (no time limit is what is tested)
        waited: list[BaseException | None] = []
        thread = threading.Thread(target=lambda: waited.append(_acquire(con, 600)))
        thread.start()
        holder.stdin.close()
        holder.wait(timeout=60)
        thread.join(timeout=600)
        assert waited == [None]


def test_a_build_of_another_warehouse_on_the_server_is_neither_a_wait_nor_the_named_holder(
        postgres_cluster, pg_env, lock_holder):
    from styringsoverblik.targets import connect_postgres

    other = postgres_cluster.create_database("otherwarehouse")
    _, pid = lock_holder
    with holding_the_lock(other, "other warehouse") as (_, other_pid):
        # this database's holder is named, never the other warehouse's build
        with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
            with pytest.raises(build.WarehouseBusy) as busy:
                build.acquire_build_lock(con, 0)
        message = str(busy.value)
        assert f"another build (holder), PID {pid} on the server" in message
        assert "other warehouse" not in message and f"PID {other_pid} " not in message
    # a third warehouse builds beside the other: advisory locks belong to one database, and
    # the other's build is no holder of the third's lock
    third = postgres_cluster.create_database("thirdwarehouse")
    with holding_the_lock(other, "other warehouse"):
        with connect_postgres(autocommit=True, **pg_kwargs(third)) as con:
            assert build.lock_holder(con) == "another build"
            assert build.acquire_build_lock(con, 0) is None


def _acquire(con, wait):
    try:
        build.acquire_build_lock(con, wait)
    except BaseException as error:  # the thread's outcome, checked by the test
        return error
    return None


def test_the_command_on_a_busy_postgresql_says_so_and_changes_nothing(pg_env, lock_holder, tmp_path):
    busy = run_command(tmp_path, "--target", "postgres")
    assert busy.returncode == 2
    assert "is in use by another build (holder)" in busy.stderr and "Nothing was changed" in busy.stderr
    from styringsoverblik.targets import connect_postgres

    with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
        assert con.execute("select to_regclass('ops.build_runs')").fetchone() == (None,)


@dataclass
class Node:
    resource_type: str
    fqn: list[str]
    depends_on: types.SimpleNamespace = field(default_factory=lambda: types.SimpleNamespace(nodes=[]))


MART = "model.styringsoverblik.fct_total_scores"
MART_TEST = "test.styringsoverblik.not_null_fct_total_scores.1"
MANIFEST = types.SimpleNamespace(nodes={
    "model.styringsoverblik.stg_raw_responses": Node("model", ["styringsoverblik", "staging", "stg_raw_responses"]),
    MART: Node("model", ["styringsoverblik", "marts", "fct_total_scores"]),
    MART_TEST: Node("test", ["styringsoverblik", "not_null"], types.SimpleNamespace(nodes=[MART])),
})


def fake_runner(pg_env: dict, build_results: list[dict], classified_rows: list[tuple], seen: dict):
    """dbt's runner as the stages see it: parse gives the manifest; build (with the build id in the
    environment) leaves the classification behind and returns its results."""
    import os

    from styringsoverblik.targets import connect_postgres

    class Runner:
        def __init__(self, manifest=None):
            self.manifest = manifest

        def invoke(self, argv):
            seen.setdefault("argv", []).append(argv)
            if argv[0] == "parse":
                return types.SimpleNamespace(success=True, exception=None, result=MANIFEST)
            assert self.manifest is MANIFEST
            seen["build_id"] = os.environ[build.BUILD_ID_ENV]
            with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
                seen["raw_rows"] = con.execute("select count(*) from raw.raw_responses").fetchone()[0]
                con.execute("create schema intermediate")
                con.execute("create table intermediate.int_survey_rounds as select 2023 as survey_year")
                con.execute(
                    "create table intermediate.int_responses_classified (source_file text, source_line_number integer,"
                    " response_row_id text, row_status text, reject_reason text, is_blocking boolean, reject_message text)"
                )
                with con.cursor() as cur:
                    cur.executemany("insert into intermediate.int_responses_classified values (%s, %s, %s, %s, %s, %s, %s)",
                                    classified_rows)
            results = [types.SimpleNamespace(node=types.SimpleNamespace(unique_id=r["unique_id"]), status=r["status"],
                                             message=r.get("message")) for r in build_results]
            return types.SimpleNamespace(success=True, exception=None, result=types.SimpleNamespace(results=results))

    return Runner


@pytest.fixture
def fake_publish(monkeypatch):
    """publish_postgres's publish and settle replaced by stand-ins that record their arguments
    (the real ones are tested in test_publish_postgres): the module's own functions are replaced,
    so the stand-ins are used whichever tests imported the module before."""
    from styringsoverblik import publish_postgres

    calls: dict = {}

    def publish(con, *, build_id, tables, log_tables, keep, export_root):
        calls["publish"] = {"build_id": build_id, "tables": tables, "log_tables": log_tables, "keep": keep,
                            "export_root": export_root}
        con.execute("update ops.build_runs set status = 'published' where build_id = %s", [build_id])
        con.commit()
        return "schema marts", []

    def settle(con, export_root):
        calls["settle"] = export_root
        return []

    monkeypatch.setattr(publish_postgres, "publish", publish)
    monkeypatch.setattr(publish_postgres, "settle", settle)
    return calls


def stages(pg_env, tmp_path, runner, vars_text: str) -> int:
    from dbt.version import __version__ as dbt_version

    from styringsoverblik.targets import connect_postgres

    project = Project(PROJECT_ROOT)
    args = command_args("--target", "postgres", "--vars", vars_text)
    variables = build.checked_vars(project, vars_text)
    with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as log, connect_postgres(**pg_kwargs(pg_env)) as work:
        return build.locked_build(args, project, variables, log, work, runner, dbt_version)


def test_postgresql_stages_publish_a_passed_build(pg_env, tmp_path, fake_publish, capsys):
    seen: dict = {}
    results = [{"unique_id": MART, "status": "success"}, {"unique_id": MART_TEST, "status": "pass"}]
    rows = [("a.csv", 2, "a.csv:2", "valid", None, None, None)]
    code = stages(pg_env, tmp_path, fake_runner(pg_env, results, rows, seen),
                  f"{{raw_responses_path: '{HAND_FIXTURE}', export_path: '{tmp_path / 'exports'}', export_keep_builds: 3}}")
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code == 0, out
    build_id = seen["build_id"]
    assert [argv[0] for argv in seen["argv"]] == ["parse", "build"]
    assert seen["raw_rows"] == HAND_FIXTURE.read_text(encoding="utf-8").count("\n") - 1  # ingested before dbt ran
    assert f"build {build_id}: loaded {seen['raw_rows']} raw response rows from 1 file(s)" in out
    assert out.splitlines()[-1] == f"build {build_id} published to schema marts"
    call = fake_publish["publish"]
    assert call["tables"] == ["fct_total_scores"] and call["keep"] == 2  # 3 build folders: the published + 2
    assert call["export_root"] == tmp_path / "exports" and fake_publish["settle"] == tmp_path / "exports"
    assert set(call["log_tables"]) == {"dim_builds", "fct_build_input_files"}
    assert all("%(build_id)s" in sql and build_id not in sql for sql in call["log_tables"].values())
    from styringsoverblik.targets import connect_postgres

    with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
        assert con.execute("select build_id, status, selection from ops.build_runs").fetchall() == [
            (build_id, "published", "1 of 1 marts selected")
        ]
        assert con.execute("select file_path, raw_rows from ops.build_input_files").fetchall() == [
            (str(HAND_FIXTURE), seen["raw_rows"])
        ]
    assert cli.main(["builds", "--target", "postgres"]) == 0  # the log on the server (PG* variables)
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "published build: (none)"  # the stand-in published no marts.dim_builds
    assert listed[1].startswith(f"  {build_id}  build  published ")


def test_postgresql_stages_record_a_failed_gate_with_its_summary(pg_env, tmp_path, fake_publish, capsys):
    seen: dict = {}
    gate = f"Database Error in model fct_response_rows (models/marts/quality/fct_response_rows.sql)\n  {GATE_LINE}\n"
    results = [{"unique_id": "model.styringsoverblik.fct_response_rows", "status": "error", "message": gate},
               {"unique_id": MART, "status": "skipped"}]
    rows = [("a.csv", 2, "a.csv:2", "valid", None, None, None),
            ("a.csv", 3, "a.csv:3", "rejected", "unknown_answer", True, "'Måske' is no option of Q1")]
    code = stages(pg_env, tmp_path, fake_runner(pg_env, results, rows, seen), f"{{raw_responses_path: '{HAND_FIXTURE}', export_path: '{tmp_path / 'exports'}'}}")
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[-4:] == [
        "Rejected raw response rows (file:line [reason] message):",
        "  a.csv:3 [unknown_answer] 'Måske' is no option of Q1",
        "1 raw response row(s) rejected, 0 exact repeat(s) counted once",
        f"build {seen['build_id']} failed: 1 node(s) failed (fct_response_rows): {GATE_LINE}; Power BI keeps the published build",
    ]
    assert "publish" not in fake_publish
    from styringsoverblik.targets import connect_postgres

    with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
        assert con.execute("select status, reason, survey_years from ops.build_runs").fetchall() == [
            ("failed", f"1 node(s) failed (fct_response_rows): {GATE_LINE}", "2023")
        ]


def test_postgresql_stages_record_an_unreadable_input_as_failed(pg_env, tmp_path, fake_publish, capsys):
    seen: dict = {}
    code = stages(pg_env, tmp_path, fake_runner(pg_env, [], [], seen), f"{{raw_responses_path: '{tmp_path / 'none_*.csv'}', export_path: '{tmp_path / 'exports'}'}}")
    err = capsys.readouterr().err
    assert code == 2 and "build" not in seen  # not started, as a DuckDB build whose input cannot be read
    assert err.count("error: ") == 1 and "none_*.csv" in err
    from styringsoverblik.targets import connect_postgres

    with connect_postgres(autocommit=True, **pg_kwargs(pg_env)) as con:
        ((status, reason),) = con.execute("select status, reason from ops.build_runs").fetchall()
        assert status == "failed" and reason.startswith("input not loaded: ") and "none_*.csv" in reason
        assert con.execute("select to_regclass('raw.raw_responses')").fetchone() == (None,)
        assert buildlog.pending_build(con) is None
