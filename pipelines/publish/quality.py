"""The published data-quality report: a Great Expectations suite over the Panel's dataset and
the row accounting of the loads, its results written into the vintage's `quality/` folder.

A failed expectation stops the publication (the previous vintage stays `latest`). Great
Expectations runs on pandas frames (its DuckDB datasource does not work with this stack) and
is imported only here, because importing it takes seconds.

The results are rendered here into one self-contained page, `quality/index.html`, beside
`validation_results.json`: Great Expectations' own data docs load their styles and scripts
from public CDNs, so offline they showed empty tables and online every reader's browser called
third-party hosts (decision 0026). Neither file holds a record-level value: only counts and
table-level observations.
"""

from __future__ import annotations

import datetime as dt
import html
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
        e.ExpectColumnValuesToBeInSet(
            column="geography_type", value_set=["london", "borough", "haven", "uk", "uk_region"]
        ),
        e.ExpectColumnValuesToBeInSet(column="comparison", value_set=["higher", "lower", "similar", "not_compared"]),
        e.ExpectColumnValuesToBeInSet(column="suppressed", value_set=[True, False]),
        e.ExpectColumnValuesToNotBeNull(column="indicator_id"),
        e.ExpectColumnValuesToNotBeNull(column="breakdown_value"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="value", column_B="ci_lower", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ci_upper", column_B="value", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        e.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, max_value=100, row_condition='unit == "percent"', condition_parser="pandas"
        ),
        e.ExpectColumnValuesToBeBetween(
            column="numerator", min_value=0, row_condition=counts_shown, condition_parser="pandas"
        ),
        e.ExpectColumnValuesToBeBetween(column="denominator", min_value=0),
        # Disclosure control held: suppressed rows show nothing, shown counts are never 1-4.
        e.ExpectColumnValuesToBeNull(column="value", row_condition="suppressed == True", condition_parser="pandas"),
        e.ExpectColumnValuesToBeNull(column="numerator", row_condition="suppressed == True", condition_parser="pandas"),
        e.ExpectColumnValuesToNotBeInSet(
            column="numerator", value_set=SMALL, row_condition=counts_shown, condition_parser="pandas"
        ),
        e.ExpectColumnValuesToNotBeInSet(
            column="denominator",
            value_set=SMALL,
            row_condition='unit in ["percent", "ratio"]',
            condition_parser="pandas",
        ),
    ]


def _loads_expectations(gx) -> list:
    e = gx.expectations
    accepted = 'status != "rejected"'
    return [
        e.ExpectColumnValuesToBeInSet(column="status", value_set=["accepted", "rejected", "superseded"]),
        # Row accounting: every row read is loaded or quarantined.
        e.ExpectColumnValuesToBeBetween(
            column="rows_unaccounted", min_value=0, max_value=0, row_condition=accepted, condition_parser="pandas"
        ),
        e.ExpectColumnValuesToNotBeNull(column="sha256"),
    ]


def run_quality_suite(
    dataset: pl.DataFrame, loads: pl.DataFrame, published_periods: list[tuple[str, str]], docs_dir: Path | None = None
) -> QualityResult:
    """Validate the published dataset and the loads; write data docs into `docs_dir`.

    `published_periods`: the (source, period type) pairs with a published period, from which
    the indicators the dataset must have follow (pipelines/publish/coverage.py)."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("published")
    ids = coverage(published_periods, []).expected_indicators
    loads = loads.with_columns(
        rows_unaccounted=(pl.col("rows_read") - pl.col("rows_loaded") - pl.col("rows_quarantined")).fill_null(0)
    )
    # Text columns as pandas categoricals: Great Expectations copies the whole frame for every
    # row condition, and copying pandas 3's Arrow-backed strings is what made the suite slow.
    panel = dataset.select(COLUMNS).with_columns(pl.col(pl.Utf8).cast(pl.Categorical))
    frames = {
        "panel_dataset": (panel.to_pandas(), _dataset_expectations(gx, ids)),
        "audit_loads": (loads.drop("loaded_at", strict=False).to_pandas(), _loads_expectations(gx)),
    }
    failed, evaluated, definitions, suites = [], 0, [], []
    for name, (frame, expectations) in frames.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definitions.append(
            (context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite)), frame)
        )
    for definition, frame in definitions:
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(name=f"{definition.name}_checkpoint", validation_definitions=[definition])
        )
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run in result.run_results.values():
            suites.append(_suite_result(definition.name, run, len(frame)))
            for r in run.results:
                evaluated += 1
                if not r.success:
                    config = r.expectation_config
                    column = config.kwargs.get("column") or config.kwargs.get("column_A") or ""
                    failed.append(f"{definition.name}: {config.type} {column}".strip())
    if docs_dir is not None:
        (docs_dir / "summary.json").write_text(
            json.dumps({"success": not failed, "evaluated": evaluated, "failed": failed}, indent=2) + "\n",
            encoding="utf-8",
        )
        validated = {"great_expectations_version": gx.__version__, "success": not failed,
                     "validated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "suites": suites}  # fmt: skip  # continued lines aligned under the opening bracket
        (docs_dir / "validation_results.json").write_text(
            json.dumps(validated, indent=2, default=str) + "\n", encoding="utf-8"
        )
        (docs_dir / "index.html").write_text(render_quality_page(validated), encoding="utf-8")
    return QualityResult(success=not failed, failed=failed, evaluated=evaluated)


# Of an expectation's result, only these aggregate figures are kept: the rest (partial lists of
# unexpected values and their indexes) would carry values of single rows.
RESULT_FIGURES = ("element_count", "missing_count", "unexpected_count", "unexpected_percent", "observed_value")
SUITE_TITLES = {"panel_dataset": "The Panel's dataset (after disclosure control)",
                "audit_loads": "The loads of the input files (audit.loads)"}  # fmt: skip  # continued lines aligned under the opening bracket


def _suite_result(name: str, run, rows: int) -> dict:
    """One suite's validation result as plain JSON: each expectation, its arguments and outcome."""
    expectations = []
    for r in run.results:
        config = r.expectation_config
        expectations.append({
            "expectation": config.type,
            "arguments": {k: v for k, v in config.kwargs.items() if k != "batch_id"},
            "success": bool(r.success),
            "result": {k: r.result[k] for k in RESULT_FIGURES if k in (r.result or {})},
        })  # fmt: skip  # several items to a line, grouped as they read
    met = sum(e["success"] for e in expectations)
    return {"suite": name, "title": SUITE_TITLES.get(name, name), "rows": rows,
            "success": met == len(expectations), "evaluated": len(expectations), "met": met,
            "expectations": expectations}  # fmt: skip  # continued lines aligned under the opening bracket


QUALITY_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
  color: #1b1b1b; background: #fff; line-height: 1.45; }
main { max-width: 75rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .5rem; } h2 { font-size: 1.3rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #0b6b2b; font-weight: 600; } .unmet { color: #a30d0d; font-weight: 700; }
code { font-size: .88rem; word-break: break-word; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _expectation_name(kind: str) -> str:
    return kind.removeprefix("expect_").replace("_", " ").capitalize()


def _rule(arguments: dict) -> str:
    """The expectation's arguments but its columns, as `name = value` lines."""
    hidden = ("column", "column_A", "column_B", "row_condition", "condition_parser")
    shown = {k: v for k, v in arguments.items() if k not in hidden and v is not None}
    lines = [f"<code>{_e(k)} = {_e(json.dumps(v, default=str))}</code>" for k, v in shown.items()]
    condition = arguments.get("row_condition")
    if isinstance(condition, dict):  # Great Expectations keeps a pandas condition as its filter text
        condition = condition.get("pass_through_filter", json.dumps(condition, default=str))
    if condition:
        lines.append(f"only the rows where <code>{_e(condition)}</code>")
    return "<br>".join(lines)


def _figure(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"<code>{_e(json.dumps(value, default=str))}</code>"


def render_quality_page(validated: dict) -> str:
    """quality/index.html: every expectation of every suite with its outcome; no script, no
    style sheet or font from elsewhere, so it reads the same offline."""
    suites = validated["suites"]
    met = sum(s["met"] for s in suites)
    evaluated = sum(s["evaluated"] for s in suites)
    verdict = ("Every expectation was met." if validated["success"]
               else f"{evaluated - met} expectation(s) not met: nothing was published.")  # fmt: skip  # continued lines aligned under the opening bracket
    parts = [
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Data-quality report</title>\n<style>{QUALITY_CSS}</style>\n</head>\n<body>\n<main>\n"
        "<h1>Data-quality report</h1>\n"
        f"<p>The Great Expectations suite (version {_e(validated['great_expectations_version'])}) run on this "
        f"release at {_e(validated['validated_at'])}: {met:,} of {evaluated:,} expectations met. {_e(verdict)}</p>\n"
        "<p>Only counts and table-level observations are shown, never the values of single rows; "
        "the same results are in <code>validation_results.json</code>.</p>\n"
    ]  # fmt: skip  # text broken where it reads, not where the formatter would
    for suite in suites:
        parts.append(f'<section id="{_e(suite["suite"])}">\n<h2>{_e(suite["title"])}</h2>\n'
                     f"<p>{suite['rows']:,} rows; {suite['met']:,} of {suite['evaluated']:,} expectations met.</p>\n"
                     "<table>\n<caption>Expectations of the suite <code>" + _e(suite["suite"]) + "</code></caption>\n"
                     "<thead><tr><th scope=\"col\">Expectation</th><th scope=\"col\">Column</th>"
                     "<th scope=\"col\">Rule</th><th scope=\"col\">Outcome</th><th scope=\"col\">Rows checked</th>"
                     "<th scope=\"col\">Rows not meeting it</th><th scope=\"col\">Observed</th></tr></thead>\n"
                     "<tbody>\n")  # fmt: skip  # text broken where it reads, not where the formatter would
        for x in suite["expectations"]:
            arguments, result = x["arguments"], x["result"]
            columns = " and ".join(str(arguments[k]) for k in ("column", "column_A", "column_B") if k in arguments)
            outcome = '<span class="met">met</span>' if x["success"] else '<span class="unmet">not met</span>'
            parts.append(
                f"<tr><td>{_e(_expectation_name(x['expectation']))}</td><td>{_e(columns) or 'the table'}</td>"
                f"<td>{_rule(arguments)}</td><td>{outcome}</td>"
                f'<td class="num">{_figure(result.get("element_count"))}</td>'
                f'<td class="num">{_figure(result.get("unexpected_count"))}</td>'
                f"<td>{_figure(result.get('observed_value'))}</td></tr>\n")  # fmt: skip  # text broken where it reads, not where the formatter would
        parts.append("</tbody>\n</table>\n</section>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)
