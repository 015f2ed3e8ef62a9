"""Great Expectations (GX Core 1.x) checks on the published score marts: what dbt's tests cannot
express.

Reads the DuckDB warehouse read-only into pandas dataframes (GX's SQL datasource returns empty
results on DuckDB through duckdb-engine). dbt's tests already check, on the audited marts, every
key (unique, not null), every code against its dimension, every score within 0-100 and every
accepted value, and the contracts enforce the types; none of that is repeated here. These suites
check the published set across tables, recomputed outside SQL in pandas:

- every responding municipality-year has all 47 questions and all 7 themes, once each;
- every total is the mean of the municipality's scored question scores, and every theme score
  the mean of its scored questions (the note's aggregation, recomputed independently);
- every total belongs to a municipality-year with question scores, and the other way round.

Usage:  python -m styringsoverblik.gx_validate --database warehouse/styringsoverblik.duckdb
Prints a summary table (one line per expectation) and exits 1 when any expectation fails.
"""

from __future__ import annotations

import argparse
import logging
import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

TOLERANCE = 1e-9


@dataclass
class Check:
    table: str
    expectation: str
    column: str
    success: bool
    detail: str


def load_frames(database: Path) -> dict[str, pd.DataFrame]:
    """The tables the suites need, read with a read-only connection."""
    tables = {
        "rubric_questions": "select distinct question_no from rubric.rubric_questions where to_version is null",
        "rubric_themes": "select * from rubric.rubric_themes",
        "fct_question_scores": "select * from marts.fct_question_scores",
        "fct_theme_scores": "select * from marts.fct_theme_scores",
        "fct_total_scores": "select * from marts.fct_total_scores",
    }
    with duckdb.connect(str(database), read_only=True) as con:
        return {name: con.execute(sql).df() for name, sql in tables.items()}


def derived_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Dataframes computed here, independently of the dbt models."""
    questions = frames["fct_question_scores"]
    per_respondent_questions = (
        questions.groupby(["survey_year", "municipality_code"]).agg(
            question_rows=("question_no", "size"), distinct_questions=("question_no", "nunique")
        )
    ).reset_index()
    themes = frames["fct_theme_scores"]
    per_respondent_themes = (
        themes.groupby(["survey_year", "municipality_code"]).agg(
            theme_rows=("theme_no", "size"), distinct_themes=("theme_no", "nunique")
        )
    ).reset_index()
    recomputed = (
        questions.dropna(subset=["score"])
        .groupby(["survey_year", "municipality_code"])["score"]
        .mean()
        .rename("recomputed_total")
        .reset_index()
    )
    totals = frames["fct_total_scores"].merge(
        recomputed, on=["survey_year", "municipality_code"], how="outer", indicator=True
    )
    totals["total_difference"] = (totals["score"] - totals["recomputed_total"]).abs().fillna(0)
    totals["in_both"] = totals["_merge"] == "both"
    keys = ["survey_year", "municipality_code", "theme_no"]
    recomputed_themes = questions.dropna(subset=["score"]).groupby(keys)["score"].mean().rename("recomputed").reset_index()
    theme_check = themes.dropna(subset=["score"]).merge(recomputed_themes, on=keys, how="outer", indicator=True)
    theme_check["theme_difference"] = (theme_check["score"] - theme_check["recomputed"]).abs().fillna(0)
    theme_check["in_both"] = theme_check["_merge"] == "both"
    return {
        "questions_per_respondent": per_respondent_questions,
        "themes_per_respondent": per_respondent_themes,
        "total_vs_question_mean": totals.drop(columns="_merge"),
        "theme_vs_question_mean": theme_check.drop(columns="_merge"),
    }


def suites(frames: dict[str, pd.DataFrame]):
    """(table, dataframe, expectations) for every suite."""
    import great_expectations as gx

    e = gx.expectations
    question_nos = sorted(int(q) for q in frames["rubric_questions"]["question_no"])
    theme_nos = sorted(int(t) for t in frames["rubric_themes"]["theme_no"])
    derived = derived_frames(frames)

    yield "questions_per_respondent", derived["questions_per_respondent"], [
        e.ExpectColumnValuesToBeInSet(column="question_rows", value_set=[len(question_nos)]),
        e.ExpectColumnValuesToBeInSet(column="distinct_questions", value_set=[len(question_nos)]),
    ]
    yield "themes_per_respondent", derived["themes_per_respondent"], [
        e.ExpectColumnValuesToBeInSet(column="theme_rows", value_set=[len(theme_nos)]),
        e.ExpectColumnValuesToBeInSet(column="distinct_themes", value_set=[len(theme_nos)]),
    ]
    yield "total_vs_question_mean", derived["total_vs_question_mean"], [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectColumnValuesToBeInSet(column="in_both", value_set=[True]),
        e.ExpectColumnValuesToBeBetween(column="total_difference", min_value=0, max_value=TOLERANCE),
    ]
    yield "theme_vs_question_mean", derived["theme_vs_question_mean"], [
        e.ExpectColumnValuesToBeInSet(column="in_both", value_set=[True]),
        e.ExpectColumnValuesToBeBetween(column="theme_difference", min_value=0, max_value=TOLERANCE),
    ]


def validate(database: Path) -> list[Check]:
    import great_expectations as gx

    frames = load_frames(database)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas(name="warehouse")
    checks: list[Check] = []
    for table, frame, expectations in suites(frames):
        asset = source.add_dataframe_asset(name=table)
        batch_definition = asset.add_batch_definition_whole_dataframe(name=f"{table}_whole")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{table}_suite", expectations=expectations))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{table}_validation", data=batch_definition, suite=suite)
        )
        result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
        for outcome in result.results:
            config = outcome.expectation_config
            kwargs = config.kwargs
            column = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or "-"
            details = outcome.result or {}
            if outcome.success:
                detail = ""
            else:
                detail = f"{details.get('unexpected_count', '?')} unexpected"
                examples = details.get("partial_unexpected_list") or details.get("observed_value")
                if examples is not None:
                    detail += f", e.g. {examples if not isinstance(examples, list) else examples[:5]}"
            checks.append(Check(table, config.type, column, bool(outcome.success), detail))
    return checks


def print_summary(checks: list[Check], out=sys.stdout) -> None:
    width = max(len(f"{c.table}.{c.column}") for c in checks)
    for check in checks:
        status = "PASS" if check.success else "FAIL"
        print(f"{status}  {f'{check.table}.{check.column}':<{width}}  {check.expectation}  {check.detail}", file=out)
    failed = sum(not c.success for c in checks)
    print(f"Great Expectations: {len(checks) - failed} passed, {failed} failed", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(os.environ.get("DBT_DUCKDB_PATH", "warehouse/styringsoverblik.duckdb")),
        help="DuckDB warehouse file (default: $DBT_DUCKDB_PATH or warehouse/styringsoverblik.duckdb)",
    )
    args = parser.parse_args(argv)
    if not args.database.exists():
        print(f"gx_validate: no warehouse at {args.database}; run dbt build first", file=sys.stderr)
        return 2
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    checks = validate(args.database)
    print_summary(checks)
    return 0 if all(c.success for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
