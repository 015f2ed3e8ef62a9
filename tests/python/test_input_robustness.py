"""Bad rows end to end: each reject reason is named with its file, line and a sentence, and
every raw row is accounted for.

The reasons and messages themselves are unit-tested on the classification model (dbt unit
tests); file-level problems on the loader (test_loader.py); that bad rows never reach the
published marts under any command in test_publish.py. Here two builds check what needs a
real build: the rejects as BI and analysts see them, and the strict listing's limit.
"""

from __future__ import annotations

import pytest

from conftest import BLOCKING_REASONS, build, every_reason_file, query

# reason -> part of the message naming the value and what was expected
MESSAGES = {
    "unknown_municipality": 'municipality code "999" is not one of the 98 municipality codes',
    "survey_year_not_configured": 'survey year "2019" is not a configured survey year (2023)',
    "unknown_question": 'question number "48" is not a question of the survey (1-47)',
    "item_missing": "Q04 has sub-questions but the item is empty; items are: § 95 | § 96 | § 107 | § 108 | § 85/ABL § 105",
    "item_not_expected": 'Q02 has no sub-questions but the item is "§ 95"; leave item empty',
    "unknown_item": 'item "§ 99" is not a sub-question of Q04; items are: § 95 |',
    "empty_answer": "answer is empty for Q02",
    "unknown_answer": (
        'answer "Ja, ved alle sagr" is not an option of Q04 item "§ 107"; options are: '
        "Ja, ved alle sager | Ja, ved sager over et bestemt beløb | Nej"
    ),
    "conflicting_answers": 'Q01 of municipality 101 in 2023 has different answers: "Ja"',
    "duplicate_answer": 'repeats the answer "nej" to Q04 item "§ 96" already given at',
}


@pytest.fixture(scope="module")
def lenient(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("lenient")
    responses = every_reason_file(workdir, with_duplicate=True)
    run = build(responses, workdir, strict=False)
    assert run.returncode == 0, run.output[-3000:]
    return run, responses


def test_lenient_build_names_every_reject_with_line_and_message(lenient):
    run, responses = lenient
    rejects = {
        row["source_line_number"]: row
        for row in query(run.db_path, "select * from intermediate.int_responses_classified where row_status = 'rejected'")
    }
    expected_lines = {line: reason for line, reason in enumerate(BLOCKING_REASONS + ("duplicate_answer",), start=6)}
    expected_lines[2] = "conflicting_answers"  # the other answer of the conflicting cell: neither is trusted
    assert {line: row["reject_reason"] for line, row in rejects.items()} == expected_lines
    for line, row in rejects.items():
        assert MESSAGES[row["reject_reason"]] in row["reject_message"], (line, row["reject_message"])
        assert row["source_file"] == str(responses)
        assert row["is_blocking"] == (row["reject_reason"] != "duplicate_answer")
    # warnings name them in the output too
    assert f"{responses}:6 [conflicting_answers]" in run.output


def test_lenient_build_accounts_for_every_raw_row(lenient):
    run, _ = lenient
    (counts,) = query(
        run.db_path,
        """
        select
            (select count(*) from raw.raw_responses) as raw_rows,
            (select count(distinct response_row_id) from marts.fct_item_scores where response_row_id is not null) as scored_rows,
            (select count(*) from intermediate.int_responses_classified where row_status = 'rejected') as rejected_rows,
            (select valid_rows + rejected_rows from marts.fct_build_input_files) as logged_rows
        """,
    )
    assert counts["raw_rows"] == counts["scored_rows"] + counts["rejected_rows"] == counts["logged_rows"] == 14
    assert counts["rejected_rows"] == 11
    # the valid rows are scored: Q4 from its two remaining items, Q34 from the grid
    scored = query(run.db_path, "select question_no, score from marts.fct_question_scores where score is not null order by 1")
    assert [row["question_no"] for row in scored] == [4, 34]


def test_strict_gate_lists_at_most_20_rows_and_the_count(copy_of_sample_build):
    """`dbt run` on a built warehouse: the strict gate (post-hook of fct_response_rows) lists them."""
    tmp_path = copy_of_sample_build.db_path.parent
    lines = ["municipality_code,survey_year,question_no,item,answer"] + [f"{900 + i},2023,1,,Ja" for i in range(25)]
    bad = tmp_path / "many_bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    run = build(bad, tmp_path, command="run")

    assert run.returncode != 0
    assert "25 raw response row(s) rejected" in run.output
    listed = [line for line in run.output.splitlines() if line.strip().startswith(f"{bad}:") and "[unknown_municipality]" in line]
    assert len({line.strip() for line in listed}) == 20  # the gate's error and the build summary list the same 20
    assert "... and 5 more" in run.output
