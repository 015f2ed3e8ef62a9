"""dbt-duckdb plugin: the project's Python inside the dbt process.

Enabled in profiles.yml (``plugins: [{module: styringsoverblik.duckdb_plugin}]``), it

- opens the warehouse for writing before dbt-duckdb does, and when another process holds it
  (another build, or a read-only reader such as Power BI's ODBC connection) stops with a message
  that says who holds it and what to do; with ``STYRINGSOVERBLIK_LOCK_WAIT_SECONDS`` (or the
  plugin config ``lock_wait_seconds``) it waits that long for the file first;
- registers two SQL functions that the on-run-start and on-run-end hooks call with a JSON
  context (macros ``begin_build`` and ``end_build``):
  ``styringsoverblik_begin_build(json)`` and ``styringsoverblik_end_build(json)`` run
  :func:`begin_build` / :func:`end_build` on a connection of their own to the same database (the
  hook's own statement is still running while they work). They never raise: they return JSON
  (``ok`` and a message or an error) and the macro stops dbt with the one message (see
  ``hook_outcome``).

The two steps are glue between the stages, nothing of their own:

``begin_build`` (on-run-start)
    For a ``dbt run``/``dbt build`` whose selection holds a mart: record the attempt in
    ``ops.build_runs`` (status ``running``; module ``buildlog``), settle and claim the export
    folder (module ``publish``), and ingest the response files (module ``ingest``: the raw rows,
    the Q12 codings and the input-file rows in one transaction). Any other command (``dbt test``,
    ``compile``, ``docs generate``, a selection without marts) loads nothing and records nothing.

``end_build`` (on-run-end)
    Judge the attempt from dbt's results (module ``judge``), record the rows per file and list
    the rejected ones (``buildlog.record_counts``), and publish a ``published`` one (module
    ``publish``); after ``dbt run``, a complete ``dbt test`` audits and publishes the build it left.

Any failure is recorded ``failed`` at once with one message (``buildlog.recorded_failure``).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from styringsoverblik import buildlog, ingest, publish
from styringsoverblik.buildlog import BuildFailed, recorded_failure
from styringsoverblik.context import BuildContext
from styringsoverblik.export_folder import ExportFolder
from styringsoverblik.judge import judge

LOCK_MESSAGE = re.compile(r"Could not set lock on file|Conflicting lock", re.IGNORECASE)


class WarehouseBusy(DbtRuntimeError):
    pass


def lock_holder(message: str) -> str:
    match = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", message)
    return f"{match.group(1)} (PID {match.group(2)})" if match else "another process"


def open_warehouse(path: str, config: Dict[str, Any], wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting up to wait_seconds while another process holds it.

    The connection is kept open until dbt-duckdb has opened its own: DuckDB hands a second
    connect in the same process (same path, same config) the same database instance, so the
    file lock taken here is never released in between and no other process can slip in."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(path, read_only=False, config=dict(config))
        except duckdb.IOException as error:
            if not LOCK_MESSAGE.search(str(error)):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"The warehouse file '{path}' is in use by {lock_holder(str(error))}: another dbt build, or a "
                    "reader such as Power BI's DuckDB ODBC connection or a Python session. DuckDB allows one writer "
                    "or many read-only readers, never both, so this build cannot start. Nothing was changed. Let the "
                    "other build finish, or close the reader (Power BI can read the Parquet export instead, which "
                    "never locks the warehouse), then run again; or set STYRINGSOVERBLIK_LOCK_WAIT_SECONDS=<seconds> "
                    "to wait for the file."
                ) from None
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))


class Plugin(BasePlugin):
    def initialize(self, plugin_config: Dict[str, Any]):
        self.lock_wait_seconds = float(
            os.environ.get("STYRINGSOVERBLIK_LOCK_WAIT_SECONDS", plugin_config.get("lock_wait_seconds", 0))
        )
        self.root_connection: duckdb.DuckDBPyConnection | None = None
        self.lock_holder: duckdb.DuckDBPyConnection | None = None

    def update_connection_config(self, creds, config: Dict[str, Any]):
        path = creds.path
        if path and path != ":memory:" and not path.startswith("md:") and Path(path).exists():
            self.lock_holder = open_warehouse(path, config, self.lock_wait_seconds)

    def configure_connection(self, conn: duckdb.DuckDBPyConnection):
        if self.lock_holder is not None:  # dbt-duckdb's own connection holds the instance now
            self.lock_holder.close()
            self.lock_holder = None
        self.root_connection = conn
        for name, step in (
            ("styringsoverblik_begin_build", begin_build),
            ("styringsoverblik_end_build", end_build),
        ):
            conn.create_function(name, self._hook(step), ["VARCHAR"], "VARCHAR", side_effects=True)

    def _hook(self, step):
        def call(context_json: str) -> str:
            return hook_outcome(self.root_connection, step, context_json)

        return call


def dbt_project_dir() -> str | None:
    """The project folder of the running dbt invocation (--project-dir, or the folder dbt found
    from the working directory); None outside one."""
    try:
        from dbt.flags import get_flags

        found = getattr(get_flags(), "PROJECT_DIR", None)
    except Exception:  # not inside a dbt invocation (a test calling the hook itself)
        return None
    return str(found) if found else None


def hook_outcome(connection: duckdb.DuckDBPyConnection, step, context_json: str) -> str:
    """Run a build step; its outcome as JSON for the hook macro: `{"ok": true, "message": ...}`,
    or `{"ok": false, "error": ...}` with one message (the step has recorded the attempt as
    failed). Never raises: an exception escaping the UDF would reach dbt as a DuckDB error
    wrapped around a Python one and, in on-run-end, end the run as if interrupted from the
    keyboard (dbt's after_run treats any runtime error raised while rendering a hook so)."""
    cursor = connection.cursor()
    try:
        message = step(cursor, BuildContext.from_json(context_json, dbt_project_dir()))
        return json.dumps({"ok": True, "message": message or ""})
    except BuildFailed as error:
        return json.dumps({"ok": False, "error": str(error)})
    except Exception as error:  # a defect of the step itself: still one line, no traceback
        text = " ".join(str(error).split())[:500]
        return json.dumps({"ok": False, "error": f"The build step {step.__name__} stopped ({type(error).__name__}: {text})."})
    finally:
        cursor.close()


# --------------------------------------------------------------------------------------------
# the hooks' steps


def begin_build(con: duckdb.DuckDBPyConnection, context: BuildContext) -> str:
    """on-run-start: record the attempt, check the export folder and ingest the response files,
    for a run/build that builds marts. Any failure is recorded `failed` at once and raised as
    BuildFailed."""
    if not context.builds_marts:
        return ""
    buildlog.ensure_ops(con)
    buildlog.mark_interrupted(con)
    buildlog.record_attempt(
        con, context.invocation_id, context.command, context.dbt_version, context.project.version,
        context.vars, context.selection,
    )
    with recorded_failure(con, context.invocation_id, "not built"):
        export_root = context.export_root()
        publish.settle(con, export_root)
        context.keep_builds()
        ExportFolder.claim(export_root)  # before anything is built: refused unless it is the project's
    pattern = str(context.vars.get("raw_responses_path", ""))
    with recorded_failure(con, context.invocation_id, "input not loaded", subject=pattern):
        inputs = ingest.ingest(con, context.invocation_id, context.project, pattern, context.vars.get("xlsx_sheet") or None)
    return inputs.summary(context.invocation_id)


def end_build(con: duckdb.DuckDBPyConnection, context: BuildContext) -> str:
    """on-run-end: judge the build, record its counts, publish it when it passed."""
    if context.builds_marts:
        build_id = context.invocation_id
        outcome = judge(context, audit_only=False)
    elif context.command == "test":
        build_id = buildlog.pending_build(con)
        if build_id is None:
            return ""
        outcome = judge(context, audit_only=True)
        if outcome.status == "built":  # an incomplete audit changes nothing
            return f"build {build_id} awaits a complete audit: {outcome.reason}"
    else:
        return ""
    with recorded_failure(con, build_id, "not published"):
        rejects = buildlog.record_counts(con, build_id, context.results) if context.builds_marts else ""
    summary = f"{rejects}\n" if rejects else ""
    if outcome.status != "published":
        buildlog.finish(con, build_id, outcome.status, outcome.reason)
        return f"{summary}build {build_id} {outcome.status.replace('_', ' ')}: {outcome.reason}; Power BI keeps the published build"
    folder, warnings = publish.publish(con, context, build_id)
    notes = "".join(f"\nwarning: {warning}" for warning in warnings)
    return f"{summary}build {build_id} published to schema {buildlog.PUBLISHED_SCHEMA} and {folder}{notes}"
