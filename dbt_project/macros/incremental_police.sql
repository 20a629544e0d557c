{#
  The police records a refresh must rebuild, and how the police models learn it.

  A refresh that kept the previous warehouse's raw.mps_crimes and only added new quarters'
  files sets VAWG_INCREMENTAL_RUN_ID to its run id (pipelines/defs/warehouse/dbt.py): only the
  records with a version in those files can change. Without it (a first refresh, a revised or
  withdrawn file, other code, dbt run by hand) the incremental models are built whole. An
  environment variable, not a dbt var: a changed var makes dbt parse the whole project again,
  a changed environment variable only the files that read it (decision 0018).
#}

{% macro incremental_run_id() %}
    {{- return(env_var('VAWG_INCREMENTAL_RUN_ID', '')) -}}
{% endmacro %}

{% macro police_full_refresh() %}
    {{- return(true if incremental_run_id() == '' else none) -}}
{% endmacro %}

{% macro delete_changed_crime_records() %}
    {#- A record can leave scope, so it is deleted whether or not a new row replaces it. -#}
    {% if is_incremental() %}
        delete from {{ this }} where crime_ref in (select crime_ref from {{ ref('int_crime_records_changed') }})
    {% endif %}
{% endmacro %}

{#-
  Tests of the history-sized police models in a refresh that rebuilt only the records its new
  files touch: `where: __changed_crime_records__` checks only those records, and
  `where: __added_police_files__` only the rows of the files it added. Every other row is the
  one the previous warehouse's run tested, untouched (at national scale testing every row is
  slow: the categories' key test most of all). A refresh that builds every model whole tests every row. Only
  tests a filter can keep exact use it (a key or accepted values per record; not `not_null`,
  whose failing rows have no crime_ref to select them by). Otherwise dbt's own behaviour.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set run_id = incremental_run_id() -%}
    {%- if where in ('__changed_crime_records__', '__added_police_files__') and run_id == '' -%}
        {%- set where = none -%}
    {%- elif where == '__changed_crime_records__' -%}
        {%- set where = 'crime_ref in (select crime_ref from ' ~ _model_relation('int_crime_records_changed') ~ ')' -%}
    {%- elif where == '__added_police_files__' -%}
        {%- set where = "file_sha256 in (select file_sha256 from " ~ _model_relation('stg_audit__raw_parts')
            ~ " where source = 'mps_crimes' and added_in_run = '" ~ run_id ~ "')" -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- A model's relation looked up in the graph: a ref() made while a test runs would be one dbt
    did not record when it parsed the test. In an incremental run both already exist: the build
    file is a copy of the previous warehouse (and raw parts are recorded before dbt starts). -#}
{% macro _model_relation(name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
    {{- return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -}}
{%- endmacro %}
