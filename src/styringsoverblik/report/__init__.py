"""`styringsoverblik report`: the municipality's own overview as a static site (issue 10).

Reads the published marts read-only and writes, in Danish with the technical note's labels,

- `DIR/<year>/<municipality_code>.html` per municipality that responded that year,
- `DIR/<year>/index.html`, all responding municipalities (sortable) and the national picture,
- `DIR/index.html`, linking to the years in DIR,
- with `--pdf`, `DIR/<year>/<municipality_code>.pdf` (headless Chromium, A4).

Pages are self-contained (inline CSS, charts as inline SVG from Altair/vl-convert, no external
requests) and work offline. Reports are written only from a published build: without
`marts.dim_builds` or its current build the command exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .formatting import format_score
from .warehouse import ReportError, default_database

__all__ = ["add_arguments", "run", "format_score"]

EXIT_REFUSED = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder to write the site to")
    parser.add_argument("--year", type=int, default=None, help="survey year (default: the latest with responses)")
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB warehouse, opened read-only (default: $DBT_DUCKDB_PATH or warehouse/styringsoverblik.duckdb)",
    )
    parser.add_argument("--pdf", action="store_true", help="also write a PDF per municipality (headless Chromium)")


def run(args: argparse.Namespace) -> int:
    # imported here so `styringsoverblik --help` does not load Altair, vl-convert and Jinja2
    from . import pdf, site, warehouse

    database = args.database or default_database()
    try:
        with warehouse.connect(database) as con:
            build = warehouse.current_build(con)
            year = warehouse.resolve_year(con, args.year)
            data = warehouse.load_year(con, year)
            year_dir = site.write_year(args.out, data, build, with_pdf=args.pdf)
            site.write_root_index(args.out, con, build)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except pdf.PdfError as error:
        print(f"report: {error}; nothing of {args.out} was replaced", file=sys.stderr)
        return 1
    print(
        f"report: {len(data.responding)} of {len(data.municipalities)} municipalities responded in {year}; "
        f"wrote {year_dir}{' with PDFs' if args.pdf else ''} from build {build.build_id}"
    )
    return 0
