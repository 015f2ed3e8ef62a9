"""Benchmarks and recommendation gaps against hand computation; the Parquet hand-off.

The expected scores are the hand-written values of test_scores_by_hand (computed from the
note for the fixture tests/fixtures/scoring/hand_computed.csv). Benchmarks and gains are
recomputed here from those values by the definitions in the issue: national mean and median,
rank 1 = highest, and the rise of the total when one question is set to 100 with everything
else (including Q17's neutral mean) recomputed by the note's rules.
"""

from __future__ import annotations

import csv

import duckdb
import pyarrow.parquet as pq
import pytest

import test_scores_by_hand as hand
from conftest import export_pointer

TOL = 1e-6


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request):
    """The hand fixture's published build on each target: the DuckDB file, or the PostgreSQL
    database `styringsoverblik build --target postgres` published it to."""
    if request.param == "duckdb":
        return request.getfixturevalue("hand_build").db_path
    return request.getfixturevalue("postgres_hand_build")


def query_marts(warehouse, sql: str) -> list[dict]:
    """Rows of `sql` (reading schema marts) on either target."""
    return hand._query(warehouse, sql.replace("marts.", "{marts}."))


def scores_with(municipality: int, question_no: int | None = None) -> dict[int, float | None]:
    """The municipality's question scores by the note, optionally with one question at 100.

    Q17 answered "Vi har ingen interne botilbud i kommunen" is the mean of the other scored
    questions, so it is recomputed after the change."""
    scores = dict(hand.EXPECTED_QUESTIONS[municipality])
    if question_no is not None:
        scores[question_no] = 100
    for imputed_municipality, imputed_question in hand.IMPUTED:
        if imputed_municipality == municipality:
            others = [float(v) for q, v in scores.items() if q != imputed_question and v is not None]
            scores[imputed_question] = sum(others) / len(others)
    return scores


def total(scores: dict[int, float | None]) -> float:
    values = [float(v) for v in scores.values() if v is not None]
    return sum(values) / len(values)


def theme(scores: dict[int, float | None], theme_no: int) -> float:
    values = [float(scores[q]) for q in hand.THEMES[theme_no] if scores[q] is not None]
    return sum(values) / len(values)


def theme_of(question_no: int) -> int:
    return next(t for t, questions in hand.THEMES.items() if question_no in questions)


def test_national_total_benchmark(warehouse):
    totals = sorted(total(scores_with(m)) for m in hand.MUNICIPALITIES)
    (row,) = query_marts(warehouse, "select * from marts.fct_national_benchmarks where subject_code = 'total'")
    assert row["municipalities"] == 3
    assert row["mean_score"] == pytest.approx(sum(totals) / 3, abs=TOL)
    assert row["median_score"] == pytest.approx(totals[1], abs=TOL)
    assert row["min_score"] == pytest.approx(totals[0], abs=TOL)
    assert row["max_score"] == pytest.approx(totals[2], abs=TOL)
    # continuous quartiles of three values: halfway between neighbours
    assert row["first_quartile"] == pytest.approx((totals[0] + totals[1]) / 2, abs=TOL)
    assert row["third_quartile"] == pytest.approx((totals[1] + totals[2]) / 2, abs=TOL)
    # 825's total includes its imputed Q17
    assert row["imputed_scores"] == 1


@pytest.mark.parametrize("question_no", [4, 14, 17, 34])
def test_national_question_benchmarks(warehouse, question_no):
    values = sorted(float(scores_with(m)[question_no]) for m in hand.MUNICIPALITIES if scores_with(m)[question_no] is not None)
    (row,) = query_marts(warehouse, f"select * from marts.fct_national_benchmarks where question_no = {question_no}")
    assert row["municipalities"] == len(values)
    assert row["mean_score"] == pytest.approx(sum(values) / len(values), abs=TOL)
    assert row["median_score"] == pytest.approx(values[len(values) // 2], abs=TOL)
    assert row["imputed_scores"] == (1 if question_no == 17 else 0)


def test_municipality_ranks_and_differences(warehouse):
    totals = {m: total(scores_with(m)) for m in hand.MUNICIPALITIES}
    by_score = sorted(totals, key=totals.get, reverse=True)
    mean = sum(totals.values()) / 3
    rows = query_marts(warehouse, "select * from marts.fct_municipality_benchmarks where subject_code = 'total'")
    assert len(rows) == 3
    for row in rows:
        municipality = row["municipality_code"]
        assert row["national_rank"] == by_score.index(municipality) + 1
        # the share of the two others scoring lower, a fraction 0-1
        assert row["national_percentile"] == pytest.approx((2 - by_score.index(municipality)) / 2)
        assert row["national_mean"] == pytest.approx(mean, abs=TOL)
        assert row["difference_to_national_mean"] == pytest.approx(totals[municipality] - mean, abs=TOL)
        # Læsø, Samsø and Ærø lie in three different regions: each is its region's only member,
        # with no other municipality behind a region statistic, so those are suppressed
        assert row["region_municipalities"] == 1
        assert (row["region_rank"], row["region_mean"], row["difference_to_region_mean"]) == (None, None, None)
        assert row["is_suppressed"] is True
        assert row["is_imputed"] == (municipality == 825)


def test_theme_rank_ties_share_a_rank(warehouse):
    # Theme 4 (Q22, Q23): compare the hand values and check equal scores share a rank.
    themes = {m: theme(scores_with(m), 4) for m in hand.MUNICIPALITIES}
    rows = {r["municipality_code"]: r for r in query_marts(warehouse, "select * from marts.fct_municipality_benchmarks where subject_code = 'T4'")}
    for municipality, score in themes.items():
        higher = sum(1 for other in themes.values() if other > score + 1e-9)
        assert rows[municipality]["national_rank"] == higher + 1


@pytest.mark.parametrize("municipality", hand.MUNICIPALITIES)
def test_recommendation_gaps_and_gains(warehouse, municipality):
    scores = scores_with(municipality)
    expected = {
        q: s
        for q, s in hand.EXPECTED_QUESTIONS[municipality].items()
        if s is not None and float(s) < 100 - 1e-9 and (municipality, q) not in hand.IMPUTED
    }
    rows = query_marts(
        warehouse,
        f"select * from marts.fct_recommendation_gaps where municipality_code = {municipality} order by display_order",
    )
    assert {r["question_no"] for r in rows} == set(expected)
    for row in rows:
        q = row["question_no"]
        raised = scores_with(municipality, q)
        assert row["points_missing"] == pytest.approx(100 - float(expected[q]), abs=TOL)
        assert row["total_gain"] == pytest.approx(total(raised) - total(scores), abs=TOL), f"Q{q}"
        assert row["theme_gain"] == pytest.approx(theme(raised, theme_of(q)) - theme(scores, theme_of(q)), abs=TOL), f"Q{q}"
        assert row["recommendation_text"] and row["recommendation_source"]
    gains = [r["total_gain_rounded"] for r in rows]
    assert gains == sorted(gains, reverse=True), "largest (published) gains first"
    assert [r["display_order"] for r in rows] == list(range(1, len(rows) + 1))


def test_answer_distributions_count_the_fixture(warehouse):
    with open(hand.FIXTURE, encoding="utf-8", newline="") as handle:
        fixture = list(csv.DictReader(handle))
    ja_q1 = sum(1 for r in fixture if r["question_no"] == "1" and r["answer"] == "Ja")
    (row,) = query_marts(
        warehouse,
        "select * from marts.fct_answer_distributions where question_no = 1 and option_label = 'Ja'",
    )
    assert (row["chosen_count"], row["responding_municipalities"], row["answering_municipalities"]) == (ja_q1, 3, 3)
    assert row["share_of_answering"] == pytest.approx(ja_q1 / 3)
    assert row["option_score"] == 100

    boxes = query_marts(
        warehouse,
        "select item_code, option_label, chosen_count, answering_municipalities from marts.fct_answer_distributions where question_no = 34",
    )
    assert len(boxes) == 16
    checked = sum(1 for r in fixture if r["question_no"] == "34")
    assert sum(b["chosen_count"] for b in boxes) == checked
    assert {b["answering_municipalities"] for b in boxes} == {3}

    (neutral,) = query_marts(warehouse, "select * from marts.fct_answer_distributions where is_neutral_mean")
    assert neutral["question_no"] == 17 and neutral["chosen_count"] == 1 and neutral["option_score"] is None


PARQUET_TYPES = {"INTEGER": "int32", "BIGINT": "int64", "DOUBLE": "double", "VARCHAR": "string", "BOOLEAN": "bool", "TIMESTAMP": "timestamp[us]"}


def test_parquet_exports_match_the_marts(sample_build):
    """The published Parquet set: one file per published table, same columns, types and rows."""
    build_id, folder = export_pointer(sample_build.db_path.parent / "exports")
    with duckdb.connect(str(sample_build.db_path), read_only=True) as con:
        marts = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        assert sorted(p.stem for p in folder.glob("*.parquet")) == sorted(marts)
        for mart in marts:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                f" where table_schema = 'marts' and table_name = '{mart}' order by ordinal_position"
            ).fetchall()
            assert {t for _, t in columns} <= set(PARQUET_TYPES), f"{mart}: a type Power BI should not get"
            table = pq.read_table(folder / f"{mart}.parquet")
            assert [(f.name, str(f.type)) for f in table.schema] == [(c, PARQUET_TYPES[t]) for c, t in columns]
            duck_rows = sorted(con.execute(f"select * from marts.{mart}").fetchall(), key=repr)
            parquet_rows = sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)
            assert parquet_rows == duck_rows, mart
