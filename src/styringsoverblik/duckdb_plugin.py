"""dbt-duckdb plugin: file-system helpers for the atomic Parquet export of the marts.

DuckDB's COPY writes a file in place, so a reader polling the export folder could see a
half-written file. The export post-hook (macro export_parquet) therefore COPYs each mart to a
temporary file in a staging folder beside the export folder and then calls
`styringsoverblik_publish_file(tmp, final)`, which renames it into place with os.replace —
atomic on one file system. Readers see the old file or the new one, never a partial one.

Enabled in profiles.yml:  plugins: [{module: styringsoverblik.duckdb_plugin}]
"""

from __future__ import annotations

import os
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin


def make_directory(path: str) -> str:
    """Create a folder (and its parents) if missing; returns its absolute path."""
    folder = Path(path).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def publish_file(temporary_path: str, final_path: str) -> str:
    """Atomically replace final_path by temporary_path; returns the final absolute path."""
    final = Path(final_path).resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(Path(temporary_path).resolve(), final)
    return str(final)


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        for name, function in (
            ("styringsoverblik_make_directory", make_directory),
            ("styringsoverblik_publish_file", publish_file),
        ):
            try:
                conn.create_function(name, function, side_effects=True)
            except Exception as error:  # already registered on this connection
                if "already exists" not in str(error):
                    raise
