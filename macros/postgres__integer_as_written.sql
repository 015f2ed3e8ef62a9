{#- PostgreSQL: macro integer_as_written, `~` of the digits, then a cast through bigint (at most
    ten digits after leading zeros, so the bigint cannot overflow; NULL beyond an integer). The
    casts sit in a nested CASE: PostgreSQL evaluates AND operands in any order, a CASE in order. -#}
{% macro postgres__integer_as_written(expression) -%}
    case
        when {{ trim_blanks(expression) }} ~ '^[0-9]+$' and length(ltrim({{ trim_blanks(expression) }}, '0')) <= 10
            then case
                when cast({{ trim_blanks(expression) }} as bigint) <= 2147483647
                    then cast({{ trim_blanks(expression) }} as integer)
            end
    end
{%- endmacro %}
