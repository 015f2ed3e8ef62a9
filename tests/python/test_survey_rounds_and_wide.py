"""Survey rounds and wide input, end to end, with three dbt builds of this module's own:

1. The Excel response template (``template.write_template``) filled from the shipped sample
   (72 municipalities): odd questions answered by option NUMBER, even ones by label, Q34 boxes
   ``x``, Q12 by a Danish free-text description per category. Its build publishes the same
   marts as the sample build (the session fixture ``sample_build``) except the columns that
   name the source row or keep the answer as written; a wide CSV of the sample loads (loader
   only, no dbt) to the same cells as the workbook, so that build stands for both wide formats.
2. A copy of the project with a fictitious round 2025 on rubric version 2 (the snippets in
   tests/fixtures/rounds/: an option of Q43 reworded, item 3 of Q9 dropped, a new Q48 in theme
   7), built leniently on the hand fixture (2023) plus a 2025 file of the same three
   municipalities and a few rows that must be rejected. 2023 stays as the hand build
   (``hand_build``) scores it; 2025 is checked against hand values; fct_score_development
   links the rounds; the shipped seeds are untouched.
3. (The var ``extra_survey_rounds`` is unit-tested on int_survey_rounds; the fixture of 2 rejects an undeclared 2030.) The var on the shipped project: a 2030 round (rejected as
   survey_year_not_configured without the var, in build 2) is accepted with
   ``{from_year: 2024, to_year: 2030, rubric_version: 1}``.

Decision (build 2): a 2025 row that still uses the version-1 wording of the reworded option is
rejected as ``unknown_answer`` (its message lists the version-2 labels). A round is scored by
its own rubric version only; accepting an old wording would need a row in
rubric_label_aliases.csv. Likewise the new wording is unknown in 2023, the dropped item is an
``unknown_item`` in 2025 and Q48 an ``unknown_question`` in 2023.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction as F
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from conftest import (
    FIXTURES,
    HAND_FIXTURE,
    PROJECT_ROOT,
    SAMPLE,
    DbtRun,
    build,
    build_vars,
    mart_snapshot,
    query,
    rounded,
    run_dbt,
)
from styringsoverblik import loader, template
from styringsoverblik.q12 import CATEGORIES, code_q12
from styringsoverblik.rubric import Rubric, normalize_label
from styringsoverblik.wide import long_to_wide, write_wide_csv
from test_scores_by_hand import EXPECTED_QUESTIONS as HAND_2023_QUESTIONS
from test_scores_by_hand import THEMES as THEMES_V1

ROUNDS = FIXTURES / "rounds"
TOL = 1e-6

# One Danish description per Q12 category, as a municipality might write it.
Q12_PHRASES = {
    "Hver 6. måned eller hyppigere": "Vi følger op hver 3. måned",
    "Mellem hver 6. måned og årligt": "ca. hver 9. måned",
    "Årligt": "Vi følger op en gang om året",
    "Mellem hver 12. og hver 24. måned": "hver 18. måned",
    "Hvert andet år eller sjældnere": "Vi følger op hvert tredje år",
    "Efter behov": "når der er behov for det",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def in_version(row: dict[str, str], version: int) -> bool:
    to_version = (row.get("to_version") or "").strip()
    return int(row["from_version"]) <= version and (not to_version or version <= int(to_version))


def option_numbers(seeds: Path, version: int) -> dict[tuple[int, str, str], int]:
    """(question, item_code, normalised label) -> option_no of the rubric version, from the seed."""
    return {
        (int(row["question_no"]), row["item_code"], normalize_label(row["option_label"])): int(row["option_no"])
        for row in read_csv(seeds / "rubric" / "rubric_options.csv")
        if in_version(row, version)
    }


def _close(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and abs(float(actual) - float(expected)) <= TOL


def _mean(values):
    scored = [F(v) for v in values if v is not None]
    return sum(scored, F(0)) / len(scored) if scored else None


# ============================================================================================
# 1. The Excel template round trip = the long file
# ============================================================================================


@dataclass
class TemplateRoundTrip:
    rubric: Rubric
    xlsx: Path
    run: DbtRun


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.from_seeds(PROJECT_ROOT / "seeds")


@pytest.fixture(scope="module")
def template_round_trip(rubric, tmp_path_factory) -> TemplateRoundTrip:
    """The template filled from the sample (numbers, labels, x, Q12 in words), then built."""
    folder = tmp_path_factory.mktemp("template_round_trip")
    header, wide_rows = long_to_wide(read_csv(SAMPLE), rubric)
    assert len(wide_rows) == 72
    numbers = option_numbers(PROJECT_ROOT / "seeds", version=1)

    xlsx = template.write_template(folder / "besvarelse_2023.xlsx", rubric)
    workbook = load_workbook(xlsx)
    sheet = workbook[template.SHEET_RESPONSES]
    assert [c.value for c in sheet[1]] == header
    for offset, values in enumerate(wide_rows):
        row = template.FIRST_DATA_ROW + offset
        sheet.cell(row=row, column=1, value=int(values[0]))
        sheet.cell(row=row, column=2, value=int(values[1]))
        for cell in rubric.cell_columns():
            answer = values[cell.index]
            if not answer:
                continue
            if cell.is_checkbox:
                value = template.CHECKBOX_MARK
            elif cell.question_no == 12:
                value = Q12_PHRASES[answer]
            elif cell.question_no % 2:
                value = numbers[(cell.question_no, cell.item_code, normalize_label(answer))]
            else:
                value = answer
            sheet.cell(row=row, column=cell.index + 1, value=value)
    workbook.save(xlsx)

    run = build(xlsx, folder / "build")
    assert run.returncode == 0, run.output[-4000:]
    return TemplateRoundTrip(rubric, xlsx, run)


def test_q12_phrasings_are_coded_to_their_category(rubric):
    q12_labels = {o.label for options in (rubric.item_options(12, i.item_code) for i in rubric.items[12]) for o in options}
    assert set(Q12_PHRASES) == set(CATEGORIES) == q12_labels
    for category, phrase in Q12_PHRASES.items():
        assert code_q12(phrase).category == category, phrase
        assert normalize_label(phrase) not in {normalize_label(label) for label in q12_labels}  # really free text


# Columns that name the source row (or keep the answer as written, which differs by design).
SOURCE_COLUMNS = {
    "fct_item_scores": ("response_row_id",),
    "fct_q12_codings": ("q12_coding_key", "source_file", "source_line_number", "answer_text", "decided_by",
                        "decision_detail"),
    "fct_response_rows": ("response_row_id", "source_file", "source_line_number", "source_format", "source_column",
                          "source_cell",
                          "raw_municipality_code", "raw_survey_year", "raw_question_no", "raw_item", "raw_answer",
                          "answer_decided_by", "q12_coding_rule", "q12_override_key"),
}


def test_template_build_publishes_the_sample_marts(sample_build, template_round_trip):
    expected = mart_snapshot(sample_build.db_path, with_build_log=False)
    actual = mart_snapshot(template_round_trip.run.db_path, with_build_log=False)
    assert sorted(actual) == sorted(expected)
    for name, columns in SOURCE_COLUMNS.items():
        sql = f"select * exclude ({', '.join(columns)}) from marts.{name}"
        for snapshot, run in ((expected, sample_build), (actual, template_round_trip.run)):
            with duckdb.connect(str(run.db_path), read_only=True) as con:
                snapshot[name] = rounded(con.execute(sql).fetchall())
    different = {name: (len(expected[name]), len(actual[name])) for name in expected if expected[name] != actual[name]}
    assert not different, f"marts that differ (rows in sample build, template build): {different}"
    assert len(actual["fct_total_scores"]) == 72


def test_recommendation_gap_ranks_share_ties_at_the_published_precision(sample_build, template_round_trip):
    """The documented ranking, recomputed here from the gains and the question scores: gains
    equal to one decimal (rounded half up, after noise below 1e-9) share gain_rank and the next
    rank skips; tied_count counts the gaps of that rank; display_order orders by the published
    gain, then theme_gain (to 1e-9), then how many municipalities score 100 on the question,
    then question_no. Checked on both builds of the same answers."""
    from decimal import ROUND_HALF_UP, Decimal

    def published(gain: float) -> Decimal:
        return Decimal(repr(round(gain, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    for run in (sample_build, template_round_trip.run):
        at_full: Counter = Counter(
            (r["survey_year"], r["question_no"])
            for r in query(run.db_path, "select * from marts.fct_question_scores")
            if r["score"] is not None and r["score"] >= 100 - 1e-9 and not r["is_imputed"]
        )
        by_municipality: dict = {}
        for r in query(run.db_path, "select * from marts.fct_recommendation_gaps"):
            by_municipality.setdefault((r["survey_year"], r["municipality_code"]), []).append(r)
        ties_seen = 0
        for (year, _), gaps in by_municipality.items():
            gains = [published(g["total_gain"]) for g in gaps]
            order = sorted(
                gaps,
                key=lambda g: (-published(g["total_gain"]), -round(g["theme_gain"], 9),
                               -at_full[(year, g["question_no"])], g["question_no"]),
            )
            for position, gap in enumerate(order, start=1):
                mine = published(gap["total_gain"])
                assert gap["gain_rank"] == 1 + sum(1 for other in gains if other > mine), gap
                assert gap["tied_count"] == sum(1 for other in gains if other == mine), gap
                assert gap["display_order"] == position, gap
                assert gap["total_gain_rounded"] == float(mine), gap
                assert gap["municipalities_at_full_score"] == at_full[(year, gap["question_no"])], gap
                ties_seen += gap["tied_count"] > 1
        assert ties_seen > 0, "the sample has tied gains (21 of 40 at +2,1 for one municipality)"


def test_template_q12_answers_are_decided_by_the_parser(sample_build, template_round_trip):
    def codings(run):
        return {
            (r["municipality_code"], r["item_key"]): r
            for r in query(run.db_path, "select * from marts.fct_q12_codings")
        }

    sample, from_template = codings(sample_build), codings(template_round_trip.run)
    assert len(from_template) == len(sample) == 708
    assert {r["decided_by"] for r in sample.values()} == {"label"}
    assert {r["decided_by"] for r in from_template.values()} == {"q12_parser"}
    for key, row in from_template.items():
        assert row["row_status"] == "valid", key
        assert row["category"] == sample[key]["category"], key
        assert row["answer_text"] == Q12_PHRASES[row["category"]], key


def test_template_answers_are_decided_by_number_label_and_parser(template_round_trip):
    rows = query(
        template_round_trip.run.db_path,
        """
        select question_no = 12 as is_q12, scoring_rule = 'checkbox_grid' as is_grid, question_no % 2 = 1 as is_odd,
               answer_decided_by, count(*) as n_rows
        from intermediate.int_responses_classified
        group by all
        """,
    )
    decided = {(r["is_q12"], r["is_grid"], r["is_odd"]): r["answer_decided_by"] for r in rows}
    assert len(decided) == len(rows), rows  # one way of deciding per kind of cell
    assert decided == {
        (False, False, True): "option_number",  # odd questions: the option's number
        (False, False, False): "label",  # even questions: the label
        (False, True, False): "label",  # Q34: a checked box answers the box's label
        (True, False, False): "q12_parser",  # Q12: the free-text description
    }
    assert "option_number" in {r["answer_decided_by"] for r in rows}


def canonical_cells(rows, rubric: Rubric, numbers) -> Counter:
    """(municipality, year, question, item_code, option_code) of loaded raw rows, with every
    answer resolved the way classification does: label (or alias), option number, Q12 text."""
    cells = Counter()
    for municipality, year, question_no, item, answer in rows:
        q = int(question_no)
        if rubric.has_sub_questions(q):
            resolved_item = rubric.resolve_item(q, item)
        else:
            assert not normalize_label(item), (q, item)
            resolved_item = rubric.items[q][0]
        assert resolved_item is not None, (q, item)
        code = resolved_item.item_code
        option = rubric.resolve_option(q, code, answer)
        if option is None and not rubric.is_checkbox(q) and answer.strip().isdigit():
            by_number = {number: label for (qq, ic, label), number in numbers.items() if (qq, ic) == (q, code)}
            option = rubric.resolve_option(q, code, by_number.get(int(answer)))
        if option is None and q == 12:
            option = rubric.resolve_option(q, code, code_q12(answer).category)
        assert option is not None, (municipality, q, item, answer)
        cells[(int(municipality), int(year), q, code, option.option_code)] += 1
    return cells


def load_raw(path: Path) -> tuple[list[tuple], list[loader.LoadedFile]]:
    with duckdb.connect() as con:
        files = loader.load_responses(con, str(path), PROJECT_ROOT)
        rows = con.execute(
            "select municipality_code, survey_year, question_no, item, answer from raw.raw_responses"
        ).fetchall()
    return rows, files


def test_wide_csv_loads_to_the_same_cells_as_the_template(template_round_trip, tmp_path):
    rubric = template_round_trip.rubric
    header, wide_rows = long_to_wide(read_csv(SAMPLE), rubric)
    wide_csv = write_wide_csv(tmp_path / "responses_2023_wide.csv", header, wide_rows)

    csv_rows, (csv_file,) = load_raw(wide_csv)
    xlsx_rows, (xlsx_file,) = load_raw(template_round_trip.xlsx)
    long_rows, (long_file,) = load_raw(SAMPLE)
    assert (csv_file.file_format, xlsx_file.file_format, long_file.file_format) == ("wide_csv", "wide_xlsx", "long")
    assert len(csv_rows) == len(xlsx_rows) == len(long_rows) == 9001

    numbers = option_numbers(PROJECT_ROOT / "seeds", version=1)
    from_csv = canonical_cells(csv_rows, rubric, numbers)
    from_xlsx = canonical_cells(xlsx_rows, rubric, numbers)
    assert from_csv == from_xlsx
    assert from_csv == canonical_cells(long_rows, rubric, numbers)
    # the workbook really holds numbers and descriptions where the CSV holds labels
    assert Counter(r[4] for r in xlsx_rows if r[2] == "1") == Counter(
        str(numbers[(1, "main", normalize_label(r[4]))]) for r in csv_rows if r[2] == "1"
    )
    assert {r[4] for r in xlsx_rows if r[2] == "12"} == set(Q12_PHRASES.values())


# ============================================================================================
# 2. A later round with a changed rubric; earlier scores unchanged
# ============================================================================================

OLD_LABEL = "For ca. halvdelen af alle borgere i eksterne tilbud"  # Q43 option 3, version 1
NEW_LABEL = "For omkring halvdelen af borgerne i eksterne tilbud"  # the same option in version 2
DROPPED_ITEM = "Formaliseret samarbejdsflade mellem sagsbehandlere og økonomikonsulent"  # Q9 item 3
Q48_ANSWERS = {825: "Ja", 741: "Nej", 492: "Ja"}
OUTSIDER = 101  # a municipality with rejected rows only

# Rows of the 2025 input that must be rejected: (year, question, item, answer) -> reason.
REJECTS = {
    (2025, 43, "", OLD_LABEL): "unknown_answer",  # the version-1 wording in a version-2 round
    (2025, 9, DROPPED_ITEM, "Ja"): "unknown_item",  # the dropped item
    (2023, 43, "", NEW_LABEL): "unknown_answer",  # the version-2 wording in the 2023 round
    (2023, 48, "", "Ja"): "unknown_question",  # Q48 is not in version 1
    (2030, 1, "", "Ja"): "survey_year_not_configured",  # no round 2030 (no extra_survey_rounds var)
}

# 2025 by hand: the note's 2023 values (test_scores_by_hand) with the version-2 changes.
# Q9 loses item 3: 825 Krav Ja 100, Priser Nej 0; 741 Ja 100, Ja 100; 492 Nej 0, Nej 0.
# Q43: 825's option keeps its score under the new wording (33,33); 741 and 492 are unchanged.
# Q48: Ja 100 / Nej 0.
Q9_V2 = {825: F(100 + 0, 2), 741: F(100 + 100, 2), 492: F(0 + 0, 2)}
THEMES_V2 = {**THEMES_V1, 7: range(42, 49)}


def expected_2025(municipality: int) -> dict[int, F | None]:
    questions = dict(HAND_2023_QUESTIONS[municipality])
    questions[9] = Q9_V2[municipality]
    questions[48] = F(100) if Q48_ANSWERS[municipality] == "Ja" else F(0)
    if municipality == 825:  # Q17 "Vi har ingen interne botilbud": the mean of the other 47
        questions[17] = _mean(v for q, v in questions.items() if q != 17)
    return questions


EXPECTED_2025 = {m: expected_2025(m) for m in Q48_ANSWERS}


def git_seeds_state() -> tuple[int, str, dict[str, str]]:
    """Read-only: `git diff --quiet -- seeds`, the diff itself and every seed file's digest
    (the shared tree may hold other engineers' uncommitted seed edits, so the test compares
    before and after rather than requiring an empty diff)."""
    git = ["git", "--no-optional-locks", "-C", str(PROJECT_ROOT)]
    quiet = subprocess.run([*git, "diff", "--quiet", "--", "seeds"], capture_output=True).returncode
    diff = subprocess.run([*git, "diff", "--", "seeds"], capture_output=True, text=True).stdout
    digests = {
        str(p.relative_to(PROJECT_ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((PROJECT_ROOT / "seeds").rglob("*"))
        if p.is_file()
    }
    return quiet, diff, digests


def append_rows(seed: Path, snippet: Path) -> None:
    """Append the snippet's rows (its header must be the seed's) to the seed."""
    seed_lines = seed.read_text(encoding="utf-8").splitlines()
    snippet_lines = snippet.read_text(encoding="utf-8").splitlines()
    assert snippet_lines[0] == seed_lines[0], snippet
    seed.write_text("\n".join(seed_lines + [line for line in snippet_lines[1:] if line.strip()]) + "\n", encoding="utf-8")


def close_rows(seeds: Path, patches: Path) -> None:
    """Set to_version on the rows tests/fixtures/rounds/to_version.csv names (exactly one each)."""
    for patch in read_csv(patches):
        seed = seeds / "rubric" / f"{patch['seed']}.csv"
        lines = seed.read_text(encoding="utf-8").splitlines()
        header = next(csv.reader([lines[0]]))
        assert header[-1] == "to_version"
        hits = []
        for number, line in enumerate(lines[1:], start=1):
            row = dict(zip(header, next(csv.reader([line]))))
            if (
                row["question_no"] == patch["question_no"]
                and row["item_code"] == patch["item_code"]
                and row.get("option_code", "") == patch["option_code"]
                and in_version(row, int(patch["to_version"]))
            ):
                assert line.endswith(",") and not row["to_version"], line
                lines[number] = line + patch["to_version"]
                hits.append(number)
        assert len(hits) == 1, (patch, hits)
        seed.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_long(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=loader.REQUIRED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@dataclass
class RoundsBuild:
    project: Path
    run: DbtRun
    seeds_before: tuple


@pytest.fixture(scope="module")
def rounds_build(tmp_path_factory) -> RoundsBuild:
    seeds_before = git_seeds_state()
    folder = tmp_path_factory.mktemp("rounds")
    project = folder / "project"
    shutil.copytree(
        PROJECT_ROOT, project, symlinks=True,
        ignore=shutil.ignore_patterns(".venv", ".git", "target", "logs", "warehouse", "exports", "reports", "__pycache__"),
    )
    seeds = project / "seeds"
    append_rows(seeds / "reference" / "survey_rounds.csv", ROUNDS / "survey_rounds.csv")
    for name in ("rubric_questions", "rubric_items", "rubric_options"):
        append_rows(seeds / "rubric" / f"{name}.csv", ROUNDS / f"{name}.csv")
    close_rows(seeds, ROUNDS / "to_version.csv")

    inputs = folder / "responses"
    inputs.mkdir()
    shutil.copyfile(HAND_FIXTURE, inputs / "responses_2023.csv")
    rows_2025 = []
    for row in read_csv(HAND_FIXTURE):
        if row["question_no"] == "9" and row["item"] == DROPPED_ITEM:
            continue
        answer = NEW_LABEL if row["question_no"] == "43" and row["answer"] == OLD_LABEL else row["answer"]
        rows_2025.append({**row, "survey_year": "2025", "answer": answer})
    assert any(r["answer"] == NEW_LABEL for r in rows_2025)
    rows_2025 += [
        {"municipality_code": m, "survey_year": 2025, "question_no": 48, "item": "", "answer": a}
        for m, a in Q48_ANSWERS.items()
    ]
    write_long(inputs / "responses_2025.csv", rows_2025)
    write_long(inputs / "rejects.csv", [
        {"municipality_code": OUTSIDER, "survey_year": y, "question_no": q, "item": i, "answer": a}
        for (y, q, i, a) in REJECTS
    ])

    work = folder / "build"
    work.mkdir()
    run = run_dbt(
        "build", work / "warehouse.duckdb", build_vars(inputs / "*.csv", work, strict=False), project=project
    )
    assert run.returncode == 0, run.output[-4000:]
    return RoundsBuild(project, run, seeds_before)


def test_the_copy_has_rounds_2023_and_2025_on_their_versions(rounds_build):
    rounds = query(rounds_build.run.db_path, "select survey_year, rubric_version from intermediate.int_survey_rounds")
    assert sorted((r["survey_year"], r["rubric_version"]) for r in rounds) == [(2023, 1), (2025, 2)]
    cells = query(
        rounds_build.run.db_path,
        """
        select rubric_version, count(distinct question_no) as questions,
               count(distinct item_key) filter (where question_no = 9) as q9_items,
               string_agg(option_label, ' | ') filter (where question_no = 43 and option_code = 'ca_halvdelen') as q43_label
        from intermediate.int_rubric_cells group by rubric_version order by rubric_version
        """,
    )
    assert [(c["questions"], c["q9_items"], c["q43_label"]) for c in cells] == [(47, 3, OLD_LABEL), (48, 2, NEW_LABEL)]


SCORE_MARTS = {
    "fct_question_scores": "question_no",
    "fct_theme_scores": "theme_no",
    "fct_total_scores": None,
}


@pytest.mark.parametrize("mart", sorted(SCORE_MARTS))
def test_2023_scores_equal_the_hand_build(rounds_build, hand_build, mart):
    sql = f"select * from marts.{mart} where survey_year = 2023"
    with_rounds = rounded(tuple(r.values()) for r in query(rounds_build.run.db_path, sql))
    alone = rounded(tuple(r.values()) for r in query(hand_build.db_path, sql))
    assert with_rounds == alone
    assert len(alone) == {"fct_question_scores": 3 * 47, "fct_theme_scores": 3 * 7, "fct_total_scores": 3}[mart]


def _scores(db_path: Path, mart: str, year: int, municipality: int) -> dict:
    key = SCORE_MARTS[mart]
    rows = query(db_path, f"select * from marts.{mart} where survey_year = {year} and municipality_code = {municipality}")
    return {row[key] if key else "total": row for row in rows}


@pytest.mark.parametrize("municipality", sorted(EXPECTED_2025))
def test_2025_scores_by_hand_from_the_v2_rubric(rounds_build, municipality):
    db = rounds_build.run.db_path
    expected = EXPECTED_2025[municipality]
    questions = _scores(db, "fct_question_scores", 2025, municipality)
    assert sorted(questions) == list(range(1, 49))
    wrong = {q: (questions[q]["score"], expected[q] and float(expected[q]))
             for q in questions if not _close(questions[q]["score"], expected[q])}
    assert not wrong, f"{municipality} 2025: question -> (warehouse, by hand): {wrong}"
    assert questions[9]["items_expected"] == 2 and questions[48]["items_expected"] == 1
    assert questions[48]["theme_no"] == 7

    themes = _scores(db, "fct_theme_scores", 2025, municipality)
    assert themes[7]["questions_expected"] == 7
    for theme, numbers in THEMES_V2.items():
        assert _close(themes[theme]["score"], _mean(expected[q] for q in numbers)), (municipality, theme)

    (total,) = _scores(db, "fct_total_scores", 2025, municipality).values()
    assert total["questions_expected"] == 48
    assert total["questions_scored"] == sum(v is not None for v in expected.values())
    assert _close(total["score"], _mean(expected.values())), (municipality, total["score"], float(_mean(expected.values())))


def test_rows_outside_their_rounds_rubric_are_rejected(rounds_build):
    rows = query(
        rounds_build.run.db_path,
        "select * from intermediate.int_responses_classified where row_status = 'rejected'",
    )
    got = {
        (int(r["raw_survey_year"]), int(r["raw_question_no"]), r["raw_item"] or "", r["raw_answer"]): r["reject_reason"]
        for r in rows
    }
    assert got == REJECTS
    assert {int(r["raw_municipality_code"]) for r in rows} == {OUTSIDER}
    messages = {(int(r["raw_survey_year"]), int(r["raw_question_no"])): r["reject_message"] for r in rows}
    # each message quotes the answer once and lists the options of the round's own version
    assert messages[(2025, 43)].count(OLD_LABEL) == 1 and NEW_LABEL in messages[(2025, 43)]
    assert messages[(2023, 43)].count(NEW_LABEL) == 1 and OLD_LABEL in messages[(2023, 43)]
    assert "2023, 2025" in messages[(2030, 1)]
    # the outsider has no score in any round
    assert not query(rounds_build.run.db_path, f"select * from marts.fct_total_scores where municipality_code = {OUTSIDER}")


def test_score_development_from_2023_to_2025(rounds_build):
    db = rounds_build.run.db_path
    totals = {(r["municipality_code"], r["survey_year"]): r["score"] for r in query(db, "select * from marts.fct_total_scores")}
    development = {
        (r["municipality_code"], r["survey_year"]): r
        for r in query(db, "select * from marts.fct_score_development where benchmark_level = 'total'")
    }
    assert sorted(development) == sorted(totals) == sorted((m, y) for m in EXPECTED_2025 for y in (2023, 2025))
    for m in EXPECTED_2025:
        first, later = development[(m, 2023)], development[(m, 2025)]
        assert first["previous_survey_year"] is None and first["change_from_previous"] is None
        assert later["previous_survey_year"] == 2023
        assert _close(later["change_from_previous"], totals[(m, 2025)] - totals[(m, 2023)])
        by_hand = _mean(EXPECTED_2025[m].values()) - _mean(HAND_2023_QUESTIONS[m].values())
        assert _close(later["change_from_previous"], by_hand), (m, later["change_from_previous"], float(by_hand))
    # Q48 exists from 2025 only: no previous round; Q9 compares the 2-item score with the 3-item one
    q48 = query(db, "select * from marts.fct_score_development where question_no = 48")
    assert len(q48) == 3 and all(r["survey_year"] == 2025 and r["previous_survey_year"] is None for r in q48)
    for r in query(db, "select * from marts.fct_score_development where question_no = 9 and survey_year = 2025"):
        m = r["municipality_code"]
        assert _close(r["change_from_previous"], Q9_V2[m] - HAND_2023_QUESTIONS[m][9])


def test_the_shipped_seeds_are_untouched(rounds_build):
    assert git_seeds_state() == rounds_build.seeds_before
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "seeds").rglob("*.csv"))
    assert NEW_LABEL not in shipped and "fiktivt testspørgsmål" not in shipped and "\n2025," not in shipped
    copied = (rounds_build.project / "seeds" / "reference" / "survey_rounds.csv").read_text(encoding="utf-8")
    assert "\n2025,2," in copied
