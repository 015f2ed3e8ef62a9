"""Build output read once (issue 18, item 4): a failed strict build lists each offending row once,
whole, then the count; the gate's own error is one line, so dbt's repetition of it repeats no
rows; the build log records that one line.
"""

from __future__ import annotations

import re

import pytest

from conftest import BLOCKING_REASONS, build, every_reason_file, query
from test_publish import assert_nothing_published, published_a  # noqa: F401 (fixture)

GATE_LINE = (
    "10 raw response row(s) rejected (strict mode; --vars '{strict: false}' builds from the valid rows);"
    " listed in the build summary"
)


@pytest.mark.parametrize(
    "command", ["build", "run", "--quiet build"], ids=["build", "run", "quiet-build"]
)
def test_a_failed_strict_build_lists_each_row_once_whole_then_the_count(published_a, command, tmp_path):
    before, workdir, before_id = published_a
    # a path longer than the 500 characters the build log's reason used to be cut to
    deep = tmp_path / ("d" * 200) / ("e" * 200) / ("f" * 150)
    deep.mkdir(parents=True)
    bad = every_reason_file(deep)
    assert len(str(bad)) > 500

    run = build(bad, workdir, command=command)

    assert run.returncode == 1, run.output[-3000:]
    assert_nothing_published(before, workdir, before_id)
    rejected = query(
        workdir / "warehouse.duckdb",
        "select source_line_number as line, response_row_id || ' [' || reject_reason || '] ' || reject_message as listing"
        " from intermediate.int_responses_classified where row_status = 'rejected' order by source_line_number",
    )
    # the conflicting answer rejects line 2 too; lines 6-14 hold one bad row of each reason
    assert [row["line"] for row in rejected] == [2, *range(6, 6 + len(BLOCKING_REASONS))]
    lines = run.output.splitlines()
    for row in rejected:
        starts = [i for i, line in enumerate(lines) if re.match(rf"\s*{re.escape(str(bad))}:{row['line']} \[", line)]
        assert len(starts) == 1, (row["line"], run.output[-5000:])
        assert lines[starts[0]].strip() == row["listing"]  # whole: nothing cut
    count = [i for i, line in enumerate(lines) if "10 raw response row(s) rejected, 0 exact repeat(s) counted once" in line]
    assert len(count) == 1
    listed = [i for i, line in enumerate(lines) if line.strip().startswith(f"{bad}:")]
    assert max(listed) < count[0]  # the rows, then the count
    # the gate's error is one line with the count alone: no row of it in dbt's summary
    assert GATE_LINE in run.output
    assert "Runtime Error in model fct_response_rows" in run.output
    (attempt,) = query(workdir / "warehouse.duckdb", "select status, reason from ops.build_runs order by started_at desc limit 1")
    assert attempt == {"status": "failed", "reason": f"1 node(s) failed (fct_response_rows): {GATE_LINE}"}


def test_the_build_log_reason_is_the_failed_nodes_one_line_without_dbts_frame():
    """judge() on dbt's results as the on-run-end hook receives them (message text as dbt 1.11
    gives it for the gate's post-hook and for a failing data test)."""
    from styringsoverblik.context import BuildContext
    from styringsoverblik.judge import judge

    gate = (
        "Runtime Error in model fct_response_rows (models/marts/quality/fct_response_rows.sql)\n"
        f"  Invalid Input Error: {GATE_LINE}\n  \n  compiled code at /tmp/t/target/run/x.sql"
    )
    context = BuildContext(
        invocation_id="b", command="build", project_dir=".",
        results=[
            {"unique_id": "model.styringsoverblik.fct_response_rows", "status": "error", "message": gate},
            {"unique_id": "test.styringsoverblik.not_null_x.1a", "status": "fail", "message": "Got 3 results, configured to fail if != 0"},
        ],
    )
    outcome = judge(context, audit_only=False)
    assert (outcome.status, outcome.reason) == ("failed", f"2 node(s) failed (fct_response_rows, not_null_x): {GATE_LINE}")
