"""Synthetic audited builds on PostgreSQL, for the publish and security tests (and the publisher
process the kill test starts): small marts with a `build_id` column, so a reader can tell builds
apart, and ops.build_runs with the columns of the build log."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import psycopg
from psycopg import sql

from styringsoverblik import buildlog


# municipality -> score; the rows every synthetic build has (scores shifted by the build's number)
MUNICIPALITIES = {101: "København", 147: "Frederiksberg", 151: "Ballerup"}
MARTS = ("dim_municipalities", "fct_national", "fct_response_rows", "fct_scores")
SECURED = ("dim_municipalities", "fct_response_rows", "fct_scores")
LOG_TABLES = {
    "dim_builds": (
        "select runs.build_id, runs.build_id = %(build_id)s as is_current, runs.published_at as finished_at"
        " from ops.build_runs as runs where runs.status = 'published' or runs.build_id = %(build_id)s"
    ),
    "fct_build_input_files": (
        "select files.build_id, files.file_path, files.raw_rows from ops.build_input_files as files"
        " inner join ops.build_runs as runs on files.build_id = runs.build_id"
        " where runs.status = 'published' or runs.build_id = %(build_id)s"
    ),
}
TABLES = (*MARTS, *LOG_TABLES)


def new_build_id() -> str:
    return str(uuid.uuid4())


def connect(env: dict, **kwargs) -> psycopg.Connection:
    return psycopg.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"],
        password=env.get("PGPASSWORD", ""), **kwargs,
    )


def make_audited(con: psycopg.Connection, build_id: str, number: int = 1) -> None:
    """A whole audited build in marts_audit (replacing any), recorded `running` in ops.build_runs."""
    with con.transaction():
        buildlog.ensure_ops(con)  # the build log as the build command creates it
        con.execute("drop schema if exists marts_audit cascade")
        con.execute("create schema marts_audit")
        con.execute(
            "insert into ops.build_runs (build_id, command, status, started_at) values (%s, 'build', 'running', %s)",
            [build_id, datetime.now(timezone.utc).replace(tzinfo=None)],
        )
        con.execute(
            "insert into ops.build_input_files (build_id, file_path, raw_rows) values (%s, 'responses.csv', 4)", [build_id]
        )
        con.execute(
            "create table marts_audit.dim_municipalities"
            " (build_id text not null, municipality_code integer not null, municipality_name text)"
        )
        con.execute("create table marts_audit.fct_scores (build_id text not null, municipality_code integer not null, score double precision)")
        con.execute("create table marts_audit.fct_response_rows (build_id text not null, municipality_code integer, raw_text text)")
        con.execute("create table marts_audit.fct_national (build_id text not null, subject text, mean_score double precision)")
        for code, name in MUNICIPALITIES.items():
            con.execute("insert into marts_audit.dim_municipalities values (%s, %s, %s)", [build_id, code, name])
            con.execute("insert into marts_audit.fct_scores values (%s, %s, %s)", [build_id, code, code / 10 + number])
            con.execute("insert into marts_audit.fct_response_rows values (%s, %s, %s)", [build_id, code, f"row of {code}"])
        con.execute("insert into marts_audit.fct_response_rows values (%s, null, 'code not a number')", [build_id])
        con.execute("insert into marts_audit.fct_national values (%s, 'total', %s), (%s, 'Q1', 0.5)", [build_id, number, build_id])


def builds_in(con: psycopg.Connection, schema: str = "marts", between=None) -> dict[str, set[str]]:
    """Each table's set of build ids (the log tables: the build marked current); `between()` is
    called between two tables."""
    seen = {}
    for table in TABLES:
        if between is not None and seen:
            between()
        where = sql.SQL(" where is_current") if table == "dim_builds" else sql.SQL("")
        query = sql.SQL("select distinct build_id from {}").format(sql.Identifier(schema, table)) + where
        if table == "fct_build_input_files":
            query = sql.SQL(
                "select distinct f.build_id from {} f join {} b on b.build_id = f.build_id where b.is_current"
            ).format(sql.Identifier(schema, table), sql.Identifier(schema, "dim_builds"))
        seen[table] = {row[0] for row in con.execute(query).fetchall()}
    return seen


def one_build(seen: dict[str, set[str]]) -> str:
    """The one build every table holds; AssertionError naming the tables when it is a mix."""
    ids = set().union(*seen.values())
    assert len(ids) == 1 and all(len(v) == 1 for v in seen.values()), f"not one whole build: {seen}"
    return ids.pop()
