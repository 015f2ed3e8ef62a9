"""Read the published marts, read-only: the current build and one survey year's numbers.

Reports are written only from a published build: `marts.dim_builds` must exist and hold exactly
one `is_current` row that has finished publishing. Every query here reads schema `marts` only.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

DEFAULT_DATABASE = "warehouse/styringsoverblik.duckdb"


class ReportError(Exception):
    """The report cannot be written; the message says why (exit code 2)."""


def default_database() -> Path:
    """`$DBT_DUCKDB_PATH`, else the project's warehouse file."""
    return Path(os.environ.get("DBT_DUCKDB_PATH") or DEFAULT_DATABASE)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a missing or locked file is a ReportError."""
    if not path.is_file():
        raise ReportError(f"no warehouse file at {path} (build it with `dbt build`, or pass --database)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise ReportError(f"cannot open {path} read-only (is a build writing it?): {error}") from error


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """A query's rows as dicts (NULL -> None)."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


# --- the build ---------------------------------------------------------------------------------


@dataclass
class Build:
    build_id: str
    started_at: datetime | None
    finished_at: datetime
    dbt_version: str | None
    project_version: str | None
    strict: bool | None
    q17_neutral_scope: str | None
    survey_years: str | None
    raw_responses_path: str | None
    input_files: int | None
    raw_rows: int | None
    valid_rows: int | None
    rejected_rows: int | None
    is_synthetic: bool | None = None  # any input file is the generated sample (the build log says so)
    files: list[dict] = field(default_factory=list)


def current_build(con: duckdb.DuckDBPyConnection) -> Build:
    """The build the marts come from; a ReportError unless exactly one finished build is current."""
    refusal = "reports are written only from a published build"
    if not table_exists(con, "marts", "dim_builds"):
        raise ReportError(f"marts.dim_builds does not exist: {refusal}")
    current = rows(con, "select * from marts.dim_builds where is_current")
    if not current:
        raise ReportError(f"marts.dim_builds has no current build (is_current): {refusal}")
    if len(current) > 1:
        ids = ", ".join(str(row["build_id"]) for row in current)
        raise ReportError(f"marts.dim_builds has {len(current)} current builds ({ids}): {refusal}")
    row = current[0]
    if row["finished_at"] is None:
        raise ReportError(f"build {row['build_id']} has not finished publishing (finished_at is empty): {refusal}")
    known = set(Build.__dataclass_fields__) - {"files"}
    build = Build(**{name: row.get(name) for name in known})
    build.files = build_input_files(con, build.build_id)
    return build


def build_input_files(con: duckdb.DuckDBPyConnection, build_id: str) -> list[dict]:
    """The build's input files from the build log (empty if the log has no file table)."""
    if not table_exists(con, "marts", "fct_build_input_files"):
        return []
    return rows(
        con,
        "select * from marts.fct_build_input_files where build_id = ? order by file_path",
        [build_id],
    )


# --- the survey year ---------------------------------------------------------------------------


def survey_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with at least one response, ascending."""
    found = con.execute(
        "select distinct survey_year from marts.fct_response_completeness order by survey_year"
    ).fetchall()
    return [year for (year,) in found]


def resolve_year(con: duckdb.DuckDBPyConnection, year: int | None) -> int:
    """The requested year, or the latest one with responses."""
    years = survey_years(con)
    if not years:
        raise ReportError("the marts hold no responses (marts.fct_response_completeness is empty)")
    if year is None:
        return years[-1]
    if year not in years:
        raise ReportError(f"no responses for {year} in the marts; years present: {', '.join(map(str, years))}")
    return year


@dataclass
class YearData:
    """One survey year's marts, read once and indexed for the pages."""

    year: int
    municipalities: dict[int, dict]
    themes: list[dict]
    questions: list[dict]
    completeness: dict[int, dict]
    totals: dict[int, dict]
    theme_scores: dict[tuple[int, int], dict]
    question_scores: dict[tuple[int, int], dict]
    benchmarks: dict[tuple[int, str], dict]
    national: dict[str, dict]
    groups: dict[int, list[dict]]
    gaps: dict[int, list[dict]]
    distributions: dict[int, list[dict]]
    item_labels: dict[str, tuple[int | None, str | None]]
    answers: dict[tuple[int, int], set[tuple[str, str]]]

    @property
    def responding(self) -> list[int]:
        """Codes of the municipalities that responded this year."""
        return sorted(self.completeness)


def _by(items: list[dict], *keys: str) -> dict:
    """Index rows by one column (or a tuple of columns)."""
    if len(keys) == 1:
        return {row[keys[0]]: row for row in items}
    return {tuple(row[key] for key in keys): row for row in items}


def _grouped(items: list[dict], key: str) -> dict:
    grouped: dict = defaultdict(list)
    for row in items:
        grouped[row[key]].append(row)
    return dict(grouped)


def _year_rows(con: duckdb.DuckDBPyConnection, mart: str, year: int, where: str = "", order: str = "") -> list[dict]:
    """One year's rows of a mart (`mart` and the clauses are constants of this module)."""
    query = f"select * from marts.{mart} where survey_year = ? {where} {'order by ' + order if order else ''}"
    return rows(con, query, [year])


def _answers(con: duckdb.DuckDBPyConnection, year: int) -> dict[tuple[int, int], set[tuple[str, str]]]:
    """Per municipality and question, the (item_code, option_code) cells it answered (checked for Q34)."""
    answers: dict[tuple[int, int], set[tuple[str, str]]] = defaultdict(set)
    for row in _year_rows(con, "fct_item_scores", year, where="and is_answered"):
        answers[(row["municipality_code"], row["question_no"])].add((row["item_code"], row["option_code"]))
    return dict(answers)


def _item_labels(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int | None, str | None]]:
    """Item key -> (position, label) from every scored cell of any year (the marts' only item labels)."""
    found = rows(
        con,
        "select item_key, min(item_no) as item_no, min(item_label) as item_label from marts.fct_item_scores group by 1",
    )
    return {row["item_key"]: (row["item_no"], row["item_label"]) for row in found}


def load_year(con: duckdb.DuckDBPyConnection, year: int) -> YearData:
    """Every mart row the pages of one year need."""
    dims = {
        "municipalities": rows(con, "select * from marts.dim_municipalities order by municipality_code"),
        "themes": rows(con, "select * from marts.dim_themes order by theme_no"),
        "questions": rows(con, "select * from marts.dim_questions order by question_no"),
    }
    code, question = "municipality_code", "question_no"
    return YearData(
        year=year,
        municipalities=_by(dims["municipalities"], code),
        themes=dims["themes"],
        questions=dims["questions"],
        completeness=_by(_year_rows(con, "fct_response_completeness", year), code),
        totals=_by(_year_rows(con, "fct_total_scores", year), code),
        theme_scores=_by(_year_rows(con, "fct_theme_scores", year), code, "theme_no"),
        question_scores=_by(_year_rows(con, "fct_question_scores", year), code, question),
        benchmarks=_by(_year_rows(con, "fct_municipality_benchmarks", year), code, "subject_code"),
        national=_by(_year_rows(con, "fct_national_benchmarks", year), "subject_code"),
        groups=_grouped(
            _year_rows(con, "fct_comparison_group_benchmarks", year, "and subject_code = 'total'", "grouping_code"),
            code,
        ),
        gaps={
            municipality: ranked_gaps(found)
            for municipality, found in _grouped(
                _year_rows(con, "fct_recommendation_gaps", year, order="municipality_code, display_order"), code
            ).items()
        },
        distributions=_grouped(
            _year_rows(con, "fct_answer_distributions", year, order="question_no, item_key, option_no"), question
        ),
        item_labels=_item_labels(con),
        answers=_answers(con, year),
    )


# --- recommendations as ranked by the mart ---------------------------------------------------


def ranked_gaps(found: list[dict]) -> list[dict]:
    """One municipality's recommendation gaps in the mart's display order, each with
    `shared_rank` (fct_recommendation_gaps.gain_rank: gains equal as published share a rank,
    1, 1, 3) and `gain_shown` (the gain as published, total_gain_rounded); `tied_count` is the
    mart's. The ranking itself is the mart's, never recomputed here."""
    rows = sorted(found, key=lambda row: row["display_order"])
    return [{**row, "shared_rank": row["gain_rank"], "gain_shown": row["total_gain_rounded"]} for row in rows]


# --- one read, then the warehouse is released ------------------------------------------------


@dataclass
class ReportInput:
    """Everything the report shows, read in one go so the warehouse can be closed before any
    page is rendered or printed (a build may then start while PDFs print)."""

    build: Build
    data: YearData
    responding_per_year: dict[int, int]
    municipality_count: int


def read_report(database: Path, year: int | None) -> ReportInput:
    """Open the warehouse read-only, read the current build and one year, and close it again."""
    with connect(database) as con:
        build = current_build(con)
        resolved = resolve_year(con, year)
        data = load_year(con, resolved)
        per_year = {
            row["survey_year"]: row["responding"]
            for row in rows(
                con,
                "select survey_year, count(*) as responding from marts.fct_response_completeness group by survey_year",
            )
        }
        municipality_count = rows(con, "select count(*) as n from marts.dim_municipalities")[0]["n"]
    return ReportInput(build, data, per_year, municipality_count)
