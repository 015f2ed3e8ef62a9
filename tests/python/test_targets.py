"""targets.py on the real PostgreSQL cluster: Arrow round trip, hostile names, the server check."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from psycopg import sql

from styringsoverblik import targets


def _connect(env: dict[str, str], **extra):
    return targets.connect_postgres(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"],
        password=env["PGPASSWORD"], **extra,
    )


@pytest.fixture(scope="module")
def database(postgres_cluster):
    return postgres_cluster.create_database("targets")


def test_round_trip_keeps_types_nulls_and_danish_text(database):
    hostile_table = 'svar"; drop table x; --'
    hostile_column = 'Kolonne "Ø" ; --'
    table = pa.table(
        {
            "municipality_code": pa.array([101, None, 851], pa.int32()),
            "source_line": pa.array([2, 3, 2**40], pa.int64()),
            "score": pa.array([0.125, None, 1 / 3], pa.float64()),
            "answer_text": pa.array(["Økonomiudvalget", None, "tab\tnew\nline \\ æøå"], pa.string()),
            "is_valid": pa.array([True, None, False], pa.bool_()),
            "loaded_at": pa.array([dt.datetime(2026, 1, 2, 3, 4, 5, 678901), None, dt.datetime(1999, 12, 31)], pa.timestamp("us")),
            hostile_column: pa.array(["a", "b", None], pa.string()),
        }
    )
    with _connect(database) as con:
        with con.cursor() as cur:
            assert targets.copy_arrow(cur, "raw schema", hostile_table, table) == 3
        con.commit()
        with con.cursor() as cur:
            cur.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw schema' and table_name = %s order by ordinal_position",
                (hostile_table,),
            )
            assert cur.fetchall() == [
                ("municipality_code", "integer"),
                ("source_line", "bigint"),
                ("score", "double precision"),
                ("answer_text", "text"),
                ("is_valid", "boolean"),
                ("loaded_at", "timestamp without time zone"),
                (hostile_column, "text"),
            ]
            back = targets.arrow_from_postgres(
                cur, sql.SQL("select * from {} order by source_line").format(sql.Identifier("raw schema", hostile_table))
            )
    assert back.schema == table.schema
    assert back.to_pylist() == table.to_pylist()
    # lower() of Danish capitals works (UTF-8 ctype)
    with _connect(database) as con:
        assert con.execute("select lower('ØKONOMIUDVALG')").fetchone()[0] == "økonomiudvalg"


def test_copy_runs_in_the_callers_transaction(database):
    table = pa.table({"x": pa.array([1, 2], pa.int32())})
    with _connect(database) as con:
        with con.cursor() as cur:
            targets.copy_arrow(cur, "rolled_back", "t", table)
        con.rollback()
        assert con.execute("select to_regclass('rolled_back.t')").fetchone()[0] is None


def test_copy_replaces_a_table(database):
    with _connect(database) as con:
        with con.cursor() as cur:
            targets.copy_arrow(cur, "replaced", "t", pa.table({"a": pa.array(["x"])}))
            targets.copy_arrow(cur, "replaced", "t", pa.table({"b": pa.array([1.5, 2.5])}))
            back = targets.arrow_from_postgres(cur, "select * from replaced.t where b > %s order by b", (2,))
    assert back.to_pylist() == [{"b": 2.5}]
    assert back.schema == pa.schema([pa.field("b", pa.float64())])


def test_arrow_from_postgres_types_and_unknown_type(database):
    with _connect(database) as con, con.cursor() as cur:
        back = targets.arrow_from_postgres(
            cur, "select 1::int4 as a, 2::int8 as b, 1.5::numeric as c, 'x'::varchar as d, null::text as e"
        )
        assert back.schema == pa.schema(
            [("a", pa.int32()), ("b", pa.int64()), ("c", pa.float64()), ("d", pa.string()), ("e", pa.string())]
        )
        assert back.to_pylist() == [{"a": 1, "b": 2, "c": 1.5, "d": "x", "e": None}]
        with pytest.raises(targets.TargetError, match="'j'.*json"):
            targets.arrow_from_postgres(cur, "select '{}'::json as j")


def test_server_check_passes_on_the_test_cluster(database):
    with _connect(database) as con:
        targets.check_postgres_server(con)


def test_server_check_names_jit_and_the_fix(postgres_cluster):
    env = postgres_cluster.create_database("jit")
    with _connect(env, autocommit=True) as con:
        con.execute(sql.SQL("alter database {} set jit = on").format(sql.Identifier(env["PGDATABASE"])))
    with _connect(env) as con:
        with pytest.raises(targets.TargetError) as raised:
            targets.check_postgres_server(con)
    message = str(raised.value)
    assert "jit is 'on'" in message
    assert "ALTER DATABASE" in message and "SET jit = off" in message and "PGOPTIONS='-c jit=off'" in message
    assert "LC_CTYPE" not in message
    # PGOPTIONS-style override fixes it for the session
    with _connect(env, options="-c jit=off") as con:
        targets.check_postgres_server(con)


def test_server_check_names_a_c_ctype(postgres_cluster):
    admin = postgres_cluster.env()
    name = "ctype_c_" + postgres_cluster.create_database("x")["PGDATABASE"][-12:]
    with _connect(admin, autocommit=True) as con:
        con.execute(
            sql.SQL("create database {} template template0 lc_ctype 'C' lc_collate 'C'").format(sql.Identifier(name))
        )
    with _connect({**admin, "PGDATABASE": name}) as con:
        assert con.execute("select lower('ØKONOMIUDVALG')").fetchone()[0] != "økonomiudvalg"
        with pytest.raises(targets.TargetError) as raised:
            targets.check_postgres_server(con)
    message = str(raised.value)
    assert "LC_CTYPE is 'C'" in message and "UTF-8" in message and "create the database" in message
    assert "jit" not in message


def test_connect_failure_is_a_target_error(postgres_cluster):
    env = {**postgres_cluster.env(), "PGDATABASE": "no_such_database_here"}
    with pytest.raises(targets.TargetError, match="no_such_database_here"):
        _connect(env)


HOSTILE_TEXTS = [
    "",
    None,
    "line\nbreak",
    "crlf\r\nend\r",
    "\\.",
    "a\n\\.\nb",
    "\\N",
    '"quoted", with; delimiters\t|',
    "back\\slash\\",
    "Ærø Å ø æ",
    " ",
]


def test_copy_keeps_empty_string_and_null_distinct_and_hostile_text_exact(database):
    table = pa.table(
        {
            "n": pa.array(range(len(HOSTILE_TEXTS)), pa.int64()),
            "text": pa.array(HOSTILE_TEXTS, pa.string()),
            "score": pa.array([1 / 3, None, 0.1, 1e-300, -2.5e300, 0.0, 7.0, None, 2**0.5, 1e16, -0.0], pa.float64()),
            "at": pa.array([dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc)] * 10 + [None],
                           pa.timestamp("us", tz="UTC")),
            "day": pa.array([dt.date(2026, 12, 1)] * 5 + [None] * 6, pa.date32()),
        }
    )
    with _connect(database) as con:
        with con.cursor() as cur:
            assert targets.copy_arrow(cur, "hostile", "t", table) == len(HOSTILE_TEXTS)
            back = targets.arrow_from_postgres(cur, "select * from hostile.t order by n")
            assert cur.execute("select count(*) from hostile.t where text is null").fetchone()[0] == 1
            assert cur.execute("select count(*) from hostile.t where text = ''").fetchone()[0] == 1
    assert back.schema == table.schema
    assert back.to_pylist() == table.to_pylist()


def test_batches_from_postgres_equal_the_whole_result(database):
    many = HOSTILE_TEXTS * 300
    table = pa.table(
        {
            "n": pa.array(range(len(many)), pa.int64()),
            "text": pa.array(many, pa.string()),
            "small": pa.array([None if i % 7 == 0 else i % 300 for i in range(len(many))], pa.int16()),
            "score": pa.array([None if i % 5 == 0 else i / 7 for i in range(len(many))], pa.float64()),
            "flag": pa.array([None if i % 3 == 0 else i % 2 == 0 for i in range(len(many))], pa.bool_()),
            "at": pa.array([dt.datetime(2026, 1, 2, 3, 4, 5, i, tzinfo=dt.timezone.utc) for i in range(len(many))],
                           pa.timestamp("us", tz="UTC")),
            "naive": pa.array([dt.datetime(1999, 12, 31, 23, 59, 59, i) for i in range(len(many))], pa.timestamp("us")),
            "day": pa.array([dt.date(2026, 12, 1)] * (len(many) - 1) + [None], pa.date32()),
        }
    )
    with _connect(database) as con:
        with con.transaction():
            with con.cursor() as cur:
                targets.copy_arrow(cur, "batched", "t", table)
                cur.execute("alter table batched.t add column total numeric")
                cur.execute("update batched.t set total = n / 3.0 where n % 2 = 0")
                whole = targets.arrow_from_postgres(cur, "select * from batched.t order by n")
        with con.transaction():
            cur = con.execute("set local timezone = 'Europe/Copenhagen'")
            schema, batches = targets.arrow_batches_from_postgres(con, "select * from batched.t order by n", block_bytes=4096)
            parts = list(batches)
    assert len(parts) > 1
    assert schema == whole.schema
    assert pa.Table.from_batches(parts, schema=schema).to_pylist() == whole.to_pylist()
    assert whole.column("text").to_pylist() == many


def test_batches_from_postgres_of_an_empty_table(database):
    with _connect(database) as con:
        with con.transaction():
            with con.cursor() as cur:
                targets.copy_arrow(cur, "emptied", "t", pa.table({"a": pa.array([], pa.string()), "b": pa.array([], pa.int64())}))
        with con.transaction():
            schema, batches = targets.arrow_batches_from_postgres(con, "select * from emptied.t")
            assert list(batches) == []
    assert schema == pa.schema([("a", pa.string()), ("b", pa.int64())])
