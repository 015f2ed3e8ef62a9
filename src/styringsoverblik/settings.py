"""The dbt vars the project reads: typed and checked before anything runs.

The specification (each var's type and, in words, the values it allows) is data in one place,
the YAML inside the macro ``setting_rules`` (``macros/setting_rules.sql``). dbt checks every
var against it while it parses the project (macros ``check_settings``, ``setting_problem``;
every use of a var in models and macros goes through the macro ``setting``), so a bad var stops
every command before anything is loaded, built or published. This module reads the same YAML
and applies the same checks to the values the build hooks hand over (``context.BuildContext``),
so the build log records only checked, typed values. ``problem`` gives, for the same value,
exactly the line the macro ``setting_problem`` gives (tests/python/test_settings.py runs both).

Types: ``boolean`` (a YAML true/false; never a string or a number), ``integer`` (a whole
number >= ``minimum``; never a string, float or boolean), ``choice`` (one of ``choices``), ``string``
(``nonempty``: not ''), ``survey_rounds`` (a mapping ``{from_year, to_year, rubric_version}`` or
a list of such: integers, years 1000-9999, ``from_year <= to_year``, ``rubric_version >= 1``,
no other keys).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from styringsoverblik.project import Project

RULES_MACRO = "setting_rules.sql"  # in the project's macro-paths (styringsoverblik.project)
RULES_START = "{%- set rules -%}"
RULES_END = "{%- endset -%}"
SHOWN_CHARACTERS = 200
ROUND_KEYS = {"from_year", "to_year", "rubric_version"}


class SettingsError(ValueError):
    """One or more vars are not allowed; the message lists each (as check_settings does)."""


@lru_cache(maxsize=8)
def rules(project_root: Path) -> dict[str, dict]:
    """The specification: the YAML between RULES_START and RULES_END in macros/setting_rules.sql
    of the project at project_root."""
    text = Project(project_root).macro_file(RULES_MACRO).read_text(encoding="utf-8")
    start, end = text.index(RULES_START) + len(RULES_START), text.index(RULES_END)
    return yaml.safe_load(text[start:end])


def is_integer(value: Any) -> bool:
    """Jinja's `is integer`: an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_round(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == ROUND_KEYS
        and all(is_integer(value[key]) for key in ROUND_KEYS)
        and 1000 <= value["from_year"] <= value["to_year"] <= 9999
        and value["rubric_version"] >= 1
    )


def allowed(rule: dict, value: Any) -> bool:
    kind = rule["type"]
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return is_integer(value) and value >= rule["minimum"]
    if kind == "choice":
        return isinstance(value, str) and value in rule["choices"]
    if kind == "string":
        return isinstance(value, str) and (value != "" or not rule.get("nonempty"))
    if kind == "survey_rounds":
        rounds = [value] if isinstance(value, dict) else value
        return isinstance(rounds, list) and all(is_round(r) for r in rounds)
    raise ValueError(f"setting_rules(): var has an unknown type {kind!r}")


def shown(value: Any) -> str:
    """The value as given, safe to print: Python's repr (control characters escaped), cut."""
    text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        text = f"{text[:SHOWN_CHARACTERS]}... (cut; {len(text)} characters)"
    return text


def problem(name: str, value: Any, project_root: Path) -> str:
    """'' when the value is allowed for the var, else one line naming the var, the value and
    the values allowed (the macro setting_problem's line)."""
    rule = rules(project_root)[name]
    if allowed(rule, value):
        return ""
    return f"var {name} = {shown(value)} is not allowed; allowed: {rule['allowed']}"


def typed(name: str, value: Any, project_root: Path) -> Any:
    """A checked value in the form the project uses (survey rounds: always a list)."""
    if rules(project_root)[name]["type"] == "survey_rounds" and isinstance(value, dict):
        return [value]
    return value


def check(values: dict, project_root: Path) -> dict:
    """The vars of the specification among values, checked and typed; SettingsError listing
    every var not allowed. Vars the specification does not name are passed through."""
    spec = rules(project_root)
    problems = [problem(name, values[name], project_root) for name in spec if name in values]
    problems = [p for p in problems if p]
    if problems:
        raise SettingsError(
            "dbt var(s) not allowed; nothing was run, loaded or published:\n  " + "\n  ".join(problems)
        )
    return {name: typed(name, value, project_root) if name in spec else value for name, value in values.items()}
