"""Deterministic generator of SYNTHETIC survey responses.

The file this module writes (``data/sample/responses_2023_synthetic.csv``) is
made up: it is generated from a seeded random number generator, it is NOT the
municipalities' real answers to the 2023 survey "Kommunernes styringsoverblik
på det specialiserede voksenområde". It exists so the warehouse can be built
and tested end to end on data of the real shape.

How it was generated::

    PYTHONPATH=src .venv/bin/python -m styringsoverblik.sample \\
        --out data/sample/responses_2023_synthetic.csv --seed 2023 --municipalities 72 --year 2023

Output contract (the warehouse's raw input): UTF-8 without BOM, LF line ends,
header exactly ``municipality_code,survey_year,question_no,item,answer,data_origin`` and
one row per answered cell, ``data_origin`` = ``synthetic`` on every row (the loader marks the file
synthetic in the build log, and every report page says so):

- ``item`` is the item's label as printed in the technical note (empty for a
  question without items); ``answer`` is the option's label as printed.
- Q34 is multi-select: item = group (Centerledelse, Direktion, Fagudvalg,
  Økonomiudvalg), answer = parameter; one row per CHECKED box, no row = not
  checked.
- An unanswered item has no row (never all items of a question, Q34 aside).

Everything is read from the seeds of the project (the current directory, or ``--project-dir``):
the rubric through styringsoverblik.rubric
(``seeds/rubric/rubric_items.csv``, ``rubric_options.csv``,
``rubric_label_aliases.csv``) and the municipalities
(``seeds/reference/municipalities.csv``).

The model behind the answers: each municipality gets a latent "maturity" in
0..1; each question an overall ease; an item's answer is drawn with higher
weight on options whose score is close to the municipality's (noisy)
maturity, so mature municipalities pick high-scoring options more often.
"Ved ikke" is given now and then, ~1% of the non-Q34 cells of multi-item
questions are left out, Q17's neutral option "Vi har ingen interne botilbud i
kommunen" goes to about 8 of 72 municipalities, Q14's number of yes-answers
takes every value 0..3 and at least one municipality checks no Q34 box.

Determinism: only ``random.Random(seed)`` is used, and only through
``random()``, ``sample()``, ``shuffle()`` and ``choices()`` plus plain
arithmetic (no libm functions such as ``gauss``), so a given seed gives the
same bytes on every platform.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from styringsoverblik import rubric
from styringsoverblik.project import Project

# The sample file, relative to the project root (the project is the current directory unless
# a root is passed in: `--project-dir`).
DEFAULT_OUT = Path("data") / "sample" / "responses_2023_synthetic.csv"
MUNICIPALITY_SEED = Path("reference") / "municipalities.csv"

HEADER = ("municipality_code", "survey_year", "question_no", "item", "answer")
# The sample file's own extra column: every row says it is generated. The loader ignores extra
# columns of a long file but records a file whose every row is `synthetic` as synthetic
# (loader.LoadedFile.is_synthetic), and the build log and the report say so.
ORIGIN_COLUMN = "data_origin"
SYNTHETIC = "synthetic"
SAMPLE_HEADER = (*HEADER, ORIGIN_COLUMN)

# Codes reserved for hand-computed test fixtures: never in the synthetic sample.
RESERVED_MUNICIPALITIES = frozenset({"825", "741", "492", "563", "665"})

# Questions answered by ticking boxes (one row per checked box).
MULTI_SELECT_QUESTIONS = frozenset({34})
# The question whose number of yes-answers is scored (0..n items).
YES_COUNT_QUESTION = 14

# The rubric's canonical label of the last paragraph row, and the spelling the
# note prints for it where that differs (Q4 prints the canonical one). The
# alias seed lists several spellings per question, so it cannot say which one
# is printed; it is used to check that the printed spelling is a known alias.
PARAGRAPH_CANONICAL = "§ 85/ABL § 105"
PARAGRAPH_PRINTED = {
    **{q: "§ 85/ABL § 85" for q in (5, 6, 7, 8)},
    **{q: "§ 85/ABL § 108" for q in (11, 12)},
}

VED_IKKE = "ved ikke"
NEUTRAL_SHARE = 8 / 72  # about 8 of 72 municipalities have no internal botilbud
DROP_SHARE = 0.01  # share of non-Q34 cells left unanswered
Q34_NONE_SHARE = 0.06  # municipalities that tick no Q34 box at all
# Q34: how often each group / parameter (in rubric order) is presented data.
Q34_GROUP_FACTORS = (1.0, 0.9, 0.7, 0.6)
Q34_PARAMETER_FACTORS = (1.0, 0.85, 0.65, 0.45)


# --------------------------------------------------------------------- seeds


def _truthy(value: str | None) -> bool | None:
    """Parse a seed boolean; None when empty/unknown."""
    v = (value or "").strip().lower()
    if v in {"true", "t", "1", "yes", "y", "ja"}:
        return True
    if v in {"false", "f", "0", "no", "n", "nej"}:
        return False
    return None


def _number(value: str | None) -> float | None:
    v = (value or "").strip().replace(",", ".")
    if not v:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            {k.strip(): (v or "") for k, v in row.items() if k is not None}
            for row in csv.DictReader(fh)
        ]


@dataclass(frozen=True)
class Option:
    option_no: int
    option_code: str
    label: str
    score: float  # 0..1 relative to the best option of the item
    is_yes: bool
    is_neutral: bool
    is_dont_know: bool


@dataclass(frozen=True)
class Item:
    item_no: int
    item_code: str
    label: str  # canonical label, "" for a question without items
    printed_label: str  # the spelling printed in the note for this question
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Question:
    question_no: int
    items: tuple[Item, ...]


def _raw_score(row: dict[str, str]) -> float | None:
    num, den = _number(row.get("score_numerator")), _number(row.get("score_denominator"))
    if num is not None:
        return num / den if den not in (None, 0.0) else num
    printed = (row.get("score_as_printed") or "").strip()
    if "/" not in printed:
        return _number(printed)
    return None


def load_rubric(root: Path | str = ".") -> list[Question]:
    """The 47 questions with their items (in item order) and options (in option order), from the
    rubric seeds of the project at root (read by styringsoverblik.rubric)."""
    project = Project(root)
    item_rows = rubric.seed_rows(project, "rubric_items.csv")
    option_rows = rubric.seed_rows(project, "rubric_options.csv")
    alias_rows = rubric.seed_rows(project, "rubric_label_aliases.csv")

    # Printed spelling of the paragraph row per question: taken from the alias
    # seed's item rows (canonical "§ 85/ABL § 105") whose alias is the one the
    # note prints for that question.
    printed: dict[tuple[int, str], str] = {}
    for row in alias_rows:
        qno = int(row["question_no"]) if row.get("question_no", "").strip() else None
        if (
            row.get("label_kind", "").strip() == "item"
            and row.get("canonical_label", "") == PARAGRAPH_CANONICAL
            and qno in PARAGRAPH_PRINTED
            and row.get("alias_label", "") == PARAGRAPH_PRINTED[qno]
        ):
            printed[(qno, PARAGRAPH_CANONICAL)] = row["alias_label"]
    missing = sorted(set(PARAGRAPH_PRINTED) - {q for q, _ in printed})
    if missing:
        raise ValueError(
            f"rubric_label_aliases.csv lacks the printed spelling of {PARAGRAPH_CANONICAL!r} "
            f"for question(s) {missing}"
        )

    options_by_item: dict[tuple[int, str], list[dict[str, str]]] = {}
    for row in option_rows:
        key = (int(row["question_no"]), row["item_code"].strip())
        options_by_item.setdefault(key, []).append(row)

    items_by_question: dict[int, list[dict[str, str]]] = {}
    for row in item_rows:
        items_by_question.setdefault(int(row["question_no"]), []).append(row)

    questions = []
    for qno in sorted(items_by_question):
        items = []
        for irow in sorted(items_by_question[qno], key=lambda r: int(r["item_no"])):
            code = irow["item_code"].strip()
            orows = options_by_item.get((qno, code))
            if orows is None:  # options given once for all items of the question
                shared = [k for k in options_by_item if k[0] == qno and k[1] in {"", "*", "all"}]
                orows = options_by_item[shared[0]] if shared else []
            if not orows:
                raise ValueError(f"no options in rubric_options.csv for Q{qno} item {code!r}")
            orows = sorted(orows, key=lambda r: int(r["option_no"]))
            raws = [_raw_score(r) for r in orows]
            top = max((s for s in raws if s is not None), default=0.0) or 1.0
            opts = []
            for r, raw in zip(orows, raws):
                yes = _truthy(r.get("counts_as_yes"))
                score = raw / top if raw is not None else (1.0 if yes else 0.0)
                opts.append(
                    Option(
                        option_no=int(r["option_no"]),
                        option_code=r["option_code"].strip(),
                        label=r["option_label"],
                        score=score,
                        is_yes=yes if yes is not None else score > 0,
                        is_neutral=bool(_truthy(r.get("is_neutral_mean"))),
                        is_dont_know=r["option_label"].strip().lower() == VED_IKKE,
                    )
                )
            label = "" if code == "main" else irow.get("item_label", "")
            items.append(
                Item(
                    item_no=int(irow["item_no"]),
                    item_code=code,
                    label=label,
                    printed_label=printed.get((qno, label), label),
                    options=tuple(opts),
                )
            )
        questions.append(Question(qno, tuple(items)))
    return questions


def load_municipalities(root: Path | str = ".") -> list[str]:
    """Municipality codes from the reference seed of the project at root, as written there."""
    rows = _read_csv(Project(root).seed_file(MUNICIPALITY_SEED))
    return [r["municipality_code"].strip() for r in rows]


# ------------------------------------------------------------------ sampling


def _noise(rng: random.Random, sd: float) -> float:
    """Roughly normal noise with standard deviation `sd` (sum of 3 uniforms)."""
    return (rng.random() + rng.random() + rng.random() - 1.5) * 2.0 * sd


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if x < lo else hi if x > hi else x


def _pick(rng: random.Random, options: list[Option], latent: float, popularity: dict) -> Option:
    """An option, weighted towards those whose score is near `latent`."""
    weights = []
    for o in options:
        d = (o.score - latent) / 0.35
        weights.append(popularity[o.option_code] * (1.0 / (1.0 + d * d * d * d) + 0.03))
    return rng.choices(options, weights=weights)[0]


def generate_rows(
    seed: int = 2023, n_municipalities: int = 72, survey_year: int = 2023, root: Path | str = "."
) -> list[dict]:
    """Synthetic response rows, sorted; same seed -> same rows (root: the project, whose seeds
    give the rubric and the municipalities)."""
    rng = random.Random(seed)
    questions = load_rubric(root)
    eligible = [c for c in load_municipalities(root) if c not in RESERVED_MUNICIPALITIES]
    if not 0 < n_municipalities <= len(eligible):
        raise ValueError(f"n_municipalities must be 1..{len(eligible)}")
    chosen = sorted(rng.sample(eligible, n_municipalities), key=int)

    # Question-level traits, drawn once: ease and each option's popularity.
    ease = {q.question_no: _noise(rng, 0.12) for q in questions}
    popularity = {
        (q.question_no, it.item_code): {o.option_code: 0.6 + 0.8 * rng.random() for o in it.options}
        for q in questions
        for it in q.items
    }
    maturity = {m: _clamp(0.04 + 0.92 * (rng.random() + rng.random()) / 2.0) for m in chosen}

    # Neutral options (Q17): about 8 of 72 municipalities.
    n_neutral = max(1, round(n_municipalities * NEUTRAL_SHARE))
    neutral_for = {
        q.question_no: set(rng.sample(chosen, n_neutral))
        for q in questions
        if any(o.is_neutral for it in q.items for o in it.options)
    }

    ordinary_cells = sum(len(q.items) for q in questions if q.question_no not in MULTI_SELECT_QUESTIONS)
    droppable_cells = sum(
        len(q.items)
        for q in questions
        if q.question_no not in MULTI_SELECT_QUESTIONS and len(q.items) > 1
    )
    drop_p = DROP_SHARE * ordinary_cells / droppable_cells if droppable_cells else 0.0

    # answers[m][(question_no, item_no)] = list of chosen options
    answers: dict[str, dict[tuple[int, int], list[Option]]] = {}
    for m in chosen:
        mat = maturity[m]
        cells: dict[tuple[int, int], list[Option]] = {}
        for q in questions:
            qno = q.question_no
            if qno in MULTI_SELECT_QUESTIONS:
                cells.update(_tick_boxes(rng, q, mat))
                continue
            q_latent = mat + ease[qno] + _noise(rng, 0.15)
            p_dont_know = 0.005 + 0.04 * (1.0 - mat)
            neutral = m in neutral_for.get(qno, ())
            for it in q.items:
                latent = _clamp(q_latent + _noise(rng, 0.12))
                dont_know = [o for o in it.options if o.is_dont_know]
                neutral_opts = [o for o in it.options if o.is_neutral]
                ordinary = [o for o in it.options if not (o.is_dont_know or o.is_neutral)]
                if neutral and neutral_opts:
                    choice = neutral_opts[0]
                elif dont_know and rng.random() < p_dont_know:
                    choice = dont_know[0]
                else:
                    choice = _pick(rng, ordinary, latent, popularity[(qno, it.item_code)])
                cells[(qno, it.item_no)] = [choice]
            # Leave out a few cells, never all items of a question.
            if len(q.items) > 1:
                dropped = [it.item_no for it in q.items if rng.random() < drop_p]
                if len(dropped) == len(q.items):
                    dropped.remove(rng.choice(dropped))
                for item_no in dropped:
                    del cells[(qno, item_no)]
        answers[m] = cells

    _cover_yes_counts(rng, questions, chosen, maturity, answers)
    _ensure_unticked(questions, chosen, maturity, answers)

    labels = {(q.question_no, it.item_no): it.printed_label for q in questions for it in q.items}
    rows = []
    for m in chosen:
        for (qno, item_no), opts in answers[m].items():
            for o in opts:
                rows.append(
                    (
                        (int(m), qno, item_no, o.option_no),
                        {
                            "municipality_code": m,
                            "survey_year": survey_year,
                            "question_no": qno,
                            "item": labels[(qno, item_no)],
                            "answer": o.label,
                        },
                    )
                )
    rows.sort(key=lambda kv: kv[0])
    return [row for _, row in rows]


def _tick_boxes(rng: random.Random, q: Question, mat: float) -> dict:
    """Q34: the boxes a municipality ticks (group x parameter)."""
    cells: dict[tuple[int, int], list[Option]] = {}
    propensity = _clamp(mat + _noise(rng, 0.2))
    if rng.random() < Q34_NONE_SHARE + 0.1 * (1.0 - mat) ** 2:
        return cells
    for gi, it in enumerate(q.items):
        g = Q34_GROUP_FACTORS[min(gi, len(Q34_GROUP_FACTORS) - 1)]
        ticked = []
        for pi, o in enumerate(it.options):
            p = Q34_PARAMETER_FACTORS[min(pi, len(Q34_PARAMETER_FACTORS) - 1)]
            if rng.random() < _clamp(0.05 + 1.15 * propensity * g * p, 0.0, 0.97):
                ticked.append(o)
        if ticked:
            cells[(q.question_no, it.item_no)] = ticked
    return cells


def _cover_yes_counts(rng, questions, chosen, maturity, answers) -> None:
    """Make the yes-count question (Q14) take every value 0..n_items at least once."""
    q = next((q for q in questions if q.question_no == YES_COUNT_QUESTION), None)
    if q is None:
        return
    n = len(q.items)

    def yes_count(m: str) -> int:
        return sum(
            1 for it in q.items for o in answers[m].get((q.question_no, it.item_no), []) if o.is_yes
        )

    counts = {m: yes_count(m) for m in chosen}
    fixed: set[str] = set()
    for k in range(n + 1):
        if k in counts.values():
            continue
        # The municipality whose maturity best fits k yes-answers, taken from a
        # count value that others share (so no other value disappears).
        target = k / n if n else 0.0
        candidates = [
            m
            for m in chosen
            if m not in fixed and sum(1 for c in counts.values() if c == counts[m]) > 1
        ]
        if not candidates:
            break
        m = min(candidates, key=lambda c: (abs(maturity[c] - target), int(c)))
        yes_items = set(rng.sample([it.item_no for it in q.items], k))
        for it in q.items:
            pool = [o for o in it.options if o.is_yes == (it.item_no in yes_items) and not o.is_dont_know]
            answers[m][(q.question_no, it.item_no)] = [rng.choice(pool)]
        counts[m] = k
        fixed.add(m)


def _ensure_unticked(questions, chosen, maturity, answers) -> None:
    """At least one municipality ticks no box of a multi-select question."""
    for q in questions:
        if q.question_no not in MULTI_SELECT_QUESTIONS:
            continue
        keys = [(q.question_no, it.item_no) for it in q.items]
        if any(not any(k in answers[m] for k in keys) for m in chosen):
            continue
        least = min(chosen, key=lambda m: (maturity[m], int(m)))
        for k in keys:
            answers[least].pop(k, None)


# -------------------------------------------------------------------- output


def render_csv(rows: list[dict]) -> str:
    """The CSV text of `rows` (header first, LF line ends), each row marked `data_origin` =
    `synthetic`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SAMPLE_HEADER)
    for row in rows:
        writer.writerow([*(row[col] for col in HEADER), SYNTHETIC])
    return buf.getvalue()


def write_csv(path: str | Path, rows: list[dict]) -> None:
    """Write `rows` as UTF-8 (no BOM), LF, header first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_csv(rows).encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m styringsoverblik.sample",
        description="Write a SYNTHETIC (generated, not real) survey response file.",
    )
    parser.add_argument("--project-dir", type=Path, default=Path("."),
                        help="the dbt project whose seeds are read (default: the current directory)")
    parser.add_argument("--out", type=Path, default=None, help=f"output CSV path (default: <project>/{DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--municipalities", type=int, default=72)
    parser.add_argument("--year", type=int, default=2023)
    args = parser.parse_args(argv)
    rows = generate_rows(args.seed, args.municipalities, args.year, root=args.project_dir)
    out = args.out if args.out is not None else Project(args.project_dir).resolve(DEFAULT_OUT)
    write_csv(out, rows)
    n_mun = len({r["municipality_code"] for r in rows})
    print(f"wrote {len(rows)} rows for {n_mun} municipalities to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
