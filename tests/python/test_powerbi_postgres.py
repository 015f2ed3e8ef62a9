"""`styringsoverblik powerbi --source postgres`: the generated project bound to the server's schema
`marts` with Power BI's PostgreSQL connector.

The published set on the server is made here by hand from the sample build's Parquet files (one
table per file in schema `marts`, types mapped by the table below), so these tests do not depend on
the PostgreSQL build; the project is then generated over TCP with a login of its own, as Power BI
would connect. The checks read the generated files, never the generator's objects.
"""

from __future__ import annotations

import json
import re
import socket
import uuid
from pathlib import Path

import jsonschema
import psycopg
import pyarrow.parquet as pq
import pytest
from psycopg import sql

from styringsoverblik.cli import main
from styringsoverblik.powerbi.model import Column, Table
from styringsoverblik.powerbi.postgres import postgres_partition_m
from styringsoverblik.powerbi.source import parquet_partition_m
from test_powerbi import SCHEMA_URL, SCHEMAS, definition, schema_registry, unquote

# Parquet type of the sample's files -> the PostgreSQL type the table gets here -> TMDL dataType
ARROW_TO_PG = {"int32": "integer", "int64": "bigint", "double": "double precision", "string": "text", "bool": "boolean",
               "timestamp[us]": "timestamp"}
PG_TO_TMDL = {"integer": "int64", "bigint": "int64", "double precision": "double", "text": "string", "boolean": "boolean",
              "timestamp without time zone": "dateTime"}
# roles are the cluster's, shared by every test database: a name of this run's own
LOGIN, PASSWORD = f"bi_reader_{uuid.uuid4().hex[:8]}", "pässword 'with' quotes"


# --- helpers -----------------------------------------------------------------------------------


def generate(out: Path, manifest: Path, *extra: str) -> int:
    return main(["powerbi", "--source", "postgres", "--out", str(out), "--manifest", str(manifest), *extra])


def partitions(out: Path) -> dict[str, dict]:
    """table -> {mode, m (the partition's M, one string), columns {name: dataType}}."""
    found = {}
    for path in sorted((definition(out) / "tables").glob("*.tmdl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        name = unquote(next(line for line in lines if line.startswith("table "))[len("table "):])
        columns, current, mode, m_lines, in_source = {}, None, None, [], False
        for line in lines:
            depth = len(line) - len(line.lstrip("\t"))
            text = line.strip()
            if depth == 1 and text.startswith("column "):
                current = unquote(text[len("column "):])
            elif depth == 2 and current and text.startswith("dataType:"):
                columns[current] = text.split(":", 1)[1].strip()
            elif depth == 2 and text.startswith("mode:"):
                mode = text.split(":", 1)[1].strip()
            elif depth == 2 and text == "source =":
                in_source = True
            elif in_source and depth >= 4:
                m_lines.append(line[4:])
            elif in_source and text:
                in_source = False
        found[name] = {"mode": mode, "m": "\n".join(m_lines), "columns": columns}
    return found


def expressions(out: Path) -> list[str]:
    return [line for line in (definition(out) / "expressions.tmdl").read_text(encoding="utf-8").splitlines() if line.startswith("expression ")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def libpq(env: dict) -> dict:
    return {"host": env["PGHOST"], "port": env["PGPORT"], "user": env["PGUSER"], "dbname": env["PGDATABASE"], "password": env["PGPASSWORD"]}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_build) -> dict:
    db = sample_build.db_path
    folder = (db.parent / "exports" / "current").resolve()
    listing = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    return {"manifest": db.parent / "target" / "manifest.json", "folder": folder, "tables": listing["tables"], "build_id": listing["build_id"]}


@pytest.fixture(scope="module")
def server(sample, postgres_cluster) -> dict:
    """A database whose schema marts holds the sample build's marts, and a login that reads it over TCP."""
    env = postgres_cluster.create_database("pbi")
    with psycopg.connect(**libpq(env), autocommit=True) as con:
        con.execute("create schema marts")
        for name, entry in sample["tables"].items():
            data = pq.read_table(sample["folder"] / entry["file"])
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(ARROW_TO_PG[str(field.type)])) for field in data.schema
            )
            con.execute(sql.SQL("create table {} ({})").format(sql.Identifier("marts", name), columns))
            with con.cursor().copy(sql.SQL("copy {} from stdin").format(sql.Identifier("marts", name))) as copy:
                for row in data.to_pylist():
                    copy.write_row(tuple(row.values()))
        con.execute(sql.SQL("create role {} login password {}").format(sql.Identifier(LOGIN), sql.Literal(PASSWORD)))
        con.execute(sql.SQL("grant usage on schema marts to {}").format(sql.Identifier(LOGIN)))
        con.execute(sql.SQL("grant select on all tables in schema marts to {}").format(sql.Identifier(LOGIN)))
    return {"env": env, "server": f"127.0.0.1:{env['PGPORT']}", "database": env["PGDATABASE"]}


@pytest.fixture
def as_reader(server, monkeypatch):
    """The libpq environment of a BI login: its name and password, PGHOST a socket folder (as on the build machine)."""
    monkeypatch.setenv("PGUSER", LOGIN)
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    monkeypatch.setenv("PGHOST", server["env"]["PGHOST"])
    monkeypatch.setenv("PGPORT", server["env"]["PGPORT"])
    monkeypatch.setenv("PGDATABASE", server["database"])
    return server


@pytest.fixture(scope="module")
def imported(sample, server, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pbip_pg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PGUSER", LOGIN)
        patch.setenv("PGPASSWORD", PASSWORD)
        assert generate(out, sample["manifest"], "--server", server["server"], "--database", server["database"]) == 0
    return out


# --- the M, exactly ----------------------------------------------------------------------------

TABLE = Table("fct_total_scores", "fct_total_scores", columns=[
    Column("total_score_key", "varchar"), Column("survey_year", "integer"), Column("score", "double"),
])


def test_the_partition_m_is_exactly_the_connector_navigation():
    assert postgres_partition_m(TABLE) == """let
    Source = PostgreSQL.Database(PostgreSQLServer, PostgreSQLDatabase),
    Data = Source{[Schema = "marts", Item = "fct_total_scores"]}[Data],
    Selected = Table.SelectColumns(Data, {"total_score_key", "survey_year", "score"}, MissingField.Error),
    Typed = Table.TransformColumnTypes(
        Selected,
        {
        {"total_score_key", type text},
        {"survey_year", Int64.Type},
        {"score", type number}
        }
    )
in
    Typed"""
    assert postgres_partition_m(TABLE, "directQuery") == """let
    Source = PostgreSQL.Database(PostgreSQLServer, PostgreSQLDatabase),
    Data = Source{[Schema = "marts", Item = "fct_total_scores"]}[Data],
    Selected = Table.SelectColumns(Data, {"total_score_key", "survey_year", "score"}, MissingField.Error)
in
    Selected"""


def test_the_parquet_partition_is_unchanged():
    assert parquet_partition_m(Table("dim_themes", "dim_themes.parquet", columns=[Column("theme_no", "integer")])) == """let
    Root = Folder.Contents(ExportFolder),
    Pointer = try Json.Document(Root{[Name = "current.json"]}[Content]) otherwise null,
    BuildFolder =
        if Pointer <> null then
            List.Accumulate(
                List.Select(Text.SplitAny(Pointer[folder], "/\\"), each _ <> ""),
                Root,
                (folder, name) => folder{[Name = name]}[Content]
            )
        else
            Root{[Name = "current"]}[Content],
    Source = Parquet.Document(BuildFolder{[Name = "dim_themes.parquet"]}[Content]),
    Selected = Table.SelectColumns(Source, {"theme_no"}, MissingField.Error),
    Typed = Table.TransformColumnTypes(
        Selected,
        {
        {"theme_no", Int64.Type}
        }
    )
in
    Typed"""


# --- bound to the server's marts ---------------------------------------------------------------


def test_every_published_mart_is_bound_to_schema_marts_with_its_columns(imported, server, sample):
    found = partitions(imported)
    with psycopg.connect(**libpq(server["env"])) as con:
        on_server = {}
        for table, column, kind in con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall():
            on_server.setdefault(table, {})[column] = kind
    expected = set(on_server) - {"fct_response_rows"}
    assert set(found) - {"Målinger"} == expected
    for name in expected:
        partition = found[name]
        assert partition["mode"] == "import", name
        assert partition["m"].startswith("let\n    Source = PostgreSQL.Database(PostgreSQLServer, PostgreSQLDatabase),\n"), name
        assert f'    Data = Source{{[Schema = "marts", Item = "{name}"]}}[Data],\n' in partition["m"], name
        assert "Parquet" not in partition["m"] and "ExportFolder" not in partition["m"]
        assert partition["columns"] == {column: PG_TO_TMDL[kind] for column, kind in on_server[name].items()}, name
        listed = re.search(r"Table\.SelectColumns\(Data, \{(.*)\}, MissingField\.Error\)", partition["m"]).group(1)
        assert listed == ", ".join(f'"{column}"' for column in on_server[name])
    assert found["Målinger"]["mode"] == "import"
    assert expressions(imported) == [
        f'expression PostgreSQLServer = "{server["server"]}" meta [IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]',
        f'expression PostgreSQLDatabase = "{server["database"]}" meta [IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]',
    ]
    model = (definition(imported) / "model.tmdl").read_text(encoding="utf-8")
    assert f"annotation styringsoverblik_build_id = {sample['build_id']}" in model
    assert '"PostgreSQLServer","PostgreSQLDatabase"' in model  # the query order starts with the parameters
    assert "ref role Kommune" in model


def test_the_postgres_project_validates_against_microsofts_schemas(imported):
    registry = schema_registry()
    checked = 0
    for path in sorted(p for p in imported.rglob("*") if p.is_file() and p.suffix in (".json", ".pbir", ".pbism", ".pbip", ".platform")):
        if path.name == ".styringsoverblik-powerbi.json":
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        schema = json.loads((SCHEMAS / document["$schema"][len(SCHEMA_URL):]).read_text(encoding="utf-8"))
        errors = list(jsonschema.Draft7Validator(schema, registry=registry).iter_errors(document))
        assert not errors, f"{path}: {errors[0].message[:200]}"
        checked += 1
    assert checked >= 9


def test_directquery_marks_every_mart_and_leaves_typing_to_the_server(as_reader, sample, tmp_path):
    out = tmp_path / "dq"
    assert generate(out, sample["manifest"], "--server", as_reader["server"], "--mode", "directquery") == 0
    found = partitions(out)
    for name, partition in found.items():
        if name == "Målinger":
            assert partition["mode"] == "import"  # the measures' empty table holds no data
            continue
        assert partition["mode"] == "directQuery", name
        assert "TransformColumnTypes" not in partition["m"] and partition["m"].endswith("in\n    Selected"), name
    # the database from PGDATABASE
    assert expressions(out)[1].startswith(f'expression PostgreSQLDatabase = "{as_reader["database"]}" meta')


def test_a_mart_on_the_server_that_breaks_its_contract_stops_the_run(server, sample, as_reader, tmp_path, capsys):
    with psycopg.connect(**libpq(server["env"]), autocommit=True) as con:
        con.execute("alter table marts.dim_themes add column theme_colour text")
        try:
            assert generate(tmp_path / "out", sample["manifest"], "--server", server["server"]) == 2
        finally:
            con.execute("alter table marts.dim_themes drop column theme_colour")
    error = capsys.readouterr().err
    assert "dim_themes" in error and "theme_colour" in error and "marts.dim_themes on 127.0.0.1" in error


# --- defaults, hostile values, refusals ---------------------------------------------------------


def test_hostile_database_names_are_escaped_in_the_m_literal(sample, tmp_path):
    database = 'x", Sql.Database("evil") #(lf) \'; drop'
    out = tmp_path / "hostile"
    assert generate(out, sample["manifest"], "--offline", "--server", "db.example.org", "--database", database) == 0
    assert expressions(out) == [
        'expression PostgreSQLServer = "db.example.org:5432" meta [IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]',
        'expression PostgreSQLDatabase = "x"", Sql.Database(""evil"") #(#)(lf) \'; drop" meta [IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]',
    ]


@pytest.mark.parametrize("server_value", [
    'db"host:5432', "db host:5432", "db.example.org:99999", "db.example.org:54x", "a.example.org,b.example.org",
    "::1:5432", "db\n.example.org", "[::1", "",
])
def test_a_server_that_is_not_host_and_port_is_refused(sample, tmp_path, capsys, server_value):
    out = tmp_path / "refused"
    assert generate(out, sample["manifest"], "--offline", "--server", server_value, "--database", "d") == 2
    assert "--server" in capsys.readouterr().err
    assert not out.exists()


def test_a_database_name_with_a_line_break_is_refused(sample, tmp_path, capsys):
    assert generate(tmp_path / "out", sample["manifest"], "--offline", "--server", "h", "--database", "a\nb") == 2
    assert "--database" in capsys.readouterr().err


def test_a_socket_folder_is_refused_as_server(sample, tmp_path, capsys, monkeypatch):
    assert generate(tmp_path / "a", sample["manifest"], "--offline", "--server", "/var/run/postgresql", "--database", "d") == 2
    assert "Power BI and the gateway connect over TCP only" in capsys.readouterr().err
    monkeypatch.setenv("PGHOST", "/tmp/so-pg/socket")
    monkeypatch.setenv("PGPORT", "5433")
    assert generate(tmp_path / "b", sample["manifest"], "--offline", "--database", "d") == 2
    error = capsys.readouterr().err
    assert "PGHOST '/tmp/so-pg/socket' is a Unix socket folder" in error and "--server host:port" in error
    monkeypatch.setenv("PGHOST", "bi-db.region.local")
    assert generate(tmp_path / "c", sample["manifest"], "--offline", "--database", "d") == 0
    assert 'expression PostgreSQLServer = "bi-db.region.local:5433" meta' in expressions(tmp_path / "c")[0]


def test_an_unreachable_server_is_an_error_naming_offline(sample, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PGUSER", LOGIN)
    monkeypatch.setenv("PGPASSWORD", "x")
    assert generate(tmp_path / "out", sample["manifest"], "--server", f"127.0.0.1:{free_port()}", "--database", "d") == 2
    error = capsys.readouterr().err
    assert "cannot connect to PostgreSQL at 127.0.0.1:" in error and "--offline" in error
    assert not (tmp_path / "out").exists()


def test_offline_binds_the_manifests_marts_and_the_build_log(sample, tmp_path, capsys):
    out = tmp_path / "offline"
    assert generate(out, sample["manifest"], "--offline", "--server", "[2001:db8::5]:6432", "--database", "bi") == 0
    assert "not checked against published data" in capsys.readouterr().out
    manifest = json.loads(sample["manifest"].read_text(encoding="utf-8"))
    audited = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["config"].get("schema") == "marts_audit"}
    found = partitions(out)
    assert set(found) == (audited - {"fct_response_rows"}) | {"dim_builds", "fct_build_input_files", "Målinger"}
    # the build log's declared columns are the ones the sample's publish step wrote
    for log in ("dim_builds", "fct_build_input_files"):
        written = pq.read_schema(sample["folder"] / f"{log}.parquet")
        assert list(found[log]["columns"]) == written.names, log
    assert expressions(out)[0].startswith('expression PostgreSQLServer = "[2001:db8::5]:6432" meta')


def test_postgres_options_are_refused_with_the_parquet_source(sample, tmp_path, capsys):
    args = ["powerbi", "--out", str(tmp_path / "p"), "--manifest", str(sample["manifest"]), "--export-folder", str(sample["folder"].parent.parent)]
    assert main([*args, "--mode", "directquery"]) == 2
    assert "only with --source postgres" in capsys.readouterr().err
    assert main([*args, "--server", "h:1"]) == 2
