"""The municipality's own view (issue 18): a summary that fits on 3 A4 pages beside a detail page,
recommendations ranked with shared ranks and the tie note, a footer for directors, the synthetic
flag from the build log, the own-only (anonymous) report, and the warehouse released before
rendering (issue 16 item 8).

Expected values are computed here: gains and ranks from fct_question_scores, local times with
zoneinfo, names from seeds/reference/municipalities.csv.
"""

from __future__ import annotations

import csv
import math
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from pypdf import PdfReader

from conftest import PROJECT_ROOT, query
from styringsoverblik import buildlog, cli
from styringsoverblik.loader import load_responses
from styringsoverblik.report import site as report_site
from styringsoverblik.report import warehouse as report_warehouse
from styringsoverblik.report.formatting import format_local_time, format_percentile, format_signed
from styringsoverblik.report.warehouse import ranked_gaps

MUNICIPALITIES = PROJECT_ROOT / "seeds" / "reference" / "municipalities.csv"
SYNTHETIC_NOTE = "Syntetiske data – ikke rigtige besvarelser"
TOP = 5


# --- shared builds and hand-computed expectations ---------------------------------------------


@pytest.fixture(scope="module")
def db(sample_build) -> Path:
    return sample_build.db_path


@pytest.fixture(scope="module")
def year(db) -> int:
    return query(db, "select max(survey_year) as y from marts.fct_response_completeness")[0]["y"]


def hand_gaps(db: Path, year: int) -> dict[int, list[tuple[int, int, float]]]:
    """Per municipality without an imputed question: (question_no, theme_no, gain on the total)
    of every question below 100, the gain being (100 - score) / questions scored."""
    scores = query(
        db,
        f"""select municipality_code, question_no, theme_no, score, is_imputed
            from marts.fct_question_scores where survey_year = {int(year)} and score is not null""",
    )
    per: dict[int, list[dict]] = {}
    for row in scores:
        per.setdefault(row["municipality_code"], []).append(row)
    result = {}
    for code, rows in per.items():
        if any(row["is_imputed"] for row in rows):
            continue
        result[code] = [
            (row["question_no"], row["theme_no"], (100 - row["score"]) / len(rows))
            for row in rows
            if row["score"] < 100 - 1e-9
        ]
    return result


def published(gain: float) -> float:
    """As printed: one decimal (noise below 1e-9 rounded away first)."""
    return math.floor(round(gain, 9) * 10 + 0.5) / 10  # half up, as DuckDB's round()


def shared_ranks(gaps: list[tuple[int, int, float]]) -> dict[int, int]:
    """question_no -> 1 + how many gains are larger as published (equal gains share a rank)."""
    return {q: 1 + sum(1 for _, _, other in gaps if published(other) > published(gain)) for q, _, gain in gaps}


@pytest.fixture(scope="module")
def tie_case(db, year) -> tuple[int, list[tuple[int, int, float]]]:
    """The municipality (no imputed question) with the most gains tied with the fifth shown."""
    best = None
    for code, gaps in sorted(hand_gaps(db, year).items()):
        ordered = sorted(gaps, key=lambda gap: -published(gap[2]))
        if len(ordered) <= TOP:
            continue
        fifth = published(ordered[TOP - 1][2])
        beyond = sum(1 for gap in ordered[TOP:] if published(gap[2]) == fifth)
        if beyond and (best is None or beyond > best[0]):
            best = (beyond, code, gaps)
    assert best, "the sample has a municipality whose tied gains reach past the first five"
    return best[1], best[2]


@pytest.fixture(scope="module")
def site(db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("summary_site")
    assert cli.main(["report", "--out", str(out), "--database", str(db)]) == 0
    return out


def other_names(own_code: int) -> list[str]:
    with MUNICIPALITIES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    own = next(row["municipality_name"] for row in rows if int(row["municipality_code"]) == own_code)
    # a name inside the own name (none today, but e.g. "Frederiks" in "Frederiksberg") cannot be told apart
    return [row["municipality_name"] for row in rows if int(row["municipality_code"]) != own_code and row["municipality_name"] not in own]


def visible_text(html: str) -> str:
    """The page's text and attribute values, markup removed (names could hide in either)."""
    attributes = " ".join(re.findall(r'=\s*"([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


# --- formatting and adapters (no warehouse) ----------------------------------------------------


def test_local_time_is_danish_clock_time():
    # 13.05 UTC is 14.05 in Copenhagen in winter (CET) and 15.05 in summer (CEST)
    assert format_local_time(datetime(2026, 12, 1, 13, 5)) == "1. december 2026 kl. 14.05"
    assert format_local_time(datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc)) == "1. juli 2026 kl. 15.05"
    assert format_local_time(datetime(2026, 12, 31, 23, 30)) == "1. januar 2027 kl. 00.30"
    assert format_local_time(None) == "–"


def test_percentile_is_read_as_a_fraction():
    assert format_percentile(0.634) == "63"
    assert format_percentile(1.0) == "100"
    assert format_percentile(None) == "–"


def test_ranked_gaps_follow_the_marts_ranks_and_order():
    # the mart shares ranks (rank()) and orders ties by display_order; the report keeps both
    shared = [
        {"question_no": 7, "gain_rank": 1, "display_order": 2, "total_gain_rounded": 2.0, "tied_count": 2},
        {"question_no": 3, "gain_rank": 1, "display_order": 1, "total_gain_rounded": 2.0, "tied_count": 2},
        {"question_no": 9, "gain_rank": 3, "display_order": 3, "total_gain_rounded": 1.0, "tied_count": 1},
    ]
    assert [(row["question_no"], row["shared_rank"], row["tied_count"], row["gain_shown"]) for row in ranked_gaps(shared)] == [
        (3, 1, 2, 2.0), (7, 1, 2, 2.0), (9, 3, 1, 1.0)
    ]


# --- the synthetic flag: sample -> loader -> build log -> every page -----------------------------


def test_loader_marks_a_file_synthetic_only_when_every_row_says_so(tmp_path):
    header = "municipality_code,survey_year,question_no,item,answer,data_origin\n"
    (tmp_path / "all.csv").write_text(header + "101,2023,1,,Ja,synthetic\n101,2023,2,,Nej,synthetic\n", encoding="utf-8")
    (tmp_path / "mixed.csv").write_text(header + "101,2023,1,,Ja,synthetic\n101,2023,2,,Nej,\n", encoding="utf-8")
    (tmp_path / "plain.csv").write_text("municipality_code,survey_year,question_no,item,answer\n101,2023,1,,Ja\n", encoding="utf-8")
    with duckdb.connect() as con:
        found = {Path(f.path).name: f.is_synthetic for f in load_responses(con, str(tmp_path / "*.csv"), PROJECT_ROOT)}
        assert con.execute("select count(*) from raw.raw_responses").fetchone()[0] == 5  # the extra column is ignored
    assert found == {"all.csv": True, "mixed.csv": False, "plain.csv": False}


def test_old_build_log_gains_the_column(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema ops; create table ops.build_input_files (build_id varchar not null, file_path varchar not null,"
            " file_format varchar, file_encoding varchar, file_delimiter varchar, file_size_bytes bigint,"
            " file_sha256 varchar, raw_rows integer, valid_rows integer, rejected_rows integer,"
            " primary key (build_id, file_path))"
        )
        con.execute("insert into ops.build_input_files (build_id, file_path) values ('old', 'a.csv')")
        buildlog.ensure_ops(con)
        assert con.execute("select is_synthetic from ops.build_input_files").fetchall() == [(None,)]


def test_the_sample_build_is_synthetic_on_every_page(db, site):
    (row,) = query(db, "select is_synthetic from marts.dim_builds where is_current")
    assert row["is_synthetic"] is True
    files = query(db, "select file_path, is_synthetic from marts.fct_build_input_files")
    assert files and all(file["is_synthetic"] for file in files)
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        assert SYNTHETIC_NOTE in page.read_text(encoding="utf-8"), page


def test_real_input_is_not_called_synthetic(hand_build, tmp_path):
    (row,) = query(hand_build.db_path, "select is_synthetic from marts.dim_builds where is_current")
    assert row["is_synthetic"] is False
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--database", str(hand_build.db_path)]) == 0
    assert not any("Syntetiske data" in page.read_text(encoding="utf-8") for page in out.rglob("*.html"))


def test_a_sample_renamed_is_still_synthetic_and_a_real_file_named_synthetic_is_not(tmp_path):
    """The flag comes from the rows, not the file name."""
    sample = (PROJECT_ROOT / "data" / "sample" / "responses_2023_synthetic.csv").read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "svar_2023.csv").write_text(sample, encoding="utf-8")
    plain = "\n".join(line.rsplit(",", 1)[0] for line in sample.splitlines()) + "\n"
    (tmp_path / "in2").mkdir()
    (tmp_path / "in2" / "responses_synthetic.csv").write_text(plain, encoding="utf-8")
    with duckdb.connect() as con:
        (renamed,) = load_responses(con, str(tmp_path / "in" / "svar_2023.csv"), PROJECT_ROOT)
        (named,) = load_responses(con, str(tmp_path / "in2" / "responses_synthetic.csv"), PROJECT_ROOT)
    assert renamed.is_synthetic and not named.is_synthetic


# --- the summary and its detail -----------------------------------------------------------------


def test_summary_links_its_detail_and_holds_no_question_by_question_detail(site, year, tie_case):
    code, _ = tie_case
    summary = (site / str(year) / f"{code}.html").read_text(encoding="utf-8")
    detail = (site / str(year) / f"{code}-detaljer.html").read_text(encoding="utf-8")
    assert f'href="{code}-detaljer.html"' in summary
    assert "table class=\"distribution\"" not in summary and summary.count("<section class=\"question\"") == 0
    assert detail.count("<section class=\"question\"") == 47
    assert f'href="{code}.html"' in detail
    assert "Der er ikke defineret andre sammenligningsgrupper" not in summary


def test_tied_gains_share_a_rank_and_the_page_says_how_many_more(site, year, tie_case):
    code, gaps = tie_case
    ranks = shared_ranks(gaps)
    html = (site / str(year) / f"{code}.html").read_text(encoding="utf-8")
    shown = re.findall(r'<li data-gain-rank="(\d+)" data-question="(\d+)">', html)
    assert len(shown) == TOP
    for rank, question_no in shown:
        assert int(rank) == ranks[int(question_no)], f"question {question_no}"
    assert [int(rank) for rank, _ in shown] == sorted(int(rank) for rank, _ in shown)
    # nothing left out gains more than the last one shown
    last_rank = int(shown[-1][0])
    assert all(rank >= last_rank for q, rank in ranks.items() if str(q) not in {qn for _, qn in shown})
    tied_beyond = sorted(q for q, rank in ranks.items() if rank == last_rank and str(q) not in {qn for _, qn in shown})
    count = len(tied_beyond)
    gain = next(g for q, _, g in gaps if ranks[q] == last_rank)
    note = re.search(r'data-field="same-gain-count">([^<]*)<', html).group(1)
    assert note == f"{count} {'anden anbefaling giver' if count == 1 else 'andre anbefalinger giver'} samme gevinst"
    assert f"({format_signed(published(gain))} point, delt {last_rank}. plads)" in html
    listed = sorted(int(q) for q in re.findall(r'<span class="same-gain-item" data-question="(\d+)">', html))
    assert listed == tied_beyond
    # grouped by theme, themes in order
    themes_listed = re.findall(r'<p class="same-gain-theme"><strong>(\d+)\.', html)
    expected_themes = sorted({theme for q, theme, _ in gaps if q in tied_beyond})
    assert [int(theme) for theme in themes_listed] == expected_themes


def test_footer_speaks_to_directors(db, site, year, tie_case):
    code, _ = tie_case
    html = (site / str(year) / f"{code}.html").read_text(encoding="utf-8")
    (build,) = query(db, "select build_id, started_at, valid_rows from marts.dim_builds where is_current")
    files = query(db, "select file_path from marts.fct_build_input_files where build_id = '%s'" % build["build_id"])
    local = build["started_at"].replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Copenhagen"))
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]
    expected_time = f"{local.day}. {months[local.month - 1]} {local.year} kl. {local.hour:02d}.{local.minute:02d}"
    basis = re.search(r'<p data-field="data-basis">(.*?)</p>', html, re.S).group(1)
    assert expected_time in basis
    assert f"{build['valid_rows']:,}".replace(",", ".") + "</span> svar" in basis
    for file in files:
        assert Path(file["file_path"]).name in basis
    assert build["build_id"] not in basis and "UTC" not in basis and "SHA" not in basis
    technical = re.search(r'<details class="technical">(.*?)</details>', html, re.S).group(1)
    assert "Tekniske oplysninger" in technical and build["build_id"] in technical and "Streng tilstand" in technical
    assert html.count(build["build_id"]) == 1


def test_suppressed_statistics_say_too_few_answers(db, year, tie_case):
    code, _ = tie_case
    with report_warehouse.connect(db) as con:
        data, build = report_warehouse.load_year(con, year), report_warehouse.current_build(con)
    for key, row in list(data.benchmarks.items()):
        if key[0] == code:
            data.benchmarks[key] = {**row, "region_mean": None, "difference_to_region_mean": None, "is_suppressed": True}
    html = report_site.render_municipality(report_site.environment(), data, build, code)
    assert html.count("for få besvarelser") == 1 + 7  # the total's comparison and the seven themes


def pdf_pages(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


def test_summary_pdfs_fit_on_three_pages(db, year, tie_case, tmp_path):
    """The summaries with the most to say (most gaps, most ties, an imputed question, incomplete)
    print on at most 3 A4 pages; the detail prints in full."""
    with report_warehouse.connect(db) as con:
        data, build = report_warehouse.load_year(con, year), report_warehouse.current_build(con)
    code, _ = tie_case
    imputed = [c for c in data.responding if any(row["is_imputed"] for key, row in data.question_scores.items() if key[0] == c)]
    incomplete = [c for c in data.responding if not data.completeness[c]["is_complete"]]
    most_gaps = max(data.responding, key=lambda c: (len(data.gaps.get(c, [])), c))
    picked = sorted({code, most_gaps, *imputed[:1], *incomplete[:1]})
    year_dir = report_site.write_year(tmp_path, data, build, with_pdf=True, codes=picked)
    for c in picked:
        assert 1 <= pdf_pages(year_dir / f"{c}.pdf") <= 3, c
        assert pdf_pages(year_dir / f"{c}-detaljer.pdf") > 3, c
        for name in (f"{c}.pdf", f"{c}-detaljer.pdf"):  # the sample: every printed page says so
            pages = PdfReader(str(year_dir / name)).pages
            assert all(SYNTHETIC_NOTE in page.extract_text() for page in pages), name
    # printed, the tied recommendations are listed (the folded list is opened for print)
    text = " ".join(page.extract_text() for page in PdfReader(str(year_dir / f"{code}.pdf")).pages)
    assert "andre anbefalinger giver samme gevinst" in text
    assert re.search(r"samme gevinst.*?\d\. [^:]+: spørgsmål \d+", text, re.S), "the tied list is printed"


# --- the own-only report, and the warehouse released while pages render and print ---------------


def test_own_only_report_names_no_other_municipality_and_releases_the_warehouse(db, year, tie_case, tmp_path):
    code, _ = tie_case
    private = tmp_path / "warehouse.duckdb"
    private.write_bytes(db.read_bytes())  # a copy: the writer below must not touch the shared build
    writers = []

    def try_writer(stage: str) -> None:
        if stage in ("rendering", "printing"):
            with duckdb.connect(str(private)) as writer:  # read-write: fails while a reader holds the file
                writer.execute("create or replace table main.writer_was_here as select 1 as x")
            writers.append(stage)

    out = tmp_path / "own"
    from styringsoverblik import report

    args = cli.build_parser().parse_args(
        ["report", "--out", str(out), "--database", str(private), "--municipality", str(code), "--anonymous", "--pdf"]
    )
    assert report.run(args, on_stage=try_writer) == 0
    assert writers == ["rendering", "printing"]
    written = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
    assert written == sorted(f"{year}/{code}{suffix}" for suffix in (".html", ".pdf", "-detaljer.html", "-detaljer.pdf"))
    names = other_names(code)
    assert len(names) >= 90
    for page in (out / str(year)).glob("*.html"):
        html = page.read_text(encoding="utf-8")
        text = visible_text(html)
        found = [name for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
        assert found == [], f"{page.name} names {found}"
        assert "index.html" not in html
    for pdf in (out / str(year)).glob("*.pdf"):
        text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
        found = [name for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
        assert found == [], f"{pdf.name} names {found}"


def test_anonymous_needs_a_municipality(tmp_path, db, capsys):
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--database", str(db), "--anonymous"]) == 2
    assert "--anonymous needs --municipality" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_municipality_is_refused(tmp_path, db, capsys):
    out = tmp_path / "site"
    assert cli.main(["report", "--out", str(out), "--database", str(db), "--municipality", "999"]) == 2
    assert "municipality 999 has no response" in capsys.readouterr().err
    assert not out.exists()


def test_benchmark_reports_seconds_per_municipality():
    from styringsoverblik.benchmark import Measured, ReportTime, render_report

    table = render_report("sample", [ReportTime(72, 144, Measured(36.0, 400.0)), ReportTime(72, 144, Measured(54.0, 420.0))])
    assert "| 72 | 144 | 45.0 | 0.62 | 410 |" in table


def test_one_municipality_without_anonymous_writes_no_index(db, year, tie_case, tmp_path):
    code, _ = tie_case
    out = tmp_path / "one"
    assert cli.main(["report", "--out", str(out), "--database", str(db), "--municipality", str(code)]) == 0
    assert sorted(path.name for path in (out / str(year)).iterdir()) == [f"{code}-detaljer.html", f"{code}.html"]
    assert not (out / "index.html").exists()
    assert 'href="index.html"' in (out / str(year) / f"{code}.html").read_text(encoding="utf-8")


def test_a_municipality_meeting_every_recommendation(db, year, tie_case):
    code, _ = tie_case
    with report_warehouse.connect(db) as con:
        data, build = report_warehouse.load_year(con, year), report_warehouse.current_build(con)
    data.gaps[code] = []
    html = report_site.render_municipality(report_site.environment(), data, build, code)
    assert "Kommunen har 100 på alle besvarede spørgsmål." in html
    assert "samme gevinst" not in html and "<ol class=\"gaps\">" not in html
    detail = report_site.render_detail(report_site.environment(), data, build, code)
    assert "Kommunen har 100 på alle besvarede spørgsmål." in detail


def test_no_municipality_page_names_another(site, year):
    """Every municipality's summary and detail (not only the own-only report) name no other
    municipality: distributions are counts, comparisons are means."""
    pages = sorted((site / str(year)).glob("*.html"))
    codes = {int(page.name.split(".")[0].split("-")[0]) for page in pages if page.name[0].isdigit()}
    assert len(codes) > 50
    for code in codes:
        pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(name)}(?![\w-])" for name in other_names(code)))
        for page in (site / str(year) / f"{code}.html", site / str(year) / f"{code}-detaljer.html"):
            html = page.read_text(encoding="utf-8")
            found = pattern.search(visible_text(html))
            assert found is None, f"{page.name} names {found.group(0) if found else ''}"
