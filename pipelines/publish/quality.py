"""The published data-quality report: a Great Expectations suite over the Panel's dataset and
the row accounting of the loads, its data docs written into the vintage's `quality/` folder.

A failed expectation stops the publication (the previous vintage stays `latest`). Great
Expectations runs on pandas frames (its DuckDB datasource does not work with this stack) and
is imported only here, because importing it takes seconds.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.publish.coverage import coverage
from pipelines.publish.dataset_format import COLUMNS

UNITS = ["count", "percent", "per_1000", "ratio", "percent_change"]
SMALL = [1, 2, 3, 4]


class QualityFailed(RuntimeError):
    pass


@dataclass
class QualityResult:
    success: bool
    failed: list[str] = field(default_factory=list)
    evaluated: int = 0


def _dataset_expectations(gx, indicator_ids: list[str]) -> list:
    e = gx.expectations
    counts_shown = 'unit in ["count", "percent", "per_1000", "ratio"]'
    return [
        e.ExpectTableColumnsToMatchOrderedList(column_list=COLUMNS),
        # Exactly the indicators the accepted data can give (pipelines/publish/coverage.py).
        e.ExpectColumnDistinctValuesToEqualSet(column="indicator_id", value_set=indicator_ids),
        e.ExpectColumnValuesToBeInSet(column="unit", value_set=UNITS),
        e.ExpectColumnValuesToBeInSet(column="period_type", value_set=["quarter", "financial_year"]),
        e.ExpectColumnValuesToBeInSet(column="geography_type", value_set=["london", "borough", "haven", "uk", "uk_region"]),
        e.ExpectColumnValuesToBeInSet(column="comparison", value_set=["higher", "lower", "similar", "not_compared"]),
        e.ExpectColumnValuesToBeInSet(column="suppressed", value_set=[True, False]),
        e.ExpectColumnValuesToNotBeNull(column="indicator_id"),
        e.ExpectColumnValuesToNotBeNull(column="breakdown_value"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="value", column_B="ci_lower", or_equal=True,
                                                  ignore_row_if="either_value_is_missing"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="ci_upper", column_B="value", or_equal=True,
                                                  ignore_row_if="either_value_is_missing"),
        e.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=100,
                                        row_condition='unit == "percent"', condition_parser="pandas"),
        e.ExpectColumnValuesToBeBetween(column="numerator", min_value=0,
                                        row_condition=counts_shown, condition_parser="pandas"),
        e.ExpectColumnValuesToBeBetween(column="denominator", min_value=0),
        # Disclosure control held: suppressed rows show nothing, shown counts are never 1-4.
        e.ExpectColumnValuesToBeNull(column="value", row_condition="suppressed == True", condition_parser="pandas"),
        e.ExpectColumnValuesToBeNull(column="numerator", row_condition="suppressed == True", condition_parser="pandas"),
        e.ExpectColumnValuesToNotBeInSet(column="numerator", value_set=SMALL,
                                         row_condition=counts_shown, condition_parser="pandas"),
        e.ExpectColumnValuesToNotBeInSet(column="denominator", value_set=SMALL,
                                         row_condition='unit in ["percent", "ratio"]', condition_parser="pandas"),
    ]


def _loads_expectations(gx) -> list:
    e = gx.expectations
    accepted = 'status != "rejected"'
    return [
        e.ExpectColumnValuesToBeInSet(column="status", value_set=["accepted", "rejected", "superseded"]),
        # Row accounting: every row read is loaded or quarantined.
        e.ExpectColumnValuesToBeBetween(column="rows_unaccounted", min_value=0, max_value=0,
                                        row_condition=accepted, condition_parser="pandas"),
        e.ExpectColumnValuesToNotBeNull(column="sha256"),
    ]


def run_quality_suite(dataset: pl.DataFrame, loads: pl.DataFrame, published_periods: list[tuple[str, str]],
                      docs_dir: Path | None = None) -> QualityResult:
    """Validate the published dataset and the loads; write data docs into `docs_dir`.

    `published_periods`: the (source, period type) pairs with a published period, from which
    the indicators the dataset must have follow (pipelines/publish/coverage.py)."""
    import great_expectations as gx
    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    context = gx.get_context(mode="ephemeral")
    if docs_dir is not None:
        context.add_data_docs_site(site_name="quality", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    source = context.data_sources.add_pandas("published")
    ids = coverage(published_periods, []).expected_indicators
    loads = loads.with_columns(
        rows_unaccounted=(pl.col("rows_read") - pl.col("rows_loaded") - pl.col("rows_quarantined")).fill_null(0))
    # Text columns as pandas categoricals: Great Expectations copies the whole frame for every
    # row condition, and copying pandas 3's Arrow-backed strings is what made the suite slow.
    panel = dataset.select(COLUMNS).with_columns(pl.col(pl.Utf8).cast(pl.Categorical))
    frames = {
        "panel_dataset": (panel.to_pandas(), _dataset_expectations(gx, ids)),
        "audit_loads": (loads.drop("loaded_at", strict=False).to_pandas(), _loads_expectations(gx)),
    }
    failed, evaluated, definitions = [], 0, []
    for name, (frame, expectations) in frames.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definitions.append((context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)), frame))
    for definition, frame in definitions:
        checkpoint = context.checkpoints.add(gx.Checkpoint(name=f"{definition.name}_checkpoint",
                                                           validation_definitions=[definition]))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run in result.run_results.values():
            for r in run.results:
                evaluated += 1
                if not r.success:
                    config = r.expectation_config
                    column = config.kwargs.get("column") or config.kwargs.get("column_A") or ""
                    failed.append(f"{definition.name}: {config.type} {column}".strip())
    if docs_dir is not None:
        context.build_data_docs(site_names=["quality"])  # once for both results (each build costs seconds)
        (docs_dir / "summary.json").write_text(json.dumps(
            {"success": not failed, "evaluated": evaluated, "failed": failed}, indent=2) + "\n", encoding="utf-8")
    return QualityResult(success=not failed, failed=failed, evaluated=evaluated)
