{#- PostgreSQL: macro assert_no_blocking_rejects, an anonymous PL/pgSQL block that counts the
    blocking rejects and raises the same one line as DuckDB's error(). -#}
{% macro postgres__assert_no_blocking_rejects(relation) -%}
    do $styringsoverblik_gate$
    declare
        blocking_rejects bigint;
    begin
        select count(*) into blocking_rejects
        from {{ relation }}
        where {{ 'true' if setting('strict') else 'false' }} and row_status = 'rejected' and is_blocking;
        if blocking_rejects > 0 then
            raise exception '%', blocking_rejects || ' raw response row(s) rejected (strict mode; --vars ''{strict: false}'' builds from'
                || ' the valid rows); listed in the build summary';
        end if;
    end
    $styringsoverblik_gate$
{%- endmacro %}
