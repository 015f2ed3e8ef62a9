"""Stage 3, publish: make an audited build the published one, per target. Only publishing.

dbt builds the marts into the schema ``marts_audit``, which BI does not read, and runs their
data tests there (stage 2); once the build is judged ``published`` (:mod:`styringsoverblik.judge`),
this module publishes the whole audited set and the build log in one step.

DuckDB (:func:`publish`): the export folder must be the project's (module ``export_folder``:
new, empty, marked, or the earlier version's; checked before anything is built). Every audited
mart and the build log (``dim_builds``, ``fct_build_input_files``) are written as Parquet into a
hidden ``<export_path>/builds/.<build_id>.partial`` folder, synced, and renamed to
``<export_path>/builds/<build_id>`` with a ``_manifest.json``. Then the symlink
``<export_path>/current`` is swapped to it with one atomic rename: that swap is the commit point.
Right after it, ``<export_path>/current.json`` (prepared and synced before the swap) replaces the
previous one in one rename, naming the same build for readers that cannot follow symlinks; a kill
in between is repaired by the next build (:func:`settle`). The DuckDB schema ``marts`` holds one
view per table over ``<export_path>/current/<table>.parquet``, so the DuckDB marts and the Parquet
set are always the same build, and a kill at any moment leaves the previous set or the new one.
Old build folders the export folder's marker lists are removed, keeping the newest
``export_keep_builds``; a failure there is a warning, never a failed build.

PostgreSQL (:func:`publish_to_postgres`): module ``publish_postgres`` swaps the audited schema
into ``marts`` in one transaction with the build log's ``published`` row, keeps the last N,
recreates the row-level security, and exports the published set as Parquet too.

Failures before the commit point are recorded at once as ``failed`` with one message naming the
file or folder and what to do, and raised as :class:`~styringsoverblik.buildlog.BuildFailed`.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from styringsoverblik.buildlog import (
    AUDIT_SCHEMA,
    BuildFailed,
    PUBLISHED_SCHEMA,
    log_table_sql,
    recorded_failure,
    table_exists,
    utc_now,
)
from styringsoverblik.context import BuildContext
from styringsoverblik.display import show_bare
from styringsoverblik.export_folder import MANIFEST, ExportFolder, fsync
from styringsoverblik.judge import node_name
from styringsoverblik.loader import sql_literal

POINTER_LINK = "current"
PARQUET_WRITERS = 2
PUBLISHED_REASON = "every mart built and every data test on the marts passed"


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
            [PUBLISHED_REASON, now, now, str(folder.build_folder(build_id)), build_id],
        )
        tables = {mart: f"select * from {AUDIT_SCHEMA}.{mart}" for mart in marts}
        tables.update(log_table_sql(build_id))
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
    written into a hidden .partial folder, synced, then renamed (ExportFolder.finish_partial)."""
    partial = folder.start_partial(build_id)
    written_at = utc_now()

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
    return folder.finish_partial(build_id, {table: written[table] for table in tables}, written_at)


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


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The base tables of a schema (the audited marts), by name."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'"
        " order by table_name",
        [schema],
    ).fetchall()
    return [name for (name,) in rows]


def current_export(export_root: Path) -> str | None:
    """The build id the symlink <export_root>/current names, if the folder is the project's."""
    folder = ExportFolder.inspect(export_root)
    return folder.current_build() if folder is not None else None


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


def publish_to_postgres(con: Any, log_con: Any, context: BuildContext, build_id: str) -> tuple[str, list[str]]:
    """Publish the audited build on PostgreSQL through module ``publish_postgres`` on ``con``
    (the schema swap with the build log's ``published`` row in one transaction, keep-N,
    row-level security, the Parquet export of the published set). A failure is recorded
    ``failed`` (on ``log_con``, autocommit) and raised as BuildFailed with publish_postgres's
    message. Returns where the build was published and the warnings.

    ``keep``: publish_postgres keeps that many PREVIOUS builds (schemas, and export folders
    besides the published one), so export_keep_builds - 1: the same build folders as on DuckDB."""
    from styringsoverblik import publish_postgres

    with recorded_failure(log_con, build_id, "not published"):
        export_path = str(context.vars.get("export_path") or "")
        try:
            return publish_postgres.publish(
                con,
                build_id=build_id,
                tables=[node_name(mart) for mart in context.marts],
                log_tables=log_table_sql(build_id, current="%(build_id)s"),
                keep=context.keep_builds() - 1,
                export_root=context.export_root() if export_path else None,
            )
        except publish_postgres.PublishFailed as error:  # recorded by publish_postgres; its message as is
            raise BuildFailed(str(error)) from None


def settle_postgres(con: Any, export_root: Path | None) -> list[str]:
    """After a kill: publish_postgres.settle (an attempt left `publishing` is `interrupted`, the
    export folder's current names the build the server's `marts` holds). Returns warnings."""
    from styringsoverblik import publish_postgres

    return publish_postgres.settle(con, export_root)
