"""The `styringsoverblik` console script: one entry point for the project's Python tools.

Each sub-command lives in its own module, which exposes ``add_arguments(parser)`` and
``run(args) -> int``; the module is imported only when its command runs, so ``--help``
stays fast and a missing optional dependency only affects its own command.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("styringsoverblik.build", "build the warehouse: ingest, dbt build (transform and audit), publish"),
    "builds": ("styringsoverblik.buildlog", "show the build log: published and failed builds"),
    "powerbi": ("styringsoverblik.powerbi", "write a Power BI Project (PBIP) over the published marts"),
    "check": ("styringsoverblik.check", "check response files before a build; write a Danish problem list"),
    "report": ("styringsoverblik.report", "write the static HTML report per municipality"),
    "template": ("styringsoverblik.template", "write the Excel response template (wide layout)"),
    "grant": ("styringsoverblik.security", "create or update a PostgreSQL login: one municipality's rows, or a BI reader"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="styringsoverblik",
        description="Tools around the styringsoverblik warehouse (the warehouse is built with `styringsoverblik build` or `dbt build`).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(module_name=module_name)
        module = _load(module_name)
        if module is not None:
            module.add_arguments(command)
    return parser


def _load(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return None  # the command's module is not there (yet): it is listed but cannot run
        raise


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = _load(args.module_name)
    if module is None:
        parser.error(f"command {args.command!r} is not available in this installation")
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
