{#-
  The rows of one indicator, read off its source's cell model. `ind` is the indicator as
  resolved from indicators.yml by pipelines/indicators/codegen.py. Every macro returns the
  same columns: the row keys, numerator, denominator and, for rates, the populations.
-#}
{% macro indicator_rows(ind) %}
    {%- if ind.unit == 'count' %}{{ indicator_rows_count(ind) }}
    {%- elif ind.unit == 'percent' %}{{ indicator_rows_percent(ind) }}
    {%- elif ind.unit == 'percent_change' %}{{ indicator_rows_percent_change(ind) }}
    {%- elif ind.unit == 'per_1000' %}{{ indicator_rows_per_1000(ind) }}
    {%- elif ind.unit == 'ratio' %}{{ indicator_rows_ratio(ind) }}
    {%- else %}{{ exceptions.raise_compiler_error("indicators.yml: unknown unit " ~ ind.unit) }}
    {%- endif %}
{% endmacro %}

{% macro _in_list(values) -%}
    ({{ "'" ~ values | join("', '") ~ "'" }})
{%- endmacro %}

{% macro _indicator_filter(ind, alias='cells', with_categories=true) -%}
    {{ alias }}.period_type in {{ _in_list(ind.period_types) }}
    and {{ alias }}.geography_type in {{ _in_list(ind.geographies) }}
    and {{ alias }}.breakdown in {{ _in_list(ind.breakdowns) }}
    {%- if with_categories %}
    and {{ alias }}.category in {{ _in_list(ind.categories) }}
    {%- endif %}
    {%- if ind.breakdown_values %}
    and {{ alias }}.breakdown_value in {{ _in_list(ind.breakdown_values) }}
    {%- endif %}
{%- endmacro %}


{% macro _row(ind, numerator, denominator, alias='cells', category=none, numerator_population='null', denominator_population='null') -%}
    select
        '{{ ind.id }}' as indicator_id,
        {{ "'" ~ category ~ "'" if category else alias ~ '.category' }} as category,
        {{ alias }}.period_type,
        {{ alias }}.period_start,
        {{ alias }}.geography_type,
        {{ alias }}.geography_code,
        {{ alias }}.breakdown,
        {{ alias }}.breakdown_value,
        ({{ numerator }})::double as numerator,
        ({{ denominator }})::double as denominator,
        ({{ numerator_population }})::double as numerator_population,
        ({{ denominator_population }})::double as denominator_population
{%- endmacro %}

{% macro indicator_rows_count(ind) %}
    {{ _row(ind, 'cells.' ~ ind.numerator_cell, 'null') }}
    from {{ ref(ind.cells_model) }} as cells
    where {{ _indicator_filter(ind) }}
{% endmacro %}

{% macro indicator_rows_percent(ind) %}
    {%- if ind.category_numerators %}
    {%- for category, cell in ind.category_numerators.items() %}
    {{ _row(ind, 'cells.' ~ cell, 'cells.' ~ ind.denominator_cell, category=category) }}
    from {{ ref(ind.cells_model) }} as cells
    where {{ _indicator_filter(ind, with_categories=false) }} and cells.category = '{{ ind.from_category }}'
    {{ "union all" if not loop.last }}
    {%- endfor %}
    {%- else %}
    {{ _row(ind, 'cells.' ~ ind.numerator_cell, 'cells.' ~ ind.denominator_cell) }}
    from {{ ref(ind.cells_model) }} as cells
    where {{ _indicator_filter(ind) }}
    {%- endif %}
{% endmacro %}

{#- This financial year against the previous one; blank when the previous one is not published. -#}
{% macro indicator_rows_percent_change(ind) %}
    {{ _row(ind, 'cells.' ~ ind.numerator_cell ~ ' - previous.' ~ ind.numerator_cell, 'previous.' ~ ind.numerator_cell) }}
    from {{ ref(ind.cells_model) }} as cells
    left join {{ ref(ind.cells_model) }} as previous
        on previous.period_start = cells.period_start - interval 1 year
        and previous.period_type = cells.period_type
        and previous.category = cells.category
        and previous.geography_type = cells.geography_type
        and previous.geography_code = cells.geography_code
        and previous.breakdown = cells.breakdown
        and previous.breakdown_value = cells.breakdown_value
    where {{ _indicator_filter(ind) }}
{% endmacro %}

{#- Victims per 1,000 residents of the group; `UNKNOWN` has no population. -#}
{% macro indicator_rows_per_1000(ind) %}
    {{ _row(ind, 'cells.' ~ ind.numerator_cell, 'population.population') }}
    from {{ ref(ind.cells_model) }} as cells
    left join {{ ref('int_census_populations') }} as population
        on population.geography_type = cells.geography_type
        and population.geography_code = cells.geography_code
        and population.ethnic_group = cells.breakdown_value
    where {{ _indicator_filter(ind) }}
{% endmacro %}

{#- Relative rate index: the group's rate over the reference group's rate, same cell keys. -#}
{% macro indicator_rows_ratio(ind) %}
    {{ _row(ind, 'cells.' ~ ind.numerator_cell, 'reference.' ~ ind.numerator_cell,
            numerator_population='population.population',
            denominator_population='reference_population.population') }}
    from {{ ref(ind.cells_model) }} as cells
    inner join {{ ref(ind.cells_model) }} as reference
        on reference.category = cells.category
        and reference.period_type = cells.period_type
        and reference.period_start = cells.period_start
        and reference.geography_type = cells.geography_type
        and reference.geography_code = cells.geography_code
        and reference.breakdown = cells.breakdown
        and reference.breakdown_value = '{{ ind.reference_value }}'
    left join {{ ref('int_census_populations') }} as population
        on population.geography_type = cells.geography_type
        and population.geography_code = cells.geography_code
        and population.ethnic_group = cells.breakdown_value
    left join {{ ref('int_census_populations') }} as reference_population
        on reference_population.geography_type = cells.geography_type
        and reference_population.geography_code = cells.geography_code
        and reference_population.ethnic_group = '{{ ind.reference_value }}'
    where {{ _indicator_filter(ind) }}
{% endmacro %}
