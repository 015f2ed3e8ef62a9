"""The semantic model as TMDL files (Power BI Project, `<name>.SemanticModel/definition/`).

TMDL is indentation-structured (one tab per level): an object line (`table x`, `column y`,
`measure 'z' = ...`), its properties one level deeper, and multi-line expressions (DAX, M) deeper
still. Descriptions are `///` lines above an object. Every table is a file under `tables/` and is
listed in model.tmdl with `ref table`; the role is a file under `roles/`.

lineageTags are UUIDs derived from the object's name (uuid5), so a regenerated project differs
from the previous one only where the model changed.
"""

from __future__ import annotations

import json
import uuid

from styringsoverblik.powerbi.measures import MEASURE_TABLE, Measure
from styringsoverblik.powerbi.model import (
    ROLE_NAME,
    SECURED_DIMENSION,
    SECURED_KEY,
    SECURITY_TABLE,
    Model,
    Table,
    m_text,
    quote,
)

NAMESPACE = uuid.UUID("6f1c63a4-5d8e-4b8f-9a53-0c9f4d2b7e11")
COMPATIBILITY_LEVEL = 1600
CULTURE = "da-DK"


def lineage(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def description_lines(text: str, indent: str) -> list[str]:
    lines = [line.rstrip() for line in (text or "").strip().splitlines() if line.strip()]
    return [f"{indent}/// {line}" for line in lines]


def indented(expression: str, indent: str) -> list[str]:
    return [f"{indent}{line}" if line.strip() else "" for line in expression.strip("\n").splitlines()]


def table_tmdl(table: Table, partition_m, mode: str = "import") -> str:
    out: list[str] = []
    out += description_lines(table.description, "")
    out.append(f"table {quote(table.name)}")
    if table.is_hidden:
        out.append("\tisHidden")
    out.append(f"\tlineageTag: {lineage('table', table.name)}")
    for column in table.columns:
        out.append("")
        out += description_lines(column.description, "\t")
        out.append(f"\tcolumn {quote(column.name)}")
        out.append(f"\t\tdataType: {column.data_type}")
        if column.is_hidden:
            out.append("\t\tisHidden")
        if column.format_string:
            out.append(f"\t\tformatString: {column.format_string}")
        out.append(f"\t\tlineageTag: {lineage('column', table.name, column.name)}")
        out.append(f"\t\tsummarizeBy: {column.summarize_by}")
        out.append(f"\t\tsourceColumn: {column.name}")
        if column.sort_by:
            out.append(f"\t\tsortByColumn: {quote(column.sort_by)}")
        out.append("")
        out.append("\t\tannotation SummarizationSetBy = User")
    out.append("")
    out.append(f"\tpartition {quote(table.name)} = m")
    out.append(f"\t\tmode: {mode}")
    out.append("\t\tsource =")
    out += indented(partition_m(table), "\t\t\t\t")
    out.append("")
    out.append("\tannotation PBI_ResultType = Table")
    return "\n".join(out) + "\n"


def measure_table_tmdl(measures: list[Measure]) -> str:
    out = [
        "/// Målinger (measures) for the report pages; see docs/powerbi.md.",
        f"table {quote(MEASURE_TABLE)}",
        f"\tlineageTag: {lineage('table', MEASURE_TABLE)}",
    ]
    for measure in measures:
        out.append("")
        out += description_lines(measure.description, "\t")
        out.append(f"\tmeasure {quote(measure.name)} =")
        out += indented(measure.expression, "\t\t\t")
        if measure.format_string:
            out.append(f"\t\tformatString: {measure.format_string}")
        if measure.display_folder:
            out.append(f"\t\tdisplayFolder: {measure.display_folder}")
        out.append(f"\t\tlineageTag: {lineage('measure', measure.name)}")
    out += [
        "",
        "\t/// Placeholder column: the table holds measures only.",
        "\tcolumn Kolonne",
        "\t\tdataType: string",
        "\t\tisHidden",
        f"\t\tlineageTag: {lineage('column', MEASURE_TABLE, 'Kolonne')}",
        "\t\tsummarizeBy: none",
        "\t\tsourceColumn: Kolonne",
        "",
        "\t\tannotation SummarizationSetBy = User",
        "",
        f"\tpartition {quote(MEASURE_TABLE)} = m",
        "\t\tmode: import",
        "\t\tsource =",
        '\t\t\t\t#table(type table [Kolonne = text], {})',
        "",
        "\tannotation PBI_ResultType = Table",
    ]
    return "\n".join(out) + "\n"


def relationships_tmdl(model: Model) -> str:
    out: list[str] = []
    for rel in model.relationships:
        out.append(f"relationship {lineage('relationship', rel.name)}")
        if not rel.is_active:
            out.append("\tisActive: false")
        out.append(f"\tfromColumn: {quote(rel.from_table)}.{quote(rel.from_column)}")
        out.append(f"\ttoColumn: {quote(rel.to_table)}.{quote(rel.to_column)}")
        out.append("")
    return "\n".join(out)


def role_filter() -> str:
    return (
        f"{quote(SECURED_DIMENSION)}[{SECURED_KEY}] IN CALCULATETABLE ( VALUES ( {quote(SECURITY_TABLE)}[{SECURED_KEY}] ),"
        f" {quote(SECURITY_TABLE)}[user_principal_name] = USERPRINCIPALNAME () )"
    )


def role_tmdl() -> str:
    return "\n".join(
        [
            f"/// Viewers see the rows of the municipalities listed for their user principal name in {SECURITY_TABLE}",
            "/// (seeds/reference/powerbi_viewers.csv); national benchmarks, answer distributions and the",
            "/// dimensions stay whole. Enforced in the Power BI service (assign members there), not in Desktop.",
            f"role {quote(ROLE_NAME)}",
            "\tmodelPermission: read",
            "",
            f"\ttablePermission {quote(SECURED_DIMENSION)} = {role_filter()}",
            "",
            f"\ttablePermission {quote(SECURITY_TABLE)} = [user_principal_name] = USERPRINCIPALNAME ()",
            "",
        ]
    )


def expressions_tmdl(model: Model) -> str:
    out: list[str] = []
    for parameter in model.parameters:
        out += description_lines(parameter.description, "")
        out += [
            f"expression {quote(parameter.name)} = {m_text(parameter.value)}"
            ' meta [IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]',
            f"\tlineageTag: {lineage('expression', parameter.name)}",
            "",
            "\tannotation PBI_ResultType = Text",
            "",
        ]
    return "\n".join(out)


def database_tmdl() -> str:
    return f"database\n\tcompatibilityLevel: {COMPATIBILITY_LEVEL}\n"


def model_tmdl(model: Model, table_names: list[str], with_role: bool) -> str:
    out = [
        "model Model",
        f"\tculture: {CULTURE}",
        "\tdefaultPowerBIDataSourceVersion: powerBI_V3",
        f"\tsourceQueryCulture: {CULTURE}",
        "\tdataAccessOptions",
        "\t\tlegacyRedirects",
        "\t\treturnErrorValuesAsNull",
        "",
        f"\tannotation styringsoverblik_build_id = {model.build_id}",
        "",
        "\tannotation PBI_QueryOrder = " + json.dumps([p.name for p in model.parameters] + table_names, ensure_ascii=False, separators=(",", ":")),
        "",
    ]
    out += [f"ref table {quote(name)}" for name in table_names]
    if with_role:
        out += ["", f"ref role {quote(ROLE_NAME)}"]
    return "\n".join(out) + "\n"


def files(model: Model, measures: list[Measure]) -> dict[str, str]:
    """Path (relative to the semantic model folder's definition/) -> TMDL text."""
    with_role = model.table(SECURITY_TABLE) is not None and model.table(SECURED_DIMENSION) is not None
    table_names = [table.name for table in model.tables] + [MEASURE_TABLE]
    out = {
        "database.tmdl": database_tmdl(),
        "model.tmdl": model_tmdl(model, table_names, with_role),
        "expressions.tmdl": expressions_tmdl(model),
        "relationships.tmdl": relationships_tmdl(model),
    }
    for table in model.tables:
        out[f"tables/{table.name}.tmdl"] = table_tmdl(table, model.partition_m, model.mode)
    out[f"tables/{MEASURE_TABLE}.tmdl"] = measure_table_tmdl(measures)
    if with_role:
        out[f"roles/{ROLE_NAME}.tmdl"] = role_tmdl()
    return out
