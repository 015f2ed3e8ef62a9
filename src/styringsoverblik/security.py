"""Who may see what on PostgreSQL: the project's roles, row-level security on the marts, logins.

Roles (cluster-wide, created by the project, idempotent; NOLOGIN groups):

``styringsoverblik_reader``
    BI readers (a gateway, a shared semantic model, analysts): SELECT on every mart, every row.
``styringsoverblik_municipality``
    A municipality's own logins: SELECT on every mart; in every mart that has a column
    ``municipality_code`` only the rows of the municipality its login is mapped to.

The mapping is the table ``security.municipality_logins(login_name, municipality_code)``, one row
per login (a login sees one municipality). It lives outside the published schema, so it survives
every build; it is itself row-secured (a login reads only its own row).

Row-level security (:func:`apply`, called by the publish step on the audited schema before the
swap, so every published table has it from the first moment it is readable):

- every table with a ``municipality_code`` column: ``ENABLE ROW LEVEL SECURITY``, a policy for
  the reader group ``using (true)`` and one for the municipality group
  ``using (municipality_code in (select ... from security.municipality_logins where login_name =
  current_user))``. Rows whose ``municipality_code`` is NULL (only ``fct_response_rows``: a raw
  row whose code is not a number, which may belong to any municipality) are seen by the reader
  group only. The national figures are in the marts without a ``municipality_code``
  (``fct_national_benchmarks``, ``fct_answer_distributions``, the dimensions of themes,
  questions, rounds, benchmark subjects, the build log), which both groups read whole.
- every other table: SELECT for both groups, no row security.
- a view gets ``security_invoker = true``, so the row security of the tables under it applies to
  the reader, not to the view's owner.
- a login in no group has no privilege on the marts (permission denied); a login in the
  municipality group without a mapping row sees no row of the row-secured marts; a login in both
  groups sees everything (policies are permissive: any one that allows a row shows it).
- the owner of the tables (the build's user) and superusers bypass row security.

Small-group suppression is in the data already (the disclosure rule in the models); nothing here
changes it.

The schema USAGE privilege on the published schema is granted by the publish step in its swap
transaction (``grant_usage``), so the unpublished audited schema is never readable by BI logins.

``styringsoverblik grant --target postgres --municipality <code> --login <name> [--password-env VAR]``
creates or updates a LOGIN role in the municipality group with its mapping row;
``--reader --login <name>`` one in the reader group. The password is read from the named
environment variable (never from the command line) and sent to the server only as a SCRAM
verifier computed on the client. Identifiers reach SQL only through ``psycopg.sql.Identifier``,
values only as bound parameters or literals of psycopg's quoting.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

import psycopg
from psycopg import sql

from styringsoverblik.display import show

SECURITY_SCHEMA = "security"
MAPPING_TABLE = "municipality_logins"
SECURED_COLUMN = "municipality_code"
PUBLISHED_SCHEMA = "marts"
# PostgreSQL cuts longer identifiers silently (NAMEDATALEN - 1 bytes).
MAX_IDENTIFIER_BYTES = 63
# where the reference list of municipalities may be found, first match wins
MUNICIPALITY_TABLES = (("marts", "dim_municipalities"), ("reference", "municipalities"))


class SecurityError(Exception):
    """A grant that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Roles:
    """The project's group roles (cluster-wide names; tests use names of their own)."""

    reader: str = "styringsoverblik_reader"
    municipality: str = "styringsoverblik_municipality"

    @property
    def groups(self) -> tuple[str, str]:
        return (self.reader, self.municipality)


DEFAULT_ROLES = Roles()


def ident(*names: str) -> sql.Identifier:
    return sql.Identifier(*names)


# --------------------------------------------------------------------------------------------
# roles and the mapping table


def missing_groups(con: psycopg.Connection, roles: Roles = DEFAULT_ROLES) -> list[str]:
    """The project's group roles that do not exist on the server."""
    return [
        role for role in roles.groups
        if con.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone() is None
    ]


def create_group(role: str) -> sql.Composed:
    return sql.SQL("create role {} nologin").format(ident(role))


def check_roles_can_exist(con: psycopg.Connection, roles: Roles = DEFAULT_ROLES) -> None:
    """Raise SecurityError when a group role is missing and the connected role may not create
    it (no CREATEROLE): checked before a build starts, so it does not fail at publish."""
    missing = missing_groups(con, roles)
    (may_create,) = con.execute(
        "select rolsuper or rolcreaterole from pg_roles where rolname = current_user"
    ).fetchone()
    if missing and not may_create:
        (user,) = con.execute("select current_user").fetchone()
        statements = "; ".join(create_group(role).as_string(con) for role in missing)
        raise SecurityError(
            f"The group role(s) {', '.join(repr(role) for role in missing)} do not exist, and the build's role "
            f"{user!r} may not create roles. Create them once as a role with CREATEROLE ({statements}), "
            f"or give {user!r} CREATEROLE; the build grants them the marts at every publish."
        )


def ensure_roles(con: psycopg.Connection, roles: Roles = DEFAULT_ROLES) -> None:
    """The two NOLOGIN groups, created when missing (inside the caller's transaction). Roles are
    the cluster's: a build of another database on the server may create one at the same moment;
    its role is then the one (a savepoint keeps this transaction going)."""
    for role in missing_groups(con, roles):
        try:
            with con.transaction():
                con.execute(create_group(role))
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateObject):
            pass  # created meanwhile by another session, committed


def ensure_mapping(con: psycopg.Connection, roles: Roles = DEFAULT_ROLES) -> None:
    """The schema `security` and its mapping table, row-secured (a login reads its own row)."""
    con.execute(sql.SQL("create schema if not exists {}").format(ident(SECURITY_SCHEMA)))
    mapping = ident(SECURITY_SCHEMA, MAPPING_TABLE)
    con.execute(
        sql.SQL(
            "create table if not exists {} (login_name text primary key, municipality_code integer not null)"
        ).format(mapping)
    )
    about = (
        f"Which municipality each login of the group {roles.municipality} sees "
        "(styringsoverblik grant --municipality <code> --login <name>)."
    )
    con.execute(sql.SQL("comment on table {} is {}").format(mapping, sql.Literal(about)))
    con.execute(sql.SQL("alter table {} enable row level security").format(mapping))
    con.execute(sql.SQL("drop policy if exists own_row on {}").format(mapping))
    con.execute(
        sql.SQL("create policy own_row on {} for select to {} using (login_name = current_user)").format(
            mapping, ident(roles.municipality)
        )
    )
    con.execute(sql.SQL("grant usage on schema {} to {}").format(ident(SECURITY_SCHEMA), ident(roles.municipality)))
    con.execute(sql.SQL("grant select on {} to {}").format(mapping, ident(roles.municipality)))


# --------------------------------------------------------------------------------------------
# row-level security on a schema of marts (the audited one, before the swap)


def relations(con: psycopg.Connection, schema: str) -> list[tuple[str, str, bool]]:
    """(name, relkind, has municipality_code) of every table and view of the schema."""
    rows = con.execute(
        """
        select c.relname, c.relkind::text,
               exists (
                   select 1 from pg_attribute a
                   where a.attrelid = c.oid and a.attname = %s and a.attnum > 0 and not a.attisdropped
               )
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f')
        order by c.relname
        """,
        [SECURED_COLUMN, schema],
    ).fetchall()
    return [(name, kind, bool(secured)) for name, kind, secured in rows]


def apply(con: psycopg.Connection, schema: str, roles: Roles = DEFAULT_ROLES) -> dict[str, list[str]]:
    """Grants and row-level security on every relation of `schema` (inside the caller's
    transaction): see the module docstring. Returns {'row_secured': [...], 'national': [...]}."""
    ensure_roles(con, roles)
    ensure_mapping(con, roles)
    reader, municipality = ident(roles.reader), ident(roles.municipality)
    mapping = ident(SECURITY_SCHEMA, MAPPING_TABLE)
    secured, national = [], []
    for name, kind, has_code in relations(con, schema):
        target = ident(schema, name)
        if kind == "v":
            con.execute(sql.SQL("alter view {} set (security_invoker = true)").format(target))
        con.execute(sql.SQL("grant select on {} to {}, {}").format(target, reader, municipality))
        if not has_code or kind not in ("r", "p"):
            national.append(name)
            continue
        con.execute(sql.SQL("alter table {} enable row level security").format(target))
        for policy in ("reader_all_rows", "municipality_own_rows"):
            con.execute(sql.SQL("drop policy if exists {} on {}").format(ident(policy), target))
        con.execute(
            sql.SQL("create policy reader_all_rows on {} for select to {} using (true)").format(target, reader)
        )
        con.execute(
            sql.SQL(
                "create policy municipality_own_rows on {} for select to {} using ({} in "
                "(select logins.municipality_code from {} as logins where logins.login_name = current_user))"
            ).format(target, municipality, ident(SECURED_COLUMN), mapping)
        )
        secured.append(name)
    return {"row_secured": secured, "national": national}


def grant_usage(con: psycopg.Connection, schema: str, roles: Roles = DEFAULT_ROLES) -> None:
    con.execute(sql.SQL("grant usage on schema {} to {}, {}").format(ident(schema), ident(roles.reader), ident(roles.municipality)))


def revoke_usage(con: psycopg.Connection, schema: str, roles: Roles = DEFAULT_ROLES) -> None:
    con.execute(sql.SQL("revoke usage on schema {} from {}, {}").format(ident(schema), ident(roles.reader), ident(roles.municipality)))


# --------------------------------------------------------------------------------------------
# logins


def check_login_name(login: str, roles: Roles) -> None:
    if not login or not login.strip():
        raise SecurityError("The login name is empty: give --login <name>.")
    if "\x00" in login:
        raise SecurityError(f"The login name {show(login)} holds a NUL character, which PostgreSQL does not allow.")
    if len(login.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise SecurityError(
            f"The login name {show(login)} is {len(login.encode('utf-8'))} bytes long; PostgreSQL cuts names after "
            f"{MAX_IDENTIFIER_BYTES} bytes, so the login would not match its mapping. Choose a shorter name."
        )
    if login in roles.groups or login.lower().startswith("pg_"):
        raise SecurityError(f"The login name {show(login)} is a group role or a name PostgreSQL reserves; choose another.")


def check_existing_role(con: psycopg.Connection, login: str) -> bool:
    """True when the role exists (and may be changed by grant): a superuser or a role with
    powers beyond reading (CREATEROLE, CREATEDB, BYPASSRLS, replication) or the connected user
    is refused, so grant never changes an administrator's password or rights."""
    row = con.execute(
        "select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication, rolname = current_user"
        " from pg_roles where rolname = %s",
        [login],
    ).fetchone()
    if row is None:
        return False
    if any(row):
        raise SecurityError(
            f"The role {show(login)} exists and is an administrator (superuser, CREATEROLE, CREATEDB, BYPASSRLS or "
            "replication) or the user running this command: grant changes only BI logins. Choose another login name."
        )
    return True


def municipality_name(con: psycopg.Connection, code: int) -> str | None:
    """The municipality's name from the reference list (the published dim_municipalities, else
    the seed reference.municipalities); raises SecurityError when a list exists and lacks the
    code; None when there is no list yet (nothing built)."""
    for schema, table in MUNICIPALITY_TABLES:
        found = con.execute("select to_regclass(%s)", [f'"{schema}"."{table}"']).fetchone()[0]
        if found is None:
            continue
        row = con.execute(
            sql.SQL("select municipality_name from {} where municipality_code = %s").format(ident(schema, table)), [code]
        ).fetchone()
        if row is None:
            raise SecurityError(
                f"The municipality code {code} is not in {schema}.{table} (the reference list of municipalities, "
                "seeds/reference/municipalities.csv). Give a kommunekode from that list, e.g. 101 for København."
            )
        return str(row[0])
    return None


def password_verifier(con: psycopg.Connection, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of the password, computed here: the server never sees it clear."""
    return con.pgconn.encrypt_password(password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256").decode("ascii")


def grant_login(
    con: psycopg.Connection,
    login: str,
    *,
    municipality: int | None = None,
    reader: bool = False,
    password: str | None = None,
    roles: Roles = DEFAULT_ROLES,
) -> str:
    """Create or update the LOGIN role `login` as a municipality login (its mapping row set to
    `municipality`, reader membership revoked) or as a reader login (mapping row removed,
    municipality membership revoked), in one transaction. Returns what was done, for a message."""
    if reader == (municipality is not None):
        raise SecurityError("Give exactly one of --municipality <code> and --reader.")
    check_login_name(login, roles)
    with con.transaction():
        ensure_roles(con, roles)
        ensure_mapping(con, roles)
        name = municipality_name(con, municipality) if municipality is not None else None
        existed = check_existing_role(con, login)
        role = ident(login)
        if existed:
            con.execute(sql.SQL("alter role {} login").format(role))
        else:
            con.execute(sql.SQL("create role {} login").format(role))
        if password is not None:
            con.execute(sql.SQL("alter role {} password {}").format(role, sql.Literal(password_verifier(con, login, password))))
        mapping = ident(SECURITY_SCHEMA, MAPPING_TABLE)
        if municipality is not None:
            con.execute(sql.SQL("grant {} to {}").format(ident(roles.municipality), role))
            con.execute(sql.SQL("revoke {} from {}").format(ident(roles.reader), role))
            con.execute(
                sql.SQL(
                    "insert into {} (login_name, municipality_code) values (%s, %s)"
                    " on conflict (login_name) do update set municipality_code = excluded.municipality_code"
                ).format(mapping),
                [login, municipality],
            )
            sees = f"municipality {municipality}" + (f" ({name})" if name else " (not checked: no reference list of municipalities on this server yet)")
            what = f"sees only {sees} in every mart with a municipality_code, and the national marts whole"
        else:
            con.execute(sql.SQL("grant {} to {}").format(ident(roles.reader), role))
            con.execute(sql.SQL("revoke {} from {}").format(ident(roles.municipality), role))
            con.execute(sql.SQL("delete from {} where login_name = %s").format(mapping), [login])
            what = "sees every row of every mart"
    verb = "updated" if existed else "created"
    note = "" if password is not None or existed else "; it has no password yet (give --password-env VAR)"
    return f"login {show(login)} {verb}: {what}{note}"


# --------------------------------------------------------------------------------------------
# `styringsoverblik grant`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", required=True, choices=["postgres", "duckdb"], help="the warehouse (logins exist on postgres only)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--municipality", metavar="CODE", help="the municipality (kommunekode) the login sees")
    who.add_argument("--reader", action="store_true", help="a BI reader login: every row of every mart")
    parser.add_argument("--login", required=True, help="the login (PostgreSQL role) to create or update")
    parser.add_argument(
        "--password-env", metavar="VAR",
        help="the environment variable holding the login's password (never on the command line); "
        "without it a new login has no password and an existing one keeps its own",
    )


def connect() -> psycopg.Connection:
    """The server named by the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)."""
    try:
        from styringsoverblik.targets import connect_postgres
    except ImportError:
        return psycopg.connect("", autocommit=True)
    con = connect_postgres()
    con.autocommit = True
    return con


def run(args: argparse.Namespace) -> int:
    if args.target != "postgres":
        print(
            "grant: a DuckDB warehouse has no logins; on DuckDB who sees what is the Power BI roles "
            "(seeds/reference/powerbi_viewers.csv, dim_powerbi_viewers). Use --target postgres.",
            file=sys.stderr,
        )
        return 2
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            print(f"grant: the environment variable {show(args.password_env)} (--password-env) is not set or empty.", file=sys.stderr)
            return 2
    municipality = None
    if args.municipality is not None:
        try:
            municipality = int(args.municipality)
        except ValueError:
            print(f"grant: the municipality code {show(args.municipality)} is not a number (kommunekode, e.g. 101).", file=sys.stderr)
            return 2
    try:
        with connect() as con:
            message = grant_login(
                con, args.login, municipality=municipality, reader=args.reader, password=password, roles=DEFAULT_ROLES
            )
    except SecurityError as error:
        print(f"grant: {error}", file=sys.stderr)
        return 2
    except psycopg.Error as error:
        print(f"grant: the server refused ({type(error).__name__}: {show(' '.join(str(error).split()), 300)})", file=sys.stderr)
        return 1
    print(message)
    return 0
