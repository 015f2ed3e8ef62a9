"""``styringsoverblik build``: the one scheduled command, on either target.

    styringsoverblik build [--target duckdb|postgres] [--vars YAML] [--project-dir .] [--profiles-dir DIR]

It runs the three stages: ingest (:mod:`styringsoverblik.ingest`), transform and audit (``dbt
build`` through dbt's programmatic runner, ``dbt.cli.main.dbtRunner``, in this process) and
publish (:mod:`styringsoverblik.publish`), with the messages and exit codes of ``dbt build``:
0 when the build was published, 1 when it was not (the rejected rows listed, the strict gate's
one-line error), 2 when it could not start (a var not allowed, the warehouse in use, ...).

DuckDB: ``dbt build`` itself runs the stages from its hooks (macros ``begin_build`` and
``end_build`` -> the dbt-duckdb plugin ``styringsoverblik.duckdb_plugin``), so this command only
invokes it: ``styringsoverblik build`` and ``dbt build`` are the same build, with the same lock
(the plugin's), messages and build log.

PostgreSQL (dbt-postgres has no plugins): this command runs the stages around ``dbt build``.
One build at a time: an advisory lock on a connection held for the whole build (busy: one
message, or wait ``STYRINGSOVERBLIK_LOCK_WAIT_SECONDS``); attempts left ``running`` by a killed
build are marked ``interrupted``; the attempt is recorded in ``ops.build_runs``; ingest writes the
raw tables; ``dbt build`` runs with ``STYRINGSOVERBLIK_BUILD_ID`` set to the attempt (the
``postgres__`` hooks read it) and the transform stage's planner settings in ``PGOPTIONS``
(``targets.TRANSFORM_SETTINGS``); the attempt is judged from the runner's results
(:mod:`styringsoverblik.judge`), its rows counted, and a passed build published
(``publish_postgres``: the schema swap with the log row in one transaction). A failure at any
stage is recorded ``failed`` with one message.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import uuid
import zlib
from typing import Any, Iterator

import yaml

from styringsoverblik import buildlog, ingest, publish, settings
from styringsoverblik.buildlog import BuildFailed, recorded_failure
from styringsoverblik.context import BuildContext
from styringsoverblik.display import show_bare
from styringsoverblik.export_folder import ExportFolder
from styringsoverblik.judge import judge
from styringsoverblik.project import Project, ProjectError

# --target -> the dbt target of the project's profile (profiles.yml)
DBT_TARGETS = {"duckdb": "dev", "postgres": "postgres"}
BUILD_ID_ENV = "STYRINGSOVERBLIK_BUILD_ID"
LOCK_WAIT_ENV = "STYRINGSOVERBLIK_LOCK_WAIT_SECONDS"
# The advisory lock of the build (one per database): a fixed key, in int4 range so pg_locks shows it
# as objid with classid 0.
LOCK_KEY = zlib.crc32(b"styringsoverblik build") & 0x7FFFFFFF
APPLICATION_NAME = "styringsoverblik build"

EXIT_PUBLISHED, EXIT_NOT_PUBLISHED, EXIT_NOT_STARTED = 0, 1, 2


class WarehouseBusy(Exception):
    """Another build holds the PostgreSQL warehouse's build lock."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=tuple(DBT_TARGETS), default="duckdb",
                        help="the warehouse: the DuckDB file (default) or the PostgreSQL server (libpq PG* variables)")
    parser.add_argument("--vars", default=None, help="dbt vars as YAML, as `dbt build --vars` takes them")
    parser.add_argument("--project-dir", default=".", help="the dbt project (default: the current directory)")
    parser.add_argument("--profiles-dir", default=None, help="the folder of profiles.yml (dbt's default when left out)")
    parser.add_argument("--dbt-target", default=None,
                        help="the profile's dbt target to use (default: dev for duckdb, postgres for postgres)")
    parser.add_argument("--target-path", default=None, help="dbt's target folder (dbt's default when left out)")
    parser.add_argument("--log-path", default=None, help="dbt's log folder (dbt's default when left out)")


def dbt_arguments(command: str, args: argparse.Namespace, project: Project) -> list[str]:
    argv = [command, "--project-dir", str(project.root), "--target", args.dbt_target or DBT_TARGETS[args.target]]
    for flag, value in (("--profiles-dir", args.profiles_dir), ("--target-path", args.target_path),
                        ("--log-path", args.log_path), ("--vars", args.vars)):
        if value is not None:
            argv += [flag, str(value)]
    return argv


def run(args: argparse.Namespace) -> int:
    try:
        project = Project(args.project_dir)
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_STARTED
    if args.target == "duckdb":
        return build_duckdb(args, project)
    return build_postgres(args, project)


def runner_exit_code(result: Any) -> int:
    """dbt's own exit codes: 0 success, 1 a handled failure, 2 an exception."""
    if result.success:
        return EXIT_PUBLISHED
    return EXIT_NOT_STARTED if result.exception is not None else EXIT_NOT_PUBLISHED


def build_duckdb(args: argparse.Namespace, project: Project) -> int:
    """`dbt build` in this process: its hooks run ingest, judge and publish (see the module docstring)."""
    from dbt.cli.main import dbtRunner

    return runner_exit_code(dbtRunner().invoke(dbt_arguments("build", args, project)))


# --------------------------------------------------------------------------------------------
# PostgreSQL


def checked_vars(project: Project, text: str | None) -> dict:
    """The vars in force: dbt_project.yml's defaults, overridden by --vars, checked and typed
    (settings.check: the rules dbt applies while it parses the project)."""
    given = yaml.safe_load(text) if text else {}
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise settings.SettingsError(f"--vars must be a YAML mapping such as '{{strict: false}}', not {settings.shown(text)}")
    return settings.check({**project.var_defaults, **given}, project.root)


def lock_holder(con: Any) -> str:
    row = con.execute(
        "select activity.pid, activity.application_name from pg_locks as locks"
        " left join pg_stat_activity as activity on locks.pid = activity.pid"
        " where locks.locktype = 'advisory' and locks.classid = 0 and locks.objid = %s and locks.granted"
        # advisory locks belong to one database: a build of another warehouse on the server is not the holder
        " and locks.database = (select oid from pg_database where datname = current_database())",
        [LOCK_KEY],
    ).fetchone()
    if row is None:
        return "another build"
    name = f" ({show_bare(row[1], 80)})" if row[1] else ""
    return f"another build{name}, PID {row[0]} on the server"


def acquire_build_lock(con: Any, wait_seconds: float) -> None:
    """Take the build's advisory lock on con (held until con closes), waiting up to wait_seconds."""
    deadline = time.monotonic() + wait_seconds
    while True:
        if con.execute("select pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
            return
        if time.monotonic() >= deadline:
            info = con.info
            raise WarehouseBusy(
                f"The warehouse database '{show_bare(info.dbname, 80)}' on {show_bare(info.host, 80)}:{info.port} is in "
                f"use by {lock_holder(con)}: PostgreSQL runs one build at a time (an advisory lock), so this build cannot "
                "start. Nothing was changed. Let the other build finish, then run again; or set "
                f"{LOCK_WAIT_ENV}=<seconds> to wait for it."
            )
        time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))


@contextlib.contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """`name` set to `value` in this process's environment (the dbt invocation runs in it),
    restored after (unset again if it was unset)."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def transform_settings_in_environment() -> contextlib.AbstractContextManager[None]:
    """PGOPTIONS with the transform stage's planner settings (targets.TRANSFORM_SETTINGS) for the
    dbt invocation, whose sessions libpq opens with them; restored after, so ingest and publish
    keep the server's defaults."""
    from styringsoverblik.targets import transform_options

    return environment_variable("PGOPTIONS", transform_options(os.environ.get("PGOPTIONS")))


def build_id_in_environment(build_id: str) -> contextlib.AbstractContextManager[None]:
    """STYRINGSOVERBLIK_BUILD_ID for the dbt invocation (the postgres__ hooks read it), restored after."""
    return environment_variable(BUILD_ID_ENV, build_id)


def marts_and_tests(manifest: Any) -> tuple[list[str], list[str], list[str]]:
    """The selected nodes (every one: the command builds the whole project), the marts (models
    under models/marts/) and the data tests that audit them (as macro build_context says)."""
    nodes = manifest.nodes
    marts = [uid for uid, node in nodes.items() if node.resource_type == "model" and node.fqn[1:2] == ["marts"]]
    mart_set = set(marts)
    tests = [
        uid for uid, node in nodes.items()
        if node.resource_type == "test" and mart_set & set(node.depends_on.nodes)
    ]
    return list(nodes), marts, tests


def runner_results(result: Any) -> list[dict]:
    """dbt's results as the hooks hand them over (macro build_context)."""
    outcomes = []
    for item in getattr(result.result, "results", None) or []:
        status = getattr(item.status, "value", item.status)
        outcomes.append({"unique_id": item.node.unique_id, "status": str(status), "message": str(item.message or "")})
    return outcomes


def say(message: str) -> None:
    if message:
        print(message, flush=True)


def build_postgres(args: argparse.Namespace, project: Project) -> int:
    from dbt.cli.main import dbtRunner
    from dbt.version import __version__ as dbt_version

    from styringsoverblik import security
    from styringsoverblik.targets import TargetError, check_postgres_server, connect_postgres

    try:
        variables = checked_vars(project, args.vars)
    except (settings.SettingsError, yaml.YAMLError) as error:
        print(f"error: {' '.join(str(error).split()) if isinstance(error, yaml.YAMLError) else error}", file=sys.stderr)
        return EXIT_NOT_STARTED
    wait = float(os.environ.get(LOCK_WAIT_ENV) or 0)
    try:
        lock = connect_postgres(autocommit=True, application_name=APPLICATION_NAME)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_STARTED
    with lock:
        try:
            check_postgres_server(lock)
            security.check_roles_can_exist(lock)
            acquire_build_lock(lock, wait)
        except (TargetError, security.SecurityError, WarehouseBusy) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_NOT_STARTED
        with connect_postgres(autocommit=True, application_name=APPLICATION_NAME) as log, \
                connect_postgres(application_name=APPLICATION_NAME) as work:
            return locked_build(args, project, variables, log, work, dbtRunner, dbt_version)


def locked_build(args, project: Project, variables: dict, log: Any, work: Any, dbtRunner, dbt_version: str) -> int:
    """The stages, under the build lock. ``log``: autocommit (the attempt's rows, recorded at
    once); ``work``: the ingest and publish transactions."""
    parsed = dbtRunner().invoke(dbt_arguments("parse", args, project))
    if not parsed.success:
        return runner_exit_code(parsed)
    manifest = parsed.result
    selected, marts, mart_tests = marts_and_tests(manifest)
    build_id = str(uuid.uuid4())
    context = BuildContext(build_id, "build", str(project.root), dbt_version, selected, marts, mart_tests, [], variables)
    buildlog.ensure_ops(log)
    buildlog.mark_interrupted(log)
    buildlog.record_attempt(log, build_id, "build", dbt_version, project.version, variables, context.selection)
    # a failure before dbt has results (export folder, input files, dbt stopping) exits 2, as on
    # DuckDB, where the same failures stop dbt in its on-run-start hook; after it, 1
    failure_exit = EXIT_NOT_STARTED
    try:
        with recorded_failure(log, build_id, "not built"):
            export_root = context.export_root() if variables.get("export_path") else None
            for warning in publish.settle_postgres(log, export_root):
                say(f"warning: {warning}")
            if export_root is not None:
                context.keep_builds()
                ExportFolder.claim(export_root)  # before anything is built, as on DuckDB
        pattern = str(variables.get("raw_responses_path", ""))
        with recorded_failure(log, build_id, "input not loaded", subject=pattern):
            inputs = ingest.ingest(work, build_id, project, pattern, variables.get("xlsx_sheet") or None)
        say(inputs.summary(build_id))
        with build_id_in_environment(build_id), transform_settings_in_environment():
            result = dbtRunner(manifest=manifest).invoke(dbt_arguments("build", args, project))
        context.results = runner_results(result)
        if result.exception is not None and not context.results:
            detail = show_bare(" ".join(str(result.exception).split()), 500)
            raise BuildFailed(f"dbt build stopped ({type(result.exception).__name__}: {detail}); nothing was published.")
        failure_exit = EXIT_NOT_PUBLISHED
        outcome = judge(context, audit_only=False)
        with recorded_failure(log, build_id, "not published"):
            rejects = buildlog.record_counts(log, build_id, context.results)
        summary = f"{rejects}\n" if rejects else ""
        if outcome.status != "published":
            buildlog.finish(log, build_id, outcome.status, outcome.reason)
            say(f"{summary}build {build_id} {outcome.status.replace('_', ' ')}: {outcome.reason}; "
                "Power BI keeps the published build")
            return EXIT_NOT_PUBLISHED
        where, warnings = publish.publish_to_postgres(work, log, context, build_id)
        notes = "".join(f"\nwarning: {warning}" for warning in warnings)
        schema = f"schema {buildlog.PUBLISHED_SCHEMA}"
        where = schema if where == schema else f"{schema} and {where}"  # and the Parquet export's folder
        say(f"{summary}build {build_id} published to {where}{notes}")
        return EXIT_PUBLISHED
    except BuildFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return failure_exit
    except Exception as error:  # a defect of a stage itself: recorded, one line, no traceback
        text = show_bare(" ".join(str(error).split()), 500)
        message = f"The build stopped ({type(error).__name__}: {text})."
        with contextlib.suppress(Exception):
            buildlog.finish(log, build_id, "failed", message)
        print(f"error: {message}", file=sys.stderr)
        return EXIT_NOT_STARTED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="styringsoverblik build")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
