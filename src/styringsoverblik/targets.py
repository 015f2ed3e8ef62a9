"""The engine seam to PostgreSQL: connect, check the server's settings, move Arrow tables in and out.

Every stage that writes to or reads from the PostgreSQL target goes through these functions:

- ``connect_postgres(**overrides)``: a psycopg 3 connection; libpq reads the standard environment
  (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGOPTIONS, ...), keyword overrides win.
- ``transform_options(current)``: PGOPTIONS for ``dbt build`` (``TRANSFORM_SETTINGS``: planner
  settings of the transform stage's sessions).
- ``check_postgres_server(con)``: the settings the project needs, with a message naming the setting,
  its value and the fix (the dbt hook begin_build checks the same rules, macro postgres__begin_build).
- ``copy_arrow(cur, schema, table, arrow_table)``: (re)create a table typed from the Arrow schema
  and COPY the rows in, inside the caller's transaction.
- ``copy_rows(cur, target, names, batches)``: COPY Arrow record batches into an existing table
  (text format, escaped column by column in Arrow: no per-row Python).
- ``arrow_from_postgres(cur, query, params)``: a query's result as a typed Arrow table.
- ``arrow_batches_from_postgres(con, query, params)``: the same typed result in bounded batches
  through COPY ... TO STDOUT in CSV parsed by Arrow (the Parquet export of large marts).

Identifiers reach SQL only as ``psycopg.sql.Identifier``; values only through COPY or bound
parameters.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pyarrow as pa
import psycopg
from psycopg import sql


class TargetError(Exception):
    """The target cannot be used as it is; the message names the cause and the fix."""


# Planner settings for the sessions of the transform stage (`dbt build`, which opens one
# connection per model and test: libpq passes these to each through PGOPTIONS). The
# classification views (stg_survey__responses -> int_responses_matched -> int_responses_classified)
# resolve each DISTINCT text once and join the raw rows back to those few texts; PostgreSQL cannot
# estimate how few they are (no statistics describe a DISTINCT over a view's expressions: it
# expects as many texts as rows), so it sorts the million raw rows to merge-join them with a few
# hundred texts and rubric cells, several times per pass. Without merge joins it hashes the
# small side instead: on 98 x 100 rounds (1.26 million raw rows) the three nodes that read these
# views took 71 s instead of 123 s. Every join of the project is an equality join, which can be hashed.
TRANSFORM_SETTINGS = {"enable_mergejoin": "off"}


def transform_options(current: str | None) -> str:
    """PGOPTIONS for the transform stage: TRANSFORM_SETTINGS, then the caller's own PGOPTIONS
    (a later -c wins in PostgreSQL, so the caller's explicit choice stays in force)."""
    ours = " ".join(f"-c {name}={value}" for name, value in TRANSFORM_SETTINGS.items())
    return f"{ours} {current}" if current and current.strip() else ours


def connect_postgres(**overrides: Any) -> psycopg.Connection:
    """A connection to the PostgreSQL target. libpq reads PG* environment variables; keyword
    arguments (host, port, user, password, dbname, autocommit, ...) override them."""
    autocommit = bool(overrides.pop("autocommit", False))
    try:
        return psycopg.connect(autocommit=autocommit, **overrides)
    except psycopg.OperationalError as exc:
        detail = " ".join(str(exc).split())[:400]
        raise TargetError(
            f"cannot connect to the PostgreSQL target ({detail}); set PGHOST, PGPORT, PGUSER, "
            "PGPASSWORD and PGDATABASE"
        ) from exc


def _ctype_is_utf8(value: str) -> bool:
    normalized = value.lower().replace("-", "")
    return normalized.endswith("utf8")


def check_postgres_server(con: psycopg.Connection) -> None:
    """Raise TargetError unless the database's character type is UTF-8 and jit is off. The dbt
    hook begin_build (macro postgres__begin_build) checks the same rules with the same message."""
    with con.cursor() as cur:
        cur.execute("show lc_ctype")
        ctype = cur.fetchone()[0]
        cur.execute("show jit")
        jit = cur.fetchone()[0]
        cur.execute("select quote_ident(current_database())")
        database = cur.fetchone()[0]
    problems = []
    if not _ctype_is_utf8(ctype):
        problems.append(
            f"the database's LC_CTYPE is '{ctype}', not UTF-8: under it lower('ØKONOMIUDVALG') stays "
            "upper-case and answer labels stop matching; create the database with a UTF-8 locale "
            "(create database ... template template0 encoding 'UTF8' lc_ctype 'C.UTF-8' lc_collate 'C.UTF-8')"
        )
    if jit != "off":
        problems.append(
            f"jit is '{jit}', it must be off (the scoring queries run several times slower with it): "
            f"run `ALTER DATABASE {database} SET jit = off` (or set PGOPTIONS='-c jit=off', "
            "or jit = off in postgresql.conf)"
        )
    if problems:
        raise TargetError("PostgreSQL target: " + "; ".join(problems))


def _postgres_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int8(arrow_type) or pa.types.is_int16(arrow_type) or pa.types.is_uint8(arrow_type):
        return "smallint"
    if pa.types.is_int32(arrow_type) or pa.types.is_uint16(arrow_type):
        return "integer"
    if pa.types.is_int64(arrow_type) or pa.types.is_uint32(arrow_type):
        return "bigint"
    if pa.types.is_float16(arrow_type) or pa.types.is_float32(arrow_type):
        return "real"
    if pa.types.is_float64(arrow_type):
        return "double precision"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_dictionary(arrow_type) and (
        pa.types.is_string(arrow_type.value_type) or pa.types.is_large_string(arrow_type.value_type)
    ):
        return "text"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_date32(arrow_type) or pa.types.is_date64(arrow_type):
        return "date"
    if pa.types.is_null(arrow_type):
        return "text"
    raise TargetError(f"no PostgreSQL type for the Arrow type {arrow_type}")


def copy_arrow(cur: psycopg.Cursor, schema: str, table: str, arrow_table: pa.Table) -> int:
    """Drop and recreate ``schema.table`` with the PostgreSQL types of the Arrow schema and COPY the
    rows in. Runs in the caller's transaction (no commit here). Returns the number of rows."""
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(_postgres_type(field.type)))
        for field in arrow_table.schema
    ]
    target = sql.Identifier(schema, table)
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    cur.execute(sql.SQL("drop table if exists {}").format(target))
    cur.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(columns)))
    copy_rows(cur, target, arrow_table.schema.names, arrow_table.to_batches(max_chunksize=COPY_BATCH_ROWS))
    return arrow_table.num_rows


COPY_BATCH_ROWS = 50_000


def _copy_text_column(column: pa.Array) -> pa.Array:
    """One column as the text of COPY's text format: every value cast to its PostgreSQL input
    text, backslash, tab, line feed and carriage return escaped, NULL as \\N (so NULL and the
    empty string stay distinct and no value can end the data or split a row)."""
    import pyarrow.compute as pc

    if pa.types.is_null(column.type):
        return pa.array(["\\N"] * len(column), pa.string())
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    else:
        for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
            column = pc.replace_substring(column, raw, escaped)
    return pc.fill_null(column, "\\N")


def copy_rows(cur: psycopg.Cursor, target: sql.Composable, names: list[str], batches: Any) -> None:
    """COPY Arrow record batches into the existing table ``target`` (columns ``names``, in the
    batches' order) in COPY's text format, one write per batch, in the caller's transaction."""
    import pyarrow.compute as pc

    columns = sql.SQL(", ").join(sql.Identifier(name) for name in names)
    with cur.copy(sql.SQL("copy {} ({}) from stdin").format(target, columns)) as copy:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            texts = [_copy_text_column(column) for column in batch.columns]
            lines = pc.binary_join_element_wise(*texts, "\t") if len(texts) > 1 else texts[0]
            copy.write(("\n".join(lines.to_pylist()) + "\n").encode("utf-8"))


# Result column type OIDs -> Arrow types.
_ARROW_BY_TYPE_NAME = {
    "bool": pa.bool_(),
    "int2": pa.int16(),
    "int4": pa.int32(),
    "int8": pa.int64(),
    "float4": pa.float32(),
    "float8": pa.float64(),
    "numeric": pa.float64(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "name": pa.string(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}


def _arrow_type(cur: psycopg.Cursor, type_oid: int, column: str) -> pa.DataType:
    info = cur.adapters.types.get(type_oid)
    name = info.name if info is not None else None
    if name not in _ARROW_BY_TYPE_NAME:
        raise TargetError(f"no Arrow type for column {column!r} of PostgreSQL type {name or type_oid}")
    return _ARROW_BY_TYPE_NAME[name]


def _arrow_schema(cur: psycopg.Cursor) -> pa.Schema:
    if cur.description is None:
        raise TargetError("the query returned no result set")
    return pa.schema(
        [pa.field(column.name, _arrow_type(cur, column.type_code, column.name)) for column in cur.description]
    )


def _arrow_batch(schema: pa.Schema, rows: list[tuple]) -> pa.RecordBatch:
    arrays = []
    for index, field in enumerate(schema):
        values = [row[index] for row in rows]
        if pa.types.is_floating(field.type):
            values = [None if value is None else float(value) for value in values]
        elif pa.types.is_timestamp(field.type) and field.type.tz:
            values = [None if value is None else value.astimezone(dt.timezone.utc) for value in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def arrow_from_postgres(cur: psycopg.Cursor, query: Any, params: Any = None) -> pa.Table:
    """The result of ``query`` as an Arrow table typed from the result's column types."""
    cur.execute(query, params)
    schema = _arrow_schema(cur)
    return pa.Table.from_batches([_arrow_batch(schema, cur.fetchall())], schema=schema)


EXPORT_BLOCK_BYTES = 16 << 20


class _CopyStream(io.RawIOBase):
    """The bytes of a COPY ... TO STDOUT as a readable file (pyarrow's CSV reader pulls from it)."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def is_empty(self) -> bool:
        """True when COPY sent no data at all (Arrow's CSV reader refuses an empty input)."""
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return True
            self._pending = bytes(chunk)
        return False

    def readinto(self, buffer: Any) -> int:
        # COPY's data arrives a row at a time: gather rows until the buffer is full
        wanted = len(buffer)
        parts = [self._pending] if self._pending else []
        have = len(self._pending)
        while have < wanted:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        size = min(wanted, len(data))
        buffer[:size] = data[:size]
        self._pending = data[size:]
        return size


def arrow_batches_from_postgres(
    con: psycopg.Connection, query: Any, block_bytes: int = EXPORT_BLOCK_BYTES
) -> tuple[pa.Schema, Any]:
    """The result of ``query`` (no parameters) as (schema, iterator of Arrow record batches of
    about ``block_bytes`` of CSV each), typed as arrow_from_postgres types it, streamed with
    ``COPY (query) TO STDOUT (FORMAT csv)`` and parsed by Arrow (memory stays bounded; NULL is
    an unquoted empty field, the empty string a quoted one). Must run inside a transaction of
    ``con`` (its output settings are set locally there); iterate before the transaction ends."""
    import pyarrow.csv as pacsv

    cur = con.cursor()
    cur.execute("set local datestyle = 'ISO, YMD'")
    cur.execute("set local timezone = 'UTC'")
    cur.execute("set local extra_float_digits = 1")
    subquery = sql.SQL("select * from ({}) as exported").format(sql.SQL(query) if isinstance(query, str) else query)
    cur.execute(sql.SQL("{} limit 0").format(subquery))
    schema = _arrow_schema(cur)
    if len(set(schema.names)) != len(schema.names):
        raise TargetError("the query's result has duplicate column names")
    copy_query = sql.SQL("copy ({}) to stdout (format csv)").format(subquery)

    def batches():
        with cur.copy(copy_query) as copy:
            stream = _CopyStream(copy)
            reader = None if stream.is_empty() else pacsv.open_csv(
                io.BufferedReader(stream, buffer_size=1 << 20),
                read_options=pacsv.ReadOptions(column_names=schema.names, use_threads=False, block_size=block_bytes),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={field.name: field.type for field in schema},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    true_values=["t"],
                    false_values=["f"],
                ),
            )
            for batch in reader or ():
                yield batch.cast(schema) if batch.schema != schema else batch
        cur.close()

    return schema, batches()
