"""Reader soak: rebuild the warehouse N times while a reader reads the Parquet export nonstop.

The reader does what a BI tool does: it resolves the published set (the symlink
``<export>/current``, as a folder connector on a share sees it), lists the folder and reads
every file. Each pass must get the files of one build, whole: every file listed in the
folder's ``_manifest.json`` is there with its row count, nothing else is, and the set's build
log (``dim_builds.parquet``) names the manifest's build as current. Reports numbers and exits 1
on any error; asserts no timing.

    python -m styringsoverblik.soak --builds 20 --workdir DIR --input a.csv --input b.csv [--project-dir P]

DIR holds (or receives) ``warehouse.duckdb`` and ``exports/``; builds alternate between the
inputs. The dbt project is ``--project-dir`` (default: the current directory).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq


def read_published_set(export_root: Path) -> str:
    """Read the whole published set once; returns its build id or raises on any inconsistency."""
    folder = Path(os.path.realpath(export_root / "current"))
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    listed = {p.name for p in folder.iterdir()} - {"_manifest.json"}
    expected = {entry["file"] for entry in manifest["tables"].values()}
    if listed != expected:
        raise AssertionError(f"{folder.name}: files {sorted(listed ^ expected)} differ from the manifest")
    for name, entry in manifest["tables"].items():
        table = pq.read_table(folder / entry["file"])
        if table.num_rows != entry["rows"]:
            raise AssertionError(f"{name}: {table.num_rows} rows, the manifest says {entry['rows']}")
        if name == "dim_builds":
            current = [row["build_id"] for row in table.to_pylist() if row["is_current"]]
            if current != [manifest["build_id"]]:
                raise AssertionError(f"dim_builds names {current} as current, the folder is {manifest['build_id']}")
    return manifest["build_id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--builds", type=int, default=20)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--input", action="append", type=Path, required=True, help="response file; repeat to alternate")
    parser.add_argument("--keep-builds", type=int, default=3, help="the var export_keep_builds of each build")
    parser.add_argument("--project-dir", type=Path, default=None, help="the dbt project (default: the current directory)")
    args = parser.parse_args(argv)
    project = (args.project_dir or Path.cwd()).resolve()
    if not (project / "dbt_project.yml").is_file():
        parser.error(f"{project} is not a dbt project (no dbt_project.yml): run from the project or pass --project-dir")

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    export_root = workdir / "exports"
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {**os.environ, "DBT_DUCKDB_PATH": str(workdir / "warehouse.duckdb"), "DBT_PROFILES_DIR": str(project)}

    stop = threading.Event()
    reads, errors, builds_seen = [0], [], set()

    def reader() -> None:
        while not stop.is_set():
            if not (export_root / "current").exists():
                continue
            try:
                builds_seen.add(read_published_set(export_root))
                reads[0] += 1
            except Exception as error:  # any failure of a whole read is what this soak counts
                errors.append(f"{type(error).__name__}: {error}")

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    failed_builds = 0
    try:
        for number in range(args.builds):
            responses = args.input[number % len(args.input)].resolve()
            variables = json.dumps(
                {"raw_responses_path": str(responses), "export_path": str(export_root), "export_keep_builds": args.keep_builds}
            )
            result = subprocess.run(
                [dbt, "build", "--project-dir", str(project), "--target-path", str(workdir / "target"),
                 "--log-path", str(workdir / "logs"), "--vars", variables],
                cwd=project, env=env, capture_output=True, text=True,
            )
            failed_builds += result.returncode != 0
            print(f"build {number + 1}/{args.builds}: exit {result.returncode}, {reads[0]} reads so far", flush=True)
    finally:
        stop.set()
        thread.join()
    try:  # one more whole read after the last build, so the last published build is read too
        builds_seen.add(read_published_set(export_root))
        reads[0] += 1
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    print(f"{args.builds} builds ({failed_builds} failed), {reads[0]} whole reads of {len(builds_seen)} builds, {len(errors)} errors")
    for error in errors[:20]:
        print(f"  {error}")
    return 1 if errors or failed_builds or reads[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
