"""Write the static site: `DIR/index.html`, `DIR/<year>/index.html`, and per municipality the
summary `DIR/<year>/<code>.html` and the detail `DIR/<year>/<code>-detaljer.html` (the own-only
report: only one municipality's two pages).

A year is written into a staging folder beside it and then swapped into place, so a reader (or a
web server) never sees a half-written year, and pages of municipalities that no longer have a
response that year do not survive from an earlier run.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import jinja2

from . import context, pdf
from .formatting import FILTERS
from .warehouse import Build, YearData

YEAR_DIR = re.compile(r"^\d{4}$")


def environment() -> jinja2.Environment:
    """Jinja2 with the package's templates, autoescape on, Danish number filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("styringsoverblik.report", "templates"),
        autoescape=True,  # every template is HTML (the CSS/JS includes hold no expressions)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render_municipality(
    env: jinja2.Environment, data: YearData, build: Build, code: int, pdf_link: bool = False, with_index: bool = True
) -> str:
    """The summary a director reads: `<code>.html`."""
    page = context.summary_page(data, code)
    return env.get_template("municipality.html.j2").render(**page, build=build, pdf_link=pdf_link, with_index=with_index)


def render_detail(
    env: jinja2.Environment, data: YearData, build: Build, code: int, pdf_link: bool = False, with_index: bool = True
) -> str:
    """The question-by-question detail: `<code>-detaljer.html`."""
    page = context.detail_page(data, code)
    return env.get_template("municipality_detail.html.j2").render(
        **page, build=build, pdf_link=pdf_link, with_index=with_index
    )


def detail_name(code: int) -> str:
    return f"{code}-detaljer"


def render_year_index(env: jinja2.Environment, data: YearData, build: Build) -> str:
    return env.get_template("year_index.html.j2").render(**context.year_index_page(data), build=build)


def write_year(
    out: Path,
    data: YearData,
    build: Build,
    with_pdf: bool = False,
    codes: list[int] | None = None,
    anonymous: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> Path:
    """Every page of one year (and its PDFs), swapped into `out/<year>` at the end; returns that
    folder. Nothing of the year is replaced when a page or a PDF fails.

    `codes`: only these municipalities' pages and no year index (an index would list pages that
    are not there). `anonymous`: no link to the site's indexes either (the own-only report:
    nothing names another municipality).
    `on_stage` is called with "rendering" and "printing" as the run reaches each stage."""
    env = environment()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data.year}-", dir=out))
    try:
        if on_stage:
            on_stage("rendering")
        with contextlib.ExitStack() as stack:
            # pages print while the next ones render (Chromium on one core, rendering on the other)
            printer = stack.enter_context(pdf.Printer()) if with_pdf else None
            if printer and on_stage:
                on_stage("printing")
            for code in data.responding if codes is None else codes:
                for name, render in ((str(code), render_municipality), (detail_name(code), render_detail)):
                    page = staging / f"{name}.html"
                    page.write_text(
                        render(env, data, build, code, pdf_link=with_pdf, with_index=not anonymous), encoding="utf-8"
                    )
                    if printer:
                        printer.submit(page)
            if codes is None:
                (staging / "index.html").write_text(render_year_index(env, data, build), encoding="utf-8")
            if printer:
                printer.wait()
        return _swap_into_place(staging, out / str(data.year))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_into_place(staging: Path, target: Path) -> Path:
    staging.chmod(0o755)
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        target.rename(old / target.name)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)
    return target


def write_root_index(out: Path, build: Build, responding_per_year: dict[int, int], municipality_count: int) -> Path:
    """`out/index.html`, linking to every year folder in `out` (counts read from the warehouse
    before it was released)."""
    years = sorted(
        (int(path.name) for path in out.iterdir() if YEAR_DIR.match(path.name) and (path / "index.html").is_file()),
        reverse=True,
    )
    entries = [
        {"year": year, "responding": responding_per_year.get(year), "municipality_count": municipality_count}
        for year in years
    ]
    html = environment().get_template("index.html.j2").render(years=entries, build=build)
    path = out / "index.html"
    tmp = path.with_name(".index.html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
