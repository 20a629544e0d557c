{#-
  Count every cell of a source's populations on the complete grid.

  Records are aggregated once at their finest grain (category x quarter x borough x every
  characteristic), then rolled up to financial years, London and each breakdown, and joined
  to the grid of published periods x geographies x breakdown values so that zeros are rows.
  `cells` maps a cell name to the boolean SQL (`where`) that puts a record in it; a record
  adds `value`, else `count_expression`, to each cell it is in (1 for record-level sources,
  the reported count for aggregate returns). Records counted as 1 carry a boolean per cell,
  counted with count_true (count_if on DuckDB): its state is a bigint where a sum of integers keeps a hugeint, so
  the finest aggregation spills less. `geographies` has the `whole` area (type and code: London or the
  UK) and its `part`s (type, the column holding the part's code, and for police and CPS
  `mps_only` to keep the 32 MPS boroughs). `breakdown_filters` limits the records a
  breakdown is counted from (aggregate returns: only the rows of that breakdown).
-#}
{% macro indicator_cells(source, model, period_date, geographies, value_list, categories, breakdowns, cells, count_expression='1', breakdown_filters={}) %}
{%- set characteristic_breakdowns = [] -%}
{%- for name, expr in breakdowns.items() if name != 'total' -%}{%- do characteristic_breakdowns.append(name) -%}{%- endfor -%}
with records as (
    select
        category,
        {{ quarter_start(period_date) }} as quarter_start,
        {{ geographies.part.column }} as geography_code,
        {%- for name in characteristic_breakdowns %}
        {{ breakdowns[name] }} as bd__{{ name }},
        {%- endfor %}
        {%- for name, condition in breakdown_filters.items() %}
        coalesce({{ condition }}, false) as inb__{{ name }},
        {%- endfor %}
        {%- for cell, definition in cells.items() %}
        {%- if definition.value or count_expression != '1' %}
        case when ({{ definition.where }}) then ({{ definition.value or count_expression }}) else 0 end
        {%- else %}
        coalesce({{ definition.where }}, false)
        {%- endif %}
            as v__{{ cell }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref(model) }}
    where category in ({{ "'" ~ categories | join("', '") ~ "'" }})
),

finest as (
    select
        category, quarter_start, geography_code,
        {%- for name in characteristic_breakdowns %} bd__{{ name }},{% endfor %}
        {%- for name in breakdown_filters %} inb__{{ name }},{% endfor %}
        {%- for cell, definition in cells.items() %}
        {%- if definition.value or count_expression != '1' %}
        sum(v__{{ cell }}) as {{ cell }}{{ "," if not loop.last }}
        {%- else %}
        {{ count_true("v__" ~ cell) }} as {{ cell }}{{ "," if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from records
    group by all
),

-- Each quarter counts in itself and in its financial year (April to March).
by_period as (
    select 'quarter' as period_type, quarter_start as period_start, * exclude (quarter_start) from finest
    union all
    select
        'financial_year',
        {{ financial_year_start('quarter_start') }},
        * exclude (quarter_start)
    from finest
),

by_breakdown as (
    {%- for name in breakdowns %}
    select
        category, period_type, period_start, geography_code,
        '{{ name }}' as breakdown,
        {{ "'ALL'" if name == 'total' else 'bd__' ~ name }} as breakdown_value,
        {%- for cell in cells %}
        sum({{ cell }}) as {{ cell }}{{ "," if not loop.last }}
        {%- endfor %}
    from by_period
    {%- if name in breakdown_filters %}
    where inb__{{ name }}
    {%- endif %}
    group by all
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

by_geography as (
    select '{{ geographies.part.type }}' as geography_type, * from by_breakdown
    union all
    select
        '{{ geographies.whole.type }}', category, period_type, period_start, '{{ geographies.whole.code }}',
        breakdown, breakdown_value,
        {%- for cell in cells %}
        sum({{ cell }}){{ "," if not loop.last }}
        {%- endfor %}
    from by_breakdown
    group by all
),

grid as (
    select
        categories.category,
        periods.period_type,
        periods.period_start,
        geographies.geography_type,
        geographies.geography_code,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value
    from (select unnest([{{ "'" ~ categories | join("', '") ~ "'" }}]) as category) as categories
    cross join (
        select period_type, period_start from {{ ref('int_published_periods') }}
        where source = '{{ source }}'
    ) as periods
    cross join (
        select geography_type, geography_code from {{ ref('dim_geographies') }}
        where (geography_type = '{{ geographies.whole.type }}' and geography_code = '{{ geographies.whole.code }}')
            or (geography_type = '{{ geographies.part.type }}'
                {%- if geographies.part.mps_only %} and is_mps_borough{% endif %})
    ) as geographies
    cross join (
        select breakdown, breakdown_value from {{ ref('breakdown_values') }}
        where value_list = '{{ value_list }}'
            and breakdown in ({{ "'" ~ breakdowns.keys() | list | join("', '") ~ "'" }})
    ) as breakdown_values
)

select
    grid.*,
    {%- for cell in cells %}
    coalesce(by_geography.{{ cell }}, 0)::bigint as {{ cell }}{{ "," if not loop.last }}
    {%- endfor %}
from grid
left join by_geography
    on grid.category = by_geography.category
    and grid.period_type = by_geography.period_type
    and grid.period_start = by_geography.period_start
    and grid.geography_type = by_geography.geography_type
    and grid.geography_code = by_geography.geography_code
    and grid.breakdown = by_geography.breakdown
    and grid.breakdown_value = by_geography.breakdown_value
{% endmacro %}
