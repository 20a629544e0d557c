"""Synthetic Forced Marriage Unit extracts (``<landing>/fmu_cases/<YYYY-MM>.xlsx``), spec:
``extracts.md`` section 4.

One row per case opened in the quarter, UK-wide. Each file is an ``.xlsx`` workbook whose first
sheet starts with the header row (no title) in the spreadsheet headings of the spec
(``Case Reference``, ``Date Opened``, ``UK Region``, ``Gender``, ``Age Band``, ``Focus Country``,
``Disability``, ``LGBT``, ``Case Type``) and holds ``Date Opened`` as real Excel date cells.

Calibration (``YEAR_TOTALS``; cases by calendar year of ``Date Opened``, counted on the rows the
project's reader and validator accept) -- exact at scale 1, and ``round(target x scale)`` (half
up) at other scales, for any range that covers the whole calendar year:

====  =========  ==============
year  UK cases   UK Region London
====  =========  ==============
2008  1,618      339 (21.0%)
2009  1,682      353
2010  1,735      364
2011  1,468      294
2012  1,485      297
====  =========  ==============

The UK totals of 2008-2012 are those published by the FMU; the London counts other than 2008's
are illustrative (about 20%). From 2013 the UK totals follow the FMU's annual statistics as
recalled (1,302, 1,267, 1,220, 1,428, 1,196, 1,764, 1,355 in 2013-2019, London 20%); years
before 2008 take 1,550 (London 320) and years after 2019 repeat 2019. A year is split over its
quarters by ``QUARTER_WEIGHTS`` (more in the summer holidays) with the largest-remainder method,
separately for London and the other regions, so the yearly counts are exact.

Cases, per row (independent draws):

* ``UK Region`` for the cases outside London (``REGIONS``): West Midlands 20%, Yorkshire and the
  Humber 14%, South East 12%, North West 12%, East Midlands 9%, East of England 7%, North East 4%,
  South West 4%, Wales 3%, Scotland 3%, Northern Ireland 1%, ``Unknown`` 5%, blank 1%.
* ``Gender``: Female 82% (80% to 84% by quarter), Male the rest but for 0.5% ``Unknown`` and 0.3%
  blank.
* ``Age Band``: Under 16 14%, 16-17 17%, 18-21 27%, 22-25 15%, 26-30 9%, 31-40 6%, 41+ 2%,
  Unknown 10%.
* ``Focus Country`` (``COUNTRIES``): Pakistan 47%, Bangladesh 10%, India 8%, Afghanistan 3%,
  Somalia 3%, United Kingdom 3% (the marriage takes place in the UK), Iraq 2%, Turkey 2%,
  Nigeria 1.5% ... ``Unknown`` 5%, blank 0.5%.
* ``Disability``: Yes 3%, No 85%, Unknown 11.5%, blank 0.5%. ``LGBT``: Yes 1.5%, No 80%,
  Unknown 18%, blank 0.5%.
* ``Case Type``: Support 55%, Advice 35%, Overseas assistance 10%.
* ``Date Opened``: a working day of the quarter for 96% of cases, a weekend day otherwise.
* ``Case Reference``: ``FMU/<year>/<serial>``, serials increasing with the date within the year,
  with gaps (unique across files).

Deliberately invalid rows (``JUNK_TYPES``; one to three per file), extra rows with their own
references (serials above any real one):

* ``duplicate_reference`` -- two rows sharing one ``Case Reference`` (both ``duplicate_key``);
* ``date_outside_quarter`` -- a ``Date Opened`` cell in the quarter before or after the file's;
* ``blank_reference`` / ``blank_date`` -- a required cell left empty;
* ``us_date`` -- ``Date Opened`` typed as text month first with a day above 12 (``01/13/2008``);
* ``repeats_earlier_file`` -- a valid-looking row whose ``Case Reference`` is one of the previous
  quarter's file (quarantined across files; only written when that file is written too).

Export variation per file: the headings' case (as the spec 70%, lower 10%, upper 10%, stray
spaces 10%), the date cells' number format (``dd/mm/yyyy``, ``d mmm yyyy``, ``yyyy-mm-dd``), code
values in lower case in 3% of the rows of some files, stray spaces around some values. Rows are in
``Date Opened`` order.

Reproducibility: randomness comes from ``derive_rng(seed, 'fmu_cases', ...)`` keyed by quarter, and
each workbook is written by xlsxwriter with fixed document properties (created: ten days after
the quarter ends, 09:00), so the same arguments give byte-identical ``.xlsx`` files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xlsxwriter

from pipelines.sample.common import (
    date_of_day,
    derive_rng,
    draw_categorical,
    largest_remainder,
    quarter_end_date,
    quarter_end_days,
    quarter_name,
    quarter_start_days,
    quarters_overlapping,
    scaled,
)

SOURCE = "fmu_cases"

HEADINGS = ["Case Reference", "Date Opened", "UK Region", "Gender", "Age Band", "Focus Country",
            "Disability", "LGBT", "Case Type"]  # fmt: skip  # continued lines aligned under the opening bracket

#: Calendar year -> (UK cases opened, of which UK Region London) at scale 1.
YEAR_TOTALS: dict[int, tuple[int, int]] = {
    2007: (1550, 320),
    2008: (1618, 339),
    2009: (1682, 353),
    2010: (1735, 364),
    2011: (1468, 294),
    2012: (1485, 297),
    2013: (1302, 260),
    2014: (1267, 253),
    2015: (1220, 244),
    2016: (1428, 286),
    2017: (1196, 239),
    2018: (1764, 353),
    2019: (1355, 271),
}
#: Share of a year's cases in its Jan, Apr, Jul and Oct quarters.
QUARTER_WEIGHTS = np.array([0.24, 0.26, 0.28, 0.22])

#: Regions of the cases outside London ('' = blank cell).
REGIONS: dict[str, float] = {
    "West Midlands": 20, "Yorkshire and the Humber": 14, "South East": 12, "North West": 12,
    "East Midlands": 9, "East of England": 7, "North East": 4, "South West": 4, "Wales": 3,
    "Scotland": 3, "Northern Ireland": 1, "Unknown": 5, "": 1,
}  # fmt: skip  # several items to a line, grouped as they read
AGE_BANDS: dict[str, float] = {
    "Under 16": 14, "16-17": 17, "18-21": 27, "22-25": 15, "26-30": 9, "31-40": 6, "41+": 2,
    "Unknown": 10,
}  # fmt: skip  # several items to a line, grouped as they read
COUNTRIES: dict[str, float] = {
    "Pakistan": 47, "Bangladesh": 10, "India": 8, "Afghanistan": 3, "Somalia": 3,
    "United Kingdom": 3, "Iraq": 2, "Turkey": 2, "Nigeria": 1.5, "Sri Lanka": 1, "Iran": 1,
    "Yemen": 1, "Gambia": 1, "Egypt": 0.7, "Saudi Arabia": 0.6, "Morocco": 0.6, "Algeria": 0.5,
    "Ghana": 0.5, "Romania": 0.5, "Somaliland": 0.4, "Syria": 0.4, "Libya": 0.3, "Kosovo": 0.3,
    "Albania": 0.3, "Jordan": 0.3, "Sudan": 0.3, "Nepal": 0.2, "China": 0.2, "Unknown": 5,
    "": 0.5,
}  # fmt: skip  # several items to a line, grouped as they read
DISABILITY: dict[str, float] = {"Yes": 3, "No": 85, "Unknown": 11.5, "": 0.5}
LGBT: dict[str, float] = {"Yes": 1.5, "No": 80, "Unknown": 18, "": 0.5}
CASE_TYPES: dict[str, float] = {"Support": 55, "Advice": 35, "Overseas assistance": 10}

JUNK_TYPES: dict[str, str] = {
    "duplicate_reference": "duplicate_key",
    "date_outside_quarter": "date_outside_quarter",
    "blank_reference": "required_missing",
    "blank_date": "required_missing",
    "us_date": "invalid_date",
    "repeats_earlier_file": "duplicate_key_across_files",
}
DATE_FORMATS = ("dd/mm/yyyy", "d mmm yyyy", "yyyy-mm-dd")
CODE_HEADINGS = ("UK Region", "Gender", "Age Band", "Disability", "LGBT", "Case Type")


# --------------------------------------------------------------------------------------------
# Volumes
# --------------------------------------------------------------------------------------------
def year_totals(year: int) -> tuple[int, int]:
    """(UK cases, London cases) opened in a calendar year at scale 1."""
    years = sorted(YEAR_TOTALS)
    return YEAR_TOTALS[min(max(year, years[0]), years[-1])]


def quarter_counts(year: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(UK cases, London cases) of the four quarters of a calendar year: exact splits of the
    year's ``round(target x scale)``."""
    uk, london = year_totals(year)
    uk_s, london_s = scaled(uk, scale), scaled(london, scale)
    london_q = largest_remainder(london_s, QUARTER_WEIGHTS)
    other_q = largest_remainder(uk_s - london_s, QUARTER_WEIGHTS)
    return london_q + other_q, london_q


def _serials(q: int, scale: float, seed: int) -> np.ndarray:
    """Sorted reference serials of quarter ``q``'s cases: increasing, with gaps, unique in the year."""
    uk_q, _ = quarter_counts(q // 4, scale)
    n = int(uk_q[q % 4])
    offset = 2 * int(uk_q[: q % 4].sum())
    rng = derive_rng(seed, SOURCE, "references", q)
    return offset + 1 + np.sort(rng.choice(2 * n, size=n, replace=False)) if n else np.zeros(0, np.int64)


def _reference(year: int, serial: int) -> str:
    return f"FMU/{year}/{serial:04d}"


def _pick(rng: np.random.Generator, table: dict[str, float], n: int) -> list[str]:
    labels = list(table)
    return [labels[int(i)] for i in draw_categorical(rng, np.array(list(table.values())), n)]


def _days(q: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted opening days of the quarter: working days 96%, weekends 4%."""
    first = int(quarter_start_days(np.array([q]))[0])
    last = int(quarter_end_days(np.array([q]))[0])
    days = np.arange(first, last + 1)
    weekend = (days + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    weights = np.where(weekend, 0.04 / weekend.sum(), 0.96 / (~weekend).sum())
    return np.sort(days[draw_categorical(rng, weights, n)])


def _cases(q: int, scale: float, seed: int) -> list[list]:
    """The valid cases of quarter ``q`` as rows of cell values (dates as ``dt.date``; '' blank)."""
    uk_q, london_q = quarter_counts(q // 4, scale)
    n, n_london = int(uk_q[q % 4]), int(london_q[q % 4])
    rng = derive_rng(seed, SOURCE, "cases", q)
    regions = ["London"] * n_london + _pick(rng, REGIONS, n - n_london)
    order = rng.permutation(n)
    regions = [regions[int(i)] for i in order]
    female = 0.82 + 0.02 * np.sin(q)  # 80%-84%, varying by quarter
    genders = _pick(rng, {"Female": female, "Male": 0.992 - female, "Unknown": 0.005, "": 0.003}, n)
    ages = _pick(rng, AGE_BANDS, n)
    countries = _pick(rng, COUNTRIES, n)
    disability = _pick(rng, DISABILITY, n)
    lgbt = _pick(rng, LGBT, n)
    types = _pick(rng, CASE_TYPES, n)
    days = _days(q, n, rng)
    serials = _serials(q, scale, seed)
    year = q // 4
    return [
        [_reference(year, int(serials[i])), date_of_day(int(days[i])), regions[i], genders[i],
         ages[i], countries[i], disability[i], lgbt[i], types[i]]
        for i in range(n)
    ]  # fmt: skip  # several items to a line, grouped as they read


def _junk(q: int, scale: float, seed: int, previous_written: bool, rng: np.random.Generator) -> list[list]:
    """One to three invalid extra rows for quarter ``q``'s file."""
    names = [t for t in JUNK_TYPES if previous_written or t != "repeats_earlier_file"]
    first = int(quarter_start_days(np.array([q]))[0])
    last = int(quarter_end_days(np.array([q]))[0])
    year = q // 4
    uk_q, _ = quarter_counts(year, scale)
    serial = 2 * int(uk_q.sum()) + 1 + 100 * (q % 4)
    rows: list[list] = []
    for k in range(int(rng.integers(1, 4))):
        kind = names[int(rng.integers(0, len(names)))]
        day = date_of_day(int(rng.integers(first, last + 1)))
        row = [_reference(year, serial + k), day, _pick(rng, REGIONS, 1)[0], "Female", "18-21",
               "Pakistan", "No", "No", "Support"]  # fmt: skip  # continued lines aligned under the opening bracket
        if kind == "date_outside_quarter":
            shift = int(rng.integers(1, 30))
            row[1] = date_of_day(first - shift if rng.random() < 0.5 else last + shift)
        elif kind == "blank_reference":
            row[0] = ""
        elif kind == "blank_date":
            row[1] = ""
        elif kind == "us_date":
            row[1] = f"{day.month:02d}/{max(day.day, 13):02d}/{day.year}"
        elif kind == "repeats_earlier_file":
            earlier = _serials(q - 1, scale, seed)
            if not len(earlier):
                continue
            row[0] = _reference((q - 1) // 4, int(earlier[int(rng.integers(0, len(earlier)))]))
        rows.append(row)
        if kind == "duplicate_reference":
            twin = list(row)
            twin[4] = "22-25"
            rows.append(twin)
    return rows


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------
def _headings(rng: np.random.Generator) -> list[str]:
    style = int(draw_categorical(rng, np.array([0.70, 0.10, 0.10, 0.10]), 1)[0])
    if style == 1:
        return [h.lower() for h in HEADINGS]
    if style == 2:
        return [h.upper() for h in HEADINGS]
    if style == 3:
        return [f" {h} " if i % 3 == 1 else h for i, h in enumerate(HEADINGS)]
    return list(HEADINGS)


def _messy(rows: list[list], rng: np.random.Generator) -> None:
    """Lower-case code values in some rows and pad some values with spaces, in place."""
    lower_rate = 0.03 if rng.random() < 0.3 else 0.0
    pad_rate = 0.02 if rng.random() < 0.3 else 0.0
    code_positions = [HEADINGS.index(h) for h in CODE_HEADINGS]
    for row in rows:
        if lower_rate and rng.random() < lower_rate:
            for i in code_positions:
                row[i] = row[i].lower()
        if pad_rate and rng.random() < pad_rate:
            i = int(rng.integers(2, len(row)))
            if row[i]:
                row[i] = f" {row[i]} "


def _write_workbook(path: Path, q: int, headings: list[str], rows: list[list], date_format: str) -> Path:
    created = dt.datetime.combine(quarter_end_date(q) + dt.timedelta(days=10), dt.time(9, 0))
    # in memory: the zip entries get a fixed date, no temporary files are involved
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    try:
        workbook.set_properties({
            "title": "Forced Marriage Unit cases opened", "author": "Forced Marriage Unit",
            "company": "Foreign and Commonwealth Office / Home Office", "created": created,
        })  # fmt: skip  # several items to a line, grouped as they read
        sheet = workbook.add_worksheet("Cases")
        bold = workbook.add_format({"bold": True})
        dates = workbook.add_format({"num_format": date_format})
        for c, heading in enumerate(headings):
            sheet.write_string(0, c, heading, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
                elif value != "":
                    sheet.write_string(r, c, value)
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 1, 12)
        sheet.set_column(2, len(headings) - 1, 14)
        sheet.freeze_panes(1, 0)
    finally:
        workbook.close()
    return path


def write_fmu_cases(landing: Path, start: str, end: str, scale: float = 1.0, seed: int = 1) -> list[Path]:
    """Write <landing>/fmu_cases/<YYYY-MM>.xlsx for every calendar quarter overlapping the months
    start..end ('YYYY-MM')."""
    quarters = quarters_overlapping(start, end)
    out_dir = Path(landing) / SOURCE
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for q in quarters:
        rng = derive_rng(seed, SOURCE, "file", q)
        headings = _headings(rng)
        date_format = DATE_FORMATS[int(rng.integers(0, len(DATE_FORMATS)))]
        rows = _cases(q, scale, seed) + _junk(q, scale, seed, q - 1 in quarters, rng)
        # in date order (a blank or text date goes last), then by reference
        rows.sort(key=lambda r: (r[1] if isinstance(r[1], dt.date) else dt.date.max, r[0]))
        _messy(rows, rng)
        paths.append(_write_workbook(out_dir / f"{quarter_name(q)}.xlsx", q, headings, rows, date_format))
    return paths


__all__ = ["write_fmu_cases", "HEADINGS", "YEAR_TOTALS", "JUNK_TYPES", "quarter_counts", "year_totals"]
