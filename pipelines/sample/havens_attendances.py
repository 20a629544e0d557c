"""Synthetic Havens extracts (``<landing>/havens_attendances/<YYYY-MM>.csv``), spec: ``extracts.md``
section 3.

One row per client attendance at one of London's three Sexual Assault Referral Centres, for the
attendances of the file's quarter. The file of a quarter never depends on the other quarters asked
for, except that a deliberately invalid row may repeat an ``attendance_id`` of the previous
quarter's file when that file is also written.

Volumes (scale 1; ``ANNUAL_VOLUMES``, attendances by calendar year of ``attendance_date``): 1,800 in
2007, 1,880 in 2008, 2,010 in 2009, 2,120 in 2010, 2,060 in 2011, 1,970 in 2012, 1,930 in 2013
(years before 2005 repeat 2005, after 2016 repeat 2016). At other scales the year's count is
``round(volume x scale)`` (half up). A year is split over its quarters by ``QUARTER_WEIGHTS`` (more
in the summer) with the largest-remainder method, so a whole year's valid rows add up exactly;
within a quarter, weekends are 1.3 times as busy as weekdays.

Attendances, per row (independent draws unless stated):

* ``haven``: Camberwell 42%, Paddington 33%, Whitechapel 25% (``HAVEN_SHARES``).
* ``residence_borough_code``: from the Haven's catchment (``CATCHMENTS``: south London for
  Camberwell, west and north-west for Paddington, east and north-east for Whitechapel) for 83%,
  any other London borough 10%, ``OUTSIDE_LONDON`` 5%, blank 2%.
* ``referral_route``: ``SELF`` rises from 15% in 2007 to 25% in 2013 (linear by quarter, held at
  12%-30% outside), ``POLICE`` is 83% minus the self share (68% in 2007, 58% in 2013), ``HEALTH``
  10%, ``OTHER_AGENCY`` 6.5%, blank or an unlisted route (``GP``) 0.5%.
* ``assault_type``: ``RAPE`` 70%, ``SEXUAL_ASSAULT`` 22%, ``OTHER`` 8%.
* ``acute`` (within 7 days): Y 75%, N 23%, blank 2%. ``forensic_exam``: 88% Y for acute
  attendances, 4% for the others, blank for half of those whose acuteness is blank.
* ``reported_to_police``: police referrals Y 97%, U 2%, blank 1%; others Y 20%, N 66%, U 12%,
  blank 2% (about 70% Y overall).
* ``client_gender`` (NHS): 2 female 90%, 1 male 8.5%, 9 0.5%, X 1%.
* ``client_age``: 0-12 3%, 13-15 9%, 16-25 40%, 26-35 25%, 36-45 13%, 46-60 8%, 61-90 2%;
  blank 1.5%, an unreadable value (``adult``) 0.1%.
* ``client_ethnicity``: NHS categories in a London-like mix (``ETHNICITY``: A 40%, C 9%, N 8%,
  M 6%, H 4% ...), with Z 8% and 99 2%; blank 1%.
* ``client_disability``: N 80%, Y 8%, Z 12%; blank 1%.
* ``client_sexuality``: 1 70%, Z 15%, 9 5%, 2 4%, 3 3%, U 2%, 4 1%; blank 1%.
* ``client_ref``: ``CL-`` + a serial; about 5% of attendances are by a client who attended in one
  of the four quarters before: the row then carries that client's ref, Haven, residence and
  characteristics (age plus the years elapsed). ``client_ref`` is blank for 0.5%.
* ``attendance_id``: ``HV-<year>-<serial>``, serials increasing with the date within a year, with
  gaps (unique across files).

Deliberately invalid rows (``JUNK_TYPES``; Poisson with mean 0.1% of the rows of each file): extra
rows with their own ``attendance_id`` (serials above any real one), never a real attendance:

* ``blank_required`` -- ``attendance_id``, ``attendance_date``, ``haven`` or ``assault_type`` blank;
* ``unknown_haven`` -- ``haven`` ``KINGS`` or ``ST MARYS``;
* ``unknown_assault_type`` -- ``assault_type`` ``ASSAULT``;
* ``impossible_date`` -- ``attendance_date`` such as ``30/02/2012``;
* ``year_typo`` -- ``attendance_date`` with a mistyped year before 1900 (``0212-01-05``);
* ``date_outside_quarter`` -- ``attendance_date`` in the quarter before or after the file's;
* ``duplicate_id`` -- two rows sharing one ``attendance_id`` (both ``duplicate_key``);
* ``repeats_earlier_file`` -- a valid-looking row whose ``attendance_id`` is one of the previous
  quarter's file (quarantined across files; only written when that file is written too).

Export mess per file (``pipelines.sample.common.choose_style``): BOM or Windows-1252, CRLF, blank
lines, shuffled columns, header case, ``DD/MM/YYYY``/``D/M/YYYY``/ISO/midnight-suffixed dates, lower
case codes, stray spaces, quoted fields, ``34.0`` ages. A blank is never written for ``N`` (for the
Havens a blank ``acute`` is unknown, not N).

Reproducibility: all randomness comes from ``derive_rng(seed, 'havens_attendances', ...)`` keyed by
quarter, so the same arguments give byte-identical files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.sample.common import (
    apply_cell_mess,
    choose_style,
    date_of_day,
    derive_rng,
    draw_categorical,
    format_dates,
    format_integers,
    largest_remainder,
    quarter_end_days,
    quarter_name,
    quarter_start_days,
    quarters_overlapping,
    scaled,
    write_messy_csv,
)

SOURCE = "havens_attendances"

COLUMNS = [
    "attendance_id", "client_ref", "attendance_date", "haven", "referral_route", "assault_type",
    "acute", "forensic_exam", "reported_to_police", "client_gender", "client_age",
    "client_ethnicity", "client_disability", "client_sexuality", "residence_borough_code",
]  # fmt: skip  # several items to a line, grouped as they read
CODE_COLUMNS = [
    "haven", "referral_route", "assault_type", "acute", "forensic_exam", "reported_to_police",
    "client_gender", "client_ethnicity", "client_disability", "client_sexuality",
    "residence_borough_code",
]  # fmt: skip  # several items to a line, grouped as they read
PAD_COLUMNS = [*CODE_COLUMNS, "client_age", "client_ref"]

#: Attendances per calendar year at scale 1.
ANNUAL_VOLUMES: dict[int, int] = {
    2005: 1650, 2006: 1720, 2007: 1800, 2008: 1880, 2009: 2010, 2010: 2120, 2011: 2060,
    2012: 1970, 2013: 1930, 2014: 2050, 2015: 2200, 2016: 2300,
}  # fmt: skip  # several items to a line, grouped as they read
#: Share of a year's attendances in its Jan, Apr, Jul and Oct quarters.
QUARTER_WEIGHTS = np.array([0.235, 0.250, 0.270, 0.245])

HAVENS = ["CAMBERWELL", "PADDINGTON", "WHITECHAPEL"]
HAVEN_SHARES = np.array([0.42, 0.33, 0.25])


def _b(*n: int) -> list[str]:
    return [f"E090000{i:02d}" for i in n]


BOROUGHS = _b(*range(1, 34))
#: Boroughs of residence of each Haven's clients (weights: the first ones more often).
CATCHMENTS: dict[str, list[str]] = {
    # Lambeth, Southwark, Lewisham, Croydon, Greenwich, Wandsworth, Bromley, Merton, Bexley,
    # Sutton, Kingston upon Thames
    "CAMBERWELL": _b(22, 28, 23, 8, 11, 32, 6, 24, 4, 29, 21),
    # Westminster, Brent, Ealing, Kensington and Chelsea, Hammersmith and Fulham, Camden,
    # Hillingdon, Hounslow, Harrow, Barnet, Richmond upon Thames
    "PADDINGTON": _b(33, 5, 9, 20, 13, 7, 17, 18, 15, 3, 27),
    # Tower Hamlets, Hackney, Newham, Islington, Waltham Forest, Haringey, Redbridge, Barking
    # and Dagenham, Enfield, Havering, City of London
    "WHITECHAPEL": _b(30, 12, 25, 19, 31, 14, 26, 2, 10, 16, 1),
}
_CATCHMENT_WEIGHTS = np.array([16, 15, 13, 11, 10, 9, 8, 6, 5, 4, 3], dtype=float)

ROUTES = ["POLICE", "SELF", "HEALTH", "OTHER_AGENCY", "", "GP"]
ASSAULT_TYPES = ["RAPE", "SEXUAL_ASSAULT", "OTHER"]
ASSAULT_SHARES = np.array([0.70, 0.22, 0.08])
GENDERS = ["2", "1", "9", "X"]
GENDER_SHARES = np.array([0.90, 0.085, 0.005, 0.01])
#: NHS ethnic category -> share (normalised), London-like with Z/99 about 10%.
ETHNICITY: dict[str, float] = {
    "A": 40, "B": 2, "C": 9, "D": 2, "E": 1, "F": 1, "G": 1.5, "H": 4, "J": 2, "K": 2.5,
    "L": 3, "M": 6, "N": 8, "P": 2, "R": 1, "S": 2.5, "Z": 8, "99": 2, "": 1,
}  # fmt: skip  # several items to a line, grouped as they read
DISABILITY = ["N", "Y", "Z", ""]
DISABILITY_SHARES = np.array([0.80, 0.08, 0.11, 0.01])
SEXUALITY = ["1", "Z", "9", "2", "3", "U", "4", ""]
SEXUALITY_SHARES = np.array([0.70, 0.14, 0.05, 0.04, 0.03, 0.02, 0.01, 0.01])
#: Age groups (low, high inclusive) and their shares.
AGE_GROUPS = [(0, 12), (13, 15), (16, 25), (26, 35), (36, 45), (46, 60), (61, 90)]
AGE_SHARES = np.array([0.03, 0.09, 0.40, 0.25, 0.13, 0.08, 0.02])
RETURNING_RATE = 0.05

JUNK_TYPES: dict[str, str] = {
    "blank_required": "required_missing",
    "unknown_haven": "invalid_code",
    "unknown_assault_type": "invalid_code",
    "impossible_date": "invalid_date",
    "year_typo": "date_out_of_range",
    "date_outside_quarter": "date_outside_quarter",
    "duplicate_id": "duplicate_key",
    "repeats_earlier_file": "duplicate_key_across_files",
}
JUNK_RATE = 0.001
#: Client serials start here, counting every attendance slot from the first quarter of 1990.
_CLIENT_BASE = 10_000
_FIRST_QUARTER = 1990 * 4


# --------------------------------------------------------------------------------------------
# Volumes
# --------------------------------------------------------------------------------------------
def annual_volume(year: int) -> int:
    """Attendances in a calendar year at scale 1."""
    years = sorted(ANNUAL_VOLUMES)
    return ANNUAL_VOLUMES[min(max(year, years[0]), years[-1])]


def quarter_counts(year: int, scale: float) -> np.ndarray:
    """Valid attendances in the four quarters of a calendar year (exact split of the year)."""
    return largest_remainder(scaled(annual_volume(year), scale), QUARTER_WEIGHTS)


def quarter_count(q: int, scale: float) -> int:
    return int(quarter_counts(q // 4, scale)[q % 4])


def _client_serial_base(q: int, scale: float) -> int:
    """First client serial of quarter ``q``: every slot of every earlier quarter has its own."""
    years = range(_FIRST_QUARTER // 4, q // 4)
    before = sum(int(quarter_counts(y, scale).sum()) for y in years)
    return _CLIENT_BASE + before + int(quarter_counts(q // 4, scale)[: q % 4].sum())


def self_share(q: int) -> float:
    """Share of self-referrals in quarter ``q``: 15% in 2007 to 25% in 2013, linear."""
    t = q / 4 + 0.125  # mid-quarter, in years
    return float(np.clip(0.15 + (t - 2007.5) * (0.10 / 6), 0.12, 0.30))


# --------------------------------------------------------------------------------------------
# Clients and attendances of one quarter
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _clients(q: int, scale: float, seed: int) -> dict[str, np.ndarray]:
    """The client drawn for each attendance slot of quarter ``q`` (before returning clients are
    put in): Haven, residence and characteristics; a function of (q, scale, seed) only."""
    n = quarter_count(q, scale)
    rng = derive_rng(seed, SOURCE, "clients", q)
    haven = draw_categorical(rng, HAVEN_SHARES, n)
    # residence: catchment 83%, another London borough 10%, outside London 5%, blank 2%
    where = draw_categorical(rng, np.array([0.83, 0.10, 0.05, 0.02]), n)
    local = draw_categorical(rng, _CATCHMENT_WEIGHTS, n)
    anywhere = rng.integers(0, len(BOROUGHS), n)
    catchment = np.array([CATCHMENTS[h] for h in HAVENS])
    borough = np.where(where == 0, catchment[haven, local], np.array(BOROUGHS)[anywhere])
    borough = np.where(where == 2, "OUTSIDE_LONDON", np.where(where == 3, "", borough))
    group = draw_categorical(rng, AGE_SHARES, n)
    lows = np.array([g[0] for g in AGE_GROUPS])
    highs = np.array([g[1] for g in AGE_GROUPS])
    age = lows[group] + np.floor(rng.random(n) * (highs[group] - lows[group] + 1)).astype(np.int64)
    age_state = draw_categorical(rng, np.array([0.984, 0.015, 0.001]), n)  # ok, blank, unreadable
    eth_codes = list(ETHNICITY)
    return {
        "serial": _client_serial_base(q, scale) + np.arange(n),
        "haven": haven,
        "borough": borough.astype(object),
        "gender": np.array(GENDERS, dtype=object)[draw_categorical(rng, GENDER_SHARES, n)],
        "age": np.where(age_state == 0, age, -1 - age_state),  # -2 blank, -3 unreadable
        "ethnicity": np.array(eth_codes, dtype=object)[
            draw_categorical(rng, np.array(list(ETHNICITY.values())), n)],
        "disability": np.array(DISABILITY, dtype=object)[draw_categorical(rng, DISABILITY_SHARES, n)],
        "sexuality": np.array(SEXUALITY, dtype=object)[draw_categorical(rng, SEXUALITY_SHARES, n)],
        "ref_blank": rng.random(n) < 0.005,
    }  # fmt: skip  # several items to a line, grouped as they read


@lru_cache(maxsize=64)
def _returning(q: int, scale: float, seed: int) -> np.ndarray:
    """Which attendance slots of quarter ``q`` are by a client who attended before."""
    rng = derive_rng(seed, SOURCE, "returning", q)
    return rng.random(quarter_count(q, scale)) < RETURNING_RATE


def _attendance_serials(q: int, scale: float, seed: int) -> np.ndarray:
    """Sorted ``attendance_id`` serials of quarter ``q``: increasing, with gaps, unique in the year."""
    n = quarter_count(q, scale)
    counts = quarter_counts(q // 4, scale)
    offset = 2 * int(counts[: q % 4].sum())
    rng = derive_rng(seed, SOURCE, "ids", q)
    return offset + 1 + np.sort(rng.choice(2 * n, size=n, replace=False)) if n else np.zeros(0, np.int64)


def _junk_serial_base(year: int, scale: float) -> int:
    """Serials of the invalid rows start above every real serial of the year."""
    return 2 * int(quarter_counts(year, scale).sum()) + 1


def _days(q: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted attendance days of the quarter (weekends 1.3 times as busy)."""
    first = int(quarter_start_days(np.array([q]))[0])
    last = int(quarter_end_days(np.array([q]))[0])
    days = np.arange(first, last + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
    weights = np.where(weekday >= 5, 1.3, 1.0)
    return np.sort(days[draw_categorical(rng, weights, n)])


def _attendances(q: int, scale: float, seed: int) -> pl.DataFrame:
    """The valid attendances of quarter ``q`` as typed values ('' = blank), sorted by date."""
    n = quarter_count(q, scale)
    rng = derive_rng(seed, SOURCE, "attendances", q)
    c = _clients(q, scale, seed)
    client = {k: v.copy() for k, v in c.items()}
    years_on = np.zeros(n, dtype=np.int64)
    back = _returning(q, scale, seed)
    for i in np.flatnonzero(back):
        earlier = q - int(rng.integers(1, 5))
        prev = _clients(earlier, scale, seed)
        firsts = np.flatnonzero(~_returning(earlier, scale, seed))
        if not len(firsts):
            back[i] = False
            continue
        j = int(firsts[int(rng.integers(0, len(firsts)))])
        for k in client:
            client[k][i] = prev[k][j]
        years_on[i] = (q - earlier) // 4
    days = _days(q, n, rng)
    serials = _attendance_serials(q, scale, seed)

    s = self_share(q)
    route_p = np.array([0.83 - s, s, 0.10, 0.065, 0.003, 0.002])
    route = draw_categorical(rng, route_p, n)
    police = route == 0
    assault = draw_categorical(rng, ASSAULT_SHARES, n)
    acute = draw_categorical(rng, np.array([0.75, 0.23, 0.02]), n)  # Y, N, blank
    u = rng.random(n)
    forensic = np.where(acute == 0, np.where(u < 0.88, "Y", np.where(u < 0.99, "N", "")),
                        np.where(acute == 1, np.where(u < 0.04, "Y", "N"),
                                 np.where(u < 0.5, "", "N")))  # fmt: skip  # nested choices indented by level
    v = rng.random(n)
    reported = np.where(police, np.where(v < 0.97, "Y", np.where(v < 0.99, "U", "")),
                        np.where(v < 0.20, "Y", np.where(v < 0.86, "N",
                                                         np.where(v < 0.98, "U", ""))))  # fmt: skip  # nested choices indented by level
    age = np.where(client["age"] >= 0, client["age"] + years_on, client["age"])
    year = q // 4
    return pl.DataFrame({
        "attendance_id": [f"HV-{year}-{int(x):05d}" for x in serials],
        "client_ref": np.where(client["ref_blank"], "",
                               np.char.add("CL-", client["serial"].astype(str))).astype(object),
        "_day": days.astype(np.int64),
        "haven": np.array(HAVENS, dtype=object)[client["haven"]],
        "referral_route": np.array(ROUTES, dtype=object)[route],
        "assault_type": np.array(ASSAULT_TYPES, dtype=object)[assault],
        "acute": np.array(["Y", "N", ""], dtype=object)[acute],
        "forensic_exam": forensic.astype(object),
        "reported_to_police": reported.astype(object),
        "client_gender": client["gender"],
        "_age": age.astype(np.int64),
        "client_ethnicity": client["ethnicity"],
        "client_disability": client["disability"],
        "client_sexuality": client["sexuality"],
        "residence_borough_code": client["borough"],
    })  # fmt: skip  # several items to a line, grouped as they read


# --------------------------------------------------------------------------------------------
# Deliberately invalid rows
# --------------------------------------------------------------------------------------------
def _junk(q: int, n_rows: int, scale: float, seed: int, previous_written: bool, rng: np.random.Generator) -> list[dict]:
    """Invalid extra rows of quarter ``q``'s file (typed values, '' = blank, dates as text in
    ``_date_text`` when they cannot be day numbers)."""
    n = int(rng.poisson(JUNK_RATE * n_rows)) if n_rows else 0
    names = [t for t in JUNK_TYPES if previous_written or t != "repeats_earlier_file"]
    first = int(quarter_start_days(np.array([q]))[0])
    last = int(quarter_end_days(np.array([q]))[0])
    year = q // 4
    serial = _junk_serial_base(year, scale) + 100 * (q % 4)
    rows: list[dict] = []
    for k in range(n):
        kind = names[int(rng.integers(0, len(names)))]
        day = int(rng.integers(first, last + 1))
        row = {
            "attendance_id": f"HV-{year}-{serial + k:05d}", "client_ref": "",
            "_day": day, "_date_text": None, "haven": HAVENS[int(rng.integers(0, 3))],
            "referral_route": "SELF", "assault_type": "RAPE", "acute": "N", "forensic_exam": "N",
            "reported_to_police": "N", "client_gender": "2", "_age": int(rng.integers(18, 40)),
            "client_ethnicity": "Z", "client_disability": "Z", "client_sexuality": "Z",
            "residence_borough_code": "",
        }  # fmt: skip  # several items to a line, grouped as they read
        if kind == "blank_required":
            column = ["attendance_id", "attendance_date", "haven", "assault_type"][int(rng.integers(0, 4))]
            if column == "attendance_date":
                row["_date_text"] = ""
            else:
                row[column] = ""
        elif kind == "unknown_haven":
            row["haven"] = ["KINGS", "ST MARYS"][int(rng.integers(0, 2))]
        elif kind == "unknown_assault_type":
            row["assault_type"] = "ASSAULT"
        elif kind == "impossible_date":
            row["_date_text"] = f"{30 + int(rng.integers(0, 2))}/02/{year}"
        elif kind == "year_typo":
            d = date_of_day(day)
            row["_date_text"] = f"0{d.year % 1000:03d}-{d.month:02d}-{d.day:02d}"
        elif kind == "date_outside_quarter":
            row["_day"] = first - int(rng.integers(1, 20)) if rng.random() < 0.5 else last + int(rng.integers(1, 20))
        elif kind == "repeats_earlier_file":
            earlier = _attendance_serials(q - 1, scale, seed)
            if not len(earlier):
                continue
            row["attendance_id"] = f"HV-{(q - 1) // 4}-{int(earlier[int(rng.integers(0, len(earlier)))]):05d}"
        rows.append(row)
        if kind == "duplicate_id":
            twin = dict(row)
            twin["_day"] = min(day + 1, last)
            twin["_age"] = int(rng.integers(18, 40))
            rows.append(twin)
    return rows


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------
def write_havens_attendances(landing: Path, start: str, end: str, scale: float = 1.0, seed: int = 1) -> list[Path]:
    """Write <landing>/havens_attendances/<YYYY-MM>.csv for every calendar quarter overlapping the
    months start..end ('YYYY-MM')."""
    quarters = quarters_overlapping(start, end)
    out_dir = Path(landing) / SOURCE
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for q in quarters:
        rng = derive_rng(seed, SOURCE, "file", q)
        style = choose_style(rng)
        valid = _attendances(q, scale, seed).with_columns(pl.lit(None, pl.Utf8).alias("_date_text"))
        junk = _junk(q, valid.height, scale, seed, q - 1 in quarters, rng)
        frame = valid
        if junk:
            frame = pl.concat([valid, pl.DataFrame(junk, schema=valid.schema)], how="vertical")
        if style.row_order == "random":
            frame = frame.select(pl.all().gather(rng.permutation(frame.height)))
        elif style.row_order == "key":
            frame = frame.sort("attendance_id", "_day", maintain_order=True)
        else:
            frame = frame.sort("_day", "attendance_id", maintain_order=True)
        dates = format_dates(frame["_day"].to_numpy(), style, rng)
        text = frame.with_columns(
            pl.coalesce(pl.col("_date_text"), pl.lit(dates)).alias("attendance_date"),
            pl.lit(format_integers(frame["_age"].to_numpy(), style)).alias("client_age"),
        )
        # -3: an unreadable age, as a clerk typed it
        text = text.with_columns(
            pl.when(pl.col("_age") == -3).then(pl.lit("adult")).otherwise(pl.col("client_age")).alias("client_age")
        ).select(COLUMNS)
        text = apply_cell_mess(text, style, rng, CODE_COLUMNS, PAD_COLUMNS)
        paths.append(write_messy_csv(out_dir / f"{quarter_name(q)}.csv", COLUMNS, text, style, rng))
    return paths


__all__ = [
    "write_havens_attendances",
    "COLUMNS",
    "JUNK_TYPES",
    "ANNUAL_VOLUMES",
    "annual_volume",
    "quarter_counts",
    "self_share",
]
