"""Time ``indicators.xlsx`` on a synthetic Panel dataset of about a million rows.

    .venv/bin/python benchmarks/spreadsheet_1m.py [ROWS] [--keep FILE]

The rows have the published columns and the shape of a scale-1 vintage: every indicator of
indicators.yml, quarters and financial years, the boroughs and London, several breakdowns,
about 10% suppressed and the end-to-end indicators' recent periods provisional. Prints the
time of ``write_indicators_xlsx`` and the file's size (decision 0033, docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.indicators.spec import load_spec
from pipelines.publish.dataset_format import DECIMALS
from pipelines.publish.spreadsheet import write_indicators_xlsx

BREAKDOWNS = [("total", ["ALL"]), ("ethnicity", ["WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "UNKNOWN"]),
              ("age_band", ["0-15", "16-24", "25-34", "35-44", "45-64", "65+"]),
              ("gender", ["F", "M", "UNKNOWN"])]  # fmt: skip  # one breakdown with its values to a line, as a table


def synthetic(rows: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    indicators = load_spec().indicators
    periods = [
        ("quarter", f"{2015 + y}/{16 + y} Q{q}", dt.date(2015 + y + (q == 4), (3 * q + 1) % 12 or 12, 1))
        for y in range(6)
        for q in range(1, 5)
    ]
    periods += [("financial_year", f"{2015 + y}/{16 + y}", dt.date(2015 + y, 4, 1)) for y in range(6)]
    places = [("borough", f"E09{k:06d}", f"Borough {k}") for k in range(1, 34)] + [("london", "E12000007", "London")]
    grid = pl.DataFrame(
        [(ptype, period, start, gtype, gcode, gname, b, v)
         for ptype, period, start in periods for gtype, gcode, gname in places
         for b, values in BREAKDOWNS for v in values],
        schema=["period_type", "period", "period_start", "geography_type", "geography_code", "geography_name",
                "breakdown", "breakdown_value"], orient="row",
    )  # fmt: skip  # continued lines aligned under the opening bracket
    per_indicator = -(-rows // len(indicators))
    categories = -(-per_indicator // grid.height)
    frames = []
    for ind in indicators:
        for k in range(categories):
            frames.append(
                grid.with_columns(
                    indicator_id=pl.lit(ind.id),
                    indicator_name=pl.lit(ind.name),
                    category=pl.lit(f"category_{k}"),
                    unit=pl.lit(ind.unit),
                )
            )
    df = pl.concat(frames).head(rows)
    n = df.height
    numerator = rng.integers(0, 3000, n)
    denominator = numerator + rng.integers(1, 3000, n)
    value = np.where(df["unit"] == "count", numerator, 100 * numerator / denominator)
    suppressed = rng.random(n) < 0.10
    provisional = df["indicator_id"].str.starts_with("e2e").to_numpy() & (rng.random(n) < 0.3)
    return df.with_columns(
        period_end=pl.col("period_start").dt.offset_by("3mo").dt.offset_by("-1d"),
        numerator=pl.Series(numerator),
        denominator=pl.when(pl.col("unit") == "count").then(None).otherwise(pl.Series(denominator)),
        value=pl.Series(value),
        ci_lower=pl.when(pl.col("unit") == "count").then(None).otherwise(pl.Series(value * 0.9)),
        ci_upper=pl.when(pl.col("unit") == "count").then(None).otherwise(pl.Series(value * 1.1)),
        comparison=pl.Series(rng.choice(["higher", "lower", "similar", "not_compared"], n)),
        suppressed=pl.Series(suppressed),
        note=pl.when(pl.Series(suppressed))
        .then(pl.lit("small number"))
        .when(pl.Series(provisional))
        .then(pl.lit("provisional"))
        .otherwise(None),
    ).filter(pl.col("unit").is_in(list(DECIMALS)))


def main() -> None:
    args = sys.argv[1:]
    keep = Path(args[args.index("--keep") + 1]) if "--keep" in args else None
    numbers = [a for a in args if a.isdigit()]
    dataset = synthetic(int(numbers[0]) if numbers else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or Path(tmp) / "indicators.xlsx"
        started = time.perf_counter()
        write_indicators_xlsx(dataset, path, vintage="20260101T000000Z")
        took = time.perf_counter() - started
        print(f"{dataset.height} rows: indicators.xlsx in {took:.1f} s, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
