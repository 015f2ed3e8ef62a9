"""Benchmark: how long `dbt build` takes for growing response files. Reports numbers; asserts nothing.

For each size (survey years x municipalities) it writes a synthetic response file with the
sample generator (one seed per year), runs a full `dbt build` (all models, unit and data tests,
Parquet export) into a fresh DuckDB file, and prints raw rows, wall-clock seconds (median of
--repeat runs) and rows per second.

Usage:  python -m styringsoverblik.benchmark [--sizes 1x72 5x93 20x93] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from styringsoverblik.sample import generate_rows, write_csv

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


def write_responses(path: Path, years: int, municipalities: int) -> tuple[int, list[int]]:
    survey_years = [2023 - years + 1 + i for i in range(years)]
    rows = []
    for year in survey_years:
        rows += generate_rows(seed=year, n_municipalities=municipalities, survey_year=year)
    write_csv(path, rows)
    return len(rows), survey_years


def timed_build(responses: Path, survey_years: list[int], workdir: Path) -> float:
    database = workdir / "benchmark.duckdb"
    for leftover in (database, workdir / "exports"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()
    variables = {"raw_responses_path": str(responses), "survey_years": survey_years, "export_path": str(workdir / "exports")}
    env = {**os.environ, "DBT_DUCKDB_PATH": str(database), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    started = time.perf_counter()
    result = subprocess.run(
        [DBT, "build", "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"), "--vars", json.dumps(variables)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{result.stdout[-3000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["1x72", "5x93", "20x93"], help="YEARSxMUNICIPALITIES (at most 93 municipalities)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'size':>8} {'raw rows':>9} {'median s':>9} {'min s':>7} {'rows/s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in args.sizes:
            years, municipalities = (int(part) for part in size.split("x"))
            responses = workdir / f"responses_{size}.csv"
            rows, survey_years = write_responses(responses, years, municipalities)
            times = [timed_build(responses, survey_years, workdir) for _ in range(args.repeat)]
            median = statistics.median(times)
            print(f"{size:>8} {rows:>9} {median:>9.2f} {min(times):>7.2f} {rows / median:>8.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
