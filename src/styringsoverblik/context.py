"""What a build invocation is: its id, command, project, selection and vars.

The DuckDB hooks hand it over as JSON (macro ``build_context``; :meth:`BuildContext.from_json`);
``styringsoverblik build`` on PostgreSQL makes one from dbt's manifest and results. Every stage
reads the invocation from it: ingest (the vars), judge (the results), publish (the export folder).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from styringsoverblik import settings
from styringsoverblik.export_folder import resolve_export_root
from styringsoverblik.project import Project


@dataclass
class BuildContext:
    """A dbt invocation as the stages see it (the hooks' JSON, or the build command's own)."""

    invocation_id: str
    command: str
    project_dir: str
    dbt_version: str = ""
    selected: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)
    mart_tests: list[str] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    vars: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str, project_dir: str | None = None) -> "BuildContext":
        """The hooks' context; its vars checked and typed (styringsoverblik.settings), so the build
        log records only values that were in force. ``project_dir``: the project's root as the dbt
        process knows it, instead of the context's (dbt's Jinja ``flags`` lack PROJECT_DIR, so
        the macro's is '.', the working directory)."""
        data = json.loads(text)
        if project_dir:
            data["project_dir"] = project_dir
        context = cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})
        context.vars = settings.check(context.vars, context.root)
        return context

    @property
    def root(self) -> Path:
        return Path(self.project_dir).resolve()

    @property
    def project(self) -> Project:
        return Project(self.root)

    @property
    def builds_marts(self) -> bool:
        return self.command in ("run", "build") and bool(set(self.selected) & set(self.marts))

    @property
    def selection(self) -> str:
        return f"{len(set(self.selected) & set(self.marts))} of {len(self.marts)} marts selected"

    def export_root(self) -> Path:
        """The export folder, absolute; `/`, the project root and home are refused."""
        return resolve_export_root(str(self.vars.get("export_path") or ""), self.root)

    def keep_builds(self) -> int:
        return self.vars["export_keep_builds"]  # checked: an integer >= 1
