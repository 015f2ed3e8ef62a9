"""Altair charts rendered to inline SVG by vl-convert (no browser, no CDN, no network).

Every mark layer is named (`theme_scores`, `total_bins`, …); Vega writes the name into the SVG
as the class `<name>_marks`, so tests can count the marks. Every chart also appears on the page
as a table (its text alternative).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert as vlc

FONT = "Helvetica, Arial, sans-serif"
SCORE = "#1f5f8b"
RANGE = "#d3d8df"
NATIONAL = "#111111"
REGION = "#d95f02"


def _score_x(field: str, title: str | None = "Score (0-100)") -> alt.X:
    axis = alt.Axis(values=list(range(0, 101, 10)), format="d", grid=True)
    return alt.X(field, type="quantitative", scale=alt.Scale(domain=[0, 100]), axis=axis, title=title)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG string, numbers in Danish notation, external data forbidden."""
    spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
    svg = vlc.vegalite_to_svg(spec, format_locale="da-DK", allowed_base_urls=[])
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def theme_chart(themes: list[dict], title: str) -> str:
    """Bullet chart per theme: the municipality's score (blue bar) on the national quartile range
    (grey band), with the national mean (black tick) and the region mean (orange diamond).

    `themes`: dicts with label, score, national_mean, region_mean, first_quartile, third_quartile
    (score and region_mean None where the municipality has no theme score).
    """
    data = pd.DataFrame(themes)
    y = alt.Y("label:N", sort=list(data["label"]), title=None, axis=alt.Axis(labelLimit=280, labelFontSize=12))
    base = alt.Chart(data).encode(y=y)
    quartiles = (
        base.mark_bar(size=22, color=RANGE)
        .encode(x=_score_x("first_quartile"), x2="third_quartile:Q")
        .properties(name="quartile_range")
    )
    scores = (
        base.transform_filter("isValid(datum.score)")
        .mark_bar(size=10, color=SCORE)
        .encode(x=_score_x("score"))
        .properties(name="theme_scores")
    )
    national = (
        base.mark_tick(thickness=3, size=26, color=NATIONAL)
        .encode(x=_score_x("national_mean"))
        .properties(name="national_means")
    )
    region = (
        base.transform_filter("isValid(datum.region_mean)")
        .mark_point(shape="diamond", size=90, filled=True, color=REGION, opacity=1)
        .encode(x=_score_x("region_mean"))
        .properties(name="region_means")
    )
    chart = alt.layer(quartiles, scores, national, region).properties(
        width=560, height=alt.Step(34), title=alt.Title(title, anchor="start", fontSize=13)
    )
    return to_svg(chart)


def totals_histogram(bins: list[dict], mean: float, title: str) -> str:
    """Municipalities per 10-point interval of the total score, with the national mean (orange
    dashed rule).

    `bins`: dicts with start, end, count (every interval, also the empty ones).
    """
    bars = (
        alt.Chart(pd.DataFrame(bins))
        .mark_bar(color=SCORE, binSpacing=1)
        .encode(
            x=_score_x("start", "Samlet score (0-100)"),
            x2="end:Q",
            y=alt.Y("count:Q", title="Antal kommuner", axis=alt.Axis(format="d", tickMinStep=1)),
            y2=alt.datum(0),
        )
        .properties(name="total_bins")
    )
    rule = (
        alt.Chart(pd.DataFrame({"mean": [mean]}))
        .mark_rule(color=REGION, strokeWidth=2, strokeDash=[5, 3])
        .encode(x=_score_x("mean", "Samlet score (0-100)"))
        .properties(name="national_mean")
    )
    chart = alt.layer(bars, rule).properties(
        width=520, height=220, title=alt.Title(title, anchor="start", fontSize=13)
    )
    return to_svg(chart)
