{#-
    PostgreSQL: macro end_build. Publishing is the command's job after dbt
    (`styringsoverblik build --target postgres`, which sets STYRINGSOVERBLIK_BUILD_ID); a plain
    `dbt run`/`build`/`test` says that it published nothing and which command publishes.
-#}
{% macro postgres__end_build(results) %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build', 'test']
        and not env_var('STYRINGSOVERBLIK_BUILD_ID', '') %}
        {{ log(
            'nothing was published: a plain dbt ' ~ flags.WHICH ~ ' on PostgreSQL leaves the audited marts in'
            ~ ' marts_audit; `styringsoverblik build --target postgres` publishes',
            info=true
        ) }}
    {% endif %}
    {{ return('') }}
{% endmacro %}
