"""Generate the dbt models that compute indicators from indicators.yml.

`vawg generate` (pipelines/generate.py) writes them, checked in, into
dbt_project/models/intermediate/indicators/generated/; nothing writes them at run time. Two kinds:
one cell model per source (`int_indicator_cells__<source>`, counting every population and
subset on the complete grid) and `int_indicator_values` (one row per indicator and grid
key). Both only call the hand-written macros with arguments taken from indicators.yml.
Their dbt documentation and key tests (`_generated__models.yml`) are generated too, so a
count column is described by the population or subset that defines it.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.indicators.spec import GRID_KEY, IndicatorSpec, cell_name, load_spec
from pipelines.project_files import GENERATED_MODELS_DIR

GENERATED_DIR = GENERATED_MODELS_DIR  # in the checkout, or in the installed package (pipelines/project_files.py)
HEADER = "-- Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.\n"
YAML_NAME = "_generated__models.yml"
VALUES_COLUMNS = [
    "indicator_id",
    *GRID_KEY,
    "numerator",
    "denominator",
    "numerator_population",
    "denominator_population",
    "period",
    "period_end",
    "geography_name",
]


WIDTH = 120  # the longest line a reviewer reads without scrolling; sqlfluff allows a little more
INDENT = "    "


def jinja_literal(value, depth: int = 0, used: int = 0) -> str:
    """`value` as a Jinja literal laid out for review: on one line when it fits in WIDTH
    (`used` characters of the line are already taken, `depth` indents it), else a dict one key
    per line and a list filled line by line. JSON literals are valid Jinja literals (strings,
    lists, dicts, numbers, true/false), and Jinja ignores the layout, so the models compile to
    the same SQL however they are laid out."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or not value or len(INDENT) * depth + used + len(flat) + 1 <= WIDTH:
        return flat
    inner = INDENT * (depth + 1)
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            label = f"{json.dumps(key, ensure_ascii=False)}: "
            items.append(f"{inner}{label}{jinja_literal(item, depth + 1, len(label))}")
        return "{\n" + ",\n".join(items) + "\n" + INDENT * depth + "}"
    if all(not isinstance(item, (dict, list)) for item in value):
        lines, line = [], ""
        for item in (json.dumps(i, ensure_ascii=False) for i in value):
            if line and len(inner) + len(line) + len(item) + 2 > WIDTH:
                lines.append(line + ",")
                line = ""
            line = f"{line}, {item}" if line else item
        lines.append(line)
        return "[\n" + "\n".join(inner + part for part in lines) + "\n" + INDENT * depth + "]"
    return "[\n" + ",\n".join(inner + jinja_literal(item, depth + 1) for item in value) + "\n" + INDENT * depth + "]"


def cells_model_sql(spec: IndicatorSpec, source: str) -> str:
    cfg = spec.sources[source]
    args = {
        "source": source,
        "model": cfg["model"],
        "period_date": cfg["period_date"],
        "geographies": cfg["geographies"],
        "value_list": cfg["value_list"],
        "categories": cfg["categories"],
        "breakdowns": cfg["breakdowns"],
        "cells": spec.cells(source),
        "count_expression": cfg.get("count_expression", "1"),
        "breakdown_filters": cfg.get("breakdown_filters", {}),
    }
    body = ",\n".join(f"{INDENT}{k}={jinja_literal(v, 1, len(k) + 1)}" for k, v in args.items())
    return (
        f"{HEADER}-- One row per cell key (category x period x geography x breakdown value) of\n"
        f"-- {source}, with a count column per population and subset.\n"
        f"{{{{ indicator_cells(\n{body}\n) }}}}\n"
    )


def values_model_sql(spec: IndicatorSpec) -> str:
    parts = []
    for ind in spec.indicators:
        args = {
            "id": ind.id,
            "unit": ind.unit,
            "cells_model": ind.cells_model,
            "numerator_cell": cell_name(ind.numerator) if ind.numerator else None,
            "denominator_cell": cell_name(ind.denominator) if ind.denominator else None,
            "categories": ind.categories,
            "period_types": ind.period_types,
            "geographies": ind.geographies,
            "breakdowns": ind.breakdowns,
            "breakdown_values": ind.breakdown_values,
            "category_numerators": {k: cell_name(v) for k, v in (ind.category_numerators or {}).items()} or None,
            "from_category": ind.from_category,
            "reference_value": ind.reference_value,
        }
        args = {k: v for k, v in args.items() if v is not None}
        if ind.financial_year_numerator and "financial_year" in ind.period_types:
            # A stock such as a waiting list: the year's value is its last quarter's.
            year = {
                **args,
                "period_types": ["financial_year"],
                "numerator_cell": cell_name(ind.financial_year_numerator),
            }
            args["period_types"] = [p for p in ind.period_types if p != "financial_year"]
            parts.append(f"{INDENT}-- {ind.id} (financial years)\n{_rows_call(year)}")
        parts.append(f"{INDENT}-- {ind.id}\n{_rows_call(args)}")
    union = f"\n{INDENT}union all\n".join(parts)
    return (
        f"{HEADER}-- One row per indicator x category x period x geography x breakdown value:\n"
        "-- numerator, denominator and populations, before statistics.\n"
        "-- A view: marts.indicators reads it whole, and computing it from the cells each time\n"
        "-- costs less than writing its millions of rows (the same at every scale).\n"
        "{{ config(materialized='view') }}\n"
        f"with rows as (\n{union}\n)\n\n"
        "select\n    rows.*,\n    periods.period,\n    periods.period_end,\n    geographies.geography_name\n"
        "from rows\n"
        "inner join {{ ref('dim_periods') }} as periods\n"
        "    on rows.period_type = periods.period_type\n"
        "    and rows.period_start = periods.period_start\n"
        "inner join {{ ref('dim_geographies') }} as geographies\n"
        "    on rows.geography_type = geographies.geography_type\n"
        "    and rows.geography_code = geographies.geography_code\n"
    )


def _rows_call(args: dict) -> str:
    return f"{INDENT}{{{{ indicator_rows({jinja_literal(args, 1, len('{{ indicator_rows('))}) }}}}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _column(name: str, description: str | None = None) -> str:
    # Grid columns reuse the project's doc blocks; count columns say which cell they count.
    text = json.dumps(description, ensure_ascii=False) if description else f"\"{{{{ doc('{name}') }}}}\""
    return f"      - {{name: {name}, description: {text}}}"


def _model_yaml(name: str, description: str, key: list[str], columns: list[str]) -> list[str]:
    return [
        f"  - name: {name}",
        f"    description: {json.dumps(description, ensure_ascii=False)}",
        "    data_tests:",
        f"      - {{primary_key: {{arguments: {{column_names: [{', '.join(key)}]}}}}}}",
        "    columns:",
        *columns,
    ]


def models_yaml(spec: IndicatorSpec) -> str:
    """dbt properties of the generated models: grain, key test, every column described."""
    out = [
        "# Generated from indicators.yml by `vawg generate` (pipelines/indicators/codegen.py): do not edit.",
        "version: 2",
        "",
        "models:",
    ]
    for source in spec.sources_in_use():
        columns = [_column(c) for c in GRID_KEY]
        for pop_name, pop in spec.populations.items():
            if pop["source"] != source:
                continue
            columns.append(_column(pop_name, f"Count of the population `{pop_name}`: {_sentence(pop['description'])}"))
            for sub_name, sub in (pop.get("subsets") or {}).items():
                columns.append(
                    _column(
                        f"{pop_name}__{sub_name}",
                        f"Count of `{pop_name}` in the subset `{sub_name}`: {_sentence(sub['description'])}",
                    )
                )
        out += _model_yaml(
            f"int_indicator_cells__{source}",
            f"One row per cell key (category × period × geography × breakdown value) of {source} on "
            "the complete grid, with a count column per population and subset defined in "
            "indicators.yml. Generated.",
            GRID_KEY,
            columns,
        )
        out.append("")
    out += _model_yaml(
        "int_indicator_values",
        "One row per indicator × category × period × geography × breakdown value, with numerator, "
        "denominator and populations, before statistics. Generated from indicators.yml.",
        ["indicator_id", *GRID_KEY],
        [_column(c) for c in VALUES_COLUMNS],
    )
    return "\n".join(out) + "\n"


def generated_models(spec: IndicatorSpec | None = None) -> dict[str, str]:
    """Every generated file by name: the models' SQL and their YAML properties."""
    spec = spec or load_spec()
    models = {f"int_indicator_cells__{s}.sql": cells_model_sql(spec, s) for s in spec.sources_in_use()}
    models["int_indicator_values.sql"] = values_model_sql(spec)
    models[YAML_NAME] = models_yaml(spec)
    return models


def stale_models(directory: Path = GENERATED_DIR) -> list[str]:
    """The generated files on disk that differ from what indicators.yml gives, are missing or
    are left over; compared in memory, so nothing is written."""
    models = generated_models()
    on_disk = {p.name for p in [*directory.glob("*.sql"), *directory.glob("*.yml")]}
    changed = [
        name
        for name, text in models.items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted({*changed, *(on_disk - set(models))})
