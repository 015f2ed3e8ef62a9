"""Where the Power BI model comes from: the published Parquet set and dbt's manifest.

`read_model` reads, read-only:

- the published build: `<export>/current.json` (the pointer file: `build_id`, `folder` relative
  to the export folder), else the symlink `<export>/current`; its `_manifest.json` lists the
  published tables and their Parquet files;
- dbt's `manifest.json`: every published mart's contract (column names and data types), its
  description and its columns' descriptions, and which column is its key (a `unique` test on one
  column or a one-column `primary_key` test).

Every published mart must be in the manifest with an enforced contract, and every Parquet file's
columns must be its contract's columns (same names, same order, same types), so the generated
model always loads. The build log (`dim_builds`, `fct_build_input_files`), written by the publish
step rather than by dbt, takes its columns from its Parquet files and its descriptions from
BUILD_LOG below.

Two sources: the Parquet folder here (`ParquetFolderSource`, `--source parquet`) and the
PostgreSQL schema `marts` (`styringsoverblik.powerbi.postgres.PostgresSource`, `--source postgres`).
A source has the duties listed on ParquetFolderSource (the published tables and their columns, the
data checks, `parameters()` and `partition_m(table)`) and is registered in SOURCES of
`styringsoverblik.powerbi`; `read_model`, the model rules and the TMDL/PBIR writers are shared.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from styringsoverblik.powerbi.model import (
    SECURITY_TABLE,
    DATA_TYPES,
    Column,
    Model,
    ModelError,
    Parameter,
    Table,
    m_text,
    data_type_of,
    relationships_for,
    style_columns,
)

POINTER_FILE = "current.json"
POINTER_LINK = "current"
BUILD_MANIFEST = "_manifest.json"
# Left out of the model: one row per raw response row (the engineers' reconciliation table).
LEFT_OUT = ("fct_response_rows",)

# The build log is written by the publish step (src/styringsoverblik/publish.py), not by a dbt
# model, so its descriptions live here; its columns and types come from its Parquet files.
BUILD_LOG: dict[str, dict] = {
    "dim_builds": {
        "key": "build_id",
        "description": "One row per published build (is_current marks the build on screen): when it ran, with which settings and input, and how many rows it read.",
        "columns": {
            "build_id": "Primary key, the build's id (also the name of its folder under builds/).",
            "is_current": "True for the published build these tables come from.",
            "started_at": "When the build started (UTC).",
            "finished_at": "When the build was published (UTC); the measure 'Data pr.' shows it in Danish time.",
            "command": "The dbt command that built it.",
            "dbt_version": "dbt's version.",
            "project_version": "The dbt project's version.",
            "strict": "True when the build failed on any blocking rejected row (strict mode).",
            "q17_neutral_scope": "Scope of Q17's neutral mean (all or theme).",
            "min_group_size": "The disclosure rule's minimum number of other municipalities in a group.",
            "survey_years": "The declared survey years.",
            "raw_responses_path": "The response file path or glob the build read.",
            "export_folder": "The build's folder as written on the machine that built it.",
            "input_files": "Number of input files.",
            "raw_rows": "Raw rows read.",
            "valid_rows": "Rows scored (valid).",
            "rejected_rows": "Rows rejected.",
            "is_synthetic": "True when the input was the generated sample (synthetic data).",
        },
        # the columns as the publish step writes them (contract types); used only when the model is
        # read from the manifest alone (`--source postgres --offline`), else the published columns win
        "types": {
            "build_id": "varchar", "is_current": "boolean", "started_at": "timestamp", "finished_at": "timestamp",
            "command": "varchar", "dbt_version": "varchar", "project_version": "varchar", "strict": "boolean",
            "q17_neutral_scope": "varchar", "min_group_size": "integer", "survey_years": "varchar",
            "raw_responses_path": "varchar", "export_folder": "varchar", "input_files": "integer", "raw_rows": "integer",
            "valid_rows": "integer", "rejected_rows": "integer", "is_synthetic": "boolean",
        },
    },
    "fct_build_input_files": {
        "key": None,
        "description": "Each input file of each published build: path, format, size, SHA-256 and its raw, valid and rejected rows.",
        "columns": {
            "build_id": "The build; relates to dim_builds.",
            "file_path": "The input file's path as the build read it.",
            "file_format": "long, wide or xlsx.",
            "sheet_name": "The sheet read, for an Excel file.",
            "file_size_bytes": "File size in bytes.",
            "file_sha256": "SHA-256 of the file's bytes.",
            "raw_rows": "Raw rows read from the file.",
            "valid_rows": "Rows of the file scored (valid).",
            "rejected_rows": "Rows of the file rejected.",
            "is_synthetic": "True when every row of the file says it is synthetic (the generated sample).",
        },
        "types": {
            "build_id": "varchar", "file_path": "varchar", "file_format": "varchar", "sheet_name": "varchar",
            "file_size_bytes": "bigint", "file_sha256": "varchar", "raw_rows": "integer", "valid_rows": "integer",
            "rejected_rows": "integer", "is_synthetic": "boolean",
        },
    },
}

EXPORT_PARAMETER = "ExportFolder"

PARQUET_TYPES = {
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "VARCHAR": "varchar",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


class SourceError(ModelError):
    """The published build or the manifest cannot be read as needed."""


@dataclass
class PublishedBuild:
    export_folder: Path  # the export root (holds current.json, current, builds/)
    folder: Path  # the build's folder
    build_id: str
    tables: dict[str, str]  # table -> Parquet file name


def resolve_build(export_folder: Path) -> PublishedBuild:
    """The published build as a reader that cannot follow symlinks finds it: the pointer file
    first, else the symlink `current`."""
    if not export_folder.is_dir():
        raise SourceError(f"no export folder at {export_folder} (build with `dbt build`, or pass --export-folder)")
    pointer = export_folder / POINTER_FILE
    if pointer.is_file():
        try:
            data = json.loads(pointer.read_text(encoding="utf-8"))
            relative = data["folder"]
        except (ValueError, KeyError, TypeError) as error:
            raise SourceError(f"{pointer}: not a pointer file with a 'folder' ({error})") from error
        parts = [part for part in re.split(r"[/\\]", str(relative)) if part]
        if not parts or any(part in ("..", ".") for part in parts):
            raise SourceError(f"{pointer}: folder {relative!r} must be a path inside {export_folder}")
        folder = export_folder.joinpath(*parts)
    elif (export_folder / POINTER_LINK).is_dir():
        folder = export_folder / POINTER_LINK
    else:
        raise SourceError(f"{export_folder} has neither {POINTER_FILE} nor {POINTER_LINK}/: nothing is published there")
    manifest_path = folder / BUILD_MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        tables = {str(name): str(entry["file"]) for name, entry in manifest["tables"].items()}
        build_id = str(manifest["build_id"])
    except FileNotFoundError as error:
        raise SourceError(f"{manifest_path} is missing: {folder} is not a published build folder") from error
    except (ValueError, KeyError, TypeError) as error:
        raise SourceError(f"{manifest_path}: not a build manifest with build_id and tables ({error})") from error
    for name, file in tables.items():
        # names become file names and TMDL identifiers: plain dbt model names only
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,120}", name) or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}", file):
            raise SourceError(f"{manifest_path}: table {name[:80]!r} with file {file[:80]!r} is not a mart name and a file of the build folder")
    return PublishedBuild(export_folder, folder, build_id, tables)


def export_folder_of(database: Path) -> Path:
    """The export folder of the build the warehouse's `marts` show (marts.dim_builds.export_folder
    is <export>/builds/<build_id>)."""
    if not database.is_file():
        raise SourceError(f"no warehouse file at {database} (build it with `dbt build`, or pass --export-folder)")
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            row = con.execute("select export_folder from marts.dim_builds where is_current").fetchall()
    except duckdb.Error as error:
        raise SourceError(f"cannot read marts.dim_builds from {database} read-only: {error}") from error
    if len(row) != 1 or not row[0][0]:
        raise SourceError(f"{database}: marts.dim_builds has no single current build with an export folder")
    return Path(row[0][0]).parent.parent


def load_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SourceError(f"no dbt manifest at {path} (run `dbt parse` or `dbt build`, or pass --manifest)") from error
    except ValueError as error:
        raise SourceError(f"{path}: not JSON ({error})") from error


def manifest_models(manifest: dict) -> dict[str, dict]:
    """Published-schema candidates: models of the manifest by name."""
    return {
        node["name"]: node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
    }


def single_column_keys(manifest: dict) -> dict[str, str]:
    """model name -> its one-column key: the column of a one-column primary_key test, else of a
    column `unique` test (the one declared first in the model when several are unique)."""
    models = {uid: node for uid, node in manifest.get("nodes", {}).items() if node.get("resource_type") == "model"}
    primary: dict[str, set[str]] = {}
    unique: dict[str, set[str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test":
            continue
        metadata = node.get("test_metadata") or {}
        model = models.get(node.get("attached_node") or "")
        if model is None:
            continue
        kwargs = metadata.get("kwargs") or {}
        if metadata.get("name") == "primary_key" and len(kwargs.get("columns") or []) == 1:
            primary.setdefault(model["name"], set()).add(kwargs["columns"][0])
        elif metadata.get("name") == "unique" and node.get("column_name"):
            unique.setdefault(model["name"], set()).add(node["column_name"])
    keys: dict[str, str] = {}
    for model in models.values():
        order = list(model.get("columns", {}))
        for candidates in (primary.get(model["name"]), unique.get(model["name"])):
            if candidates:
                keys[model["name"]] = min(candidates, key=lambda c: order.index(c) if c in order else len(order))
                break
    return keys


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    try:
        rows = con.execute("select column_name, column_type from (describe select * from read_parquet(?))", [str(path)]).fetchall()
    except duckdb.Error as error:
        raise SourceError(f"cannot read {path}: {error}") from error
    return [(name, str(kind)) for name, kind in rows]


class ParquetFolderSource:
    """The published Parquet set in an export folder, loaded by Power BI through the parameter
    ExportFolder (see `parquet_partition_m`).

    The duties of every source (read by `read_model`): `build_id`, `mode`, `published_tables()`
    (mart -> the name its partition loads), `describe(table)` (where the table is, for messages),
    `columns(table)` (name, DATA_TYPES key or None, the type as the source names it),
    `value_range(table, column)` ((min, max), or None when the data is not read),
    `one_to_one(table, label, sort_column)` (None when not read), `parameters()`,
    `partition_m(table)` and `close()`."""

    kind = "parquet"
    mode = "import"

    def __init__(self, export_folder: Path):
        self.build = resolve_build(export_folder)
        self.build_id = self.build.build_id
        self._con = duckdb.connect()

    def published_tables(self) -> dict[str, str]:
        return dict(self.build.tables)

    def parquet_path(self, table: str) -> Path:
        return self.build.folder / self.build.tables[table]

    def describe(self, table: str) -> str:
        return f"the Parquet file {self.parquet_path(table)}"

    def columns(self, table: str) -> list[tuple[str, str | None, str]]:
        return [(name, PARQUET_TYPES.get(kind), kind) for name, kind in parquet_columns(self._con, self.parquet_path(table))]

    def value_range(self, table: str, column: str) -> tuple:
        return self._con.execute(
            f"select min({ident(column)}), max({ident(column)}) from read_parquet(?)", [str(self.parquet_path(table))]
        ).fetchone()

    def one_to_one(self, table: str, label: str, sort_column: str) -> bool:
        return one_to_one(self._con, self.parquet_path(table), label, sort_column)

    def parameters(self) -> list[Parameter]:
        return [Parameter(
            EXPORT_PARAMETER,
            str(self.build.export_folder),
            "The folder of the published Parquet sets (dbt var export_path), holding current.json, current and builds/.\n"
            "On Windows: the share as Windows sees it, e.g. \\\\fileserver\\bi\\styringsoverblik\\exports\\parquet.",
        )]

    def partition_m(self, table: Table) -> str:
        return parquet_partition_m(table)

    def close(self) -> None:
        self._con.close()


def parquet_partition_m(table: Table) -> str:
    """The M that loads one mart's Parquet file of the published build: the build folder named by
    the pointer file <ExportFolder>/current.json, else the folder (or symlink) `current`. All
    through Folder.Contents(ExportFolder), so the one data source is the export folder."""
    types = ",\n        ".join(f"{{{m_text(column.name)}, {column.m_type}}}" for column in table.columns)
    names = ", ".join(m_text(column.name) for column in table.columns)
    return f"""let
    Root = Folder.Contents({EXPORT_PARAMETER}),
    Pointer = try Json.Document(Root{{[Name = "current.json"]}}[Content]) otherwise null,
    BuildFolder =
        if Pointer <> null then
            List.Accumulate(
                List.Select(Text.SplitAny(Pointer[folder], "/\\"), each _ <> ""),
                Root,
                (folder, name) => folder{{[Name = name]}}[Content]
            )
        else
            Root{{[Name = "current"]}}[Content],
    Source = Parquet.Document(BuildFolder{{[Name = {m_text(table.file)}]}}[Content]),
    Selected = Table.SelectColumns(Source, {{{names}}}, MissingField.Error),
    Typed = Table.TransformColumnTypes(
        Selected,
        {{
        {types}
        }}
    )
in
    Typed"""


def read_model(source, manifest: dict) -> Model:
    """The semantic model of the published build, typed and described by the manifest; `source`
    is any source with the duties listed on ParquetFolderSource. Closes the source."""
    models = manifest_models(manifest)
    keys = single_column_keys(manifest)
    tables: list[Table] = []
    notes: list[str] = []
    fractions: dict[tuple[str, str], bool] = {}
    unread: list[str] = []
    try:
        published = source.published_tables()
        for name in sorted(published):
            if name in LEFT_OUT:
                where = "the Parquet file" if source.kind == "parquet" else f"the {source.kind} warehouse"
                notes.append(f"{name} left out (one row per raw response row; read it from {where} if needed)")
                continue
            found = source.columns(name)
            if name in BUILD_LOG:
                table = build_log_table(name, found, published[name])
            else:
                table = contract_table(name, models.get(name), found, source.describe(name), published[name])
                table.key = keys.get(name)
            for column in table.columns:
                if column.data_type == "double" and ("share" in column.name or "percentile" in column.name):
                    found_range = source.value_range(name, column.name)
                    if found_range is None:
                        fractions[(name, column.name)] = True  # by name: a share or percentile is a fraction 0-1
                        unread.append(f"{name}.{column.name}")
                        continue
                    low, high = found_range
                    fractions[(name, column.name)] = low is None or (0 <= low and high <= 1)
                    if not fractions[(name, column.name)]:
                        notes.append(f"{name}.{column.name} holds values beyond 0-1 ({low}..{high}): formatted 0.0, not as a percent")
            tables.append(table)
        if not any(table.name == SECURITY_TABLE for table in tables):
            notes.append(f"{SECURITY_TABLE} is not published: the role Kommune is left out (row-level security needs it)")
        relationships = relationships_for(tables)
        style_columns(tables, relationships, fractions)
        for table in tables:
            for column in table.columns:
                if not column.sort_by:
                    continue
                sorted_one_to_one = source.one_to_one(table.name, column.name, column.sort_by)
                if sorted_one_to_one is None:
                    unread.append(f"{table.name}.{column.name} sorted by {column.sort_by}")
                elif not sorted_one_to_one:
                    notes.append(f"{table.name}.{column.name} is not sorted by {column.sort_by}: not one value per label in the data")
                    column.sort_by = None
    finally:
        source.close()
    formats = [item for item in unread if " sorted by " not in item]
    orders = [item for item in unread if " sorted by " in item]
    if unread:
        notes.append(
            "not checked against published data (the model was read from the manifest): "
            + "; ".join(part for part in (
                formats and "percent formats of " + ", ".join(formats),
                orders and "sort orders of " + ", ".join(orders),
            ) if part)
        )
    return Model(tables, relationships, source.build_id, source.parameters(), source.partition_m, notes, source.mode)


def one_to_one(con: duckdb.DuckDBPyConnection, path: Path, label: str, sort_column: str) -> bool:
    (bad,) = con.execute(
        f"select count(*) from (select {ident(label)} from read_parquet(?) group by 1"
        f" having count(distinct {ident(sort_column)}) > 1)",
        [str(path)],
    ).fetchone()
    return bad == 0


def contract_table(name: str, node: dict | None, found: list[tuple[str, str | None, str]], where: str, file: str) -> Table:
    """The table of a mart: its contract's columns, checked against the columns `found` in the
    published set (`where` says where, e.g. "the Parquet file <path>")."""
    if node is None:
        raise SourceError(f"{name} is published ({where}) but is not a model in the dbt manifest; pass the manifest of the project that built it")
    contract = (node.get("config") or {}).get("contract") or {}
    if not contract.get("enforced"):
        raise SourceError(f"{name}: its contract is not enforced in the dbt manifest; every published mart needs one")
    declared = [(column["name"], column.get("data_type")) for column in node.get("columns", {}).values()]
    found_names = [column for column, _, _ in found]
    declared_names = [column for column, _ in declared]
    if found_names != declared_names:
        missing = [column for column in declared_names if column not in found_names]
        extra = [column for column in found_names if column not in declared_names]
        raise SourceError(
            f"{name}: {where} does not match the contract in the manifest"
            f" (missing: {', '.join(missing) or 'none'}; not in the contract: {', '.join(extra) or 'none'};"
            " or another order). Build and publish again, or pass the manifest of the build."
        )
    columns = []
    for (column_name, contract_type), (_, found_type, source_type) in zip(declared, found):
        normalised = data_type_of(name, column_name, contract_type)
        if found_type is None or DATA_TYPES[found_type][0] != DATA_TYPES[normalised][0]:
            raise SourceError(
                f"{name}.{column_name}: the contract says {contract_type}, {where} holds {source_type}"
            )
        description = node["columns"][column_name].get("description") or ""
        columns.append(Column(column_name, normalised, description.strip()))
    return Table(name, file, (node.get("description") or "").strip(), columns)


def build_log_table(name: str, found: list[tuple[str, str | None, str]], file: str) -> Table:
    spec = BUILD_LOG[name]
    columns = []
    for column_name, found_type, source_type in found:
        if found_type is None:
            raise SourceError(f"{name}.{column_name}: type {source_type} has no Power BI type here")
        columns.append(Column(column_name, found_type, spec["columns"].get(column_name, "")))
    return Table(name, file, spec["description"], columns, key=spec["key"])


def ident(name: str) -> str:
    """A column name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def default_database() -> Path:
    return Path(os.environ.get("DBT_DUCKDB_PATH") or "warehouse/styringsoverblik.duckdb")
