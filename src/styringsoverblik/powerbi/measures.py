"""The measures of the table "Målinger": Danish names and descriptions, DAX over the marts.

Every measure reads precomputed marts, never recomputes a benchmark from the municipalities'
rows: with row-level security a viewer sees only their own municipality's rows, and a national
mean computed from those rows would be their own score. National figures come from
fct_national_benchmarks (no municipality column, so the role leaves it whole), the region mean and
the ranks from the municipality's own row of fct_municipality_benchmarks.

The level (total, theme, question) follows the filter context: a question of dim_questions in
context (a slicer, a visual's axis) selects the question rows, else a theme of dim_themes the theme
rows, else the total. Each measure reads the latest survey year in its filter context (a year
slicer on dim_survey_rounds picks it).
"""

from __future__ import annotations

from dataclasses import dataclass

MEASURE_TABLE = "Målinger"


@dataclass(frozen=True)
class Measure:
    name: str
    expression: str
    description: str
    format_string: str | None = None
    requires: tuple[tuple[str, str], ...] = ()  # (table, column) the expression reads
    display_folder: str | None = None


LEVEL = """VAR lvl =
    IF ( ISFILTERED ( dim_questions ), "question", IF ( ISFILTERED ( dim_themes ), "theme", "total" ) )"""

MB = "fct_municipality_benchmarks"
NB = "fct_national_benchmarks"
LEVEL_TABLES = (("dim_questions", "question_no"), ("dim_themes", "theme_no"))
ONE_MUNICIPALITY = (("dim_municipalities", "municipality_code"),)
SCORE_COLUMNS = ((MB, "score"), (MB, "benchmark_level"), (MB, "survey_year"), *LEVEL_TABLES)


def _benchmark(column: str, table: str = MB, aggregate: str = "AVERAGE", one_municipality: bool = False) -> str:
    body = f"""{LEVEL}
VAR yr = CALCULATE ( MAX ( {table}[survey_year] ), {table}[benchmark_level] = lvl )
VAR result =
    CALCULATE (
        {aggregate} ( {table}[{column}] ),
        {table}[benchmark_level] = lvl,
        {table}[survey_year] = yr
    )
RETURN
    """
    if one_municipality:
        return body + "IF ( HASONEVALUE ( dim_municipalities[municipality_code] ), result )"
    return body + "result"


# Danish local time of a UTC timestamp: CET (UTC+1), CEST (UTC+2) from the last Sunday of March
# 01:00 UTC to the last Sunday of October 01:00 UTC (EU rule). WEEKDAY(d, 1): Sunday = 1.
DATA_AS_OF = """VAR utc =
    CALCULATE ( MAX ( dim_builds[finished_at] ), dim_builds[is_current] = TRUE () )
VAR y = YEAR ( utc )
VAR lastSundayMarch = DATE ( y, 3, 31 ) - ( WEEKDAY ( DATE ( y, 3, 31 ), 1 ) - 1 )
VAR lastSundayOctober = DATE ( y, 10, 31 ) - ( WEEKDAY ( DATE ( y, 10, 31 ), 1 ) - 1 )
VAR summerStart = lastSundayMarch + TIME ( 1, 0, 0 )
VAR summerEnd = lastSundayOctober + TIME ( 1, 0, 0 )
VAR offsetHours = IF ( utc >= summerStart && utc < summerEnd, 2, 1 )
VAR local = utc + offsetHours / 24
RETURN
    IF (
        NOT ISBLANK ( utc ),
        FORMAT ( local, "d. mmmm yyyy" ) & " kl. " & FORMAT ( local, "hh:nn" )
    )"""

SHARE_CHOOSING = """VAR chosen =
    SUM ( fct_answer_distributions[chosen_count] )
VAR answering =
    SUMX (
        SUMMARIZE (
            fct_answer_distributions,
            fct_answer_distributions[survey_year],
            fct_answer_distributions[item_key]
        ),
        CALCULATE ( MAX ( fct_answer_distributions[answering_municipalities] ) )
    )
RETURN
    DIVIDE ( chosen, answering )"""


def _latest(table: str, expression: str) -> str:
    return f"""VAR yr = MAX ( {table}[survey_year] )
RETURN
    CALCULATE ( {expression}, {table}[survey_year] = yr )"""


MEASURES: tuple[Measure, ...] = (
    Measure(
        "Samlet score",
        _latest("fct_total_scores", "AVERAGE ( fct_total_scores[score] )"),
        "Den samlede score (0-100) i det seneste år i udvalget: gennemsnittet af alle besvarede"
        " spørgsmål, ikke af temaerne. Vælg én kommune; for flere kommuner gennemsnittet af deres scorer.",
        "0.0",
        (("fct_total_scores", "score"), ("fct_total_scores", "survey_year")),
    ),
    Measure(
        "Kommunens score",
        _benchmark("score"),
        "Kommunens score på det niveau, der er i udvalget: et spørgsmål (dim_questions), et tema"
        " (dim_themes) eller i alt, i det seneste år i udvalget.",
        "0.0",
        SCORE_COLUMNS,
    ),
    Measure(
        "Placering i landet",
        _benchmark("national_rank", aggregate="MIN", one_municipality=True),
        "Kommunens placering blandt landets kommuner (1 = højeste score; lige scorer deler"
        " placering) på niveauet i udvalget. Kun når én kommune er valgt.",
        "0",
        ((MB, "national_rank"), *SCORE_COLUMNS, *ONE_MUNICIPALITY),
    ),
    Measure(
        "Landsgennemsnit",
        _benchmark("mean_score", table=NB),
        "Landsgennemsnittet af alle besvarende kommuners scorer på niveauet i udvalget, fra"
        " fct_national_benchmarks (også synligt med rækkesikkerhed).",
        "0.0",
        ((NB, "mean_score"), (NB, "benchmark_level"), (NB, "survey_year"), *LEVEL_TABLES),
    ),
    Measure(
        "Regionsgennemsnit",
        _benchmark("region_mean", one_municipality=True),
        "Gennemsnittet i kommunens region på niveauet i udvalget. Tomt, når der er for få"
        " besvarelser i regionen til at vise det. Kun når én kommune er valgt.",
        "0.0",
        ((MB, "region_mean"), *SCORE_COLUMNS, *ONE_MUNICIPALITY),
    ),
    Measure(
        "Forskel til landsgennemsnit",
        "IF (\n    NOT ISBLANK ( [Kommunens score] ) && NOT ISBLANK ( [Landsgennemsnit] ),\n    [Kommunens score] - [Landsgennemsnit]\n)",
        "Kommunens score minus landsgennemsnit (positiv = over gennemsnittet).",
        "+0.0;-0.0;0.0",
        (*SCORE_COLUMNS, (NB, "mean_score"), (NB, "benchmark_level"), (NB, "survey_year")),
    ),
    Measure(
        "Forskel til regionsgennemsnit",
        "IF (\n    NOT ISBLANK ( [Kommunens score] ) && NOT ISBLANK ( [Regionsgennemsnit] ),\n    [Kommunens score] - [Regionsgennemsnit]\n)",
        "Kommunens score minus regionsgennemsnit (positiv = over); tom når regionsgennemsnittet ikke vises.",
        "+0.0;-0.0;0.0",
        ((MB, "region_mean"), *SCORE_COLUMNS, *ONE_MUNICIPALITY),
    ),
    Measure(
        "Manglende point",
        _latest("fct_recommendation_gaps", "SUM ( fct_recommendation_gaps[points_missing] )"),
        "Point op til 100 på de besvarede spørgsmål med en anbefaling (summen over spørgsmålene i"
        " udvalget) i det seneste år.",
        "0.0",
        (("fct_recommendation_gaps", "points_missing"), ("fct_recommendation_gaps", "survey_year")),
    ),
    Measure(
        "Gevinst på totalen",
        _latest("fct_recommendation_gaps", "SUM ( fct_recommendation_gaps[total_gain] )"),
        "Hvor mange point den samlede score stiger, hvis anbefalingen følges (spørgsmålet når 100),"
        " i det seneste år; summen over de valgte anbefalinger.",
        "0.0",
        (("fct_recommendation_gaps", "total_gain"), ("fct_recommendation_gaps", "survey_year")),
    ),
    Measure(
        "Andel der har valgt svaret",
        SHARE_CHOOSING,
        "Andelen af de kommuner, der besvarede delspørgsmålet, som valgte svaret: antal valg delt"
        " med antal besvarende kommuner pr. delspørgsmål, så del- og totaler i en matrix er rigtige"
        " (ikke en sum af andele). For Q34 (flere afkrydsninger pr. gruppe) er en gruppes total antal"
        " afkrydsninger pr. besvarende kommune.",
        "0.0 %",
        (
            ("fct_answer_distributions", "chosen_count"),
            ("fct_answer_distributions", "answering_municipalities"),
            ("fct_answer_distributions", "item_key"),
            ("fct_answer_distributions", "survey_year"),
        ),
    ),
    Measure(
        "Besvarende kommuner",
        _benchmark("municipalities", table=NB, aggregate="MAX"),
        "Antal kommuner i landet med en score på niveauet i udvalget (seneste år).",
        "0",
        ((NB, "municipalities"), (NB, "benchmark_level"), (NB, "survey_year"), *LEVEL_TABLES),
    ),
    Measure(
        "Data pr.",
        DATA_AS_OF,
        "Hvornår tallene blev offentliggjort (det aktuelle build i dim_builds), i dansk tid"
        " (vintertid UTC+1, sommertid UTC+2).",
        None,
        (("dim_builds", "finished_at"), ("dim_builds", "is_current")),
    ),
)


def available(measures: tuple[Measure, ...], has_column) -> tuple[list[Measure], list[str]]:
    """The measures whose columns the model holds, and a note for each one left out."""
    kept, notes = [], []
    for measure in measures:
        missing = [f"{table}[{column}]" for table, column in measure.requires if not has_column(table, column)]
        if missing:
            notes.append(f"measure {measure.name!r} left out: the model has no {', '.join(missing)}")
        else:
            kept.append(measure)
    return kept, notes
