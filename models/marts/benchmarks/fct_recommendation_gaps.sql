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

total_counts as (

    select
        survey_year,
        municipality_code,
        count(score) filter (where not is_imputed) as direct_questions_total,
        count(score) filter (where is_imputed) as imputed_questions_total
    from questions_scored
    group by survey_year, municipality_code

),

theme_counts as (

    select
        survey_year,
        municipality_code,
        theme_no,
        count(score) filter (where not is_imputed) as direct_questions_theme,
        count(score) filter (where is_imputed) as imputed_questions_theme
    from questions_scored
    group by survey_year, municipality_code, theme_no

),

gaps as (

    select
        questions_scored.survey_year,
        questions_scored.municipality_code,
        questions_scored.question_no,
        questions_scored.theme_no,
        questions_scored.score,
        100 - questions_scored.score as points_missing,
        total_counts.direct_questions_total,
        total_counts.imputed_questions_total,
        theme_counts.direct_questions_theme,
        theme_counts.imputed_questions_theme
    from questions_scored
    inner join total_counts
        on
            questions_scored.survey_year = total_counts.survey_year
            and questions_scored.municipality_code = total_counts.municipality_code
    inner join theme_counts
        on
            questions_scored.survey_year = theme_counts.survey_year
            and questions_scored.municipality_code = theme_counts.municipality_code
            and questions_scored.theme_no = theme_counts.theme_no
    -- below 100 by more than floating-point noise
    where questions_scored.score < 100 - 1e-9 and not questions_scored.is_imputed

),

imputed_rises as (

    select
        *,
        {% if var('q17_neutral_scope', 'all') == 'theme' %}
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
