"""The semantic model of the Power BI project, derived from the marts' contracts: tables, columns,
relationships and the row-level security role. Pure data and rules, no I/O (see `source` for
reading the published build and the dbt manifest, `tmdl` and `report` for writing).

The rules, all by column name and the dimensions present, so a mart or column added to the dbt
project appears on the next run without editing this module:

- a table named `dim_*` with a single-column key (a `unique` test on one column, or a one-column
  `primary_key` test) is a dimension; every other published table relates to each dimension whose
  key column it holds (many-to-one, single direction, the dimension filters the table);
- dimensions never relate to each other and tables never filter one another (a star): every
  dimension reaches every table by exactly one path, so no path is ambiguous (dim_questions'
  `theme_no` is an attribute, not a relationship; a question slicer and a theme slicer filter
  each table that holds that key directly);
- key columns on the many side and surrogate keys (`*_key`) are hidden; codes, numbers, years and
  ranks are not summarised; scores have one decimal, shares and percentiles (fractions 0-1) a
  percent format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# contract data type (dbt/DuckDB) -> TMDL data type, M type
DATA_TYPES: dict[str, tuple[str, str]] = {
    "integer": ("int64", "Int64.Type"),
    "int": ("int64", "Int64.Type"),
    "int4": ("int64", "Int64.Type"),
    "bigint": ("int64", "Int64.Type"),
    "int8": ("int64", "Int64.Type"),
    "double": ("double", "type number"),
    "float8": ("double", "type number"),
    "varchar": ("string", "type text"),
    "text": ("string", "type text"),
    "boolean": ("boolean", "type logical"),
    "bool": ("boolean", "type logical"),
    "timestamp": ("dateTime", "type datetime"),
    # PostgreSQL's names of the same types (format_type), for contracts written for both adapters
    "double precision": ("double", "type number"),
    "character varying": ("string", "type text"),
    "timestamp without time zone": ("dateTime", "type datetime"),
}

# label column -> the column it sorts by, when both are in one dimension (checked 1:1 in the data)
SORT_BY: tuple[tuple[str, str], ...] = (
    ("theme_name", "theme_no"),
    ("theme_name_en", "theme_no"),
    ("question_text", "question_no"),
    ("question_short_label", "question_no"),
    ("question_code", "question_no"),
    ("subject_label", "sort_order"),
    ("subject_short_label", "sort_order"),
    ("subject_name", "sort_order"),
    ("round_name", "survey_year"),
)

# the row-level security role: who may see which municipality
SECURITY_TABLE = "dim_powerbi_viewers"
SECURED_DIMENSION = "dim_municipalities"
SECURED_KEY = "municipality_code"
ROLE_NAME = "Kommune"

FRACTION = re.compile(r"(^|_)(share|percentile)(_|$)")
NOT_SUMMARISED = re.compile(r"(_no|_code|_year|_rank|_key|_id|^year|_number|_order|_version)$")
SCORE_LIKE = re.compile(r"(score|mean|median|quartile|min_|max_|difference|change|gain|missing|percentile)")


class ModelError(Exception):
    """The model cannot be generated; the message says which table/column and why."""


@dataclass
class Column:
    name: str
    contract_type: str  # lower-case contract type, e.g. "integer"
    description: str = ""
    is_hidden: bool = False
    summarize_by: str = "none"
    format_string: str | None = None
    sort_by: str | None = None

    @property
    def data_type(self) -> str:
        return DATA_TYPES[self.contract_type][0]

    @property
    def m_type(self) -> str:
        return DATA_TYPES[self.contract_type][1]


@dataclass
class Table:
    name: str
    file: str  # the Parquet file's name in the build folder
    description: str = ""
    columns: list[Column] = field(default_factory=list)
    key: str | None = None  # single-column primary key, if declared
    is_hidden: bool = False

    @property
    def is_dimension(self) -> bool:
        return self.name.startswith("dim_") and self.key is not None and self.name != SECURITY_TABLE

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


@dataclass
class Relationship:
    from_table: str
    from_column: str
    to_table: str
    to_column: str
    is_active: bool = True

    @property
    def name(self) -> str:
        return f"{self.from_table}.{self.from_column} -> {self.to_table}.{self.to_column}"


@dataclass
class Parameter:
    """A text parameter of the model (a Power Query parameter), e.g. ExportFolder."""

    name: str
    value: str
    description: str


@dataclass
class Model:
    tables: list[Table]
    relationships: list[Relationship]
    build_id: str
    parameters: list[Parameter]
    partition_m: Callable[[Table], str]  # the M that loads a table, from its source
    notes: list[str] = field(default_factory=list)
    mode: str = "import"  # the storage mode of the marts' partitions: import or directQuery

    def table(self, name: str) -> Table | None:
        return next((table for table in self.tables if table.name == name), None)


def data_type_of(table: str, column: str, contract_type: str | None) -> str:
    """The contract type, lower case; a type the model cannot hold is a ModelError."""
    normalised = (contract_type or "").strip().lower()
    if normalised not in DATA_TYPES:
        raise ModelError(
            f"{table}.{column}: contract data type {contract_type!r} has no Power BI type here;"
            f" expected one of {', '.join(sorted({'integer', 'double', 'varchar', 'boolean', 'timestamp'}))}"
        )
    return normalised


def relationships_for(tables: list[Table]) -> list[Relationship]:
    """Every non-dimension table to each dimension whose key it holds (the star)."""
    dimensions = [table for table in tables if table.is_dimension]
    found = []
    for table in tables:
        if table.is_dimension or table.name == SECURITY_TABLE:
            continue
        for dimension in dimensions:
            if table.column(dimension.key) is not None and table.key != dimension.key:
                found.append(Relationship(table.name, dimension.key, dimension.name, dimension.key))
    return found


def style_columns(tables: list[Table], relationships: list[Relationship], fractions: dict[tuple[str, str], bool]) -> None:
    """Hidden keys, summarisation, format strings and sort-by columns, by the rules above.
    `fractions[(table, column)]` says whether a share/percentile column's published values all lie
    in 0-1 (a percent format is given only then)."""
    foreign_keys = {(rel.from_table, rel.from_column) for rel in relationships}
    for table in tables:
        if table.name == SECURITY_TABLE:
            table.is_hidden = True
        for column in table.columns:
            name = column.name
            column.is_hidden = (
                table.is_hidden
                or (table.name, name) in foreign_keys
                or (name.endswith("_key") and name == table.key)
            )
            if column.data_type in ("int64", "double"):
                if NOT_SUMMARISED.search(name) or name == "survey_year":
                    column.summarize_by = "none"
                elif column.data_type == "double" and SCORE_LIKE.search(name) and not re.search(r"gain|missing", name):
                    column.summarize_by = "average"
                else:
                    column.summarize_by = "sum"
            else:
                column.summarize_by = "none"
            if column.data_type == "int64":
                column.format_string = "0"
            elif column.data_type == "double":
                is_fraction = FRACTION.search(name) is not None and fractions.get((table.name, name), False)
                column.format_string = "0.0 %" if is_fraction else "0.0"
            elif column.data_type == "dateTime":
                column.format_string = "yyyy-mm-dd hh:nn:ss"
        if table.is_dimension:
            for label, sort_column in SORT_BY:
                label_column = table.column(label)
                if label_column is not None and table.column(sort_column) is not None:
                    label_column.sort_by = sort_column
            if table.column("sort_order") is not None:
                # a dimension with a sort order (dim_benchmark_subjects): its labels and names follow it
                for column in table.columns:
                    if column.data_type == "string" and column.sort_by is None and re.search(r"(label|name)$", column.name):
                        column.sort_by = "sort_order"


def m_text(value: str) -> str:
    """An M text literal: a double quote doubled, and `#(` (which starts an escape sequence in M)
    written as the escape of `#` followed by `(`. Line breaks and other control characters are the
    caller's to refuse: a TMDL expression line must stay one line."""
    return '"' + value.replace('"', '""').replace("#(", "#(#)(") + '"'


def quote(name: str) -> str:
    """A TMDL/DAX object name, single-quoted unless it is a plain identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"
