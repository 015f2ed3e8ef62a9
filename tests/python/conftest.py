"""Shared helpers: run the real dbt project against a DuckDB file of the test's own."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from styringsoverblik.publish import relocate

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
# Tables of the published schema written by the publish step itself (they name the build).
BUILD_LOG = ("dim_builds", "fct_build_input_files")
SAMPLE = PROJECT_ROOT / "data" / "sample" / "responses_2023_synthetic.csv"
HAND_FIXTURE = FIXTURES / "scoring" / "hand_computed.csv"

# dbt's unit tests read their own fixture rows, never a build's data, and take half of a build's
# time. They run once per target: in the build of the sample on DuckDB (scripts/test.sh's, or the
# fixture sample_build's when pytest runs alone) and in test_postgres_marts.py's published build
# on PostgreSQL (both with WITH_UNIT_TESTS). Every other dbt invocation of the suite inherits this
# process's environment and leaves them out through dbt's own flag; the judge and the publish
# step never look at unit tests (manifest nodes, not unit_tests).
os.environ["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
# an empty value is no exclusion (dbt reads an empty flag variable as unset)
WITH_UNIT_TESTS = {"DBT_EXCLUDE_RESOURCE_TYPES": ""}


@dataclass
class DbtRun:
    returncode: int
    output: str
    db_path: Path


def dbt_command(
    command: str,
    db_path: Path,
    variables: dict | None = None,
    extra_args: tuple[str, ...] = (),
    project: Path = PROJECT_ROOT,
) -> tuple[list[str], dict]:
    """The argv and environment of `dbt <command>` on a DuckDB file and target folder of its own."""
    work = db_path.parent
    env = {**os.environ, "DBT_DUCKDB_PATH": str(db_path), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    args = [DBT, *command.split(), "--project-dir", str(project), "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    if variables:
        args += ["--vars", json.dumps(variables)]
    return args + list(extra_args), env


def run_dbt(
    command: str,
    db_path: Path,
    variables: dict | None = None,
    extra_args: tuple[str, ...] = (),
    project: Path = PROJECT_ROOT,
    env: dict | None = None,
) -> DbtRun:
    """Run `dbt <command>` in the project with its own DuckDB file and target folder."""
    args, base_env = dbt_command(command, db_path, variables, extra_args, project)
    proc = subprocess.run(
        args, cwd=project, env={**base_env, **(env or {})}, capture_output=True, text=True, timeout=900
    )
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, db_path)


BLOCKING_REASONS = (
    "conflicting_answers", "empty_answer", "item_missing", "item_not_expected", "survey_year_not_configured",
    "unknown_answer", "unknown_item", "unknown_municipality", "unknown_question",
)


def every_reason_file(folder: Path, with_duplicate: bool = False) -> Path:
    """Four valid rows (lines 2-5), then one bad row of each blocking reason from its fixture in
    tests/fixtures/bad_input (lines 6-14, in the order of BLOCKING_REASONS; the conflicting
    answer also rejects line 2), and optionally a harmless duplicate (line 15)."""
    bad = FIXTURES / "bad_input"
    header, *rows = (bad / "unknown_answer.csv").read_text(encoding="utf-8").splitlines()
    lines = [header, *rows[:4]]
    for reason in BLOCKING_REASONS + (("duplicate_answer",) if with_duplicate else ()):
        fixture = (bad / f"{reason}.csv").read_text(encoding="utf-8").splitlines()
        assert fixture[:5] == lines[:5], reason
        lines.append(fixture[5])
    path = folder / ("every_reason_and_duplicate.csv" if with_duplicate else "every_reason.csv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_vars(responses: Path | str, workdir: Path, **variables) -> dict:
    return {"raw_responses_path": str(responses), "export_path": str(workdir / "exports"), **variables}


def build(
    responses: Path | str, workdir: Path, command: str = "build", extra_args: tuple[str, ...] = (),
    env: dict | None = None, **variables,
) -> DbtRun:
    """`dbt build` (or another command) on one response file (or glob) into workdir/warehouse.duckdb,
    exporting to workdir/exports."""
    workdir.mkdir(parents=True, exist_ok=True)
    return run_dbt(command, workdir / "warehouse.duckdb", build_vars(responses, workdir, **variables), extra_args, env=env)


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


def rounded(rows) -> list[tuple]:
    """Rows with doubles rounded to 9 decimals, sorted: a mean may differ in its last bits when
    DuckDB sums in another order, which is no difference in the data."""
    return sorted((tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows), key=repr)


def mart_snapshot(db_path: Path, with_build_log: bool = True) -> dict[str, list[tuple]]:
    """Every published table's rows, sorted, for before/after comparisons."""
    names = [n for n in mart_names(db_path) if with_build_log or n not in BUILD_LOG]
    assert set(MARTS) <= set(names)
    with duckdb.connect(str(db_path), read_only=True) as con:
        return {name: rounded(con.execute(f"select * from marts.{name}").fetchall()) for name in names}


def published_build_id(db_path: Path) -> str:
    (row,) = query(db_path, "select build_id from marts.dim_builds where is_current")
    return row["build_id"]


def export_pointer(export_root: Path) -> tuple[str, Path]:
    """The build id the Parquet pointer (the symlink current) names, and its folder."""
    folder = (export_root / "current").resolve()
    assert folder.parent == (export_root / "builds").resolve()
    return folder.name, folder


def export_snapshot(export_root: Path, with_build_log: bool = True) -> tuple[str, dict[str, list[tuple]]]:
    """The published Parquet set: its build id and every table's rows (as mart_snapshot)."""
    build_id, folder = export_pointer(export_root)
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["build_id"] == build_id
    tables = {}
    with duckdb.connect() as con:
        for name, entry in manifest["tables"].items():
            if with_build_log or name not in BUILD_LOG:
                rows = con.execute(f"select * from read_parquet('{folder / entry['file']}')").fetchall()
                assert len(rows) == entry["rows"], name
                tables[name] = rounded(rows)
    return build_id, tables


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtRun:
    """One strict build of the shipped sample, shared by the tests that only read it (or copy it).
    scripts/test.sh hands over its own build of the sample (warehouse and exports/ beside it) in
    $STYRINGSOVERBLIK_SAMPLE_WAREHOUSE, so the suite does not build it twice; both builds run the
    unit tests (their run on DuckDB)."""
    handed_over = os.environ.get("STYRINGSOVERBLIK_SAMPLE_WAREHOUSE")
    if handed_over and Path(handed_over).is_file() and (Path(handed_over).parent / "exports" / "current").exists():
        return DbtRun(0, "", Path(handed_over))
    run = build(SAMPLE, tmp_path_factory.mktemp("sample_build"), env=WITH_UNIT_TESTS)
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="session")
def hand_build(tmp_path_factory) -> DbtRun:
    """One strict build of the hand-computed fixture (three municipalities), shared."""
    return successful_build(HAND_FIXTURE, tmp_path_factory.mktemp("hand_build"))


def successful_build(responses: Path, workdir: Path) -> DbtRun:
    run = build(responses, workdir)
    assert run.returncode == 0, run.output[-4000:]
    return run


def copy_published(run: DbtRun, workdir: Path) -> Path:
    """A private copy of a published build: warehouse.duckdb and exports/ in workdir, the
    warehouse's `marts` views pointed at the copied export folder."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run.db_path, workdir / "warehouse.duckdb")
    shutil.copytree(run.db_path.parent / "exports", workdir / "exports", symlinks=True)
    relocate(workdir / "warehouse.duckdb", workdir / "exports")
    return workdir


@pytest.fixture
def copy_of_sample_build(sample_build, tmp_path) -> DbtRun:
    """A private copy of the sample warehouse and its exports, for tests that rebuild on top of it."""
    copy_published(sample_build, tmp_path)
    return DbtRun(0, "", tmp_path / "warehouse.duckdb")


def tree(root: Path) -> dict[str, str]:
    """Every entry under root (not following symlinks): files by content hash, folders,
    symlinks by target, so a before/after comparison sees any change."""
    listing = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                listing[key] = "symlink -> " + os.readlink(path)
            elif path.is_dir():
                listing[key] = "folder"
            else:
                listing[key] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
    return listing


# --------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster of the test run's own (never a server from the environment)


@dataclass
class PostgresCluster:
    """The test run's cluster: scripts/test.sh starts one and names its folder in
    STYRINGSOVERBLIK_TEST_PG_DIR; otherwise each pytest worker starts its own. Ambient PG*
    variables are never used, so a developer's shell pointing at a real server is never touched."""

    folder: Path
    base_env: dict

    def env(self, database: str = "postgres") -> dict[str, str]:
        """The superuser's libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD)."""
        return {**self.base_env, "PGDATABASE": database}

    def create_database(self, prefix: str = "t", icu_locale: str | None = None) -> dict[str, str]:
        """A new, empty database of the caller's own (with icu_locale, e.g. 'da-DK': that ICU
        collation as its default, as on a Danish server); returns its libpq environment."""
        import uuid

        import psycopg
        from psycopg import sql

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        statement = sql.SQL("create database {}").format(sql.Identifier(name))
        if icu_locale:
            statement += sql.SQL(" template template0 locale_provider icu icu_locale {} locale 'C.UTF-8'").format(
                sql.Literal(icu_locale)
            )
        with psycopg.connect(**_libpq_kwargs(self.env()), autocommit=True) as con:
            con.execute(statement)
        return self.env(name)


def _libpq_kwargs(env: dict[str, str]) -> dict[str, str]:
    return {
        "host": env["PGHOST"], "port": env["PGPORT"], "user": env["PGUSER"], "dbname": env["PGDATABASE"],
        "password": env.get("PGPASSWORD", ""),
    }


@pytest.fixture(scope="session")
def postgres_cluster():
    import tempfile

    from styringsoverblik import pgserver

    shared = os.environ.get("STYRINGSOVERBLIK_TEST_PG_DIR")
    if shared:
        text = (Path(shared) / "cluster.env").read_text(encoding="utf-8")
        env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        yield PostgresCluster(Path(shared), env)
        return
    folder = Path(tempfile.mkdtemp(prefix="so-pg-", dir="/tmp"))
    cluster = pgserver.start(folder)
    try:
        yield PostgresCluster(folder, cluster.env())
    finally:
        pgserver.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def load_raw_from_duckdb(duckdb_path: Path, pg_env: dict[str, str]) -> None:
    """Copy the raw tables (raw.raw_responses, raw.q12_codings) and the build log (ops.build_runs,
    ops.build_input_files) of a DuckDB build into the PostgreSQL database of `pg_env`, in one
    transaction, then ANALYZE them: what an ingest leaves on the server, with one raw table
    a test can change before a plain `dbt build --target postgres` (the strict gate's test)."""
    from styringsoverblik import targets

    tables = (("raw", "raw_responses"), ("raw", "q12_codings"), ("ops", "build_runs"), ("ops", "build_input_files"))
    with duckdb.connect(str(duckdb_path), read_only=True) as source:
        arrow_tables = {(schema, name): source.sql(f"select * from {schema}.{name}").to_arrow_table() for schema, name in tables}
    with targets.connect_postgres(**_libpq_kwargs(pg_env)) as con:
        with con.cursor() as cur:
            for (schema, name), table in arrow_tables.items():
                targets.copy_arrow(cur, schema, name, table)
        con.commit()
        con.autocommit = True
        for schema, name in tables:
            con.execute(f"analyze {schema}.{name}")


@dataclass
class PostgresBuild:
    """A `dbt build --target postgres` on a database of its own (env: its libpq environment)."""

    returncode: int
    output: str
    env: dict[str, str]
    workdir: Path | None = None
    marts_schema: str = "marts_audit"

    def query(self, sql: str, params=None) -> list[dict]:
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(**_libpq_kwargs(self.env), row_factory=dict_row) as con:
            return con.execute(sql, params).fetchall()


def postgres_dbt(
    command: str, pg_env: dict[str, str], workdir: Path, variables: dict | None = None, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    """`dbt <command> --target postgres` on the database of `pg_env`, with a target and log folder
    of its own in workdir (the export path too, which PostgreSQL never writes)."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        DBT, *command.split(), "--target", "postgres", "--project-dir", str(PROJECT_ROOT),
        "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
        "--vars", json.dumps({"export_path": str(workdir / "exports"), **(variables or {})}),
    ]
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), **pg_env}
    env.pop("STYRINGSOVERBLIK_BUILD_ID", None)
    env.update(extra_env or {})
    return subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True)




STYRINGSOVERBLIK = str(Path(sys.executable).with_name("styringsoverblik"))


def postgres_build_command(responses: Path | str, pg_env: dict[str, str], workdir: Path, **variables) -> list[str]:
    """The argv of `styringsoverblik build --target postgres` on `responses`, with a target, log
    and export folder of its own in workdir."""
    workdir.mkdir(parents=True, exist_ok=True)
    return [
        STYRINGSOVERBLIK, "build", "--target", "postgres", "--project-dir", str(PROJECT_ROOT),
        "--profiles-dir", str(PROJECT_ROOT), "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
        "--vars", json.dumps(build_vars(responses, workdir, **variables)),
    ]


def postgres_env(pg_env: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), **pg_env}
    env.pop("STYRINGSOVERBLIK_BUILD_ID", None)
    return env


def postgres_build(
    responses: Path | str, pg_env: dict[str, str], workdir: Path, extra_env: dict | None = None, **variables
) -> PostgresBuild:
    """`styringsoverblik build --target postgres`: ingest, dbt build and publish, as a scheduled
    run does; the published marts are in schema `marts`."""
    proc = subprocess.run(
        postgres_build_command(responses, pg_env, workdir, **variables), cwd=workdir,
        env={**postgres_env(pg_env), **(extra_env or {})},
        capture_output=True, text=True, timeout=900,
    )
    return PostgresBuild(proc.returncode, proc.stdout + proc.stderr, pg_env, workdir, marts_schema="marts")


@pytest.fixture(scope="session")
def postgres_hand_build(postgres_cluster, tmp_path_factory) -> PostgresBuild:
    """The hand-computed fixture built and published by `styringsoverblik build --target
    postgres` (ingest, dbt build, publish: schema marts), shared."""
    env = postgres_cluster.create_database("hand")
    run = postgres_build(HAND_FIXTURE, env, tmp_path_factory.mktemp("pg_hand_build"))
    assert run.returncode == 0, run.output[-4000:]
    return run


# --------------------------------------------------------------------------------------------
# Order: xdist hands whole modules (--dist loadfile) to the two workers in collection order
# (--no-loadscope-reorder: otherwise it sends the modules with the most tests first). The
# modules that run several builds (minutes each) are started first, so that the many quick
# modules fill the end of both workers' queues and the two finish together instead of one
# worker running a long module alone at the end.
LONG_MODULES = (
    "test_postgres_build.py",
    "test_publish.py",
    "test_postgres_marts.py",
    "test_export_folder_builds.py",
    "test_publish_guards.py",
    "test_failures.py",
    "test_hostile_builds.py",
    "test_settings_build.py",
    "test_survey_rounds_and_wide.py",
    "test_report_summary.py",
    "test_benchmarks_and_exports.py",
    "test_build_command.py",
    "test_check.py",
)


def pytest_collection_modifyitems(items: list) -> None:
    rank = {name: position for position, name in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_MODULES)))
