"""Extract the PHE/UKHSA known answers used by tests/test_statistics.py into small CSVs.

The reference workbooks are the test data of the R package PHEindicatormethods
(ukhsa-collaboration/PHEindicatormethods, tests/testthat/testdata_Proportion.xlsx,
testdata_Rate.xlsx, testdata_Byars_Wilson.xlsx, commit 093fd288d8f8949dbcfbed70049dbbf385b6141d;
provenance in ../shared/reference/README.md section 8). They are copied into the test tree
as CSV once, so that the tests do not depend on ../shared being present where CI runs.

Run from the repository root, once (re-running gives byte-identical files):

    .venv/bin/python tests/data/phe_methods/extract.py [DIR_WITH_XLSX]

DIR_WITH_XLSX defaults to ../shared/reference/phe_methods beside the repository.

It writes, next to this script:

- ``wilson.csv``: every Wilson row (proportion sheets, and the Wilson rows of the
  Byars/Wilson sheet), at 95% and 99.8%, with the bad-input rows.
- ``poisson_exact.csv``: every rate row whose method is ``Exact`` (the package uses Byar's
  approximation from 10 events up; those rows are not exact Poisson and are left out), plus
  the deliberate bad-input rows (numerator or denominator ``None``), at 95% and 99.8%.

Columns: ``source`` (workbook!sheet:row), ``area``, ``numerator``, ``denominator``,
``multiplier`` (1 = proportion of 1, 100 = percentage, or the rate's per-N), ``confidence``
(0.95 or 0.998), ``lower``, ``upper``. A blank cell is a ``None`` of the workbook; a row with
a blank numerator or denominator is a bad-input row with blank expected limits. Floats are
written with ``repr`` so that they round-trip exactly.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[3] / "shared" / "reference" / "phe_methods"
COLUMNS = ["source", "area", "numerator", "denominator", "multiplier", "confidence", "lower", "upper"]
CONFIDENCE = {"95%": 0.95, "99.8%": 0.998}


def _rows(path: Path):
    """Yield (source, sheet, header-keyed dict) for every non-empty row of a workbook."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = next(rows)
        for number, values in enumerate(rows, start=2):
            if all(v is None for v in values):
                continue
            yield f"{path.name}!{ws.title}:{number}", ws.title, dict(zip(header, values))


def _wide(source, row, method):
    """A sheet with lower95_0cl/upper95_0cl/lower99_8cl/upper99_8cl columns: two records."""
    if row["method"] not in (method, None):
        return []
    return [
        [source, row["Area"], row["Numerator"], row["Denominator"], row["multiplier"], 0.95,
         row["lower95_0cl"], row["upper95_0cl"]],
        [source, row["Area"], row["Numerator"], row["Denominator"], row["multiplier"], 0.998,
         row["lower99_8cl"], row["upper99_8cl"]],
    ]


def _long(source, row, method):
    """A sheet with lowercl/uppercl/confidence columns (the *_g sheets): one record."""
    if row["method"] not in (method, None):
        return []
    return [[source, row["Area"], row["Numerator"], row["Denominator"], row["multiplier"],
             CONFIDENCE[row["confidence"]], row["lowercl"], row["uppercl"]]]




def extract(source_dir: Path) -> dict[str, list[list]]:
    wilson: list[list] = []
    exact: list[list] = []
    for source, sheet, row in _rows(source_dir / "testdata_Proportion.xlsx"):
        wilson += (_wide if sheet == "testdata_Prop" else _long)(source, row, "Wilson")
    for source, sheet, row in _rows(source_dir / "testdata_Rate.xlsx"):
        bad = row["Numerator"] is None or row["Denominator"] is None
        # Bad-input rows carry method None or Byars; they are kept as "expect NaN" cases.
        records = (_wide if sheet == "testdata_Rate" else _long)(source, row, row["method"])
        if row["method"] == "Exact" or bad:
            exact += records
    for source, _sheet, row in _rows(source_dir / "testdata_Byars_Wilson.xlsx"):
        if row["method"] == "Wilson":
            wilson.append([source, "", row["x"], row["n"], 1, CONFIDENCE[row["confidence"]],
                           row["lowercl"], row["uppercl"]])
    return {"wilson.csv": wilson, "poisson_exact.csv": exact}


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def main(argv: list[str]) -> None:
    source_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    for name, records in extract(source_dir).items():
        with open(HERE / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([_cell(v) for v in rec] for rec in records)
        print(f"{name}: {len(records)} rows")


if __name__ == "__main__":
    main(sys.argv)
