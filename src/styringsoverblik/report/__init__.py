"""`styringsoverblik report`: the municipality's own overview as a static site (issue 10).

Reads the published marts read-only and writes, in Danish with the technical note's labels,

- `DIR/<year>/<municipality_code>.html` per municipality that responded that year: the summary
  a director reads (at most 3 A4 pages printed),
- `DIR/<year>/<municipality_code>-detaljer.html`: its question-by-question detail,
- `DIR/<year>/index.html`, all responding municipalities (sortable) and the national picture,
- `DIR/index.html`, linking to the years in DIR,
- with `--pdf`, a PDF beside every municipality page (headless Chromium, A4, printed in parallel).

With `--municipality CODE` only that municipality's two pages (and PDFs) are written, no index
(their navigation still links the site's indexes, for pages copied into a full site); with
`--anonymous` as well (the report to send to the municipality alone) nothing links to an index
either: the pages show national and group figures and answer distributions as counts, and name
no other municipality anywhere.

The warehouse is opened read-only, read once, and closed before any page is rendered or
printed, so a build can start while PDFs print.

Pages are self-contained (inline CSS, charts as inline SVG from Altair/vl-convert, no external
requests) and work offline. Reports are written only from a published build: without
`marts.dim_builds` or its current build the command exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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
    parser.add_argument("--pdf", action="store_true", help="also write a PDF of every page (headless Chromium)")
    parser.add_argument(
        "--municipality",
        type=int,
        default=None,
        metavar="CODE",
        help="write only this municipality's pages (summary and detail), no index",
    )
    parser.add_argument(
        "--anonymous",
        action="store_true",
        help="with --municipality: no link to the indexes either; nothing names another municipality",
    )


def run(args: argparse.Namespace, on_stage: Callable[[str], None] | None = None) -> int:
    """`on_stage` (for tests) is called with "read" once the warehouse is released, then with
    "rendering" and, with --pdf, "printing"."""
    # imported here so `styringsoverblik --help` does not load Altair, vl-convert and Jinja2
    from . import pdf, site, warehouse

    if args.anonymous and args.municipality is None:
        print("report: --anonymous needs --municipality CODE (the one municipality the report is for)", file=sys.stderr)
        return EXIT_REFUSED
    database = args.database or default_database()
    try:
        # read everything, then release the warehouse: a build may start while pages render and print
        found = warehouse.read_report(database, args.year)
        data, build = found.data, found.build
        codes = None
        if args.municipality is not None:
            if args.municipality not in data.completeness:
                raise ReportError(
                    f"municipality {args.municipality} has no response in {data.year}; "
                    f"{len(data.responding)} municipalities responded that year"
                )
            codes = [args.municipality]
        if on_stage:
            on_stage("read")
        year_dir = site.write_year(
            args.out, data, build, with_pdf=args.pdf, codes=codes, anonymous=args.anonymous, on_stage=on_stage
        )
        if codes is None:
            site.write_root_index(args.out, build, found.responding_per_year, found.municipality_count)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except pdf.PdfError as error:
        print(f"report: {error}; nothing of {args.out} was replaced", file=sys.stderr)
        return 1
    written = f"municipality {codes[0]}'s pages" if codes else f"{len(data.responding)} of {len(data.municipalities)} municipalities"
    print(
        f"report: {written} for {data.year}; wrote {year_dir}{' with PDFs' if args.pdf else ''} from build {build.build_id}"
    )
    return 0
