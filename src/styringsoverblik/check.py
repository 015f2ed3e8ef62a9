"""``styringsoverblik check FILE... --out problemer.xlsx``: check response files before a build.

The verdict is the build's own: the files are loaded with the project's loader
(:func:`styringsoverblik.loader.load_responses` and :func:`styringsoverblik.q12.write_codings`,
as the build's on-run-start hook does) into a scratch DuckDB file in a temporary folder, dbt
builds the classification on it (the seeds, staging and intermediate models up to
``int_responses_classified``; no mart, so no gate and nothing published), and the rejected rows
of ``intermediate.int_responses_classified`` are the problems. No rule is repeated here: this
module only turns each rejected row into a line a caseworker can act on (where it is, what is
wrong in Danish, the reason's ``message_template_da``, and a suggestion) and writes the list as
Excel or CSV. The real warehouse is never opened.

Exit code: 0 no blocking problem (harmless repeats may be listed), 1 at least one blocking
problem, 2 unusable input (a file that cannot be read at all; it gets a row of its own, the
other files are still checked) or the check itself could not run.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from styringsoverblik.display import year_ranges

# the columns of the problem list, in order (Danish: a caseworker reads them)
COLUMNS = (
    ("file", "Fil", 24),
    ("sheet", "Ark", 10),
    ("cell", "Celle", 7),
    ("line", "Linje", 6),
    ("column", "Kolonne", 20),
    ("municipality", "Kommune", 16),
    ("question", "Spørgsmål", 10),
    ("item", "Delspørgsmål", 14),
    ("value", "Værdi (som skrevet)", 20),
    ("kind", "Problemtype", 18),
    ("message", "Problem", 50),
    ("suggestion", "Forslag", 44),
    ("blocking", "Blokerer", 9),
    ("rows", "Antal svar", 7),
    ("row_id", "Række-id i opbygningen", 24),
)
CREATOR = "styringsoverblik check"
UNREADABLE_KIND = "Filen kan ikke læses"
# rejects that concern a whole row of a wide file (every answered cell of it is rejected): one
# problem per row, placed at the row's municipality_code or survey_year cell
ROW_LEVEL_REASONS = {"unknown_municipality": "municipality_code", "survey_year_not_configured": "survey_year"}
# which raw field a reason is about (the value shown, and a long file's column)
REASON_FIELDS = {
    "unknown_municipality": ("raw_municipality_code", "municipality_code"),
    "survey_year_not_configured": ("raw_survey_year", "survey_year"),
    "unknown_question": ("raw_question_no", "question_no"),
    "item_missing": ("raw_item", "item"),
    "item_not_expected": ("raw_item", "item"),
    "unknown_item": ("raw_item", "item"),
}
CLASSIFICATION_MODEL = "int_responses_classified"


class CheckError(Exception):
    """The check cannot run (no dbt project, dbt failed); the message is Danish."""


# --------------------------------------------------------------------------- data


@dataclass
class Problem:
    file: str
    sheet: str = ""
    cell: str = ""
    line: int | None = None
    column: str = ""
    municipality: str = ""
    question: str = ""
    item: str = ""
    value: str = ""
    kind: str = ""
    message: str = ""
    suggestion: str = ""
    blocking: bool = True
    rows: int = 1
    row_id: str = ""
    reason: str = ""  # the reason code (not shown: the kind is its Danish name)
    order: tuple = field(default=(), repr=False)

    def values(self) -> list[object]:
        shown = {**self.__dict__, "blocking": "Ja" if self.blocking else "Nej"}
        return [shown[name] if shown[name] is not None else "" for name, _, _ in COLUMNS]


@dataclass
class CheckResult:
    files: list[str]
    rows: list[dict]  # every classified raw row (valid and rejected), as the build judges it
    problems: list[Problem]
    unreadable: int = 0

    @property
    def blocking(self) -> int:
        return sum(1 for p in self.problems if p.blocking)

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.blocking else 0


# --------------------------------------------------------------------------- suggestions


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def closest(value: str, labels: Sequence[str]) -> list[str]:
    """The labels nearest to value by edit distance on the normalised label (the matching form
    of the build: trimmed, whitespace collapsed, case-folded, quotes and dashes made ASCII),
    if near enough to be a slip: at most a quarter of the label's length (at least 2). Ties all
    returned, in the given order."""
    from styringsoverblik.rubric import normalize_label

    text = normalize_label(value)
    if not text:
        return []
    scored = []
    for label in labels:
        target = normalize_label(label)
        distance = edit_distance(text, target)
        if distance <= max(2, len(target) // 4):
            scored.append((distance, label))
    if not scored:
        return []
    best = min(d for d, _ in scored)
    return [label for d, label in scored if d == best]


def quoted(labels: Iterable[str], conjunction: str = "eller") -> str:
    items = [f"»{label}«" for label in labels]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def numbered(labels: Sequence[str]) -> str:
    return ", ".join(f"{number} = »{label}«" for number, label in enumerate(labels, start=1))


def danish_list(values: Sequence[str]) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " og " + values[-1]


@dataclass
class Reference:
    """What the suggestions name, read from the scratch build (seeds and rubric cells)."""

    options: dict[tuple[int, int, str], list[tuple[str, str]]]  # (version, q, item) -> [(label, rule)]
    items: dict[tuple[int, int], list[str]]  # (version, q) -> sub-question labels
    questions: dict[int, tuple[int, int]]  # version -> (first, last) question number
    municipalities: dict[int, str]
    years: list[int]
    kinds: dict[str, str]  # reason code -> Danish short name

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Reference:
        options: dict = {}
        items: dict = {}
        questions: dict = {}
        for version, q, item_code, item_label, is_sub, option_label, rule in con.execute(
            """
            select rubric_version, question_no, item_code, item_label, is_sub_question, option_label, scoring_rule
            from intermediate.int_rubric_cells
            order by rubric_version, question_no, item_no, option_no
            """
        ).fetchall():
            options.setdefault((version, q, item_code), []).append((option_label, rule))
            labels = items.setdefault((version, q), [])
            if is_sub and item_label not in labels:
                labels.append(item_label)
            first, last = questions.get(version, (q, q))
            questions[version] = (min(first, q), max(last, q))
        municipalities = dict(
            con.execute("select municipality_code, municipality_name from reference.municipalities").fetchall()
        )
        years = [y for (y,) in con.execute("select survey_year from intermediate.int_survey_rounds order by 1").fetchall()]
        kinds = dict(con.execute("select reason_code, label_da from reference.reject_reasons").fetchall())
        return cls(options, items, questions, municipalities, years, kinds)

    def municipality(self, raw: str | None, code: int | None) -> str:
        if code is not None and code in self.municipalities:
            return f"{code} {self.municipalities[code]}"
        return raw or ""


def suggestion(row: dict, ref: Reference) -> str:
    """What the caseworker can do about a rejected row, in Danish."""
    reason = row["reject_reason"]
    version, q, item_code = row.get("rubric_version"), row.get("question_no"), row.get("item_code")
    if reason == "unknown_answer":
        cell = ref.options.get((version, q, item_code), [])
        labels = [label for label, _ in cell]
        is_grid = bool(cell) and cell[0][1] == "checkbox_grid"
        value = (row.get("raw_answer") or "").strip()
        near = closest(value, labels)
        if near and is_grid:
            return f"Mente du: {quoted(near)}?"
        if near:
            numbers = [str(labels.index(label) + 1) for label in near]
            return f"Mente du: {quoted(near)} (nummer {' eller '.join(numbers)})?"
        if is_grid:
            return f"Skriv et af afkrydsningsfelterne: {quoted(labels, 'eller')}."
        listing = f"Skriv svarmuligheden eller dens nummer: {numbered(labels)}."
        if value.isdigit():
            return f"Nummeret {value} findes ikke; brug et nummer fra 1 til {len(labels)}. {listing}"
        return listing
    if reason in ("unknown_item", "item_missing"):
        labels = ref.items.get((version, q), [])
        listing = f"Delspørgsmålene til spørgsmål {q} er {quoted(labels, 'og')}."
        near = closest(row.get("raw_item") or "", labels) if reason == "unknown_item" else []
        return f"Mente du: {quoted(near)}?" if near else f"Angiv et af delspørgsmålene. {listing}"
    if reason == "item_not_expected":
        return f"Lad delspørgsmålet (item) være tomt: spørgsmål {q} har ingen delspørgsmål."
    if reason == "unknown_municipality":
        return municipality_suggestion(row.get("raw_municipality_code") or "", ref)
    if reason == "survey_year_not_configured":
        if len(ref.years) == 1:
            return f"Kontrollér årstallet; runden {ref.years[0]} er den eneste, der er oprettet."
        return f"Kontrollér årstallet; de oprettede runder er {danish_list(year_ranges(ref.years))}."
    if reason == "unknown_question":
        first, last = ref.questions.get(version, (1, 47)) if version is not None else (1, 47)
        return f"Kontrollér spørgsmålsnummeret; undersøgelsen har spørgsmål {first}-{last}."
    if reason == "empty_answer":
        return "Skriv svaret (svarmuligheden eller dens nummer), eller slet rækken, hvis spørgsmålet ikke er besvaret."
    if reason == "invalid_checkbox_value":
        return "Skriv x i cellen, hvis feltet skal være afkrydset; lad den ellers være tom."
    if reason == "q12_free_text_unresolved":
        labels = [label for label, _ in ref.options.get((version, q, item_code), [])]
        return ("Beskriv intervallet entydigt, fx »hver 6. måned«, »årligt« eller »efter behov«, eller vælg en "
                f"svarmulighed: {numbered(labels)}.")
    if reason == "conflicting_answers":
        return "Behold ét af svarene til spørgsmålet, og slet de andre (de står i listen med samme problem)."
    if reason == "duplicate_answer":
        return "Ingen handling nødvendig: svaret tælles én gang. Slet gerne gentagelsen."
    return ""


def municipality_suggestion(value: str, ref: Reference) -> str:
    from styringsoverblik.rubric import normalize_label

    text = normalize_label(value)
    if text and not text.isdigit():
        names = {name: code for code, name in ref.municipalities.items()}
        near = closest(value, list(names)) or [n for n in names if normalize_label(n).startswith(text)][:3]
        if near:
            return "Mente du: " + " eller ".join(f"{names[n]} ({n})" for n in near) + "? Skriv kommunekoden (3 cifre)."
    example = next(iter(sorted(ref.municipalities.items())), None)
    hint = f", fx {example[0]} for {example[1]}" if example else ""
    return f"Kontrollér kommunekoden; skriv en af de 98 kommunekoder (3 cifre{hint})."


# --------------------------------------------------------------------------- problems


def problems_from_rows(rows: list[dict], ref: Reference, sheets: dict[str, str],
                       id_columns: dict[str, dict[str, int]]) -> list[Problem]:
    """One problem per rejected row; the rejects of a whole wide row (municipality code, year)
    once per row, at that row's municipality_code/survey_year cell."""
    from styringsoverblik.wide import cell_address

    problems: list[Problem] = []
    grouped: dict[tuple, Problem] = {}
    for row in rows:
        if row["row_status"] != "rejected":
            continue
        reason = row["reject_reason"]
        file, line, fmt = row["source_file"], row["source_line_number"], row["source_format"]
        value_field, long_column = REASON_FIELDS.get(reason, ("raw_answer", "answer"))
        is_wide = fmt != "long"
        problem = Problem(
            file=file,
            sheet=sheets.get(file, ""),
            cell=row.get("source_cell") or "",
            line=None if fmt == "wide_xlsx" else line,
            column=(row.get("source_column") or "") if is_wide else long_column,
            municipality=ref.municipality(row.get("raw_municipality_code"), row.get("municipality_code")),
            question=row.get("raw_question_no") or "",
            item=row.get("raw_item") or "",
            value=row.get(value_field) or "",
            kind=ref.kinds.get(reason, reason),
            message=row.get("reject_message_da") or row.get("reject_message") or "",
            suggestion=suggestion(row, ref),
            blocking=bool(row["is_blocking"]),
            row_id=row["response_row_id"],
            reason=reason,
            order=(file, line, row.get("source_cell") or "", row["response_row_id"]),
        )
        if is_wide and reason in ROW_LEVEL_REASONS:
            key = (file, line, reason)
            if key in grouped:
                grouped[key].rows += 1
                continue
            column_name = ROW_LEVEL_REASONS[reason]
            index = id_columns.get(file, {}).get(column_name)
            problem.column = column_name
            problem.question = problem.item = ""
            problem.cell = cell_address(index, line) if fmt == "wide_xlsx" and index is not None else ""
            grouped[key] = problem
        problems.append(problem)
    for problem in grouped.values():
        if problem.rows > 1:
            problem.message += f" Det gælder alle rækkens {problem.rows} svar."
            problem.row_id += f" … ({problem.rows} i alt)"
    return sorted(problems, key=lambda p: (p.order[0], p.order[1] or 0, _column_key(p.cell), p.order[3]))


def _column_key(cell: str) -> tuple[int, str]:
    letters = "".join(c for c in cell if c.isalpha())
    return (len(letters), letters)


# --------------------------------------------------------------------------- loading and dbt


def find_project(project_dir: str | None) -> Path:
    folder = Path(project_dir) if project_dir else Path.cwd()
    if not (folder / "dbt_project.yml").is_file():
        where = f"i {folder}" if project_dir else "i den aktuelle mappe"
        raise CheckError(f"Fandt intet dbt-projekt (dbt_project.yml) {where}; angiv projektmappen med --project-dir.")
    return folder.resolve()


def load_files(con: duckdb.DuckDBPyConnection, files: Sequence[str], project: Path, sheet: str | None
               ) -> tuple[list[str], list[Problem]]:
    """Load each file with the project's loader (one at a time, so that a file that cannot be
    read is reported and the others are still checked) into raw.raw_responses, each row named
    by the file as given; code the free-text answers. Returns the loaded names and a problem per
    unreadable file."""
    from styringsoverblik import loader, q12

    loaded: list[str] = []
    unreadable: list[Problem] = []
    seen: set[Path] = set()
    for name in files:
        path = Path(name).resolve()
        if path in seen:
            continue
        seen.add(path)
        if not path.is_file():
            unreadable.append(unreadable_problem(name, "", "Filen findes ikke."))
            continue
        try:
            loader.load_responses(con, glob.escape(str(path)), project, sheet=sheet)
        except (loader.LoadError, duckdb.Error, OSError, ValueError) as error:
            unreadable.append(unreadable_problem(name, str(error).replace(str(path), name)))
            continue
        con.execute("create schema if not exists check_input")
        exists = bool(con.execute(
            "select count(*) from information_schema.tables where table_schema = 'check_input' and table_name = 'rows'"
        ).fetchone()[0])
        verb = "insert into check_input.rows" if exists else "create table check_input.rows as"
        con.execute(f"{verb} select * replace (cast(? as varchar) as source_file) from {loader.RAW_TABLE}", [name])
        loaded.append(name)
    if loaded:
        con.execute(f"create or replace table {loader.RAW_TABLE} as select * from check_input.rows")
        con.execute("drop schema check_input cascade")
        q12.write_codings(con, q12.free_text_questions(project))
    return loaded, unreadable


def unreadable_problem(name: str, detail: str, message: str = "") -> Problem:
    return Problem(
        file=name,
        kind=UNREADABLE_KIND,
        message=message or f"Filen kan ikke indlæses, så ingen af dens svar er kontrolleret. Teknisk besked: {detail}",
        suggestion=("Gem filen igen som Excel-projektmappe (.xlsx), fx i skabelonen fra »styringsoverblik template«, "
                    "eller som CSV UTF-8, og kør kontrollen igen."),
        blocking=True,
        rows=0,
        reason="unreadable_file",
        order=(name, 0, "", ""),
    )


def scratch_profile(folder: Path, project: Path, database: Path) -> str:
    """A profiles.yml in the scratch folder naming only the scratch database (with the project's
    plugin, which the build hooks call), so dbt cannot reach the real warehouse."""
    import yaml

    config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    name = str(config.get("profile") or "styringsoverblik")
    profile = {
        name: {
            "target": "check",
            "outputs": {
                "check": {
                    "type": "duckdb",
                    "path": str(database),
                    "threads": 2,
                    "plugins": [{"module": "styringsoverblik.duckdb_plugin"}],
                }
            },
        }
    }
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return name


def run_classification(project: Path, folder: Path, database: Path, variables: dict) -> None:
    """dbt builds the seeds and the models up to int_responses_classified on the scratch file, in
    a process of its own (dbt keeps its DuckDB connection open for the life of its process)."""
    import subprocess

    import styringsoverblik

    scratch_profile(folder, project, database)
    args = [
        sys.executable, "-m", "dbt.cli.main",
        "--quiet", "--no-use-colors",
        "build",
        "--select", f"+{CLASSIFICATION_MODEL}",
        "--resource-type", "seed", "--resource-type", "model",
        "--project-dir", str(project),
        "--profiles-dir", str(folder),
        "--target", "check",
        "--target-path", str(folder / "target"),
        "--log-path", str(folder / "logs"),
        "--vars", json.dumps(variables),
    ]
    # the dbt process imports this package (the project's plugin) from where this one came from
    package_root = str(Path(styringsoverblik.__file__).resolve().parents[1])
    python_path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": python_path}
    process = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)
    if process.returncode != 0:
        detail = " ".join((process.stdout + process.stderr).split())
        raise CheckError(f"Kontrollen kunne ikke bygge klassifikationen med dbt: {safe(detail, 800)}")


def read_rows(database: Path) -> tuple[list[dict], Reference]:
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(
            f"""
            select *
            from intermediate.{CLASSIFICATION_MODEL}
            order by source_file, source_line_number, response_row_id
            """
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values)) for values in cursor.fetchall()]
        return rows, Reference.read(con)


def workbook_facts(files: Sequence[str], sheet: str | None) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Per workbook the sheet read; per wide file the positions of municipality_code and
    survey_year in its header (where a row's code or year is)."""
    from styringsoverblik import loader, wide

    sheets: dict[str, str] = {}
    id_columns: dict[str, dict[str, int]] = {}
    for name in files:
        path = Path(name)
        try:
            if path.suffix.lower() in loader.XLSX_SUFFIXES:
                import openpyxl

                workbook = openpyxl.load_workbook(path, read_only=True)
                try:
                    sheets[name] = sheet if sheet else workbook.sheetnames[0]
                finally:
                    workbook.close()
            header = [wide.normalize_label(h) for h in wide.read_header(path, sheet)]
        except Exception:  # noqa: BLE001 - the location is a convenience; the load already judged the file
            continue
        id_columns[name] = {column: header.index(column) for column in wide.ID_COLUMNS if column in header}
    return sheets, id_columns


def check_files(files: Sequence[str], project: Path, sheet: str | None = None, variables: dict | None = None
                ) -> CheckResult:
    """Load, classify (dbt) and turn the rejects into problems; nothing outside a temp folder."""
    with tempfile.TemporaryDirectory(prefix="styringsoverblik-check-") as temp:
        folder = Path(temp)
        database = folder / "check.duckdb"
        with duckdb.connect(str(database)) as con:
            loaded, unreadable = load_files(con, files, project, sheet)
        rows: list[dict] = []
        problems: list[Problem] = []
        if loaded:
            dbt_vars = {
                **(variables or {}),
                "xlsx_sheet": sheet or "",
                "raw_responses_path": "(styringsoverblik check)",
                "export_path": str(folder / "exports"),
            }
            run_classification(project, folder, database, dbt_vars)
            rows, ref = read_rows(database)
            sheets, id_columns = workbook_facts(loaded, sheet)
            problems = problems_from_rows(rows, ref, sheets, id_columns)
        return CheckResult(list(files), rows, unreadable + problems, unreadable=len(unreadable))


# --------------------------------------------------------------------------- writing


def is_own_output(path: Path) -> bool:
    """True when path is a problem list an earlier check wrote (so it may be replaced)."""
    try:
        if path.suffix.lower() == ".xlsx":
            import openpyxl

            workbook = openpyxl.load_workbook(path, read_only=True)
            try:
                return workbook.properties.creator == CREATOR
            finally:
                workbook.close()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle, delimiter=";"), []) == [title for _, title, _ in COLUMNS]
    except Exception:  # noqa: BLE001 - anything unreadable is not ours
        return False


def _csv_safe(value: object) -> object:
    """A text that Excel would run as a formula (= + - @ first) is prefixed with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(path: Path, problems: Sequence[Problem]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([title for _, title, _ in COLUMNS])
        for problem in problems:
            writer.writerow([_csv_safe(v) for v in problem.values()])


def write_xlsx(path: Path, problems: Sequence[Problem]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.properties.creator = CREATOR
    sheet = workbook.active
    sheet.title = "Problemer"
    sheet.append([title for _, title, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    wrapped = {"message", "suggestion", "value", "item", "column", "row_id", "file", "municipality", "kind"}
    sheet.row_dimensions[1].height = 30
    for problem in problems:
        sheet.append(problem.values())
        lines = 1
        for (name, _, width), cell in zip(COLUMNS, sheet[sheet.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a text from a file is never a formula
            centred = "center" if name in ("cell", "line", "question", "blocking", "rows") else None
            cell.alignment = Alignment(vertical="top", horizontal=centred, wrap_text=name in wrapped)
            if name == "blocking" and problem.blocking:
                cell.font = Font(bold=True, color="9C0006")
            if name in wrapped and isinstance(cell.value, str):
                lines = max(lines, -(-len(cell.value) // max(1, int(width * 0.95))))
        # Excel and LibreOffice do not size rows to wrapped text on opening a file: set it
        sheet.row_dimensions[sheet.max_row].height = min(409, 15 * lines + 2)
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(sheet.max_row, 1)}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    workbook.save(path)


def write_problems(path: Path, problems: Sequence[Problem]) -> None:
    """Write the list next to its final name, then move it into place (never half a file)."""
    handle, temp = tempfile.mkstemp(prefix=".problemer-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes it private; the list is an ordinary file
    try:
        (write_csv if path.suffix.lower() == ".csv" else write_xlsx)(Path(temp), problems)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- command


def safe(text: object, limit: int = 200) -> str:
    """Text for the terminal: control characters escaped, cut short."""
    value = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def summary(result: CheckResult, out: Path) -> str:
    loaded_rows = len(result.rows)
    files, problems = len(result.files), len(result.problems)
    lines = [
        f"Kontrol af {files} {'fil' if files == 1 else 'filer'}: {loaded_rows} svar læst, {problems} "
        f"{'problem' if problems == 1 else 'problemer'}, heraf {result.blocking} blokerende."
    ]
    kinds = Counter((p.kind, p.blocking) for p in result.problems)
    for (kind, blocking), count in sorted(kinds.items(), key=lambda item: (not item[0][1], -item[1], item[0][0])):
        lines.append(f"  {kind}: {count}{'' if blocking else ' (blokerer ikke)'}")
    lines.append(f"Problemlisten er skrevet til {safe(out)}.")
    if result.unreadable:
        lines.append("Resultat: mindst én fil kan ikke læses; ret den, og kør kontrollen igen.")
    elif result.blocking:
        lines.append("Resultat: ret de blokerende problemer, før filerne indlæses.")
    else:
        lines.append("Resultat: ingen blokerende problemer; filerne kan indlæses.")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="response files (long/wide CSV, .xlsx)")
    parser.add_argument("--out", type=Path, default=Path("problemer.xlsx"),
                        help="the problem list to write: .xlsx (default problemer.xlsx) or .csv (; separated, UTF-8)")
    parser.add_argument("--project-dir", default=None,
                        help="the dbt project (default: the current folder, if it holds dbt_project.yml)")
    parser.add_argument("--sheet", default=None, help="the sheet read from every workbook (default: the first)")
    parser.add_argument("--vars", default=None,
                        help="dbt vars as YAML/JSON that shape the classification, e.g. '{extra_survey_rounds: …}'")


def execute(args: argparse.Namespace) -> tuple[int, CheckResult | None]:
    """The command: the exit code and the result (None when the check could not run)."""
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        print(f"Fejl: --out {safe(out)}: filnavnet skal ende på .xlsx eller .csv.", file=sys.stderr)
        return 2, None
    if out.exists() and not is_own_output(out):
        print(f"Fejl: {safe(out)} findes allerede og er ikke en problemliste fra en tidligere kontrol; "
              "vælg et andet navn med --out.", file=sys.stderr)
        return 2, None
    if not out.parent.is_dir():
        print(f"Fejl: mappen {safe(out.parent)} findes ikke.", file=sys.stderr)
        return 2, None
    variables = {}
    if args.vars:
        import yaml

        try:
            variables = yaml.safe_load(args.vars) or {}
        except yaml.YAMLError:
            variables = None
        if not isinstance(variables, dict):
            print("Fejl: --vars skal være en YAML/JSON-ordbog, fx '{extra_survey_rounds: []}'.", file=sys.stderr)
            return 2, None
    try:
        project = find_project(args.project_dir)
        sheet = args.sheet or str(variables.get("xlsx_sheet") or "") or None
        result = check_files(args.files, project, sheet=sheet, variables=variables)
    except CheckError as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 2, None
    write_problems(out, result.problems)
    print(summary(result, out))
    return result.exit_code, result


def run(args: argparse.Namespace) -> int:
    return execute(args)[0]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="styringsoverblik check")
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
