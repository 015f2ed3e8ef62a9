"""Check that `dbt docs generate` left no model, seed or column undocumented.

Reads manifest.json (descriptions) and catalog.json (the columns the built relations really
have) from a dbt target folder. Every model and seed must have a description, and every column
the catalog lists must have a description in the manifest.

Usage:  python -m styringsoverblik.docs_check target
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT = "styringsoverblik"


def undocumented(target: Path) -> list[str]:
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed") or node["package_name"] != PROJECT:
            continue
        name = f"{node['resource_type']} {node['name']}"
        if not node.get("description", "").strip():
            problems.append(f"{name}: no description")
        documented = {c.lower() for c, meta in node.get("columns", {}).items() if meta.get("description", "").strip()}
        built = catalog["nodes"].get(unique_id, {}).get("columns", {})
        if not built:
            problems.append(f"{name}: not in the catalog (was it built?)")
        for column in built:
            if column.lower() not in documented:
                problems.append(f"{name}: column {column} has no description")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    target = Path(args[0] if args else "target")
    problems = undocumented(target)
    for problem in problems:
        print(problem)
    print(f"docs check: {len(problems)} undocumented model/seed/column(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
