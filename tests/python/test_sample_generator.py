"""The synthetic sample generator (src/styringsoverblik/sample.py) and its committed output."""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "src") not in sys.path:  # works without installing the package
    sys.path.insert(0, str(ROOT / "src"))

from styringsoverblik import sample  # noqa: E402

RUBRIC = ROOT / "seeds" / "rubric"
COMMITTED = ROOT / "data" / "sample" / "responses_2023_synthetic.csv"
RESERVED = {"825", "741", "492", "563", "665"}
HEADER = "municipality_code,survey_year,question_no,item,answer,data_origin"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _true(value: str) -> bool:
    return value.strip().lower() in {"true", "t", "1", "yes"}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return sample.generate_rows()


@pytest.fixture(scope="module")
def rubric():
    """Seed labels, read independently of the generator."""
    items = _read(RUBRIC / "rubric_items.csv")
    options = _read(RUBRIC / "rubric_options.csv")
    aliases = _read(RUBRIC / "rubric_label_aliases.csv")
    item_labels: dict[int, set[str]] = defaultdict(set)
    for r in items:
        item_labels[int(r["question_no"])].add("" if r["item_code"] == "main" else r["item_label"])
    option_labels: dict[int, set[str]] = defaultdict(set)
    yes_labels: dict[int, set[str]] = defaultdict(set)
    neutral_labels: dict[int, set[str]] = defaultdict(set)
    for r in options:
        q = int(r["question_no"])
        option_labels[q].add(r["option_label"])
        if _true(r["counts_as_yes"]):
            yes_labels[q].add(r["option_label"])
        if _true(r["is_neutral_mean"]):
            neutral_labels[q].add(r["option_label"])
    item_aliases: dict[int, set[str]] = defaultdict(set)
    option_aliases: dict[int, set[str]] = defaultdict(set)
    for r in aliases:
        qs = [int(r["question_no"])] if r["question_no"].strip() else list(item_labels)
        target = item_aliases if r["label_kind"].strip() == "item" else option_aliases
        for q in qs:
            target[q].add(r["alias_label"])
    return {
        "items": item_labels,
        "options": option_labels,
        "yes": yes_labels,
        "neutral": neutral_labels,
        "item_aliases": item_aliases,
        "option_aliases": option_aliases,
    }


def _by_municipality(rows, question_no):
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["question_no"] == question_no:
            out[r["municipality_code"]].append(r)
    return out


def test_deterministic(rows):
    assert sample.generate_rows() == rows
    assert sample.generate_rows(seed=2023) == rows
    assert sample.generate_rows(seed=7) != rows


def test_72_distinct_municipalities_none_reserved(rows):
    codes = {r["municipality_code"] for r in rows}
    assert len(codes) == 72
    assert not codes & RESERVED
    with (ROOT / "seeds" / "reference" / "municipalities.csv").open(encoding="utf-8") as fh:
        known = {r["municipality_code"] for r in csv.DictReader(fh)}
    assert codes <= known
    assert {r["survey_year"] for r in rows} == {2023}


def test_labels_come_from_the_seeds(rows, rubric):
    assert {r["question_no"] for r in rows} == set(range(1, 48))
    for r in rows:
        q = r["question_no"]
        assert r["item"] in rubric["items"][q] | rubric["item_aliases"][q], r
        assert r["answer"] in rubric["options"][q] | rubric["option_aliases"][q], r


def test_paragraph_row_spelled_as_printed(rows):
    spelled = {(r["question_no"], r["item"]) for r in rows if r["item"].startswith("§ 85/ABL")}
    expected = {(4, "§ 85/ABL § 105")}
    expected |= {(q, "§ 85/ABL § 85") for q in (5, 6, 7, 8)}
    expected |= {(q, "§ 85/ABL § 108") for q in (11, 12)}
    assert spelled == expected


def test_one_answer_per_cell_and_never_a_whole_question_missing(rows, rubric):
    cells = Counter(
        (r["municipality_code"], r["question_no"], r["item"]) for r in rows if r["question_no"] != 34
    )
    assert max(cells.values()) == 1
    municipalities = {r["municipality_code"] for r in rows}
    answered = {(r["municipality_code"], r["question_no"]) for r in rows}
    for m in municipalities:
        for q in range(1, 48):
            if q != 34:
                assert (m, q) in answered, (m, q)
    full = len(municipalities) * sum(len(v) for q, v in rubric["items"].items() if q != 34)
    missing = full - len(cells)
    assert 0 < missing <= 0.03 * full


def test_sorted(rows):
    position = {}
    for q in sample.load_rubric():
        for it in q.items:
            for o in it.options:
                position[(q.question_no, it.printed_label, o.label)] = (it.item_no, o.option_no)
    keys = [
        (int(r["municipality_code"]), r["question_no"], *position[(r["question_no"], r["item"], r["answer"])])
        for r in rows
    ]
    assert keys == sorted(keys)


def test_q14_yes_counts_cover_0_to_3(rows, rubric):
    per = _by_municipality(rows, 14)
    municipalities = {r["municipality_code"] for r in rows}
    counts = Counter(
        sum(1 for r in per.get(m, []) if r["answer"] in rubric["yes"][14]) for m in municipalities
    )
    assert {0, 1, 2, 3} <= set(counts)


def test_q17_neutral_answers(rows, rubric):
    neutral = [r for r in rows if r["question_no"] == 17 and r["answer"] in rubric["neutral"][17]]
    assert 4 <= len(neutral) <= 12


def test_q34_partly_checked(rows):
    per = _by_municipality(rows, 34)
    municipalities = {r["municipality_code"] for r in rows}
    ticked = [len(per.get(m, [])) for m in municipalities]
    assert min(ticked) == 0
    assert max(ticked) >= 12
    assert len(set(ticked)) >= 6  # some tick many, some few
    boxes = Counter((r["municipality_code"], r["item"], r["answer"]) for r in rows if r["question_no"] == 34)
    assert max(boxes.values()) == 1


def test_committed_csv_is_a_fresh_generation():
    data = COMMITTED.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    assert data.split(b"\n", 1)[0].decode("utf-8") == HEADER
    assert data == sample.render_csv(sample.generate_rows()).encode("utf-8")


def test_write_csv_round_trip(tmp_path, rows):
    out = tmp_path / "out.csv"
    sample.write_csv(out, rows)
    back = _read(out)
    assert len(back) == len(rows)
    assert {row.pop("data_origin") for row in back} == {"synthetic"}
    assert back[0] == {k: str(v) for k, v in rows[0].items()}
