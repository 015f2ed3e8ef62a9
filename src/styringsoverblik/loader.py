"""Load the response file(s) into the source table ``raw.raw_responses``.

Called by the project's dbt-duckdb plugin at the start of a build of the marts (never by
``dbt test``, ``dbt compile``, ``dbt docs generate`` or ``dbt ls``), with a DuckDB connection
to the warehouse. DuckDB itself reads each CSV file; Python only inspects each file first
(encoding, delimiter, header) so that a bad file stops the build with a message that names
the path, the line and the problem:

- no file matches the path or glob;
- the file is empty, or holds a header but no response rows;
- the header lacks one of the required columns (extra columns are ignored);
- the file is not UTF-8 and holds bytes 0x80-0x9F (Windows-1252 curly quotes, dashes, the
  euro sign), which DuckDB's Latin-1 reader cannot decode;
- a line is not valid CSV (too many fields), or lines would be swallowed by a quote that is
  opened and never closed (every non-blank line must belong to a record).

Encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1) and delimiter (``,`` or ``;``,
whichever the header uses) are detected per file, so one glob may mix exports. Every value is
kept as text exactly as read, with the file and the line the record starts on (header = line
1; blank lines count, a quoted value may span lines). Staging trims, casts and normalises.

The table is replaced in one statement after every file has been read, so a bad file leaves
the previous raw table in place.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

REQUIRED_COLUMNS = ("municipality_code", "survey_year", "question_no", "item", "answer")
RAW_TABLE = "raw.raw_responses"


class LoadError(Exception):
    """A response file cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class LoadedFile:
    """One input file of a build, as recorded in the build log."""

    path: str
    size_bytes: int
    sha256: str
    raw_rows: int
    file_format: str
    encoding: str
    delimiter: str


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


def probe_file(path: Path, block_size: int = 1 << 20) -> FileProbe:
    """Stream the file once (constant memory, whatever its size)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, is_utf8, has_c1, first_line = 0, True, False, None
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(block_size), b""):
            digest.update(block)
            size += len(block)
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
    return FileProbe(size, digest.hexdigest(), is_utf8, has_c1, first_line or b"")


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


class CsvFile:
    """One long-format CSV response file, read by DuckDB."""

    def __init__(self, name: str, path: Path, probe: FileProbe):
        self.name = name
        self.path = path
        self.encoding = detect_encoding(name, probe)
        self.header_text = header_line(probe, self.encoding)
        self.delimiter, self.header = split_header(self.header_text)

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
                f"(delimiter '{self.delimiter}') is: {self.header_text}. Expected the columns "
                f"{','.join(REQUIRED_COLUMNS)} (extra columns are ignored)."
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

    def check_parsable(self, con: duckdb.DuckDBPyConnection) -> None:
        """Lines the CSV reader cannot parse stop the load with their line and text."""
        con.execute("drop table if exists load_errors; drop table if exists load_scans")
        con.execute(
            f"select count(*) from read_csv({self.literal}, {self.csv_options()}, store_rejects=true, "
            "rejects_table='load_errors', rejects_scan='load_scans')"
        ).fetchall()
        rows = con.execute(
            "select line, error_message, trim(csv_line, chr(10) || chr(13)) from load_errors order by line"
        ).fetchall()
        con.execute("drop table if exists load_errors; drop table if exists load_scans")
        if rows:
            problems = "; ".join(f"line {line}: {message} ({text})" for line, message, text in rows[:20])
            raise LoadError(
                f"Response file '{self.name}' has {len(rows)} line(s) that are not valid CSV with the delimiter "
                f"'{self.delimiter}' and the columns {','.join(self.header)}: {problems}. A value holding the "
                "delimiter or a line break must be enclosed in double quotes."
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
                {self.name_literal} as source_file,
                data_lines.line_number::integer as source_line_number,
                positioned_records.line_span::integer as source_line_span,
                'long' as source_format,
                null::varchar as source_column,
                '{self.encoding}' as source_encoding,
                '{self.delimiter}' as source_delimiter,
                {", ".join(f"positioned_records.{name}" for name in REQUIRED_COLUMNS)}
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
        self.check_columns()
        self.check_parsable(con)
        con.execute(f"create or replace temp table {table} as {self.select_sql()}")
        return self.check_complete(con, table)


def load_responses(con: duckdb.DuckDBPyConnection, pattern: str, root: Path) -> list[LoadedFile]:
    """Read every file the pattern names and replace raw.raw_responses with their rows."""
    loaded: list[LoadedFile] = []
    parts: list[str] = []
    for number, (name, path) in enumerate(resolve_files(pattern, root)):
        probe = probe_file(path)
        if probe.size_bytes == 0:
            raise LoadError(
                f"Response file '{name}' is empty (0 bytes); expected a CSV with the header {','.join(REQUIRED_COLUMNS)}."
            )
        reader = CsvFile(name, path, probe)
        part = f"load_part_{number}"
        rows = reader.load(con, part)
        parts.append(part)
        loaded.append(LoadedFile(name, probe.size_bytes, probe.sha256, rows, "long", reader.encoding, reader.delimiter))
    union = "\nunion all by name\n".join(f"select * from {part}" for part in parts)
    con.execute("create schema if not exists raw")
    con.execute(f"create or replace table {RAW_TABLE} as {union}")
    for part in parts:
        con.execute(f"drop table {part}")
    return loaded
