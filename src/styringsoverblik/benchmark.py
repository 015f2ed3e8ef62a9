"""Benchmark: the project's `dbt build` against a floor, measured in the same run. Asserts nothing.

For each size (municipalities x rounds) it writes a synthetic national multi-round response file
(all 98 municipalities of ``seeds/reference/municipalities.csv`` by default, one survey round per
year 2023, 2024, ...; every option drawn uniformly at random, each Q34 box checked with
probability 1/2; rows streamed to disk) and measures, each in a process of its own:

- the FLOOR: one plain DuckDB SQL query (``duckdb`` Python API, no dbt) that reads the same
  CSV, joins it to the rubric seeds on exact labels (items also through the alias seed's exact
  item spellings, as the note prints some paragraph rows differently) and aggregates to question
  scores (mean of item scores; Q14 0/50/100 by yes-count; Q34 grid = sum of the box scores / 16
  boxes; Q17's neutral answer = mean of the municipality's other questions) into a table, then
  theme and total score tables from it. No validation. Wall time (interpreter start and
  ``import duckdb`` included) and peak RSS of that process.
- the PROJECT: a full ``dbt build`` (all models, unit and data tests, the publish step) into a
  fresh DuckDB file, export folder and target folder. Wall time and peak RSS of the dbt process.

Once per run it also builds the shipped sample (``data/sample/responses_2023_synthetic.csv``) as
the fixed-cost baseline, and reports the marginal cost of each size: project - project on the
sample, and its ratio to the floor. Times and peaks are medians of ``--repeat`` runs; peak RSS is
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a small wrapper process that runs only that one
child. The last column compares the floor's total scores with the project's
(``marts_audit.fct_total_scores``) to show the floor does the same work.

With ``--write-cost`` it also reports, for each size, what persisting the built marts costs with
nothing computed: each table of ``marts_audit`` of the last project build copied into a new table
of a scratch DuckDB file and written to Parquet, one at a time, with the build's DuckDB settings
(``profiles.yml``). Every build writes each mart as a table and as Parquet, so this is a part of
the marginal cost that no rewrite of the models removes.

Prints Markdown tables on stdout (progress goes to stderr).

With ``--targets duckdb,postgres`` it measures something else: the scheduled build command,
``styringsoverblik build --target <t>`` (ingest, ``dbt build``, publish), on each target side by
side in one run, for the shipped sample and each size (default 98 x 100): wall time and peak RSS
of the build process, the ``dbt build`` stage's own wall time (dbt's ``run_results.json``) and the
rest (ingest + publish), and the ratio PostgreSQL / DuckDB (the goal: within 2x). Each build gets
a fresh DuckDB file or a fresh PostgreSQL database. For PostgreSQL the benchmark starts a
throwaway cluster of its own (``styringsoverblik.pgserver``, UTF-8 ctype, ``jit = off``) and stops
it at the end; with ``--postgres-env-from-environment`` it builds instead into the database the
libpq environment names (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), replacing what the
project keeps there. The peak RSS is the build process's; a PostgreSQL server's own memory is not
in it. ``build_command`` is the one place the build command is named.

The project is the dbt project in ``--project-dir`` (default: the current directory); nothing is
read from the installed package's location.

With ``--report`` it also times ``styringsoverblik report --pdf`` (the whole static site with
every summary and detail PDF) on the sample's last build, and prints the seconds per
municipality (the goal: under 1 s per municipality on two cores).

Usage:  python -m styringsoverblik.benchmark [--sizes 98x1 98x10 98x100] [--repeat 3] [--keep] [--write-cost] [--report]
        (``--sizes`` with no size: the sample alone, e.g. ``--sizes --report --repeat 1``)
        python -m styringsoverblik.benchmark --targets duckdb,postgres [--sizes 98x100] [--repeat 1]
            [--postgres-env-from-environment] [--project-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from styringsoverblik.sample import (
    HEADER,
    MULTI_SELECT_QUESTIONS,
    load_municipalities,
    load_rubric,
)

# the shipped sample, relative to the project folder
SAMPLE_FILE = Path("data") / "sample" / "responses_2023_synthetic.csv"
DBT = str(Path(sys.executable).with_name("dbt"))

FIRST_SURVEY_YEAR = 2023
DEFAULT_SIZES = ("98x1", "98x10", "98x100")
DEFAULT_TARGET_SIZES = ("98x100",)
TARGETS = ("duckdb", "postgres")
GOAL_RATIO = 2.0  # PostgreSQL within 2x of DuckDB
BOX_CHECKED_P = 0.5
MB = 1_000_000


# ------------------------------------------------------------------- inputs


def survey_years(rounds: int, first: int = FIRST_SURVEY_YEAR) -> list[int]:
    """The survey years of `rounds` consecutive rounds: first, first + 1, ..."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    return [first + i for i in range(rounds)]


def project_folder(project_dir: Path | None = None) -> Path:
    """The dbt project the benchmark builds: `project_dir`, else the current directory."""
    return Path(project_dir or Path.cwd()).resolve()


def dbt_vars(responses: Path, years: list[int], export_path: Path, project_root: Path | None = None) -> dict:
    """The dbt vars of one benchmark build: the one place they are put together. The years the
    survey_rounds seed does not declare are passed as ranges of the var ``extra_survey_rounds``
    (``{from_year, to_year, rubric_version}``), reusing the rubric version of the seed's latest
    round, so no list of years is ever typed."""
    return {
        "raw_responses_path": str(responses),
        "export_path": str(export_path),
        "extra_survey_rounds": _extra_survey_rounds(project_folder(project_root), years),
    }


def _extra_survey_rounds(project_root: Path, years: list[int]) -> list[dict]:
    """`years` not in the survey_rounds seed, as contiguous {from_year, to_year, rubric_version} ranges."""
    seed = project_root / "seeds" / "reference" / "survey_rounds.csv"
    seeded: dict[int, int] = {}
    if seed.exists():
        with seed.open(encoding="utf-8-sig", newline="") as fh:
            seeded = {int(r["survey_year"]): int(r["rubric_version"]) for r in csv.DictReader(fh)}
    version = seeded[max(seeded)] if seeded else 1
    ranges: list[dict] = []
    for year in sorted(set(years) - set(seeded)):
        if ranges and ranges[-1]["to_year"] == year - 1:
            ranges[-1]["to_year"] = year
        else:
            ranges.append({"from_year": year, "to_year": year, "rubric_version": version})
    return ranges


def parse_size(size: str, project_dir: Path | None = None) -> tuple[int, int]:
    """'98x10' -> (98 municipalities, 10 rounds)."""
    try:
        municipalities, rounds = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {size!r} is not MUNICIPALITIESxROUNDS, e.g. 98x10") from None
    available = len(load_municipalities(project_folder(project_dir)))
    if not 1 <= municipalities <= available or rounds < 1:
        raise argparse.ArgumentTypeError(f"size {size!r}: municipalities must be 1..{available}, rounds at least 1")
    return municipalities, rounds


def _csv_line(*fields: object) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def answer_slots(project_dir: Path | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """The cells of one response in rubric order, as pre-rendered CSV line tails.

    ("choose", tails): an ordinary item, one of its options' tails is written;
    ("box", (tail,)): one box of a multi-select grid (Q34), written when checked.
    A tail is ``question_no,item,answer\\n`` with the item's printed label and the option's label.
    """
    slots: list[tuple[str, tuple[str, ...]]] = []
    for question in load_rubric(project_folder(project_dir)):
        for item in question.items:
            tails = tuple(_csv_line(question.question_no, item.printed_label, o.label) for o in item.options)
            if question.question_no in MULTI_SELECT_QUESTIONS:
                slots.extend(("box", (tail,)) for tail in tails)
            else:
                slots.append(("choose", tails))
    return slots


def write_responses(
    path: Path, municipalities: int, rounds: int, seed: int = 2023, project_dir: Path | None = None
) -> tuple[int, list[int]]:
    """Stream a synthetic multi-round file to `path`; returns (raw rows, survey years).

    The first `municipalities` codes of the reference seed (all 98 by default, the codes the
    sample generator reserves for test fixtures included) answer every round: every ordinary
    item with an option drawn uniformly at random (neutral and "Ved ikke" options included),
    every Q34 box checked with probability 1/2. Memory does not grow with the file: each
    municipality-round is written as soon as it is drawn.
    """
    codes = load_municipalities(project_folder(project_dir))[:municipalities]
    years = survey_years(rounds)
    slots = answer_slots(project_dir)
    rng = random.Random(seed)
    choice, draw = rng.choice, rng.random
    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write(",".join(HEADER) + "\n")
        for year in years:
            for code in codes:
                prefix = f"{code},{year},"
                lines = [
                    prefix + (choice(tails) if kind == "choose" else tails[0])
                    for kind, tails in slots
                    if kind == "choose" or draw() < BOX_CHECKED_P
                ]
                out.write("".join(lines))
                rows += len(lines)
    return rows, years


def count_rows(path: Path) -> int:
    """Data rows of a CSV file without quoted line breaks (the header not counted)."""
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1


def sample_shape(path: Path) -> tuple[int, list[int]]:
    """(municipalities, sorted survey years) of a response file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return len({r["municipality_code"] for r in rows}), sorted({int(r["survey_year"]) for r in rows})


# -------------------------------------------------------------------- floor


def _sql_literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def rubric_folder(project_dir: Path | None = None) -> Path:
    return project_folder(project_dir) / "seeds" / "rubric"


def floor_sql(responses: Path, rubric_dir: Path | None = None) -> list[str]:
    """The floor: read, join on exact labels, aggregate to question scores; then themes, totals."""
    rubric_dir = rubric_dir or rubric_folder()
    seed = {name: _sql_literal(rubric_dir / f"{name}.csv") for name in ("rubric_questions", "rubric_items", "rubric_options", "rubric_label_aliases")}
    question_scores = f"""
create or replace table question_scores as
with
raw as (
    -- by name: the shipped sample has an extra column (data_origin)
    select
        cast(municipality_code as integer) as municipality_code,
        cast(survey_year as integer) as survey_year,
        cast(question_no as integer) as question_no,
        item,
        answer
    from read_csv({_sql_literal(responses)}, header = true, delim = ',', quote = '"', all_varchar = true)
),
questions as (
    select question_no, theme_no, scoring_rule
    from read_csv({seed['rubric_questions']}, header = true,
        types = {{'question_no': 'INTEGER', 'theme_no': 'INTEGER', 'scoring_rule': 'VARCHAR'}})
),
items as (
    select question_no, item_code, coalesce(item_label, '') as item_label
    from read_csv({seed['rubric_items']}, header = true,
        types = {{'question_no': 'INTEGER', 'item_code': 'VARCHAR', 'item_label': 'VARCHAR'}})
),
item_aliases as (
    select question_no, alias_label, canonical_label
    from read_csv({seed['rubric_label_aliases']}, header = true,
        types = {{'question_no': 'INTEGER', 'label_kind': 'VARCHAR', 'alias_label': 'VARCHAR', 'canonical_label': 'VARCHAR'}})
    where label_kind = 'item'
),
item_labels as (
    -- the canonical labels, and the printed misprints the alias seed lists (exact strings)
    select question_no, item_code, item_label from items
    union all
    select items.question_no, items.item_code, item_aliases.alias_label
    from item_aliases
    inner join items
        on item_aliases.question_no = items.question_no and item_aliases.canonical_label = items.item_label
),
options as (
    select
        question_no, item_code, option_label,
        score_numerator / score_denominator as score,
        coalesce(counts_as_yes, false) as counts_as_yes,
        coalesce(is_neutral_mean, false) as is_neutral_mean
    from read_csv({seed['rubric_options']}, header = true, types = {{
        'question_no': 'INTEGER', 'item_code': 'VARCHAR', 'option_label': 'VARCHAR',
        'score_numerator': 'DOUBLE', 'score_denominator': 'DOUBLE',
        'counts_as_yes': 'BOOLEAN', 'is_neutral_mean': 'BOOLEAN'}})
),
grid_boxes as (
    select options.question_no, count(*) as boxes
    from options inner join questions on options.question_no = questions.question_no
    where questions.scoring_rule = 'checkbox_grid'
    group by options.question_no
),
item_scores as (
    select raw.survey_year, raw.municipality_code, raw.question_no,
        options.score, options.counts_as_yes, options.is_neutral_mean
    from raw
    inner join item_labels
        on raw.question_no = item_labels.question_no and coalesce(raw.item, '') = item_labels.item_label
    inner join options
        on item_labels.question_no = options.question_no
        and item_labels.item_code = options.item_code
        and raw.answer = options.option_label
),
aggregated as (
    select survey_year, municipality_code, question_no,
        count(*) as cells,
        avg(score) as mean_score,
        sum(score) as sum_score,
        count(*) filter (where counts_as_yes) as yes_answers,
        bool_or(is_neutral_mean) as is_neutral
    from item_scores
    group by survey_year, municipality_code, question_no
),
respondents as (
    select distinct survey_year, municipality_code from aggregated
),
direct as (
    select respondents.survey_year, respondents.municipality_code,
        questions.question_no, questions.theme_no,
        coalesce(aggregated.is_neutral, false) as is_imputed,
        case
            when aggregated.is_neutral then null
            -- every respondent has a grid score: unchecked boxes (no row) score 0
            when questions.scoring_rule = 'checkbox_grid' then coalesce(aggregated.sum_score, 0) / grid_boxes.boxes
            when aggregated.cells is null then null
            when questions.scoring_rule = 'yes_count' then
                case when aggregated.yes_answers >= 2 then 100.0 when aggregated.yes_answers >= 1 then 50.0 else 0.0 end
            else aggregated.mean_score
        end as direct_score
    from respondents
    cross join questions
    left join aggregated
        on respondents.survey_year = aggregated.survey_year
        and respondents.municipality_code = aggregated.municipality_code
        and questions.question_no = aggregated.question_no
    left join grid_boxes on questions.question_no = grid_boxes.question_no
)
select survey_year, municipality_code, question_no, theme_no, is_imputed,
    case
        when is_imputed then avg(direct_score) over (partition by survey_year, municipality_code)
        else direct_score
    end as score
from direct
"""
    theme_scores = """
create or replace table theme_scores as
select survey_year, municipality_code, theme_no, avg(score) as score, count(score) as questions_scored
from question_scores
group by survey_year, municipality_code, theme_no
"""
    total_scores = """
create or replace table total_scores as
select survey_year, municipality_code, avg(score) as score, count(score) as questions_scored
from question_scores
group by survey_year, municipality_code
"""
    return [question_scores, theme_scores, total_scores]


def run_floor(responses: Path, database: str | Path, rubric_dir: Path | None = None):
    """Run the floor into `database` (a path or ':memory:'); returns the open connection."""
    import duckdb

    con = duckdb.connect(str(database))
    for statement in floor_sql(Path(responses), rubric_dir):
        con.execute(statement)
    return con


def _floor_main() -> None:
    """Entry point of the floor's own process: argv = responses, database, rubric folder."""
    run_floor(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])).close()


# ---------------------------------------------------------------- measuring

# Runs one child and reports its wall time and peak RSS (KiB on Linux): RUSAGE_CHILDREN of a
# process that has waited for nothing but that child.
_WRAPPER = """
import json, resource, subprocess, sys, time
result_path, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
returncode = subprocess.run(argv).returncode
seconds = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(result_path, "w") as fh:
    json.dump({"returncode": returncode, "seconds": seconds, "peak_kib": peak_kib}, fh)
"""


@dataclass
class Measured:
    seconds: float
    peak_mb: float


def measure(argv: list[str], log: Path, env: dict | None = None, cwd: Path | None = None) -> Measured:
    """Run argv under the wrapper; its output goes to `log`. Raises RuntimeError on failure."""
    result_path = log.with_suffix(".json")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        wrapper = subprocess.run(
            [sys.executable, "-c", _WRAPPER, str(result_path), *argv],
            cwd=project_folder(cwd), env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    if wrapper.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"measuring wrapper failed; see {log}")
    result = json.loads(result_path.read_text())
    if result["returncode"] != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise RuntimeError(f"{Path(argv[0]).name} exited with {result['returncode']} (log {log}):\n{tail}")
    return Measured(result["seconds"], result["peak_kib"] * 1024 / MB)


def _fresh(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def measure_floor(responses: Path, run_dir: Path, project_dir: Path | None = None) -> Measured:
    database = run_dir / "floor.duckdb"
    _fresh(run_dir, database)
    run_dir.mkdir(parents=True)
    code = "from styringsoverblik.benchmark import _floor_main; _floor_main()"
    argv = [sys.executable, "-c", code, str(responses), str(database), str(rubric_folder(project_dir))]
    return measure(argv, run_dir / "floor.log", cwd=project_dir)


def measure_project(responses: Path, years: list[int], run_dir: Path, project_dir: Path | None = None) -> Measured:
    """A full `dbt build` into a fresh DuckDB file, export folder and target folder."""
    project = project_folder(project_dir)
    _fresh(run_dir)
    run_dir.mkdir(parents=True)
    variables = dbt_vars(responses, years, run_dir / "exports", project)
    env = {**os.environ, "DBT_DUCKDB_PATH": str(run_dir / "project.duckdb"), "DBT_PROFILES_DIR": str(project)}
    argv = [
        DBT, "build", "--project-dir", str(project),
        "--target-path", str(run_dir / "target"), "--log-path", str(run_dir / "logs"),
        "--vars", json.dumps(variables),
    ]
    return measure(argv, run_dir / "dbt.log", env=env, cwd=project)


def compare_totals(floor_db: Path, project_db: Path) -> str:
    """'yes' when every total score of the floor equals the project's (and vice versa)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach {_sql_literal(floor_db)} as floor_db (read_only)")
        con.execute(f"attach {_sql_literal(project_db)} as project_db (read_only)")
        unmatched, worst = con.execute(
            """
            select
                count(*) filter (where f.score is distinct from p.score and (f.score is null or p.score is null)),
                coalesce(max(abs(f.score - p.score)), 0)
            from floor_db.total_scores as f
            full outer join project_db.marts_audit.fct_total_scores as p
                on f.survey_year = p.survey_year and f.municipality_code = p.municipality_code
            """
        ).fetchone()
    except Exception as error:  # a renamed mart must not lose the timings
        return f"n/a ({type(error).__name__})"
    finally:
        con.close()
    if unmatched:
        return f"no ({unmatched} unmatched)"
    return "yes" if worst < 1e-6 else f"no (max diff {worst:.3g})"


def profile_settings(root: Path | None = None) -> dict:
    """The DuckDB settings of the project's dev target in profiles.yml."""
    import yaml

    profile = yaml.safe_load((project_folder(root) / "profiles.yml").read_text(encoding="utf-8"))
    return dict(profile["styringsoverblik"]["outputs"]["dev"].get("settings") or {})


def _setting_literal(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else _sql_literal(value)


@dataclass
class WriteCost:
    mart: str
    rows: int
    table_seconds: float
    parquet_seconds: float


def measure_writes(warehouse: Path, scratch: Path, project_dir: Path | None = None) -> list[WriteCost]:
    """What persisting the built marts costs, nothing computed: each table of `marts_audit` in
    `warehouse` (attached read-only) copied into a new table of a scratch DuckDB file, then
    written to Parquet, one at a time, with the build's DuckDB settings. `scratch` is removed."""
    import duckdb

    # imported here, not at the top: the floor's measured process imports this module
    from styringsoverblik.publish import AUDIT_SCHEMA, tables_in

    _fresh(scratch)
    scratch.mkdir(parents=True)
    con = duckdb.connect(str(scratch / "writes.duckdb"))
    try:
        for name, value in profile_settings(project_dir).items():
            con.execute(f"set {name} = {_setting_literal(value)}")
        con.execute(f"attach {_sql_literal(warehouse)} as built (read_only)")
        costs = []
        for mart in tables_in(con, AUDIT_SCHEMA):  # the scratch file has no such schema
            source = f"built.{AUDIT_SCHEMA}.{mart}"
            started = time.perf_counter()
            rows = con.execute(f"create table main.{mart} as select * from {source}").fetchall()[0][0]
            table_seconds = time.perf_counter() - started
            started = time.perf_counter()
            con.execute(f"copy {source} to {_sql_literal(scratch / f'{mart}.parquet')} (format parquet)")
            costs.append(WriteCost(mart, rows, table_seconds, time.perf_counter() - started))
        return costs
    finally:
        con.close()
        _fresh(scratch)


def render_writes(label: str, costs: list[WriteCost]) -> str:
    lines = [
        f"Persisting the marts of the {label} build (each copied into a new table, then written to Parquet; "
        "nothing computed):",
        "",
        "| mart | rows | table s | Parquet s |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c.mart} | {c.rows:,} | {c.table_seconds:.2f} | {c.parquet_seconds:.2f} |" for c in costs]
    table = sum(c.table_seconds for c in costs)
    parquet = sum(c.parquet_seconds for c in costs)
    lines.append(f"| all {len(costs)} marts | {sum(c.rows for c in costs):,} | {table:.2f} | {parquet:.2f} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ running


@dataclass
class Row:
    label: str
    raw_rows: int
    csv_mb: float
    floor: Measured
    project: Measured
    totals_agree: str


@dataclass
class ReportTime:
    municipalities: int
    pdfs: int
    measured: Measured


def measure_report(warehouse: Path, run_dir: Path, project_dir: Path | None = None) -> ReportTime:
    """`styringsoverblik report --pdf`: the full site with every PDF (summary and detail per
    municipality), from a published warehouse, in a process of its own."""
    _fresh(run_dir)
    run_dir.mkdir(parents=True)
    out = run_dir / "site"
    argv = [sys.executable, "-m", "styringsoverblik.cli", "report", "--out", str(out), "--database", str(warehouse), "--pdf"]
    measured = measure(argv, run_dir / "report.log", cwd=project_dir)
    pdfs = [path for path in out.glob("*/*.pdf")]
    municipalities = sum(1 for path in pdfs if path.stem.isdigit())
    return ReportTime(municipalities, len(pdfs), measured)


def render_report(label: str, times: list[ReportTime]) -> str:
    median = _median([time.measured for time in times])
    first = times[0]
    per = median.seconds / first.municipalities if first.municipalities else float("nan")
    return "\n".join(
        [
            f"Report with PDFs ({label}, {os.cpu_count()} cores, median of {len(times)}):",
            "",
            "| municipalities | PDFs | s | s per municipality | peak MB |",
            "|---:|---:|---:|---:|---:|",
            f"| {first.municipalities} | {first.pdfs} | {median.seconds:.1f} | {per:.2f} | {median.peak_mb:.0f} |",
        ]
    )


def _median(values: list[Measured]) -> Measured:
    return Measured(statistics.median(v.seconds for v in values), statistics.median(v.peak_mb for v in values))


def bench(
    label: str, responses: Path, years: list[int], raw_rows: int, work: Path, repeat: int, project_dir: Path | None = None
) -> Row:
    floors, projects = [], []
    for attempt in range(1, repeat + 1):
        _progress(f"{label}: floor {attempt}/{repeat}")
        floors.append(measure_floor(responses, work / "floor", project_dir))
        _progress(f"{label}: dbt build {attempt}/{repeat}")
        projects.append(measure_project(responses, years, work / "project", project_dir))
    agree = compare_totals(work / "floor" / "floor.duckdb", work / "project" / "project.duckdb")
    return Row(label, raw_rows, responses.stat().st_size / MB, _median(floors), _median(projects), agree)


def render_table(baseline: Row, rows: list[Row], repeat: int) -> str:
    head = (
        "| size (municipalities × rounds) | raw rows | CSV MB | floor s | floor peak MB | project s | project peak MB "
        "| marginal s (project − sample) | marginal ÷ floor | marginal peak MB | totals = floor |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def line(row: Row, marginal: str, ratio: str, marginal_peak: str) -> str:
        return (
            f"| {row.label} | {row.raw_rows:,} | {row.csv_mb:,.1f} | {row.floor.seconds:.2f} | {row.floor.peak_mb:,.0f} "
            f"| {row.project.seconds:.2f} | {row.project.peak_mb:,.0f} | {marginal} | {ratio} | {marginal_peak} | {row.totals_agree} |"
        )

    lines.append(line(baseline, "—", "—", "—"))
    for row in rows:
        marginal = row.project.seconds - baseline.project.seconds
        ratio = f"{marginal / row.floor.seconds:.1f}" if row.floor.seconds > 0 else "—"
        lines.append(line(row, f"{marginal:.2f}", ratio, f"{row.project.peak_mb - baseline.project.peak_mb:,.0f}"))
    lines.append("")
    lines.append(
        f"Median of {repeat} run(s) each; MB = 10^6 bytes; peak = max RSS of the measured process. "
        "floor = one DuckDB SQL query in a fresh Python process (exact-label join, question/theme/total tables, "
        "no validation); "
        "project = full `dbt build` (models, unit + data tests, publish) into a fresh DuckDB file; "
        "marginal = project − project on the shipped sample."
    )
    return "\n".join(lines)


# ------------------------------------------------------- the targets side by side


def build_command(target: str, variables: dict, project_dir: Path) -> list[str]:
    """The one place the benchmark names the scheduled build command:
    `styringsoverblik build --target <target> --vars <vars> --project-dir <dir>` (exit 0 when
    published): ingest, dbt build and publish on either target."""
    if target not in TARGETS:
        raise ValueError(f"target {target!r} is not one of {', '.join(TARGETS)}")
    return [
        sys.executable, "-m", "styringsoverblik.cli", "build", "--target", target,
        "--vars", json.dumps(variables), "--project-dir", str(project_dir),
    ]


class PostgresDatabases:
    """Where the PostgreSQL builds go: a fresh database per build on a throwaway cluster of the
    benchmark's own (started on first use, stopped by close()), or the database the libpq
    environment names (`from_environment`)."""

    def __init__(self, from_environment: bool = False):
        self.folder: Path | None = None
        self.from_environment = from_environment
        self.cluster = None
        self.created = 0

    def env(self) -> dict[str, str]:
        if self.from_environment:
            missing = [name for name in ("PGHOST", "PGDATABASE") if not os.environ.get(name)]
            if missing:
                raise RuntimeError(f"--postgres-env-from-environment: {', '.join(missing)} not set")
            return {}
        import psycopg
        from psycopg import sql

        from styringsoverblik import pgserver

        if self.cluster is None:
            # a folder of its own under /tmp: the server may run as another user (postgres), who
            # cannot enter the benchmark's private work folder
            self.folder = Path(tempfile.mkdtemp(prefix="styringsoverblik-benchmark-pg-", dir="/tmp"))
            _progress(f"starting a throwaway PostgreSQL cluster in {self.folder}")
            try:
                self.cluster = pgserver.start(self.folder)
            except pgserver.ServerError as error:
                raise RuntimeError(str(error)) from error
        self.created += 1
        database = f"benchmark_{self.created}"
        base = self.cluster.env()
        with psycopg.connect(
            host=base["PGHOST"], port=base["PGPORT"], user=base["PGUSER"], dbname=base["PGDATABASE"], autocommit=True
        ) as con:
            con.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
        return self.cluster.env(database)

    def close(self) -> None:
        if self.folder is not None:
            from styringsoverblik import pgserver

            pgserver.stop(self.folder)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.cluster = self.folder = None


@dataclass
class TargetBuild:
    measured: Measured
    dbt_seconds: float | None  # the dbt build stage (run_results.json), when it says


def dbt_elapsed(target_path: Path) -> float | None:
    """The `dbt build` stage's wall time from dbt's run_results.json, if it wrote one."""
    try:
        return float(json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))["elapsed_time"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def measure_target_build(
    target: str, responses: Path, years: list[int], run_dir: Path, project_dir: Path, postgres: PostgresDatabases
) -> TargetBuild:
    """One build of `responses` on `target` into a fresh warehouse (DuckDB file or PostgreSQL
    database), export folder, dbt target folder and log folder under run_dir."""
    _fresh(run_dir)
    run_dir.mkdir(parents=True)
    variables = dbt_vars(responses, years, run_dir / "exports", project_dir)
    env = {
        **os.environ,
        # the project's own profiles.yml, whose targets read DBT_DUCKDB_PATH and PG* set here: never a
        # profile of the caller's pointing at a real warehouse
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_TARGET_PATH": str(run_dir / "target"),
        "DBT_LOG_PATH": str(run_dir / "logs"),
    }
    if target == "duckdb":
        env["DBT_DUCKDB_PATH"] = str(run_dir / "warehouse.duckdb")
    else:
        env.update(postgres.env())
    measured = measure(build_command(target, variables, project_dir), run_dir / "build.log", env=env, cwd=project_dir)
    return TargetBuild(measured, dbt_elapsed(run_dir / "target"))


@dataclass
class TargetRow:
    label: str
    raw_rows: int
    builds: dict[str, TargetBuild]  # target -> median build


def bench_targets(
    label: str, responses: Path, years: list[int], raw_rows: int, work: Path, repeat: int,
    targets: list[str], project_dir: Path, postgres: PostgresDatabases,
) -> TargetRow:
    builds: dict[str, TargetBuild] = {}
    for target in targets:
        runs = []
        for attempt in range(1, repeat + 1):
            _progress(f"{label}: build --target {target} {attempt}/{repeat}")
            runs.append(measure_target_build(target, responses, years, work / target, project_dir, postgres))
        dbt_times = [run.dbt_seconds for run in runs if run.dbt_seconds is not None]
        builds[target] = TargetBuild(
            _median([run.measured for run in runs]), statistics.median(dbt_times) if len(dbt_times) == len(runs) else None
        )
    return TargetRow(label, raw_rows, builds)


def render_targets(rows: list[TargetRow], targets: list[str], repeat: int, command: str) -> str:
    """The side-by-side table: one line per build and target, then the ratios."""
    lines = [
        "| build | target | raw rows | total s | dbt build s | rest s | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for target in targets:
            build = row.builds[target]
            dbt = f"{build.dbt_seconds:.1f}" if build.dbt_seconds is not None else "—"
            rest = f"{build.measured.seconds - build.dbt_seconds:.1f}" if build.dbt_seconds is not None else "—"
            lines.append(
                f"| {row.label} | {target} | {row.raw_rows:,} | {build.measured.seconds:.1f} | {dbt} | {rest}"
                f" | {build.measured.peak_mb:,.0f} |"
            )
    if set(TARGETS) <= set(targets):
        lines += [
            "",
            f"| build | PostgreSQL ÷ DuckDB, total | dbt build | peak MB | within {GOAL_RATIO:g}× |",
            "|---|---:|---:|---:|---|",
        ]
        for row in rows:
            duck, pg = row.builds["duckdb"], row.builds["postgres"]
            total = _ratio(pg.measured.seconds, duck.measured.seconds)
            dbt = _ratio(pg.dbt_seconds, duck.dbt_seconds)
            peak = _ratio(pg.measured.peak_mb, duck.measured.peak_mb)
            within = "—" if total is None else ("yes" if total <= GOAL_RATIO else "no")
            lines.append(f"| {row.label} | {_times(total)} | {_times(dbt)} | {_times(peak)} | {within} |")
    lines += [
        "",
        f"Median of {repeat} run(s) each, {os.cpu_count()} cores; MB = 10^6 bytes. Each build: {command} into a fresh"
        " warehouse (DuckDB file or PostgreSQL database); total = wall time of the build process; dbt build = the stage's"
        " own wall time from dbt's run_results.json (with its hooks); rest = total - dbt build: start-up, dbt's parse and,"
        " with `styringsoverblik build`, the ingest and publish stages; peak = max RSS of the build process (a PostgreSQL"
        " server's own memory is not in it).",
    ]
    return "\n".join(lines)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _times(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def parse_targets(text: str) -> list[str]:
    """'duckdb,postgres' -> ['duckdb', 'postgres'] (each once, in the order given)."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in TARGETS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"targets {text!r}: a comma-separated list of {', '.join(TARGETS)}")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"targets {text!r}: each target once")
    return names


def run_targets(args: argparse.Namespace, project: Path, sizes: list[tuple[int, int]], work: Path) -> str:
    postgres = PostgresDatabases(from_environment=args.postgres_env_from_environment)
    try:
        sample = project / SAMPLE_FILE
        municipalities, years = sample_shape(sample)
        rows = [bench_targets(
            f"shipped sample {municipalities} × {len(years)}", sample, survey_years(len(years), first=min(years)),
            count_rows(sample), work / "sample", args.repeat, args.targets, project, postgres,
        )]
        for municipalities, rounds in sizes:
            label = f"{municipalities} × {rounds}"
            responses = work / f"{municipalities}x{rounds}" / "responses.csv"
            _progress(f"{label}: writing {responses}")
            raw_rows, years = write_responses(responses, municipalities, rounds, seed=args.seed, project_dir=project)
            rows.append(bench_targets(label, responses, years, raw_rows, responses.parent, args.repeat, args.targets, project, postgres))
            if not args.keep:
                _fresh(responses)
    finally:
        postgres.close()
    return render_targets(rows, args.targets, args.repeat, "`styringsoverblik build --target <t>`")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m styringsoverblik.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", nargs="*", default=None, metavar="MxR",
        help=f"municipalities x rounds (default: {' '.join(DEFAULT_SIZES)}, with --targets {' '.join(DEFAULT_TARGET_SIZES)};"
        " none: the sample alone)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="runs per measurement; the median is reported (default 3, with --targets 1)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (inputs, databases, logs)")
    parser.add_argument("--seed", type=int, default=2023, help="seed of the synthetic answers")
    parser.add_argument("--project-dir", type=Path, default=None, help="the dbt project to benchmark (default: the current directory)")
    parser.add_argument(
        "--write-cost", action="store_true",
        help="also time writing each built mart as a table and as Parquet, nothing computed",
    )
    parser.add_argument(
        "--report", action="store_true",
        help="also time `styringsoverblik report --pdf` (the full site with PDFs) on the sample's build",
    )
    parser.add_argument(
        "--targets", type=parse_targets, default=None, metavar="duckdb,postgres",
        help="instead of the floor comparison: `styringsoverblik build` on each target side by side",
    )
    parser.add_argument(
        "--postgres-env-from-environment", action="store_true",
        help="with --targets postgres: build into the database the PG* environment names, not a throwaway cluster",
    )
    args = parser.parse_args(argv)
    args.project_dir = project_folder(args.project_dir)
    if not (args.project_dir / "dbt_project.yml").is_file():
        parser.error(f"{args.project_dir} is not a dbt project (no dbt_project.yml): run from the project or pass --project-dir")
    if args.repeat is None:
        args.repeat = 1 if args.targets else 3
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.targets and (args.write_cost or args.report):
        parser.error("--write-cost and --report measure the DuckDB build against the floor: not with --targets")
    if args.postgres_env_from_environment and "postgres" not in (args.targets or []):
        parser.error("--postgres-env-from-environment: only with --targets ...postgres")
    defaults = DEFAULT_TARGET_SIZES if args.targets else DEFAULT_SIZES
    try:
        args.sizes = [parse_size(size, args.project_dir) for size in (defaults if args.sizes is None else args.sizes)]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    project = args.project_dir
    sizes = args.sizes

    work = Path(tempfile.mkdtemp(prefix="styringsoverblik-benchmark-"))
    try:
        if args.targets:
            print(run_targets(args, project, sizes, work), flush=True)
            if args.keep:
                _progress(f"work folder kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
            return 0
        sample_file = project / SAMPLE_FILE
        sample_municipalities, sample_years = sample_shape(sample_file)
        baseline = bench(
            f"shipped sample {sample_municipalities} × {len(sample_years)} (baseline)", sample_file,
            survey_years(len(sample_years), first=min(sample_years)), count_rows(sample_file), work / "sample", args.repeat,
            project,
        )
        rows = []
        writes = []
        report = None
        if args.report:
            times = []
            for attempt in range(1, args.repeat + 1):
                _progress(f"report --pdf on the sample's build {attempt}/{args.repeat}")
                times.append(measure_report(work / "sample" / "project" / "project.duckdb", work / "report", project))
            report = render_report(f"shipped sample {sample_municipalities} × {len(sample_years)}", times)
        for municipalities, rounds in sizes:
            label = f"{municipalities} × {rounds}"
            responses = work / f"{municipalities}x{rounds}" / "responses.csv"
            _progress(f"{label}: writing {responses}")
            raw_rows, years = write_responses(responses, municipalities, rounds, seed=args.seed, project_dir=project)
            rows.append(bench(label, responses, years, raw_rows, responses.parent, args.repeat, project))
            if args.write_cost:
                _progress(f"{label}: writing the built marts again")
                costs = measure_writes(responses.parent / "project" / "project.duckdb", responses.parent / "writes", project)
                writes.append(render_writes(label, costs))
            if not args.keep:
                _fresh(responses)
    except RuntimeError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        print(f"(work folder kept for the logs: {work})", file=sys.stderr)
        return 1
    else:
        print(render_table(baseline, rows, args.repeat), flush=True)
        for table in writes:
            print(f"\n{table}", flush=True)
        if report:
            print(f"\n{report}", flush=True)
        if args.keep:
            _progress(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
