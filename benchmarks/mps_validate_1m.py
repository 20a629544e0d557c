"""Time reading and validating a synthetic 1-million-row mps_crimes file.

    .venv/bin/python benchmarks/mps_validate_1m.py [ROWS]

The file is generated with vectorised polars in a temporary folder and deleted after; about
2% of rows break a rule (several kinds), so the quarantine path is timed too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.landing.files import SOURCES
from pipelines.landing.read import read_raw
from pipelines.landing.validate import validate


def synthetic(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 90, n)
    codes = np.array(["8G", "19C", "20A", "8L", "105A", "4.1", "88A", "5A", "8Q", "17A"])
    outcome = np.array(["", "", "", "16", "14", "1", "18", "01"])
    frame = pl.DataFrame(
        {
            "i": np.arange(n),
            "d": day,
            "code": codes[rng.integers(0, len(codes), n)],
            "outcome": outcome[rng.integers(0, len(outcome), n)],
            "age": rng.integers(0, 95, n),
            "bad": rng.random(n),
        }
    )
    reported = pl.date(2012, 1, 1) + pl.duration(days=pl.col("d"))
    return frame.select(
        crime_ref=pl.format("{}/12", (pl.col("i") + 1_000_000).cast(pl.Utf8).str.zfill(7)),
        last_modified=(reported.cast(pl.Datetime) + pl.duration(hours=10)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        borough_code=pl.format("E090000{}", (pl.col("i") % 32 + 2).cast(pl.Utf8).str.zfill(2)),
        reported_date=reported.dt.strftime("%d/%m/%Y"),
        recorded_date=pl.when(pl.col("bad") < 0.005)
        .then(pl.lit("2011-12-31"))  # recorded before reported
        .otherwise(reported.dt.strftime("%Y-%m-%d")),
        offence_date=pl.when(pl.col("i") % 5 == 0)
        .then(None)
        .otherwise((reported - pl.duration(days=1)).dt.strftime("%d/%m/%Y")),
        ho_offence_code=pl.col("code"),
        classification=pl.when(pl.col("bad").is_between(0.005, 0.01)).then(pl.lit("CRIMEX")).otherwise(pl.lit("CRIME")),
        no_crime_date=pl.lit(None, pl.Utf8),
        flag_domestic=pl.when(pl.col("i") % 3 == 0).then(pl.lit("Y")).otherwise(pl.lit("N")),
        flag_honour=pl.lit("N"),
        flag_forced_marriage=pl.lit("N"),
        flag_fgm=pl.lit(""),
        flag_multiple_perpetrator=pl.lit("N"),
        outcome_type=pl.col("outcome"),
        outcome_date=pl.when(pl.col("outcome") != "").then(pl.lit("28/03/2012")).otherwise(pl.lit("")),
        cps_urn=pl.when(pl.col("outcome") == "1").then(pl.lit("01KD1234512")),
        victim_sex=pl.lit("F"),
        victim_age=pl.when(pl.col("bad").is_between(0.01, 0.015))
        .then(pl.lit("abc"))
        .otherwise(pl.col("age").cast(pl.Utf8)),
        victim_sde=pl.lit("B2"),
        victim_ic=pl.lit("IC3"),
        victim_disability=pl.lit("N"),
        victim_sexuality=pl.lit("NS"),
        suspect_sex=pl.lit("M"),
        suspect_age=pl.lit("36.0"),
        suspect_sde=pl.when(pl.col("bad") > 0.99).then(pl.lit("")).otherwise(pl.lit("W1")),
        victim_name=pl.lit("Jane Doe"),  # an unlisted personal-data column, dropped
    )


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mps_crimes" / "2012-01.csv"
        path.parent.mkdir()
        t0 = time.perf_counter()
        synthetic(rows).write_csv(path)
        t1, c1 = time.perf_counter(), time.process_time()
        raw = read_raw(path, SOURCES["mps_crimes"].columns)
        t2, c2 = time.perf_counter(), time.process_time()
        result = validate("mps_crimes", raw, "2012-01")
        t3, c3 = time.perf_counter(), time.process_time()
    print(f"rows: {rows:,}, file written in {t1 - t0:.2f} s")
    # CPU time is the sum over polars' threads: on a busy machine it is the steadier figure.
    print(f"read_raw: {t2 - t1:.2f} s wall, {c2 - c1:.2f} s CPU")
    print(f"validate: {t3 - t2:.2f} s wall, {c3 - c2:.2f} s CPU")
    print(
        f"accepted {result.rows_loaded:,}, quarantined {result.rows_quarantined:,}, "
        f"warnings {result.warning_total:,}, dropped {list(result.columns_dropped)}"
    )
    print(result.quarantine.group_by("rule").len().sort("rule"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
