{#-
    Every declared survey round and the rubric version it is scored by: the rounds of
    seeds/reference/survey_rounds.csv, plus any ranges of the var extra_survey_rounds
    ({from_year, to_year, rubric_version}, or a list of them) that reuse a version.
-#}
{#- checked: integers, from_year <= to_year (macros/setting_rules.sql) -#}
{%- set extra_rounds = setting('extra_survey_rounds') -%}
with

seeded_rounds as (

    select * from {{ ref('stg_reference__survey_rounds') }}

),

declared_rounds as (

    select
        survey_year,
        rubric_version,
        round_name,
        'seed' as declared_in
    from seeded_rounds
    {%- for extra in extra_rounds %}
        union all
        select
            cast({{ extra.from_year }} + generated_number - 1 as integer) as survey_year,
            {{ extra.rubric_version }} as rubric_version,
            'Round ' || cast({{ extra.from_year }} + generated_number - 1 as varchar) as round_name,
            'var extra_survey_rounds' as declared_in
        from ({{ dbt.generate_series(extra.to_year - extra.from_year + 1) }}) as years
    {%- endfor %}

),

final as (

    select * from declared_rounds

)

select * from final
