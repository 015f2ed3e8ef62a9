"""`styringsoverblik powerbi`: the generated Power BI project against Microsoft's schemas, the
marts' contracts and the data of the sample build.

The checks read the generated files themselves (a small TMDL reader below, JSON), never the
generator's objects: a table is bound to a mart when its partition loads that mart's Parquet file,
a column's type is the contract's when the TMDL says so, a relationship holds when DuckDB finds its
'to' side unique and its 'from' side inside it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import FIXTURES
from styringsoverblik.cli import main
from styringsoverblik.powerbi.model import Column, Table, relationships_for, style_columns

SCHEMAS = FIXTURES / "powerbi_schemas"
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/"
TMDL_TYPES = {"integer": "int64", "bigint": "int64", "double": "double", "double precision": "double", "varchar": "string", "boolean": "boolean", "timestamp": "dateTime"}
BUILD_LOG = ("dim_builds", "fct_build_input_files")


# --- helpers -----------------------------------------------------------------------------------


def generate(out: Path, *, database: Path | None = None, export_folder: Path | None = None, manifest: Path) -> int:
    args = ["powerbi", "--out", str(out), "--manifest", str(manifest)]
    if database is not None:
        args += ["--database", str(database)]
    if export_folder is not None:
        args += ["--export-folder", str(export_folder)]
    return main(args)


def unquote(name: str) -> str:
    name = name.strip()
    if name.startswith("'") and name.endswith("'"):
        return name[1:-1].replace("''", "'")
    return name


def read_tmdl_table(path: Path) -> dict:
    """name, columns {name: {dataType, isHidden, sortByColumn, summarizeBy, formatString, description}},
    the Parquet file its partition loads, and its measures {name: expression}."""
    lines = path.read_text(encoding="utf-8").splitlines()
    table: dict = {"columns": {}, "measures": {}, "file": None, "hidden": False}
    current = None
    pending_description: list[str] = []
    for number, line in enumerate(lines, 1):
        depth = len(line) - len(line.lstrip("\t"))
        text = line.strip()
        if text.startswith("///"):
            pending_description.append(text[3:].strip())
            continue
        if depth == 0 and text.startswith("table "):
            table["name"] = unquote(text[len("table "):])
            table["description"] = " ".join(pending_description)
        elif depth == 1 and text.startswith("column "):
            current = {"description": " ".join(pending_description), "isHidden": False}
            table["columns"][unquote(text[len("column "):])] = current
        elif depth == 1 and text.startswith("measure "):
            name, _, expression = text[len("measure "):].partition("=")
            current = {"expression": expression}
            table["measures"][unquote(name)] = current
        elif depth == 1 and text == "isHidden":
            table["hidden"] = True
        elif depth == 1:
            current = None
        elif depth == 2 and current is not None and ":" in text and "expression" not in current:
            key, _, value = text.partition(":")
            current[key.strip()] = value.strip()
        elif depth == 2 and current is not None and text == "isHidden":
            current["isHidden"] = True
        elif depth >= 3 and current is not None and "expression" in current:
            current["expression"] += "\n" + text
        found = re.search(r'Parquet\.Document\(BuildFolder\{\[Name = "([^"]+)"\]\}', text)
        if found:
            table["file"] = found.group(1)
        if not text.startswith("///"):
            pending_description = []
    return table


def read_relationships(path: Path) -> list[dict]:
    found, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("relationship "):
            current = {"active": True}
            found.append(current)
        elif line.startswith("\t") and current is not None:
            key, _, value = line.strip().partition(":")
            if key in ("fromColumn", "toColumn"):
                table, _, column = value.strip().rpartition(".")
                current[key] = (unquote(table), unquote(column))
            elif key == "isActive":
                current["active"] = value.strip() == "true"
    return found


def assert_relationships_hold(tables: dict, relationships: list[dict], folder: Path) -> None:
    """Each relationship's 'to' side unique and not null, every 'from' value in it (DuckDB over the Parquet files)."""
    assert relationships
    with duckdb.connect() as con:
        for rel in relationships:
            (from_table, from_column), (to_table, to_column) = rel["fromColumn"], rel["toColumn"]
            assert from_column in tables[from_table]["columns"] and to_column in tables[to_table]["columns"]
            to_file = str(folder / tables[to_table]["file"])
            from_file = str(folder / tables[from_table]["file"])
            total, distinct, nulls = con.execute(
                f'select count(*), count(distinct "{to_column}"), count(*) - count("{to_column}") from read_parquet(?)', [to_file]
            ).fetchone()
            assert total == distinct and nulls == 0, f"{to_table}.{to_column} is not unique"
            (orphans,) = con.execute(
                f'select count(*) from read_parquet(?) f where f."{from_column}" is not null'
                f' and f."{from_column}" not in (select "{to_column}" from read_parquet(?))',
                [from_file, to_file],
            ).fetchone()
            assert orphans == 0, f"{from_table}.{from_column} has {orphans} rows not in {to_table}"


def definition(out: Path) -> Path:
    return out / "Styringsoverblik.SemanticModel" / "definition"


def tables_of(out: Path) -> dict[str, dict]:
    return {t["name"]: t for t in (read_tmdl_table(p) for p in sorted((definition(out) / "tables").glob("*.tmdl")))}


def build_folder(export_root: Path) -> Path:
    return (export_root / "current").resolve()


def published(export_root: Path) -> dict:
    return json.loads((build_folder(export_root) / "_manifest.json").read_text(encoding="utf-8"))


def schema_registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.json"):
        url = SCHEMA_URL + path.relative_to(SCHEMAS).as_posix()
        resources.append((url, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))))
    return Registry().with_resources(resources)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_build) -> dict:
    db = sample_build.db_path
    return {"db": db, "exports": db.parent / "exports", "manifest": db.parent / "target" / "manifest.json"}


@pytest.fixture(scope="module")
def project(sample, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pbip")
    assert generate(out, database=sample["db"], manifest=sample["manifest"]) == 0
    return out


@pytest.fixture
def private_copy(sample, tmp_path) -> dict:
    """A copy of the sample's export folder and manifest to change."""
    exports = tmp_path / "exports"
    shutil.copytree(sample["exports"], exports, symlinks=True)
    manifest = tmp_path / "manifest.json"
    shutil.copyfile(sample["manifest"], manifest)
    return {"exports": exports, "manifest": manifest}


# --- Microsoft's schemas -----------------------------------------------------------------------


def test_every_json_part_validates_against_microsofts_schema(project):
    registry = schema_registry()
    checked = []
    for path in sorted(p for p in project.rglob("*") if p.is_file() and p.suffix in (".json", ".pbir", ".pbism", ".pbip", ".platform")):
        if path.name == ".styringsoverblik-powerbi.json":
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        url = document.get("$schema")
        assert url, f"{path} names no $schema"
        assert url.startswith(SCHEMA_URL), url
        schema_path = SCHEMAS / url[len(SCHEMA_URL):]
        assert schema_path.is_file(), f"{path}: schema {url} is not vendored in {SCHEMAS}"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        validator = jsonschema.Draft7Validator(schema, registry=registry)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, f"{path}: " + "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
        checked.append(path.relative_to(project).as_posix())
    # the parts Power BI needs are all there
    for required in (
        "Styringsoverblik.pbip",
        "Styringsoverblik.SemanticModel/definition.pbism",
        "Styringsoverblik.Report/definition.pbir",
        "Styringsoverblik.Report/definition/version.json",
        "Styringsoverblik.Report/definition/report.json",
        "Styringsoverblik.Report/definition/pages/pages.json",
    ):
        assert required in checked
    assert sum("/visuals/" in path for path in checked) >= 5


def test_a_schema_violation_is_caught():
    """The validation above can fail: a page without its required displayOption does."""
    registry = schema_registry()
    url = "fabric/item/report/definition/page/2.1.0/schema.json"
    schema = json.loads((SCHEMAS / url).read_text(encoding="utf-8"))
    page = {"$schema": SCHEMA_URL + url, "name": "p", "displayName": "P"}
    assert list(jsonschema.Draft7Validator(schema, registry=registry).iter_errors(page))


# --- the model against the contracts -----------------------------------------------------------


def test_every_published_mart_is_a_table_loading_its_parquet_file_with_the_contract_types(project, sample):
    manifest = json.loads(sample["manifest"].read_text(encoding="utf-8"))
    contracts = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    tables = tables_of(project)
    listed = published(sample["exports"])["tables"]
    expected = set(listed) - {"fct_response_rows"}
    assert expected <= set(tables), expected - set(tables)
    assert "fct_response_rows" not in tables
    for name in expected:
        table = tables[name]
        assert table["file"] == listed[name]["file"], name
        with duckdb.connect() as con:
            parquet = con.execute(
                "select column_name, column_type from (describe select * from read_parquet(?))",
                [str(build_folder(sample["exports"]) / listed[name]["file"])],
            ).fetchall()
        assert list(table["columns"]) == [c for c, _ in parquet], name
        if name in BUILD_LOG:
            for column, kind in parquet:
                assert table["columns"][column]["dataType"] == TMDL_TYPES[kind.lower()], (name, column)
            continue
        node = contracts[name]
        assert node["config"]["contract"]["enforced"]
        assert list(table["columns"]) == list(node["columns"]), name
        for column, spec in node["columns"].items():
            assert table["columns"][column]["dataType"] == TMDL_TYPES[spec["data_type"].lower()], (name, column)
            assert table["columns"][column]["description"] == " ".join(spec["description"].split()), (name, column)
    # every table in the folder is listed in model.tmdl
    model = (definition(project) / "model.tmdl").read_text(encoding="utf-8")
    refs = {unquote(line[len("ref table "):]) for line in model.splitlines() if line.startswith("ref table ")}
    assert refs == set(tables)


def test_columns_are_styled_by_their_role(project):
    tables = tables_of(project)
    themes = tables["dim_themes"]["columns"]
    assert themes["theme_name"]["sortByColumn"] == "theme_no"
    questions = tables["dim_questions"]["columns"]
    assert questions["question_text"]["sortByColumn"] == "question_no"
    totals = tables["fct_total_scores"]["columns"]
    assert totals["municipality_code"]["isHidden"] and totals["total_score_key"]["isHidden"]
    assert totals["survey_year"]["summarizeBy"] == "none"
    assert totals["score"]["formatString"] == "0.0"
    bench = tables["fct_municipality_benchmarks"]["columns"]
    assert bench["national_rank"]["summarizeBy"] == "none"
    shares = tables["fct_answer_distributions"]["columns"]
    assert shares["share_of_answering"]["formatString"] == "0.0 %"
    assert not tables["dim_municipalities"]["columns"]["municipality_name"]["isHidden"]
    assert tables["dim_powerbi_viewers"]["hidden"]


def test_every_relationship_holds_in_the_sample_data(project, sample):
    tables = tables_of(project)
    relationships = read_relationships(definition(project) / "relationships.tmdl")
    folder = build_folder(sample["exports"])
    pairs = {(r["fromColumn"], r["toColumn"]) for r in relationships}
    # the star: each fact to each dimension whose key it holds, never dimension to dimension
    assert (("fct_total_scores", "municipality_code"), ("dim_municipalities", "municipality_code")) in pairs
    assert (("fct_theme_scores", "theme_no"), ("dim_themes", "theme_no")) in pairs
    assert (("fct_question_scores", "question_no"), ("dim_questions", "question_no")) in pairs
    assert (("fct_build_input_files", "build_id"), ("dim_builds", "build_id")) in pairs
    assert not any(f[0].startswith("dim_") for f, _ in pairs)
    assert_relationships_hold(tables, relationships, folder)
    # no two active paths between one dimension and one table (the star has one each)
    seen = [(r["fromColumn"][0], r["toColumn"][0]) for r in relationships if r["active"]]
    assert len(seen) == len(set(seen))


def test_tmdl_is_structurally_sound(project):
    tables = tables_of(project)
    for path in definition(project).rglob("*.tmdl"):
        previous, expression_parent, body_lines = 0, None, 0
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            assert not line.startswith(" "), f"{path}:{number} indents with spaces"
            depth = len(line) - len(line.lstrip("\t"))
            if expression_parent is not None and depth >= expression_parent + 2:
                body_lines += 1  # a multi-line DAX/M expression, two levels below its `... =` line
                continue
            if expression_parent is not None:
                assert body_lines, f"{path}:{number}: an expression ending in '=' has no body"
            expression_parent = None
            assert depth <= previous + 1, f"{path}:{number} jumps indentation"
            previous = depth
            if line.rstrip().endswith("="):
                expression_parent, body_lines = depth, 0
    for name, table in tables.items():
        for column, spec in table["columns"].items():
            if "sortByColumn" in spec:
                assert spec["sortByColumn"] in table["columns"], (name, column)
    measures = tables["Målinger"]["measures"]
    for name in ("Samlet score", "Placering i landet", "Landsgennemsnit", "Regionsgennemsnit",
                 "Forskel til landsgennemsnit", "Manglende point", "Andel der har valgt svaret", "Data pr."):
        assert name in measures, name
    # a measure's name is no column's name (DAX names are case-insensitive)
    column_names = {column.lower() for table in tables.values() for column in table["columns"]}
    assert not {name.lower() for name in measures} & column_names
    # every column a measure names exists
    for name, spec in measures.items():
        for table, column in re.findall(r"\b([A-Za-z_]\w*)\[(\w+)\]", spec["expression"]):
            assert table in tables and column in tables[table]["columns"], (name, table, column)


def test_row_level_security_filters_municipalities_and_leaves_national_figures(project):
    role = (definition(project) / "roles" / "Kommune.tmdl").read_text(encoding="utf-8")
    permissions = dict(
        (unquote(m.group(1)), m.group(2)) for m in re.finditer(r"^\ttablePermission (\S+) = (.+)$", role, re.M)
    )
    assert set(permissions) == {"dim_municipalities", "dim_powerbi_viewers"}
    assert "USERPRINCIPALNAME ()" in permissions["dim_municipalities"]
    assert "dim_powerbi_viewers[municipality_code]" in permissions["dim_municipalities"]
    model = (definition(project) / "model.tmdl").read_text(encoding="utf-8")
    assert "ref role Kommune" in model
    tables = tables_of(project)
    relationships = read_relationships(definition(project) / "relationships.tmdl")
    filtered = {r["fromColumn"][0] for r in relationships if r["toColumn"] == ("dim_municipalities", "municipality_code")}
    for name, table in tables.items():
        if "municipality_code" in table["columns"] and not name.startswith("dim_"):
            assert name in filtered, f"{name} holds municipality rows but the role does not reach it"
    for national in ("fct_national_benchmarks", "fct_answer_distributions"):
        assert "municipality_code" not in tables[national]["columns"]


def test_the_report_page_has_its_visuals(project):
    visuals = {
        p.parent.name: json.loads(p.read_text(encoding="utf-8"))
        for p in (project / "Styringsoverblik.Report" / "definition" / "pages" / "overblik" / "visuals").glob("*/visual.json")
    }
    kinds = {name: v["visual"]["visualType"] for name, v in visuals.items()}
    assert kinds["kommune"] == "slicer" and kinds["samlet_score"] == "card" and kinds["placering"] == "card"
    assert kinds["temaer"] == "clusteredBarChart" and kinds["anbefalinger"] == "tableEx"
    tables = tables_of(project)
    for name, v in visuals.items():
        for role in v["visual"]["query"]["queryState"].values():
            for item in role["projections"]:
                kind = "Column" if "Column" in item["field"] else "Measure"
                entity = item["field"][kind]["Expression"]["SourceRef"]["Entity"]
                prop = item["field"][kind]["Property"]
                assert entity in tables, (name, entity)
                assert prop in (tables[entity]["columns"] if kind == "Column" else tables[entity]["measures"]), (name, prop)


# --- generated, never hand-maintained ----------------------------------------------------------


def add_mart(exports: Path, manifest_path: Path) -> None:
    """A new mart fct_new_measurements and a new column dim_themes.theme_colour, in the published
    Parquet set and in the manifest."""
    folder = build_folder(exports)
    with duckdb.connect() as con:
        con.execute(
            "copy (select '2023-' || municipality_code as new_measurement_key, municipality_code, survey_year,"
            " 0.5::double as share_of_something from read_parquet(?)) to ? (format parquet)",
            [str(folder / "fct_total_scores.parquet"), str(folder / "fct_new_measurements.parquet")],
        )
        con.execute(
            "copy (select *, 'blå' as theme_colour from read_parquet(?)) to ? (format parquet)",
            [str(folder / "dim_themes.parquet"), str(folder / "dim_themes.new.parquet")],
        )
    (folder / "dim_themes.new.parquet").replace(folder / "dim_themes.parquet")
    listing = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    listing["tables"]["fct_new_measurements"] = {"file": "fct_new_measurements.parquet", "rows": 72, "bytes": 1}
    (folder / "_manifest.json").write_text(json.dumps(listing), encoding="utf-8")

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    themes = manifest["nodes"]["model.styringsoverblik.dim_themes"]
    themes["columns"]["theme_colour"] = {"name": "theme_colour", "description": "The theme's colour.", "data_type": "varchar"}
    columns = {
        "new_measurement_key": ("varchar", "Primary key."),
        "municipality_code": ("integer", "Municipality; relates to dim_municipalities."),
        "survey_year": ("integer", "Survey year."),
        "share_of_something": ("double", "A share, 0-1."),
    }
    manifest["nodes"]["model.styringsoverblik.fct_new_measurements"] = {
        "name": "fct_new_measurements",
        "resource_type": "model",
        "description": "A mart added after the generator was written.",
        "config": {"contract": {"enforced": True}},
        "columns": {n: {"name": n, "data_type": t, "description": d} for n, (t, d) in columns.items()},
    }
    manifest["nodes"]["test.styringsoverblik.unique_fct_new_measurements_key"] = {
        "resource_type": "test",
        "attached_node": "model.styringsoverblik.fct_new_measurements",
        "column_name": "new_measurement_key",
        "test_metadata": {"name": "unique", "kwargs": {"column_name": "new_measurement_key"}},
    }
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_new_mart_and_column_appear_on_the_next_run(private_copy, tmp_path):
    add_mart(private_copy["exports"], private_copy["manifest"])
    out = tmp_path / "pbip"
    assert generate(out, export_folder=private_copy["exports"], manifest=private_copy["manifest"]) == 0
    tables = tables_of(out)
    new = tables["fct_new_measurements"]
    assert new["file"] == "fct_new_measurements.parquet"
    assert {c: s["dataType"] for c, s in new["columns"].items()} == {
        "new_measurement_key": "string", "municipality_code": "int64", "survey_year": "int64", "share_of_something": "double",
    }
    assert new["columns"]["share_of_something"]["formatString"] == "0.0 %"
    assert new["description"] == "A mart added after the generator was written."
    assert tables["dim_themes"]["columns"]["theme_colour"]["description"] == "The theme's colour."
    relationships = read_relationships(definition(out) / "relationships.tmdl")
    assert any(
        r["fromColumn"] == ("fct_new_measurements", "municipality_code") and r["toColumn"] == ("dim_municipalities", "municipality_code")
        for r in relationships
    )
    assert "ref table fct_new_measurements" in (definition(out) / "model.tmdl").read_text(encoding="utf-8")


def test_a_dimension_published_later_is_related_to_every_fact_holding_its_key(private_copy, tmp_path):
    """dim_survey_rounds (issue 17's new dimension): once in the manifest and the published set,
    every fact with survey_year relates to it, and the page gets a year slicer."""
    exports, manifest_path = private_copy["exports"], private_copy["manifest"]
    folder = build_folder(exports)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if "model.styringsoverblik.dim_survey_rounds" not in manifest["nodes"]:
        with duckdb.connect() as con:
            con.execute(
                "copy (select 2023 as survey_year, 'Runde 2023' as round_name, 1 as rubric_version) to ? (format parquet)",
                [str(folder / "dim_survey_rounds.parquet")],
            )
        listing = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
        listing["tables"]["dim_survey_rounds"] = {"file": "dim_survey_rounds.parquet", "rows": 1, "bytes": 1}
        (folder / "_manifest.json").write_text(json.dumps(listing), encoding="utf-8")
        columns = {"survey_year": "integer", "round_name": "varchar", "rubric_version": "integer"}
        manifest["nodes"]["model.styringsoverblik.dim_survey_rounds"] = {
            "name": "dim_survey_rounds", "resource_type": "model", "description": "Rounds.",
            "config": {"contract": {"enforced": True}},
            "columns": {n: {"name": n, "data_type": t, "description": n} for n, t in columns.items()},
        }
        manifest["nodes"]["test.styringsoverblik.primary_key_dim_survey_rounds"] = {
            "resource_type": "test", "attached_node": "model.styringsoverblik.dim_survey_rounds", "column_name": None,
            "test_metadata": {"name": "primary_key", "kwargs": {"columns": ["survey_year"]}},
        }
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "pbip"
    assert generate(out, export_folder=exports, manifest=manifest_path) == 0
    tables = tables_of(out)
    relationships = read_relationships(definition(out) / "relationships.tmdl")
    related = {r["fromColumn"][0] for r in relationships if r["toColumn"] == ("dim_survey_rounds", "survey_year")}
    holding = {name for name, t in tables.items() if "survey_year" in t["columns"] and name != "dim_survey_rounds"}
    assert holding and related == holding
    assert tables["dim_survey_rounds"]["columns"]["round_name"]["sortByColumn"] == "survey_year"
    assert_relationships_hold(tables, relationships, folder)
    visuals = out / "Styringsoverblik.Report" / "definition" / "pages" / "overblik" / "visuals"
    year = json.loads((visuals / "aar" / "visual.json").read_text(encoding="utf-8"))
    assert year["visual"]["visualType"] == "slicer"


def test_a_file_that_does_not_match_its_contract_stops_the_run(private_copy, tmp_path, capsys):
    manifest = json.loads(private_copy["manifest"].read_text(encoding="utf-8"))
    manifest["nodes"]["model.styringsoverblik.dim_themes"]["columns"]["theme_colour"] = {
        "name": "theme_colour", "description": "x", "data_type": "varchar",
    }
    private_copy["manifest"].write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "pbip"
    assert generate(out, export_folder=private_copy["exports"], manifest=private_copy["manifest"]) == 2
    error = capsys.readouterr().err
    assert "dim_themes" in error and "theme_colour" in error
    assert not out.exists() or not any(out.iterdir())


def test_the_pointer_file_wins_over_current(private_copy, tmp_path):
    exports = private_copy["exports"]
    other = exports / "builds" / "pointed-build"
    shutil.copytree(build_folder(exports), other)
    listing = json.loads((other / "_manifest.json").read_text(encoding="utf-8"))
    listing["build_id"] = "pointed-build"
    (other / "_manifest.json").write_text(json.dumps(listing), encoding="utf-8")
    (exports / "current.json").write_text(json.dumps({"build_id": "pointed-build", "folder": "builds/pointed-build"}), encoding="utf-8")
    out = tmp_path / "pbip"
    assert generate(out, export_folder=exports, manifest=private_copy["manifest"]) == 0
    assert "styringsoverblik_build_id = pointed-build" in (definition(out) / "model.tmdl").read_text(encoding="utf-8")
    (exports / "current.json").write_text(json.dumps({"folder": "../elsewhere"}), encoding="utf-8")
    assert generate(tmp_path / "other", export_folder=exports, manifest=private_copy["manifest"]) == 2
    # a table name that is no mart name never becomes a path
    (exports / "current.json").write_text(json.dumps({"folder": "builds/pointed-build"}), encoding="utf-8")
    listing["tables"]["../../escape"] = {"file": "dim_themes.parquet", "rows": 7, "bytes": 1}
    (other / "_manifest.json").write_text(json.dumps(listing), encoding="utf-8")
    assert generate(tmp_path / "third", export_folder=exports, manifest=private_copy["manifest"]) == 2
    assert not (tmp_path / "escape.tmdl").exists() and not list(tmp_path.rglob("escape*"))


def test_files_it_did_not_write_are_never_touched(sample, tmp_path, capsys):
    out = tmp_path / "pbip"
    out.mkdir()
    (out / "Styringsoverblik.pbip").write_text("mine", encoding="utf-8")
    assert generate(out, database=sample["db"], manifest=sample["manifest"]) == 2
    assert "not written by" in capsys.readouterr().err
    assert (out / "Styringsoverblik.pbip").read_text(encoding="utf-8") == "mine"

    out = tmp_path / "again"
    assert generate(out, database=sample["db"], manifest=sample["manifest"]) == 0
    desktop = out / "Styringsoverblik.SemanticModel" / ".pbi" / "localSettings.json"
    desktop.parent.mkdir()
    desktop.write_text("{}", encoding="utf-8")
    stale = definition(out) / "tables" / "fct_total_scores.tmdl"
    record = json.loads((out / ".styringsoverblik-powerbi.json").read_text(encoding="utf-8"))
    record["files"].append("Styringsoverblik.SemanticModel/definition/tables/gone.tmdl")
    (definition(out) / "tables" / "gone.tmdl").write_text("table gone\n", encoding="utf-8")
    (out / ".styringsoverblik-powerbi.json").write_text(json.dumps(record), encoding="utf-8")
    stale.write_text("edited", encoding="utf-8")
    assert generate(out, database=sample["db"], manifest=sample["manifest"]) == 0
    assert desktop.read_text(encoding="utf-8") == "{}"
    assert not (definition(out) / "tables" / "gone.tmdl").exists()
    assert stale.read_text(encoding="utf-8").startswith("/// ")


# --- the rules on their own --------------------------------------------------------------------


def test_relationships_form_a_star_without_dimension_chains():
    themes = Table("dim_themes", "t.parquet", columns=[Column("theme_no", "integer")], key="theme_no")
    questions = Table("dim_questions", "q.parquet", columns=[Column("question_no", "integer"), Column("theme_no", "integer")], key="question_no")
    facts = Table("fct_x", "x.parquet", columns=[Column("x_key", "varchar"), Column("question_no", "integer"), Column("theme_no", "integer"), Column("share_of_y", "double")], key="x_key")
    viewers = Table("dim_powerbi_viewers", "v.parquet", columns=[Column("user_principal_name", "varchar"), Column("municipality_code", "integer")])
    municipalities = Table("dim_municipalities", "m.parquet", columns=[Column("municipality_code", "integer")], key="municipality_code")
    tables = [themes, questions, facts, viewers, municipalities]
    rels = relationships_for(tables)
    assert sorted((r.from_table, r.from_column, r.to_table) for r in rels) == [
        ("fct_x", "question_no", "dim_questions"),
        ("fct_x", "theme_no", "dim_themes"),
    ]
    style_columns(tables, rels, {("fct_x", "share_of_y"): False})
    assert facts.column("question_no").is_hidden and facts.column("x_key").is_hidden
    assert facts.column("share_of_y").format_string == "0.0"  # not a fraction in the data: no percent
    assert not questions.column("theme_no").is_hidden
    assert viewers.is_hidden and all(c.is_hidden for c in viewers.columns)


def test_labels_of_a_dimension_with_a_sort_order_follow_it():
    subjects = Table("dim_benchmark_subjects", "s.parquet", key="subject_code", columns=[
        Column("subject_code", "varchar"), Column("subject_label", "varchar"), Column("level_name", "varchar"),
        Column("sort_order", "integer"), Column("theme_no", "integer"),
    ])
    style_columns([subjects], [], {})
    assert subjects.column("subject_label").sort_by == "sort_order"
    assert subjects.column("level_name").sort_by == "sort_order"
    assert subjects.column("subject_code").sort_by is None
    assert subjects.column("sort_order").summarize_by == "none"
