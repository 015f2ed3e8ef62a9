"""`styringsoverblik powerbi`: write a Power BI Project (PBIP) over the published marts.

Reads the published build (read-only: the pointer file or `current` of the export folder, the
Parquet files' columns) and dbt's manifest (contracts, descriptions, keys), and writes
`<out>/Styringsoverblik.pbip` with a semantic model in TMDL and a report in PBIR. Nothing in the
model is hand-maintained: tables, columns, types, descriptions and relationships come from the
manifest and the published set on every run. See docs/powerbi.md.

Modules: `source` (read the build and the manifest; the extension point for other sources),
`model` (the rules), `measures` (DAX), `tmdl` and `report` (the writers), `project` (the folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# --source -> the class reading it (styringsoverblik.powerbi.source); issue 19 adds "postgres"
SOURCES = {"parquet": "ParquetFolderSource"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="folder to write the project into (Styringsoverblik.pbip and its folders)")
    parser.add_argument(
        "--database", type=Path, default=None,
        help="the warehouse whose published build to read (default $DBT_DUCKDB_PATH or warehouse/styringsoverblik.duckdb);"
        " its current build names the export folder",
    )
    parser.add_argument("--export-folder", type=Path, default=None, help="the export folder (dbt var export_path) instead of --database")
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"), help="dbt's manifest (default target/manifest.json)")
    parser.add_argument("--source", choices=sorted(SOURCES), default="parquet", help="where Power BI loads the marts from (parquet: the export folder)")


def run(args: argparse.Namespace) -> int:
    from styringsoverblik.powerbi.model import ModelError
    from styringsoverblik.powerbi.project import project_files, write_project
    from styringsoverblik.powerbi import source as sources
    from styringsoverblik.powerbi.source import default_database, export_folder_of, load_manifest, read_model

    try:
        export_folder = args.export_folder or export_folder_of(args.database or default_database())
        source = getattr(sources, SOURCES[args.source])(export_folder.resolve())
        model = read_model(source, load_manifest(args.manifest))
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
        " and set the parameter" + "".join(f" {p.name} (now {p.value})" for p in model.parameters)
    )
    return 0
