"""The report in PBIR (`<name>.Report/definition/`): one page "Overblik" for one municipality.

A municipality slicer, a year slicer (when dim_survey_rounds is published), cards with the total
score, the national rank, the national mean and when the data is from, the seven themes beside the
national mean (clustered bar chart), and the recommendations with the largest gain on the total
(table, the ten with the largest gain).
"""

from __future__ import annotations

import json

from styringsoverblik.powerbi.measures import MEASURE_TABLE, Measure
from styringsoverblik.powerbi.model import Model

SCHEMA_ROOT = "https://developer.microsoft.com/json-schemas/fabric"
SCHEMAS = {
    "pbip": f"{SCHEMA_ROOT}/pbip/pbipProperties/1.0.0/schema.json",
    "pbir": f"{SCHEMA_ROOT}/item/report/definitionProperties/2.0.0/schema.json",
    "pbism": f"{SCHEMA_ROOT}/item/semanticModel/definitionProperties/1.0.0/schema.json",
    "platform": f"{SCHEMA_ROOT}/gitIntegration/platformProperties/2.1.0/schema.json",
    "version": f"{SCHEMA_ROOT}/item/report/definition/versionMetadata/1.0.0/schema.json",
    "report": f"{SCHEMA_ROOT}/item/report/definition/report/3.3.0/schema.json",
    "pages": f"{SCHEMA_ROOT}/item/report/definition/pagesMetadata/1.1.0/schema.json",
    "page": f"{SCHEMA_ROOT}/item/report/definition/page/2.1.0/schema.json",
    "visual": f"{SCHEMA_ROOT}/item/report/definition/visualContainer/2.9.0/schema.json",
}
PAGE_NAME = "overblik"
PAGE_WIDTH = 1280
PAGE_HEIGHT = 720
TOP_GAINS = 10


def column(table: str, name: str) -> dict:
    return {"Column": {"Expression": {"SourceRef": {"Entity": table}}, "Property": name}}


def measure(name: str) -> dict:
    return {"Measure": {"Expression": {"SourceRef": {"Entity": MEASURE_TABLE}}, "Property": name}}


def projection(field: dict) -> dict:
    kind = "Column" if "Column" in field else "Measure"
    entity = field[kind]["Expression"]["SourceRef"]["Entity"]
    prop = field[kind]["Property"]
    return {"field": field, "queryRef": f"{entity}.{prop}", "nativeQueryRef": prop}


def literal(value: str) -> dict:
    return {"expr": {"Literal": {"Value": value}}}


def title(text: str) -> dict:
    escaped = text.replace("'", "''")
    return {"title": [{"properties": {"show": literal("true"), "text": literal(f"'{escaped}'")}}]}


def visual(name: str, x: int, y: int, width: int, height: int, z: int, visual_type: str,
           query_state: dict, heading: str, objects: dict | None = None, extra: dict | None = None) -> dict:
    config = {"visualType": visual_type, "query": {"queryState": query_state}}
    if objects:
        config["objects"] = objects
    config["visualContainerObjects"] = title(heading)
    if extra:
        config["query"].update(extra)
    return {
        "$schema": SCHEMAS["visual"],
        "name": name,
        "position": {"x": x, "y": y, "z": z, "width": width, "height": height, "tabOrder": z},
        "visual": config,
    }


def slicer(name: str, x: int, y: int, width: int, field: dict, heading: str, z: int) -> dict:
    return visual(
        name, x, y, width, 80, z, "slicer",
        {"Values": {"projections": [projection(field)]}},
        heading,
        objects={
            "data": [{"properties": {"mode": literal("'Dropdown'")}}],
            "selection": [{"properties": {"singleSelect": literal("true")}}],
        },
    )


def card(name: str, x: int, y: int, measure_name: str, heading: str, z: int, width: int = 220) -> dict:
    return visual(name, x, y, width, 110, z, "card", {"Values": {"projections": [projection(measure(measure_name))]}}, heading)


def visuals(model: Model, measures: list[Measure]) -> dict[str, dict]:
    names = {m.name for m in measures}
    found: dict[str, dict] = {}
    z = 0

    def add(item: dict) -> None:
        nonlocal z
        found[item["name"]] = item
        z += 1

    if model.table("dim_municipalities"):
        add(slicer("kommune", 20, 20, 300, column("dim_municipalities", "municipality_name"), "Kommune", z))
    rounds = model.table("dim_survey_rounds")
    if rounds is not None and rounds.column("survey_year") is not None:
        add(slicer("aar", 340, 20, 160, column("dim_survey_rounds", "survey_year"), "År", z))
    x = 20
    for key, measure_name, heading in (
        ("samlet_score", "Samlet score", "Samlet score"),
        ("placering", "Placering i landet", "Placering i landet"),
        ("landsgennemsnit", "Landsgennemsnit", "Landsgennemsnit"),
        ("data_pr", "Data pr.", "Data pr."),
    ):
        if measure_name in names:
            add(card(key, x, 120, measure_name, heading, z, width=300 if key == "data_pr" else 220))
            x += 320 if key == "data_pr" else 240
    if model.table("dim_themes") and {"Kommunens score", "Landsgennemsnit"} <= names:
        add(visual(
            "temaer", 20, 250, 600, 450, z, "clusteredBarChart",
            {
                "Category": {"projections": [projection(column("dim_themes", "theme_name"))]},
                "Y": {"projections": [projection(measure("Kommunens score")), projection(measure("Landsgennemsnit"))]},
            },
            "Temaerne: kommunens score og landsgennemsnittet",
            extra={"sortDefinition": {"sort": [{"field": column("dim_themes", "theme_name"), "direction": "Ascending"}], "isDefaultSort": True}},
        ))
    gaps = model.table("fct_recommendation_gaps")
    if gaps is not None and model.table("dim_questions") and {"Gevinst på totalen", "Manglende point"} <= names:
        table_visual = visual(
            "anbefalinger", 640, 250, 620, 450, z, "tableEx",
            {"Values": {"projections": [
                projection(column("dim_questions", "question_code")),
                projection(column("fct_recommendation_gaps", "recommendation_text")),
                projection(measure("Manglende point")),
                projection(measure("Gevinst på totalen")),
            ]}},
            f"Anbefalinger med størst gevinst på den samlede score (top {TOP_GAINS})",
            extra={"sortDefinition": {"sort": [{"field": measure("Gevinst på totalen"), "direction": "Descending"}], "isDefaultSort": False}},
        )
        if gaps.column("gain_rank") is not None:
            table_visual["filterConfig"] = {"filters": [{
                "name": "top_gevinst",
                "field": column("fct_recommendation_gaps", "gain_rank"),
                "type": "Advanced",
                "filter": {
                    "Version": 2,
                    "From": [{"Name": "g", "Entity": "fct_recommendation_gaps", "Type": 0}],
                    "Where": [{"Condition": {"Comparison": {
                        "ComparisonKind": 4,
                        "Left": {"Column": {"Expression": {"SourceRef": {"Source": "g"}}, "Property": "gain_rank"}},
                        "Right": {"Literal": {"Value": f"{TOP_GAINS}L"}},
                    }}}],
                },
            }]}
        add(table_visual)
    return found


def files(model: Model, measures: list[Measure], semantic_model_folder: str) -> dict[str, str]:
    """Path (relative to the report folder) -> JSON text."""
    out = {
        "definition.pbir": dump({
            "$schema": SCHEMAS["pbir"],
            "version": "4.0",
            "datasetReference": {"byPath": {"path": f"../{semantic_model_folder}"}},
        }),
        "definition/version.json": dump({"$schema": SCHEMAS["version"], "version": "2.0.0"}),
        "definition/report.json": dump({
            "$schema": SCHEMAS["report"],
            "themeCollection": {},
            "settings": {"useStylableVisualContainerHeader": True, "defaultDrillFilterOtherVisuals": True},
        }),
        "definition/pages/pages.json": dump({
            "$schema": SCHEMAS["pages"],
            "pageOrder": [PAGE_NAME],
            "activePageName": PAGE_NAME,
        }),
        f"definition/pages/{PAGE_NAME}/page.json": dump({
            "$schema": SCHEMAS["page"],
            "name": PAGE_NAME,
            "displayName": "Overblik",
            "displayOption": "FitToPage",
            "height": PAGE_HEIGHT,
            "width": PAGE_WIDTH,
        }),
    }
    for name, item in visuals(model, measures).items():
        out[f"definition/pages/{PAGE_NAME}/visuals/{name}/visual.json"] = dump(item)
    return out


def dump(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
