{#-
    PostgreSQL: macro begin_build. No Python runs inside dbt here (dbt-postgres has no plugins):
    the command `styringsoverblik build --target postgres` ingests before dbt and publishes after
    it, and sets STYRINGSOVERBLIK_BUILD_ID for the run. For `dbt run`/`dbt build` this hook checks
    the server (a UTF-8 LC_CTYPE and jit off: the rules and messages of
    styringsoverblik.targets.check_postgres_server) and stops with the message; then, orchestrated,
    it names the build; a plain `dbt build` stops when nothing was ingested yet (no
    raw.raw_responses), and otherwise says it builds from the last ingest and never publishes.
-#}
{% macro postgres__begin_build() %}
    {#- every var checked, also while dbt parses the project (check_settings) -#}
    {% do check_settings() %}
    {% if execute and target.name != 'lint' and flags.WHICH in ['run', 'build'] %}
        {% set server = run_query(
            "select current_setting('lc_ctype'), current_setting('jit'), quote_ident(current_database()),"
            ~ " to_regclass('raw.raw_responses') is not null, to_regclass('ops.build_runs') is not null"
            ~ " and to_regclass('ops.build_input_files') is not null"
        ).rows[0] %}
        {% set ctype, jit, database, has_raw, has_build_log = server[0], server[1], server[2], server[3], server[4] %}
        {% set problems = [] %}
        {% if not (ctype | lower | replace('-', '')).endswith('utf8') %}
            {% do problems.append(
                "the database's LC_CTYPE is '" ~ ctype ~ "', not UTF-8: under it lower('ØKONOMIUDVALG') stays"
                ~ " upper-case and answer labels stop matching; create the database with a UTF-8 locale"
                ~ " (create database ... template template0 encoding 'UTF8' lc_ctype 'C.UTF-8' lc_collate 'C.UTF-8')"
            ) %}
        {% endif %}
        {% if jit != 'off' %}
            {% do problems.append(
                "jit is '" ~ jit ~ "', it must be off (the scoring queries run several times slower with it):"
                ~ " run `ALTER DATABASE " ~ database ~ " SET jit = off` (or set PGOPTIONS='-c jit=off',"
                ~ " or jit = off in postgresql.conf)"
            ) %}
        {% endif %}
        {% if problems %}
            {% do run_query(postgres_raise_statement('PostgreSQL target: ' ~ problems | join('; '))) %}
        {% endif %}
        {% set build_id = env_var('STYRINGSOVERBLIK_BUILD_ID', '') %}
        {% if build_id %}
            {{ log('build ' ~ build_id ~ ': transforming the ingested responses', info=true) }}
        {% elif not has_raw %}
            {% do run_query(postgres_raise_statement(
                'raw.raw_responses does not exist in database ' ~ database ~ ': no responses were ingested.'
                ~ ' Build with `styringsoverblik build --target postgres` (ingest, dbt build, publish);'
                ~ ' a plain `dbt ' ~ flags.WHICH ~ '` on PostgreSQL only transforms what was ingested'
            )) %}
        {% else %}
            {% set last_ingest = '' %}
            {% if has_build_log %}
                {% set newest = run_query(
                    "select runs.build_id, cast(runs.started_at as varchar) from ops.build_runs as runs"
                    ~ " where exists (select 1 from ops.build_input_files as files where files.build_id = runs.build_id)"
                    ~ " order by runs.started_at desc limit 1"
                ).rows %}
                {% if newest %}{% set last_ingest = ' (build ' ~ newest[0][0] ~ ', started ' ~ newest[0][1] ~ ')' %}{% endif %}
            {% endif %}
            {{ log(
                'dbt ' ~ flags.WHICH ~ ' on PostgreSQL: building from the last ingest' ~ last_ingest
                ~ ' in raw.raw_responses; a plain dbt ' ~ flags.WHICH ~ ' never publishes'
                ~ ' (only `styringsoverblik build --target postgres` ingests and publishes)',
                info=true
            ) }}
        {% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
