"""The stages one at a time, on both engines: judge (pure), the build log (ops.*, portable SQL on
DuckDB and a real PostgreSQL), ingest (files -> raw.* and the input-file rows in one transaction).
Expected values are written by hand from the inputs."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from conftest import FIXTURES, PROJECT_ROOT
from styringsoverblik import buildlog, ingest
from styringsoverblik.buildlog import BuildFailed, Log, recorded_failure
from styringsoverblik.context import BuildContext
from styringsoverblik.judge import judge, node_message, node_name
from styringsoverblik.loader import LoadError
from styringsoverblik.project import Project

MARTS = ["model.styringsoverblik.fct_a", "model.styringsoverblik.dim_b"]
TESTS = ["test.styringsoverblik.not_null_a.1", "test.styringsoverblik.unique_b.2"]
LONG_HEADER = "municipality_code,survey_year,question_no,item,answer"
VARS = {"strict": True, "q17_neutral_scope": "all", "min_group_size": 3, "raw_responses_path": "in/*.csv"}


def context(command: str = "build", results: list[dict] | None = None, selected=None) -> BuildContext:
    return BuildContext("b1", command, str(PROJECT_ROOT), selected=selected if selected is not None else MARTS,
                        marts=MARTS, mart_tests=TESTS, results=results or [])


def ok(*ids: str, status: str = "success") -> list[dict]:
    return [{"unique_id": i, "status": status, "message": ""} for i in ids]


# --------------------------------------------------------------------------------------------
# judge


def test_judge_publishes_only_every_mart_built_and_every_test_passed():
    every = ok(*MARTS) + ok(TESTS[0], status="pass") + ok(TESTS[1], status="warn")
    assert judge(context(results=every), audit_only=False).status == "published"
    partial = ok(MARTS[0]) + ok(*TESTS, status="pass")
    outcome = judge(context(results=partial, selected=MARTS[:1]), audit_only=False)
    assert outcome.status == "not_published"
    assert outcome.reason == "the selection built 1 of 2 marts; only a build of every mart is published"
    untested = ok(*MARTS) + ok(TESTS[0], status="pass")
    outcome = judge(context(results=untested), audit_only=False)
    assert (outcome.status, outcome.reason) == (
        "not_published",
        "1 of 2 data tests on the marts ran and passed; a build is published only when all of them pass",
    )


def test_judge_after_run_and_test():
    run = judge(context("run", ok(*MARTS)), audit_only=False)
    assert (run.status, run.reason) == ("built", "every mart built; awaiting audit: run `dbt test` to test and publish it")
    assert judge(context("test", ok(TESTS[0], status="pass")), audit_only=True).status == "built"  # incomplete audit
    assert judge(context("test", ok(*TESTS, status="pass")), audit_only=True).status == "published"


def test_judge_names_at_most_five_failed_nodes_and_the_first_message_without_dbts_frame():
    failed = [
        {"unique_id": f"test.styringsoverblik.t{i}.x", "status": "fail", "message": "Got 1 result, configured to fail if != 0"}
        for i in range(7)
    ]
    failed[0]["message"] = (
        "Runtime Error in model fct_a (models/marts/fct_a.sql)\n  Invalid Input Error: 3 rows rejected\n"
        "  compiled code at target/run/fct_a.sql"
    )
    outcome = judge(context(results=ok(*MARTS) + failed), audit_only=False)
    assert (outcome.status, outcome.reason) == ("failed", "7 node(s) failed (t0, t1, t2, t3, t4 and 2 more): 3 rows rejected")
    assert node_message("Database Error in model x (models/x.sql)\n  boom\n") == "boom"
    # PostgreSQL: the strict gate's exception carries PL/pgSQL's context line; the message is the same as DuckDB's
    assert node_message(
        "Database Error in model fct_response_rows (models/marts/quality/fct_response_rows.sql)\n"
        "  1 raw response row(s) rejected (strict mode); listed in the build summary\n"
        "  CONTEXT:  PL/pgSQL function inline_code_block line 9 at RAISE\n"
        "  compiled code at target/run/x.sql"
    ) == "1 raw response row(s) rejected (strict mode); listed in the build summary"
    assert node_name("model.styringsoverblik.fct_a") == "fct_a" and node_name("odd") == "odd"


# --------------------------------------------------------------------------------------------
# the build log on both engines


@pytest.fixture(params=["duckdb", "postgres"])
def log_con(request, tmp_path):
    """A connection to an empty warehouse of each engine (PostgreSQL: autocommit, as the build's log connection)."""
    if request.param == "duckdb":
        with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
            yield con
        return
    from styringsoverblik.targets import connect_postgres

    env = request.getfixturevalue("postgres_cluster").create_database("stages")
    with connect_postgres(autocommit=True, **pg_kwargs(env)) as con:
        yield con


def pg_kwargs(env: dict) -> dict:
    return {"host": env["PGHOST"], "port": env["PGPORT"], "user": env["PGUSER"], "dbname": env["PGDATABASE"],
            "password": env.get("PGPASSWORD", "")}


def test_the_build_log_records_attempts_on_either_engine(log_con):
    log = Log(log_con)
    buildlog.ensure_ops(log_con)
    buildlog.ensure_ops(log_con)  # twice: nothing to add
    buildlog.record_attempt(log_con, "old", "build", "1.11", "0.1.0", VARS, "2 of 2 marts selected")
    buildlog.mark_interrupted(log_con)  # a new build finds it still running: killed
    buildlog.record_attempt(log_con, "new", "run", "1.11", "0.1.0", {**VARS, "strict": False}, "2 of 2 marts selected")
    buildlog.finish(log_con, "new", "built", "every mart built")
    rows = log.all("select build_id, command, status, reason, strict, min_group_size, finished_at is not null"
                   " from ops.build_runs order by build_id")
    assert rows == [
        ("new", "run", "built", "every mart built", False, 3, True),
        ("old", "build", "interrupted", "the dbt process ended before the build finished", True, 3, False),
    ]
    assert buildlog.pending_build(log_con) == "new"
    assert buildlog.table_exists(log_con, "ops", "build_runs") and not buildlog.table_exists(log_con, "ops", "nope")


def test_a_failure_is_recorded_on_either_engine(log_con):
    buildlog.ensure_ops(log_con)
    buildlog.record_attempt(log_con, "b1", "build", "1.11", "0.1.0", VARS, "")
    with pytest.raises(BuildFailed) as failure:
        with recorded_failure(log_con, "b1", "input not loaded", subject="in/*.csv"):
            raise LoadError("Response file 'in/a.csv' is empty (0 bytes)")
    assert str(failure.value) == "Response file 'in/a.csv' is empty (0 bytes)"
    assert Log(log_con).one("select status, reason from ops.build_runs") == (
        "failed", "input not loaded: Response file 'in/a.csv' is empty (0 bytes)")


def seed_log(log_con) -> None:
    """Three attempts: p1 published with two files, f2 failed with one, p3 (the current one) with one."""
    buildlog.ensure_ops(log_con)
    log = Log(log_con)
    for build_id, status, day in (("p1", "published", 1), ("f2", "failed", 2), ("p3", "running", 3)):
        log.execute(
            "insert into ops.build_runs (build_id, command, status, started_at, published_at, strict) values (?, 'build', ?, ?, ?, true)",
            [build_id, status, datetime(2026, 1, day), datetime(2026, 1, day, 1) if status != "failed" else None],
        )
    files = [("p1", "a.csv", 10, 8, 2, True), ("p1", "b.csv", 5, 5, 0, None), ("f2", "c.csv", 7, None, None, False),
             ("p3", "a.csv", 4, 4, 0, False)]
    log.executemany(
        "insert into ops.build_input_files (build_id, file_path, raw_rows, valid_rows, rejected_rows, is_synthetic)"
        " values (?, ?, ?, ?, ?, ?)",
        [list(f) for f in files],
    )


def test_the_published_log_tables_are_the_same_on_either_engine(log_con):
    seed_log(log_con)
    sql = buildlog.log_table_sql("p3")
    log = Log(log_con)
    builds = log.all(f"select build_id, is_current, input_files, raw_rows, valid_rows, rejected_rows, is_synthetic from ({sql['dim_builds']}) as b")
    # the failed attempt is left out; p1: 2 files, 10 + 5 rows, 8 + 5 valid, 2 + 0 rejected, one synthetic file
    assert builds == [("p1", False, 2, 15, 13, 2, True), ("p3", True, 1, 4, 4, 0, False)]
    files = log.all(f"select build_id, file_path, is_synthetic from ({sql['fct_build_input_files']}) as f")
    assert files == [("p1", "a.csv", True), ("p1", "b.csv", False), ("p3", "a.csv", False)]


def classified(log_con, rows: list[tuple]) -> None:
    """intermediate.int_responses_classified and int_survey_rounds as the build would leave them."""
    log = Log(log_con)
    log.execute("create schema if not exists intermediate")
    log.execute("create table intermediate.int_survey_rounds (survey_year integer)")
    log.executemany("insert into intermediate.int_survey_rounds values (?)", [[2021], [2022], [2023], [2025]])
    log.execute(
        "create table intermediate.int_responses_classified (source_file varchar, source_line_number integer,"
        " response_row_id varchar, row_status varchar, reject_reason varchar, is_blocking boolean, reject_message varchar)"
    )
    log.executemany("insert into intermediate.int_responses_classified values (?, ?, ?, ?, ?, ?, ?)", [list(r) for r in rows])


def test_record_counts_lists_the_rejected_rows_on_either_engine(log_con):
    seed_log(log_con)
    classified(log_con, [
        ("a.csv", 2, "a.csv:2", "valid", None, None, None),
        ("a.csv", 3, "a.csv:3", "rejected", "duplicate_answer", False, "same as line 2"),
        ("a.csv", 4, "a.csv:4", "rejected", "unknown_answer", True, "'Måske' is no option"),
        ("b.csv", 9, "b.csv:9", "rejected", "unknown_item", True, "no item 'X'"),
    ])
    summary = buildlog.record_counts(log_con, "p3", [])
    assert summary.splitlines() == [
        "Rejected raw response rows (file:line [reason] message):",
        "  a.csv:4 [unknown_answer] 'Måske' is no option",  # blocking first, by file and line
        "  b.csv:9 [unknown_item] no item 'X'",
        "  a.csv:3 [duplicate_answer] same as line 2",
        "2 raw response row(s) rejected, 1 exact repeat(s) counted once",
    ]
    log = Log(log_con)
    assert log.one("select survey_years from ops.build_runs where build_id = 'p3'") == ("2021-2023, 2025",)
    assert log.one("select valid_rows, rejected_rows from ops.build_input_files where build_id = 'p3'") == (1, 2)


def test_record_counts_without_a_classification_says_nothing(log_con):
    seed_log(log_con)
    assert buildlog.record_counts(log_con, "p3", []) == ""


def test_the_log_adapter_binds_every_value():
    class Cursor:
        def __init__(self):
            self.calls = []

        def execute(self, sql, params=None):
            self.calls.append((sql, params))

    class Psycopg:
        cursor_made = Cursor()

        def cursor(self):
            return self.cursor_made

    con = Psycopg()
    Log(con).execute("update t set a = ? where b = ?", ["x'; drop table t; --", 1])
    assert con.cursor_made.calls == [("update t set a = %s where b = %s", ["x'; drop table t; --", 1])]


# --------------------------------------------------------------------------------------------
# ingest


def long_file(folder, name: str = "svar.csv", rows: tuple[str, ...] = ("101,2023,1,,Ja", "101,2023,12,§ 85,hver 3. måned")):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([LONG_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_ingest_reads_in_memory_and_writes_duckdb_in_one_transaction(tmp_path):
    inbox = tmp_path / "inbox"
    long_file(inbox)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        buildlog.ensure_ops(con)
        inputs = ingest.ingest(con, "b1", Project(PROJECT_ROOT), str(inbox / "*.csv"))
        assert inputs.summary("b1") == "build b1: loaded 2 raw response rows from 1 file(s)"
        assert con.execute(
            "select source_file, source_line_number, question_no, item, answer from raw.raw_responses order by 2"
        ).fetchall() == [
            (str(inbox / "svar.csv"), 2, "1", None, "Ja"),  # an empty field is NULL, as DuckDB reads it
            (str(inbox / "svar.csv"), 3, "12", "§ 85", "hver 3. måned"),
        ]
        # the Q12 text coded (question 12 is the rubric's free-text question): every 3 months
        assert con.execute("select answer_text, interval_months from raw.q12_codings").fetchall() == [("hver 3. måned", 3.0)]
        assert con.execute("select build_id, file_format, raw_rows from ops.build_input_files").fetchall() == [("b1", "long", 2)]
        # a file that cannot be read leaves every table as it was
        long_file(inbox, "tom.csv", rows=())
        with pytest.raises(LoadError, match=r"tom.csv' has a header but no response rows"):
            ingest.ingest(con, "b2", Project(PROJECT_ROOT), str(inbox / "*.csv"))
        assert con.execute("select count(*) from raw.raw_responses").fetchone() == (2,)
        assert con.execute("select count(*) from ops.build_input_files").fetchone() == (1,)


def test_a_failed_write_rolls_the_whole_ingest_back(tmp_path):
    inbox = tmp_path / "inbox"
    long_file(inbox)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        buildlog.ensure_ops(con)
        ingest.ingest(con, "b1", Project(PROJECT_ROOT), str(inbox / "*.csv"))
        long_file(inbox, "svar.csv", rows=("101,2023,1,,Nej",))
        # the same build id again: its file row breaks the primary key after the raw tables were replaced
        with pytest.raises(duckdb.ConstraintException):
            ingest.ingest(con, "b1", Project(PROJECT_ROOT), str(inbox / "*.csv"))
        assert con.execute("select answer from raw.raw_responses order by source_line_number").fetchall() == [("Ja",), ("hver 3. måned",)]
        assert con.execute("select count(*) from raw.q12_codings").fetchone() == (1,)


def test_ingest_writes_postgresql_with_copy_then_analyze(postgres_cluster, tmp_path):
    """The same rows on PostgreSQL as on DuckDB, a hostile file name and header value stored as data."""
    from styringsoverblik.targets import connect_postgres

    inbox = tmp_path / "inbox"
    hostile = "x'); drop table ops.build_runs; --.csv"
    long_file(inbox, hostile, rows=("101,2023,1,,Ja", "101,2023,12,§ 85,\"a'; select 1; --\"", "101,2023,12,§ 107,hver 3. måned"))
    (inbox / "wide.csv").write_bytes((FIXTURES / "wide" / "checkbox_values_and_line_numbers.csv").read_bytes())
    project = Project(PROJECT_ROOT)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        buildlog.ensure_ops(con)
        ingest.ingest(con, "b1", project, str(inbox / "*.csv"))
        expected_rows = sorted(con.execute("select * from raw.raw_responses").fetchall(), key=repr)
        expected_codings = sorted(con.execute("select * from raw.q12_codings").fetchall(), key=repr)
        expected_files = con.execute("select * exclude (valid_rows, rejected_rows) from ops.build_input_files order by file_path").fetchall()
    env = postgres_cluster.create_database("ingest")
    with connect_postgres(autocommit=True, **pg_kwargs(env)) as log, connect_postgres(**pg_kwargs(env)) as work:
        buildlog.ensure_ops(log)
        ingest.ingest(work, "b1", project, str(inbox / "*.csv"))
        rows = sorted(log.execute("select * from raw.raw_responses").fetchall(), key=repr)
        assert rows == expected_rows and len(rows) > 3
        assert (str(inbox / hostile), 3, 1, "long", None, "utf-8", ",", "101", "2023", "12", "§ 85", "a'; select 1; --", None, None) in rows
        assert sorted(log.execute("select * from raw.q12_codings").fetchall(), key=repr) == expected_codings
        files = log.execute(
            "select build_id, file_path, file_format, file_encoding, file_delimiter, file_size_bytes, file_sha256, raw_rows,"
            " sheet_name, is_synthetic from ops.build_input_files order by file_path"
        ).fetchall()
        assert files == expected_files and files[1][1] == str(inbox / hostile)
        # ANALYZE ran: the planner knows the tables' sizes (a table never analyzed has reltuples -1)
        assert log.execute(
            "select reltuples from pg_class where oid = 'raw.raw_responses'::regclass"
        ).fetchone() == (len(rows),)
        assert log.execute("select to_regclass('ops.build_runs') is not null").fetchone() == (True,)


def test_a_second_ingest_on_postgresql_keeps_the_views_that_read_the_raw_tables(postgres_cluster, tmp_path):
    """dbt's staging views read raw.*: the next ingest replaces the rows, not the tables."""
    from styringsoverblik.targets import connect_postgres

    inbox = tmp_path / "inbox"
    long_file(inbox)
    project = Project(PROJECT_ROOT)
    env = postgres_cluster.create_database("ingest2")
    with connect_postgres(autocommit=True, **pg_kwargs(env)) as log, connect_postgres(**pg_kwargs(env)) as work:
        buildlog.ensure_ops(log)
        ingest.ingest(work, "b1", project, str(inbox / "*.csv"))
        log.execute("create schema staging")
        log.execute("create view staging.answers as select answer from raw.raw_responses")
        log.execute("create view staging.codings as select answer_text from raw.q12_codings")
        long_file(inbox, rows=("101,2023,1,,Nej",))
        ingest.ingest(work, "b2", project, str(inbox / "*.csv"))
        assert log.execute("select answer from staging.answers").fetchall() == [("Nej",)]
        assert log.execute("select count(*) from staging.codings").fetchone() == (0,)
        assert log.execute("select reltuples from pg_class where oid = 'raw.raw_responses'::regclass").fetchone() == (1,)
        # a raw table of another shape (an older project version) is recreated, its views dropped with it
        log.execute("alter table raw.q12_codings drop column category")
        long_file(inbox)
        ingest.ingest(work, "b3", project, str(inbox / "*.csv"))
        assert log.execute("select answer_text, category, interval_months from raw.q12_codings").fetchall() == [
            ("hver 3. måned", "Hver 6. måned eller hyppigere", 3.0)  # every 3 months: at least every 6
        ]
        assert log.execute("select to_regclass('staging.codings')").fetchone() == (None,)
        assert log.execute("select count(*) from ops.build_input_files").fetchone() == (3,)
