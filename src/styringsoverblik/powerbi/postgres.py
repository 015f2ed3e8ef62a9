"""The PostgreSQL source (`styringsoverblik powerbi --source postgres`): the semantic model bound
to the server's published schema `marts` through Power BI's built-in PostgreSQL connector
(Npgsql, shipped with Power BI Desktop and the on-premises data gateway).

Every mart's partition navigates the connector's table of tables by schema and name:

    let
        Source = PostgreSQL.Database(PostgreSQLServer, PostgreSQLDatabase),
        Data = Source{[Schema = "marts", Item = "fct_total_scores"]}[Data],
        Selected = Table.SelectColumns(Data, {"total_score_key", ...}, MissingField.Error),
        Typed = Table.TransformColumnTypes(Selected, {{"total_score_key", type text}, ...})
    in
        Typed

`PostgreSQLServer` ("host:port", the port after a colon as the connector takes it) and
`PostgreSQLDatabase` are text parameters of the model (expressions.tmdl), so one data source
serves every table and the service's gateway maps it once. `--mode import` (the default) types
each column in M; `--mode directquery` leaves the `Typed` step out (every step folds to one SQL
query; the columns keep the server's types, which the contracts fix) and marks the partitions
`directQuery`.

Which marts, with which columns: the published set as the server holds it (the tables of schema
`marts`, read over TCP with the login of the libpq environment, PGUSER and PGPASSWORD or
~/.pgpass, in one read-only REPEATABLE READ transaction), checked against the contracts in dbt's
manifest like the Parquet files are. With `--offline` the list comes from the manifest alone (the
models dbt builds into `marts_audit`, which the publish step swaps into `marts`, and the build
log), for a machine that cannot reach the server; nothing is then checked against data and the
run says so. A server that cannot be reached is an error naming `--offline`, never a silent
fallback.

The server and database end up in M text literals: a double quote is doubled and `#(` escaped
(`model.m_text`); a server that is not a host name or address with an optional port, a socket
folder (Power BI connects over TCP only), and any control character are refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from styringsoverblik.powerbi.model import DATA_TYPES, Parameter, Table, m_text
from styringsoverblik.powerbi.source import BUILD_LOG, SourceError, manifest_models

PUBLISHED_SCHEMA = "marts"
# dbt builds the marts here; the publish step swaps the audited schema into `marts`
AUDIT_SCHEMA = "marts_audit"
SERVER_PARAMETER = "PostgreSQLServer"
DATABASE_PARAMETER = "PostgreSQLDatabase"
DEFAULT_PORT = 5432
MODES = {"import": "import", "directquery": "directQuery"}  # --mode -> TMDL partition mode
OFFLINE_BUILD_ID = "none (read from the dbt manifest, --offline)"

# format_type() names (without a length) -> DATA_TYPES key
PG_TYPES = {
    "integer": "integer",
    "smallint": "integer",
    "bigint": "bigint",
    "double precision": "double",
    "text": "varchar",
    "character varying": "varchar",
    "boolean": "boolean",
    "timestamp without time zone": "timestamp",
}

HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})")
IPV6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}\]")
MART_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,120}")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def _shown(value: str) -> str:
    return repr(value[:80]) + ("…" if len(value) > 80 else "")


def _refuse_socket(value: str, where: str) -> None:
    if value.startswith(("/", "@")) or "/" in value or "\\" in value:
        raise SourceError(
            f"{where} {_shown(value)} is a Unix socket folder: Power BI and the gateway connect over TCP only."
            " Pass --server host:port, the name or address (and port) they reach the PostgreSQL server by."
        )


def check_server(value: str) -> tuple[str, str, int]:
    """`host[:port]` or `[IPv6]:port` -> (the M value "host:port", host for libpq, port). Refuses
    a socket folder, several hosts, spaces, control characters and anything else that is not a
    host name or address."""
    if not value or CONTROL.search(value) or any(char.isspace() for char in value):
        raise SourceError(f"--server {_shown(value)}: empty, or holds a space or control character; give host:port")
    _refuse_socket(value, "--server")
    if "," in value:
        raise SourceError(f"--server {_shown(value)} names several hosts; Power BI takes one: give host:port")
    if value.startswith("["):
        found = re.fullmatch(r"(\[[^\]]*\])(?::(.*))?", value)
        if not found or not IPV6.fullmatch(found.group(1)):
            raise SourceError(f"--server {_shown(value)} is not [IPv6 address]:port")
        host, port_text = found.group(1), found.group(2)
        libpq_host = host[1:-1]
    else:
        if value.count(":") > 1:
            raise SourceError(f"--server {_shown(value)}: write an IPv6 address in brackets, e.g. [::1]:5432")
        host, _, port_text = value.partition(":")
        if not HOST_NAME.fullmatch(host):
            raise SourceError(f"--server {_shown(value)}: {_shown(host)} is not a host name or IP address")
        libpq_host = host
        port_text = port_text if ":" in value else None
    if port_text is None:
        port = DEFAULT_PORT
    elif port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535:
        port = int(port_text)
    else:
        raise SourceError(f"--server {_shown(value)}: port {_shown(port_text)} is not a number 1-65535")
    return f"{host}:{port}", libpq_host, port


def check_database(value: str) -> str:
    if not value or CONTROL.search(value):
        raise SourceError(f"--database {_shown(value)}: empty, or holds a control character")
    if len(value.encode("utf-8")) > 63:
        raise SourceError(f"--database {_shown(value)}: a PostgreSQL database name is at most 63 bytes")
    return value


def server_and_database(server: str | None, database: str | None, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """--server and --database, else PGHOST:PGPORT and PGDATABASE of the environment (refused when
    PGHOST is a socket folder), checked."""
    env = os.environ if env is None else env
    if server is None:
        host = env.get("PGHOST", "")
        if not host:
            raise SourceError("no server: pass --server host:port (PGHOST is not set)")
        _refuse_socket(host, "PGHOST")
        port = env.get("PGPORT") or str(DEFAULT_PORT)
        server = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    if database is None:
        database = env.get("PGDATABASE", "")
        if not database:
            raise SourceError("no database: pass --database NAME (PGDATABASE is not set)")
    return check_server(server)[0], check_database(database)


class PostgresSource:
    """The published schema `marts` of a PostgreSQL database, for `read_model` (the duties are
    listed on source.ParquetFolderSource)."""

    kind = "postgres"

    def __init__(self, server: str, database: str, mode: str = "import", manifest: dict | None = None):
        if mode not in MODES:
            raise SourceError(f"--mode {_shown(mode)}: choose {' or '.join(MODES)}")
        self.server, self.host, self.port = check_server(server)
        self.database = check_database(database)
        self.mode = MODES[mode]
        self.offline = manifest is not None
        self._con = None
        if self.offline:
            self._tables, self._columns = offline_tables(manifest)
            self.build_id = OFFLINE_BUILD_ID
        else:
            self._read_server()

    # --- reading ---------------------------------------------------------------------------

    def _read_server(self) -> None:
        import psycopg

        try:
            self._con = psycopg.connect(
                host=self.host, port=self.port, dbname=self.database, connect_timeout=10,
                application_name="styringsoverblik powerbi", options="-c default_transaction_read_only=on",
            )
        except psycopg.Error as error:
            raise SourceError(
                f"cannot connect to PostgreSQL at {self.server}, database {self.database!r}"
                f" (login from PGUSER/PGPASSWORD or ~/.pgpass): {' '.join(str(error).split())[:400]}."
                " Check the server, or pass --offline to take the marts from the dbt manifest."
            ) from error
        self._con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        try:
            rows = self._con.execute(
                "select c.relname, c.oid from pg_catalog.pg_class as c"
                " inner join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
                " where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') order by c.relname",
                [PUBLISHED_SCHEMA],
            ).fetchall()
        except psycopg.Error as error:
            raise SourceError(f"cannot list the tables of schema {PUBLISHED_SCHEMA} on {self.server}: {error}") from error
        if not rows:
            raise SourceError(
                f"{self.server}, database {self.database!r}: schema {PUBLISHED_SCHEMA} holds no table this login sees;"
                " nothing is published there (run `styringsoverblik build --target postgres`)"
            )
        for name, _ in rows:
            if not MART_NAME.fullmatch(name):
                raise SourceError(f"{PUBLISHED_SCHEMA}.{_shown(name)} on {self.server} is not a mart name; not binding it")
        self._tables = {name: name for name, _ in rows}
        self._oids = dict(rows)
        self._columns = {}
        self.build_id = "unknown"
        if "dim_builds" in self._tables:
            current = self._query("select build_id from {table} where is_current", "dim_builds")
            if len(current) == 1 and current[0][0]:
                self.build_id = str(current[0][0])

    def _query(self, template: str, table: str, **columns: str) -> list[tuple]:
        import psycopg
        from psycopg import sql

        statement = sql.SQL(template).format(
            table=sql.Identifier(PUBLISHED_SCHEMA, table), **{key: sql.Identifier(value) for key, value in columns.items()}
        )
        try:
            return self._con.execute(statement).fetchall()
        except psycopg.Error as error:
            raise SourceError(
                f"cannot read {PUBLISHED_SCHEMA}.{table} on {self.server} with this login: {' '.join(str(error).split())[:300]}"
                " (a BI login needs the reader role: `styringsoverblik grant --target postgres --reader --login NAME`)"
            ) from error

    def published_tables(self) -> dict[str, str]:
        return dict(self._tables)

    def describe(self, table: str) -> str:
        if self.offline:
            return "the dbt manifest"
        return f"{PUBLISHED_SCHEMA}.{table} on {self.server}, database {self.database!r}"

    def columns(self, table: str) -> list[tuple[str, str | None, str]]:
        if self.offline:
            return self._columns[table]
        rows = self._con.execute(
            "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) from pg_catalog.pg_attribute as a"
            " where a.attrelid = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
            [self._oids[table]],
        ).fetchall()
        return [(name, PG_TYPES.get(re.sub(r"\(.*\)", "", kind).strip()), kind) for name, kind in rows]

    def value_range(self, table: str, column: str) -> tuple | None:
        if self.offline:
            return None
        return self._query("select min({column}), max({column}) from {table}", table, column=column)[0]

    def one_to_one(self, table: str, label: str, sort_column: str) -> bool | None:
        if self.offline:
            return None
        ((bad,),) = self._query(
            "select count(*) from (select {label} from {table} group by 1 having count(distinct {sort}) > 1) as labels",
            table, label=label, sort=sort_column,
        )
        return bad == 0

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    # --- writing ---------------------------------------------------------------------------

    def parameters(self) -> list[Parameter]:
        return [
            Parameter(
                SERVER_PARAMETER, self.server,
                "The PostgreSQL server as Power BI Desktop and the on-premises data gateway reach it: host:port.",
            ),
            Parameter(
                DATABASE_PARAMETER, self.database,
                f"The database holding the published schema {PUBLISHED_SCHEMA} (the PGDATABASE of `styringsoverblik build --target postgres`).",
            ),
        ]

    def partition_m(self, table: Table) -> str:
        return postgres_partition_m(table, self.mode)


def postgres_partition_m(table: Table, mode: str = "import") -> str:
    """The M that loads one mart from schema marts; in DirectQuery without the typing step."""
    names = ", ".join(m_text(column.name) for column in table.columns)
    head = f"""let
    Source = PostgreSQL.Database({SERVER_PARAMETER}, {DATABASE_PARAMETER}),
    Data = Source{{[Schema = {m_text(PUBLISHED_SCHEMA)}, Item = {m_text(table.file)}]}}[Data],
    Selected = Table.SelectColumns(Data, {{{names}}}, MissingField.Error)"""
    if mode == "directQuery":
        return f"{head}\nin\n    Selected"
    types = ",\n        ".join(f"{{{m_text(column.name)}, {column.m_type}}}" for column in table.columns)
    return f"""{head},
    Typed = Table.TransformColumnTypes(
        Selected,
        {{
        {types}
        }}
    )
in
    Typed"""


def offline_tables(manifest: dict) -> tuple[dict[str, str], dict[str, list[tuple[str, str | None, str]]]]:
    """The marts the publish step puts in schema marts, by the manifest: every model dbt builds
    into marts_audit, and the build log; each with its contract's (or the log's) columns."""
    tables: dict[str, str] = {}
    columns: dict[str, list[tuple[str, str | None, str]]] = {}
    for name, node in sorted(manifest_models(manifest).items()):
        if (node.get("config") or {}).get("schema") != AUDIT_SCHEMA:
            continue
        tables[name] = name
        columns[name] = [
            (column["name"], _contract_type(column.get("data_type")), str(column.get("data_type")))
            for column in (node.get("columns") or {}).values()
        ]
    if not tables:
        raise SourceError(f"the dbt manifest has no model in schema {AUDIT_SCHEMA}: pass the manifest of this project (--manifest)")
    for name, spec in BUILD_LOG.items():
        tables[name] = name
        columns[name] = [(column, kind, kind) for column, kind in spec["types"].items()]
    return tables, columns


def _contract_type(declared: str | None) -> str | None:
    normalised = (declared or "").strip().lower()
    return normalised if normalised in DATA_TYPES else None
