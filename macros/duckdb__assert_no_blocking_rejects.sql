{#- DuckDB: macro assert_no_blocking_rejects, DuckDB's error() in the gate's query. -#}
{% macro duckdb__assert_no_blocking_rejects(relation) -%}
    with

    blocking_rejects as (

        select response_row_id
        from {{ relation }}
        where {{ 'true' if setting('strict') else 'false' }} and row_status = 'rejected' and is_blocking

    )

    select
        case
            when count(*) = 0 then true
            else error(
                count(*) || ' raw response row(s) rejected (strict mode; --vars ''{strict: false}'' builds from'
                || ' the valid rows); listed in the build summary'
            )
        end as is_open
    from blocking_rejects
{%- endmacro %}
