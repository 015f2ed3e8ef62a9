"""Publishing on PostgreSQL (styringsoverblik.publish_postgres) on the real cluster: the schema
swap publishes one whole build, keep-N, dropping old schemas never waits on a reader, the swap
never lets a REPEATABLE READ reader see a mix (also when the publishing process is killed at
any moment), and settle repairs the export folder after a kill."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest

from pg_publish_helpers import LOG_TABLES, MARTS, TABLES, builds_in, connect, make_audited, new_build_id, one_build
from styringsoverblik import publish_postgres as pp
from styringsoverblik import security

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


@pytest.fixture
def pg(postgres_cluster):
    """A database of the test's own, its superuser connection and group roles of its own (roles
    are cluster-wide): dropped at the end."""
    env = postgres_cluster.create_database("pub")
    suffix = env["PGDATABASE"].rsplit("_", 1)[1]
    roles = security.Roles(reader=f"reader_{suffix}", municipality=f"municipality_{suffix}")
    con = connect(env, autocommit=True)
    # a publish that blocked on a reader would fail the test instead of hanging it
    con.execute("set statement_timeout = '60s'")
    yield env, con, roles
    con.execute("drop schema if exists security cascade")
    for role in roles.groups:
        if con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone():
            con.execute(psycopg.sql.SQL("drop owned by {}").format(psycopg.sql.Identifier(role)))
            con.execute(psycopg.sql.SQL("drop role {}").format(psycopg.sql.Identifier(role)))
    con.close()


def publish(con, build_id, roles, export_root=None, keep=2, swap_timeout=60.0, **kwargs):
    return pp.publish(
        con, build_id=build_id, tables=list(MARTS), log_tables=LOG_TABLES, keep=keep, export_root=export_root,
        roles=roles, swap_timeout=swap_timeout, **kwargs,
    )


def new_build(con, roles, export_root=None, keep=2, number=1, **kwargs) -> str:
    build_id = new_build_id()
    make_audited(con, build_id, number)
    publish(con, build_id, roles, export_root, keep, **kwargs)
    return build_id


def schemas(con) -> list[str]:
    return sorted(name for (name,) in con.execute("select nspname from pg_namespace where nspname like 'marts%'"))


def status(con, build_id) -> str:
    return con.execute("select status from ops.build_runs where build_id = %s", [build_id]).fetchone()[0]


def test_swap_publishes_one_whole_set_with_its_log_and_parquet_export(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    first = new_build(con, roles, export, number=1)
    second = new_build_id()
    make_audited(con, second, number=2)
    where, warnings = publish(con, second, roles, export)

    assert warnings == []
    assert where == str(export / "builds" / second)
    assert one_build(builds_in(con, "marts")) == second
    assert schemas(con) == ["marts", f"marts_prev_000001_{first}"]
    assert one_build(builds_in(con, f"marts_prev_000001_{first}")) == first
    assert {status(con, first), status(con, second)} == {"published"}
    # the log names both published builds, the second as current (filled before the swap)
    log = dict(con.execute("select build_id, is_current from marts.dim_builds").fetchall())
    assert log == {first: False, second: True}
    assert con.execute("select finished_at from marts.dim_builds where is_current").fetchone()[0] == con.execute(
        "select published_at from ops.build_runs where build_id = %s", [second]
    ).fetchone()[0]
    # the Parquet set is the published set: the same tables, rows and build
    assert os.readlink(export / "current") == f"builds/{second}"
    assert json.loads((export / "current.json").read_text())["build_id"] == second
    manifest = json.loads((export / "builds" / second / "_manifest.json").read_text())
    assert sorted(manifest["tables"]) == sorted(TABLES)
    scores = pq.read_table(export / "current" / "fct_scores.parquet").to_pylist()
    assert sorted((r["build_id"], r["municipality_code"], r["score"]) for r in scores) == [
        (second, 101, 12.1), (second, 147, 16.7), (second, 151, 17.1)
    ]
    rows = pq.read_table(export / "current" / "fct_response_rows.parquet")
    assert rows.num_rows == 4 and rows.column("municipality_code").null_count == 1
    assert str(rows.schema.field("municipality_code").type) == "int32"
    assert manifest["tables"]["fct_response_rows"]["rows"] == 4


def test_keep_n_previous_schemas_and_export_folders(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    builds = [new_build(con, roles, export, keep=1, number=n) for n in range(4)]
    assert schemas(con) == ["marts", f"marts_prev_000003_{builds[2]}"]
    assert one_build(builds_in(con)) == builds[3]
    assert sorted(p.name for p in (export / "builds").iterdir()) == sorted(builds[2:])
    new_build(con, roles, export, keep=0, number=5)
    assert schemas(con) == ["marts"]


def test_a_failed_publish_leaves_the_previous_build(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    first = new_build(con, roles, export)
    second = new_build_id()
    make_audited(con, second)
    con.execute("drop table marts_audit.fct_scores")  # a partial build
    with pytest.raises(pp.PublishFailed, match="lacks 'fct_scores'|lacks fct_scores"):
        publish(con, second, roles, export)
    assert one_build(builds_in(con)) == first
    assert status(con, second) == "failed"
    assert os.readlink(export / "current") == f"builds/{first}"
    assert not (export / "builds" / second).exists()


def test_dropping_old_schemas_does_not_wait_for_a_reader_and_is_retried(pg):
    env, con, roles = pg
    first = new_build(con, roles, keep=5)
    second = new_build(con, roles, keep=5)
    held = f"marts_prev_000001_{first}"
    reader = connect(env)

    def reader_holds_the_oldest_previous_schema():
        reader.execute("begin isolation level repeatable read")
        assert reader.execute(f'select count(*) from "{held}".fct_scores').fetchone()[0] == 3

    third = new_build_id()
    make_audited(con, third)
    publisher = Publisher(env, third, roles, hooks={"swap": reader_holds_the_oldest_previous_schema}, keep=0)
    publisher.start()
    publisher.join()
    assert publisher.error is None
    assert publisher.result[1] == [
        f"old schema {held} is still in use by a reader; not dropped now, the next publish drops it"
    ]
    assert schemas(con) == ["marts", held]
    assert one_build(builds_in(con)) == third
    reader.rollback()
    reader.close()
    new_build(con, roles, keep=0)
    assert schemas(con) == ["marts"]
    assert status(con, second) == "published"


class Publisher(threading.Thread):
    """publish() in a thread of its own connection; on_step(name) hooks run in it."""

    def __init__(self, env, build_id, roles, hooks=None, **kwargs):
        super().__init__(daemon=True)
        self.env, self.build_id, self.roles, self.hooks, self.kwargs = env, build_id, roles, hooks or {}, kwargs
        self.reached = {name: threading.Event() for name in ("prepare", "export", "wait", "swap", "locked", "commit", "after")}
        self.error = None
        self.result = None
        self.pid = None

    def step(self, name):
        if name in self.hooks:
            self.hooks[name]()
        self.reached[name].set()

    def run(self):
        try:
            with connect(self.env, autocommit=True) as con:
                self.pid = con.info.backend_pid
                self.result = publish(con, self.build_id, self.roles, on_step=self.step, **self.kwargs)
        except BaseException as error:  # reported to the test
            self.error = error
        finally:  # a test awaiting a step never hangs on a publish that ended
            for event in self.reached.values():
                event.set()


def await_lock_wait(con, pid, thread) -> None:
    """Until the backend `pid` waits for a lock (an event seen in pg_locks); fails when the
    thread using it ended instead."""
    while not con.execute("select 1 from pg_locks where pid = %s and not granted", [pid]).fetchone():
        assert thread.is_alive(), "the session ended without waiting for a lock"
        con.execute("select pg_sleep(0.01)")


def test_a_reader_inside_the_old_set_keeps_reading_the_old_set(pg):
    """The swap waits for the locks of a reader that has read a published table: that reader reads
    every other table of the same (old) build; once it ends the swap goes through."""
    env, con, roles = pg
    first = new_build(con, roles)
    second = new_build_id()
    make_audited(con, second, number=2)
    reader = connect(env)

    def reader_reads_one_table():  # after the build is ready, before the swap
        reader.execute("begin isolation level repeatable read")
        assert {r[0] for r in reader.execute("select build_id from marts.fct_scores")} == {first}

    publisher = Publisher(env, second, roles, hooks={"swap": reader_reads_one_table})
    publisher.start()
    publisher.reached["swap"].wait()
    assert publisher.error is None
    await_lock_wait(con, publisher.pid, publisher)  # the swap queues for the reader's table
    assert one_build(builds_in(reader)) == first  # every table, still the old build
    reader.commit()
    reader.close()
    publisher.join()
    assert publisher.error is None
    assert one_build(builds_in(con)) == second


def test_a_reader_that_waits_for_the_swap_reads_the_new_set_whole(pg):
    """A reader that asks for a table while the swap holds its locks waits, then reads the new
    build (PostgreSQL looks the name up again after the lock), every row of it."""
    env, con, roles = pg
    new_build(con, roles)
    second = new_build_id()
    make_audited(con, second, number=2)
    seen = {}
    reader_pid = {}
    connected = threading.Event()

    def read():
        with connect(env) as reader:
            reader_pid["pid"] = reader.info.backend_pid
            connected.set()
            reader.execute("begin isolation level repeatable read")
            seen["scores"] = reader.execute("select build_id, municipality_code from marts.fct_scores").fetchall()
            seen["all"] = builds_in(reader)
            reader.commit()

    reader = threading.Thread(target=read, daemon=True)

    def while_locked():  # inside the swap transaction, locks held, nothing renamed yet
        reader.start()
        connected.wait()
        await_lock_wait(con, reader_pid["pid"], reader)

    publisher = Publisher(env, second, roles, hooks={"locked": while_locked})
    publisher.start()
    publisher.join()
    reader.join()
    assert publisher.error is None
    assert sorted(seen["scores"]) == [(second, 101), (second, 147), (second, 151)]
    assert one_build(seen["all"]) == second


def test_a_reader_whose_snapshot_predates_the_build_is_waited_for(pg):
    """A REPEATABLE READ snapshot taken before the new tables were filled would see them empty:
    the swap waits until such a transaction ends, so it reads the old build whole."""
    env, con, roles = pg
    first = new_build(con, roles)
    with connect(env) as reader:
        reader.execute("begin isolation level repeatable read")
        reader.execute("select 1")  # the snapshot
        second = new_build_id()
        make_audited(con, second, number=2)
        publisher = Publisher(env, second, roles)
        publisher.start()
        publisher.reached["wait"].wait()
        seen = builds_in(reader)
        assert one_build(seen) == first
        assert not publisher.reached["swap"].is_set()
        reader.commit()
    publisher.join()
    assert publisher.error is None
    assert one_build(builds_in(con)) == second


def test_the_swap_gives_up_after_its_time_and_publishes_nothing(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    first = new_build(con, roles, export)
    second = new_build_id()
    make_audited(con, second, number=2)
    reader = connect(env)

    def reader_opens_the_old_set():  # begins after the build was ready: only its lock stands in the way
        reader.execute("begin isolation level repeatable read")
        reader.execute("select count(*) from marts.fct_scores").fetchone()

    publisher = Publisher(env, second, roles, hooks={"wait": reader_opens_the_old_set}, export_root=export, swap_timeout=0.3)
    publisher.start()
    publisher.join()
    reader_pid = reader.info.backend_pid
    reader.rollback()
    reader.close()
    assert isinstance(publisher.error, pp.PublishFailed)
    message = str(publisher.error)
    assert "could not lock the published marts" in message and f"pid {reader_pid}" in message
    assert "Nothing was published, the previous build stays" in message
    assert one_build(builds_in(con)) == first
    assert status(con, second) == "failed"
    assert os.readlink(export / "current") == f"builds/{first}"
    assert schemas(con) == ["marts", "marts_audit"]
    # the next publish of a new build goes through
    third = new_build(con, roles, export, number=3)
    assert one_build(builds_in(con)) == third


def test_an_audited_table_replaced_while_publishing_is_not_published(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    first = new_build(con, roles, export)
    second = new_build_id()
    make_audited(con, second, number=2)

    def another_dbt_run_replaces_a_table():
        with connect(env, autocommit=True) as other:
            other.execute("create table marts_audit.fct_scores_new as select * from marts_audit.fct_scores")
            other.execute("drop table marts_audit.fct_scores")
            other.execute("alter table marts_audit.fct_scores_new rename to fct_scores")

    publisher = Publisher(env, second, roles, hooks={"swap": another_dbt_run_replaces_a_table}, export_root=export)
    publisher.start()
    publisher.join()
    assert isinstance(publisher.error, pp.PublishFailed)
    assert "The audited schema marts_audit changed while it was being published" in str(publisher.error)
    assert one_build(builds_in(con)) == first
    assert status(con, second) == "failed"
    assert os.readlink(export / "current") == f"builds/{first}"


class Died(BaseException):
    """The publishing process's death at a step (no clean-up runs)."""


def test_settle_after_a_death_between_the_commit_and_the_export_swap(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    first = new_build(con, roles, export)
    second = new_build_id()
    make_audited(con, second, number=2)

    def die(step):
        def hook(name):
            if name == step:
                raise Died(step)
        return hook

    with pytest.raises(Died):
        publish(con, second, roles, export, on_step=die("after"))
    assert one_build(builds_in(con)) == second
    assert os.readlink(export / "current") == f"builds/{first}"
    assert pp.settle(con, export) == []
    assert os.readlink(export / "current") == f"builds/{second}"
    assert json.loads((export / "current.json").read_text())["build_id"] == second

    third = new_build_id()
    make_audited(con, third, number=3)
    with pytest.raises(Died):
        publish(con, third, roles, export, on_step=die("wait"))
    assert status(con, third) == "publishing"
    assert pp.settle(con, export) == []
    assert status(con, third) == "interrupted"
    assert os.readlink(export / "current") == f"builds/{second}"
    assert one_build(builds_in(con)) == second


def test_settle_says_when_the_export_folder_lacks_the_published_build(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    first = new_build(con, roles, export)
    second = new_build(con, roles)  # published without an export
    assert pp.settle(con, export) == [
        f"the export folder has no Parquet set of the published build {second}; its current stays at "
        f"{first} until the next build writes one"
    ]
    assert os.readlink(export / "current") == f"builds/{first}"


# --------------------------------------------------------------------------------------------
# the acceptance: a REPEATABLE READ reader during publishes killed at any moment

PUBLISHER = """
import sys
from pathlib import Path
from pg_publish_helpers import LOG_TABLES, MARTS, connect, make_audited, new_build_id
from styringsoverblik import publish_postgres as pp, security
import json, os
env = json.loads(os.environ["PUBLISH_ENV"])
roles = security.Roles(*json.loads(os.environ["PUBLISH_ROLES"]))
export = Path(os.environ["PUBLISH_EXPORT"])
con = connect(env, autocommit=True)
def say(*words):
    print(*words, flush=True)
for warning in pp.settle(con, export):
    say("WARNING", warning)
number = int(os.environ["PUBLISH_NUMBER"])
while True:
    number += 1
    build_id = new_build_id()
    make_audited(con, build_id, number)
    say("BUILD", build_id)
    pp.publish(con, build_id=build_id, tables=list(MARTS), log_tables=LOG_TABLES, keep=1, export_root=export,
               roles=roles, on_step=lambda name: say("STEP", name))
    say("PUBLISHED", build_id)
"""
STEPS_PER_PUBLISH = 8  # prepare, export, wait, swap, locked, commit, after, PUBLISHED


class Reader(threading.Thread):
    """Reads every table in one REPEATABLE READ transaction, again and again; records what each
    transaction saw (a mix is an error)."""

    def __init__(self, env):
        super().__init__(daemon=True)
        self.env = env
        self.stop = threading.Event()
        self.transactions = 0
        self.builds = set()
        self.errors = []
        self.random = random.Random(19)

    def run(self):
        with connect(self.env) as con:
            while not self.stop.is_set():
                try:
                    con.execute("begin isolation level repeatable read")
                    if self.random.random() < 0.5:
                        # a snapshot taken before the first mart is read, a while before (widens
                        # the window in which a publish commits in between; not a synchronisation)
                        con.execute("select 1")
                        self.stop.wait(self.random.uniform(0, 0.2))
                    # a little time between two tables too: a swap may come in between
                    between = (lambda: self.stop.wait(self.random.uniform(0, 0.01))) if self.random.random() < 0.5 else None
                    self.builds.add(one_build(builds_in(con, between=between)))
                    con.commit()
                    self.transactions += 1
                except AssertionError as error:
                    self.errors.append(str(error))
                    con.rollback()
                except psycopg.Error as error:
                    self.errors.append(f"{type(error).__name__}: {error}")
                    con.rollback()


def test_a_repeatable_read_reader_sees_one_whole_build_while_publishes_are_killed(pg, tmp_path):
    env, con, roles = pg
    export = tmp_path / "exports"
    published = new_build(con, roles, export, keep=1, number=0)
    reader = Reader(env)
    reader.start()
    chooser = random.Random(int(os.environ.get("PUBLISH_KILL_SEED", "1919")))
    kills = 10
    proc = None
    try:
        for round_no in range(kills):
            environment = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)]),
                "PUBLISH_ENV": json.dumps(env), "PUBLISH_ROLES": json.dumps(list(roles.groups)),
                "PUBLISH_EXPORT": str(export), "PUBLISH_NUMBER": str(100 * (round_no + 1)),
            }
            errors = tmp_path / f"publisher-{round_no}.err"
            with open(errors, "w") as stderr:
                proc = subprocess.Popen(
                    [sys.executable, "-c", PUBLISHER], stdout=subprocess.PIPE, stderr=stderr, text=True, env=environment
                )
            # kill at a chosen line after the process's first successful publish: any step of
            # a later publish (sometimes a little after the line, inside the step)
            target = chooser.randrange(1, 2 * STEPS_PER_PUBLISH)
            delay = chooser.choice([0, 0, 0.001, 0.005, 0.02])
            lines, building, after_first = [], None, None
            for line in proc.stdout:
                lines.append(line.strip())
                word, _, rest = line.strip().partition(" ")
                if word == "BUILD":
                    building = rest
                if word == "PUBLISHED":
                    published = rest
                    if after_first is None:
                        after_first = 0
                        continue
                if after_first is not None:
                    after_first += 1
                    if after_first >= target:
                        if delay:
                            threading.Event().wait(delay)  # the kill's moment inside a step (not a synchronisation)
                        proc.send_signal(signal.SIGKILL)
                        break
            proc.wait()
            proc.stdout.close()
            assert proc.returncode == -signal.SIGKILL, f"the publisher ended by itself: {lines} {errors.read_text()}"
            assert after_first is not None, f"the publisher never published: {lines} {errors.read_text()}"
            # the published set is the old build or the new one, whole
            now = one_build(builds_in(con))
            assert now in {published, building}, (round_no, lines)
            warnings = pp.settle(con, export)
            assert warnings == []
            assert os.readlink(export / "current") == f"builds/{now}"
            assert con.execute("select count(*) from ops.build_runs where status = 'publishing'").fetchone()[0] == 0
            assert status(con, now) == "published"
            if building != now:
                assert status(con, building) in {"running", "interrupted"}
            published = now
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.stop.set()
        reader.join()
    assert reader.errors == []
    assert reader.transactions > 0 and len(reader.builds) > 1
    # the next publish succeeds
    last = new_build(con, roles, export, keep=1, number=9999)
    assert one_build(builds_in(con)) == last


def test_no_transaction_open_on_the_connection(pg):
    env, con, roles = pg
    con.autocommit = False
    con.execute("select 1")
    with pytest.raises(pp.PublishFailed, match="outside a transaction"):
        publish(con, str(uuid.uuid4()), roles)
    con.rollback()
    con.autocommit = True


def test_the_audited_marts_are_locked_before_their_catalog_rows_change(pg):
    """An autovacuum ANALYZE of a freshly built mart holds the table (SHARE UPDATE EXCLUSIVE) and,
    when done, writes the statistics into the table's pg_class row. Had the publish granted on the
    table (which changes that row) before asking for the table's lock, each would wait for the
    other: a deadlock, which failed a publish of the 98 x 100 benchmark. Here a session plays that
    ANALYZE: it holds the lock and, once the publish waits for it, changes the table's catalog row
    (a grant); that must not wait for the publish, and the publish then goes through."""
    env, con, roles = pg
    new_build(con, roles)
    second = new_build_id()
    make_audited(con, second, number=2)
    analyze = connect(env)
    analyze.execute("lock table marts_audit.fct_scores in share update exclusive mode")
    publisher = connect(env, autocommit=True)
    publisher.execute("set statement_timeout = '60s'")
    outcome = {}

    def run_publish():
        try:
            outcome["where"] = publish(publisher, second, roles)
        except Exception as error:  # reported by the assertions below
            outcome["error"] = error

    thread = threading.Thread(target=run_publish, daemon=True)
    thread.start()
    waiting = (
        "select count(*) from pg_locks l join pg_class c on c.oid = l.relation"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'marts_audit' and c.relname = 'fct_scores' and not l.granted and l.pid = %s"
    )
    while thread.is_alive() and not con.execute(waiting, [publisher.info.backend_pid]).fetchone()[0]:
        time.sleep(0.005)
    assert thread.is_alive(), outcome  # the publish waited for the table
    analyze.execute("set local lock_timeout = '5s'")
    analyze.execute(psycopg.sql.SQL("grant select on marts_audit.fct_scores to {}").format(psycopg.sql.Identifier(roles.reader)))
    analyze.commit()
    thread.join(timeout=60)
    analyze.close()
    publisher.close()
    assert "error" not in outcome, outcome
    assert one_build(builds_in(con, "marts")) == second
    assert status(con, second) == "published"
