"""The dbt project as data: where its seeds and macros are, its vars' defaults, its version.

Every module that needs something of the project (the rubric seeds, the var rules in
``macros/setting_rules.sql``, the project version for the build log, a relative
``raw_responses_path``) gets a :class:`Project` made from a root the caller passes in: dbt's
``project_dir`` in the build hooks, ``--project-dir`` (default: the current directory) on the
command line. No module finds the project from where the package is installed.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "dbt_project.yml"


class ProjectError(Exception):
    """The folder is not the dbt project (no readable dbt_project.yml); the message says where."""


class Project:
    """The dbt project at ``root`` (the folder holding dbt_project.yml)."""

    def __init__(self, root: str | Path = "."):
        self.root = Path(root).resolve()
        path = self.root / PROJECT_FILE
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ProjectError(
                f"no dbt project at {self.root} ({PROJECT_FILE} not found); run from the project folder or "
                "give it with --project-dir"
            ) from None
        if not isinstance(config, dict):
            raise ProjectError(f"{path} is not a dbt project file (expected a mapping)")
        self._config = config

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    @property
    def name(self) -> str:
        return str(self._config.get("name") or "")

    @property
    def version(self) -> str:
        version = self._config.get("version")
        return "" if version is None else str(version)

    def _paths(self, key: str, default: str) -> tuple[Path, ...]:
        return tuple(self.root / str(p) for p in (self._config.get(key) or [default]))

    @property
    def seed_paths(self) -> tuple[Path, ...]:
        """The folders dbt loads seeds from (``seed-paths``), absolute."""
        return self._paths("seed-paths", "seeds")

    @property
    def macro_paths(self) -> tuple[Path, ...]:
        """The folders dbt reads macros from (``macro-paths``), absolute."""
        return self._paths("macro-paths", "macros")

    @cached_property
    def var_defaults(self) -> dict[str, Any]:
        """The vars' values in dbt_project.yml (project-scoped blocks left out)."""
        variables = self._config.get("vars") or {}
        return {name: value for name, value in variables.items() if name != self.name}

    def seed_file(self, relative: str | Path) -> Path:
        """The seed file ``relative`` (e.g. ``rubric/rubric_items.csv``) in the first seed folder
        holding it; the first folder's path when none does (so the error names where it was
        looked for)."""
        for folder in self.seed_paths:
            if (folder / relative).exists():
                return folder / relative
        return self.seed_paths[0] / relative

    def macro_file(self, name: str) -> Path:
        """The macro file ``name`` (e.g. ``setting_rules.sql``) in the macro folders."""
        for folder in self.macro_paths:
            found = sorted(folder.rglob(name)) if folder.is_dir() else []
            if found:
                return found[0]
        return self.macro_paths[0] / name

    def resolve(self, path: str | Path) -> Path:
        """A path as dbt's vars mean it: relative paths from the project root."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate
