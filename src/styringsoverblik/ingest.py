"""Stage 1, ingest: the response files into the target's ``raw`` schema, in one transaction.

Reading is engine-neutral: the loader (:mod:`styringsoverblik.loader`: long CSV, wide CSV,
XLSX; every hostile-input guarantee, every message) reads the files into an in-memory DuckDB,
and the free-text answers of the rubric's free-text questions are coded there
(:mod:`styringsoverblik.q12`). Writing goes to the target, in ONE transaction:

- ``raw.raw_responses``: every row with its file and line (replaced);
- ``raw.q12_codings``: the codings (replaced);
- ``ops.build_input_files``: the build's input files (size, SHA-256, rows read).

DuckDB: on the warehouse connection between ``begin`` and ``commit``, the rows handed over as
Arrow batches. PostgreSQL: ``COPY`` (``targets.copy_arrow``) inside one transaction, then
``ANALYZE`` of both tables (the planner needs their sizes; without it one mart ran for minutes).
A failure rolls the transaction back: the previous raw tables stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from styringsoverblik import buildlog, loader, q12
from styringsoverblik.display import show
from styringsoverblik.project import Project
from styringsoverblik.rubric import Rubric

RAW_SCHEMA = "raw"
RESPONSES_TABLE = "raw_responses"
CODINGS_TABLE = "q12_codings"
# rows per Arrow batch handed from the in-memory reader to the DuckDB warehouse
BATCH_ROWS = 100_000


@dataclass
class Inputs:
    """The response files as read: the build log's file rows, the raw rows and the codings, in an
    in-memory DuckDB (closed by :meth:`close`)."""

    files: list[loader.LoadedFile]
    memory: duckdb.DuckDBPyConnection

    @property
    def raw_rows(self) -> int:
        return sum(f.raw_rows for f in self.files)

    def relation(self, table: str) -> duckdb.DuckDBPyRelation:
        return self.memory.sql(f"select * from {RAW_SCHEMA}.{table}")

    def arrow(self, table: str) -> pa.Table:
        return self.relation(table).to_arrow_table()

    def batches(self, table: str) -> pa.RecordBatchReader:
        return self.relation(table).to_arrow_reader(BATCH_ROWS)

    def summary(self, build_id: str) -> str:
        """The build's line about its input (as the DuckDB hook has always printed it)."""
        sheets = "; ".join(f"{show(f.path)} sheet {show(f.sheet_name)}" for f in self.files if f.sheet_name is not None)
        return (f"build {build_id}: loaded {self.raw_rows} raw response rows from {len(self.files)} file(s)"
                + (f" (workbooks read: {sheets})" if sheets else ""))

    def close(self) -> None:
        self.memory.close()


def read_inputs(project: Project, pattern: str, sheet: str | None = None) -> Inputs:
    """Read every response file the pattern names (relative to the project root) into an
    in-memory DuckDB and code its free-text answers. Raises loader.LoadError (or the rubric's,
    the project's or an OSError) naming the file; nothing is written anywhere."""
    memory = duckdb.connect(":memory:")
    try:
        rubric = Rubric.from_project(project)
        files = loader.load_responses(memory, pattern, project.root, sheet=sheet or None, rubric=rubric)
        q12.write_codings(memory, q12.free_text_questions(rubric))
    except BaseException:
        memory.close()
        raise
    return Inputs(files, memory)


def write_duckdb(con: duckdb.DuckDBPyConnection, build_id: str, inputs: Inputs) -> None:
    """The raw tables and the build's file rows into the DuckDB warehouse, in one transaction."""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        for table in (RESPONSES_TABLE, CODINGS_TABLE):
            view = f"ingest_{table}"
            con.register(view, inputs.batches(table))
            try:
                con.execute(f"create or replace table {RAW_SCHEMA}.{table} as select * from {view}")
            finally:
                con.unregister(view)
        buildlog.record_input_files(con, build_id, inputs.files)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def write_postgres(con: Any, build_id: str, inputs: Inputs) -> None:
    """The raw tables (COPY) and the build's file rows into PostgreSQL in one transaction, then
    ANALYZE. ``con``: a psycopg connection (its transaction is committed here).

    dbt's staging views read the raw tables, and PostgreSQL will not drop a table a view depends
    on: a raw table that exists with the same columns is emptied (TRUNCATE) and filled by COPY;
    a new one, or one whose columns changed (another version of the project), is (re)created by
    targets.copy_arrow (dropping the views that read the old one: the build recreates them)."""
    from psycopg import sql

    with con.transaction():
        with con.cursor() as cursor:
            for table in (RESPONSES_TABLE, CODINGS_TABLE):
                write_table(cursor, table, inputs.arrow(table))
        buildlog.record_input_files(con, build_id, inputs.files)
    with con.cursor() as cursor:
        for table in (RESPONSES_TABLE, CODINGS_TABLE):
            cursor.execute(sql.SQL("analyze {}").format(sql.Identifier(RAW_SCHEMA, table)))
    con.commit()


def write_table(cursor: Any, table: str, rows: pa.Table) -> None:
    """One raw table on PostgreSQL, inside the caller's transaction (see write_postgres)."""
    from psycopg import sql

    from styringsoverblik.targets import COPY_BATCH_ROWS, copy_arrow, copy_rows

    target = sql.Identifier(RAW_SCHEMA, table)
    cursor.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position",
        [RAW_SCHEMA, table],
    )
    columns = [name for (name,) in cursor.fetchall()]
    if columns != rows.schema.names:
        if columns:
            cursor.execute(sql.SQL("drop table {} cascade").format(target))
        copy_arrow(cursor, RAW_SCHEMA, table, rows)
        return
    cursor.execute(sql.SQL("truncate table {}").format(target))
    copy_rows(cursor, target, columns, rows.to_batches(max_chunksize=COPY_BATCH_ROWS))


def ingest(con: Any, build_id: str, project: Project, pattern: str, sheet: str | None = None) -> Inputs:
    """Read the files and write them to the target con is a connection of (DuckDB or psycopg).
    Returns the inputs read (closed; for their summary and file rows)."""
    inputs = read_inputs(project, pattern, sheet)
    try:
        if isinstance(con, duckdb.DuckDBPyConnection):
            write_duckdb(con, build_id, inputs)
        else:
            write_postgres(con, build_id, inputs)
    finally:
        inputs.close()
    return inputs
