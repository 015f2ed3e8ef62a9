"""`styringsoverblik report` (issue 10): the static site per municipality, checked in a browser.

One site is generated per session from a copy of a published warehouse and opened in headless
Chromium (Debian's /usr/bin/chromium through the `playwright` package; never `playwright
install`). Expected numbers are computed here with SQL of the test's own on the question
scores, not read from the benchmark marts the report uses.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from styringsoverblik import cli
from styringsoverblik.report import pdf as report_pdf
from styringsoverblik.report import site as report_site
from styringsoverblik.report import warehouse as report_warehouse
from styringsoverblik.report.formatting import format_score, format_share, format_signed, format_timestamp

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# the report's own Chromium flags; --headless is set by playwright itself, the PDF flag is no use here
CHROMIUM_ARGS = [flag for flag in report_pdf.FLAGS if flag not in ("--headless", "--no-pdf-header-footer")]
README_SCREENSHOT = PROJECT_ROOT / "docs" / "img" / "report_municipality.png"
STALE_CODE = 999  # no such municipality: a page left from an earlier run must disappear


# --- the warehouse fixture ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def published_db(sample_build) -> Path:
    """The shared sample build: published, with its build log (the report reads it read-only)."""
    return sample_build.db_path


def sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


@pytest.fixture(scope="session")
def site(published_db, tmp_path_factory):
    """The site, generated once through the real command line."""
    out = tmp_path_factory.mktemp("report_site")
    year = sql(published_db, "select max(survey_year) from marts.fct_response_completeness")[0][0]
    (out / str(year)).mkdir()
    (out / str(year) / f"{STALE_CODE}.html").write_text("stale page from an earlier run")
    code = cli.main(["report", "--out", str(out), "--database", str(published_db)])
    assert code == 0
    return {"out": out, "year": year, "db": published_db}


@pytest.fixture(scope="session")
def expected(site):
    """Totals, ranks and theme scores computed here from fct_question_scores."""
    db, year = site["db"], site["year"]
    totals = dict(
        sql(
            db,
            """select municipality_code, avg(score) from marts.fct_question_scores
               where survey_year = ? and score is not null group by 1""",
            [year],
        )
    )
    themes = {
        (code, theme): score
        for code, theme, score in sql(
            db,
            """select municipality_code, theme_no, avg(score) from marts.fct_question_scores
               where survey_year = ? and score is not null group by 1, 2""",
            [year],
        )
    }
    responding = {code for (code,) in sql(db, "select distinct municipality_code from marts.fct_item_scores where survey_year = ?", [year])}
    all_codes = {code for (code,) in sql(db, "select municipality_code from marts.dim_municipalities")}
    return {"totals": totals, "themes": themes, "responding": responding, "all_codes": all_codes}


def rank_of(code: int, totals: dict[int, float]) -> int:
    """1 = highest; ties (within rounding noise) share a rank."""
    return 1 + sum(1 for other in totals.values() if other > totals[code] + 1e-9)


@pytest.fixture(scope="session")
def showcase(expected, published_db, site) -> int:
    """A municipality with an imputed Q17 near the national median, else the median one."""
    imputed = {
        code
        for (code,) in sql(
            published_db,
            "select municipality_code from marts.fct_question_scores where survey_year = ? and is_imputed",
            [site["year"]],
        )
    }
    totals = expected["totals"]
    candidates = sorted(imputed or totals)
    ordered = sorted(totals.values())
    median = ordered[len(ordered) // 2]
    return min(candidates, key=lambda code: (abs(totals[code] - median), code))


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")  # closed before other test modules run (its event loop stays here)
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


class OpenedPage:
    """A page with its console errors, uncaught exceptions and non-local requests recorded."""

    def __init__(self, browser, path: Path, width: int = 1200, height: int = 1600):
        self.problems: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.on("console", lambda msg: self.problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on(
            "request",
            lambda request: None if request.url.startswith(("file:", "data:")) else self.problems.append(f"request: {request.url}"),
        )
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text().strip()

    def close(self):
        self.page.close()


@pytest.fixture(scope="module")
def municipality_page(browser, site, showcase):
    opened = OpenedPage(browser, site["out"] / str(site["year"]) / f"{showcase}.html")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def detail_page(browser, site, showcase):
    opened = OpenedPage(browser, site["out"] / str(site["year"]) / f"{showcase}-detaljer.html")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def index_page(browser, site):
    opened = OpenedPage(browser, site["out"] / str(site["year"]) / "index.html")
    yield opened
    opened.close()


# --- formatting --------------------------------------------------------------------------------


def test_format_score_is_danish_with_one_decimal():
    assert format_score(48.66) == "48,7"
    assert format_score(100) == "100,0"
    assert format_score(0) == "0,0"
    assert format_score(200 / 3) == "66,7"
    assert format_score(-0.04) == "0,0"
    assert format_score(1234.56) == "1.234,6"
    assert format_score(None) == "–"
    assert format_signed(2.345) == "+2,3"
    assert format_signed(-1.44) == "\u22121,4"
    assert format_signed(0.01) == "0,0"
    assert format_share(0.3194) == "32\u00a0%"


def test_format_timestamp_in_danish():
    from datetime import datetime

    assert format_timestamp(datetime(2025, 11, 30, 11, 5)) == "30. november 2025 kl. 11.05 UTC"


# --- refusals: only a published build is reported ---------------------------------------------


def _copy_without_build_log(tmp_path: Path, source: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(source, path)
    with duckdb.connect(str(path)) as con:  # the published tables are views over the Parquet set
        con.execute("drop view if exists marts.dim_builds")
        con.execute("drop view if exists marts.fct_build_input_files")
    return path


def test_refuses_without_build_log(tmp_path, capsys, published_db):
    db = _copy_without_build_log(tmp_path, published_db)
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--database", str(db)]) == 2
    assert "marts.dim_builds does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_refuses_without_current_build(tmp_path, capsys, published_db):
    db = _copy_without_build_log(tmp_path, published_db)
    with duckdb.connect(str(db)) as con:  # a build log whose builds are all superseded
        con.execute(
            "create table marts.dim_builds as select 'old-build' as build_id, false as is_current,"
            " timestamp '2025-01-01 09:00:00' as started_at, timestamp '2025-01-01 09:00:20' as finished_at"
        )
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--database", str(db)]) == 2
    assert "no current build" in capsys.readouterr().err
    assert not out.exists()


def test_refuses_a_year_without_responses(published_db, tmp_path, capsys):
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--database", str(published_db), "--year", "1999"]) == 2
    assert "no responses for 1999" in capsys.readouterr().err
    assert not out.exists()


def test_reads_the_warehouse_read_only(published_db):
    with report_warehouse.connect(published_db) as con:
        with pytest.raises(duckdb.Error):
            con.execute("create table marts.should_not_exist (x integer)")


# --- the site ----------------------------------------------------------------------------------


def test_one_page_per_responding_municipality(site, expected):
    year_dir = site["out"] / str(site["year"])
    pages = {int(path.stem) for path in year_dir.glob("*.html") if path.stem.isdigit()}
    assert pages == expected["responding"]
    assert STALE_CODE not in pages
    for code in expected["all_codes"] - expected["responding"]:
        assert not (year_dir / f"{code}.html").exists()
    assert (site["out"] / "index.html").is_file()
    assert not [path for path in site["out"].iterdir() if path.name.startswith(".")], "staging left behind"


def test_headline_matches_the_marts(municipality_page, expected, showcase):
    page = municipality_page
    totals = expected["totals"]
    national_mean = sum(totals.values()) / len(totals)
    assert page.text("[data-field=total-score]") == format_score(totals[showcase])
    assert page.text("[data-field=national-rank]") == f"nr. {rank_of(showcase, totals)} af {len(totals)}"
    assert page.text("[data-field=difference-national]") == format_signed(totals[showcase] - national_mean)
    for theme in range(1, 8):
        shown = page.text(f".theme-table tr[data-theme='{theme}'] [data-field=theme-score]").rstrip("*")
        assert shown == format_score(expected["themes"][(showcase, theme)]), f"theme {theme}"


def test_municipality_page_renders_offline_without_errors(municipality_page):
    assert municipality_page.problems == []


def test_theme_chart_has_seven_bars_and_a_table(municipality_page):
    chart = municipality_page.page.locator("figure[data-chart=themes] svg")
    assert chart.count() == 1
    assert chart.locator(".theme_scores_marks path").count() == 7
    assert chart.locator(".quartile_range_marks path").count() == 7
    assert chart.locator(".national_means_marks path").count() == 7
    assert municipality_page.page.locator(".theme-table tbody tr").count() == 7


def published(gain: float) -> float:
    """A gain as printed (one decimal; noise below 1e-9 rounded away first): equal ones share a rank."""
    return math.floor(round(gain, 9) * 10 + 0.5) / 10  # half up, as DuckDB's round()


def test_recommendation_gaps_by_gain_rank(municipality_page, published_db, site, showcase):
    """The five first recommendations in the mart's order, each gain shown; equal gains share a
    rank (computed here from the gains)."""
    gains = sql(
        published_db,
        """select question_no, total_gain, recommendation_text, recommendation_source from marts.fct_recommendation_gaps
           where survey_year = ? and municipality_code = ? order by gain_rank, question_no""",
        [site["year"], showcase],
    )
    items = municipality_page.page.locator("ol.gaps > li")
    assert items.count() == min(5, len(gains))
    shown = {int(items.nth(index).get_attribute("data-question")) for index in range(items.count())}
    for index in range(items.count()):
        item = items.nth(index)
        question_no = int(item.get_attribute("data-question"))
        (gain, text, source) = next((g, t, src) for q, g, t, src in gains if q == question_no)
        assert f"Spørgsmål {question_no}." in item.inner_text()
        assert item.locator("[data-field=total-gain]").inner_text() == f"{format_signed(published(gain))} point"
        higher = sum(1 for _, other, _, _ in gains if published(other) > published(gain))
        assert item.get_attribute("data-gain-rank") == str(1 + higher)
        assert "Anbefaling:" in item.inner_text()
        assert item.inner_text().count(source) == 1, "the source is printed once"
    # no question left out gains more than one shown
    lowest_shown = min(published(g) for q, g, _, _ in gains if q in shown)
    assert all(published(g) <= lowest_shown for q, g, _, _ in gains if q not in shown)


def test_own_answers_are_marked(detail_page, published_db, site, showcase):
    answered = sql(
        published_db,
        """select count(*) from marts.fct_item_scores
           where survey_year = ? and municipality_code = ? and is_answered""",
        [site["year"], showcase],
    )[0][0]
    assert detail_page.page.locator("table.distribution td[data-own]").count() == answered
    assert detail_page.page.locator("section.question").count() == 47
    assert detail_page.problems == []


def test_imputed_and_incomplete_answers_are_marked(municipality_page, detail_page, published_db, site, showcase):
    imputed = sql(
        published_db,
        "select question_no from marts.fct_question_scores where survey_year = ? and municipality_code = ? and is_imputed",
        [site["year"], showcase],
    )
    page = municipality_page.page
    for (question_no,) in imputed:
        row = detail_page.page.locator(f".question-table tr[data-question='{question_no}']")
        assert "beregnet score" in row.inner_text()
        assert row.locator("[data-field=question-score]").inner_text().endswith("*")
    assert page.locator("[data-field=imputed-notice]").count() == len(imputed)
    answered, expected_items = sql(
        published_db,
        "select items_answered, items_expected from marts.fct_response_completeness where survey_year = ? and municipality_code = ?",
        [site["year"], showcase],
    )[0]
    assert f"{answered} af {expected_items} underspørgsmål" in page.locator("[data-field=completeness]").inner_text()


def test_build_of_origin_is_shown(municipality_page, published_db):
    build_id, finished_at = sql(published_db, "select build_id, finished_at from marts.dim_builds where is_current")[0]
    files = [path for (path,) in sql(published_db, "select file_path from marts.fct_build_input_files where build_id = ?", [build_id])]
    page = municipality_page.page
    page.locator("details.technical summary").click()  # folded away: "Tekniske oplysninger"
    assert page.locator("details.technical [data-field=build-id]").inner_text() == build_id
    assert page.locator("details.technical [data-field=build-finished]").inner_text() == format_timestamp(finished_at)
    assert [text.strip() for text in page.locator("[data-field=input-file]").all_inner_texts()] == (files or [])


def test_index_lists_every_respondent_with_a_histogram(index_page, expected):
    page = index_page.page
    assert index_page.problems == []
    n, total = len(expected["responding"]), len(expected["all_codes"])
    assert f"{n} af {total} kommuner" in index_page.text("[data-field=responding]")
    assert page.locator("#scores tbody tr").count() == n
    assert page.locator("figure[data-chart=totals] svg .total_bins_marks path").count() == 10
    counts = [int(text) for text in page.locator("table.bins tbody td.num").all_inner_texts()]
    assert sum(counts) == n
    first = page.locator("#scores tbody tr").first
    best = max(expected["totals"], key=expected["totals"].get)
    assert first.get_attribute("data-municipality") == str(best)
    assert first.locator("a").get_attribute("href") == f"{best}.html"


def test_index_sorts_by_column(index_page, expected):
    page = index_page.page
    page.get_by_role("button", name="Samlet score").click()  # sorted descending already: now ascending
    worst = min(expected["totals"], key=expected["totals"].get)
    assert page.locator("#scores tbody tr").first.get_attribute("data-municipality") == str(worst)
    page.get_by_role("button", name="Tema 1").click()  # numbers: highest first
    theme1 = {code: score for (code, theme), score in expected["themes"].items() if theme == 1}
    top = page.locator("#scores tbody tr").first.get_attribute("data-municipality")
    assert theme1[int(top)] == pytest.approx(max(theme1.values()))
    assert index_page.problems == []


def test_root_index_links_the_year(browser, site):
    opened = OpenedPage(browser, site["out"] / "index.html")
    try:
        assert opened.problems == []
        assert opened.page.locator(f"a[href='{site['year']}/index.html']").count() == 1
    finally:
        opened.close()


def load(db: Path, year: int):
    """A fresh YearData (tests change it) and the current build."""
    with report_warehouse.connect(db) as con:
        return report_warehouse.load_year(con, year), report_warehouse.current_build(con)


def test_unanswered_question_is_marked(published_db, site, showcase):
    data, build = load(published_db, site["year"])
    row = data.question_scores[(showcase, 2)]
    data.question_scores[(showcase, 2)] = {**row, "score": None, "score_status": "not_answered", "items_answered": 0}
    data.answers.pop((showcase, 2), None)
    html = report_site.render_detail(report_site.environment(), data, build, showcase)
    table_row = re.search(r'<tr data-question="2" class="status-not_answered">(.*?)</tr>', html, re.S)
    assert table_row and "ikke besvaret" in table_row.group(1) and "ingen score" in table_row.group(1)
    assert "har ikke besvaret spørgsmålet" in html


def test_pdf_is_a4(published_db, site, showcase, tmp_path):
    data, build = load(published_db, site["year"])
    data.completeness = {showcase: data.completeness[showcase]}  # one page keeps the test quick
    year_dir = report_site.write_year(tmp_path, data, build, with_pdf=True)
    assert f'href="{showcase}.pdf"' in (year_dir / f"{showcase}.html").read_text(encoding="utf-8")
    for name in (f"{showcase}.pdf", f"{showcase}-detaljer.pdf"):
        content = (year_dir / name).read_bytes()
        assert content.startswith(b"%PDF")
        boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", content))
        assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes), name
    assert sorted(path.name for path in tmp_path.iterdir()) == [str(site["year"])], "staging left behind"


def test_failed_pdf_replaces_nothing(published_db, site, showcase, tmp_path, monkeypatch):
    data, build = load(published_db, site["year"])
    data.completeness = {showcase: data.completeness[showcase]}
    year_dir = report_site.write_year(tmp_path, data, build)
    before = sorted(path.name for path in year_dir.iterdir())
    monkeypatch.setattr(report_pdf, "CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(report_pdf.PdfError):
        report_site.write_year(tmp_path, data, build, with_pdf=True)
    assert sorted(path.name for path in year_dir.iterdir()) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [str(site["year"])]


def test_screenshots(municipality_page, index_page, tmp_path_factory):
    artifacts = tmp_path_factory.mktemp("report_artifacts")
    municipality_page.page.evaluate("window.scrollTo(0, 0)")
    municipality_page.page.screenshot(path=str(artifacts / "municipality_full.png"), full_page=True)
    municipality_page.page.screenshot(path=str(artifacts / "municipality.png"))
    index_page.page.screenshot(path=str(artifacts / "index_full.png"), full_page=True)
    for name in ("municipality_full.png", "municipality.png", "index_full.png"):
        assert (artifacts / name).stat().st_size > 10_000
    # the README's screenshot is refreshed on request only: a test run never changes tracked files
    if os.environ.get("STYRINGSOVERBLIK_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(artifacts / "municipality.png", README_SCREENSHOT)


def test_comparison_groups_beside_the_region(published_db, site, showcase):
    """A grouping added to the comparison_groups seed shows in the headline; `region` is the region line."""
    data, build = load(published_db, site["year"])
    group = {
        "grouping_code": "kl_sammenlignelige",
        "grouping_name": "KL's sammenlignelige kommuner",
        "group_code": "A",
        "group_name": "Gruppe A",
        "group_municipalities": 9,
        "group_rank": 4,
        "group_mean": 45.0,
        "difference_to_group_mean": data.totals[showcase]["score"] - 45.0,
    }
    data.groups[showcase] = [*data.groups.get(showcase, []), group]
    html = report_site.render_municipality(report_site.environment(), data, build, showcase)
    assert "Sammenligningsgruppe: Gruppe A (KL&#39;s sammenlignelige kommuner)" in html
    assert "nr. 4 af 9" in html
    assert html.count("Sammenligningsgruppe:") == 1
