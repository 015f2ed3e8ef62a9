"""The scheduled command on PostgreSQL, end to end (issue 19): `styringsoverblik build --target
postgres` ingests, builds and publishes; a reader reading every mart in one REPEATABLE READ
transaction during builds always sees one whole build, also when a build is killed in any of its
stages; a failed strict gate publishes nothing; logins see what they may.

One database, built in order: the sample (build A) is published first; then builds of the
hand-computed fixture (build B) are killed at each stage while a reader reads, and one runs to
the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from conftest import (
    HAND_FIXTURE,
    SAMPLE,
    STYRINGSOVERBLIK,
    _libpq_kwargs,
    every_reason_file,
    postgres_build,
    postgres_build_command,
    postgres_env,
)

pytestmark = pytest.mark.usefixtures("postgres_cluster")


def connect(env: dict[str, str], **kwargs) -> psycopg.Connection:
    return psycopg.connect(**_libpq_kwargs(env), **kwargs)


def published_marts(con: psycopg.Connection) -> list[str]:
    rows = con.cursor(row_factory=tuple_row).execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def marts_snapshot(con: psycopg.Connection) -> tuple[tuple[str, str], ...]:
    """Every published mart's content as one digest per mart (rows as text, sorted), read in the
    caller's transaction."""
    digests = []
    for mart in published_marts(con):
        query = sql.SQL("select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from {} as t").format(
            sql.Identifier("marts", mart)
        )
        digests.append((mart, con.execute(query).fetchone()[0]))
    return tuple(digests)


def published_snapshot(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    with connect(env) as con:
        con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with con.transaction():
            return marts_snapshot(con)


class Reader(threading.Thread):
    """Reads every published mart in one REPEATABLE READ transaction, again and again, until
    stopped; keeps each distinct snapshot and any error."""

    def __init__(self, env: dict[str, str]):
        super().__init__(daemon=True)
        self.env, self.stop, self.snapshots, self.errors, self.reads = env, threading.Event(), set(), [], 0

    def run(self) -> None:
        with connect(self.env) as con:
            con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            while not self.stop.is_set():
                try:
                    with con.transaction():
                        self.snapshots.add(marts_snapshot(con))
                    self.reads += 1
                except psycopg.Error as error:  # a reader must never fail because a build runs
                    self.errors.append(f"{type(error).__name__}: {error}")
                    return


def state(env: dict[str, str], build_id_before: set[str]) -> str:
    """Where the newest build attempt is: 'starting', 'ingested', 'transforming', 'publishing'
    (read from the build log and the catalog, never from timing)."""
    with connect(env, autocommit=True) as con:
        rows = con.execute("select build_id, status from ops.build_runs").fetchall()
        new = [(build_id, status) for build_id, status in rows if build_id not in build_id_before]
        if not new:
            return "starting"
        build_id, status = new[0]
        if status == "publishing":
            return "publishing"
        if status != "running":
            return status
        tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts_audit'"
        ).fetchone()[0]
        if tables >= 5:
            return "transforming"
        files = con.execute("select count(*) from ops.build_input_files where build_id = %s", [build_id]).fetchone()[0]
        return "ingested" if files else "starting"


@pytest.fixture(scope="module")
def server(postgres_cluster, tmp_path_factory) -> dict:
    """A database with the sample published by `styringsoverblik build --target postgres`."""
    env = postgres_cluster.create_database("e2e")
    run = postgres_build(SAMPLE, env, tmp_path_factory.mktemp("e2e_a"))
    assert run.returncode == 0, run.output[-5000:]
    return {"env": env, "a": run, "work": tmp_path_factory.mktemp("e2e_work")}


def test_the_command_publishes_the_sample_with_its_log(server):
    env, run = server["env"], server["a"]
    assert "published to schema marts" in run.output
    with connect(env) as con:
        (current,) = con.execute("select build_id from marts.dim_builds where is_current").fetchone()
        assert f"build {current} published" in run.output
        (status,) = con.execute("select status from ops.build_runs where build_id = %s", [current]).fetchone()
        assert status == "published"
        # 72 municipalities of the synthetic sample, each with a total score
        assert con.execute("select count(*) from marts.fct_total_scores").fetchone()[0] == 72
        assert con.execute("select to_regnamespace('marts_audit')").fetchone()[0] is None


def test_a_reader_sees_one_whole_build_while_builds_are_killed_in_every_stage(server):
    env, work = server["env"], server["work"]
    build_a = published_snapshot(env)
    reader = Reader(env)
    reader.start()
    after_kills = []
    try:
        for stage in ("ingested", "transforming", "publishing"):
            with connect(env, autocommit=True) as con:
                before = {build_id for (build_id,) in con.execute("select build_id from ops.build_runs")}
            # the publishing stage held open whatever the machine's speed: a transaction whose snapshot
            # is older than the audited set makes the publish wait before its swap
            # (publish_postgres.wait_for_older_snapshots), so the poll always sees the stage
            older = connect(env) if stage == "publishing" else None
            if older is not None:
                older.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                older.execute("select count(*) from marts.dim_builds").fetchone()
            try:
                proc = subprocess.Popen(
                    postgres_build_command(HAND_FIXTURE, env, work / stage), cwd=work, env=postgres_env(env),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                )
                reached = None
                while proc.poll() is None:
                    reached = state(env, before)
                    if reached == stage:
                        os.killpg(proc.pid, signal.SIGKILL)
                        break
                    time.sleep(0.02)
                proc.wait()
            finally:
                if older is not None:
                    older.rollback()
                    older.close()
            after_kills.append((stage, reached, published_snapshot(env)))
        finished = postgres_build(HAND_FIXTURE, env, work / "complete")
        assert finished.returncode == 0, finished.output[-5000:]
        build_b = published_snapshot(env)
        # the reader goes on reading the new build for a moment: its last snapshots are whole too
        reads = reader.reads
        while reader.reads < reads + 3 and not reader.errors:
            time.sleep(0.05)
    finally:
        reader.stop.set()
        reader.join(timeout=120)
    assert reader.errors == []
    assert build_a != build_b
    assert {mart for mart, _ in build_a} == {mart for mart, _ in build_b}
    # each snapshot a reader took is build A or build B, whole: never a mix, never an empty table
    assert reader.snapshots <= {build_a, build_b}, [
        [mart for (mart, digest), (_, a) in zip(snapshot, build_a) if digest != a] for snapshot in reader.snapshots
    ]
    assert build_b in reader.snapshots
    # every stage is caught, and a killed build leaves the published build whole: A
    assert [reached for _, reached, _ in after_kills] == ["ingested", "transforming", "publishing"]
    for stage, reached, snapshot in after_kills:
        assert snapshot == build_a, (stage, reached)
    # the killed attempts are recorded as interrupted by the next build, none is left running
    with connect(env) as con:
        statuses = [status for (status,) in con.execute("select status from ops.build_runs")]
    assert "running" not in statuses and "publishing" not in statuses
    assert statuses.count("interrupted") >= 1


def test_a_failed_strict_gate_publishes_nothing_and_says_why(server, tmp_path):
    env = server["env"]
    before = published_snapshot(env)
    responses = every_reason_file(tmp_path)
    run = postgres_build(responses, env, tmp_path / "gate")
    assert run.returncode == 1, run.output[-3000:]
    assert "raw response row(s) rejected (strict mode; --vars '{strict: false}' builds from the valid rows)" in run.output
    assert "Rejected raw response rows (file:line [reason] message):" in run.output
    assert "Power BI keeps the published build" in run.output
    # the build's own line has the gate's message as on DuckDB, without PostgreSQL's PL/pgSQL context
    (verdict,) = [line for line in run.output.splitlines() if line.startswith("build ") and " failed: " in line]
    assert "CONTEXT" not in verdict
    assert published_snapshot(env) == before
    with connect(env) as con:
        (status,) = con.execute("select status from ops.build_runs order by started_at desc limit 1").fetchone()
    assert status == "failed"


def test_a_municipality_login_sees_its_rows_and_the_national_marts_a_reader_sees_all(server):
    env = server["env"]
    password = "s3cret-ÆØÅ"
    with connect(env, autocommit=True, row_factory=dict_row) as con:
        municipality = con.execute("select min(municipality_code) as code from marts.fct_total_scores").fetchone()["code"]
        marts = published_marts(con)
        with_code = {
            row["table_name"]
            for row in con.execute(
                "select table_name from information_schema.columns where table_schema = 'marts'"
                " and column_name = 'municipality_code'"
            )
        }
        counts = {}
        for mart in marts:
            identifier = sql.Identifier("marts", mart)
            total = con.execute(sql.SQL("select count(*) as n from {}").format(identifier)).fetchone()["n"]
            own = (
                con.execute(sql.SQL("select count(*) as n from {} where municipality_code = %s").format(identifier), [municipality]).fetchone()["n"]
                if mart in with_code else total
            )
            counts[mart] = (total, own)
    assert {"fct_total_scores", "fct_question_scores", "fct_response_rows"} <= with_code
    assert {"dim_themes", "dim_questions"} <= set(marts) - with_code
    login_env = {**os.environ, "STYRINGSOVERBLIK_TEST_PASSWORD": password, **postgres_env(env)}
    for argv in (
        ["--municipality", str(municipality), "--login", "e2e_municipality"],
        ["--reader", "--login", "e2e_reader"],
    ):
        proc = subprocess.run(
            [STYRINGSOVERBLIK, "grant", "--target", "postgres",
             *argv, "--password-env", "STYRINGSOVERBLIK_TEST_PASSWORD"],
            env=login_env, capture_output=True, text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    for login, expected in (("e2e_municipality", 1), ("e2e_reader", 0)):
        tcp = {**env, "PGHOST": "127.0.0.1", "PGUSER": login, "PGPASSWORD": password}
        with connect(tcp, row_factory=dict_row) as con:
            for mart in marts:
                seen = con.execute(sql.SQL("select count(*) as n from {}").format(sql.Identifier("marts", mart))).fetchone()["n"]
                assert seen == counts[mart][expected], (login, mart)
            if login == "e2e_municipality":
                codes = con.execute("select distinct municipality_code from marts.fct_question_scores").fetchall()
                assert codes == [{"municipality_code": municipality}]
