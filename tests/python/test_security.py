"""Who may see what on PostgreSQL (styringsoverblik.security), with real logins connecting over
TCP with their passwords: a municipality login sees its own rows and the national marts, a reader
login sees everything, a login without a grant sees nothing of the row-secured marts; `grant`
updates rather than duplicates, and a hostile login name is only a name."""

from __future__ import annotations

import time

import psycopg
import pytest
from psycopg import sql

from pg_publish_helpers import LOG_TABLES, MARTS, SECURED, connect, make_audited, new_build_id
from styringsoverblik import cli, security
from styringsoverblik import publish_postgres as pp

NATIONAL = ("fct_national", "dim_builds", "fct_build_input_files")
HOSTILE = "Anna \"O'Brien\"; drop table ops.build_runs; --"


@pytest.fixture
def pg(postgres_cluster):
    """A database of the test's own with one published build; group roles and logins of the
    test's own (roles are cluster-wide), dropped at the end."""
    env = postgres_cluster.create_database("sec")
    suffix = env["PGDATABASE"].rsplit("_", 1)[1]
    roles = security.Roles(reader=f"reader_{suffix}", municipality=f"municipality_{suffix}")
    con = connect(env, autocommit=True)
    logins: list[str] = []
    state = {"env": env, "con": con, "roles": roles, "logins": logins, "suffix": suffix}
    state["build"] = publish_build(con, roles)
    yield state
    con.execute("drop schema if exists security cascade")
    for role in [*logins, *roles.groups]:
        if con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone():
            con.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
            con.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))
    con.close()


def publish_build(con, roles, number=1) -> str:
    build_id = new_build_id()
    make_audited(con, build_id, number)
    pp.publish(con, build_id=build_id, tables=list(MARTS), log_tables=LOG_TABLES, keep=1, export_root=None, roles=roles)
    return build_id


def login(state, name, password) -> psycopg.Connection:
    """A real login over TCP (127.0.0.1, the cluster's port, scram password)."""
    env = state["env"]
    return psycopg.connect(host="127.0.0.1", port=env["PGPORT"], dbname=env["PGDATABASE"], user=name, password=password, autocommit=True)


def grant(state, name, password="pw-" + "x" * 8, **kwargs) -> str:
    state["logins"].append(name)
    return security.grant_login(state["con"], name, password=password, roles=state["roles"], **kwargs)


def visible(con) -> dict[str, list]:
    """Per mart: the municipality codes (or row counts for the national marts) the login sees."""
    seen = {}
    for table in SECURED:
        seen[table] = sorted(
            con.execute(sql.SQL("select municipality_code from {}").format(sql.Identifier("marts", table))).fetchall(),
            key=lambda row: (row[0] is None, row[0]),
        )
    for table in NATIONAL:
        seen[table] = con.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", table))).fetchone()[0]
    return seen


ALL_NATIONAL = {"fct_national": 2, "dim_builds": 1, "fct_build_input_files": 1}


def test_a_municipality_login_sees_its_rows_and_the_national_marts(pg):
    message = grant(pg, "kbh", password="secret one", municipality=101)
    assert message.startswith("login 'kbh' created: sees only municipality 101 (København)")
    with login(pg, "kbh", "secret one") as con:
        seen = visible(con)
        # a NULL municipality_code (a raw row whose code is not a number) is not its own
        assert seen == {
            "dim_municipalities": [(101,)], "fct_response_rows": [(101,)], "fct_scores": [(101,)], **ALL_NATIONAL
        }
        # the unpublished audited schema is not readable before the swap
        build = new_build_id()
        make_audited(pg["con"], build, 2)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("select * from marts_audit.fct_scores")
    # row security is recreated at every publish: the next build is secured the same way
    pp.publish(pg["con"], build_id=build, tables=list(MARTS), log_tables=LOG_TABLES, keep=1, export_root=None, roles=pg["roles"])
    with login(pg, "kbh", "secret one") as con:
        assert con.execute("select build_id, municipality_code, score from marts.fct_scores").fetchall() == [(build, 101, 12.1)]
        assert visible(con)["dim_builds"] == 2


def test_a_reader_login_sees_every_row(pg):
    assert grant(pg, "bi_gateway", password="gw", reader=True) == "login 'bi_gateway' created: sees every row of every mart"
    with login(pg, "bi_gateway", "gw") as con:
        assert visible(con) == {
            "dim_municipalities": [(101,), (147,), (151,)],
            "fct_response_rows": [(101,), (147,), (151,), (None,)],
            "fct_scores": [(101,), (147,), (151,)],
            **ALL_NATIONAL,
        }


def test_a_login_without_a_grant_sees_nothing_of_the_row_secured_marts(pg):
    con = pg["con"]
    stranger = f"stranger_{pg['suffix']}"
    pg["logins"].append(stranger)
    con.execute(sql.SQL("create role {} login password 'pw'").format(sql.Identifier(stranger)))
    with login(pg, stranger, "pw") as reader:
        for table in (*SECURED, *NATIONAL):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", table)))
    # in the municipality group but without a mapping row: no row of the row-secured marts
    con.execute(sql.SQL("grant {} to {}").format(sql.Identifier(pg["roles"].municipality), sql.Identifier(stranger)))
    with login(pg, stranger, "pw") as reader:
        assert visible(reader) == {"dim_municipalities": [], "fct_response_rows": [], "fct_scores": [], **ALL_NATIONAL}
        # nor the mapping of other logins
        grant(pg, "other_login", municipality=147)
        assert reader.execute("select count(*) from security.municipality_logins").fetchone()[0] == 0


def test_grant_twice_updates_the_login(pg):
    grant(pg, "aarhus_bi", password="first", municipality=101)
    message = grant(pg, "aarhus_bi", password="second", municipality=147)
    assert message.startswith("login 'aarhus_bi' updated: sees only municipality 147 (Frederiksberg)")
    rows = pg["con"].execute("select login_name, municipality_code from security.municipality_logins").fetchall()
    assert rows == [("aarhus_bi", 147)]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        login(pg, "aarhus_bi", "first")
    with login(pg, "aarhus_bi", "second") as con:
        assert con.execute("select municipality_code from marts.fct_scores").fetchall() == [(147,)]
    # a municipality login made a reader: no mapping row, every row
    grant(pg, "aarhus_bi", password="second", reader=True)
    assert pg["con"].execute("select count(*) from security.municipality_logins").fetchone()[0] == 0
    with login(pg, "aarhus_bi", "second") as con:
        assert len(con.execute("select * from marts.fct_scores").fetchall()) == 3


def test_a_hostile_login_name_is_only_a_name(pg):
    grant(pg, HOSTILE, password="it's \"quoted\"; --", municipality=151)
    assert pg["con"].execute("select login_name from security.municipality_logins").fetchall() == [(HOSTILE,)]
    with login(pg, HOSTILE, "it's \"quoted\"; --") as con:
        assert con.execute("select current_user").fetchone()[0] == HOSTILE
        assert con.execute("select municipality_code from marts.fct_scores").fetchall() == [(151,)]
    assert pg["con"].execute("select count(*) from ops.build_runs").fetchone()[0] == 1


def test_refusals_name_the_problem(pg):
    with pytest.raises(security.SecurityError, match="The municipality code 999 is not in marts.dim_municipalities"):
        grant(pg, "nobody", municipality=999)
    assert pg["con"].execute("select 1 from pg_roles where rolname = 'nobody'").fetchone() is None
    superuser = pg["env"]["PGUSER"]
    with pytest.raises(security.SecurityError, match="is an administrator"):
        security.grant_login(pg["con"], superuser, municipality=101, password="x", roles=pg["roles"])
    with pytest.raises(security.SecurityError, match="63 bytes"):
        grant(pg, "æ" * 32, municipality=101)
    with pytest.raises(security.SecurityError, match="group role"):
        grant(pg, pg["roles"].reader, reader=True)


def test_the_grant_command(pg, monkeypatch, capsys):
    env = pg["env"]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(security, "DEFAULT_ROLES", pg["roles"])
    monkeypatch.setenv("KBH_PASSWORD", "from the environment")
    pg["logins"].append("kbh_cli")
    code = cli.main(["grant", "--target", "postgres", "--municipality", "101", "--login", "kbh_cli", "--password-env", "KBH_PASSWORD"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "login 'kbh_cli' created: sees only municipality 101 (København)" in out.out
    with login(pg, "kbh_cli", "from the environment") as con:
        assert con.execute("select municipality_code from marts.fct_scores").fetchall() == [(101,)]
    assert cli.main(["grant", "--target", "postgres", "--municipality", "1x", "--login", "kbh_cli"]) == 2
    assert "not a number" in capsys.readouterr().err
    assert cli.main(["grant", "--target", "postgres", "--reader", "--login", "kbh_cli", "--password-env", "NOT_SET_ANYWHERE"]) == 2
    assert "'NOT_SET_ANYWHERE' (--password-env) is not set" in capsys.readouterr().err
    assert cli.main(["grant", "--target", "duckdb", "--reader", "--login", "x"]) == 2
    assert "has no logins" in capsys.readouterr().err


def test_the_code_is_checked_against_the_seed_before_anything_is_published(postgres_cluster):
    env = postgres_cluster.create_database("seed")
    suffix = env["PGDATABASE"].rsplit("_", 1)[1]
    roles = security.Roles(reader=f"reader_{suffix}", municipality=f"municipality_{suffix}")
    with connect(env, autocommit=True) as con:
        con.execute("create schema reference")
        con.execute("create table reference.municipalities (municipality_code integer, municipality_name text)")
        con.execute("insert into reference.municipalities values (101, 'København')")
        with pytest.raises(security.SecurityError, match="The municipality code 147 is not in reference.municipalities"):
            security.grant_login(con, f"l_{suffix}", municipality=147, roles=roles)
        message = security.grant_login(con, f"l_{suffix}", municipality=101, roles=roles)
        assert message == (
            f"login 'l_{suffix}' created: sees only municipality 101 (København) in every mart with a "
            "municipality_code, and the national marts whole; it has no password yet (give --password-env VAR)"
        )
        con.execute("drop schema security cascade")
        for role in (f"l_{suffix}", *roles.groups):
            con.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
            con.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))


def test_a_view_reads_with_the_reader_s_rights(pg):
    """A view in the published schema gets security_invoker: the row security of the tables under
    it applies to the login reading it, not to the view's owner (who bypasses it)."""
    con = pg["con"]
    build = new_build_id()
    make_audited(con, build, 3)
    con.execute("create view marts_audit.v_scores as select municipality_code, score from marts_audit.fct_scores")
    pp.publish(con, build_id=build, tables=list(MARTS), log_tables=LOG_TABLES, keep=1, export_root=None, roles=pg["roles"])
    assert con.execute("select reloptions from pg_class where oid = 'marts.v_scores'::regclass").fetchone()[0] == [
        "security_invoker=true"
    ]
    grant(pg, "frb", password="pw", municipality=147)
    with login(pg, "frb", "pw") as reader:
        assert reader.execute("select municipality_code from marts.v_scores").fetchall() == [(147,)]


def test_a_group_role_created_by_another_database_s_build_at_the_same_moment_is_taken(postgres_cluster):
    """Roles are the cluster's: two warehouses' first builds may create the groups at once. The
    one that waits for the other's uncommitted role takes that role, and its transaction goes on."""
    import threading

    first_env, second_env = postgres_cluster.create_database("rolesa"), postgres_cluster.create_database("rolesb")
    suffix = first_env["PGDATABASE"].rsplit("_", 1)[1]
    roles = security.Roles(reader=f"reader_{suffix}", municipality=f"municipality_{suffix}")
    first, second = connect(first_env), connect(second_env)
    outcome: list = []
    try:
        first.execute(sql.SQL("create role {} nologin").format(sql.Identifier(roles.reader)))  # not committed yet

        def ensure():
            try:
                security.ensure_roles(second, roles)
                second.execute("select 1")  # the transaction is still usable
                second.commit()
                outcome.append(None)
            except Exception as error:  # the outcome the test checks
                outcome.append(error)

        thread = threading.Thread(target=ensure)
        thread.start()
        with connect(first_env, autocommit=True) as watcher:
            while not watcher.execute(
                "select 1 from pg_locks where pid = %s and not granted", [second.info.backend_pid]
            ).fetchone():
                assert thread.is_alive(), outcome
                time.sleep(0.01)
        first.commit()
        thread.join(timeout=60)
        assert outcome == [None]
        with connect(first_env, autocommit=True) as con:
            names = {name for (name,) in con.execute("select rolname from pg_roles where rolname = any(%s)", [list(roles.groups)])}
        assert names == set(roles.groups)
    finally:
        first.rollback()
        second.rollback()
        with connect(first_env, autocommit=True) as con:
            for role in roles.groups:
                con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
        first.close()
        second.close()


def test_a_build_role_that_may_not_create_the_missing_groups_is_stopped_before_the_build(postgres_cluster):
    env = postgres_cluster.create_database("nocreate")
    suffix = env["PGDATABASE"].rsplit("_", 1)[1]
    roles = security.Roles(reader=f"reader_{suffix}", municipality=f"municipality_{suffix}")
    builder = f"builder_{suffix}"
    with connect(env, autocommit=True) as admin:
        admin.execute(sql.SQL("create role {} login password 'pw'").format(sql.Identifier(builder)))
        try:
            with psycopg.connect(host="127.0.0.1", port=env["PGPORT"], dbname=env["PGDATABASE"], user=builder,
                                 password="pw", autocommit=True) as con:
                with pytest.raises(security.SecurityError) as stopped:
                    security.check_roles_can_exist(con, roles)
                message = str(stopped.value)
                assert f"'{roles.reader}', '{roles.municipality}' do not exist" in message
                assert f"the build's role '{builder}' may not create roles" in message
                assert f'create role "{roles.reader}" nologin; create role "{roles.municipality}" nologin' in message
                admin.execute(sql.SQL("create role {} nologin").format(sql.Identifier(roles.reader)))
                with pytest.raises(security.SecurityError, match=f"'{roles.municipality}' do not exist"):
                    security.check_roles_can_exist(con, roles)
                admin.execute(sql.SQL("create role {} nologin").format(sql.Identifier(roles.municipality)))
                assert security.check_roles_can_exist(con, roles) is None  # both exist: nothing to create
            security.check_roles_can_exist(admin, security.Roles(reader=f"r2_{suffix}", municipality=f"m2_{suffix}"))
        finally:
            for role in (builder, *roles.groups):
                admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
