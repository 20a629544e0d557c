"""Synthetic support-service returns (``<landing>/service_returns/<YYYY-MM>.csv``), spec:
``extracts.md`` section 5.

Each commissioned service sends, every quarter, one aggregate return: for each of the four
measures (``NEW_REFERRALS``, ``CLIENTS_SUPPORTED``, ``WAITING_LIST`` at quarter end,
``REFERRALS_DECLINED_CAPACITY``) a ``TOTAL``/``ALL`` row and the ``GENDER``, ``ETHNICITY``,
``DISABILITY``, ``SEXUALITY`` and ``AGE_BAND`` breakdowns, whose categories add up to the total
(a multinomial split of it). The file of a quarter holds the returns of every provider active in
that quarter.

Providers (``PROVIDERS``; lead borough, or ``E12000007`` for a pan-London service; mean new
referrals a quarter in 2007/08 at scale 1):

=======================  ===========  =========  =====  ==========================================
provider_id              type         borough    new    note
=======================  ===========  =========  =====  ==========================================
RCC-SOUTH                RAPE_CRISIS  E09000008  95     Croydon
RCC-NORTH                RAPE_CRISIS  E12000007  110    pan-London
RCC-EAST                 RAPE_CRISIS  E09000030  80     Tower Hamlets; writes zero categories;
                                                        sends ``UNBALANCED``
RCC-WEST                 RAPE_CRISIS  E09000009  60     Ealing; first return ``FIRST_RETURN``
ISVA-HAVENS              ISVA         E12000007  100    pan-London (the Havens' ISVAs)
IDVA-HACKNEY             IDVA         E09000012  120
IDVA-SOUTHWARK           IDVA         E09000028  135
IDVA-CROYDON             IDVA         E09000008  150    misses ``MISSING_RETURN``
IDVA-NEWHAM              IDVA         E09000025  105
REFUGE-LONDON            REFUGE       E12000007  24     pan-London; writes zero categories
OUTREACH-TOWERHAMLETS    OUTREACH     E09000030  90
OUTREACH-BRENT           OUTREACH     E09000005  70     last return ``LAST_RETURN``
HELPLINE-LONDON          HELPLINE     E12000007  1,350  pan-London; calls as NEW_REFERRALS;
                                                        writes zero categories
=======================  ===========  =========  =====  ==========================================

Volumes by service type (``TYPE_PROFILES``), per quarter, as a multiple of the provider's mean
new referrals (which grow 3-5% a year), each count a Poisson draw around its mean x ``scale``:
clients supported (Rape Crisis 2.4, ISVA 1.8, IDVA 1.5, refuge 2.2, outreach 1.7, helpline
0.85 of calls); waiting list at quarter end, as a multiple of the 2007/08 mean (Rape Crisis
0.35, growing 18% a year: 0.35 in 2007/08, 0.95 in 2013/14; refuge 0.4 +10%; IDVA 0.08 +10%;
outreach 0.1 +8%; ISVA 0.05 +10%; helpline none); declined for capacity (refuge 1.8 +8%: a
refuge turns away more women than it takes in; Rape Crisis 0.06 +12%; helpline 0.12 (calls
unanswered); others 0.02-0.04). Breakdowns: mostly female (refuges 100%), sexuality and
disability mostly ``UNKNOWN`` (helpline callers mostly unknown on every characteristic), no
children at IDVA, refuge and outreach services; each provider's mix is the type's mix
perturbed once per provider (``seed``). Providers that do not write zero categories
(all but RCC-EAST, REFUGE-LONDON and HELPLINE-LONDON) leave those category rows out, which
counts as 0; a breakdown of a zero total then has no rows at all.

Calibrated mess, fixed whatever the seed and the range (a quarter's file is byte-identical
whatever range it is generated in):

* ``MISSING_RETURN`` = IDVA-CROYDON sends nothing for 2011-07 (no rows in that file); it is
  expected (it sent a return in the four quarters before) and must be reported missing.
* ``UNBALANCED`` = RCC-EAST's 2010-04 ``NEW_REFERRALS`` ``ETHNICITY`` breakdown adds up to
  more than its total (``WHITE`` is over by ``max(3, 8% of the total)``: clients counted in
  two groups); the return is valid and loads, and the breakdown is flagged.
* ``FIRST_RETURN`` = RCC-WEST starts in 2009-10; ``LAST_RETURN`` = OUTREACH-BRENT stops after
  2011-10 (it is then expected, and missing, in the next four quarters).
  :func:`missing_returns` lists the (provider, quarter) an expected-provider check must report
  for a range.
* Deliberately invalid rows (``JUNK_TYPES``; about 0.1% of the rows, at least one per file),
  always *extra* rows that leave every valid row and every breakdown sum untouched: they sit
  in a category slot that the file leaves out (a zero category of a provider that does not
  write zeros), or carry a key that no valid row has.

  - ``negative_count`` -- count ``-1`` to ``-9`` (``invalid_integer``);
  - ``fractional_count`` -- count such as ``3.5`` (``invalid_integer``);
  - ``blank_count`` -- count left blank (``required_missing``);
  - ``unknown_category`` -- a category not in its breakdown's list, e.g. ``WHITE BRITISH``,
    ``18-25``, ``LGBT`` (``invalid_code``);
  - ``duplicate_key`` -- the same provider, measure, breakdown and category on two rows with
    different counts (both ``duplicate_key``);
  - ``inconsistent_provider`` -- a row of a provider with another lead borough
    (``inconsistent_provider``);
  - ``missing_total`` -- a category row under the provider's id mistyped with a space
    (``IDVA HACKNEY``), a provider with no ``TOTAL`` (``missing_total``).

Export mess (per file, from :func:`pipelines.sample.common.choose_style`): BOM or Windows-1252,
CRLF, blank lines, shuffled columns, header case, lower-case codes and provider ids, stray
spaces, quoted fields, ``36.0`` counts, rows in provider order or shuffled.

Reproducibility: all randomness comes from ``derive_rng(seed, 'service_returns', ...)`` keyed
by provider and quarter, or by file quarter, so the same arguments give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.sample.common import (
    CsvStyle,
    apply_cell_mess,
    choose_style,
    derive_rng,
    format_integers,
    quarter_name,
    quarter_ordinal,
    quarters_overlapping,
    round_half_up,
    write_messy_csv,
)

SOURCE = "service_returns"

COLUMNS = ["provider_id", "service_type", "borough_code", "measure", "breakdown", "category", "count"]
CODE_COLUMNS = ["provider_id", "service_type", "borough_code", "measure", "breakdown", "category"]
PAD_COLUMNS = COLUMNS

LONDON = "E12000007"
BOROUGHS = [f"E09{n:06d}" for n in range(1, 34)]
MEASURES = ["NEW_REFERRALS", "CLIENTS_SUPPORTED", "WAITING_LIST", "REFERRALS_DECLINED_CAPACITY"]
CATEGORIES: dict[str, list[str]] = {
    "GENDER": ["FEMALE", "MALE", "OTHER", "UNKNOWN"],
    "ETHNICITY": ["WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "UNKNOWN"],
    "DISABILITY": ["YES", "NO", "UNKNOWN"],
    "SEXUALITY": ["HETEROSEXUAL", "GAY_LESBIAN", "BISEXUAL", "OTHER", "UNKNOWN"],
    "AGE_BAND": ["0-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "UNKNOWN"],
}
BREAKDOWNS = list(CATEGORIES)

#: (provider_id, quarter): the expected return that is never sent.
MISSING_RETURN = ("IDVA-CROYDON", "2011-07")
#: (provider_id, quarter, measure, breakdown): the breakdown whose categories do not add up.
UNBALANCED = ("RCC-EAST", "2010-04", "NEW_REFERRALS", "ETHNICITY")
#: (provider_id, quarter): a provider's first return (it sends nothing before).
FIRST_RETURN = ("RCC-WEST", "2009-10")
#: (provider_id, quarter): a provider's last return (it sends nothing after).
LAST_RETURN = ("OUTREACH-BRENT", "2011-10")

# Mean new referrals grow from this quarter (2007/08 Q1) on.
_BASE_QUARTER = quarter_ordinal(2007, 4)
# Calendar-quarter seasonality of referrals (Jan, Apr, Jul, Oct).
_SEASON = np.array([1.0, 0.97, 1.03, 1.0])


@dataclass(frozen=True)
class Provider:
    provider_id: str
    service_type: str
    borough_code: str
    new_referrals: float  # mean a quarter in 2007/08 at scale 1
    writes_zeros: bool = False  # writes category rows of count 0
    first: str | None = None  # first quarter with a return (None: always)
    last: str | None = None  # last quarter with a return (None: always)

    def sends(self, q: int) -> bool:
        if self.first and q < quarter_ordinal(*map(int, self.first.split("-"))):
            return False
        if self.last and q > quarter_ordinal(*map(int, self.last.split("-"))):
            return False
        return (self.provider_id, quarter_name(q)) != MISSING_RETURN


PROVIDERS: tuple[Provider, ...] = (
    Provider("RCC-SOUTH", "RAPE_CRISIS", "E09000008", 95),
    Provider("RCC-NORTH", "RAPE_CRISIS", LONDON, 110),
    Provider("RCC-EAST", "RAPE_CRISIS", "E09000030", 80, writes_zeros=True),
    Provider("RCC-WEST", "RAPE_CRISIS", "E09000009", 60, first=FIRST_RETURN[1]),
    Provider("ISVA-HAVENS", "ISVA", LONDON, 100),
    Provider("IDVA-HACKNEY", "IDVA", "E09000012", 120),
    Provider("IDVA-SOUTHWARK", "IDVA", "E09000028", 135),
    Provider("IDVA-CROYDON", "IDVA", "E09000008", 150),
    Provider("IDVA-NEWHAM", "IDVA", "E09000025", 105),
    Provider("REFUGE-LONDON", "REFUGE", LONDON, 24, writes_zeros=True),
    Provider("OUTREACH-TOWERHAMLETS", "OUTREACH", "E09000030", 90),
    Provider("OUTREACH-BRENT", "OUTREACH", "E09000005", 70, last=LAST_RETURN[1]),
    Provider("HELPLINE-LONDON", "HELPLINE", LONDON, 1350, writes_zeros=True),
)
PROVIDER = {p.provider_id: p for p in PROVIDERS}


@dataclass(frozen=True)
class TypeProfile:
    growth: float  # yearly growth of new referrals
    supported: float  # clients supported / new referrals
    waiting: float  # waiting list at quarter end / new referrals, in 2007/08
    waiting_growth: float  # yearly growth of the waiting list
    declined: float  # declined for capacity / new referrals, in 2007/08
    declined_growth: float
    mix: dict[str, list[float]]  # category probabilities per breakdown (CATEGORIES order)


_ETHNICITY = [0.52, 0.06, 0.13, 0.17, 0.05, 0.07]
_DISABILITY = [0.14, 0.36, 0.50]
_SEXUALITY = [0.33, 0.03, 0.02, 0.01, 0.61]
_ADULT_AGES = [0.0, 0.02, 0.20, 0.33, 0.25, 0.12, 0.04, 0.02, 0.02]

TYPE_PROFILES: dict[str, TypeProfile] = {
    "RAPE_CRISIS": TypeProfile(
        0.05,
        2.4,
        0.35,
        0.18,
        0.06,
        0.12,
        {
            "GENDER": [0.92, 0.06, 0.005, 0.015],
            "ETHNICITY": _ETHNICITY,
            "DISABILITY": _DISABILITY,
            "SEXUALITY": _SEXUALITY,
            "AGE_BAND": [0.04, 0.06, 0.26, 0.27, 0.18, 0.11, 0.04, 0.01, 0.03],
        },
    ),
    "ISVA": TypeProfile(
        0.03,
        1.8,
        0.05,
        0.10,
        0.02,
        0.10,
        {
            "GENDER": [0.88, 0.10, 0.005, 0.015],
            "ETHNICITY": _ETHNICITY,
            "DISABILITY": _DISABILITY,
            "SEXUALITY": _SEXUALITY,
            "AGE_BAND": [0.08, 0.08, 0.30, 0.25, 0.14, 0.08, 0.03, 0.01, 0.03],
        },
    ),
    "IDVA": TypeProfile(
        0.03,
        1.5,
        0.08,
        0.10,
        0.03,
        0.08,
        {
            "GENDER": [0.94, 0.05, 0.002, 0.008],
            "ETHNICITY": _ETHNICITY,
            "DISABILITY": _DISABILITY,
            "SEXUALITY": _SEXUALITY,
            "AGE_BAND": _ADULT_AGES,
        },
    ),
    "REFUGE": TypeProfile(
        0.02,
        2.2,
        0.40,
        0.10,
        1.80,
        0.08,
        {
            "GENDER": [1.0, 0.0, 0.0, 0.0],
            "ETHNICITY": _ETHNICITY,
            "DISABILITY": _DISABILITY,
            "SEXUALITY": _SEXUALITY,
            "AGE_BAND": [0.0, 0.01, 0.25, 0.37, 0.24, 0.09, 0.02, 0.01, 0.01],
        },
    ),
    "OUTREACH": TypeProfile(
        0.04,
        1.7,
        0.10,
        0.08,
        0.04,
        0.08,
        {
            "GENDER": [0.93, 0.06, 0.002, 0.008],
            "ETHNICITY": _ETHNICITY,
            "DISABILITY": _DISABILITY,
            "SEXUALITY": _SEXUALITY,
            "AGE_BAND": _ADULT_AGES,
        },
    ),
    "HELPLINE": TypeProfile(
        0.04,
        0.85,
        0.0,
        0.0,
        0.12,
        0.05,
        {
            "GENDER": [0.80, 0.08, 0.01, 0.11],
            "ETHNICITY": [0.25, 0.03, 0.08, 0.10, 0.03, 0.51],
            "DISABILITY": [0.03, 0.12, 0.85],
            "SEXUALITY": [0.08, 0.01, 0.005, 0.005, 0.90],
            "AGE_BAND": [0.01, 0.01, 0.08, 0.12, 0.10, 0.06, 0.02, 0.01, 0.59],
        },
    ),
}


# ----------------------------------------------------------------------------------------------
# Returns
# ----------------------------------------------------------------------------------------------
def _mix(provider: Provider, seed: int) -> dict[str, np.ndarray]:
    """The provider's category probabilities: its type's, perturbed once (zeros stay zero)."""
    rng = derive_rng(seed, SOURCE, "mix", provider.provider_id)
    out = {}
    for b in BREAKDOWNS:
        p = np.asarray(TYPE_PROFILES[provider.service_type].mix[b], dtype=np.float64)
        p = p * rng.lognormal(0.0, 0.15, len(p))
        out[b] = p / p.sum()
    return out


def _means(provider: Provider, q: int, rng: np.random.Generator) -> dict[str, float]:
    """Mean count of each measure for the provider in quarter ``q`` at scale 1."""
    prof = TYPE_PROFILES[provider.service_type]
    years = (q - _BASE_QUARTER) / 4
    new = provider.new_referrals * (1 + prof.growth) ** years * _SEASON[q % 4]
    new *= float(rng.lognormal(0.0, 0.07))
    return {
        "NEW_REFERRALS": new,
        "CLIENTS_SUPPORTED": new * prof.supported * float(rng.lognormal(0.0, 0.05)),
        "WAITING_LIST": provider.new_referrals * prof.waiting * (1 + prof.waiting_growth) ** years,
        "REFERRALS_DECLINED_CAPACITY": provider.new_referrals * prof.declined * (1 + prof.declined_growth) ** years,
    }


def provider_return(provider: Provider, q: int, scale: float = 1.0, seed: int = 1) -> list[tuple[str, str, str, int]]:
    """The valid rows (measure, breakdown, category, count) of a provider's return for quarter
    ``q``, in the order written: per measure the TOTAL, then each breakdown's categories (zero
    ones left out unless the provider writes zeros)."""
    rng = derive_rng(seed, SOURCE, provider.provider_id, q)
    mix = _mix(provider, seed)
    rows = []
    for measure, mean in _means(provider, q, rng).items():
        total = int(rng.poisson(max(mean * scale, 0.0)))
        rows.append((measure, "TOTAL", "ALL", total))
        for b in BREAKDOWNS:
            counts = rng.multinomial(total, mix[b]).astype(np.int64)
            if (provider.provider_id, quarter_name(q), measure, b) == UNBALANCED:
                counts[0] += max(3, int(round_half_up(0.08 * total)))
            rows += [(measure, b, c, int(n)) for c, n in zip(CATEGORIES[b], counts) if n or provider.writes_zeros]
    return rows


def returns_sent(start: str, end: str) -> list[tuple[str, str]]:
    """Every (provider_id, quarter) with a return in the files of months ``start``..``end``."""
    return [(p.provider_id, quarter_name(q)) for q in quarters_overlapping(start, end) for p in PROVIDERS if p.sends(q)]


def missing_returns(start: str, end: str) -> list[tuple[str, str]]:
    """The (provider_id, quarter) that the generated files of ``start``..``end`` leave out
    although the provider is *expected* (it sent a return in any of the four quarters before,
    within the files generated), by quarter then provider order."""
    quarters = quarters_overlapping(start, end)
    sent = {(p.provider_id, q) for p in PROVIDERS for q in quarters if p.sends(q)}
    return [
        (p.provider_id, quarter_name(q))
        for q in quarters
        for p in PROVIDERS
        if (p.provider_id, q) not in sent and any((p.provider_id, q - k) in sent for k in range(1, 5))
    ]


# ----------------------------------------------------------------------------------------------
# Deliberately invalid rows
# ----------------------------------------------------------------------------------------------
#: Deliberately invalid rows: name -> the quarantine rule it breaks (see the module docstring).
JUNK_TYPES: dict[str, str] = {
    "negative_count": "invalid_integer",
    "fractional_count": "invalid_integer",
    "blank_count": "required_missing",
    "unknown_category": "invalid_code",
    "duplicate_key": "duplicate_key",
    "inconsistent_provider": "inconsistent_provider",
    "missing_total": "missing_total",
}
JUNK_RATE = 0.001
# Categories that agencies write but the spec does not list.
WRONG_CATEGORIES: dict[str, list[str]] = {
    "GENDER": ["F", "TRANSGENDER", "NOT STATED"],
    "ETHNICITY": ["WHITE BRITISH", "BME", "NOT KNOWN"],
    "DISABILITY": ["Y", "N/K"],
    "SEXUALITY": ["LGBT", "STRAIGHT"],
    "AGE_BAND": ["18-25", "UNDER 16", "60+"],
}
# Junk types that need a category slot the file leaves out.
_NEEDS_SLOT = ("negative_count", "fractional_count", "blank_count", "duplicate_key", "inconsistent_provider")


def _junk_rows(q: int, written: list[list[str]], rng: np.random.Generator) -> list[list[str]]:
    """Invalid extra rows (as written text) for the file of quarter ``q`` whose valid rows are
    ``written`` (provider_id, service_type, borough_code, measure, breakdown, category)."""
    n = max(1, int(round_half_up(JUNK_RATE * len(written))))
    sending = [p for p in PROVIDERS if p.sends(q)]
    taken = {(r[0], r[3], r[4], r[5]) for r in written}
    slots = [
        (p, m, b, c)
        for p in sending
        for m in MEASURES
        for b in BREAKDOWNS
        for c in CATEGORIES[b]
        if (p.provider_id, m, b, c) not in taken and (p.provider_id, quarter_name(q), m, b) != UNBALANCED
    ]
    order = [int(i) for i in rng.permutation(len(slots))]
    names = list(JUNK_TYPES)
    rows: list[list[str]] = []
    mistyped: set[tuple[str, str, str]] = set()  # keys of missing_total rows already written
    for _ in range(n):
        kind = names[int(rng.integers(0, len(names)))]
        if kind in _NEEDS_SLOT and not order:
            kind = "unknown_category"
        small = str(int(rng.integers(1, 10)))
        if kind in _NEEDS_SLOT:
            p, m, b, c = slots[order.pop()]
            row = [p.provider_id, p.service_type, p.borough_code, m, b, c, small]
            if kind == "negative_count":
                row[6] = "-" + small
            elif kind == "fractional_count":
                row[6] = small + ".5"
            elif kind == "blank_count":
                row[6] = ""
            elif kind == "inconsistent_provider":
                others = [x for x in BOROUGHS if x != p.borough_code]
                row[2] = others[int(rng.integers(0, len(others)))]
            rows.append(row)
            if kind == "duplicate_key":
                rows.append(row[:6] + [str(int(small) + int(rng.integers(1, 5)))])
            continue
        p = sending[int(rng.integers(0, len(sending)))]
        m = MEASURES[int(rng.integers(0, len(MEASURES)))]
        b = BREAKDOWNS[int(rng.integers(0, len(BREAKDOWNS)))]
        if kind == "missing_total" and (p.provider_id, m, b) in mistyped:
            kind = "unknown_category"  # a second such row would be a duplicate key
        mistyped.add((p.provider_id, m, b))
        if kind == "unknown_category":
            wrong = WRONG_CATEGORIES[b]
            rows.append(
                [p.provider_id, p.service_type, p.borough_code, m, b, wrong[int(rng.integers(0, len(wrong)))], small]
            )
        else:  # missing_total: a mistyped provider id with a category row and no TOTAL
            rows.append(
                [p.provider_id.replace("-", " ", 1), p.service_type, p.borough_code, m, b, CATEGORIES[b][0], small]
            )
    return rows


# ----------------------------------------------------------------------------------------------
# Writing the files
# ----------------------------------------------------------------------------------------------
def _file_frame(q: int, scale: float, seed: int) -> tuple[pl.DataFrame, CsvStyle, np.random.Generator]:
    """The file of quarter ``q`` as text columns, junk included and the cell mess applied, with
    the file's style and random stream (for the writer)."""
    rng = derive_rng(seed, SOURCE, "file", q)
    style = choose_style(rng)
    written: list[list[str]] = []
    counts: list[int] = []
    for p in PROVIDERS:
        if p.sends(q):
            for measure, breakdown, category, n in provider_return(p, q, scale, seed):
                written.append([p.provider_id, p.service_type, p.borough_code, measure, breakdown, category])
                counts.append(n)
    junk = _junk_rows(q, written, rng)
    text = format_integers(np.asarray(counts, dtype=np.int64), style).to_list()
    rows = [r + [t] for r, t in zip(written, text)]
    if style.row_order == "random":
        rows = [rows[int(i)] for i in rng.permutation(len(rows))]
    for row in junk:  # at random places
        rows.insert(int(rng.integers(0, len(rows) + 1)), row)
    frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in COLUMNS}, orient="row")
    return apply_cell_mess(frame, style, rng, CODE_COLUMNS, PAD_COLUMNS), style, rng


def write_service_returns(landing: Path, start: str, end: str, scale: float = 1.0, seed: int = 1) -> list[Path]:
    """Write <landing>/service_returns/<YYYY-MM>.csv for every calendar quarter overlapping
    months start..end ('YYYY-MM')."""
    quarters = quarters_overlapping(start, end)
    out_dir = Path(landing) / SOURCE
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for q in quarters:
        frame, style, rng = _file_frame(q, scale, seed)
        paths.append(write_messy_csv(out_dir / f"{quarter_name(q)}.csv", COLUMNS, frame, style, rng))
    return paths


__all__ = [
    "write_service_returns",
    "provider_return",
    "returns_sent",
    "missing_returns",
    "PROVIDERS",
    "MISSING_RETURN",
    "UNBALANCED",
    "FIRST_RETURN",
    "LAST_RETURN",
    "JUNK_TYPES",
    "COLUMNS",
]
