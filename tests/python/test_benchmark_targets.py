"""The side-by-side benchmark of the build on DuckDB and PostgreSQL (`benchmark --targets`): its
arguments, the one build command and the report, with numbers made up here. Nothing is built or
timed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from styringsoverblik import benchmark
from styringsoverblik.benchmark import Measured, TargetBuild, TargetRow

ROOT = Path(__file__).resolve().parents[2]


def test_targets_parse_in_order_each_once():
    assert benchmark.parse_targets("duckdb,postgres") == ["duckdb", "postgres"]
    assert benchmark.parse_targets(" Postgres , duckdb ") == ["postgres", "duckdb"]
    for bad in ("", "oracle", "duckdb,oracle", "duckdb,duckdb", ","):
        with pytest.raises(Exception):
            benchmark.parse_targets(bad)


def test_arguments_default_to_the_98x100_build_once_in_the_current_project(monkeypatch):
    monkeypatch.chdir(ROOT)
    args = benchmark.parse_arguments(["--targets", "duckdb,postgres"])
    assert args.targets == ["duckdb", "postgres"]
    assert args.sizes == [(98, 100)] and args.repeat == 1
    assert args.project_dir == ROOT and not args.postgres_env_from_environment
    # without --targets: the floor comparison, as before
    args = benchmark.parse_arguments([])
    assert args.targets is None and args.repeat == 3 and args.sizes == [(98, 1), (98, 10), (98, 100)]
    assert benchmark.parse_arguments(["--targets", "duckdb", "--sizes"]).sizes == []


@pytest.mark.parametrize("argv", [
    ["--targets", "duckdb,postgres", "--write-cost"],
    ["--targets", "duckdb", "--report"],
    ["--targets", "duckdb", "--postgres-env-from-environment"],
    ["--postgres-env-from-environment"],
    ["--targets", "duckdb", "--sizes", "99x1"],
    ["--targets", "duckdb", "--repeat", "0"],
    ["--targets", "sqlite"],
])
def test_arguments_that_do_not_fit_are_refused(argv, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as stopped:
        benchmark.parse_arguments(argv)
    assert stopped.value.code == 2


def test_a_folder_that_is_no_dbt_project_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        benchmark.parse_arguments(["--targets", "duckdb", "--project-dir", str(tmp_path)])
    assert "no dbt_project.yml" in capsys.readouterr().err


def test_the_build_command_is_named_in_one_place(tmp_path):
    variables = {"raw_responses_path": "/x/r.csv", "export_path": "/x/e"}
    argv = benchmark.build_command("postgres", variables, tmp_path)
    assert argv[1:] == ["-m", "styringsoverblik.cli", "build", "--target", "postgres", "--vars", json.dumps(variables),
                        "--project-dir", str(tmp_path)]
    assert benchmark.build_command("duckdb", variables, tmp_path)[5] == "duckdb"
    with pytest.raises(ValueError):
        benchmark.build_command("mysql", variables, tmp_path)


def test_dbt_stage_time_is_read_from_run_results(tmp_path):
    assert benchmark.dbt_elapsed(tmp_path) is None
    (tmp_path / "run_results.json").write_text(json.dumps({"elapsed_time": 12.5, "results": []}), encoding="utf-8")
    assert benchmark.dbt_elapsed(tmp_path) == 12.5
    (tmp_path / "run_results.json").write_text("{not json", encoding="utf-8")
    assert benchmark.dbt_elapsed(tmp_path) is None


def test_the_report_puts_the_targets_side_by_side_with_their_ratio():
    rows = [
        TargetRow("shipped sample 72 × 1", 41_000, {
            "duckdb": TargetBuild(Measured(30.0, 400.0), 24.0),
            "postgres": TargetBuild(Measured(45.0, 300.0), 36.0),
        }),
        TargetRow("98 × 100", 5_600_000, {
            "duckdb": TargetBuild(Measured(100.0, 900.0), None),
            "postgres": TargetBuild(Measured(250.0, 450.0), 200.0),
        }),
    ]
    text = benchmark.render_targets(rows, ["duckdb", "postgres"], 1, "`styringsoverblik build --target <t>`")
    lines = text.splitlines()
    assert "| shipped sample 72 × 1 | duckdb | 41,000 | 30.0 | 24.0 | 6.0 | 400 |" in lines
    assert "| shipped sample 72 × 1 | postgres | 41,000 | 45.0 | 36.0 | 9.0 | 300 |" in lines
    assert "| 98 × 100 | duckdb | 5,600,000 | 100.0 | — | — | 900 |" in lines
    # 45 / 30 = 1.5, 36 / 24 = 1.5, 300 / 400 = 0.75; 250 / 100 = 2.5 is beyond the goal
    assert "| shipped sample 72 × 1 | 1.50× | 1.50× | 0.75× | yes |" in lines
    assert "| 98 × 100 | 2.50× | — | 0.50× | no |" in lines
    assert "`styringsoverblik build --target <t>`" in text


def test_one_target_alone_has_no_ratio_table():
    rows = [TargetRow("s", 10, {"duckdb": TargetBuild(Measured(1.0, 2.0), 0.5)})]
    text = benchmark.render_targets(rows, ["duckdb"], 3, "dbt build")
    assert "| s | duckdb | 10 | 1.0 | 0.5 | 0.5 | 2 |" in text.splitlines()
    assert "÷" not in text and "Median of 3 run(s)" in text
