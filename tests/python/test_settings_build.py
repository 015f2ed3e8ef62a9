"""Vars typed and checked before anything runs (issue 16, item 3), on the real project.

Bad values of test_settings.BAD are given, a set at a time, to `dbt build`, `dbt run` and
`dbt test` on a copy of the published sample build: each stops at the start with exit code 2
and one message naming each bad var, its value (escaped, cut) and the values allowed; the
warehouse file and the export folder are unchanged byte for byte (nothing loaded, built,
recorded or published). The other commands that read vars stop the same way. A good non-default
value builds, and the build log records what was in force.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, build, every_reason_file, published_build_id, query, tree
from styringsoverblik import settings
from test_publish import assert_nothing_published, published_a  # noqa: F401 (fixture)
from test_settings import BAD

# The bad values of BAD, dealt into sets of one value per var (a set is one dbt invocation per
# command): three sets hold the first three bad values of every var; every value of BAD also
# runs through dbt's own --vars parsing and the macro in test_settings' parity test, so these
# sets prove the refusal on each command's path without paying a dbt start per value.
SETS = 3
BAD_SETS: list[dict] = [{} for _ in range(SETS)]
for name, value, _ in BAD:
    free = next((s for s in BAD_SETS if name not in s), None)
    if free is not None:
        free[name] = value
# plus a value holding terminal control sequences and one too long to print whole
BAD_SETS[0]["q17_neutral_scope"] = "theme\x1b[2J\x1b]0;owned\x07"
BAD_SETS[1]["q17_neutral_scope"] = "x" * 5000


def state(workdir: Path) -> tuple[str, dict]:
    return hashlib.sha256((workdir / "warehouse.duckdb").read_bytes()).hexdigest(), tree(workdir / "exports")


def assert_refused_at_start(run, variables: dict, before, workdir: Path, before_id: str, snapshot) -> None:
    assert run.returncode == 2, run.output[-3000:]
    assert "dbt var(s) not allowed; nothing was run, loaded or published:" in run.output
    for name, value in variables.items():
        line = settings.problem(name, value, PROJECT_ROOT)
        assert line and line in run.output, (name, run.output[-3000:])
    # the hostile value is shown escaped (dbt's own colour codes are \x1b[0m, \x1b[31m, ...)
    assert "\x1b[2J" not in run.output and "\x1b]0;" not in run.output and "\x07" not in run.output
    assert len(run.output) < 20_000
    assert state(workdir) == snapshot  # nothing loaded, built, recorded or published
    assert_nothing_published(before, workdir, before_id)


@pytest.mark.parametrize("command", ["build", "run", "test"])
@pytest.mark.parametrize("bad", range(len(BAD_SETS)), ids=[f"set{i}" for i in range(len(BAD_SETS))])
def test_bad_vars_stop_every_command_before_anything_runs(published_a, command, bad):
    before, workdir, before_id = published_a
    runs_before = query(workdir / "warehouse.duckdb", "select * from ops.build_runs order by started_at")
    raw_before = query(workdir / "warehouse.duckdb", "select count(*) as n from raw.raw_responses")
    snapshot = state(workdir)
    variables = BAD_SETS[bad]

    run = build(every_reason_file(workdir), workdir, command=command, **variables)

    assert_refused_at_start(run, variables, before, workdir, before_id, snapshot)
    assert query(workdir / "warehouse.duckdb", "select * from ops.build_runs order by started_at") == runs_before
    assert query(workdir / "warehouse.duckdb", "select count(*) as n from raw.raw_responses") == raw_before


@pytest.mark.parametrize(
    "command",
    ["compile", "docs generate", "ls", "run --select dim_themes"],
    ids=["compile", "docs-generate", "ls", "run-a-model-using-no-var"],
)
def test_bad_vars_stop_the_other_commands_too(published_a, command):
    """min_group_size is read by no model of these selections (only the benchmark marts read
    it): the check of every var stops the command anyway."""
    before, workdir, before_id = published_a
    snapshot = state(workdir)
    variables = {"min_group_size": -1, "strict": "false"}

    run = build(every_reason_file(workdir), workdir, command=command, **variables)

    assert_refused_at_start(run, variables, before, workdir, before_id, snapshot)


def test_good_non_default_values_are_in_force_and_recorded(published_a):
    """Lenient, Q17 within the theme, one build folder kept, two extra rounds: the bad rows are
    left out and the build published, and the log records exactly these values."""
    _, workdir, before_id = published_a
    bad = every_reason_file(workdir)

    run = build(
        bad, workdir, strict=False, q17_neutral_scope="theme", export_keep_builds=1, min_group_size=5,
        extra_survey_rounds={"from_year": 2024, "to_year": 2025, "rubric_version": 1},
    )

    assert run.returncode == 0, run.output[-3000:]
    build_id = published_build_id(workdir / "warehouse.duckdb")
    assert build_id != before_id
    (attempt,) = query(
        workdir / "warehouse.duckdb",
        "select status, strict, q17_neutral_scope, survey_years, raw_responses_path from ops.build_runs"
        f" where build_id = '{build_id}'",
    )
    assert attempt == {
        "status": "published", "strict": False, "q17_neutral_scope": "theme", "survey_years": "2023-2025",
        "raw_responses_path": str(bad),
    }
    (current,) = query(workdir / "warehouse.duckdb", "select strict, q17_neutral_scope from marts.dim_builds where is_current")
    assert current == {"strict": False, "q17_neutral_scope": "theme"}
    # export_keep_builds: 1 kept the published folder alone
    assert sorted(p.name for p in (workdir / "exports" / "builds").iterdir()) == [build_id]
    # lenient: the blocking rows are rejected and left out, the valid ones scored
    rejected = query(workdir / "warehouse.duckdb", "select count(*) as n from marts.fct_response_rows where row_status = 'rejected'")
    assert rejected == [{"n": 10}]
