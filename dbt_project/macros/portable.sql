{#-
  SQL that differs between engines, behind adapter.dispatch so that the models can run on
  another dbt adapter by adding its implementation here (docs/scaling.md lists the DuckDB-only
  SQL left in the models).
-#}

{#- The number of rows where a boolean is true. DuckDB's count_if keeps a bigint state where
    a sum of integers keeps a hugeint, so its finest aggregation spills less (decision 0009). -#}
{% macro count_true(condition) -%}
    {{ return(adapter.dispatch('count_true', 'vawg')(condition)) }}
{%- endmacro %}

{% macro duckdb__count_true(condition) -%}
    count_if({{ condition }})
{%- endmacro %}

{% macro default__count_true(condition) -%}
    sum(case when {{ condition }} then 1 else 0 end)
{%- endmacro %}

{#- The first day of the financial year (1 April) of a date. -#}
{% macro financial_year_start(date) -%}
    {{ return(adapter.dispatch('financial_year_start', 'vawg')(date)) }}
{%- endmacro %}

{% macro duckdb__financial_year_start(date) -%}
    make_date(year({{ date }}) - (month({{ date }}) < 4)::int, 4, 1)
{%- endmacro %}

{% macro default__financial_year_start(date) -%}
    cast({{ dbt.dateadd('month', 3, dbt.date_trunc('year', dbt.dateadd('month', -3, date))) }} as date)
{%- endmacro %}

{#- The first day of the quarter of a date or timestamp, as a date. -#}
{% macro quarter_start(date) -%}
    {{ return(adapter.dispatch('quarter_start', 'vawg')(date)) }}
{%- endmacro %}

{% macro duckdb__quarter_start(date) -%}
    date_trunc('quarter', {{ date }})::date
{%- endmacro %}

{% macro default__quarter_start(date) -%}
    cast({{ dbt.date_trunc('quarter', date) }} as date)
{%- endmacro %}

{#- The first day of a month written 'YYYY-MM' (a landing file's quarter), as a date. -#}
{% macro month_start(text) -%}
    {{ return(adapter.dispatch('month_start', 'vawg')(text)) }}
{%- endmacro %}

{% macro duckdb__month_start(text) -%}
    strptime({{ text }}, '%Y-%m')::date
{%- endmacro %}

{% macro default__month_start(text) -%}
    cast({{ dbt.concat([text, "'-01'"]) }} as date)
{%- endmacro %}
