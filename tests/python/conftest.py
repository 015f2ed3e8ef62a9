"""Shared helpers: run the real dbt project against a DuckDB file of the test's own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
DBT = str(Path(sys.executable).with_name("dbt"))

MARTS = (
    "dim_municipalities",
    "dim_themes",
    "dim_questions",
    "fct_item_scores",
    "fct_question_scores",
    "fct_theme_scores",
    "fct_total_scores",
)


@dataclass
class DbtRun:
    returncode: int
    output: str
    db_path: Path


def run_dbt(
    command: str,
    db_path: Path,
    variables: dict | None = None,
    extra_args: tuple[str, ...] = (),
) -> DbtRun:
    """Run `dbt <command>` in the project with its own DuckDB file and target folder."""
    work = db_path.parent
    env = {**os.environ, "DBT_DUCKDB_PATH": str(db_path), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    args = [DBT, command, "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    if variables:
        args += ["--vars", json.dumps(variables)]
    args += list(extra_args)
    proc = subprocess.run(
        args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, db_path)


def build(responses: Path | str, workdir: Path, **variables) -> DbtRun:
    """`dbt build` on one response file (or glob) into workdir/warehouse.duckdb."""
    workdir.mkdir(parents=True, exist_ok=True)
    return run_dbt(
        "build",
        workdir / "warehouse.duckdb",
        {"raw_responses_path": str(responses), "export_path": str(workdir / "exports"), **variables},
    )


def query(db_path: Path, sql: str) -> list[dict]:
    """Rows of a query as dicts, read with a read-only connection."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def mart_names(db_path: Path) -> list[str]:
    """Every table in the marts schema."""
    rows = query(db_path, "select table_name from information_schema.tables where table_schema = 'marts' order by 1")
    return [row["table_name"] for row in rows]


def mart_snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted, for before/after comparisons."""
    names = mart_names(db_path)
    assert set(MARTS) <= set(names)
    with duckdb.connect(str(db_path), read_only=True) as con:
        return {name: sorted(con.execute(f"select * from marts.{name}").fetchall(), key=repr) for name in names}


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtRun:
    """One strict build of the shipped sample, shared by the tests that only read it."""
    workdir = tmp_path_factory.mktemp("sample_build")
    run = build(PROJECT_ROOT / "data" / "sample" / "responses_2023_synthetic.csv", workdir)
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture
def copy_of_sample_build(sample_build, tmp_path) -> DbtRun:
    """A private copy of the sample warehouse, for tests that rebuild on top of it."""
    db_path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_build.db_path, db_path)
    return DbtRun(0, "", db_path)
