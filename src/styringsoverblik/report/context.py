"""Turn one year's marts into the values the templates show: one dict per page.

Pure functions over `YearData`; no SQL and no formatting here (the templates format with the
filters in `formatting`).
"""

from __future__ import annotations

from . import charts
from .warehouse import YearData

TOP_GAPS = 5
HISTOGRAM_WIDTH = 10
RESPONSE_LABEL_NO_ITEM = "Svar"
CHART_FIELDS = ("label", "score", "national_mean", "region_mean", "first_quartile", "third_quartile")


# --- shared pieces -----------------------------------------------------------------------------


def theme_label(theme: dict) -> str:
    return f"{theme['theme_no']}. {theme['theme_name']}"


def question_status(score_row: dict | None) -> str:
    """`scored`, `imputed`, `partial` (some items unanswered) or `not_answered`."""
    if score_row is None or score_row["score_status"] == "not_answered" or score_row["score"] is None:
        return "not_answered"
    if score_row["is_imputed"]:
        return "imputed"
    if score_row["items_answered"] < score_row["items_expected"]:
        return "partial"
    return "scored"


def answer_distribution(data: YearData, question_no: int, own: set[tuple[str, str]]) -> dict:
    """The note's option table for a question: one row per item, one column per option, each
    cell how many municipalities chose it; the municipality's own answers marked."""
    options: dict[str, dict] = {}
    items: dict[str, dict] = {}
    for row in data.distributions.get(question_no, []):
        column = options.setdefault(
            row["option_code"], {"code": row["option_code"], "label": row["option_label"], "scores": set()}
        )
        column["scores"].add(row["option_score"])
        item = items.setdefault(row["item_key"], _item_header(data, row))
        item["cells"][row["option_code"]] = {
            "count": row["chosen_count"],
            "share": row["share_of_answering"],
            "score": row["option_score"],
            "is_neutral_mean": row["is_neutral_mean"],
            "is_own": (row["item_code"], row["option_code"]) in own,
        }
    columns = list(options.values())
    for column in columns:
        scores = column.pop("scores")
        column["score_varies"] = len(scores) > 1  # e.g. Q32/Q33: the score depends on the item
        column["score"] = None if column["score_varies"] else next(iter(scores))
    ordered = sorted(items.values(), key=lambda item: (item["item_no"] is None, item["item_no"] or 0, item["key"]))
    for item in ordered:
        item["row"] = [item["cells"].get(column["code"]) for column in columns]
        item["answered"] = any(cell and cell["is_own"] for cell in item["row"])
    return {"columns": columns, "item_rows": ordered}


def _item_header(data: YearData, row: dict) -> dict:
    item_no, label = data.item_labels.get(row["item_key"], (None, None))
    if label is None:
        label = RESPONSE_LABEL_NO_ITEM if row["item_code"] == "main" else row["item_code"].replace("_", " ")
    return {
        "key": row["item_key"],
        "item_no": item_no,
        "label": label,
        "answering": row["answering_municipalities"],
        "cells": {},
    }


# --- the municipality's pages: the summary and the detail ---------------------------------------


def summary_page(data: YearData, code: int) -> dict:
    """What the summary a director reads shows: total, rank and percentile, the themes beside
    the national and region means, the recommendations that matter, completeness."""
    municipality = data.municipalities[code]
    themes = theme_rows(data, code, with_questions=False)
    gaps = data.gaps.get(code, [])
    shown = gaps[:TOP_GAPS]
    same_gain = [gap for gap in gaps[TOP_GAPS:] if shown and gap["shared_rank"] == shown[-1]["shared_rank"]]
    return {
        "year": data.year,
        "municipality": municipality,
        "headline": headline(data, code),
        "completeness": data.completeness[code],
        "themes": themes,
        "theme_chart": charts.theme_chart(
            [{key: theme[key] for key in CHART_FIELDS} for theme in themes],
            f"Temascorer for {municipality['municipality_name']} {data.year}",
        ),
        "gaps": [gap_row(data, gap) for gap in shown],
        "gap_count": len(gaps),
        "same_gain": [gap_row(data, gap) for gap in same_gain],
        "same_gain_by_theme": by_theme(data, [gap_row(data, gap) for gap in same_gain]),
        "imputed_questions": imputed_questions(data, code),
    }


def detail_page(data: YearData, code: int) -> dict:
    """The question-by-question detail: every question with the answers of all municipalities
    (counts, no names) and the municipality's own answer marked; every recommendation ranked."""
    municipality = data.municipalities[code]
    themes = theme_rows(data, code)
    return {
        "year": data.year,
        "municipality": municipality,
        "themes": themes,
        "all_gaps": [gap_row(data, gap) for gap in data.gaps.get(code, [])],
        "imputed_questions": [
            question for theme in themes for question in theme["questions"] if question["status"] == "imputed"
        ],
    }


def imputed_questions(data: YearData, code: int) -> list[dict]:
    return [
        {**question, "score": data.question_scores[(code, question["question_no"])]["score"]}
        for question in data.questions
        if question_status(data.question_scores.get((code, question["question_no"]))) == "imputed"
    ]


def by_theme(data: YearData, gaps: list[dict]) -> list[dict]:
    """Gaps grouped by theme, themes in order."""
    return [
        {"theme_label": theme_label(theme), "gaps": [gap for gap in gaps if gap["theme_no"] == theme["theme_no"]]}
        for theme in data.themes
        if any(gap["theme_no"] == theme["theme_no"] for gap in gaps)
    ]


def headline(data: YearData, code: int) -> dict:
    """Total score, national rank and percentile, and the differences to the national mean, the
    region mean and each comparison group."""
    total = data.totals.get(code) or {}
    bench = data.benchmarks.get((code, "total"))
    national = data.national.get("total") or {}
    groups = [
        group for group in data.groups.get(code, []) if group["grouping_code"] != "region"
    ]  # the region grouping repeats the region line
    return {
        "score": total.get("score"),
        "questions_scored": total.get("questions_scored"),
        "questions_expected": total.get("questions_expected"),
        "questions_imputed": total.get("questions_imputed") or 0,
        "benchmark": bench,
        "national_mean": national.get("mean_score"),
        "national_municipalities": national.get("municipalities"),
        "groups": groups,
    }


def theme_rows(data: YearData, code: int, with_questions: bool = True) -> list[dict]:
    """Per theme: the score beside the national and region figures, and its questions."""
    themes = []
    for theme in data.themes:
        subject = f"T{theme['theme_no']}"
        score = data.theme_scores.get((code, theme["theme_no"])) or {}
        bench = data.benchmarks.get((code, subject)) or {}
        national = data.national.get(subject) or {}
        themes.append(
            {
                **theme,
                "label": theme_label(theme),
                "score": score.get("score"),
                "questions_scored": score.get("questions_scored"),
                "questions_expected": score.get("questions_expected", theme["question_count"]),
                "questions_imputed": score.get("questions_imputed") or 0,
                "national_mean": national.get("mean_score"),
                "first_quartile": national.get("first_quartile"),
                "third_quartile": national.get("third_quartile"),
                "region_mean": bench.get("region_mean"),
                "region_suppressed": bool(bench.get("is_suppressed")),
                "rank": bench.get("national_rank"),
                "ranked": bench.get("national_municipalities"),
                "questions": question_rows(data, code, theme["theme_no"]) if with_questions else [],
            }
        )
    return themes


def question_rows(data: YearData, code: int, theme_no: int) -> list[dict]:
    """The theme's questions: score, national mean, rank, status and answer distribution."""
    result = []
    for question in data.questions:
        if question["theme_no"] != theme_no:
            continue
        score = data.question_scores.get((code, question["question_no"]))
        bench = data.benchmarks.get((code, question["question_code"])) or {}
        national = data.national.get(question["question_code"]) or {}
        own = data.answers.get((code, question["question_no"]), set())
        result.append(
            {
                **question,
                "score": score["score"] if score else None,
                "status": question_status(score),
                "items_answered": score["items_answered"] if score else 0,
                "items_expected": score["items_expected"] if score else None,
                "national_mean": national.get("mean_score"),
                "rank": bench.get("national_rank"),
                "ranked": bench.get("national_municipalities"),
                "distribution": answer_distribution(data, question["question_no"], own),
            }
        )
    return result


def gap_row(data: YearData, gap: dict) -> dict:
    """One recommendation gap with its question, theme and the question's national mean."""
    question = next(q for q in data.questions if q["question_no"] == gap["question_no"])
    theme = next(t for t in data.themes if t["theme_no"] == gap["theme_no"])
    national = data.national.get(question["question_code"]) or {}
    source = gap.get("recommendation_source")
    return {
        **gap,
        "question_code": question["question_code"],
        "question_text": question["question_text"],
        "theme_label": theme_label(theme),
        "national_mean": national.get("mean_score"),
        # the source once: not repeated when the recommendation's text already cites it
        "source_note": source if source and source not in (gap.get("recommendation_text") or "") else None,
    }


# --- the year's index --------------------------------------------------------------------------


def year_index_page(data: YearData) -> dict:
    """All responding municipalities with total and theme scores, and the national picture."""
    national = data.national.get("total") or {}
    bins = total_bins([data.totals[code]["score"] for code in data.responding if code in data.totals])
    rows = [index_row(data, code) for code in data.responding]
    rows.sort(key=lambda row: (row["score"] is None, -(row["score"] or 0), row["name"]))
    not_responding = sorted(
        (m for code, m in data.municipalities.items() if code not in data.completeness),
        key=lambda m: m["municipality_name"],
    )
    return {
        "year": data.year,
        "themes": data.themes,
        "rows": rows,
        "responding": len(data.responding),
        "municipality_count": len(data.municipalities),
        "not_responding": not_responding,
        "national": national,
        "bins": bins,
        "histogram": charts.totals_histogram(
            bins, national.get("mean_score", 0), f"Fordeling af den samlede score {data.year}"
        )
        if national
        else None,
    }


def index_row(data: YearData, code: int) -> dict:
    municipality = data.municipalities[code]
    total = data.totals.get(code) or {}
    bench = data.benchmarks.get((code, "total")) or {}
    return {
        "code": code,
        "name": municipality["municipality_name"],
        "region": municipality["region_name"],
        "score": total.get("score"),
        "rank": bench.get("national_rank"),
        "is_imputed": bool(total.get("questions_imputed")),
        "is_complete": data.completeness[code]["is_complete"],
        "themes": [(data.theme_scores.get((code, theme["theme_no"])) or {}).get("score") for theme in data.themes],
    }


def total_bins(scores: list[float | None]) -> list[dict]:
    """Counts per 10-point interval [0;10[ … [90;100], every interval listed."""
    starts = range(0, 100, HISTOGRAM_WIDTH)
    counts = {start: 0 for start in starts}
    for score in scores:
        if score is not None:
            counts[min(int(score // HISTOGRAM_WIDTH) * HISTOGRAM_WIDTH, 100 - HISTOGRAM_WIDTH)] += 1
    return [
        {"start": start, "end": start + HISTOGRAM_WIDTH, "count": counts[start], "label": _bin_label(start)}
        for start in starts
    ]


def _bin_label(start: int) -> str:
    end = start + HISTOGRAM_WIDTH
    return f"{start} til og med {end}" if end == 100 else f"{start} til under {end}"
