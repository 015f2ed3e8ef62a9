{#-
    The recommendations a municipality does not meet (question score below 100, imputed and
    unanswered questions left out), with the points missing and what following the
    recommendation would add to the theme and the total score, largest gain first. A gain
    includes the rise of Q17's neutral mean, which is the mean of the other questions.
-#}
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
-#}
with

questions_scored as (

    select * from {{ ref('fct_question_scores') }}

),

questions as (

    select * from {{ ref('dim_questions') }}

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

final as (

    select
        cast(gains.survey_year || '-' || gains.municipality_code || '-' || questions.question_code as varchar)
            as recommendation_gap_key,
        gains.survey_year,
        gains.municipality_code,
        gains.question_no,
        gains.theme_no,
        cast(
            row_number() over (
                partition by gains.survey_year, gains.municipality_code
                -- gains equal up to floating-point noise tie, and the lower question comes first
                order by round(gains.total_gain, 9) desc, gains.question_no asc
            ) as integer
        ) as gain_rank,
        gains.score,
        gains.points_missing,
        gains.theme_gain,
        gains.total_gain,
        questions.recommendation_text,
        questions.recommendation_source
    from gains
    inner join questions on gains.question_no = questions.question_no

)

select * from final
