"""The build log: ``ops.build_runs`` and ``ops.build_input_files``, on DuckDB or PostgreSQL.

One row per build attempt in ``ops.build_runs`` (status ``running`` -> ``published`` /
``built`` / ``not_published`` / ``failed``; ``interrupted`` for an attempt that never reached its
end, set by the next build; ``publishing`` on DuckDB while the Parquet set is being swapped in),
one row per input file in ``ops.build_input_files`` (size, SHA-256, rows read; valid and rejected
rows once the build has classified them). The SQL is portable (no ``group by all``, no DuckDB-only
functions); :class:`Log` hides the one difference of the drivers that matters here, the
parameter marker (DuckDB ``?``, psycopg ``%s``). On PostgreSQL the caller decides the
transaction: an autocommit connection records at once, a transaction's connection records with it.

The published log tables (``dim_builds``, ``fct_build_input_files``) are queries over ``ops.*``
(:func:`log_table_sql`), run in the publish step of either target.

Failures: :class:`recorded_failure` turns any exception in a stage into :class:`BuildFailed`
with one message (:func:`failure_message`), after recording the attempt ``failed`` with it.

Also the command ``styringsoverblik builds [--target duckdb|postgres]``: the newest attempts.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from styringsoverblik.display import show, show_bare, year_ranges
from styringsoverblik.export_folder import ExportFolderError
from styringsoverblik.loader import LoadError, sql_literal
from styringsoverblik.project import ProjectError
from styringsoverblik.rubric import RubricError

PUBLISHED_SCHEMA = "marts"
AUDIT_SCHEMA = "marts_audit"
BUILD_LOG_TABLES = ("dim_builds", "fct_build_input_files")
REJECTS_LISTED = 20
# the one table of every classified response row (models/marts/quality/fct_response_rows.sql)
RESPONSE_ROWS_MART = "fct_response_rows"
CLASSIFIED_VIEW = "intermediate.int_responses_classified"
INTERRUPTED = "the dbt process ended before the build finished"

OPS_DDL = (
    "create schema if not exists ops",
    """
    create table if not exists ops.build_runs (
        build_id varchar primary key,
        command varchar not null,
        status varchar not null,
        reason varchar,
        started_at timestamp not null,
        finished_at timestamp,
        published_at timestamp,
        dbt_version varchar,
        project_version varchar,
        strict boolean,
        q17_neutral_scope varchar,
        survey_years varchar,
        raw_responses_path varchar,
        selection varchar,
        export_folder varchar
    )
    """,
    """
    create table if not exists ops.build_input_files (
        build_id varchar not null,
        file_path varchar not null,
        file_format varchar,
        file_encoding varchar,
        file_delimiter varchar,
        file_size_bytes bigint,
        file_sha256 varchar,
        raw_rows integer,
        valid_rows integer,
        rejected_rows integer,
        primary key (build_id, file_path)
    )
    """,
    "alter table ops.build_input_files add column if not exists sheet_name varchar",
    "alter table ops.build_runs add column if not exists min_group_size integer",
    "alter table ops.build_input_files add column if not exists is_synthetic boolean",
)

# The published build log, rebuilt from ops.* in every publish (portable SQL).
DIM_BUILDS_SQL = """
select
    runs.build_id,
    runs.build_id = {current} as is_current,
    runs.started_at,
    runs.published_at as finished_at,
    runs.command,
    runs.dbt_version,
    runs.project_version,
    runs.strict,
    runs.q17_neutral_scope,
    runs.min_group_size,
    runs.survey_years,
    runs.raw_responses_path,
    runs.export_folder,
    cast(count(files.file_path) as integer) as input_files,
    cast(coalesce(sum(files.raw_rows), 0) as integer) as raw_rows,
    cast(coalesce(sum(files.valid_rows), 0) as integer) as valid_rows,
    cast(coalesce(sum(files.rejected_rows), 0) as integer) as rejected_rows,
    coalesce(bool_or(files.is_synthetic), false) as is_synthetic
from ops.build_runs as runs
left join ops.build_input_files as files on runs.build_id = files.build_id
where runs.status = 'published' or runs.build_id = {current}
group by
    runs.build_id, runs.started_at, runs.published_at, runs.command, runs.dbt_version, runs.project_version,
    runs.strict, runs.q17_neutral_scope, runs.min_group_size, runs.survey_years, runs.raw_responses_path,
    runs.export_folder
order by finished_at
"""

FCT_BUILD_INPUT_FILES_SQL = """
select
    files.build_id,
    files.file_path,
    files.file_format,
    files.sheet_name,
    files.file_size_bytes,
    files.file_sha256,
    files.raw_rows,
    files.valid_rows,
    files.rejected_rows,
    coalesce(files.is_synthetic, false) as is_synthetic
from ops.build_input_files as files
inner join ops.build_runs as runs on files.build_id = runs.build_id
where runs.status = 'published' or runs.build_id = {current}
order by runs.published_at, files.file_path collate "C"
"""


def log_table_sql(build_id: str, current: str | None = None) -> dict[str, str]:
    """The published log tables' queries, naming build_id as the current build: as a SQL
    literal, or as ``current`` (a parameter placeholder such as ``%(build_id)s``) when given."""
    current = current if current is not None else sql_literal(build_id)
    return {
        "dim_builds": DIM_BUILDS_SQL.format(current=current),
        "fct_build_input_files": FCT_BUILD_INPUT_FILES_SQL.format(current=current),
    }


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BuildFailed(Exception):
    """A stage that stopped; recorded as failed, the message says why and what to do."""


def database_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (duckdb.Error,)
    try:
        import psycopg

        errors += (psycopg.Error,)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return errors


class Log:
    """One connection to the build log: DuckDB (``?`` parameters) or psycopg (``%s``). SQL is
    written with ``?``; values are always bound parameters."""

    def __init__(self, con: Any):
        self.con = con.con if isinstance(con, Log) else con
        self.is_duckdb = isinstance(self.con, duckdb.DuckDBPyConnection)

    def _sql(self, sql: str) -> str:
        return sql if self.is_duckdb else sql.replace("?", "%s")

    def execute(self, sql: str, params: list | tuple | None = None):
        if self.is_duckdb:
            return self.con.execute(sql, list(params) if params is not None else None)
        cursor = self.con.cursor()
        cursor.execute(self._sql(sql), params)
        return cursor

    def executemany(self, sql: str, rows: list[list]) -> None:
        if not rows:
            return
        if self.is_duckdb:
            self.con.executemany(sql, rows)
        else:
            with self.con.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)

    def one(self, sql: str, params: list | tuple | None = None) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: list | tuple | None = None) -> list[tuple]:
        return self.execute(sql, params).fetchall()


def ensure_ops(con: Any) -> None:
    log = Log(con)
    for statement in OPS_DDL:
        log.execute(statement)


def table_exists(con: Any, schema: str, table: str) -> bool:
    row = Log(con).one(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    )
    return bool(row[0])


# --------------------------------------------------------------------------------------------
# recording


def mark_interrupted(con: Any) -> None:
    """Attempts still `running` never reached their end: the process was killed."""
    Log(con).execute(f"update ops.build_runs set status = 'interrupted', reason = '{INTERRUPTED}' where status = 'running'")


def record_attempt(con: Any, build_id: str, command: str, dbt_version: str, project_version: str,
                   variables: dict, selection: str) -> None:
    """The attempt, `running`, with the checked vars in force (settings.check)."""
    Log(con).execute(
        """
        insert into ops.build_runs (
            build_id, command, status, started_at, dbt_version, project_version, strict,
            q17_neutral_scope, min_group_size, survey_years, raw_responses_path, selection
        ) values (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            build_id,
            command,
            utc_now(),
            dbt_version,
            project_version,
            variables["strict"],
            variables["q17_neutral_scope"],
            variables.get("min_group_size"),
            None,  # the declared rounds, recorded once the build has read them (record_counts)
            variables["raw_responses_path"],
            selection,
        ],
    )


def record_input_files(con: Any, build_id: str, files: list) -> None:
    """One row per input file read (loader.LoadedFile)."""
    Log(con).executemany(
        """
        insert into ops.build_input_files (
            build_id, file_path, file_format, file_encoding, file_delimiter, file_size_bytes, file_sha256, raw_rows,
            sheet_name, is_synthetic
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            [build_id, f.path, f.file_format, f.encoding, f.delimiter, f.size_bytes, f.sha256, f.raw_rows,
             f.sheet_name, f.is_synthetic]
            for f in files
        ],
    )


def finish(con: Any, build_id: str, status: str, reason: str) -> None:
    Log(con).execute(
        "update ops.build_runs set status = ?, reason = ?, finished_at = ? where build_id = ?",
        [status, reason, utc_now(), build_id],
    )


def pending_build(con: Any) -> str | None:
    """The newest build attempt, if `dbt run` built it and it awaits its audit."""
    if not table_exists(con, "ops", "build_runs"):
        return None
    row = Log(con).one("select build_id, status from ops.build_runs order by started_at desc limit 1")
    return row[0] if row and row[1] == "built" else None


def record_counts(con: Any, build_id: str, results: list[dict]) -> str:
    """Record the survey rounds the build declared and the valid and rejected rows per input
    file (a count per file, then the rejected rows alone); returns a listing of the rejected rows
    for the build's summary: the count and the first REJECTS_LISTED as `file:line [reason]
    message`. The rows are read from the mart fct_response_rows when this invocation built it
    (``results``: dbt's, as the hooks pass them), else (its strict gate failed, or it was not
    selected) from the classification view itself."""
    log = Log(con)
    source = CLASSIFIED_VIEW
    if any(
        r["unique_id"].endswith(f".{RESPONSE_ROWS_MART}") and str(r["status"]).lower() == "success" for r in results
    ):
        source = f"{AUDIT_SCHEMA}.{RESPONSE_ROWS_MART}"
    elif not table_exists(con, "intermediate", "int_responses_classified"):
        return ""
    try:
        years = [year for (year,) in log.all("select survey_year from intermediate.int_survey_rounds")]
        log.execute("update ops.build_runs set survey_years = ? where build_id = ?", [", ".join(year_ranges(years)), build_id])
        counts = log.all(
            f"""
            select
                source_file,
                count(*) filter (where row_status = 'valid'),
                count(*) filter (where row_status = 'rejected')
            from {source}
            group by source_file
            """
        )
        log.execute("drop table if exists build_rejects")
        log.execute(
            f"""
            create temporary table build_rejects as
            select source_file, reject_reason, is_blocking, response_row_id, reject_message, source_line_number
            from {source}
            where row_status = 'rejected'
            """
        )
    except database_errors():  # the classification itself failed; the build's reason says why
        return ""
    log.executemany(
        "update ops.build_input_files set valid_rows = ?, rejected_rows = ? where build_id = ? and file_path = ?",
        [[valid, rejected, build_id, path] for path, valid, rejected in counts],
    )
    blocking, duplicates = log.one(
        "select count(*) filter (where is_blocking), count(*) filter (where not is_blocking) from build_rejects"
    )
    listed = log.all(
        "select response_row_id || ' [' || reject_reason || '] ' || reject_message from build_rejects"
        " order by not is_blocking, source_file collate \"C\", source_line_number, response_row_id collate \"C\""
        f" limit {REJECTS_LISTED}"
    )
    log.execute("drop table build_rejects")
    if not blocking and not duplicates:
        return ""
    # each row once, whole, then the count (the strict gate's error only counts them)
    lines = ["Rejected raw response rows (file:line [reason] message):"]
    lines += [f"  {text}" for (text,) in listed]
    if blocking + duplicates > REJECTS_LISTED:
        more = blocking + duplicates - REJECTS_LISTED
        lines.append(f"  ... and {more} more: select * from {CLASSIFIED_VIEW} where row_status = 'rejected'")
    lines.append(f"{blocking} raw response row(s) rejected, {duplicates} exact repeat(s) counted once")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# failures


def own_errors() -> tuple[type[BaseException], ...]:
    """The project's errors whose message names the file or folder and what to do."""
    errors: tuple[type[BaseException], ...] = (LoadError, ExportFolderError, BuildFailed, ProjectError, RubricError)
    try:
        from styringsoverblik.targets import TargetError

        errors += (TargetError,)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return errors


def failure_message(error: BaseException, stage: str, subject: str = "") -> str:
    """One message for a failure: the project's own errors as they are (they name the file or
    folder); an operating-system error with its file and advice; anything else with its type."""
    if isinstance(error, own_errors()):
        return str(error)
    if isinstance(error, OSError):
        name = f"'{show_bare(str(error.filename))}'" if error.filename else f"a file of '{show_bare(subject)}'" if subject else "a file"
        reading = stage == "input not loaded"
        what = (
            "Check that the file exists, is a regular file and may be read by the user running dbt"
            if reading
            else "Check that the export folder (var export_path) may be written by the user running dbt and the disk has room"
        )
        return f"{'Cannot read' if reading else 'Cannot write'} {name}: {error.strerror or error}. {what}; nothing was {'built or ' if reading else ''}published."
    text = show_bare(" ".join(str(error).split()), 300)
    if stage == "input not loaded":
        return (
            f"The response files ('{show_bare(subject)}', var raw_responses_path) could not be read ({type(error).__name__}: "
            f"{text}). Check that each file the var "
            "raw_responses_path names is a CSV file or an Excel workbook (.xlsx) as Excel saves it; nothing was built or published."
        )
    return f"Publishing failed ({type(error).__name__}: {text}); nothing was published, Power BI keeps the published build."


class recorded_failure:
    """Any exception inside becomes BuildFailed with one message, after the attempt is recorded
    `failed` with it (committed: `styringsoverblik builds` shows it at once)."""

    def __init__(self, con: Any, build_id: str, stage: str, cleanup=None, subject: str = ""):
        self.con, self.build_id, self.stage, self.cleanup, self.subject = con, build_id, stage, cleanup, subject

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or not isinstance(error, Exception):
            return False
        message = failure_message(error, self.stage, self.subject)
        if self.cleanup is not None:
            try:
                self.cleanup()
            except Exception:  # the failure's own message matters more
                pass
        reason = message if isinstance(error, BuildFailed) else f"{self.stage}: {message}"
        finish(self.con, self.build_id, "failed", reason)
        raise BuildFailed(message) from None


# --------------------------------------------------------------------------------------------
# `styringsoverblik builds`


def published_build(con: Any) -> str | None:
    """The build id of the published set as the target's marts see it."""
    try:
        row = Log(con).one(f"select build_id from {PUBLISHED_SCHEMA}.dim_builds where is_current")
    except database_errors():  # nothing published yet
        return None
    return row[0] if row else None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb",
                        help="the warehouse: the DuckDB file (default) or the PostgreSQL server (libpq PG* variables)")
    parser.add_argument(
        "--database",
        default=os.environ.get("DBT_DUCKDB_PATH", "warehouse/styringsoverblik.duckdb"),
        help="the DuckDB warehouse file (default: $DBT_DUCKDB_PATH or warehouse/styringsoverblik.duckdb)",
    )
    parser.add_argument("--limit", type=int, default=10, help="how many of the newest attempts to show")


def read_builds(con: Any, limit: int) -> tuple[str | None, list[tuple]] | None:
    """The published build and the newest attempts; None when no build was recorded."""
    if not table_exists(con, "ops", "build_runs"):
        return None
    current = published_build(con)
    rows = Log(con).all(
        "select build_id, command, status, started_at, finished_at, reason from ops.build_runs"
        " order by started_at desc limit ?",
        [limit],
    )
    return current, rows


def run(args: argparse.Namespace) -> int:
    if args.target == "postgres":
        from styringsoverblik.targets import TargetError, connect_postgres

        try:
            with connect_postgres(autocommit=True) as con:
                found = read_builds(con, args.limit)
        except TargetError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        where = "the PostgreSQL database"
    else:
        if not Path(args.database).exists():
            print(f"no warehouse at {args.database}; run `dbt build` first", file=sys.stderr)
            return 2
        with duckdb.connect(args.database, read_only=True) as con:
            found = read_builds(con, args.limit)
        where = args.database
    if found is None:
        print(f"no build has been recorded yet in {show(where)}" if args.target == "postgres"
              else "no build has been recorded yet", file=sys.stderr)
        return 2
    current, rows = found
    print(f"published build: {current or '(none)'}")
    for build_id, command, status, started, finished, reason in rows:
        mark = "*" if build_id == current else " "
        print(f"{mark} {build_id}  {command:<5}  {status:<13}  {started:%Y-%m-%d %H:%M:%S}Z  {reason or ''}")
    return 0
