"""Publishing on PostgreSQL: the audited schema swapped into ``marts`` as one whole build.

dbt builds and tests the marts in the schema ``marts_audit``. :func:`publish` then:

1. records the attempt ``publishing`` in ``ops.build_runs`` (with the time it will be published
   at) and creates the build log tables (``dim_builds``, ``fct_build_input_files``) in
   ``marts_audit`` from the given SQL; grants and row-level security (module ``security``) are
   put on every audited table. One committed transaction, before anything else: what a reader of
   the new build reads is all committed before the swap. It first locks every audited relation
   (ACCESS EXCLUSIVE, a short ``lock_timeout``, retried like the swap): the grants change each
   table's catalog row before ``alter table`` asks for the table's lock, and an autovacuum
   ANALYZE of a freshly built table that held it in between would wait for this transaction to
   write its statistics into that row: a deadlock (seen on the 98 x 100 benchmark).
2. writes the Parquet export of the audited set (when an export folder is given): into
   ``<export>/builds/.<build_id>.partial``, synced, renamed to ``builds/<build_id>`` with its
   manifest (module ``export_folder``), read in one REPEATABLE READ transaction.
3. the swap, ONE transaction holding only catalog changes and the log row: lock every relation
   of ``marts`` and ``marts_audit`` (the audited relations must be the very ones step 1 saw: a
   table another dbt run replaced meanwhile fails the publish), rename ``marts`` to
   ``marts_prev_<seq>_<build id it held>``, ``marts_audit`` to ``marts``, move the schema USAGE
   grant to the new ``marts`` and ``update ops.build_runs set status = 'published'``.
4. after the commit: the export folder's ``current`` symlink and ``current.json`` name the build;
   previous schemas beyond the newest ``keep`` and old export folders are removed. Nothing here
   can fail the published build: a failure is a warning, repaired by the next publish.

Consistency: a reader that reads all marts in one REPEATABLE READ transaction sees one whole build,
also when the publishing process is killed at any moment. PostgreSQL's catalog lookups are not
MVCC: a table is found by its name in the catalog as it is now, its rows are read with the
transaction's snapshot. Three things make a reader's view whole:

- *No reader is inside the old set when the names change.* The swap transaction first takes
  ACCESS EXCLUSIVE locks on every relation of ``marts``. A reader that has read an old table holds
  its ACCESS SHARE lock until its transaction ends, so the swap waits for it; a reader that asks
  for a table while the swap holds the locks waits, and after it gets the lock PostgreSQL notices
  the catalog changed and looks the name up again: it reads the new table. The lock is tried
  with a short ``lock_timeout`` (below ``deadlock_timeout``, so a reader that holds one table
  and waits for another behind the swap is never the one the deadlock detector cancels: the swap
  gives up first), rolled back and retried with backoff (readers in the queue behind it get in
  between), until ``swap_timeout``; then the publish fails with a message naming the blocking
  sessions: nothing is published, the old build stays.
- *Every reader's snapshot sees the new rows.* A table created after a reader took its snapshot
  looks empty to it. Before the swap, the publish waits (holding no lock) until every
  transaction whose snapshot may not see step 1's commit has ended (``pg_stat_activity``: it
  began before that commit and its ``backend_xmin`` is not past step 1's transaction id), as
  ``CREATE INDEX CONCURRENTLY`` waits for older snapshots. A reader whose snapshot is taken later
  sees every row of the new build, whether it reads before the swap (the old build; the swap
  then waits for its locks) or after it. A transaction left open that long (idle in
  transaction) makes the publish fail after ``swap_timeout``; ``idle_in_transaction_session_timeout``
  on the BI logins prevents it. This needs the publishing role to see other sessions' activity
  (a superuser, or a member of ``pg_read_all_stats``); without it the publish warns.
- *Only names change in the swap.* Rows written in the swap transaction are invisible to a reader
  whose snapshot predates it, so the build log tables are filled in step 1; the swap renames,
  grants and updates ``ops.build_runs`` (which the marts do not read) and nothing else.

A kill before the swap's commit leaves ``marts`` as it was (the attempt stays ``publishing``
until :func:`settle`, called by the next build, marks it ``interrupted``); a kill after it leaves
the new build published in PostgreSQL, the truth on this target, and :func:`settle` points the
export folder's ``current`` at it.

Previous schemas are dropped one per transaction with a short ``lock_timeout``: a schema a
reader still holds is skipped with a warning and dropped by a later publish. ``drop schema ...
cascade`` also drops views of someone else's over a previous build's tables: views over the
marts bind to the tables, not their names, so they would show an old build anyway; BI reads
``marts`` itself.

The build log SQL (``log_tables``) is portable SQL over ``ops.*``; it names the build being
published as the bound parameter ``%(build_id)s`` (so a literal ``%`` in it is written ``%%``).
Needs PostgreSQL 15 or later (``security_invoker`` on views) and a role that owns the marts
schemas and may create roles (the group roles, once).
"""

from __future__ import annotations

import random
import re
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg import sql

from styringsoverblik import security
from styringsoverblik.display import show_bare
from styringsoverblik.export_folder import MANIFEST, ExportFolder, fsync
from styringsoverblik.targets import arrow_batches_from_postgres

AUDIT_SCHEMA = "marts_audit"
PUBLISHED_SCHEMA = "marts"
PREVIOUS_PREFIX = "marts_prev_"
PREVIOUS = re.compile(r"marts_prev_(\d{6})_([0-9a-z-]*)")
RELATION_KINDS = ("r", "p", "v", "m", "f")
# the swap's wait for its locks, per attempt; capped at half the server's deadlock_timeout
LOCK_TIMEOUT_MS = (50, 400)
DROP_LOCK_TIMEOUT_MS = 100
SWAP_TIMEOUT_S = 300.0


class PublishFailed(Exception):
    """Nothing was published (the previous build stays); the message says why and what to do."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def ident(*names: str) -> sql.Identifier:
    return sql.Identifier(*names)


def schema_exists(con: psycopg.Connection, schema: str) -> bool:
    return con.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone() is not None


def relations(con: psycopg.Connection, schema: str) -> list[str]:
    rows = con.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relkind::text = any(%s) order by c.relname",
        [schema, list(RELATION_KINDS)],
    ).fetchall()
    return [name for (name,) in rows]


def relation_ids(con: psycopg.Connection, schema: str) -> dict[str, tuple[int, int]]:
    """name -> (oid, relfilenode) of the schema's relations: a table replaced or rewritten
    changes them."""
    rows = con.execute(
        "select c.relname, c.oid::bigint, c.relfilenode::bigint from pg_class c join pg_namespace n"
        " on n.oid = c.relnamespace where n.nspname = %s and c.relkind::text = any(%s)",
        [schema, list(RELATION_KINDS)],
    ).fetchall()
    return {name: (oid, node) for name, oid, node in rows}


def previous_schemas(con: psycopg.Connection) -> list[tuple[int, str]]:
    """(sequence number, name) of the kept previous schemas, newest first."""
    rows = con.execute("select nspname from pg_namespace where nspname like 'marts\\_prev\\_%'").fetchall()
    found = [(int(match.group(1)), name) for (name,) in rows if (match := PREVIOUS.fullmatch(name))]
    return sorted(found, reverse=True)


def previous_name(sequence: int, build_id: str | None) -> str:
    """marts_prev_<6-digit sequence>_<the build it holds> (at most 63 characters)."""
    label = re.sub(r"[^0-9a-z-]", "", (build_id or "unknown").lower())[:36] or "unknown"
    return f"{PREVIOUS_PREFIX}{sequence:06d}_{label}"


def published_build(con: psycopg.Connection) -> str | None:
    """The build PostgreSQL's `marts` holds: the newest `published` row of ops.build_runs (set in
    the same transaction as the swap)."""
    if con.execute("select to_regclass('ops.build_runs')").fetchone()[0] is None:
        return None
    row = con.execute(
        "select build_id from ops.build_runs where status = 'published' order by published_at desc nulls last limit 1"
    ).fetchone()
    return row[0] if row else None


# --------------------------------------------------------------------------------------------
# publish


def publish(
    con: psycopg.Connection,
    *,
    build_id: str,
    tables: list[str],
    log_tables: dict[str, str],
    keep: int,
    export_root: Path | None,
    swap_timeout: float = SWAP_TIMEOUT_S,
    roles: security.Roles = security.DEFAULT_ROLES,
    on_step=None,
) -> tuple[str, list[str]]:
    """Publish the audited build `build_id` (schema marts_audit) as `marts`; see the module
    docstring. `tables`: the marts dbt built and tested there; `log_tables`: name -> SQL of the
    build log tables (portable SQL over ops.*; the build id is the bound parameter
    ``%(build_id)s``); `keep`: previous schemas kept. Returns where the build went and warnings.
    Raises PublishFailed (recorded as `failed` in ops.build_runs) when nothing was published.
    `on_step(name)` is told each step as it starts (tests kill the process there)."""
    step = on_step or (lambda name: None)
    if con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise PublishFailed("publish needs a connection outside a transaction (commit or roll back first)")
    autocommit = con.autocommit
    con.autocommit = True
    try:
        return _publish(con, build_id, tables, log_tables, keep, export_root, swap_timeout, roles, step)
    finally:
        con.autocommit = autocommit


def _publish(con, build_id, tables, log_tables, keep, export_root, swap_timeout, roles, step):
    now = utc_now()
    folder: ExportFolder | None = None
    export: dict = {}
    try:
        step("prepare")
        if export_root is not None:
            folder = ExportFolder.claim(export_root)
        export_folder = str(folder.build_folder(build_id)) if folder else None
        ready_xid, audited = in_locking_transaction(
            con, time.monotonic() + swap_timeout,
            lambda: prepare(con, build_id, tables, log_tables, export_folder, now, roles),
            lambda attempts: (
                f"The audited marts could not be locked within the time allowed ({attempts} attempts) to put the "
                f"build log, grants and row-level security on them ({describe_readers(con, AUDIT_SCHEMA) or 'no session holds them now'}). "
                "Nothing was published, the previous build stays."
            ),
        )
        ready_at = con.execute("select clock_timestamp()").fetchone()[0]
        if folder is not None:
            step("export")
            folder.remember(build_id)
            export["final"] = write_parquet_set(con, folder, build_id, [*tables, *log_tables])
        deadline = time.monotonic() + swap_timeout
        step("wait")
        wait_for_older_snapshots(con, ready_at, ready_xid, deadline)
        step("swap")
        swap(con, build_id, now, deadline, roles, step, audited)
    except Exception as error:  # an interrupt (Ctrl-C) is not recorded: settle marks it interrupted
        message = error_message(error)
        record_failure(con, build_id, message)
        if folder is not None:
            discard(folder, build_id)
        raise PublishFailed(message) from None
    step("after")
    warnings: list[str] = []
    if not can_see_sessions(con):
        warnings.append(
            "the publishing role cannot see other sessions (grant it pg_read_all_stats): readers that began "
            "before the build was ready were not waited for"
        )
    after = [("old schemas not dropped", lambda: warnings.extend(drop_previous(con, keep)))]
    if folder is not None:
        after = [
            ("export folder's current not swapped", lambda: point_export(folder, build_id, now)),
            ("old export folders not removed", lambda: warnings.extend(folder.remove_old_builds(keep + 1, protect=build_id))),
            *after,
        ]
    for what, action in after:
        try:
            action()
        except Exception as error:  # published already: a warning, never a failed build
            detail = show_bare(" ".join(str(error).split()), 300)
            warnings.append(f"{what} ({type(error).__name__}: {detail}); the next build repairs it")
    where = str(export["final"]) if "final" in export else f"schema {PUBLISHED_SCHEMA}"
    return where, warnings


def prepare(con, build_id, tables, log_tables, export_folder, now, roles) -> tuple[str, dict]:
    """Step 1, inside the caller's transaction: every audited relation locked first, then the
    attempt recorded, the build log tables created, grants and row-level security applied.
    Returns (the transaction's id, the audited relations' ids)."""
    audited_names = relations(con, AUDIT_SCHEMA)
    if audited_names:
        con.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(ident(AUDIT_SCHEMA, name) for name in audited_names)
            )
        )
    check_audited(con, build_id, tables, log_tables)
    con.execute(
        "update ops.build_runs set status = 'publishing', reason = %s, finished_at = %s, published_at = %s,"
        " export_folder = %s where build_id = %s",
        ["every mart built and every data test on the marts passed", now, now, export_folder, build_id],
    )
    for name, query in log_tables.items():
        target = ident(AUDIT_SCHEMA, name)
        con.execute(sql.SQL("drop table if exists {}").format(target))
        con.execute(sql.SQL("create table {} as ").format(target) + sql.SQL(query), {"build_id": build_id})
    security.apply(con, AUDIT_SCHEMA, roles)
    # the transaction's id as the 32-bit xid pg_stat_activity.backend_xmin is compared with
    ready_xid = con.execute("select (pg_current_xact_id()::text::bigint % 4294967296)::text").fetchone()[0]
    return ready_xid, relation_ids(con, AUDIT_SCHEMA)


def in_locking_transaction(con: psycopg.Connection, deadline: float, body, gave_up):
    """body() in one transaction with a short lock_timeout; on a lock timeout, or the deadlock
    detector choosing this transaction (on a loaded server the timeout's timer can come late),
    roll back, wait a random moment and try again with a longer timeout, until `deadline`; then
    raise PublishFailed(gave_up(attempts)). Returns what body() returned."""
    timeout, cap = lock_timeouts(con)
    attempt = 0
    while True:
        attempt += 1
        try:
            with con.transaction():
                con.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(f"{timeout}ms")))
                return body()
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            if time.monotonic() > deadline:
                raise PublishFailed(gave_up(attempt)) from None
            time.sleep(random.uniform(0, timeout / 1000))
            timeout = min(cap, timeout * 2)


def error_message(error: BaseException) -> str:
    if isinstance(error, PublishFailed) or type(error).__name__ == "ExportFolderError":
        return str(error)
    text = show_bare(" ".join(str(error).split()), 400)
    return f"Publishing failed ({type(error).__name__}: {text}); nothing was published, the previous build stays."


def record_failure(con: psycopg.Connection, build_id: str, message: str) -> None:
    """The attempt recorded `failed` with the message (its own transaction, best effort)."""
    try:
        if con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            con.rollback()
        con.execute(
            "update ops.build_runs set status = 'failed', reason = %s, published_at = null, finished_at = %s"
            " where build_id = %s and status <> 'published'",
            [message, utc_now(), build_id],
        )
    except psycopg.Error:
        pass


def discard(folder: ExportFolder, build_id: str) -> None:
    """This attempt's export folder, never published, removed (the marker keeps listing it until
    the next clean-up)."""
    folder.discard_partial(build_id)
    final = folder.build_folder(build_id)
    if folder.owns(build_id) and folder.current_build() != build_id and final.is_dir() and not final.is_symlink():
        shutil.rmtree(final, ignore_errors=True)


def check_audited(con: psycopg.Connection, build_id: str, tables: list[str], log_tables: dict[str, str]) -> None:
    if not schema_exists(con, AUDIT_SCHEMA):
        raise PublishFailed(
            f"There is no schema {AUDIT_SCHEMA} to publish (dbt builds the marts there): nothing was published. "
            "Run `styringsoverblik build --target postgres`."
        )
    present = set(relations(con, AUDIT_SCHEMA))
    missing = [table for table in tables if table not in present]
    if missing:
        raise PublishFailed(
            f"The audited schema {AUDIT_SCHEMA} lacks {', '.join(show_bare(m, 80) for m in missing[:5])}: a partial "
            "build is never published; nothing was published."
        )
    clash = [name for name in log_tables if name in tables]
    if clash:
        raise PublishFailed(f"The build log table(s) {', '.join(clash)} are also listed as marts; nothing was published.")
    row = con.execute("select status from ops.build_runs where build_id = %s", [build_id]).fetchone()
    if row is None:
        raise PublishFailed(f"The build {build_id} is not recorded in ops.build_runs; nothing was published.")
    if row[0] == "published":
        raise PublishFailed(f"The build {build_id} is published already; nothing was published again.")


def write_parquet_set(con: psycopg.Connection, folder: ExportFolder, build_id: str, tables: list[str]) -> Path:
    """Every table of the audited set as builds/<build_id>/<table>.parquet, complete or absent:
    read in one REPEATABLE READ transaction, written into the hidden .partial folder, synced,
    renamed (ExportFolder.finish_partial)."""
    import pyarrow.parquet as pq

    partial = folder.start_partial(build_id)
    written_at = utc_now()
    written = {}
    with con.transaction():
        con.execute("set transaction isolation level repeatable read, read only")
        for table in tables:
            schema, batches = arrow_batches_from_postgres(con, sql.SQL("select * from {}").format(ident(AUDIT_SCHEMA, table)))
            path = partial / f"{table}.parquet"
            rows = 0
            with pq.ParquetWriter(path, schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
                    rows += batch.num_rows
                if rows == 0:
                    writer.write_table(schema.empty_table())
            fsync(path)
            written[table] = {"file": path.name, "rows": rows, "bytes": path.stat().st_size}
    return folder.finish_partial(build_id, written, written_at)


def can_see_sessions(con: psycopg.Connection) -> bool:
    return bool(
        con.execute(
            "select rolsuper or pg_has_role(current_user, 'pg_read_all_stats', 'member') from pg_roles"
            " where rolname = current_user"
        ).fetchone()[0]
    )


OLDER_SNAPSHOTS = """
select pid, usename, application_name, state, xact_start
from pg_stat_activity
where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
  and backend_xmin is not null and xact_start < %s and age(backend_xmin) >= age(%s::xid)
order by xact_start
"""


def wait_for_older_snapshots(con: psycopg.Connection, ready_at: datetime, ready_xid: str, deadline: float) -> None:
    """Wait (no lock held) until no other transaction holds a snapshot that may not see the
    transaction `ready_xid` that completed the audited set: it began before that commit
    (``xact_start``) and its snapshot's xmin is not past it (``backend_xmin``)."""
    pause = 0.01
    while True:
        older = con.execute(OLDER_SNAPSHOTS, [ready_at, ready_xid]).fetchall()
        if not older:
            return
        if time.monotonic() > deadline:
            raise PublishFailed(
                "The swap waited too long for transactions that began before the new build was ready "
                f"({describe_sessions(older)}): nothing was published, the previous build stays. End those "
                "sessions (or set idle_in_transaction_session_timeout) and build again."
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def describe_sessions(rows) -> str:
    shown = [f"pid {pid} user {show_bare(user, 40)} ({show_bare(app, 40) or 'no application name'}, {state})" for pid, user, app, state, *_ in rows[:5]]
    return "; ".join(shown) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


def lock_timeouts(con: psycopg.Connection) -> tuple[int, int]:
    """(first, largest) lock_timeout of a swap attempt in ms, below half of deadlock_timeout."""
    deadlock_ms = con.execute(
        "select setting::int * case unit when 's' then 1000 else 1 end from pg_settings where name = 'deadlock_timeout'"
    ).fetchone()[0]
    cap = max(1, min(LOCK_TIMEOUT_MS[1], deadlock_ms // 2))
    return min(LOCK_TIMEOUT_MS[0], cap), cap


def swap(con: psycopg.Connection, build_id: str, now: datetime, deadline: float, roles, step, audited: dict) -> None:
    """The one transaction: lock the published set, rename, move the USAGE grant, log. The swap
    gives way to readers (see in_locking_transaction) until `deadline`."""

    def renames() -> None:
        old = relations(con, PUBLISHED_SCHEMA) if schema_exists(con, PUBLISHED_SCHEMA) else []
        locked = [ident(PUBLISHED_SCHEMA, name) for name in old]
        locked += [ident(AUDIT_SCHEMA, name) for name in relations(con, AUDIT_SCHEMA)]
        con.execute(sql.SQL("lock table {} in access exclusive mode").format(sql.SQL(", ").join(locked)))
        if relation_ids(con, AUDIT_SCHEMA) != audited:
            raise PublishFailed(
                f"The audited schema {AUDIT_SCHEMA} changed while it was being published (another dbt run?): "
                "what was exported and checked is not what would be published, so nothing was published. "
                "Run one build at a time (`styringsoverblik build --target postgres`)."
            )
        step("locked")
        if schema_exists(con, PUBLISHED_SCHEMA):
            held = published_build(con)
            sequence = max([n for n, _ in previous_schemas(con)], default=0) + 1
            previous = previous_name(sequence, held)
            con.execute(sql.SQL("alter schema {} rename to {}").format(ident(PUBLISHED_SCHEMA), ident(previous)))
            security.revoke_usage(con, previous, roles)
        con.execute(sql.SQL("alter schema {} rename to {}").format(ident(AUDIT_SCHEMA), ident(PUBLISHED_SCHEMA)))
        security.grant_usage(con, PUBLISHED_SCHEMA, roles)
        updated = con.execute(
            "update ops.build_runs set status = 'published', published_at = %s, finished_at = %s"
            " where build_id = %s and status = 'publishing'",
            [now, now, build_id],
        ).rowcount
        if updated != 1:
            raise PublishFailed(
                f"The build {build_id} is no longer recorded as publishing in ops.build_runs (another "
                "process changed it); nothing was published."
            )
        step("commit")

    in_locking_transaction(
        con, deadline, renames,
        lambda attempts: (
            f"The swap could not lock the published marts within the time allowed ({attempts} attempts): "
            f"readers kept them open ({describe_readers(con) or 'no session holds them now'}). "
            "Nothing was published, the previous build stays."
        ),
    )


def describe_readers(con: psycopg.Connection, schema: str = PUBLISHED_SCHEMA) -> str:
    """The other sessions holding a lock on a relation of `schema`, for a message."""
    rows = con.execute(
        """
        select distinct a.pid, a.usename, a.application_name, a.state
        from pg_locks l
        join pg_class c on c.oid = l.relation
        join pg_namespace n on n.oid = c.relnamespace
        join pg_stat_activity a on a.pid = l.pid
        where n.nspname = %s and l.granted and l.pid <> pg_backend_pid()
          -- a relation's oid names it in one database only
          and l.database = (select oid from pg_database where datname = current_database())
        """,
        [schema],
    ).fetchall()
    return describe_sessions(rows) if rows else ""


def drop_previous(con: psycopg.Connection, keep: int) -> list[str]:
    """Drop previous schemas beyond the newest `keep`, one per transaction, never waiting on a
    reader: a schema still in use is skipped with a warning (the next publish drops it)."""
    warnings = []
    for _, name in previous_schemas(con)[max(keep, 0):]:
        try:
            with con.transaction():
                con.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(f"{DROP_LOCK_TIMEOUT_MS}ms")))
                con.execute(sql.SQL("drop schema {} cascade").format(ident(name)))
        except psycopg.errors.LockNotAvailable:
            warnings.append(f"old schema {name} is still in use by a reader; not dropped now, the next publish drops it")
    return warnings


def point_export(folder: ExportFolder, build_id: str, published_at: datetime) -> None:
    """The export folder's current and current.json name the build (when its set was written)."""
    if not (folder.build_folder(build_id) / MANIFEST).is_file():
        raise FileNotFoundError(2, "no Parquet set of the published build", str(folder.build_folder(build_id)))
    pointer = folder.prepare_pointer(build_id, published_at)
    folder.swap_current(build_id)
    folder.replace_pointer(pointer)


def settle(con: psycopg.Connection, export_root: Path | None) -> list[str]:
    """After a kill: an attempt left `publishing` is `interrupted` (its swap never committed, or
    it would be `published`), and the export folder's current names the build PostgreSQL's
    `marts` holds (PostgreSQL is the truth on this target). Returns warnings."""
    if con.execute("select to_regclass('ops.build_runs')").fetchone()[0] is None:
        return []
    warnings = []
    with con.transaction():
        con.execute(
            "update ops.build_runs set status = 'interrupted', reason = 'the process ended while publishing',"
            " published_at = null where status = 'publishing'"
        )
        current = published_build(con)
        published_at = None
        if current is not None:
            published_at = con.execute("select published_at from ops.build_runs where build_id = %s", [current]).fetchone()[0]
    if export_root is None or current is None:
        return warnings
    folder = ExportFolder.inspect(export_root)
    if folder is None:
        return warnings
    if folder.current_build() != current:
        if folder.owns(current) and (folder.build_folder(current) / MANIFEST).is_file():
            point_export(folder, current, published_at or utc_now())
        else:
            warnings.append(
                f"the export folder has no Parquet set of the published build {current}; its current stays at "
                f"{folder.current_build() or '(none)'} until the next build writes one"
            )
            return warnings
    folder.repair_pointer(published_at)
    return warnings
