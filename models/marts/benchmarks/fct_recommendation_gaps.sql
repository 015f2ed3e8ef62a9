{#-
    Where a municipality does not (fully) meet a recommendation: every question it answered with
    a score below 100, the points missing, and how much its theme score and total would rise if
    that question reached 100 (all else unchanged).

    Without an imputed question the gains are simply points_missing / the number of scored
    questions in the theme (or in total). When Q17 is imputed (the neutral mean of the other
    questions, see macro neutral_mean_score) raising another question also raises the imputed
    score, by points_missing / the number of directly scored questions in the neutral mean's
    scope (all questions, or the theme with q17_neutral_scope = theme); the gains include that.
    Imputed questions themselves are not gaps: the municipality answered that the question does
    not apply. Unanswered questions (no score) are not gaps either.

    Ranking: gains equal to the published precision (the total gain rounded to one decimal, as
    the report prints it) share a rank (rank(): 1, 1, 1, 4, ...). Within a rank, display_order
    puts first the question that gains most within its theme, then the question most
    municipalities already score 100 on (a recommendation others show can be met), then the
    question number.
-#}
with

questions_scored as (

    select * from {{ ref('fct_question_scores') }}

),

questions as (

    select * from {{ ref('dim_questions') }}

),

questions_met as (

    -- per round and question, the municipalities that meet the recommendation fully (a direct
    -- score of 100; an imputed Q17 does not meet it)
    select
        survey_year,
        question_no,
        count(*) as municipalities_at_full_score
    from questions_scored
    where score >= 100 - 1e-9 and not is_imputed
    group by survey_year, question_no

),

question_counts as (

    -- beside each question, its municipality-year's questions scored directly and by imputation,
    -- in total and in the question's theme
    select
        *,
        count(score) filter (where not is_imputed) over municipality_year as direct_questions_total,
        count(score) filter (where is_imputed) over municipality_year as imputed_questions_total,
        count(score) filter (where not is_imputed) over municipality_theme as direct_questions_theme,
        count(score) filter (where is_imputed) over municipality_theme as imputed_questions_theme
    from questions_scored
    window
        municipality_year as (partition by survey_year, municipality_code),
        municipality_theme as (partition by survey_year, municipality_code, theme_no)

),

gaps as (

    select
        *,
        100 - score as points_missing
    from question_counts
    -- below 100 by more than floating-point noise
    where score < 100 - 1e-9 and not is_imputed

),

imputed_rises as (

    select
        *,
        {% if setting('q17_neutral_scope') == 'theme' %}
            points_missing / direct_questions_theme as imputed_question_rise,
            imputed_questions_theme as imputed_questions_rising
        {% else %}
            points_missing / direct_questions_total as imputed_question_rise,
            imputed_questions_total as imputed_questions_rising
        {% endif %}
    from gaps

),

gains as (

    select
        *,
        (points_missing + imputed_questions_theme * imputed_question_rise)
        / (direct_questions_theme + imputed_questions_theme) as theme_gain,
        (points_missing + imputed_questions_rising * imputed_question_rise)
        / (direct_questions_total + imputed_questions_total) as total_gain
    from imputed_rises

),

ranked as (

    select
        gains.*,
        -- the gain as published (one decimal); noise below 1e-9 first rounded away, so that
        -- 2.05 computed as 2.0499999999 still prints and ranks as 2.1
        {{ round_as_published('gains.total_gain', 1) }} as total_gain_rounded,
        coalesce(questions_met.municipalities_at_full_score, 0) as municipalities_at_full_score
    from gains
    left join questions_met
        on gains.survey_year = questions_met.survey_year and gains.question_no = questions_met.question_no

),

final as (

    select
        cast(ranked.survey_year || '-' || ranked.municipality_code || '-' || questions.question_code as varchar)
            as recommendation_gap_key,
        ranked.survey_year,
        ranked.municipality_code,
        ranked.question_no,
        ranked.theme_no,
        cast(
            rank() over (
                partition by ranked.survey_year, ranked.municipality_code
                order by ranked.total_gain_rounded desc
            ) as integer
        ) as gain_rank,
        cast(
            row_number() over (
                partition by ranked.survey_year, ranked.municipality_code
                order by
                    ranked.total_gain_rounded desc,
                    {{ round_double('ranked.theme_gain', 9) }} desc,
                    ranked.municipalities_at_full_score desc,
                    ranked.question_no asc
            ) as integer
        ) as display_order,
        cast(
            count(*) over (
                partition by ranked.survey_year, ranked.municipality_code, ranked.total_gain_rounded
            ) as integer
        ) as tied_count,
        ranked.score,
        ranked.points_missing,
        ranked.theme_gain,
        ranked.total_gain,
        cast(ranked.total_gain_rounded as double precision) as total_gain_rounded,
        cast(ranked.municipalities_at_full_score as integer) as municipalities_at_full_score,
        questions.recommendation_text,
        questions.recommendation_source
    from ranked
    inner join questions on ranked.question_no = questions.question_no

)

select * from final
