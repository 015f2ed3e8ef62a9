"""The rubric seeds against a table written by hand from the technical note.

Every number below was read off the note's option tables (teknisk-notat-*.txt), not from the
seeds: per question its theme, its number of sub-questions and, per item, the scores of its
options in the note's column order. None = no score of its own (Q14 counts yes-answers;
Q17's "Vi har ingen interne botilbud i kommunen" takes the neutral mean).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from fractions import Fraction

import pytest

from conftest import PROJECT_ROOT

RUBRIC = PROJECT_ROOT / "seeds" / "rubric"

THIRD = Fraction(100, 3)  # "33,33" in the note
TWO_THIRDS = Fraction(200, 3)  # "66,67" in the note

YES_NO_DONTKNOW = [100, 0, 0]

# question -> (theme, number of sub-questions, option scores per item in the note's order)
NOTE = {
    1: (1, 0, YES_NO_DONTKNOW),
    2: (1, 0, YES_NO_DONTKNOW),
    3: (1, 0, YES_NO_DONTKNOW),
    4: (1, 5, [100, 100, 0]),
    5: (1, 5, [100, 0]),
    6: (1, 5, [100, 100, 100, 0, 0]),
    7: (1, 10, [100, 50, 0, 0]),
    8: (1, 8, [100, 50, 0, 0]),
    9: (1, 3, [100, 0]),
    10: (1, 0, [100, 100, 50, 0, 0]),
    11: (1, 10, [100, 0, 0]),
    12: (1, 10, [100, 75, 50, 25, 0, 50]),
    13: (1, 0, [100, 100, 0]),
    14: (2, 3, [None, None, None]),
    15: (2, 0, YES_NO_DONTKNOW),
    16: (2, 0, [100, 100, 75, 50, 25, 0]),
    17: (3, 0, [100, TWO_THIRDS, THIRD, 0, None]),
    18: (3, 5, [100, TWO_THIRDS, THIRD, 0]),
    19: (3, 0, [100, 100, 100, 0, 0]),
    20: (3, 0, [100, 100, 0, 0]),
    21: (3, 0, [100, 50, 50, 0, 0]),
    22: (4, 0, YES_NO_DONTKNOW),
    23: (4, 11, [100, 0]),
    24: (5, 0, YES_NO_DONTKNOW),
    25: (5, 0, YES_NO_DONTKNOW),
    26: (5, 0, YES_NO_DONTKNOW),
    27: (5, 0, [100, 0, 50]),
    28: (5, 0, [0, 100, 50]),
    29: (5, 0, YES_NO_DONTKNOW),
    30: (5, 0, YES_NO_DONTKNOW),
    31: (5, 0, YES_NO_DONTKNOW),
    32: (5, 4, None),  # per item, see PER_ITEM below
    33: (5, 4, None),
    34: (5, 4, [100, 100, 100, 100]),
    35: (5, 0, YES_NO_DONTKNOW),
    36: (6, 0, YES_NO_DONTKNOW),
    37: (6, 0, YES_NO_DONTKNOW),
    38: (6, 0, YES_NO_DONTKNOW),
    39: (6, 0, YES_NO_DONTKNOW),
    40: (6, 0, YES_NO_DONTKNOW),
    41: (6, 5, [100, 50, 0, 0]),
    42: (7, 0, [100, TWO_THIRDS, THIRD, 0, 0]),
    43: (7, 0, [100, TWO_THIRDS, THIRD, 0, 0]),
    44: (7, 0, YES_NO_DONTKNOW),
    45: (7, 0, [100, 0, 0, 0, 0]),
    46: (7, 0, [100, 50, 0, 0, 0]),
    47: (7, 2, [100, TWO_THIRDS, THIRD, 0]),
}

# Q32/Q33: "Kvartalsvist" 66,67 for Centerledelse and Direktion but 100 for Fagudvalg and
# Økonomiudvalg; "Halvårligt" 33,33 versus 50.
MANAGEMENT = [100, TWO_THIRDS, THIRD, 0, 0]
POLITICIANS = [100, 100, 50, 0, 0]
PER_ITEM = {
    32: {"Centerledelse": MANAGEMENT, "Direktion": MANAGEMENT, "Fagudvalg": POLITICIANS, "Økonomiudvalg": POLITICIANS},
    33: {"Centerledelse": MANAGEMENT, "Direktion": MANAGEMENT, "Fagudvalg": POLITICIANS, "Økonomiudvalg": POLITICIANS},
}


def read(name: str) -> list[dict]:
    with open(RUBRIC / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def exact_score(row: dict) -> Fraction | None:
    if row["score_numerator"] == "":
        return None
    return Fraction(row["score_numerator"]) / Fraction(row["score_denominator"])


@pytest.fixture(scope="module")
def options_by_item() -> dict[tuple[int, str], list[dict]]:
    grouped: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in read("rubric_options"):
        grouped[(int(row["question_no"]), row["item_code"])].append(row)
    for rows in grouped.values():
        rows.sort(key=lambda r: int(r["option_no"]))
    return grouped


def test_seven_themes():
    themes = read("rubric_themes")
    assert [int(t["theme_no"]) for t in themes] == list(range(1, 8))
    assert themes[0]["theme_name"] == "Visitation og opfølgning"
    assert themes[6]["theme_name"] == "Kontrakter og forhandling"


def test_47_questions_in_their_themes():
    questions = read("rubric_questions")
    assert [int(q["question_no"]) for q in questions] == list(range(1, 48))
    for q in questions:
        assert int(q["theme_no"]) == NOTE[int(q["question_no"])][0], q["question_no"]
        assert q["question_text"] and q["recommendation_text"] and q["recommendation_source"]
    rules = {int(q["question_no"]): q["scoring_rule"] for q in questions}
    assert rules[14] == "yes_count"
    assert rules[17] == "neutral_mean_option"
    assert rules[34] == "checkbox_grid"
    assert {r for n, r in rules.items() if n not in (14, 17, 34)} == {"item_mean"}


def test_recommendation_sources_as_printed():
    sources = {int(q["question_no"]): q["recommendation_source"] for q in read("rubric_questions")}
    assert sources[1] == "VIVE 2019"
    assert sources[3] == "KL 2019"
    assert sources[14] == "VIVE og Socialstyrelsen 2021"
    assert sources[34] == "KL 2021"
    assert sources[42] == "KL 2023"
    assert sources[45] == "KL 2022"
    assert sources[12] == "Anbefaling fra KL"


def test_sub_question_counts_per_question():
    items = read("rubric_items")
    counts = defaultdict(int)
    implicit = defaultdict(int)
    for item in items:
        if item["is_sub_question"] == "true":
            counts[int(item["question_no"])] += 1
        else:
            implicit[int(item["question_no"])] += 1
            assert item["item_code"] == "main" and item["item_label"] == ""
    for question_no, (_, sub_questions, _) in NOTE.items():
        assert counts[question_no] == sub_questions, f"Q{question_no}"
        assert implicit[question_no] == (0 if sub_questions else 1), f"Q{question_no}"


def test_option_scores_per_item_match_the_note(options_by_item):
    items = read("rubric_items")
    seen = set()
    for item in items:
        question_no = int(item["question_no"])
        key = (question_no, item["item_code"])
        seen.add(key)
        expected = NOTE[question_no][2]
        if expected is None:
            expected = PER_ITEM[question_no][item["item_label"]]
        actual = [exact_score(row) for row in options_by_item[key]]
        assert actual == expected, f"Q{question_no} {item['item_label'] or '(no items)'}"
    assert set(options_by_item) == seen, "options for an item that is not in rubric_items"


def test_total_option_rows():
    # sum over questions of (items or 1) x options, from the table above
    expected = sum(max(n, 1) * len(scores if scores is not None else MANAGEMENT) for _, n, scores in NOTE.values())
    assert len(read("rubric_options")) == expected == 466


def test_special_options():
    options = read("rubric_options")
    yes = {o["option_label"] for o in options if o["counts_as_yes"] == "true"}
    assert yes == {"Ja, for alle målgrupper", "Ja, for nogen målgrupper"}
    assert {int(o["question_no"]) for o in options if o["counts_as_yes"] == "true"} == {14}
    neutral = [o for o in options if o["is_neutral_mean"] == "true"]
    assert [(o["question_no"], o["option_label"]) for o in neutral] == [("17", "Vi har ingen interne botilbud i kommunen")]


def test_printed_scores_round_to_exact_scores():
    for row in read("rubric_options"):
        score = exact_score(row)
        if score is not None:
            assert f"{float(score):.2f}".replace(".", ",").removesuffix(",00") == row["score_as_printed"], row


def test_last_paragraph_row_is_canonical_everywhere():
    labels = {(int(i["question_no"]), i["item_label"]) for i in read("rubric_items")}
    for question_no in (4, 5, 6, 7, 8, 11, 12):
        assert (question_no, "§ 85/ABL § 105") in labels, f"Q{question_no}"
    aliases = {(int(a["question_no"]), a["alias_label"]): a["canonical_label"] for a in read("rubric_label_aliases")}
    for question_no in (5, 6, 7, 8):
        assert aliases[(question_no, "§ 85/ABL § 85")] == "§ 85/ABL § 105"
    for question_no in (11, 12):
        assert aliases[(question_no, "§ 85/ABL § 108")] == "§ 85/ABL § 105"


def test_aliases_point_at_existing_labels():
    items = {(i["question_no"], i["item_label"]) for i in read("rubric_items")}
    options = {(o["question_no"], o["option_label"]) for o in read("rubric_options")}
    for alias in read("rubric_label_aliases"):
        target = items if alias["label_kind"] == "item" else options
        assert (alias["question_no"], alias["canonical_label"]) in target, alias
