"""Load the response file(s) into the source table ``raw.raw_responses``.

Called by the ingest stage (:mod:`styringsoverblik.ingest`) at the start of a build of the marts
(never by ``dbt test``, ``dbt compile``, ``dbt docs generate`` or ``dbt ls``), with an in-memory
DuckDB connection; ingest writes the table to the target. Each file's format is detected from its name and header:

- LONG CSV (header ``municipality_code,survey_year,question_no,item,answer``, one row per
  answered cell): DuckDB itself reads the file;
- WIDE CSV (header ``municipality_code,survey_year,Q1,…``, one row per municipality and survey
  round, one column per answer cell) and WIDE ``.xlsx``/``.xlsm`` workbooks (the first visible sheet,
  or the sheet named by ``sheet``): read by :mod:`styringsoverblik.wide` against the rubric
  seeds, every answered cell becoming one long row (``source_column`` = its column header,
  ``source_cell`` = its A1 address in a workbook).

Long and wide files may be mixed in one glob. A path that exists is that one file (``[``, ``*``
and ``?`` in its name are literal); otherwise the glob is expanded once (``**`` enters each real
folder once, so a symbolic link loop ends) and a file reached by two names is read once. Python
inspects each file first (encoding, delimiter, header) so that a bad file stops the build with a
message that names the path, the line and the problem:

- no file matches the path or glob; the path is a folder, a broken or looping link, a pipe or
  device, or a file that cannot be opened for reading;
- a CSV is UTF-16 or UTF-32 (a byte order mark, or NUL bytes between the letters) or holds NUL
  bytes;
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

No value from a file reaches SQL as text: a long CSV is read with the loader's own column
names (``c1``, ``c2``, …) and its required columns taken by their position in the header parsed
here; paths, names, encodings and delimiters are bound parameters. Every value from a file shown
in a message goes through :mod:`styringsoverblik.display` (control characters escaped, cut to
200 characters with the length stated).

The table is replaced in one statement after every file has been read, so a bad file leaves
the previous raw table in place.
"""

from __future__ import annotations

import codecs
import csv
import errno
import fnmatch
import glob
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from styringsoverblik import wide
from styringsoverblik.display import MAX_SHOWN_CHARS, show, show_bare
from styringsoverblik.project import Project, ProjectError
from styringsoverblik.rubric import Rubric, RubricError

REQUIRED_COLUMNS = ("municipality_code", "survey_year", "question_no", "item", "answer")
# An optional column of a long file: the generated sample writes `synthetic` on every row.
ORIGIN_COLUMN, SYNTHETIC = "data_origin", "synthetic"
RAW_TABLE = "raw.raw_responses"
# A long CSV has five columns; a header beyond these limits is no response file's.
MAX_CSV_COLUMNS = 2000
MAX_HEADER_BYTES = 1 << 20
# Lines that are not valid CSV listed in the message (the count states them all).
MAX_LISTED_LINES = 20
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
        ("source_cell", pa.string()),
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
    return LoadError(f"Response file {show(name)}{rest}")


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
    sheet_name: str | None = None  # the sheet read from a workbook; None for a CSV
    is_synthetic: bool = False  # every row's data_origin is 'synthetic' (the shipped sample)


def sql_literal(value: str) -> str:
    """A SQL string literal (for the publish step's own paths; input values are bound parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# Finding the files


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _scandir(folder: str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []  # a folder that cannot be listed matches nothing (as glob.glob)


def _expand_glob(base: str, parts: list[str], visited: set[str]) -> Iterator[str]:
    """The paths a glob's parts match below ``base``, as :func:`glob.glob` with ``recursive``
    matches them (``*`` and ``**`` skip hidden names), except that ``**`` enters each real folder
    once: a symbolic link back to a parent (a loop) or a second link to one folder is not
    followed again, so the expansion ends and no file is found twice through it."""
    if not parts:
        yield base
        return
    part, rest = parts[0], parts[1:]
    if part == "**":
        state = (os.path.realpath(base), len(rest))
        if state in visited:
            return
        visited.add(state)
        yield from _expand_glob(base, rest, visited)
        for entry in _scandir(base):
            if _is_hidden(entry.name):
                continue
            if entry.is_dir():
                yield from _expand_glob(os.path.join(base, entry.name), parts, visited)
            elif not rest:
                yield os.path.join(base, entry.name)
    elif glob.has_magic(part):
        for entry in _scandir(base):
            if (not _is_hidden(entry.name) or part.startswith(".")) and fnmatch.fnmatchcase(entry.name, part):
                yield from _expand_glob(os.path.join(base, entry.name), rest, visited)
    else:
        path = os.path.join(base, part)
        if rest:
            if os.path.isdir(path):
                yield from _expand_glob(path, rest, visited)
        elif os.path.lexists(path):
            yield path


def _split_pattern(pattern: str) -> tuple[str, list[str]]:
    """The folder a pattern starts from ('' = the working folder, '/' for an absolute one) and its parts."""
    anchor = os.sep if os.path.isabs(pattern) else ""
    return anchor, [part for part in pattern.split(os.sep) if part not in ("", ".")]


def _not_found(pattern: str) -> LoadError:
    return LoadError(
        f"raw_responses_path: no response file matches {show(pattern)} (relative paths are read from the "
        "project root). Pass an existing CSV file or glob, e.g. --vars "
        "'{raw_responses_path: data/sample/responses_2023_synthetic.csv}'."
    )


def file_problem(name: str, path: Path) -> LoadError | None:
    """Why a path named by raw_responses_path cannot be read as a response file (None: it can)."""
    shown = show(name)
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return LoadError(f"Response file {shown} is a symbolic link that points back to itself (a loop); "
                             "point raw_responses_path at the file itself.")
        if os.path.islink(path):
            return LoadError(f"Response file {shown} is a symbolic link to a file that does not exist "
                             f"({show(os.readlink(path))}); point raw_responses_path at the file itself.")
        return LoadError(f"Response file {shown} cannot be read ({error.strerror or error}).")
    if stat.S_ISDIR(status.st_mode):
        return LoadError(
            f"Response file {shown} is a folder, not a file; name the files in it, e.g. "
            f"{show(os.path.join(name, '*.csv'))} or {show(os.path.join(name, '*.xlsx'))}."
        )
    if not stat.S_ISREG(status.st_mode):
        return LoadError(f"Response file {shown} is not a regular file (a device, pipe or socket); "
                         "save the responses as a CSV or .xlsx file and name that.")
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        return LoadError(
            f"Response file {shown} cannot be opened for reading ({error.strerror or error}); give the user "
            "running the build read access to it (or copy it to a folder that user can read)."
        )
    return None


def resolve_files(pattern: str, root: Path) -> list[tuple[str, Path]]:
    """(name, absolute path) of the files a path or glob names, sorted by name. Relative patterns
    are read from ``root`` (the project root) and keep their relative name.

    A path that exists is that file, whatever characters its name holds (``[``, ``*``, ``?``);
    otherwise a glob is expanded once (``**`` enters each real folder once). A file reached by
    two names (a symbolic link) is read once, under the first name. An exact path that is a
    folder, a broken link or unreadable gets its own message; a glob skips the folders it matches
    (it fails when it matches nothing else) but not an unreadable file."""
    if not pattern:
        raise _not_found(pattern)
    base = Path(pattern) if os.path.isabs(pattern) else root / pattern
    if os.path.lexists(base):
        problem = file_problem(pattern, base)
        if problem is not None:
            raise problem
        return [(pattern, base)]
    if not glob.has_magic(pattern):
        raise _not_found(pattern)
    anchor, parts = _split_pattern(pattern)
    start = anchor or str(root)
    matches = sorted(
        {os.path.relpath(path, start) if not anchor else path for path in _expand_glob(start, parts, set())}
    )
    files: list[tuple[str, Path]] = []
    seen: set[str] = set()
    folders = 0
    for name in matches:
        path = Path(name) if anchor else root / name
        if os.path.isdir(path):
            folders += 1
            continue
        problem = file_problem(name, path)
        if problem is not None:
            raise problem
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            files.append((name, path))
    if not files:
        if folders:
            raise LoadError(
                f"raw_responses_path: {show(pattern)} matches {folders} folder(s) but no file; name the files, "
                "e.g. 'inbox/*.csv' or 'inbox/**/*.xlsx'."
            )
        raise _not_found(pattern)
    return files


# --------------------------------------------------------------------------------------------
# Looking at a file's bytes


C1_BYTES = re.compile(rb"[\x80-\x9f]")
HEAD_BYTES = 4096

# Byte order marks of encodings a CSV must not be in (UTF-32 first: its LE mark starts like UTF-16's).
WIDE_CHAR_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True)
class FileProbe:
    """What one pass over a file's bytes tells: size, digest, encoding and header line."""

    size_bytes: int
    sha256: str
    is_utf8: bool
    has_c1_bytes: bool
    first_line: bytes
    line_count: int  # physical lines, a last line without a line break included
    head: bytes = b""  # the first HEAD_BYTES bytes


def probe_file(path: Path, block_size: int = 1 << 20) -> FileProbe:
    """Stream the file once (constant memory, whatever its size; the first line is kept up to
    MAX_HEADER_BYTES)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, is_utf8, has_c1, first_line, newlines, last_byte, head = 0, True, False, None, 0, b"\n", b""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(block_size), b""):
            digest.update(block)
            if not head:
                head = block[:HEAD_BYTES]
            size += len(block)
            newlines += block.count(b"\n")
            last_byte = block[-1:]
            if first_line is None:
                first_line = block.split(b"\n", 1)[0][:MAX_HEADER_BYTES]
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
    return FileProbe(size, digest.hexdigest(), is_utf8, has_c1, first_line or b"", line_count, head)


def check_text_encoding(name: str, probe: FileProbe) -> None:
    """A CSV in UTF-16 or UTF-32 (a byte order mark, or the NUL bytes such text has between its
    letters) or holding NUL bytes at all cannot be read; each gets its own message."""
    advice = "Save it as UTF-8 (Excel: 'CSV UTF-8 (kommasepareret)') and run again."
    for bom, encoding in WIDE_CHAR_BOMS:
        if probe.head.startswith(bom):
            raise LoadError(f"Response file {show(name)} is {encoding} text (it starts with a {encoding} byte order "
                            f"mark); the loader reads UTF-8 and Windows-1252 only. {advice}")
    nul_count = probe.head.count(b"\x00")
    if not nul_count:
        return
    if nul_count * 4 >= len(probe.head) * 3 // 2:
        # ASCII text in UTF-16 has a NUL in every other byte, in UTF-32 three in every four
        encoding = "UTF-32" if nul_count * 4 >= len(probe.head) * 5 // 2 else "UTF-16"
        raise LoadError(f"Response file {show(name)} looks like {encoding} text without a byte order mark (every "
                        f"{'fourth' if encoding == 'UTF-32' else 'second'} byte is NUL); the loader reads UTF-8 "
                        f"and Windows-1252 only. {advice}")
    raise LoadError(f"Response file {show(name)} holds NUL bytes (0x00) in its first {len(probe.head)} bytes, so "
                    f"it is not a text (CSV) file. {advice}")


def detect_encoding(name: str, probe: FileProbe) -> str:
    """'utf-8' (BOM or not) or 'latin-1'; a non-UTF-8 file with C1 bytes cannot be read."""
    if probe.is_utf8:
        return "utf-8"
    if probe.has_c1_bytes:
        raise LoadError(
            f"Response file {show(name)} is not UTF-8 and holds bytes 0x80-0x9F (Windows-1252 curly quotes, dashes or "
            "the euro sign), which DuckDB's Latin-1 reader cannot decode. Save the file as UTF-8 (Excel: 'CSV UTF-8') "
            "and run again."
        )
    return "latin-1"


def header_line(probe: FileProbe, encoding: str) -> str:
    return probe.first_line.decode(encoding, errors="replace").replace("\ufeff", "").replace("\r", "")


def detect_delimiter(line: str) -> str:
    return ";" if line.count(";") > line.count(",") else ","


def header_fields(line: str, delimiter: str) -> list[str]:
    """The header's fields as a CSV reader sees them (quotes removed, case kept)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def column_key(field: str) -> str:
    """A long header's column as compared with REQUIRED_COLUMNS (spaces and case ignored)."""
    return field.strip().lower()


# --------------------------------------------------------------------------------------------
# Long CSV files, read by DuckDB


class CsvFile:
    """One long-format CSV response file, read by DuckDB. Its constructor also detects the
    encoding, delimiter and header of any CSV file (long or wide).

    The header is parsed here, in Python; DuckDB reads the file with column names of the
    loader's own (``c1``, ``c2``, …) and the required columns are taken by their position, so
    no header text ever reaches SQL. The path, the name and every other value from the file
    are bound parameters."""

    file_format = "long"
    sheet_name: str | None = None

    def __init__(self, name: str, path: Path, probe: FileProbe):
        self.name = name
        self.path = path
        self.line_count = probe.line_count
        self.header_bytes = len(probe.first_line)
        check_text_encoding(name, probe)
        self.encoding = detect_encoding(name, probe)
        self.header_text = header_line(probe, self.encoding)
        self.delimiter = detect_delimiter(self.header_text)
        self.fields = header_fields(self.header_text, self.delimiter)
        self.header = [column_key(field) for field in self.fields]

    @property
    def is_long(self) -> bool:
        return all(name in self.header for name in REQUIRED_COLUMNS)

    @property
    def is_wide(self) -> bool:
        return not self.is_long and wide.is_wide_header(self.fields)

    @property
    def duckdb_path(self) -> str:
        """The path as DuckDB's reader takes it: DuckDB expands ``*``, ``?`` and ``[…]`` in a
        path, so each is put in brackets (``[[]``) to name the one file exactly."""
        return re.sub(r"([*?\[])", r"[\1]", str(self.path))

    @property
    def parameters(self) -> dict[str, str]:
        return {"path": self.duckdb_path, "name": self.name, "encoding": self.encoding, "delimiter": self.delimiter}

    def check_columns(self) -> None:
        missing = [name for name in REQUIRED_COLUMNS if name not in self.header]
        if missing:
            raise LoadError(
                f"Response file {show(self.name)} lacks the required column(s) {', '.join(missing)}; its header "
                f"(delimiter '{self.delimiter}') is: {show_bare(self.header_text)}. Expected {EXPECTED_HEADERS}."
            )
        twice = [name for name in REQUIRED_COLUMNS if self.header.count(name) > 1]
        if twice:
            columns = ", ".join(f"{name} (columns {', '.join(str(i + 1) for i, key in enumerate(self.header) if key == name)})"
                                for name in twice)
            raise LoadError(
                f"Response file {show(self.name)} names a required column more than once: {columns}; expected each "
                "of municipality_code, survey_year, question_no, item, answer once."
            )
        if len(self.header) > MAX_CSV_COLUMNS or self.header_bytes >= MAX_HEADER_BYTES:
            raise LoadError(
                f"Response file {show(self.name)} has a header of {len(self.header)} columns "
                f"({'at least ' if self.header_bytes >= MAX_HEADER_BYTES else ''}{self.header_bytes} bytes); a long "
                f"file has the 5 columns {','.join(REQUIRED_COLUMNS)} (and at most {MAX_CSV_COLUMNS} in all)."
            )

    @property
    def column_names(self) -> list[str]:
        """The loader's own names of the file's columns, by position."""
        return [f"c{number}" for number in range(1, len(self.header) + 1)]

    def required(self, prefix: str = "") -> str:
        """The required columns, taken by position, under their contract names."""
        return ", ".join(f"{prefix}c{self.header.index(name) + 1} as {name}" for name in REQUIRED_COLUMNS)

    def lines_relation(self) -> str:
        """Every physical line of the file, unparsed."""
        return (
            "read_csv($path, encoding=$encoding, header=false, columns={'line': 'VARCHAR'}, "
            "delim=chr(1), quote='', escape='', auto_detect=false, parallel=false)"
        )

    def csv_options(self) -> str:
        columns = ", ".join(f"'{name}': 'VARCHAR'" for name in self.column_names)
        return (
            "encoding=$encoding, delim=$delimiter, header=true, quote='\"', escape='\"', "
            f"columns={{{columns}}}, auto_detect=false, null_padding=true, parallel=false"
        )

    def select_sql(self) -> str:
        """Records with the line each starts on (blank lines skipped by the reader still count)."""
        all_fields = ", ".join(f"coalesce({name}, '')" for name in self.column_names)
        return f"""
            with records as (
                select
                    row_number() over () as record_no,
                    -- a quoted field may hold line breaks: the record then spans more lines
                    1 + length(concat({all_fields})) - length(replace(concat({all_fields}), chr(10), '')) as line_span,
                    {self.required()}
                from read_csv($path, {self.csv_options()})
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
        records, lines_read, data_lines, first_unread, unread_text, unread_length = con.execute(
            f"""
            with read_lines as (
                select count(*) as records, coalesce(sum(source_line_span), 0) as lines_read from {table}
            ),
            data_lines as (
                select line_number, line, row_number() over (order by line_number) as data_line_no
                from (select row_number() over () as line_number, line from {self.lines_relation()})
                where line_number > 1 and trim(coalesce(line, '')) not in ('', chr(13))
            ),
            unread as (
                select min(line_number) as line_number, min(line) as line
                from data_lines, read_lines
                where data_line_no = read_lines.lines_read + 1
            )
            select
                read_lines.records,
                read_lines.lines_read,
                (select count(*) from data_lines),
                unread.line_number,
                left(unread.line, {2 * MAX_SHOWN_CHARS}),
                length(unread.line)
            from read_lines, unread
            """,
            {"path": self.duckdb_path, "encoding": self.encoding},
        ).fetchone()
        if records == 0:
            raise LoadError(
                f"Response file {show(self.name)} has a header but no response rows; expected one row per answered cell."
            )
        if lines_read < data_lines:
            raise LoadError(
                f"Response file {show(self.name)} has {data_lines} data lines but only {lines_read} could be read as "
                f"CSV rows: reading stopped at line {first_unread} ({show_bare(unread_text, length=unread_length)}). "
                "Look for a quote that is opened and never closed at or before that line."
            )
        return records

    def load(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        """Read the records in one pass, numbering each as the line after the previous one; that
        holds when every line after the header is one record (no blank lines, no line breaks
        inside quotes), which the line count of the probe shows. Otherwise map records to lines
        exactly (a second pass)."""
        self.check_columns()
        try:
            records = self.read_records(con, table)
            if 0 < records == self.line_count - 1:
                return records
            con.execute(f"create or replace temp table {table} as {self.select_sql()}", self.parameters)
            return self.check_complete(con, table)
        except duckdb.Error as error:
            raise LoadError(
                f"Response file {show(self.name)} could not be read as CSV (encoding {self.encoding}, delimiter "
                f"'{self.delimiter}'): {show_bare(str(error))}. Check that it is a CSV file saved as UTF-8."
            ) from None

    def is_synthetic(self, con: duckdb.DuckDBPyConnection) -> bool:
        """True when the file has the sample's `data_origin` column and every row holds `synthetic`
        (the generated sample marks itself so; see styringsoverblik.sample)."""
        if ORIGIN_COLUMN not in self.header:
            return False
        origin = f"c{self.header.index(ORIGIN_COLUMN) + 1}"  # the loader's own name, by position
        (synthetic,) = con.execute(
            f"select coalesce(bool_and(coalesce(trim({origin}), '') = $synthetic), false) "
            f"from read_csv($path, {self.csv_options()})",
            {"path": self.duckdb_path, "encoding": self.encoding, "delimiter": self.delimiter, "synthetic": SYNTHETIC},
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
            from read_csv($path, {self.csv_options()}, store_rejects=true, rejects_table='load_errors',
                rejects_scan='load_scans')
            """,
            self.parameters,
        )
        self.raise_unparsable(con.execute(
            f"""
            select
                line,
                left(error_message, {2 * MAX_SHOWN_CHARS}),
                length(error_message),
                left(trim(csv_line, chr(10) || chr(13)), {2 * MAX_SHOWN_CHARS}),
                length(trim(csv_line, chr(10) || chr(13))),
                count(*) over ()
            from load_errors
            order by line
            limit {MAX_LISTED_LINES}
            """
        ).fetchall())
        con.execute("drop table if exists load_errors; drop table if exists load_scans")
        return con.execute(f"select count(*) from {table}").fetchone()[0]

    def raise_unparsable(self, rows: list[tuple]) -> None:
        if rows:
            problems = "; ".join(
                f"line {line}: {show_bare(message, length=message_length)} ({show_bare(text, length=text_length)})"
                for line, message, message_length, text, text_length, _ in rows
            )
            raise LoadError(
                f"Response file {show(self.name)} has {rows[0][-1]} line(s) that are not valid CSV with the delimiter "
                f"'{self.delimiter}' and the columns {show_bare(','.join(self.header))}: {problems}. A value holding "
                "the delimiter or a line break must be enclosed in double quotes."
            )

    def output_columns(self, line_number: str, line_span: str, records: str = "") -> str:
        """The raw table's columns, given the expressions of the line number and span (the file's
        name, encoding and delimiter are the parameters $name, $encoding and $delimiter)."""
        prefix = f"{records}." if records else ""
        required = (
            ", ".join(f"{prefix}{name}" for name in REQUIRED_COLUMNS) if records else self.required()
        )
        return f"""
            cast($name as varchar) as source_file,
            cast({line_number} as integer) as source_line_number,
            cast({line_span} as integer) as source_line_span,
            'long' as source_format,
            cast(null as varchar) as source_column,
            cast($encoding as varchar) as source_encoding,
            cast($delimiter as varchar) as source_delimiter,
            {required},
            cast(null as varchar) as checkbox_value,
            cast(null as varchar) as source_cell
        """


class WideFile:
    """One wide response file (CSV or workbook), read by :mod:`styringsoverblik.wide`."""

    file_format = "wide"
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None

    def __init__(self, name: str, path: Path, rubric: Callable[[], Rubric]):
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
        for name in ("source_line_number", "source_column", "source_cell", *REQUIRED_COLUMNS):
            columns[name] = [getattr(row, name) for row in rows]
        columns["checkbox_value"] = [row.answer if row.checkbox_value_invalid else None for row in rows]
        return pa.Table.from_pydict({name: columns[name] for name in RAW_COLUMNS}, schema=RAW_SCHEMA)

    def load(self, con: duckdb.DuckDBPyConnection, table: str) -> int:
        try:
            rows = self.read()
        except wide.LoadError as error:
            raise wide_error(self.name, self.path, error) from None
        except MemoryError:
            raise LoadError(f"Response file {show(self.name)} is too large to read into memory; split it into "
                            "smaller files (a glob reads them all).") from None
        except OSError as error:
            raise LoadError(f"Response file {show(self.name)} cannot be read ({show_bare(error.strerror or error)})."
                            ) from None
        if not rows:
            raise LoadError(
                f"Response file {show(self.name)} has a header but no response rows; expected one row per "
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

    def __init__(self, csv_file: CsvFile, rubric: Callable[[], Rubric]):
        super().__init__(csv_file.name, csv_file.path, rubric)
        self.encoding = csv_file.encoding
        self.delimiter = csv_file.delimiter

    def read(self) -> list[wide.WideRow]:
        return wide.read_wide_csv(self.path, self.rubric(), encoding=self.encoding, delimiter=self.delimiter)


class WideXlsxFile(WideFile):
    """A wide workbook: the first visible sheet, or the sheet named ``sheet``."""

    file_format = "wide_xlsx"

    def __init__(self, name: str, path: Path, rubric: Callable[[], Rubric], sheet: str | None):
        super().__init__(name, path, rubric)
        self.sheet = sheet

    def read(self) -> list[wide.WideRow]:
        self.sheet_name, rows = wide.read_wide_xlsx_sheet(self.path, self.rubric(), self.sheet)
        return rows


def open_response_file(
    name: str, path: Path, probe: FileProbe, rubric: Callable[[], Rubric], sheet: str | None
) -> CsvFile | WideFile:
    """The reader of one file, chosen from its extension (workbooks) and header (CSV)."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        return WideXlsxFile(name, path, rubric, sheet)
    csv_file = CsvFile(name, path, probe)
    if csv_file.is_wide:
        return WideCsvFile(csv_file, rubric)
    return csv_file  # long, or neither: CsvFile.check_columns names what is expected


def rubric_loader(root: Path, given: Rubric | None = None) -> Callable[[], Rubric]:
    """The rubric of the project's seeds (styringsoverblik.rubric), read once, when the first wide
    file needs it; ``given`` when the caller has read it already."""
    cache: list[Rubric] = [given] if given is not None else []

    def rubric() -> Rubric:
        if not cache:
            try:
                cache.append(Rubric.from_project(Project(root)))
            except (RubricError, ProjectError) as error:
                raise LoadError(
                    f"Wide response files need the rubric seeds to resolve their columns: {error}"
                ) from error
        return cache[0]

    return rubric


def load_responses(
    con: duckdb.DuckDBPyConnection, pattern: str, root: Path, sheet: str | None = None, rubric: Rubric | None = None
) -> list[LoadedFile]:
    """Read every file the pattern names and replace raw.raw_responses with their rows.

    ``root`` is the dbt project's root: relative paths are resolved from it and wide files are
    read against its rubric seeds (or ``rubric``, when given). ``sheet`` names the sheet read from
    every ``.xlsx``/``.xlsm`` file; None or '' (the dbt var ``xlsx_sheet``'s default) reads the
    first visible sheet. The build reads into an in-memory DuckDB (styringsoverblik.ingest) and
    writes the rows to the target from there.

    Line numbers are the order the CSV reader yields the records in, so DuckDB's
    ``preserve_insertion_order`` (which the project's profile turns off for everything else) is
    on while the files are read."""
    previous = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("set preserve_insertion_order = true")
    try:
        return _load_responses(con, pattern, root, sheet or None, rubric)
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if previous else 'false'}")


def _load_responses(
    con: duckdb.DuckDBPyConnection, pattern: str, root: Path, sheet: str | None, given: Rubric | None
) -> list[LoadedFile]:
    loaded: list[LoadedFile] = []
    parts: list[str] = []
    rubric = rubric_loader(root, given)
    for number, (name, path) in enumerate(resolve_files(pattern, root)):
        try:
            probe = probe_file(path)
        except OSError as error:
            raise LoadError(f"Response file {show(name)} cannot be read ({show_bare(error.strerror or error)}); give "
                            "the user running the build read access to it.") from None
        if probe.size_bytes == 0:
            expected = (
                "an Excel workbook with a wide header on row 1"
                if path.suffix.lower() in XLSX_SUFFIXES
                else f"a CSV with the header {','.join(REQUIRED_COLUMNS)} (long) or "
                "municipality_code,survey_year,Q1,… (wide)"
            )
            raise LoadError(f"Response file {show(name)} is empty (0 bytes); expected {expected}.")
        reader = open_response_file(name, path, probe, rubric, sheet)
        part = f"load_part_{number}"
        rows = reader.load(con, part)
        parts.append(part)
        synthetic = isinstance(reader, CsvFile) and reader.is_synthetic(con)
        loaded.append(
            LoadedFile(
                name, probe.size_bytes, probe.sha256, rows, reader.file_format, reader.encoding, reader.delimiter,
                sheet_name=reader.sheet_name, is_synthetic=synthetic,
            )
        )
    union = "\nunion all by name\n".join(f"select * from {part}" for part in parts)
    con.execute("create schema if not exists raw")
    con.execute(f"create or replace table {RAW_TABLE} as {union}")
    for part in parts:
        con.execute(f"drop table {part}")
    return loaded
