"""`styringsoverblik template --out FILE.xlsx`: the Excel response template (wide layout).

The workbook a municipality fills in and sends back; it loads with
:func:`styringsoverblik.wide.read_wide_xlsx` as it is:

- sheet ``Besvarelse`` (first, active): row 1 the wide headers exactly (``municipality_code``,
  ``survey_year``, then every answer cell in the note's order), each with a comment holding
  the question, the sub-question and the numbered options; row 2 the question and item text
  in words — its ``municipality_code`` cell reads ``Kommunekode (3 cifre)``, the marker the
  reader uses to skip it; answers from row 3 (one row per municipality and year). A dropdown
  per answer column lists its options (lists on the hidden sheet ``Svarmuligheder``: Excel's
  inline lists stop at 255 characters); typing an option number only warns. Checkbox-grid
  boxes (Q34) have an ``x`` dropdown; Q12 is free text. Panes frozen at C3.
- sheet ``Vejledning``: short Danish instructions and a table of every column's options.
- sheet ``Svarmuligheder`` (hidden): the dropdown lists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from styringsoverblik.project import Project, ProjectError
from styringsoverblik.rubric import ID_COLUMNS, CellColumn, Rubric, RubricError
from styringsoverblik.wide import DESCRIPTION_ROW_MARKER

SHEET_RESPONSES = "Besvarelse"
SHEET_GUIDE = "Vejledning"
SHEET_OPTIONS = "Svarmuligheder"

# Questions whose answers may be free text (Q12: the follow-up interval in words): no dropdown.
FREE_TEXT_QUESTIONS = frozenset({12})
CHECKBOX_MARK = "x"

FIRST_DATA_ROW = 3
LAST_VALIDATED_ROW = 5000  # dropdowns and checks cover rows 3..5000
ID_DESCRIPTIONS = {
    "municipality_code": f"{DESCRIPTION_ROW_MARKER} (3 cifre)",
    "survey_year": "Undersøgelsesår (fx 2023)",
}
COMMENT_AUTHOR = "styringsoverblik"

GUIDE_LINES = [
    "Skabelon til besvarelse af Kommunernes styringsoverblik på det specialiserede voksenområde",
    "",
    "Sådan udfylder I skabelonen",
    "1. Udfyld arket 'Besvarelse' fra række 3: én række pr. kommune og år.",
    "2. Skriv kommunekoden (3 cifre, fx 101) i kolonne A og undersøgelsesåret (fx 2023) i kolonne B.",
    "3. Vælg svaret i hver kolonne fra rullelisten. I kan også skrive svarmulighedens nummer "
    "(1 = første svarmulighed, se tabellen nedenfor); Excel advarer, men nummeret godtages.",
    "4. Spørgsmål 34 besvares med afkrydsning: skriv x i hver boks (gruppe | parameter), der "
    "forelægges data om. Tomme bokse tæller som ikke afkrydset. 1, ja og true godtages også.",
    "5. Spørgsmål 12 kan besvares med en svarmulighed eller med fritekst.",
    "6. Lad cellen stå tom, hvis et spørgsmål ikke er besvaret.",
    "7. Ret ikke i række 1 (kolonneoverskrifterne) og række 2 (spørgsmålsteksten), og slet eller "
    "flyt ikke kolonner. Holder I musen over en overskrift, vises spørgsmålet og svarmulighederne.",
    "8. Gem filen som Excel-projektmappe (.xlsx) og send den retur.",
    "",
    "Kolonner og svarmuligheder",
]


def _question_text(rubric: Rubric, cell: CellColumn) -> str:
    question = rubric.questions.get(cell.question_no)
    return question.text if question is not None else ""


def _cell_description(rubric: Rubric, cell: CellColumn) -> str:
    """Row 2: the question and the sub-question in words."""
    text = f"Spørgsmål {cell.question_no}: {_question_text(rubric, cell)}"
    if cell.is_checkbox:
        return f"{text}\n{cell.item_label}: {cell.option_label} (skriv {CHECKBOX_MARK}, hvis ja)"
    if cell.item_label:
        return f"{text}\n{cell.item_label}"
    return text


def _option_labels(rubric: Rubric, cell: CellColumn) -> list[str]:
    return [option.label for option in rubric.item_options(cell.question_no, cell.item_code)]


def _options_text(rubric: Rubric, cell: CellColumn) -> str:
    if cell.is_checkbox:
        return f"Skriv {CHECKBOX_MARK}, hvis boksen er afkrydset; lad cellen stå tom, hvis ikke."
    numbered = "\n".join(f"{n} = {label}" for n, label in enumerate(_option_labels(rubric, cell), start=1))
    prefix = "Svarmuligheder (eller fritekst):" if cell.question_no in FREE_TEXT_QUESTIONS else "Svarmuligheder:"
    return f"{prefix}\n{numbered}"


def _comment_text(rubric: Rubric, cell: CellColumn) -> str:
    return f"{_cell_description(rubric, cell)}\n\n{_options_text(rubric, cell)}"


def write_template(
    path: str | Path,
    rubric: Rubric,
    *,
    municipality_code: str | int | None = None,
    survey_year: str | int | None = None,
) -> Path:
    """Write the response template; optionally prefill row 3's municipality code and year."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    cells = rubric.cell_columns()
    header = rubric.wide_header()

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_RESPONSES
    guide = workbook.create_sheet(SHEET_GUIDE)
    lists = workbook.create_sheet(SHEET_OPTIONS)
    lists.sheet_state = "hidden"

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    description_fill = PatternFill("solid", fgColor="F2F2F2")
    wrap_top = Alignment(wrap_text=True, vertical="top")

    # Row 1: the wide headers; row 2: the descriptions.
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column, value=text)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = wrap_top
    for column, name in enumerate(ID_COLUMNS, start=1):
        cell = sheet.cell(row=2, column=column, value=ID_DESCRIPTIONS[name])
        cell.font = Font(italic=True)
        cell.fill = description_fill
        cell.alignment = wrap_top
    sheet.cell(row=1, column=1).comment = Comment("Kommunekode: 3 cifre, fx 101 (København).", COMMENT_AUTHOR)
    sheet.cell(row=1, column=2).comment = Comment("Undersøgelsesår, fx 2023.", COMMENT_AUTHOR)

    for cell_column in cells:
        column = cell_column.index + 1
        description = sheet.cell(row=2, column=column, value=_cell_description(rubric, cell_column))
        description.font = Font(italic=True)
        description.fill = description_fill
        description.alignment = wrap_top
        comment = Comment(_comment_text(rubric, cell_column), COMMENT_AUTHOR)
        comment.width, comment.height = 360, 240
        sheet.cell(row=1, column=column).comment = comment

    # Dropdown lists: one column on the hidden sheet per distinct list of labels.
    list_ranges: dict[tuple[str, ...], str] = {}
    validations: dict[tuple[str, ...], DataValidation] = {}

    def list_range(labels: tuple[str, ...], title: str) -> str:
        if labels not in list_ranges:
            column = len(list_ranges) + 1
            letter = get_column_letter(column)
            lists.cell(row=1, column=column, value=title)
            for row, label in enumerate(labels, start=2):
                lists.cell(row=row, column=column, value=label)
            list_ranges[labels] = f"{quote_sheetname(SHEET_OPTIONS)}!${letter}$2:${letter}${len(labels) + 1}"
        return list_ranges[labels]

    for cell_column in cells:
        if cell_column.question_no in FREE_TEXT_QUESTIONS:
            continue
        labels = (CHECKBOX_MARK,) if cell_column.is_checkbox else tuple(_option_labels(rubric, cell_column))
        if not labels:
            continue
        if labels not in validations:
            validation = DataValidation(
                type="list",
                formula1=list_range(labels, cell_column.canonical_header),  # a range: no leading "="
                allow_blank=True,
                showDropDown=False,  # (sic) False = show the in-cell dropdown arrow
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="Ukendt svar",
                error=(f"Skriv {CHECKBOX_MARK} eller lad cellen stå tom."
                       if cell_column.is_checkbox
                       else "Vælg en svarmulighed fra listen (eller skriv dens nummer, 1 = første)."),
            )
            validations[labels] = validation
            sheet.add_data_validation(validation)
        letter = get_column_letter(cell_column.index + 1)
        validations[labels].add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")

    for column, (low, high, message) in enumerate(
        [(100, 999, "Kommunekoden er 3 cifre, fx 101."), (2000, 2100, "Skriv årstallet, fx 2023.")], start=1
    ):
        validation = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high),
                                    allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                    errorTitle="Tjek værdien", error=message)
        sheet.add_data_validation(validation)
        letter = get_column_letter(column)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")

    # Optional prefill of row 3's ids.
    for column, value in ((1, municipality_code), (2, survey_year)):
        if value is not None and str(value).strip():
            text = str(value).strip()
            sheet.cell(row=FIRST_DATA_ROW, column=column,
                       value=int(text) if text.isdigit() and str(int(text)) == text else text)

    # Layout.
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    sheet.row_dimensions[1].height = 48
    sheet.row_dimensions[2].height = 150
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 16
    for cell_column in cells:
        width = min(42, max(16, len(cell_column.header) * 0.9 + 4))
        sheet.column_dimensions[get_column_letter(cell_column.index + 1)].width = width

    # Vejledning: instructions and the numbered options of every column.
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 70
    guide.column_dimensions["C"].width = 70
    for row, line in enumerate(GUIDE_LINES, start=1):
        cell = guide.cell(row=row, column=1, value=line or None)
        if row == 1 or line in {"Sådan udfylder I skabelonen", "Kolonner og svarmuligheder"}:
            cell.font = Font(bold=True, size=14 if row == 1 else 12)
    row = len(GUIDE_LINES) + 1
    for column, title in enumerate(("Kolonne", "Spørgsmål", "Svarmuligheder"), start=1):
        guide.cell(row=row, column=column, value=title).font = header_font
    for cell_column in cells:
        row += 1
        guide.cell(row=row, column=1, value=cell_column.canonical_header).alignment = wrap_top
        guide.cell(row=row, column=2, value=_cell_description(rubric, cell_column)).alignment = wrap_top
        guide.cell(row=row, column=3, value=_options_text(rubric, cell_column)).alignment = wrap_top
    lists.column_dimensions["A"].width = 40

    workbook.active = 0
    workbook.properties.title = "Styringsoverblik: besvarelse"
    workbook.properties.creator = COMMENT_AUTHOR
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    parser.add_argument("--municipality", metavar="CODE", help="prefill row 3's municipality_code (e.g. 101)")
    parser.add_argument("--year", metavar="YEAR", type=int, help="prefill row 3's survey_year (e.g. 2023)")
    parser.add_argument("--project-dir", type=Path, default=Path("."),
                        help="the dbt project whose rubric seeds the template follows (default: the current directory)")
    parser.add_argument("--seeds", type=Path, default=None,
                        help="a seeds folder with the rubric instead of the project's seed-paths")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"error: --out {out}: expected a file name ending in .xlsx", file=sys.stderr)
        return 2
    if args.municipality is not None and not str(args.municipality).strip().isdigit():
        print(f"error: --municipality {args.municipality!r}: expected a kommunekode such as 101", file=sys.stderr)
        return 2
    try:
        if args.seeds is not None:
            rubric = Rubric.from_seeds(args.seeds, current_only=True)
        else:
            rubric = Rubric.from_project(Project(args.project_dir), current_only=True)
        write_template(out, rubric, municipality_code=args.municipality, survey_year=args.year)
    except (RubricError, ProjectError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(rubric.cell_columns())} answer columns)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="styringsoverblik template")
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
