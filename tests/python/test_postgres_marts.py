"""The warehouse on PostgreSQL (issue 19): the sample's marts published on a real server by
`styringsoverblik build --target postgres` (ingest, dbt build with the unit tests and every data
test, publish) equal the DuckDB build's, and a plain `dbt build --target postgres` afterwards says
what it builds from and never publishes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import psycopg
import pytest
from psycopg import sql

from conftest import (
    BUILD_LOG,
    MARTS,
    PROJECT_ROOT,
    PostgresBuild,
    _libpq_kwargs,
    SAMPLE,
    WITH_UNIT_TESTS,
    load_raw_from_duckdb,
    mart_names,
    postgres_build,
    postgres_dbt,
    query,
)

TOLERANCE = 1e-9

DUCKDB_TYPES = {
    "INTEGER": "integer", "BIGINT": "bigint", "DOUBLE": "double", "VARCHAR": "text", "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}
POSTGRES_TYPES = {
    "integer": "integer", "bigint": "bigint", "double precision": "double", "text": "text",
    "character varying": "text", "boolean": "boolean", "timestamp without time zone": "timestamp",
}


@pytest.fixture(scope="module")
def pg_sample(postgres_cluster, tmp_path_factory) -> PostgresBuild:
    """The sample published by `styringsoverblik build --target postgres` (schema marts; with the
    unit tests: their one run on PostgreSQL), then a plain `dbt build --target postgres` on the
    same database (its output: `plain_output`); shared by this module."""
    workdir = tmp_path_factory.mktemp("pg_sample")
    env = postgres_cluster.create_database("sample")
    run = postgres_build(SAMPLE, env, workdir / "command", extra_env=WITH_UNIT_TESTS)
    assert run.returncode == 0, run.output[-5000:]
    plain = postgres_dbt("build", env, workdir / "plain")
    assert plain.returncode == 0, (plain.stdout + plain.stderr)[-5000:]
    run.plain_output = plain.stdout + plain.stderr
    return run


def _duckdb_columns(db_path, mart: str) -> list[tuple[str, str]]:
    rows = query(db_path, f"describe select * from marts.{mart}")
    return [(row["column_name"], DUCKDB_TYPES[row["column_type"]]) for row in rows]


def _postgres_columns(build: PostgresBuild, mart: str) -> list[tuple[str, str]]:
    rows = build.query(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (build.marts_schema, mart),
    )
    return [(row["column_name"], POSTGRES_TYPES[row["data_type"]]) for row in rows]


def _sort_key(row: tuple) -> str:
    return repr(tuple(round(value, 9) if isinstance(value, float) else value for value in row))


def _same_value(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE) and type(a) is type(b)
    return a == b and type(a) is type(b)


def test_every_mart_equals_the_duckdb_build(sample_build, pg_sample):
    duckdb_marts = sorted(set(mart_names(sample_build.db_path)) - set(BUILD_LOG))
    assert set(MARTS) <= set(duckdb_marts)
    postgres_tables = {
        row["table_name"]
        for row in pg_sample.query(
            "select table_name from information_schema.tables where table_schema = %s", (pg_sample.marts_schema,)
        )
    }
    assert sorted(postgres_tables - set(BUILD_LOG)) == duckdb_marts
    # the build log is published on both, with the same columns (its rows name each target's own build)
    assert set(BUILD_LOG) <= postgres_tables
    for table in BUILD_LOG:
        assert _postgres_columns(pg_sample, table) == _duckdb_columns(sample_build.db_path, table), table
    for mart in duckdb_marts:
        columns = _duckdb_columns(sample_build.db_path, mart)
        assert _postgres_columns(pg_sample, mart) == columns, mart
        names = [name for name, _ in columns]
        duck_rows = sorted((tuple(row[name] for name in names) for row in query(sample_build.db_path, f"select * from marts.{mart}")), key=_sort_key)
        pg_rows = sorted(
            (tuple(row[name] for name in names) for row in pg_sample.query(
                sql.SQL("select * from {}").format(sql.Identifier(pg_sample.marts_schema, mart))
            )),
            key=_sort_key,
        )
        assert len(pg_rows) == len(duck_rows), mart
        assert duck_rows or mart not in MARTS, mart
        for duck_row, pg_row in zip(duck_rows, pg_rows):
            different = [
                (name, d, p) for name, d, p in zip(names, duck_row, pg_row) if not _same_value(d, p)
            ]
            assert not different, (mart, duck_row[0], different)


def test_shares_are_not_integer_divisions(pg_sample):
    """PostgreSQL divides integers to an integer: the answer shares must be fractions there too
    (the sample has items answered by 98 municipalities, so most shares lie strictly between 0 and 1)."""
    (row,) = pg_sample.query(
        "select count(*) filter (where share_of_answering > 0 and share_of_answering < 1) as fractions,"
        " count(*) filter (where share_of_respondents > 0 and share_of_respondents < 1) as respondent_fractions,"
        " count(*) as options"
        " from marts.fct_answer_distributions"
    )
    assert row["fractions"] > row["options"] / 4
    assert row["respondent_fractions"] > row["options"] / 4
    # one option by hand: chosen_count / answering_municipalities, as doubles
    (one,) = pg_sample.query(
        "select chosen_count, answering_municipalities, responding_municipalities, share_of_answering, share_of_respondents"
        " from marts.fct_answer_distributions where chosen_count > 0 and chosen_count < answering_municipalities"
        " order by answer_distribution_key limit 1"
    )
    assert one["share_of_answering"] == pytest.approx(one["chosen_count"] / one["answering_municipalities"], abs=1e-12)
    assert one["share_of_respondents"] == pytest.approx(one["chosen_count"] / one["responding_municipalities"], abs=1e-12)


def _show(target: str, inline: str, pg_env: dict, workdir) -> list[dict]:
    """`dbt show --inline` on a target (lint: DuckDB in memory; postgres), its rows."""
    import json
    import os
    import subprocess

    from conftest import DBT

    proc = subprocess.run(
        [DBT, "show", "--project-dir", str(PROJECT_ROOT), "--target", target, "--target-path", str(workdir / target),
         "--log-path", str(workdir / target), "--output", "json", "--limit", "100", "--inline", inline],
        env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), **pg_env}, cwd=workdir, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return json.loads(proc.stdout[proc.stdout.index("{"):])["show"]


def test_codes_are_integers_only_when_written_as_digits(pg_sample, tmp_path):
    """Macro integer_as_written (the staging cast of codes) as each engine's dbt renders it: the
    same integers on DuckDB and PostgreSQL, digits only, blanks around them allowed."""
    texts = [
        "101", " 2023 ", "0101", "\u00a0101\u3000", "101.0", "1e2", "0x10", "+5", "-1", "1 000", "1_000", "\t101", "",
        "2147483647", "2147483648", "000000000002147483647", "99999999999999999999", "0b1", "\u0661\u0660\u0661",
    ]
    expected = [
        101, 2023, 101, 101, None, None, None, None, None, None, None, None, None, 2147483647, None, 2147483647, None,
        None, None,
    ]
    values = ", ".join(f"({i}, '{text}')" for i, text in enumerate(texts))
    inline = f"select i, {{{{ integer_as_written('t') }}}} as v from (values {values}) as texts (i, t) order by i"
    for target in ("lint", "postgres"):
        rows = _show(target, inline, pg_sample.env, tmp_path)
        assert [row["v"] for row in rows] == expected, target


def test_a_plain_build_names_the_last_ingest_and_never_publishes(pg_sample):
    (newest,) = pg_sample.query(
        "select build_id from ops.build_runs as runs"
        " where exists (select 1 from ops.build_input_files as files where files.build_id = runs.build_id)"
        " order by started_at desc limit 1",
    )
    assert f"build {newest['build_id']} published to schema marts" in pg_sample.output
    assert (
        f"dbt build on PostgreSQL: building from the last ingest (build {newest['build_id']}, started "
        in pg_sample.plain_output
    )
    assert "a plain dbt build never publishes (only `styringsoverblik build --target postgres` ingests and publishes)" in pg_sample.plain_output
    assert (
        "nothing was published: a plain dbt build on PostgreSQL leaves the audited marts in marts_audit;"
        " `styringsoverblik build --target postgres` publishes" in pg_sample.plain_output
    )
    # the published build is still the command's
    (published,) = pg_sample.query("select build_id from marts.dim_builds where is_current")
    assert published["build_id"] == newest["build_id"]


def test_an_orchestrated_run_names_its_build(pg_sample, tmp_path):
    proc = postgres_dbt(
        "run --select stg_reference__municipalities", pg_sample.env, tmp_path, extra_env={"STYRINGSOVERBLIK_BUILD_ID": "b-19"}
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "build b-19: transforming the ingested responses" in proc.stdout
    assert "building from the last ingest" not in proc.stdout
    assert "nothing was published" not in proc.stdout


def test_a_plain_build_without_an_ingest_refuses_and_names_the_command(postgres_cluster, tmp_path):
    env = postgres_cluster.create_database("empty")
    proc = postgres_dbt("build", env, tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"raw.raw_responses does not exist in database {env['PGDATABASE']}: no responses were ingested." in output
    assert "Build with `styringsoverblik build --target postgres` (ingest, dbt build, publish)" in output
    (row,) = PostgresBuild(0, "", env).query("select to_regclass('reference.municipalities') is null as nothing_built")
    assert row["nothing_built"]


def test_the_server_check_stops_a_build_with_jit_on(postgres_cluster, tmp_path):
    env = postgres_cluster.create_database("jit")
    with psycopg.connect(**_libpq_kwargs(env), autocommit=True) as con:
        con.execute(sql.SQL("alter database {} set jit = on").format(sql.Identifier(env["PGDATABASE"])))
    proc = postgres_dbt("build", env, tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "PostgreSQL target: jit is 'on', it must be off" in output
    assert f"ALTER DATABASE {env['PGDATABASE']} SET jit = off" in output
    assert "PGOPTIONS='-c jit=off'" in output
    assert "raw.raw_responses" not in output


def test_the_server_check_stops_a_build_on_a_c_ctype(postgres_cluster, tmp_path):
    name = postgres_cluster.create_database("ctype")["PGDATABASE"] + "_c"
    with psycopg.connect(**_libpq_kwargs(postgres_cluster.env()), autocommit=True) as con:
        con.execute(sql.SQL("create database {} template template0 lc_ctype 'C' lc_collate 'C'").format(sql.Identifier(name)))
    proc = postgres_dbt("build", postgres_cluster.env(name), tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "PostgreSQL target: the database's LC_CTYPE is 'C', not UTF-8" in output
    assert "create the database with a UTF-8 locale" in output
    assert "jit is" not in output


def test_the_strict_gate_stops_on_postgresql_with_the_same_line(sample_build, postgres_cluster, tmp_path):
    env = postgres_cluster.create_database("gate")
    load_raw_from_duckdb(sample_build.db_path, env)
    build = PostgresBuild(0, "", env)
    with psycopg.connect(**_libpq_kwargs(env)) as con:
        # one row more, its municipality written '1e2': not a code (a blocking reject)
        con.execute(
            "insert into raw.raw_responses (source_file, source_line_number, source_format, municipality_code,"
            " survey_year, question_no, item, answer) select source_file, 99999, source_format, '1e2', survey_year,"
            " question_no, item, answer from raw.raw_responses limit 1"
        )
    proc = postgres_dbt("build --select +fct_response_rows --exclude test_type:unit", env, tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    assert (
        "1 raw response row(s) rejected (strict mode; --vars '{strict: false}' builds from the valid rows);"
        " listed in the build summary"
    ) in output
    assert "in model fct_response_rows" in output
    # the failed post-hook rolled the model back: no table of unaudited rows is left
    (row,) = build.query("select to_regclass('marts_audit.fct_response_rows') is null as absent")
    assert row["absent"]


def test_unit_test_names_fit_postgresql_identifiers():
    """dbt names a unit test's relation after the test: PostgreSQL cuts identifiers at 63 bytes."""
    names = []
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        if "\nunit_tests:\n" in text:
            names += re.findall(r"^  - name: (\S+)$", text.split("\nunit_tests:\n", 1)[1], flags=re.M)
    assert len(names) >= 39
    assert [name for name in names if len(name.encode()) > 63] == []


def test_the_published_build_log_names_the_build(pg_sample):
    (published,) = pg_sample.query(
        "select build_id, started_at, command from marts.dim_builds where is_current"
    )
    (run,) = pg_sample.query("select status, started_at from ops.build_runs where build_id = %s", (published["build_id"],))
    assert run["status"] == "published"
    assert published["started_at"] == run["started_at"]
    assert isinstance(published["started_at"], dt.datetime)
    assert published["command"] == "build"


def test_every_unit_test_passes_on_postgresql(pg_sample):
    """The command's build of the sample ran every unit test of the project on PostgreSQL (the
    suite's other builds leave them out: conftest.WITH_UNIT_TESTS), and each passed."""
    import json

    target = pg_sample.workdir / "target"
    declared = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["unit_tests"]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {result["unique_id"]: result["status"] for result in results if result["unique_id"].startswith("unit_test.")}
    assert len(declared) >= 39
    assert ran == {unique_id: "pass" for unique_id in declared}


def test_file_order_is_code_point_order_on_a_database_with_a_danish_collation(postgres_cluster, tmp_path):
    """A Danish server's databases may sort text the Danish way ('aa' is 'å', after 'z'). The
    first row of a repeated cell is still the first in the order the files are read in (by name,
    code point order, as on DuckDB): the other repeats it, and the summary lists them in that order."""
    env = postgres_cluster.create_database("danish", icu_locale="da-DK")
    folder = tmp_path / "svar"
    folder.mkdir()
    header = "municipality_code,survey_year,question_no,item,answer\n"
    (folder / "aa.csv").write_text(header + "101,2023,1,,Ja\n101,2023,2,,Ja\n", encoding="utf-8")
    (folder / "z.csv").write_text(header + "101,2023,1,,Ja\n101,2023,2,,Nej\n", encoding="utf-8")
    first, second = folder / "aa.csv", folder / "z.csv"

    run = postgres_build(folder / "*.csv", env, tmp_path / "build", strict=False)

    assert run.returncode == 0, run.output[-5000:]
    danish_order = run.query("select string_agg(name, ',' order by name) as names from (values ('aa'), ('z')) as n (name)")
    assert danish_order == [{"names": "z,aa"}]  # the collation is in force
    rows = {
        row["response_row_id"]: row
        for row in run.query("select response_row_id, row_status, reject_reason, reject_message from marts.fct_response_rows")
    }
    assert rows[f"{first}:2"]["row_status"] == "valid"
    assert rows[f"{second}:2"]["reject_reason"] == "duplicate_answer"
    assert f"already given at {first}:2" in rows[f"{second}:2"]["reject_message"]
    for row_id in (f"{first}:3", f"{second}:3"):
        assert rows[row_id]["reject_reason"] == "conflicting_answers"
        assert f'"Ja" ({first}:3), "Nej" ({second}:3)' in rows[row_id]["reject_message"], rows[row_id]
    listed = [run.output.index(f"{row_id} [") for row_id in (f"{first}:3", f"{second}:3")]
    assert listed == sorted(listed), run.output[-3000:]
