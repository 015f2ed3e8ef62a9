"""Wide survey exports: one row per municipality and year, one column per answer cell.

The warehouse reads the LONG contract (``municipality_code,survey_year,question_no,item,answer``,
one row per answered cell; see README "Input contract"). Survey tools and the Excel response
template (``styringsoverblik template``) produce a WIDE layout instead; this module reads it
and turns every answered cell into a long row, so the SQL classification stays the single
place where labels and option numbers are resolved and rejected.

Wide header: ``municipality_code``, ``survey_year``, then one column per answer cell:

- ``Q<n>`` for a question without sub-questions (``Q1``, ``Q17``);
- ``Q<n> | <item label>`` for a sub-question (``Q5 | § 107``, ``Q32 | Direktion``);
- ``Q<n> | <group> | <parameter>`` for each box of a ``checkbox_grid`` question (Q34).

Labels match the rubric after :func:`normalize_label` (the SQL macro ``normalize_label``) and
through the item/option aliases of ``rubric_label_aliases.csv``; ``Q05`` = ``Q5``; spaces
around ``|`` are optional. Unknown or duplicated columns stop the load; missing cell columns
are unanswered cells.

Cells: an empty (or blank) cell is unanswered and gives no row. Any other cell gives one long
row whose ``answer`` is the text as read (an option label or an option number: numbers are
NOT translated here). A checkbox cell is checked by ``1``/``x``/``ja``/``true`` (any case,
``1.0`` too) and then answers the box's canonical parameter label; ``0``/``nej``/``false`` or
empty is unchecked (no row); anything else gives a row with the raw text as answer and
``checkbox_value_invalid=True`` (the loader must reject it: a raw ``2`` would otherwise be
resolved as option number 2 of the group).

Description row: the row right after the header (CSV line 2 / sheet row 2) is skipped when
its ``municipality_code`` cell, trimmed, starts with :data:`DESCRIPTION_ROW_MARKER`
(``Kommunekode``, case-insensitive). The template puts ``Kommunekode (3 cifre)`` there.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from styringsoverblik.display import show, show_bare
from styringsoverblik.rubric import (
    ID_COLUMNS,
    _RE2_WHITESPACE,
    _TRANSLATION,
    CellColumn,
    Rubric,
    normalize_label,
)

LONG_COLUMNS = ("question_no", "item", "answer")

# The documented checkbox vocabulary (compared after trimming and lower-casing; numbers by value).
CHECKED_VALUES = frozenset({"1", "x", "ja", "true"})
UNCHECKED_VALUES = frozenset({"", "0", "nej", "false"})

# A second header row (descriptions) starts its municipality_code cell with this word.
DESCRIPTION_ROW_MARKER = "Kommunekode"

_QUESTION_HEADER = re.compile(r"q\s*0*(\d+)\s*(?:\|(.*))?", re.DOTALL | re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


class LoadError(Exception):
    """A wide file (or header) that cannot be read: the message names the file, where and what was expected."""


# --------------------------------------------------------------------------- header


@dataclass(frozen=True)
class WideHeader:
    municipality_index: int
    year_index: int
    cells: tuple[CellColumn, ...]
    blank_indexes: tuple[int, ...]  # columns without a header (allowed while their cells are empty)
    width: int


def _column_number(index: int) -> str:
    return f"column {index + 1}"


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"column {letters}"


def _quoted_list(values: Iterable[str], limit: int = 12) -> str:
    values = list(values)
    shown = ", ".join(show(v) for v in values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


_shown_list = _quoted_list


def _header_text(value: object) -> str:
    return "" if value is None else _cell_text(value).lstrip("\ufeff")


def _resolve_cell(index: int, raw: str, rubric: Rubric, where: str) -> CellColumn:
    # Match on the label with quotes, dashes and whitespace normalised but its case kept, so
    # messages quote the parts as written; the parts are compared with normalize_label.
    display = _RE2_WHITESPACE.sub(" ", raw.translate(_TRANSLATION)).strip(" ")
    match = _QUESTION_HEADER.fullmatch(display)
    examples = rubric.cell_columns()
    if match is None:
        sample = [examples[0].header] if examples else []
        sample += [c.header for c in examples if c.item_label][:1]
        sample += [c.header for c in examples if c.is_checkbox][:1]
        raise LoadError(
            f"{where}: unknown column {show(raw)}; expected municipality_code, survey_year or an answer "
            f"column 'Q<n>', 'Q<n> | <item>' or 'Q<n> | <group> | <parameter>' (e.g. {_quoted_list(sample)})"
        )
    q = int(match.group(1))
    rest = match.group(2)
    if q not in rubric.items:
        numbers = sorted(rubric.items)
        raise LoadError(
            f"{where}: unknown column {show(raw)}: there is no question {q}; expected questions "
            f"{numbers[0]}-{numbers[-1]}" if numbers else f"{where}: unknown column {show(raw)}: the rubric is empty"
        )
    expected = [c.header for c in examples if c.question_no == q]
    if not rubric.has_sub_questions(q):
        if rest is not None:
            raise LoadError(
                f"{where}: unknown column {show(raw)}: question {q} has no sub-questions; expected {show(expected[0])}"
            )
        item = rubric.items[q][0]
        return CellColumn(index, raw, q, item.item_code, "")
    if rest is None:
        raise LoadError(
            f"{where}: unknown column {show(raw)}: question {q} has sub-questions; "
            f"expected one of {_quoted_list(expected)}"
        )
    if rubric.is_checkbox(q):
        parts = [part.strip() for part in rest.split("|")]
        if len(parts) != 2:
            raise LoadError(
                f"{where}: unknown column {show(raw)}: question {q} is a checkbox grid; expected "
                f"'Q{q} | <group> | <parameter>', one of {_quoted_list(expected)}"
            )
        group_label, parameter_label = parts
    else:
        group_label, parameter_label = rest.strip(), None
    item = rubric.resolve_item(q, group_label)
    if item is None:
        labels = [i.label for i in rubric.items[q]]
        raise LoadError(
            f"{where}: unknown column {show(raw)}: {show(group_label)} is not a sub-question of Q{q}; "
            f"expected one of {_quoted_list(labels)}"
        )
    if parameter_label is None:
        return CellColumn(index, raw, q, item.item_code, item.label)
    option = rubric.resolve_option(q, item.item_code, parameter_label)
    if option is None:
        labels = [o.label for o in rubric.item_options(q, item.item_code)]
        raise LoadError(
            f"{where}: unknown column {show(raw)}: {show(parameter_label)} is not a box of Q{q} {show(item.label)}; "
            f"expected one of {_quoted_list(labels)}"
        )
    return CellColumn(index, raw, q, item.item_code, item.label, option.option_code, option.label)


def _parse_header(columns: Sequence[object], rubric: Rubric, source: str, column_ref=_column_number) -> WideHeader:
    texts = [_header_text(c) for c in columns]
    ids: dict[str, int] = {}
    cells: list[CellColumn] = []
    seen: dict[tuple, CellColumn] = {}
    blanks: list[int] = []
    for index, raw in enumerate(texts):
        where = f"{source}, {column_ref(index)}"
        normalized = normalize_label(raw)
        if not normalized:
            blanks.append(index)
            continue
        if normalized in ID_COLUMNS:
            if normalized in ids:
                raise LoadError(
                    f"{where}: duplicate column {show(raw)} (also {column_ref(ids[normalized])}); expected it once"
                )
            ids[normalized] = index
            continue
        cell = _resolve_cell(index, raw, rubric, where)
        if cell.key in seen:
            first = seen[cell.key]
            raise LoadError(
                f"{where}: duplicate column {show(raw)}: it is the same cell {show(cell.canonical_header)} as "
                f"{show(first.header)} ({column_ref(first.index)}); expected each cell once"
            )
        seen[cell.key] = cell
        cells.append(cell)
    missing = [name for name in ID_COLUMNS if name not in ids]
    if missing:
        raise LoadError(
            f"{source}: missing column(s) {', '.join(missing)}; a wide header starts with "
            f"municipality_code, survey_year, then the answer columns"
        )
    return WideHeader(ids["municipality_code"], ids["survey_year"], tuple(cells), tuple(blanks), len(texts))


def parse_header(columns: list[str], rubric: Rubric, source: str = "header") -> list[CellColumn]:
    """The answer cells of a wide header, in column order (``index`` = position in ``columns``).

    Raises :class:`LoadError` for a missing id column, an unknown column (saying what was
    expected) or two columns resolving to the same cell. ``source`` prefixes the message."""
    return list(_parse_header(columns, rubric, f"{source}: line 1").cells)


def is_wide_header(columns: Sequence[object]) -> bool:
    """True for a wide header (municipality_code, survey_year and at least one ``Q…`` column),
    False for a long one (question_no, item, answer) or anything else."""
    names = {normalize_label(_header_text(c)) for c in columns}
    if set(LONG_COLUMNS) <= names:
        return False
    if not set(ID_COLUMNS) <= names:
        return False
    return any(_QUESTION_HEADER.fullmatch(name) for name in names)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class WideRow:
    """One answered cell of a wide file, in the long contract's terms."""

    source_line_number: int  # CSV line (where the record starts) or sheet row; header = 1
    source_column: str  # the header text of the cell's column
    municipality_code: str
    survey_year: str
    question_no: str
    item: str  # canonical item label (the group for checkbox questions); '' for `main`
    answer: str
    checkbox_value_invalid: bool = False
    # workbooks: the cell's A1 address (``C3``), None for CSV; where the cell is, not what it
    # says (line and column already name it), so rows compare without it
    source_cell: str | None = field(default=None, compare=False)

    def as_dict(self) -> dict:
        return asdict(self)


def _cell_text(value: object) -> str:
    """A cell value as text: numbers stored as floats lose a zero fraction (101.0 -> '101')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def checkbox_state(value: str) -> bool | None:
    """True = checked, False = unchecked, None = not a checkbox value."""
    text = value.strip().lower()
    if text in CHECKED_VALUES:
        return True
    if text in UNCHECKED_VALUES:
        return False
    if _NUMBER.fullmatch(text):
        number = float(text.replace(",", "."))
        if number == 1:
            return True
        if number == 0:
            return False
    return None


def _is_description_row(values: Sequence[str], header: WideHeader) -> bool:
    code = values[header.municipality_index] if header.municipality_index < len(values) else ""
    return code.strip().lower().startswith(DESCRIPTION_ROW_MARKER.lower())


def cell_address(index: int, row: int) -> str:
    """The Excel A1 address of a 0-based column index and a 1-based row: (2, 3) -> ``C3``."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _long_rows(records: Iterable[tuple[int, list[str]]], header: WideHeader, source: str,
               row_word: str, column_ref, address=None) -> list[WideRow]:
    out: list[WideRow] = []
    first = True
    for line, values in records:
        if first:
            first = False
            if _is_description_row(values, header):
                continue
        if len(values) > header.width:
            extra = next((i for i in range(header.width, len(values)) if values[i].strip()), None)
            if extra is not None:
                raise LoadError(
                    f"{source}: {row_word} {line}, {column_ref(extra)}: a value ({show(values[extra])}) beyond the "
                    f"last header column; expected at most {header.width} columns"
                )
        for index in header.blank_indexes:
            if index < len(values) and values[index].strip():
                raise LoadError(
                    f"{source}: {row_word} {line}, {column_ref(index)}: a value ({show(values[index])}) in a column "
                    f"without a header; expected an empty cell or a header on line 1"
                )
        get = lambda i: values[i] if i < len(values) else ""  # noqa: E731
        municipality, year = get(header.municipality_index), get(header.year_index)
        for cell in header.cells:
            value = get(cell.index)
            if cell.is_checkbox:
                state = checkbox_state(value)
                if state is False:
                    continue
                answer, invalid = (cell.option_label, False) if state else (value, True)
            else:
                if not value.strip():
                    continue
                answer, invalid = value, False
            out.append(WideRow(line, cell.header, municipality, year, str(cell.question_no),
                               cell.item_label, answer, invalid, address(cell.index, line) if address else None))
    return out


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes, source: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LoadError(
            f"{source}: line {line}: byte 0x{data[error.start]:02X} is neither UTF-8 nor Windows-1252; "
            f"expected a UTF-8 (or Windows-1252) text file"
        ) from None


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []


def _detect_delimiter(text: str) -> str:
    candidates = {d: _first_record(text, d) for d in (",", ";")}
    for delimiter, fields in candidates.items():
        if set(ID_COLUMNS) <= {normalize_label(f.lstrip("\ufeff")) for f in fields}:
            return delimiter
    return max(candidates, key=lambda d: len(candidates[d]))  # ',' on a tie


def _csv_records(text: str, delimiter: str, source: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise LoadError(f"{source}: line {start}: not valid CSV ({error}); expected {show(delimiter)}-separated "
                            f"fields with balanced quotes") from None
        yield start, record
        start = reader.line_num + 1


def read_wide_csv(path: str | Path, rubric: Rubric, *, encoding: str | None = None,
                  delimiter: str | None = None) -> list[WideRow]:
    """The answered cells of a wide CSV file as long rows (UTF-8 with or without BOM, or
    Windows-1252; ``,`` or ``;`` detected from the header; quoted fields). ``encoding`` and
    ``delimiter``, when given (the loader detects them), are used instead of detecting them."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(f"{source}: cannot read the file ({error.strerror or error})") from None
    if encoding is None:
        text = _decode(data, source)
    else:
        text = data.decode(encoding, errors="replace").removeprefix("\ufeff")
    if not text.strip():
        raise LoadError(f"{source}: line 1: the file is empty; expected a header municipality_code,survey_year,Q…")
    records = _csv_records(text, delimiter or _detect_delimiter(text), source)
    _, columns = next(records)
    header = _parse_header(columns, rubric, f"{source}: line 1")
    # a blank line is a record [] (no cells): it answers nothing, and it still counts as the
    # record right after the header (only that one can be the description row)
    return _long_rows(records, header, source, "line", _column_number)


# --------------------------------------------------------------------------- XLSX


# The default bound of a sheet's used range (last row with a value x last column with a value):
# 5,000 rows of 200 answer columns, far beyond 98 municipalities times a few rounds. The
# environment variable STYRINGSOVERBLIK_XLSX_MAX_CELLS sets another.
DEFAULT_XLSX_MAX_CELLS = 1_000_000
XLSX_MAX_CELLS_ENV = "STYRINGSOVERBLIK_XLSX_MAX_CELLS"

_OPEN_AND_SAVE = ("open the workbook in Excel and save it (Excel then stores each formula's value), or replace "
                  "the formula by its value")


def xlsx_max_cells() -> int:
    """The bound of a sheet's used range: $STYRINGSOVERBLIK_XLSX_MAX_CELLS, else the default."""
    text = os.environ.get(XLSX_MAX_CELLS_ENV, "").strip()
    if not text:
        return DEFAULT_XLSX_MAX_CELLS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise LoadError(f"{XLSX_MAX_CELLS_ENV}={show(text)} is not a positive whole number of cells; "
                        f"unset it (default {DEFAULT_XLSX_MAX_CELLS}) or set e.g. {XLSX_MAX_CELLS_ENV}=2000000")
    return value


def _visible(worksheet) -> bool:
    return getattr(worksheet, "sheet_state", "visible") == "visible"


def _open_sheet(path: Path, sheet: str | None):
    """The workbook and the sheet to read: the first VISIBLE worksheet, or the one named
    ``sheet`` (which must be visible: a hidden sheet is a draft or a helper, not the answers)."""
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
        from openpyxl.xml import DEFUSEDXML
    except ModuleNotFoundError as error:  # pragma: no cover - openpyxl is a dependency
        raise LoadError(f"{path}: reading .xlsx files needs openpyxl ({error})") from None
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise LoadError(f"{path}: reading .xlsx files safely needs defusedxml (it refuses XML entity expansion); "
                        "install the project's dependencies (pip install -e .) and unset OPENPYXL_DEFUSEDXML")
    import zipfile

    from defusedxml import DefusedXmlException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise LoadError(f"{path}: file not found") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError,
            AttributeError, IndexError, SyntaxError) as error:  # ParseError is a SyntaxError
        # openpyxl wraps what the XML parser raised (defusedxml's refusal too) in a ValueError
        cause = error if isinstance(error, DefusedXmlException) else error.__cause__ or error.__context__
        if isinstance(cause, DefusedXmlException):
            raise LoadError(f"{path} {_unsafe_xml(cause)}") from None
        raise LoadError(f"{path}: not a readable .xlsx workbook ({show_bare(error)}); expected an Excel .xlsx "
                        "file") from None
    worksheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
    if sheet is None:
        visible = [ws for ws in worksheets if _visible(ws)]
        if not visible:
            workbook.close()
            hidden = f" (its sheets {_shown_list(workbook.sheetnames)} are all hidden)" if worksheets else ""
            raise LoadError(f"{path}: the workbook has no visible worksheet{hidden}; expected the answers on a "
                            "visible sheet")
        return workbook, visible[0]
    for ws in worksheets:
        if ws.title == sheet:
            if not _visible(ws):
                state = "very hidden" if ws.sheet_state == "veryHidden" else "hidden"
                workbook.close()
                raise LoadError(
                    f"{path}: the sheet {show(sheet)} is {state}; hidden sheets are never read (the answers are "
                    "what the user sees). Unhide the sheet in Excel (right-click a sheet tab, Unhide) and save, or "
                    f"name a visible sheet (the visible sheets are {_shown_list(t.title for t in worksheets if _visible(t))})"
                )
            return workbook, ws
    workbook.close()
    raise LoadError(f"{path}: no sheet {show(sheet)}; the workbook's sheets are {_shown_list(workbook.sheetnames, 50)}")


def _unsafe_xml(error: Exception) -> str:
    return ("is not a workbook that can be read safely: its XML declares entities (an 'entity expansion' or "
            f"external entity, {type(error).__name__}), which Excel never writes and which can exhaust memory; "
            "open it in Excel and save it as a new .xlsx (or use the response template)")


def _sheet_rows(workbook, worksheet, where: str, max_cells: int) -> Iterator[tuple[int, list[object]]]:
    """(row number, values) of every row of the sheet that holds a value, streamed from the sheet's
    XML (its <dimension> tag is not trusted). Values are the cached ones (data_only); a formula
    cell without a cached value stops the read, naming the cell; the used range (last row with a
    value x last column with a value) is bounded by ``max_cells``, and the row elements read
    (even empty ones) by a tenth of it."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                # Excel stores a formula's result in <v>; a text result "" is <v></v> with t="str".
                # No <v>, or an empty one of another type (openpyxl writes <v />), is no value.
                cached = element.find(VALUE_TAG)
                if cached is None or (not cached.text and element.get("t") != "str"):
                    cell["formula_without_value"] = True
            return cell

    last_column = 0
    # a response sheet has a few columns at least: more row entries than a tenth of the cells
    # allowed (empty formatted rows count) stop the read before it parses a million of them
    max_rows = max(1000, max_cells // 10)
    with worksheet._get_source() as source:
        parser = Parser(source, worksheet._shared_strings, data_only=True, epoch=workbook.epoch,
                        date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        for elements, (number, cells) in enumerate(parser.parse(), start=1):
            if elements > max_rows or number > max_rows:
                raise LoadError(
                    f"{where}: the sheet has row entries up to row {number} (empty rows with formatting count too); "
                    f"more than {max_rows} rows cannot be a response sheet (a tenth of {XLSX_MAX_CELLS_ENV}="
                    f"{max_cells}). Delete the rows below the answers (select them, Delete rows) and save"
                )
            for cell in cells:
                if cell.get("formula_without_value"):
                    address = f"{get_column_letter(cell['column'])}{number}"
                    raise LoadError(
                        f"{where}: cell {address} holds a formula without a stored value (the workbook was written by "
                        f"a program that does not calculate formulas); {_OPEN_AND_SAVE}"
                    )
            values = {cell["column"]: cell["value"] for cell in cells if cell["value"] is not None}
            if not values:
                continue
            last_column = max(last_column, max(values))
            if number * last_column > max_cells:
                raise LoadError(
                    f"{where}: the sheet's used range reaches row {number} and column "
                    f"{get_column_letter(last_column)} ({number * last_column} cells), more than the "
                    f"{max_cells} cells a response sheet may have ({XLSX_MAX_CELLS_ENV}); delete what lies beyond the "
                    "answers, or raise the limit"
                )
            row = [None] * max(values)
            for column, value in values.items():
                row[column - 1] = value
            yield number, row


def read_wide_xlsx_sheet(path: str | Path, rubric: Rubric, sheet: str | None = None,
                         max_cells: int | None = None) -> tuple[str, list[WideRow]]:
    """The title of the sheet read (the first visible one, or ``sheet``) and its answered cells
    as long rows.

    Header on row 1; values as Excel stores them (formulas by their cached value; a formula
    without one is an error naming its cell), numbers with a zero fraction as integers
    (``101.0`` -> ``'101'``). Rows without any value are skipped (they answer nothing); the row
    numbers are the sheet's."""
    path = Path(path)
    max_cells = xlsx_max_cells() if max_cells is None else max_cells
    workbook, worksheet = _open_sheet(path, sheet)
    source = f"{path} [sheet {show(worksheet.title)}]"
    try:
        from defusedxml import DefusedXmlException

        try:
            rows = _sheet_rows(workbook, worksheet, source, max_cells)
            first = next(rows, None)
            if first is None or first[0] != 1 or not any(_cell_text(v).strip() for v in first[1]):
                raise LoadError(f"{source}: row 1: no header; expected municipality_code, survey_year, Q… on row 1")
            header_texts = [_header_text(v) for v in first[1]]
            if set(LONG_COLUMNS) <= {normalize_label(text) for text in header_texts}:
                raise LoadError(
                    f"{path} is a workbook with a long header (question_no, item, answer) on sheet "
                    f"{show(worksheet.title)}; long files are read as "
                    "CSV only. Save the sheet as CSV UTF-8, or use the wide layout (municipality_code,survey_year,"
                    "Q1,…; e.g. the response template)."
                )
            header = _parse_header(first[1], rubric, f"{source}: row 1", _column_letter)
            records = ((number, [_cell_text(v) for v in values]) for number, values in rows)
            second = next(records, None)
            if second is not None and second[0] != 2:
                # only row 2 can be the description row: an empty row 2 is the first record
                records = itertools.chain([(2, []), second], records)
            elif second is not None:
                records = itertools.chain([second], records)
            return worksheet.title, _long_rows(records, header, source, "row", _column_letter, cell_address)
        except DefusedXmlException as error:
            raise LoadError(f"{path} {_unsafe_xml(error)}") from None
        except SyntaxError as error:  # xml.etree's ParseError
            raise LoadError(f"{source}: the sheet's XML cannot be read ({show_bare(error)}); open the workbook in "
                            "Excel and save it again") from None
    finally:
        workbook.close()


def read_wide_xlsx(path: str | Path, rubric: Rubric, sheet: str | None = None,
                   max_cells: int | None = None) -> list[WideRow]:
    """The answered cells of a wide .xlsx sheet (the first visible one, or ``sheet``) as long
    rows (see :func:`read_wide_xlsx_sheet`)."""
    return read_wide_xlsx_sheet(path, rubric, sheet, max_cells)[1]


def read_header(path: str | Path, sheet: str | None = None) -> list[str]:
    """The header row of a CSV or .xlsx file (for :func:`is_wide_header`)."""
    path = Path(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        workbook, worksheet = _open_sheet(path, sheet)
        try:
            first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
            return [_header_text(v) for v in first]
        finally:
            workbook.close()
    try:
        text = _decode(path.read_bytes(), str(path))
    except OSError as error:
        raise LoadError(f"{path}: cannot read the file ({error.strerror or error})") from None
    return [f.lstrip("\ufeff") for f in _first_record(text, _detect_delimiter(text))]


# --------------------------------------------------------------------------- long -> wide


def _field(row: object, name: str) -> str:
    value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
    return "" if value is None else str(value)


def long_to_wide(long_rows: Iterable[Mapping | object], rubric: Rubric) -> tuple[list[str], list[list[str]]]:
    """Turn long rows (dicts or objects with municipality_code, survey_year, question_no, item,
    answer) into the wide layout: the full canonical header and one row per municipality and
    year (first-seen order). Answers are kept as written; checked boxes become ``x``. Unknown
    questions/items/boxes or two different answers to one cell raise :class:`LoadError`."""
    header = rubric.wide_header()
    cells = rubric.cell_columns()
    position = {cell.key: cell.index for cell in cells}
    wide: dict[tuple[str, str], list[str]] = {}
    for number, row in enumerate(long_rows, start=2):
        line = _field(row, "source_line_number") or str(number)
        where = f"long row {line}"
        municipality, year = _field(row, "municipality_code").strip(), _field(row, "survey_year").strip()
        question_text, item_label, answer = _field(row, "question_no"), _field(row, "item"), _field(row, "answer")
        try:
            q = int(question_text.strip())
        except ValueError:
            raise LoadError(f"{where}: question_no {show(question_text)} is not a number") from None
        if q not in rubric.items:
            raise LoadError(f"{where}: unknown question {q}")
        if rubric.has_sub_questions(q):
            item = rubric.resolve_item(q, item_label)
        else:
            item = rubric.items[q][0] if not normalize_label(item_label) else None
        if item is None:
            raise LoadError(f"{where}: item {show(item_label)} is not a sub-question of Q{q}")
        if rubric.is_checkbox(q):
            option = rubric.resolve_option(q, item.item_code, answer)
            if option is None:
                raise LoadError(f"{where}: {show(answer)} is not a box of Q{q} {show(item.label)}")
            key, value = (q, item.item_code, option.option_code), "x"
        else:
            key, value = (q, item.item_code, None), answer
        values = wide.setdefault((municipality, year), [municipality, year] + [""] * len(cells))
        index = position[key]
        if values[index] and normalize_label(values[index]) != normalize_label(value):
            raise LoadError(
                f"{where}: conflicting answers for municipality {show_bare(municipality)} {show_bare(year)} {show(header[index])}: "
                f"{show(values[index])} and {show(value)}"
            )
        values[index] = values[index] or value  # an exact repeat keeps the first spelling
    return header, list(wide.values())


def write_wide_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]],
                   delimiter: str = ",") -> Path:
    """Write a wide CSV: UTF-8 with BOM (so Excel shows æøå and §), CRLF, quoted where needed."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def _excel_value(value: object) -> object:
    """Digit strings without leading zeros become numbers (as Excel would store them)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and str(int(value)) == value:
        return int(value)
    return None if value == "" else value


def write_wide_xlsx(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]],
                    sheet_name: str = "Besvarelse") -> Path:
    """Write a plain wide workbook: header on row 1 of ``sheet_name``, one row per response."""
    from openpyxl import Workbook

    path = Path(path)
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet_name
    worksheet.append(list(header))
    for row in rows:
        worksheet.append([_excel_value(v) for v in row])
    worksheet.freeze_panes = "C2"
    workbook.save(path)
    return path
