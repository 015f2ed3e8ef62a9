{#-
    Load the raw response file(s) named by var('raw_responses_path') into the source
    table raw.raw_responses. Runs as an on-run-start hook, so every `dbt build` reads the
    file(s) afresh with DuckDB itself (no Python loading step).

    Each file is inspected before it is read, and any problem stops the run with a message
    naming the path and what is wrong:
      - no file matches the path or glob;
      - the file is empty, or holds a header but no response rows;
      - the header lacks one of the required columns (extra columns are ignored);
      - the file is neither UTF-8 nor Windows-1252/Latin-1 text that DuckDB can decode.
    Encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1) and delimiter (`,` or `;`,
    whichever the header uses) are detected per file, so one glob may mix exports.
    Every value is kept as text exactly as read; staging trims, casts and normalises.
    source_line_number is the file line the row was read from (header = line 1).
-#}
{% macro load_raw_responses() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set required_columns = ['municipality_code', 'survey_year', 'question_no', 'item', 'answer'] %}
    {% set pattern = var('raw_responses_path') | string %}

    {% set files = run_query("select file from glob(" ~ sql_string_literal(pattern) ~ ") order by file").columns[0].values() %}
    {% if files | length == 0 %}
        {{ exceptions.raise_compiler_error(
            "raw_responses_path: no response file matches '" ~ pattern ~ "' (relative paths are read from the project root). "
            ~ "Pass an existing CSV file or glob, e.g. --vars '{raw_responses_path: data/sample/responses_2023_synthetic.csv}'."
        ) }}
    {% endif %}

    {% set selects = [] %}
    {% for file in files %}
        {% set probe = run_query(
            "select size, try(decode(content)) is not null as is_utf8,"
            ~ " regexp_matches(hex(content), '^(?:..)*?[89][0-9A-F]') as has_c1_bytes"
            ~ " from read_blob(" ~ sql_string_literal(file) ~ ")"
        ).rows[0] %}
        {% if probe[0] == 0 %}
            {{ exceptions.raise_compiler_error("Response file '" ~ file ~ "' is empty (0 bytes); expected a CSV with the header " ~ required_columns | join(',') ~ ".") }}
        {% endif %}
        {% if probe[1] %}
            {% set encoding = 'utf-8' %}
        {% elif probe[2] %}
            {{ exceptions.raise_compiler_error(
                "Response file '" ~ file ~ "' is not UTF-8 and holds bytes 0x80-0x9F (Windows-1252 curly quotes, dashes or the euro sign), "
                ~ "which DuckDB's Latin-1 reader cannot decode. Save the file as UTF-8 (Excel: 'CSV UTF-8') and run again."
            ) }}
        {% else %}
            {% set encoding = 'latin-1' %}
        {% endif %}

        {% set lines_relation = "read_csv(" ~ sql_string_literal(file) ~ ", encoding='" ~ encoding ~ "', header=false, columns={'line': 'VARCHAR'}, delim=chr(1), quote='', escape='', auto_detect=false, parallel=false)" %}
        {% set header_line = run_query("select line from " ~ lines_relation ~ " limit 1").rows[0][0] or '' %}
        {% set header_line = header_line | replace('\ufeff', '') | replace('\r', '') %}
        {% set delimiter = ';' if header_line.count(';') > header_line.count(',') else ',' %}
        {% set header = [] %}
        {% for name in header_line.split(delimiter) %}
            {% do header.append(name | trim | trim('"') | trim | lower) %}
        {% endfor %}
        {% set missing = [] %}
        {% for name in required_columns %}
            {% if name not in header %}{% do missing.append(name) %}{% endif %}
        {% endfor %}
        {% if missing %}
            {{ exceptions.raise_compiler_error(
                "Response file '" ~ file ~ "' lacks the required column(s) " ~ missing | join(', ')
                ~ "; its header (delimiter '" ~ delimiter ~ "') is: " ~ header_line
                ~ ". Expected the columns " ~ required_columns | join(',') ~ " (extra columns are ignored)."
            ) }}
        {% endif %}

        {% set column_types = [] %}
        {% for name in header %}
            {% do column_types.append(sql_string_literal(name ~ '') ~ ": 'VARCHAR'") %}
        {% endfor %}
        {% set select_sql %}
            with records as (
                select
                    row_number() over () as record_no,
                    {% for name in required_columns %}"{{ name }}",{% endfor %}
                from read_csv(
                    {{ sql_string_literal(file) }},
                    encoding = '{{ encoding }}',
                    delim = '{{ delimiter }}',
                    header = true,
                    quote = '"',
                    escape = '"',
                    columns = { {{ column_types | join(', ') }} },
                    auto_detect = false,
                    null_padding = true,
                    parallel = false
                )
            ),

            lines as (
                -- DuckDB's CSV reader skips blank lines; number the non-blank data lines
                -- so each record keeps the line number it has in the file.
                select
                    row_number() over () as line_number,
                    line,
                from {{ lines_relation }}
            ),

            data_lines as (
                select
                    line_number,
                    row_number() over (order by line_number) as record_no,
                from lines
                where line_number > 1 and trim(coalesce(line, '')) not in ('', chr(13))
            )

            select
                {{ sql_string_literal(file) }} as source_file,
                coalesce(data_lines.line_number, records.record_no + 1) as source_line_number,
                '{{ encoding }}' as source_encoding,
                '{{ delimiter }}' as source_delimiter,
                {% for name in required_columns %}records."{{ name }}",{% endfor %}
            from records
            left join data_lines on records.record_no = data_lines.record_no
        {% endset %}
        {% do selects.append(select_sql) %}
    {% endfor %}

    {% set load_sql %}
        create schema if not exists raw;
        create or replace table raw.raw_responses as
        {% for select_sql in selects %}
            ({{ select_sql }})
            {% if not loop.last %}union all by name{% endif %}
        {% endfor %};
    {% endset %}
    {% do run_query(load_sql) %}

    {% set counts = run_query("select source_file, count(*) from raw.raw_responses group by all").rows %}
    {% set counted = {} %}
    {% for row in counts %}{% do counted.update({row[0]: row[1]}) %}{% endfor %}
    {% for file in files %}
        {% if counted.get(file, 0) == 0 %}
            {{ exceptions.raise_compiler_error("Response file '" ~ file ~ "' has a header but no response rows; expected one row per answered cell.") }}
        {% endif %}
        {{ log("Loaded " ~ counted[file] ~ " raw response rows from " ~ file, info=true) }}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
