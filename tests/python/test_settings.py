"""The dbt vars' specification and its checks (styringsoverblik.settings; macros setting_rules,
setting_problem, check_settings, setting).

Unit tests of the Python checks, with the expected lines written out by hand; then one dbt
invocation that runs the macro setting_problem on every case, with the values parsed by dbt
from --vars as a user's are, and asserts it gives the same line as Python for each.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import PROJECT_ROOT, run_dbt
from styringsoverblik import settings
from styringsoverblik.context import BuildContext

BOOLEAN = "true or false (a YAML boolean, not quoted: --vars '{strict: false}')"
WHOLE = "a whole number of at least 1, not quoted (e.g. 3)"
WHOLE_OR_ZERO = "a whole number of at least 0, not quoted (e.g. 3)"
ROUNDS = (
    "[] or a mapping {from_year: 2024, to_year: 2030, rubric_version: 1} or a list of such: integer years "
    "1000-9999 with from_year <= to_year, an integer rubric_version >= 1, no other keys"
)
ROUND = {"from_year": 2024, "to_year": 2030, "rubric_version": 1}

# (var, value as dbt parses it from --vars, the values allowed as the message states them)
BAD = [
    ("strict", "false", BOOLEAN),
    ("strict", "no", BOOLEAN),
    ("strict", "1=0", BOOLEAN),
    ("strict", 0, BOOLEAN),
    ("strict", 1, BOOLEAN),
    ("strict", "true", BOOLEAN),
    ("strict", None, BOOLEAN),
    ("strict", "", BOOLEAN),
    ("export_keep_builds", "abc", WHOLE),
    ("export_keep_builds", "3", WHOLE),
    ("export_keep_builds", 0, WHOLE),
    ("export_keep_builds", -1, WHOLE),
    ("export_keep_builds", 2.5, WHOLE),
    ("export_keep_builds", 3.0, WHOLE),
    ("export_keep_builds", True, WHOLE),
    ("export_keep_builds", None, WHOLE),
    ("min_group_size", -1, WHOLE_OR_ZERO),
    ("min_group_size", "3", WHOLE_OR_ZERO),
    ("min_group_size", 1.5, WHOLE_OR_ZERO),
    ("min_group_size", False, WHOLE_OR_ZERO),
    ("municipality_code", "101) or (1=1", "a municipality code, a whole number, not quoted (e.g. 101)"),
    ("municipality_code", 0, "a municipality code, a whole number, not quoted (e.g. 101)"),
    ("q17_neutral_scope", "tema", "all or theme"),
    ("q17_neutral_scope", "ALL", "all or theme"),
    ("q17_neutral_scope", "", "all or theme"),
    ("q17_neutral_scope", 1, "all or theme"),
    ("q17_neutral_scope", ["all"], "all or theme"),
    ("raw_responses_path", "", "a path or glob of the response file(s), as text (e.g. 'inbox/*.xlsx')"),
    ("raw_responses_path", None, "a path or glob of the response file(s), as text (e.g. 'inbox/*.xlsx')"),
    ("raw_responses_path", 5, "a path or glob of the response file(s), as text (e.g. 'inbox/*.xlsx')"),
    ("raw_responses_path", ["a.csv"], "a path or glob of the response file(s), as text (e.g. 'inbox/*.xlsx')"),
    ("export_path", "", "a folder path, as text (e.g. exports/parquet)"),
    ("export_path", 0, "a folder path, as text (e.g. exports/parquet)"),
    ("export_path", None, "a folder path, as text (e.g. exports/parquet)"),
    ("xlsx_sheet", 2023, "a sheet name, as text ('' for the first sheet; quote a name that looks like a number: '2023')"),
    ("xlsx_sheet", None, "a sheet name, as text ('' for the first sheet; quote a name that looks like a number: '2023')"),
    ("xlsx_sheet", True, "a sheet name, as text ('' for the first sheet; quote a name that looks like a number: '2023')"),
    ("extra_survey_rounds", None, ROUNDS),
    ("extra_survey_rounds", "2024", ROUNDS),
    ("extra_survey_rounds", 2024, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "from_year": 2031}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "from_year": "2024"}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "to_year": 2030.0}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "rubric_version": 0}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "rubric_version": True}, ROUNDS),
    ("extra_survey_rounds", {"from_year": 2024, "to_year": 2030}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "rubric_verison": 1}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "from_year": 24, "to_year": 30}, ROUNDS),
    ("extra_survey_rounds", {**ROUND, "to_year": 99999}, ROUNDS),
    ("extra_survey_rounds", [ROUND, 5], ROUNDS),
    ("extra_survey_rounds", [ROUND, [ROUND]], ROUNDS),
]

GOOD = [
    ("strict", True),
    ("strict", False),
    ("export_keep_builds", 1),
    ("export_keep_builds", 40),
    ("min_group_size", 1),
    ("min_group_size", 0),
    ("municipality_code", 851),
    ("q17_neutral_scope", "all"),
    ("q17_neutral_scope", "theme"),
    ("raw_responses_path", "inbox/*.xlsx"),
    ("raw_responses_path", "data/[2023] svar æøå.csv"),
    ("export_path", "/srv/exports"),
    ("xlsx_sheet", ""),
    ("xlsx_sheet", "2023"),
    ("extra_survey_rounds", []),
    ("extra_survey_rounds", ROUND),
    ("extra_survey_rounds", [ROUND, {"from_year": 2031, "to_year": 2031, "rubric_version": 2}]),
    ("extra_survey_rounds", {"from_year": 9999, "to_year": 9999, "rubric_version": 7}),
]

HOSTILE = [
    ("q17_neutral_scope", "theme\x1b[2J\x1b]0;owned\x07"),
    ("xlsx_sheet", 1.5e300),
    ("export_path", {"a": "\u202eevil\x9b"}),
    ("q17_neutral_scope", "x" * 5000),
]


def python_repr(value) -> str:
    return repr(value)


@pytest.mark.parametrize("name, value, allowed", BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
def test_each_bad_value_is_refused_naming_var_value_and_allowed_values(name, value, allowed):
    assert settings.problem(name, value, PROJECT_ROOT) == f"var {name} = {python_repr(value)} is not allowed; allowed: {allowed}"
    with pytest.raises(settings.SettingsError) as refused:
        settings.check({"strict": True, name: value}, PROJECT_ROOT)
    assert str(refused.value) == (
        "dbt var(s) not allowed; nothing was run, loaded or published:\n"
        f"  var {name} = {python_repr(value)} is not allowed; allowed: {allowed}"
    )


@pytest.mark.parametrize("name, value", GOOD, ids=[f"{n}={v!r}" for n, v in GOOD])
def test_allowed_values_pass_typed(name, value):
    assert settings.problem(name, value, PROJECT_ROOT) == ""
    checked = settings.check({name: value}, PROJECT_ROOT)[name]
    assert checked == ([value] if isinstance(value, dict) else value)
    assert type(checked) is (list if isinstance(value, dict) else type(value))


def test_every_bad_var_is_listed_in_one_message_in_the_specifications_order():
    with pytest.raises(settings.SettingsError) as refused:
        settings.check({"q17_neutral_scope": "tema", "strict": "no", "export_keep_builds": 3, "other": "kept"}, PROJECT_ROOT)
    assert str(refused.value).splitlines() == [
        "dbt var(s) not allowed; nothing was run, loaded or published:",
        f"  var strict = 'no' is not allowed; allowed: {BOOLEAN}",
        "  var q17_neutral_scope = 'tema' is not allowed; allowed: all or theme",
    ]


def test_a_var_the_specification_does_not_name_passes_through():
    assert settings.check({"municipality_code": 101, "primary_key_test_macros": [["a"]]}, PROJECT_ROOT)["primary_key_test_macros"] == [["a"]]


def test_values_are_shown_escaped_and_cut():
    assert settings.shown("a\x1b[2Jb\x07") == "'a\\x1b[2Jb\\x07'"
    assert settings.shown("\u202eevil\x9b\n") == "'\\u202eevil\\x9b\\n'"
    assert settings.shown("æøå") == "'æøå'"
    long = settings.shown("x" * 5000)
    assert long == "'" + "x" * 199 + "... (cut; 5002 characters)"
    line = settings.problem("q17_neutral_scope", "theme\x1b[2J", PROJECT_ROOT)
    assert "\x1b" not in line and "'theme\\x1b[2J'" in line


def test_every_var_of_the_specification_has_an_allowed_default_in_dbt_project_yml():
    defaults = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    spec = settings.rules(PROJECT_ROOT)
    assert set(spec) <= set(defaults)
    assert settings.check({name: defaults[name] for name in spec}, PROJECT_ROOT) == {
        "strict": True,
        "export_keep_builds": 3,
        "min_group_size": 3,
        "municipality_code": 101,
        "q17_neutral_scope": "all",
        "raw_responses_path": "data/sample/responses_2023_synthetic.csv",
        "export_path": "exports/parquet",
        "xlsx_sheet": "",
        "extra_survey_rounds": [],
    }


def test_the_build_context_holds_checked_values_or_refuses(tmp_path):
    context = {"invocation_id": "b1", "command": "build", "project_dir": str(PROJECT_ROOT)}
    good = BuildContext.from_json(json.dumps({**context, "vars": {"strict": False, "export_keep_builds": 1, "extra_survey_rounds": ROUND}}))
    assert good.vars["strict"] is False and good.keep_builds() == 1 and good.vars["extra_survey_rounds"] == [ROUND]
    with pytest.raises(settings.SettingsError, match=r"var strict = 'false' is not allowed"):
        BuildContext.from_json(json.dumps({**context, "vars": {"strict": "false"}}))


def test_no_model_macro_or_test_reads_a_var_but_through_setting():
    """Every use of a var goes through the macro setting (only its own macros call var())."""
    own = {"setting.sql", "check_settings.sql"}
    offenders = []
    for folder in ("models", "macros", "tests/dbt", "analyses"):
        for path in (PROJECT_ROOT / folder).rglob("*.sql"):
            # env_var() (the PostgreSQL hooks read STYRINGSOVERBLIK_BUILD_ID) is not a dbt var
            if path.name not in own and re.search(r"(?<![\w.])var\(", path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


def test_the_macro_gives_the_same_line_as_python_for_every_case(tmp_path):
    """One `dbt compile --inline` that runs setting_problem on every case above, the values
    parsed by dbt from --vars (YAML), as a user's are."""
    cases = [(n, v) for n, v, _ in BAD] + GOOD + HOSTILE
    inline = (
        "{%- set out = [] -%}{%- for case in var('parity_cases') -%}"
        "{%- do out.append(setting_problem(case.name, case.value)) -%}{%- endfor -%}"
        "{{ print('PARITY ' ~ tojson(out)) }}select 1"
    )
    run = run_dbt(
        "--quiet compile",
        tmp_path / "warehouse.duckdb",
        {"parity_cases": [{"name": n, "value": v} for n, v in cases]},
        ("--inline", inline),
    )
    assert run.returncode == 0, run.output[-3000:]
    printed = [line for line in run.output.splitlines() if line.startswith("PARITY ")]
    from_macro = json.loads(printed[-1][len("PARITY "):])
    assert from_macro == [settings.problem(n, v, PROJECT_ROOT) for n, v in cases]
    assert all(from_macro[: len(BAD)]) and not any(from_macro[len(BAD): len(BAD) + len(GOOD)])
