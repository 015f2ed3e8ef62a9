"""Load the response file(s) into the source table ``raw.raw_responses``.

Called by the project's dbt-duckdb plugin at the start of a build of the marts (never by
``dbt test``, ``dbt compile``, ``dbt docs generate`` or ``dbt ls``), with a DuckDB connection
to the warehouse. Each file's format is detected from its name and header:

- LONG CSV (header ``municipality_code,survey_year,question_no,item,answer``, one row per
  answered cell): DuckDB itself reads the file;
- WIDE CSV (header ``municipality_code,survey_year,Q1,…``, one row per municipality and survey
  round, one column per answer cell) and WIDE ``.xlsx``/``.xlsm`` workbooks (the first sheet,
  or the sheet named by ``sheet``): read by :mod:`styringsoverblik.wide` against the rubric
  seeds, every answered cell becoming one long row (``source_column`` = its column header).

Long and wide files may be mixed in one glob. Python inspects each file first (encoding,
delimiter, header) so that a bad file stops the build with a message that names the path, the
line and the problem:

- no file matches the path or glob;
- the file is empty, or holds a header but no response rows;
- the header is neither long (a required column is missing; extra columns are ignored) nor
  wide; a wide header names an unknown or duplicated answer column;
- the file is not UTF-8 and holds bytes 0x80-0x9F (Windows-1252 curly quotes, dashes, the
  euro sign), which DuckDB's Latin-1 reader cannot decode;
- a line is not valid CSV (too many fields), or lines would be swallowed by a quote that is
  opened and never closed (every non-blank line must belong to a record).

Encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1) and delimiter (``,`` or ``;``,
whichever the header uses) are detected per CSV file, the same way for long and wide files, so
one glob may mix exports. Every value is kept as text exactly as read, with the file and the
line the record starts on (header = line 1; blank lines count, a quoted value may span lines;
the sheet row for a workbook). Wide cells keep option numbers as written; a Q34 box whose value
is not a checkbox value (``1``/``x``/``ja``/``true``, ``0``/``nej``/``false``/empty) gives a row
whose ``checkbox_value`` holds that text, for the classification to reject. Staging trims,
casts and normalises.

The table is replaced in one statement after every file has been read, so a bad file leaves
the previous raw table in place.
"""

from __future__ import annotations

import codecs
import csv
import glob
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from styringsoverblik import wide

REQUIRED_COLUMNS = ("municipality_code", "survey_year", "question_no", "item", "answer")
# An optional column of a long file: the generated sample writes `synthetic` on every row.
ORIGIN_COLUMN, SYNTHETIC = "data_origin", "synthetic"
RAW_TABLE = "raw.raw_responses"
XLSX_SUFFIXES = (".xlsx", ".xlsm")

# The columns of raw.raw_responses, in order: every one text but the two line counts.
RAW_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_line_number", pa.int32()),
        ("source_line_span", pa.int32()),
        ("source_format", pa.string()),
        ("source_column", pa.string()),
        ("source_encoding", pa.string()),
        ("source_delimiter", pa.string()),
        *((name, pa.string()) for name in REQUIRED_COLUMNS),
        ("checkbox_value", pa.string()),
    ]
)
RAW_COLUMNS = tuple(RAW_SCHEMA.names)

EXPECTED_HEADERS = (
    f"either a long header {','.join(REQUIRED_COLUMNS)} (one row per answered cell; extra columns are "
    "ignored) or a wide header municipality_code,survey_year followed by one column per answer cell "
    "('Q1', 'Q4 | § 95', 'Q34 | Direktion | Varighed af indsatserne'; one row per municipality and survey round)"
)


class LoadError(Exception):
    """A response file cannot be loaded; the message names the file and the problem."""


def wide_error(name: str, path: Path, error: wide.LoadError) -> LoadError:
    """A :class:`wide.LoadError` (which names the file by its full path) naming the file as given."""
    message = str(error)
    rest = message[len(str(path)):] if message.startswith(str(path)) else f": {message}"
    return LoadError(f"Response file '{name}'{rest}")


@dataclass(frozen=True)
class LoadedFile:
    """One input file of a build, as recorded in the build log."""

    path: str
    size_bytes: int
    sha256: str
    raw_rows: int
    file_format: str  # 'long', 'wide_csv' or 'wide_xlsx'
    encoding: str | None  # None for a workbook
    delimiter: str | None  # None for a workbook
    is_synthetic: bool = False  # every row's data_origin is 'synthetic' (the shipped sample)


def sql_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def resolve_files(pattern: str, root: Path) -> list[tuple[str, Path]]:
    """(name, absolute path) of the files a path or glob names, sorted by name. Relative patterns
    are read from ``root`` (the project root) and keep their relative name."""
    if os.path.isabs(pattern):
        names = glob.glob(pattern, recursive=True)
        files = sorted((name, Path(name)) for name in names)
    else:
        names = glob.glob(pattern, root_dir=root, recursive=True)
        files = sorted((name, root / name) for name in names)
    files = [(name, path) for name, path in files if path.is_file()]
    if not files:
        raise LoadError(
            f"raw_responses_path: no response file matches '{pattern}' (relative paths are read from the "
            "project root). Pass an existing CSV file or glob, e.g. --vars "
            "'{raw_responses_path: data/sample/responses_2023_synthetic.csv}'."
        )
    return files


C1_BYTES = re.compile(rb"[\x80-\x9f]")


@dataclass(frozen=True)
class FileProbe:
    """What one pass over a file's bytes tells: size, digest, encoding and header line."""

    size_bytes: int
    sha256: str
    is_utf8: bool
    has_c1_bytes: bool
    first_line: bytes
    line_count: int  # physical lines, a last line without a line break included


def probe_file(path: Path, block_size: int = 1 << 20) -> FileProbe:
    """Stream the file once (constant memory, whatever its size)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, is_utf8, has_c1, first_line, newlines, last_byte = 0, True, False, None, 0, b"\n"
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(block_size), b""):
            digest.update(block)
            size += len(block)
            newlines += block.count(b"\n")
            last_byte = block[-1:]
            if first_line is None:
                first_line = block.split(b"\n", 1)[0]
            if is_utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
            has_c1 = has_c1 or C1_BYTES.search(block) is not None
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    line_count = newlines + (1 if size and last_byte != b"\n" else 0)
    return FileProbe(size, digest.hexdigest(), is_utf8, has_c1, first_line or b"", line_count)


def detect_encoding(name: str, probe: FileProbe) -> str:
    """'utf-8' (BOM or not) or 'latin-1'; a non-UTF-8 file with C1 bytes cannot be read."""
    if probe.is_utf8:
        return "utf-8"
    if probe.has_c1_bytes:
        raise LoadError(
            f"Response file '{name}' is not UTF-8 and holds bytes 0x80-0x9F (Windows-1252 curly quotes, dashes or "
            "the euro sign), which DuckDB's Latin-1 reader cannot decode. Save the file as UTF-8 (Excel: 'CSV UTF-8') "
            "and run again."
        )
    return "latin-1"


def header_line(probe: FileProbe, encoding: str) -> str:
    return probe.first_line.decode(encoding, errors="replace").replace("\ufeff", "").replace("\r", "")


def split_header(line: str) -> tuple[str, list[str]]:
    delimiter = ";" if line.count(";") > line.count(",") else ","
    return delimiter, [name.strip().strip('"').strip().lower() for name in line.split(delimiter)]


def header_fields(line: str, delimiter: str) -> list[str]:
    """The header's fields as a CSV reader sees them (quotes removed, case kept)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


class CsvFile:
    """One long-format CSV response file, read by DuckDB. Its constructor also detects the
    encoding, delimiter and header of any CSV file (long or wide)."""

    file_format = "long"

    def __init__(self, name: str, path: Path, probe: FileProbe):
        self.name = name
        self.path = path
        self.line_count = probe.line_count
        self.encoding = detect_encoding(name, probe)
        self.header_text = header_line(probe, self.encoding)
        self.delimiter, self.header = split_header(self.header_text)

    @property
    def is_long(self) -> bool:
        return all(name in self.header for name in REQUIRED_COLUMNS)

    @property
    def is_wide(self) -> bool:
        return not self.is_long and wide.is_wide_header(header_fields(self.header_text, self.delimiter))

    @property
    def literal(self) -> str:
        return sql_literal(str(self.path))

    @property
    def name_literal(self) -> str:
        return sql_literal(self.name)

    def check_columns(self) -> None:
        missing = [name for name in REQUIRED_COLUMNS if name not in self.header]
        if missing:
            raise LoadError(
                f"Response file '{self.name}' lacks the required column(s) {', '.join(missing)}; its header "
                f"(delimiter '{self.delimiter}') is: {self.header_text}. Expected {EXPECTED_HEADERS}."
            )

    def lines_relation(self) -> str:
        """Every physical line of the file, unparsed."""
        return (
            f"read_csv({self.literal}, encoding='{self.encoding}', header=false, columns={{'line': 'VARCHAR'}}, "
            "delim=chr(1), quote='', escape='', auto_detect=false, parallel=false)"
        )

    def csv_options(self) -> str:
        columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in self.header)
        return (
            f"encoding='{self.encoding}', delim='{self.delimiter}', header=true, quote='\"', escape='\"', "
            f"columns={{{columns}}}, auto_detect=false, null_padding=true, parallel=false"
        )

    def select_sql(self) -> str:
        """Records with the line each starts on (blank lines skipped by the reader still count)."""
        all_fields = ", ".join(f"coalesce(\"{name}\", '')" for name in self.header)
        required = ", ".join(f'"{name}"' for name in REQUIRED_COLUMNS)
        return f"""
            with records as (
                select
                    row_number() over () as record_no,
                    -- a quoted field may hold line breaks: the record then spans more lines
                    1 + length(concat({all_fields})) - length(replace(concat({all_fields}), chr(10), '')) as line_span,
                    {required}
                from read_csv({self.literal}, {self.csv_options()})
            ),
            positioned_records as (
                select
                    *,
                    coalesce(sum(line_span) over (order by record_no rows between unbounded preceding and 1 preceding), 0)
                    + 1 as first_data_line_no
                from records
            ),
            data_lines as (
                select line_number, row_number() over (order by line_number) as data_line_no
                from (select row_number() over () as line_number, line from {self.lines_relation()})
                where line_number > 1 and trim(coalesce(line, '')) not in ('', chr(13))
            )
            select
                {self.output_columns('data_lines.line_number', 'positioned_records.line_span', 'positioned_records')}
            from positioned_records
            left join data_lines on positioned_records.first_data_line_no = data_lines.data_line_no
        """

    def check_complete(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        """Every non-blank line must belong to a record; returns the number of records."""
        records, lines_read, data_lines, first_unread, unread_text = con.execute(
            f"""
            with read_lines as (
                select count(*) as records, coalesce(sum(source_line_span), 0) as lines_read from {table}
            ),
            data_lines as (
                select line_number, line, row_number() over (order by line_number) as data_line_no
                from (select row_number() over () as line_number, line from {self.lines_relation()})
                where line_number > 1 and trim(coalesce(line, '')) not in ('', chr(13))
            )
            select
                read_lines.records,
                read_lines.lines_read,
                (select count(*) from data_lines),
                (select min(line_number) from data_lines where data_line_no = read_lines.lines_read + 1),
                (select min(line) from data_lines where data_line_no = read_lines.lines_read + 1)
            from read_lines
            """
        ).fetchone()
        if records == 0:
            raise LoadError(
                f"Response file '{self.name}' has a header but no response rows; expected one row per answered cell."
            )
        if lines_read < data_lines:
            raise LoadError(
                f"Response file '{self.name}' has {data_lines} data lines but only {lines_read} could be read as CSV "
                f"rows: reading stopped at line {first_unread} ({unread_text}). Look for a quote that is opened and "
                "never closed at or before that line."
            )
        return records

    def load(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        """Read the records in one pass, numbering each as the line after the previous one; that
        holds when every line after the header is one record (no blank lines, no line breaks
        inside quotes), which the line count of the probe shows. Otherwise map records to lines
        exactly (a second pass)."""
        self.check_columns()
        records = self.read_records(con, table)
        if 0 < records == self.line_count - 1:
            return records
        con.execute(f"create or replace temp table {table} as {self.select_sql()}")
        return self.check_complete(con, table)

    def is_synthetic(self, con: duckdb.DuckDBPyConnection) -> bool:
        """True when the file has the sample's `data_origin` column and every row holds `synthetic`
        (the generated sample marks itself so; see styringsoverblik.sample)."""
        if ORIGIN_COLUMN not in self.header:
            return False
        (synthetic,) = con.execute(
            f"select coalesce(bool_and(coalesce(trim(\"{ORIGIN_COLUMN}\"), '') = ?), false) "
            f"from read_csv({self.literal}, {self.csv_options()})",
            [SYNTHETIC],
        ).fetchone()
        return bool(synthetic)

    def read_records(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        """Every record as the line after the previous one (the header is line 1); lines the CSV
        reader cannot parse stop the load with their line and text. Returns the records read."""
        con.execute("drop table if exists load_errors; drop table if exists load_scans")
        con.execute(
            f"""
            create or replace temp table {table} as
            select {self.output_columns('row_number() over () + 1', '1')}
            from read_csv({self.literal}, {self.csv_options()}, store_rejects=true, rejects_table='load_errors',
                rejects_scan='load_scans')
            """
        )
        self.raise_unparsable(con.execute(
            "select line, error_message, trim(csv_line, chr(10) || chr(13)) from load_errors order by line"
        ).fetchall())
        con.execute("drop table if exists load_errors; drop table if exists load_scans")
        return con.execute(f"select count(*) from {table}").fetchone()[0]

    def raise_unparsable(self, rows: list[tuple]) -> None:
        if rows:
            problems = "; ".join(f"line {line}: {message} ({text})" for line, message, text in rows[:20])
            raise LoadError(
                f"Response file '{self.name}' has {len(rows)} line(s) that are not valid CSV with the delimiter "
                f"'{self.delimiter}' and the columns {','.join(self.header)}: {problems}. A value holding the "
                "delimiter or a line break must be enclosed in double quotes."
            )

    def output_columns(self, line_number: str, line_span: str, records: str = "") -> str:
        """The raw table's columns, given the expressions of the line number and span."""
        prefix = f"{records}." if records else ""
        return f"""
            {self.name_literal} as source_file,
            cast({line_number} as integer) as source_line_number,
            cast({line_span} as integer) as source_line_span,
            'long' as source_format,
            cast(null as varchar) as source_column,
            '{self.encoding}' as source_encoding,
            '{self.delimiter}' as source_delimiter,
            {", ".join(f"{prefix}{name}" for name in REQUIRED_COLUMNS)},
            cast(null as varchar) as checkbox_value
        """


class WideFile:
    """One wide response file (CSV or workbook), read by :mod:`styringsoverblik.wide`."""

    file_format = "wide"
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, name: str, path: Path, rubric: Callable[[], wide.Rubric]):
        self.name = name
        self.path = path
        self.rubric = rubric

    def read(self) -> list[wide.WideRow]:
        raise NotImplementedError

    def rows_table(self, rows: list[wide.WideRow]) -> pa.Table:
        """The rows in the raw table's columns (every value text as read; the raw text of an
        invalid checkbox value also in ``checkbox_value``)."""
        constant = {
            "source_file": self.name,
            "source_line_span": 1,
            "source_format": self.file_format,
            "source_encoding": self.encoding,
            "source_delimiter": self.delimiter,
        }
        columns = {name: [value] * len(rows) for name, value in constant.items()}
        for name in ("source_line_number", "source_column", *REQUIRED_COLUMNS):
            columns[name] = [getattr(row, name) for row in rows]
        columns["checkbox_value"] = [row.answer if row.checkbox_value_invalid else None for row in rows]
        return pa.Table.from_pydict({name: columns[name] for name in RAW_COLUMNS}, schema=RAW_SCHEMA)

    def load(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        try:
            rows = self.read()
        except wide.LoadError as error:
            raise wide_error(self.name, self.path, error) from error
        if not rows:
            raise LoadError(
                f"Response file '{self.name}' has a header but no response rows; expected one row per "
                "municipality and survey round with at least one answered cell."
            )
        view = f"{table}_rows"
        con.complete()  # register() refuses while an earlier execute() has unread rows (fetchone() leaves some)
        con.register(view, self.rows_table(rows))
        try:
            con.execute(f"create or replace temp table {table} as select * from {view}")
        finally:
            con.unregister(view)
        return len(rows)


class WideCsvFile(WideFile):
    """A wide CSV file; encoding and delimiter as detected for any CSV (:class:`CsvFile`)."""

    file_format = "wide_csv"

    def __init__(self, csv_file: CsvFile, rubric: Callable[[], wide.Rubric]):
        super().__init__(csv_file.name, csv_file.path, rubric)
        self.encoding = csv_file.encoding
        self.delimiter = csv_file.delimiter

    def read(self) -> list[wide.WideRow]:
        return wide.read_wide_csv(self.path, self.rubric(), encoding=self.encoding, delimiter=self.delimiter)


class WideXlsxFile(WideFile):
    """A wide workbook: the first sheet, or the sheet named ``sheet``."""

    file_format = "wide_xlsx"

    def __init__(self, name: str, path: Path, rubric: Callable[[], wide.Rubric], sheet: str | None):
        super().__init__(name, path, rubric)
        self.sheet = sheet

    def read(self) -> list[wide.WideRow]:
        header = {wide.normalize_label(column) for column in wide.read_header(self.path, self.sheet)}
        if {"question_no", "item", "answer"} <= header:
            raise LoadError(
                f"Response file '{self.name}' is a workbook with a long header (question_no, item, answer); "
                "long files are read as CSV only. Save the sheet as CSV UTF-8, or use the wide layout "
                "(municipality_code,survey_year,Q1,…; e.g. the response template)."
            )
        return wide.read_wide_xlsx(self.path, self.rubric(), self.sheet)


def open_response_file(
    name: str, path: Path, probe: FileProbe, rubric: Callable[[], wide.Rubric], sheet: str | None
) -> CsvFile | WideFile:
    """The reader of one file, chosen from its extension (workbooks) and header (CSV)."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        return WideXlsxFile(name, path, rubric, sheet)
    csv_file = CsvFile(name, path, probe)
    if csv_file.is_wide:
        return WideCsvFile(csv_file, rubric)
    return csv_file  # long, or neither: CsvFile.check_columns names what is expected


def rubric_loader(root: Path) -> Callable[[], wide.Rubric]:
    """The rubric of the project's seeds, read once, when the first wide file needs it."""
    cache: list[wide.Rubric] = []

    def rubric() -> wide.Rubric:
        if not cache:
            try:
                cache.append(wide.Rubric.from_seeds(root / "seeds"))
            except wide.LoadError as error:
                raise LoadError(
                    f"Wide response files need the rubric seeds to resolve their columns: {error}"
                ) from error
        return cache[0]

    return rubric


def load_responses(
    con: duckdb.DuckDBPyConnection, pattern: str, root: Path, sheet: str | None = None
) -> list[LoadedFile]:
    """Read every file the pattern names and replace raw.raw_responses with their rows.

    ``sheet`` names the sheet read from every ``.xlsx``/``.xlsm`` file; None or '' (the dbt var
    ``xlsx_sheet``'s default) reads the first sheet.

    Line numbers are the order the CSV reader yields the records in, so DuckDB's
    ``preserve_insertion_order`` (which the project's profile turns off for everything else) is
    on while the files are read."""
    previous = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("set preserve_insertion_order = true")
    try:
        return _load_responses(con, pattern, root, sheet or None)
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if previous else 'false'}")


def _load_responses(con: duckdb.DuckDBPyConnection, pattern: str, root: Path, sheet: str | None) -> list[LoadedFile]:
    loaded: list[LoadedFile] = []
    parts: list[str] = []
    rubric = rubric_loader(root)
    for number, (name, path) in enumerate(resolve_files(pattern, root)):
        probe = probe_file(path)
        if probe.size_bytes == 0:
            expected = (
                "an Excel workbook with a wide header on row 1"
                if path.suffix.lower() in XLSX_SUFFIXES
                else f"a CSV with the header {','.join(REQUIRED_COLUMNS)} (long) or "
                "municipality_code,survey_year,Q1,… (wide)"
            )
            raise LoadError(f"Response file '{name}' is empty (0 bytes); expected {expected}.")
        reader = open_response_file(name, path, probe, rubric, sheet)
        part = f"load_part_{number}"
        rows = reader.load(con, part)
        parts.append(part)
        synthetic = isinstance(reader, CsvFile) and reader.is_synthetic(con)
        loaded.append(
            LoadedFile(
                name, probe.size_bytes, probe.sha256, rows, reader.file_format, reader.encoding, reader.delimiter,
                synthetic,
            )
        )
    union = "\nunion all by name\n".join(f"select * from {part}" for part in parts)
    con.execute("create schema if not exists raw")
    con.execute(f"create or replace table {RAW_TABLE} as {union}")
    for part in parts:
        con.execute(f"drop table {part}")
    return loaded
