"""`styringsoverblik powerbi`: write a Power BI Project (PBIP) over the published marts.

Reads the published build (read-only: with `--source parquet` the pointer file or `current` of
the export folder and the Parquet files' columns; with `--source postgres` the server's schema
`marts`, see `postgres`) and dbt's manifest (contracts, descriptions, keys), and writes
`<out>/Styringsoverblik.pbip` with a semantic model in TMDL and a report in PBIR. Nothing in the
model is hand-maintained: tables, columns, types, descriptions and relationships come from the
manifest and the published set on every run. See docs/powerbi.md.

Modules: `source` (read the build and the manifest; the Parquet source), `postgres` (the
PostgreSQL source),
`model` (the rules), `measures` (DAX), `tmdl` and `report` (the writers), `project` (the folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# --source -> the class reading it ("module:class")
SOURCES = {
    "parquet": "styringsoverblik.powerbi.source:ParquetFolderSource",
    "postgres": "styringsoverblik.powerbi.postgres:PostgresSource",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="folder to write the project into (Styringsoverblik.pbip and its folders)")
    parser.add_argument(
        "--database", default=None,
        help="parquet: the DuckDB warehouse whose published build to read (default $DBT_DUCKDB_PATH or"
        " warehouse/styringsoverblik.duckdb), its current build names the export folder;"
        " postgres: the database name (default $PGDATABASE)",
    )
    parser.add_argument("--export-folder", type=Path, default=None, help="parquet: the export folder (dbt var export_path) instead of --database")
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"), help="dbt's manifest (default target/manifest.json)")
    parser.add_argument(
        "--source", choices=sorted(SOURCES), default="parquet",
        help="where Power BI loads the marts from (parquet: the export folder; postgres: schema marts of the server)",
    )
    parser.add_argument(
        "--server", default=None,
        help="postgres: host:port as Power BI and the gateway reach the server (default $PGHOST:$PGPORT, not a socket folder)",
    )
    parser.add_argument(
        "--mode", choices=("import", "directquery"), default="import",
        help="postgres: the tables' storage mode (default import; parquet is import only)",
    )
    parser.add_argument(
        "--offline", action="store_true",
        help="postgres: take the marts and their columns from the manifest instead of reading the server",
    )


def run(args: argparse.Namespace) -> int:
    from styringsoverblik.powerbi.model import ModelError
    from styringsoverblik.powerbi.project import project_files, write_project
    from styringsoverblik.powerbi.source import load_manifest, read_model

    try:
        manifest = load_manifest(args.manifest)
        source = make_source(args, manifest)
        model = read_model(source, manifest)
        files, measure_notes = project_files(model)
        written = write_project(args.out, files)
    except ModelError as error:
        print(f"styringsoverblik powerbi: {error}", file=sys.stderr)
        return 2
    for note in model.notes + measure_notes:
        print(f"note: {note}")
    print(
        f"wrote {len(written)} files to {args.out} from build {model.build_id}: {len(model.tables)} tables,"
        f" {len(model.relationships)} relationships; open {args.out / 'Styringsoverblik.pbip'} in Power BI Desktop"
        " and set the parameter" + "s" * (len(model.parameters) > 1)
        + ",".join(f" {p.name} (now {p.value})" for p in model.parameters)
    )
    return 0


def make_source(args: argparse.Namespace, manifest: dict):
    """The source --source names, from the options that belong to it."""
    import importlib

    from styringsoverblik.powerbi.source import SourceError, default_database, export_folder_of

    module_name, class_name = SOURCES[args.source].split(":")
    source_class = getattr(importlib.import_module(module_name), class_name)
    if args.source == "parquet":
        given = [option for option, value in (("--server", args.server), ("--offline", args.offline)) if value]
        if args.mode != "import":
            given.append("--mode directquery")
        if given:
            raise SourceError(f"{', '.join(given)}: only with --source postgres (the Parquet folder is imported)")
        export_folder = args.export_folder or export_folder_of(Path(args.database) if args.database else default_database())
        return source_class(export_folder.resolve())
    from styringsoverblik.powerbi.postgres import server_and_database

    if args.export_folder is not None:
        raise SourceError("--export-folder: only with --source parquet")
    server, database = server_and_database(args.server, args.database)
    return source_class(server, database, args.mode, manifest=manifest if args.offline else None)
