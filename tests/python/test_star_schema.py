"""The star schema's new dimensions, the share scale and disclosure control, against hand values.

Two builds: the shared sample build (``sample_build``, 72 municipalities, 2023) for the
dimensions, and a build of this module's own on the hand-made fixture
tests/fixtures/star_schema/few_respondents.csv with the rounds 2024 and 2025 declared by the var
extra_survey_rounds. In the fixture every municipality answers Q1 and checks the first n of
Q34's 16 boxes (Q34 = n/16 x 100), three also answer Q2; every other question is unanswered, so
a total is the mean of the two or three answered questions (the note's rule: the mean of the
scored questions):

    2023  region 1081 Nordjylland (2 respondents)   region 1085 Sjælland (4 respondents)
          851 Aalborg       Q1 Ja  (100)  6 boxes   360 Lolland      Q1 Ja  Q2 Ja  16 boxes
          813 Frederikshavn Q1 Nej (0)    4 boxes   390 Vordingborg  Q1 Ja  Q2 Ja   4 boxes
                                                    370 Næstved      Q1 Ja  Q2 Nej  0 boxes
                                                    376 Guldborgsund Q1 Nej        12 boxes
    2024  851 Aalborg Q1 Ja, no box.  2025: declared, nobody responded.

Totals 2023: 851 (100 + 37.5)/2 = 68.75; 813 (0 + 25)/2 = 12.5; 360 (100 + 100 + 100)/3 = 100;
390 (100 + 100 + 25)/3 = 75; 370 (100 + 0 + 0)/3 = 100/3; 376 (0 + 75)/2 = 37.5.
"""

from __future__ import annotations

import csv

import pytest

from conftest import FIXTURES, PROJECT_ROOT, build, query

TOL = 1e-9
FIXTURE = FIXTURES / "star_schema" / "few_respondents.csv"
EXTRA_ROUNDS = {"from_year": 2024, "to_year": 2025, "rubric_version": 1}

TOTALS_2023 = {851: 68.75, 813: 12.5, 360: 100.0, 390: 75.0, 370: 100 / 3, 376: 37.5}
NORDJYLLAND, SJAELLAND = (851, 813), (360, 390, 370, 376)

# The note's themes and their questions (teknisk notat: 1. Visitation og opfølgning, Q1-13, ...)
THEME_QUESTIONS = {1: range(1, 14), 2: range(14, 17), 3: range(17, 22), 4: range(22, 24), 5: range(24, 36), 6: range(36, 42), 7: range(42, 48)}


@pytest.fixture(scope="module")
def few(tmp_path_factory):
    run = build(FIXTURE, tmp_path_factory.mktemp("star_schema"), extra_survey_rounds=EXTRA_ROUNDS)
    assert run.returncode == 0, run.output[-4000:]
    return run.db_path


def by_municipality(db_path, mart: str, where: str) -> dict[int, dict]:
    rows = query(db_path, f"select * from marts.{mart} where {where}")
    return {row["municipality_code"]: row for row in rows}


# ------------------------------------------------------------------------ question short labels


def test_every_question_has_a_unique_short_label_of_at_most_40_characters():
    with (PROJECT_ROOT / "seeds" / "rubric" / "rubric_questions.csv").open(encoding="utf-8", newline="") as handle:
        questions = list(csv.DictReader(handle))
    current = {int(q["question_no"]): q["question_short_label"] for q in questions if not q["to_version"]}
    assert sorted(current) == list(range(1, 48))
    for question_no, label in current.items():
        assert 1 <= len(label) <= 40 and label == label.strip(), (question_no, label)
    assert len(set(current.values())) == 47, "short labels must tell the questions apart"


def test_dim_questions_carries_the_short_labels(sample_build):
    rows = query(sample_build.db_path, "select question_no, question_text, question_short_label from marts.dim_questions")
    assert len(rows) == 47
    assert all(1 <= len(r["question_short_label"]) <= 40 for r in rows)
    assert len({r["question_short_label"] for r in rows}) == 47


# ------------------------------------------------------------------------ dim_benchmark_subjects


def test_benchmark_subjects_labels_and_order(sample_build):
    rows = query(sample_build.db_path, "select * from marts.dim_benchmark_subjects order by sort_order")
    # the total, then each theme followed by its questions, numbered from 1
    expected_order = ["total"]
    for theme_no, questions in THEME_QUESTIONS.items():
        expected_order += [f"T{theme_no}"] + [f"Q{q:02d}" for q in questions]
    assert [r["subject_code"] for r in rows] == expected_order
    assert [r["sort_order"] for r in rows] == list(range(1, 56))

    subjects = {r["subject_code"]: r for r in rows}
    assert subjects["total"]["benchmark_level"] == "total" and subjects["total"]["subject_label"] == "Samlet score"
    assert (subjects["total"]["theme_no"], subjects["total"]["question_no"]) == (None, None)
    # the note: " 1. Visitation og opfølgning" and "14. Anvender kommunen tilbud efter følgende paragraffer?"
    t1, q14 = subjects["T1"], subjects["Q14"]
    assert (t1["benchmark_level"], t1["theme_no"], t1["question_no"]) == ("theme", 1, None)
    assert t1["subject_label"] == t1["subject_short_label"] == "Visitation og opfølgning"
    assert (q14["benchmark_level"], q14["theme_no"], q14["question_no"]) == ("question", 2, 14)
    assert q14["subject_label"] == "Anvender kommunen tilbud efter følgende paragraffer?"
    assert q14["subject_short_label"] == "Tilbud efter § 82a og § 82b"
    assert subjects["T7"]["subject_label"] == "Kontrakter og forhandling"
    assert all(1 <= len(r["subject_short_label"]) <= 40 for r in rows)


def test_every_benchmark_subject_relates_to_the_dimension(sample_build):
    for mart in ("fct_national_benchmarks", "fct_municipality_benchmarks", "fct_comparison_group_benchmarks", "fct_score_development"):
        orphans = query(
            sample_build.db_path,
            f"select distinct subject_code from marts.{mart}"
            " where subject_code not in (select subject_code from marts.dim_benchmark_subjects)",
        )
        assert orphans == [], mart
    (row,) = query(sample_build.db_path, "select count(distinct subject_code) as n from marts.fct_national_benchmarks")
    assert row["n"] == 55  # total, 7 themes, 47 questions: every subject is used by the sample


# ------------------------------------------------------------------------ dim_survey_rounds


def test_survey_rounds_with_responses_and_the_latest(few):
    rows = query(few, "select * from marts.dim_survey_rounds order by survey_year")
    assert [(r["survey_year"], r["rubric_version"], r["declared_in"], r["responding_municipalities"], r["is_latest"]) for r in rows] == [
        (2023, 1, "seed", 6, False),
        (2024, 1, "var extra_survey_rounds", 1, True),
        # declared ahead of the survey: no responses, so not the latest
        (2025, 1, "var extra_survey_rounds", 0, False),
    ]


def test_sample_has_one_latest_round(sample_build):
    rows = query(sample_build.db_path, "select survey_year, responding_municipalities, is_latest from marts.dim_survey_rounds")
    assert rows == [{"survey_year": 2023, "responding_municipalities": 72, "is_latest": True}]


# ------------------------------------------------------------------------ share scale


def test_national_percentile_is_a_fraction(few):
    rows = by_municipality(few, "fct_municipality_benchmarks", "survey_year = 2023 and subject_code = 'total'")
    assert {m: r["score"] for m, r in rows.items()} == pytest.approx(TOTALS_2023, abs=TOL)
    # six totals, all different: the share of the five others scoring lower
    # 813 12.5 < 370 33.3 < 376 37.5 < 851 68.75 < 390 75 < 360 100
    expected = {813: 0.0, 370: 0.2, 376: 0.4, 851: 0.6, 390: 0.8, 360: 1.0}
    assert {m: r["national_percentile"] for m, r in rows.items()} == pytest.approx(expected, abs=TOL)
    assert {m: r["national_rank"] for m, r in rows.items()} == {360: 1, 390: 2, 851: 3, 376: 4, 370: 5, 813: 6}
    national_mean = (68.75 + 12.5 + 100 + 75 + 100 / 3 + 37.5) / 6
    for municipality, row in rows.items():
        # national figures are never suppressed, whatever the region
        assert row["national_mean"] == pytest.approx(national_mean, abs=TOL)
        assert row["difference_to_national_mean"] == pytest.approx(TOTALS_2023[municipality] - national_mean, abs=TOL)


def test_every_share_and_percentile_lies_in_0_to_1(sample_build):
    (row,) = query(
        sample_build.db_path,
        "select min(national_percentile) as low, max(national_percentile) as high from marts.fct_municipality_benchmarks",
    )
    assert (row["low"], row["high"]) == (0.0, 1.0)
    (row,) = query(
        sample_build.db_path,
        "select min(least(share_of_answering, share_of_respondents)) as low,"
        " max(greatest(share_of_answering, share_of_respondents)) as high from marts.fct_answer_distributions",
    )
    assert 0.0 <= row["low"] and row["high"] <= 1.0


# ------------------------------------------------------------------------ disclosure control


def test_region_of_two_respondents_is_suppressed(few):
    rows = by_municipality(few, "fct_municipality_benchmarks", "survey_year = 2023 and region_code = 1081")
    assert set(rows) == set(NORDJYLLAND)
    for subject in ("total", "T1", "T5", "Q01", "Q34"):
        for row in query(few, f"select * from marts.fct_municipality_benchmarks where survey_year = 2023 and region_code = 1081 and subject_code = '{subject}'"):
            # one other municipality: its exact score would show through the mean
            assert row["region_municipalities"] == 2
            assert row["is_suppressed"] is True
            assert (row["region_rank"], row["region_mean"], row["difference_to_region_mean"]) == (None, None, None)
            assert row["national_rank"] is not None and row["national_mean"] is not None


def test_region_of_four_respondents_is_published(few):
    rows = by_municipality(few, "fct_municipality_benchmarks", "survey_year = 2023 and subject_code = 'total'")
    region_mean = (100 + 75 + 100 / 3 + 37.5) / 4  # 360, 390, 370, 376
    ranks = {360: 1, 390: 2, 376: 3, 370: 4}
    for municipality in SJAELLAND:
        row = rows[municipality]
        assert (row["region_municipalities"], row["is_suppressed"]) == (4, False)
        assert row["region_rank"] == ranks[municipality]
        assert row["region_mean"] == pytest.approx(region_mean, abs=TOL)
        assert row["difference_to_region_mean"] == pytest.approx(TOTALS_2023[municipality] - region_mean, abs=TOL)

    # Q1: all four answered (100, 100, 100, 0): published, the three at 100 share rank 1
    q01 = by_municipality(few, "fct_municipality_benchmarks", "survey_year = 2023 and subject_code = 'Q01' and region_code = 1085")
    assert {m: (r["region_rank"], r["region_mean"], r["is_suppressed"]) for m, r in q01.items()} == {
        360: (1, 75.0, False), 390: (1, 75.0, False), 370: (1, 75.0, False), 376: (4, 75.0, False)
    }


def test_suppression_counts_the_respondents_of_each_subject(few):
    # Q2: three municipalities of Sjælland answered it, so each has two others: suppressed
    q02 = by_municipality(few, "fct_municipality_benchmarks", "survey_year = 2023 and subject_code = 'Q02'")
    assert set(q02) == {360, 390, 370}
    for row in q02.values():
        assert (row["region_municipalities"], row["is_suppressed"], row["region_mean"], row["region_rank"]) == (3, True, None, None)


def test_comparison_groups_are_suppressed_alike(few):
    rows = by_municipality(
        few, "fct_comparison_group_benchmarks", "survey_year = 2023 and subject_code = 'total' and grouping_code = 'region'"
    )
    assert set(rows) == set(TOTALS_2023)
    for municipality in NORDJYLLAND:
        row = rows[municipality]
        assert (row["group_code"], row["group_municipalities"], row["is_suppressed"]) == ("1081", 2, True)
        assert (row["group_rank"], row["group_mean"], row["difference_to_group_mean"]) == (None, None, None)
    group_mean = (100 + 75 + 100 / 3 + 37.5) / 4
    for municipality in SJAELLAND:
        row = rows[municipality]
        assert (row["group_code"], row["group_municipalities"], row["is_suppressed"]) == ("1085", 4, False)
        assert row["group_mean"] == pytest.approx(group_mean, abs=TOL)
        assert row["difference_to_group_mean"] == pytest.approx(TOTALS_2023[municipality] - group_mean, abs=TOL)


def test_a_lone_respondent_is_suppressed_but_ranked_nationally(few):
    (row,) = query(few, "select * from marts.fct_municipality_benchmarks where survey_year = 2024 and subject_code = 'total'")
    # 851 alone in 2024: Q1 100, Q34 0 -> total 50; no other municipality anywhere
    assert (row["municipality_code"], row["score"], row["national_municipalities"], row["national_rank"]) == (851, 50.0, 1, 1)
    assert row["national_percentile"] == 0.0  # no other municipality scores lower
    assert (row["region_municipalities"], row["is_suppressed"], row["region_mean"]) == (1, True, None)

