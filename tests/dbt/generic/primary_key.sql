{#- The given columns form the primary key: no column is NULL and no combination repeats.
    Returns the offending key values with how often they occur. -#}
{% test primary_key(model, columns) %}

    with

    keys as (

        select {{ columns | join(', ') }}
        from {{ model }}

    ),

    counted as (

        select
            {{ columns | join(', ') }},
            count(*) as occurrences
        from keys
        group by {{ columns | join(', ') }}

    )

    select *
    from counted
    where occurrences > 1 or {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}

{% endtest %}
