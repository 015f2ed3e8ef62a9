"""The benchmark's inputs, its floor query and its write-cost measurement (no dbt of its own:
the write cost reads the suite's shared sample build).

The floor's totals are checked against a plain-Python scoring of the same file, computed here
straight from the rubric seeds with the csv module (not through the floor's SQL or the
sample generator's rubric reader).
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from conftest import query
from styringsoverblik import benchmark
from styringsoverblik.sample import HEADER

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "seeds" / "rubric"
MUNICIPALITY_SEED = ROOT / "seeds" / "reference" / "municipalities.csv"


def read_seed(name: str) -> list[dict[str, str]]:
    with (RUBRIC / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_responses(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def national_2_rounds(tmp_path_factory) -> tuple[Path, int, list[int]]:
    path = tmp_path_factory.mktemp("bench") / "responses.csv"
    rows, years = benchmark.write_responses(path, municipalities=98, rounds=2)
    return path, rows, years


def grid_boxes() -> int:
    grid = {r["question_no"] for r in read_seed("rubric_questions") if r["scoring_rule"] == "checkbox_grid"}
    return sum(1 for r in read_seed("rubric_options") if r["question_no"] in grid)


def test_survey_years_are_derived_from_the_rounds():
    assert benchmark.survey_years(1) == [2023]
    assert benchmark.survey_years(3) == [2023, 2024, 2025]
    with pytest.raises(ValueError):
        benchmark.survey_years(0)


def test_dbt_vars_are_built_in_one_place(tmp_path):
    """The years beyond the survey_rounds seed go as one range of extra_survey_rounds."""
    project = tmp_path / "project"
    (project / "seeds" / "reference").mkdir(parents=True)
    (project / "seeds" / "reference" / "survey_rounds.csv").write_text(
        "survey_year,rubric_version,round_name\n2023,1,first\n", encoding="utf-8"
    )
    variables = benchmark.dbt_vars(tmp_path / "r.csv", benchmark.survey_years(100), tmp_path / "exports", project)
    assert variables == {
        "raw_responses_path": str(tmp_path / "r.csv"),
        "export_path": str(tmp_path / "exports"),
        "extra_survey_rounds": [{"from_year": 2024, "to_year": 2122, "rubric_version": 1}],
    }
    assert json.loads(json.dumps(variables)) == variables
    assert benchmark.dbt_vars(tmp_path / "r.csv", [2023], tmp_path / "e", project)["extra_survey_rounds"] == []


def test_sizes_parse_and_stay_within_the_98_municipalities():
    assert benchmark.parse_size("98x10") == (98, 10)
    for bad in ("99x1", "0x1", "98x0", "98", "axb"):
        with pytest.raises(Exception):
            benchmark.parse_size(bad)


def test_national_file_has_every_municipality_every_round(national_2_rounds):
    path, rows, years = national_2_rounds
    data = read_responses(path)
    with path.open(encoding="utf-8", newline="") as fh:
        assert fh.readline() == ",".join(HEADER) + "\n"
    assert years == [2023, 2024]
    assert rows == len(data) == benchmark.count_rows(path)

    with MUNICIPALITY_SEED.open(encoding="utf-8", newline="") as fh:
        all_codes = {r["municipality_code"] for r in csv.DictReader(fh)}
    assert len(all_codes) == 98
    assert {r["municipality_code"] for r in data} == all_codes
    assert {r["survey_year"] for r in data} == {"2023", "2024"}

    # Every ordinary item answered exactly once per municipality-round; Q34 boxes on top.
    grid = {r["question_no"] for r in read_seed("rubric_questions") if r["scoring_rule"] == "checkbox_grid"}
    ordinary_items = sum(1 for r in read_seed("rubric_items") if r["question_no"] not in grid)
    ordinary = Counter((r["municipality_code"], r["survey_year"]) for r in data if r["question_no"] not in grid)
    assert len(ordinary) == 98 * 2
    assert set(ordinary.values()) == {ordinary_items}
    cells = Counter((r["municipality_code"], r["survey_year"], r["question_no"], r["item"]) for r in data)
    assert all(n == 1 for key, n in cells.items() if key[2] not in grid)


def test_q34_boxes_are_about_half_checked(national_2_rounds):
    path, _, _ = national_2_rounds
    checked = sum(1 for r in read_responses(path) if r["question_no"] == "34")
    boxes = 98 * 2 * grid_boxes()
    assert grid_boxes() == 16
    assert 0.45 < checked / boxes < 0.55


def test_generator_is_deterministic(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    benchmark.write_responses(a, 5, 2, seed=7)
    benchmark.write_responses(b, 5, 2, seed=7)
    assert a.read_bytes() == b.read_bytes()


# ------------------------------------------------------------- by hand


def hand_scores(rows: list[dict[str, str]]) -> dict[tuple[str, str], float]:
    """Total score per (municipality, year), in plain Python from the seeds.

    Item = its option's score (numerator/denominator); question = mean of its items; Q14
    (yes_count) = 100 for >= 2 yes-answers, 50 for 1, else 0; Q34 (checkbox_grid) = the sum of
    the checked boxes' scores / all boxes (0 when none is checked); Q17's neutral answer = the
    mean of the municipality's other question scores; total = mean of all question scores.
    """
    questions = {r["question_no"]: r["scoring_rule"] for r in read_seed("rubric_questions")}
    item_code = {(r["question_no"], r["item_label"]): r["item_code"] for r in read_seed("rubric_items")}
    for alias in read_seed("rubric_label_aliases"):
        canonical = (alias["question_no"], alias["canonical_label"])
        if alias["label_kind"] == "item" and canonical in item_code:
            item_code[(alias["question_no"], alias["alias_label"])] = item_code[canonical]
    options = {}
    for o in read_seed("rubric_options"):
        score = float(o["score_numerator"]) / float(o["score_denominator"]) if o["score_numerator"] else None
        options[(o["question_no"], o["item_code"], o["option_label"])] = (
            score, o["counts_as_yes"] == "true", o["is_neutral_mean"] == "true"
        )
    boxes = grid_boxes()

    answers: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        q = r["question_no"]
        answers[(r["municipality_code"], r["survey_year"])][q].append(options[(q, item_code[(q, r["item"])], r["answer"])])

    totals = {}
    for key, by_question in answers.items():
        direct: dict[str, float | None] = {}
        neutral = []
        for q, rule in questions.items():
            cells = by_question.get(q, [])
            if any(is_neutral for _, _, is_neutral in cells):
                neutral.append(q)
            elif rule == "checkbox_grid":
                direct[q] = sum(score for score, _, _ in cells) / boxes
            elif not cells:
                direct[q] = None
            elif rule == "yes_count":
                yes = sum(1 for _, is_yes, _ in cells if is_yes)
                direct[q] = 100.0 if yes >= 2 else 50.0 if yes == 1 else 0.0
            else:
                direct[q] = sum(score for score, _, _ in cells) / len(cells)
        scored = [s for s in direct.values() if s is not None]
        neutral_mean = sum(scored) / len(scored)
        final = scored + [neutral_mean] * len(neutral)
        totals[key] = sum(final) / len(final)
    return totals


def test_floor_totals_equal_a_hand_computed_check(tmp_path):
    path = tmp_path / "tiny.csv"
    benchmark.write_responses(path, municipalities=12, rounds=1, seed=11)
    rows = read_responses(path)
    expected = hand_scores(rows)

    # The file exercises the special rules: a neutral Q17 answer and a Q14 yes-count.
    q17_neutral = {r["municipality_code"] for r in rows if r["question_no"] == "17" and r["answer"].startswith("Vi har ingen")}
    assert q17_neutral, "pick a seed whose tiny file has a neutral Q17 answer"

    con = benchmark.run_floor(path, tmp_path / "floor.duckdb")
    try:
        got = {
            (str(m), str(y)): score
            for y, m, score, n in con.execute(
                "select survey_year, municipality_code, score, questions_scored from total_scores"
            ).fetchall()
        }
        assert con.execute("select min(questions_scored), max(questions_scored) from total_scores").fetchall() == [(47, 47)]
        imputed = {str(m) for (m,) in con.execute("select municipality_code from question_scores where is_imputed").fetchall()}
    finally:
        con.close()
    assert imputed == q17_neutral
    assert got.keys() == expected.keys()
    # One municipality by hand, spelled out; then all of them.
    one = (sorted(q17_neutral, key=int)[0], "2023")
    assert got[one] == pytest.approx(expected[one], abs=1e-9)
    for key in expected:
        assert got[key] == pytest.approx(expected[key], abs=1e-9), key


def test_floor_runs_in_a_measured_process(tmp_path):
    path = tmp_path / "tiny.csv"
    benchmark.write_responses(path, municipalities=3, rounds=1)
    measured = benchmark.measure_floor(path, tmp_path / "floor")
    assert measured.seconds > 0 and measured.peak_mb > 0
    assert (tmp_path / "floor" / "floor.duckdb").exists()


def test_write_cost_writes_every_mart_of_a_build(sample_build, tmp_path):
    costs = benchmark.measure_writes(sample_build.db_path, tmp_path / "writes")
    marts = query(
        sample_build.db_path,
        "select table_name from information_schema.tables where table_schema = 'marts_audit' and table_type = 'BASE TABLE'",
    )
    expected = {
        row["table_name"]: query(sample_build.db_path, f"select count(*) as n from marts_audit.{row['table_name']}")[0]["n"]
        for row in marts
    }
    assert "fct_item_scores" in expected and expected["fct_item_scores"] > 0
    assert {cost.mart: cost.rows for cost in costs} == expected
    assert all(cost.table_seconds > 0 and cost.parquet_seconds > 0 for cost in costs)
    assert not (tmp_path / "writes").exists()
    table = benchmark.render_writes("sample", costs)
    assert f"| all {len(expected)} marts | {sum(expected.values()):,} |" in table


def test_write_cost_uses_the_build_settings():
    settings = benchmark.profile_settings()
    assert settings["memory_limit"] == "700MB"
    assert settings["preserve_insertion_order"] is False
    assert benchmark._setting_literal(False) == "false"
    assert benchmark._setting_literal("700MB") == "'700MB'"
