"""Write-audit-publish: only whole, tested builds reach Power BI.

dbt builds the marts into the schema ``marts_audit``, which BI does not read, and runs their
data tests there. The dbt-duckdb plugin (``styringsoverblik.duckdb_plugin``) calls this module
from two hooks:

``begin_build`` (on-run-start)
    For a ``dbt run``/``dbt build`` whose selection holds a mart: record the attempt in
    ``ops.build_runs`` (status ``running``), load the response files into
    ``raw.raw_responses`` (module ``loader``), code the free-text answers (module ``q12``) and
    record each file with its size, SHA-256 and row count in ``ops.build_input_files``. Any
    other command (``dbt test``, ``compile``, ``docs generate``, a selection without marts)
    loads nothing and records nothing.

``end_build`` (on-run-end)
    Decide the attempt's fate from dbt's results:

    - ``published``: every mart was built and every data test on the marts ran and passed
      (``dbt build``; or ``dbt run`` followed by a complete ``dbt test``);
    - ``built``: ``dbt run`` built every mart; the next ``dbt test`` audits and publishes it;
    - ``not_published``: the selection built only some marts (a mix is never published);
    - ``failed``: a node or a test failed (the gate on blocking rejects, a data test, ...);
    - ``interrupted``: the attempt never reached its end (killed); set by the next build.

Publishing: the export folder must be the project's (module ``export_folder``: new, empty,
marked, or the earlier version's; checked before anything is built). Every audited mart and the
build log (``dim_builds``, ``fct_build_input_files``) are written as Parquet into a hidden
``<export_path>/builds/.<build_id>.partial`` folder, synced, and renamed to
``<export_path>/builds/<build_id>`` with a ``_manifest.json``. Then the symlink
``<export_path>/current`` is swapped to it with one atomic rename: that swap is the commit point.
Right after it, ``<export_path>/current.json`` (prepared and synced before the swap) replaces the
previous one in one rename, naming the same build for readers that cannot follow symlinks; a kill
in between is repaired by the next build (``settle``). The DuckDB schema ``marts`` holds one view
per table over ``<export_path>/current/<table>.parquet``, so the DuckDB marts and the Parquet set
are always the same build, and a kill at any moment leaves the previous set or the new one. Old
build folders the export folder's marker lists are removed, keeping the newest
``export_keep_builds``; a failure there is a warning, never a failed build.

Failures: anything that stops a load or a publish (before the commit point) is recorded at once
as ``failed`` with one message naming the file or folder and what to do, and raised as
:class:`BuildFailed` with that message (the plugin hands it to dbt without a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from styringsoverblik import q12, settings
from styringsoverblik.display import show, show_bare, year_ranges
from styringsoverblik.export_folder import ExportFolder, ExportFolderError, fsync, resolve_export_root
from styringsoverblik.loader import LoadError, load_responses, sql_literal

AUDIT_SCHEMA = "marts_audit"
PUBLISHED_SCHEMA = "marts"
BUILD_LOG_TABLES = ("dim_builds", "fct_build_input_files")
POINTER_LINK = "current"
MANIFEST = "_manifest.json"
PARQUET_WRITERS = 2

OPS_DDL = """
create schema if not exists ops;
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
);
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
);
alter table ops.build_input_files add column if not exists sheet_name varchar;
alter table ops.build_runs add column if not exists min_group_size integer;
alter table ops.build_input_files add column if not exists is_synthetic boolean;
"""

# The published build log, rebuilt from ops.* in every publish transaction.
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
    count(files.file_path)::integer as input_files,
    coalesce(sum(files.raw_rows), 0)::integer as raw_rows,
    coalesce(sum(files.valid_rows), 0)::integer as valid_rows,
    coalesce(sum(files.rejected_rows), 0)::integer as rejected_rows,
    coalesce(bool_or(files.is_synthetic), false) as is_synthetic
from ops.build_runs as runs
left join ops.build_input_files as files on runs.build_id = files.build_id
where runs.status = 'published' or runs.build_id = {current}
group by all
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
order by runs.published_at, files.file_path
"""


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BuildFailed(Exception):
    """A load or publish that stopped; recorded as failed, the message says why and what to do."""


@dataclass
class BuildContext:
    """What the dbt hooks pass in (as JSON)."""

    invocation_id: str
    command: str
    project_dir: str
    dbt_version: str = ""
    selected: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)
    mart_tests: list[str] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    vars: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str) -> "BuildContext":
        """The hooks' context; its vars checked and typed (styringsoverblik.settings), so the build
        log records only values that were in force."""
        data = json.loads(text)
        context = cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})
        context.vars = settings.check(context.vars, context.root)
        return context

    @property
    def root(self) -> Path:
        return Path(self.project_dir).resolve()

    @property
    def builds_marts(self) -> bool:
        return self.command in ("run", "build") and bool(set(self.selected) & set(self.marts))

    def export_root(self) -> Path:
        """The export folder, absolute; `/`, the project root and home are refused."""
        return resolve_export_root(str(self.vars.get("export_path") or ""), self.root)

    def keep_builds(self) -> int:
        return self.vars["export_keep_builds"]  # checked: an integer >= 1


def project_version(root: Path) -> str:
    for line in (root / "dbt_project.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    return ""


def ensure_ops(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(OPS_DDL)


# --------------------------------------------------------------------------------------------
# on-run-start


def begin_build(con: duckdb.DuckDBPyConnection, context: BuildContext) -> str:
    """Record the attempt, check the export folder and load the raw responses, for a run/build
    that builds marts. Any failure is recorded `failed` at once and raised as BuildFailed."""
    if not context.builds_marts:
        return ""
    ensure_ops(con)
    con.execute(
        "update ops.build_runs set status = 'interrupted', reason = 'the dbt process ended before the build finished'"
        " where status = 'running'"
    )
    variables = context.vars
    con.execute(
        """
        insert into ops.build_runs (
            build_id, command, status, started_at, dbt_version, project_version, strict,
            q17_neutral_scope, min_group_size, survey_years, raw_responses_path, selection
        ) values (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            context.invocation_id,
            context.command,
            utc_now(),
            context.dbt_version,
            project_version(context.root),
            variables["strict"],  # checked values (settings.check): what is in force
            variables["q17_neutral_scope"],
            variables.get("min_group_size"),
            None,  # the declared rounds, recorded once the build has read them (record_counts)
            variables["raw_responses_path"],
            f"{len(set(context.selected) & set(context.marts))} of {len(context.marts)} marts selected",
        ],
    )
    with recorded_failure(con, context.invocation_id, "not built"):
        export_root = context.export_root()
        settle(con, export_root)
        context.keep_builds()
        ExportFolder.claim(export_root)  # before anything is built: refused unless it is the project's
    pattern = str(variables.get("raw_responses_path", ""))
    with recorded_failure(con, context.invocation_id, "input not loaded", subject=pattern):
        files = load_responses(
            con, str(variables.get("raw_responses_path", "")), context.root, sheet=variables.get("xlsx_sheet") or None
        )
        q12.write_codings(con, q12.free_text_questions(context.root / "seeds"))
    con.executemany(
        """
        insert into ops.build_input_files (
            build_id, file_path, file_format, file_encoding, file_delimiter, file_size_bytes, file_sha256, raw_rows,
            sheet_name, is_synthetic
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            [
                context.invocation_id, f.path, f.file_format, f.encoding, f.delimiter, f.size_bytes, f.sha256,
                f.raw_rows, f.sheet_name, f.is_synthetic,
            ]
            for f in files
        ],
    )
    rows = sum(f.raw_rows for f in files)
    sheets = "; ".join(f"{show(f.path)} sheet {show(f.sheet_name)}" for f in files if f.sheet_name is not None)
    return (f"build {context.invocation_id}: loaded {rows} raw response rows from {len(files)} file(s)"
            + (f" (workbooks read: {sheets})" if sheets else ""))


def failure_message(error: BaseException, stage: str, subject: str = "") -> str:
    """One message for a failure: the project's own errors as they are (they name the file or
    folder); an operating-system error with its file and advice; anything else with its type."""
    if isinstance(error, (LoadError, ExportFolderError, BuildFailed)):
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

    def __init__(self, con: duckdb.DuckDBPyConnection, build_id: str, stage: str, cleanup=None, subject: str = ""):
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
# on-run-end


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str


FAILED_STATUSES = {"error", "fail", "runtime error"}
REJECTS_LISTED = 20
# the one table of every classified response row (models/marts/quality/fct_response_rows.sql)
RESPONSE_ROWS_MART = "fct_response_rows"


def judge(context: BuildContext, audit_only: bool) -> Outcome:
    """The fate of a build from dbt's results (see the module docstring)."""
    by_id = {result["unique_id"]: result for result in context.results}
    failed = [r for r in context.results if str(r["status"]).lower() in FAILED_STATUSES]
    if failed:
        names = ", ".join(node_name(r["unique_id"]) for r in failed[:5])
        more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
        first = node_message(failed[0].get("message") or "")
        detail = f": {first[:500]}" if first else ""
        return Outcome("failed", f"{len(failed)} node(s) failed ({names}{more}){detail}")
    if not audit_only:
        built = [m for m in context.marts if str(by_id.get(m, {}).get("status", "")).lower() == "success"]
        if len(built) < len(context.marts):
            return Outcome(
                "not_published",
                f"the selection built {len(built)} of {len(context.marts)} marts; only a build of every mart is published",
            )
    passed = [t for t in context.mart_tests if str(by_id.get(t, {}).get("status", "")).lower() in ("pass", "warn")]
    if len(passed) < len(context.mart_tests):
        if context.command == "run":
            return Outcome("built", "every mart built; awaiting audit: run `dbt test` to test and publish it")
        return Outcome(
            "built" if audit_only else "not_published",
            f"{len(passed)} of {len(context.mart_tests)} data tests on the marts ran and passed; "
            "a build is published only when all of them pass",
        )
    return Outcome("published", "every mart built and every data test on the marts passed")


# dbt's frame around a node's error ("Runtime Error in model x (models/x.sql)", "compiled code at
# target/...") and the class DuckDB gives an error() raised in SQL (the strict gate's): the reason
# names the node already.
DBT_ERROR_FRAME = re.compile(r"^(?:(?:Runtime|Database|Compilation) Error in \w+ \S+ \([^)]*\) )?(?:Invalid Input Error: )?")


def node_message(message: str) -> str:
    """A failed node's message on one line, without dbt's frame around it (DBT_ERROR_FRAME)."""
    text = " ".join(message.split())
    text = re.split(r"\s*compiled code at \S+", text)[0]
    return DBT_ERROR_FRAME.sub("", text)


def node_name(unique_id: str) -> str:
    """`test.styringsoverblik.not_null_x.1a2b3c` -> `not_null_x`."""
    return unique_id.split(".")[2] if unique_id.count(".") >= 2 else unique_id


def end_build(con: duckdb.DuckDBPyConnection, context: BuildContext) -> str:
    if context.builds_marts:
        build_id = context.invocation_id
        outcome = judge(context, audit_only=False)
    elif context.command == "test":
        build_id = pending_build(con)
        if build_id is None:
            return ""
        outcome = judge(context, audit_only=True)
        if outcome.status == "built":  # an incomplete audit changes nothing
            return f"build {build_id} awaits a complete audit: {outcome.reason}"
    else:
        return ""
    with recorded_failure(con, build_id, "not published"):
        rejects = record_counts(con, build_id, context) if context.builds_marts else ""
    summary = f"{rejects}\n" if rejects else ""
    if outcome.status != "published":
        finish(con, build_id, outcome.status, outcome.reason)
        return f"{summary}build {build_id} {outcome.status.replace('_', ' ')}: {outcome.reason}; Power BI keeps the published build"
    folder, warnings = publish(con, context, build_id)
    notes = "".join(f"\nwarning: {warning}" for warning in warnings)
    return f"{summary}build {build_id} published to schema {PUBLISHED_SCHEMA} and {folder}{notes}"


def pending_build(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest build attempt, if `dbt run` built it and it awaits its audit."""
    if not table_exists(con, "ops", "build_runs"):
        return None
    row = con.execute("select build_id, status from ops.build_runs order by started_at desc limit 1").fetchone()
    return row[0] if row and row[1] == "built" else None


def finish(con: duckdb.DuckDBPyConnection, build_id: str, status: str, reason: str) -> None:
    con.execute(
        "update ops.build_runs set status = ?, reason = ?, finished_at = ? where build_id = ?",
        [status, reason, utc_now(), build_id],
    )


def record_counts(con: duckdb.DuckDBPyConnection, build_id: str, context: BuildContext) -> str:
    """Record the survey rounds the build declared and the valid and rejected rows per input
    file (a count per file, then the rejected rows alone); returns a listing of the rejected rows
    for the build's summary: the count and the first REJECTS_LISTED as `file:line [reason]
    message`. The rows are read from the mart
    fct_response_rows when this invocation built it, else (its strict gate failed, or it was not
    selected) from the classification view itself."""
    source = "intermediate.int_responses_classified"
    if any(
        r["unique_id"].endswith(f".{RESPONSE_ROWS_MART}") and str(r["status"]).lower() == "success"
        for r in context.results
    ):
        source = f"{AUDIT_SCHEMA}.{RESPONSE_ROWS_MART}"
    elif not table_exists(con, "intermediate", "int_responses_classified"):
        return ""
    try:
        years = [year for (year,) in con.execute("select survey_year from intermediate.int_survey_rounds").fetchall()]
        con.execute("update ops.build_runs set survey_years = ? where build_id = ?", [", ".join(year_ranges(years)), build_id])
        counts = con.execute(
            f"""
            select source_file, count(*) filter (where row_status = 'valid'), count(*) filter (where row_status = 'rejected')
            from {source} group by source_file
            """
        ).fetchall()
        con.execute(
            f"""
            create or replace temp table build_rejects as
            select source_file, reject_reason, is_blocking, response_row_id, reject_message, source_line_number
            from {source}
            where row_status = 'rejected'
            """
        )
    except duckdb.Error:  # the classification itself failed; the build's reason says why
        return ""
    con.executemany(
        "update ops.build_input_files set valid_rows = ?, rejected_rows = ? where build_id = ? and file_path = ?",
        [[valid, rejected, build_id, path] for path, valid, rejected in counts],
    )
    blocking, duplicates = con.execute(
        "select count(*) filter (where is_blocking), count(*) filter (where not is_blocking) from build_rejects"
    ).fetchone()
    listed = con.execute(
        "select response_row_id || ' [' || reject_reason || '] ' || reject_message from build_rejects"
        " order by not is_blocking, source_file, source_line_number, response_row_id"
        f" limit {REJECTS_LISTED}"
    ).fetchall()
    con.execute("drop table build_rejects")
    if not blocking and not duplicates:
        return ""
    # each row once, whole, then the count (the strict gate's error only counts them)
    lines = ["Rejected raw response rows (file:line [reason] message):"]
    lines += [f"  {text}" for (text,) in listed]
    if blocking + duplicates > REJECTS_LISTED:
        more = blocking + duplicates - REJECTS_LISTED
        lines.append(f"  ... and {more} more: select * from intermediate.int_responses_classified where row_status = 'rejected'")
    lines.append(f"{blocking} raw response row(s) rejected, {duplicates} exact repeat(s) counted once")
    return "\n".join(lines)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'"
        " order by table_name",
        [schema],
    ).fetchall()
    return [name for (name,) in rows]


# --------------------------------------------------------------------------------------------
# publish


def publish(con: duckdb.DuckDBPyConnection, context: BuildContext, build_id: str) -> tuple[str, list[str]]:
    """Make the audited build the published one, in one atomic step (the symlink swap).

    Everything that can fail comes before the swap and fails the attempt (recorded, raised as
    BuildFailed); after it the build is published, and what remains (the pointer file's rename,
    the log, the views, removing old builds) can only add warnings. Returns the build's folder
    and the warnings."""
    export: dict = {}

    def discard() -> None:
        if "folder" in export:
            export["folder"].discard_partial(build_id)

    with recorded_failure(con, build_id, "not published", cleanup=discard):
        export_root = context.export_root()
        keep = context.keep_builds()
        folder = export["folder"] = ExportFolder.claim(export_root)
        marts = [node_name(mart) for mart in context.marts]
        now = utc_now()
        con.execute(
            "update ops.build_runs set status = 'publishing', reason = ?, finished_at = ?, published_at = ?,"
            " export_folder = ? where build_id = ?",
            ["every mart built and every data test on the marts passed", now, now, str(folder.build_folder(build_id)), build_id],
        )
        tables = {mart: f"select * from {AUDIT_SCHEMA}.{mart}" for mart in marts}
        tables["dim_builds"] = DIM_BUILDS_SQL.format(current=sql_literal(build_id))
        tables["fct_build_input_files"] = FCT_BUILD_INPUT_FILES_SQL.format(current=sql_literal(build_id))
        folder.remember(build_id)  # listed before its folder exists: a kill leaves nothing unlisted
        final = write_parquet_set(con, folder, build_id, tables)
        pointer = folder.prepare_pointer(build_id, now)
        folder.swap_current(build_id)  # the commit point
    warnings = []
    for step, action in (
        ("current.json not replaced", lambda: folder.replace_pointer(pointer)),
        ("build log not updated", lambda: con.execute(
            "update ops.build_runs set status = 'published' where build_id = ?", [build_id]
        )),
        ("DuckDB views not refreshed", lambda: settle(con, export_root)),
        ("old builds not removed", lambda: warnings.extend(folder.remove_old_builds(keep, protect=build_id))),
    ):
        try:
            action()
        except Exception as error:  # published already: a warning, never a failed build
            detail = show_bare(" ".join(str(error).split()), 300)
            warnings.append(f"{step} ({type(error).__name__}: {detail}); the next build repairs it")
    return str(final), warnings


def write_parquet_set(con: duckdb.DuckDBPyConnection, folder: ExportFolder, build_id: str, tables: dict[str, str]) -> Path:
    """Every published table as <export_root>/builds/<build_id>/<table>.parquet, complete or absent:
    written into a hidden .partial folder, synced, then renamed."""
    builds = folder.root / "builds"
    partial = folder.partial_folder(build_id)
    final = folder.build_folder(build_id)
    folder.discard_partial(build_id)  # an earlier attempt of this very build (the marker lists it)
    partial.mkdir()
    manifest = {"build_id": build_id, "written_at": utc_now().isoformat() + "Z", "tables": {}}

    def write(table: str) -> dict:
        path = partial / f"{table}.parquet"
        cursor = con.cursor()
        try:
            cursor.execute(f"copy ({tables[table]}) to {sql_literal(str(path))} (format parquet)")
            fsync(path)
            rows = cursor.execute(f"select count(*) from read_parquet({sql_literal(str(path))})").fetchone()[0]
        finally:
            cursor.close()
        return {"file": path.name, "rows": rows, "bytes": path.stat().st_size}

    # Two tables at a time: called from a build hook, the step runs inside a query that holds one
    # of DuckDB's threads, so a single COPY would run on one thread (benchmark: 2.2 s against
    # 1.5 s for the 98 x 100 set).
    with ThreadPoolExecutor(max_workers=PARQUET_WRITERS) as pool:
        written = dict(zip(tables, pool.map(write, tables)))
    manifest["tables"] = {table: written[table] for table in tables}
    manifest_path = partial / MANIFEST
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    fsync(manifest_path)
    if final.is_dir() and not final.is_symlink():  # an earlier attempt of this build, never published
        shutil.rmtree(final)
    os.replace(partial, final)
    fsync(builds)
    return final


def point_views(con: duckdb.DuckDBPyConnection, export_root: Path, tables: list[str]) -> None:
    """The schema `marts`: one view per published table over <export_root>/current/<table>.parquet,
    so the DuckDB marts are always exactly the published Parquet set."""
    con.execute(f"create schema if not exists {PUBLISHED_SCHEMA}")
    current = export_root.resolve() / POINTER_LINK
    for table in tables:
        con.execute(
            f"create or replace view {PUBLISHED_SCHEMA}.{table} as"
            f" select * from read_parquet({sql_literal(str(current / (table + '.parquet')))})"
        )


def current_export(export_root: Path) -> str | None:
    """The build id the symlink <export_root>/current names, if the folder is the project's."""
    folder = ExportFolder.inspect(export_root)
    return folder.current_build() if folder is not None else None


def published_build(con: duckdb.DuckDBPyConnection) -> str | None:
    """The build id of the published set as the DuckDB marts see it."""
    try:
        row = con.execute(f"select build_id from {PUBLISHED_SCHEMA}.dim_builds where is_current").fetchone()
    except duckdb.Error:  # nothing published yet
        return None
    return row[0] if row else None


def settle(con: duckdb.DuckDBPyConnection, export_root: Path | None) -> None:
    """Bring the log, the views and current.json in line with the symlink, the one truth of what
    is published: the build it names is `published` (also when a kill came right after the swap),
    any other build caught publishing is `interrupted`, the views cover exactly its tables, and
    current.json names it. Only an export folder of the project's is read (or written)."""
    if export_root is None or not table_exists(con, "ops", "build_runs"):
        return
    folder = ExportFolder.inspect(export_root)
    current = folder.current_build() if folder is not None else None
    con.execute("update ops.build_runs set status = 'published' where build_id = ? and status != 'published'", [current])
    con.execute(
        "update ops.build_runs set status = 'interrupted', reason = 'the dbt process ended while publishing'"
        " where status = 'publishing'"
    )
    manifest = export_root / POINTER_LINK / MANIFEST
    if current and manifest.exists():
        tables = list(json.loads(manifest.read_text(encoding="utf-8"))["tables"])
        point_views(con, export_root, tables)
        for (stale,) in con.execute(
            "select view_name from duckdb_views() where schema_name = ? and not internal", [PUBLISHED_SCHEMA]
        ).fetchall():
            if stale not in tables:
                con.execute(f"drop view {PUBLISHED_SCHEMA}.{stale}")
        row = con.execute("select published_at from ops.build_runs where build_id = ?", [current]).fetchone()
        folder.repair_pointer(row[0] if row else None)


def relocate(database: Path, export_root: Path) -> None:
    """Point a moved (or copied) warehouse's `marts` views at the export folder moved with it."""
    with duckdb.connect(str(database)) as con:
        settle(con, export_root.resolve())


# --------------------------------------------------------------------------------------------
# `styringsoverblik builds`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        default=os.environ.get("DBT_DUCKDB_PATH", "warehouse/styringsoverblik.duckdb"),
        help="the warehouse file (default: $DBT_DUCKDB_PATH or warehouse/styringsoverblik.duckdb)",
    )
    parser.add_argument("--limit", type=int, default=10, help="how many of the newest attempts to show")


def run(args: argparse.Namespace) -> int:
    if not Path(args.database).exists():
        print(f"no warehouse at {args.database}; run `dbt build` first", file=sys.stderr)
        return 2
    with duckdb.connect(args.database, read_only=True) as con:
        if not table_exists(con, "ops", "build_runs"):
            print("no build has been recorded yet", file=sys.stderr)
            return 2
        current = published_build(con)
        rows = con.execute(
            "select build_id, command, status, started_at, finished_at, reason from ops.build_runs"
            " order by started_at desc limit ?",
            [args.limit],
        ).fetchall()
    print(f"published build: {current or '(none)'}")
    for build_id, command, status, started, finished, reason in rows:
        mark = "*" if build_id == current else " "
        print(f"{mark} {build_id}  {command:<5}  {status:<13}  {started:%Y-%m-%d %H:%M:%S}Z  {reason or ''}")
    return 0
