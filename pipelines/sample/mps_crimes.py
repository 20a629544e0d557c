"""Synthetic MPS crime extracts (``<landing>/mps_crimes/<YYYY-MM>.csv``), spec: ``extracts.md`` section 1.

One row per *version* of a record: the file of a quarter holds every record created or changed in
that quarter, in its state at the end of the quarter. A record is first sent in the quarter it is
recorded (already with its outcome or no-crime decision if that came in the same quarter); it is
sent again when, later, its outcome arrives (after a delay that depends on the outcome, see *When
outcomes arrive*), it is no-crimed, reclassified (``20A`` -> ``19C``, ``105A`` -> ``8G`` ...), or a flag is added (domestic
abuse, multiple perpetrators) or removed. Very occasionally an older state is resent in a later
file with its old ``last_modified`` (it never becomes current). Events falling after the last
quarter asked for have not happened yet: outcomes are then *pending*, and the states are those at
the end of the range.

Calibration (scale 1; counts of the **current** version of each record with classification
``CRIME``, by ``recorded_date`` in the financial year, London) -- exact, and ``round(target x
scale)`` (half up) at other scales:

==========================================  ===========  ===========
target                                      FY2007/08    FY2008/09
==========================================  ===========  ===========
domestic abuse crimes (flag_domestic Y)     50,832       53,069
rapes (19C-19H)                             1,904        2,180
rapes with flag_multiple_perpetrator Y      (4.3%)       93
'honour' records (flag_honour Y; CRIME +    (118 + 110)  256 = 132 CRIME
INCIDENT)                                                 + 124 INCIDENT
==========================================  ===========  ===========

From April 2010 the rapes and other sexual offences of every borough and month equal the MPS
published counts (London Datastore "MPS Borough Level Crime", copied to
``data/mps_borough_month_counts.csv``; Heathrow/London City airports counted in Hillingdon; at
other scales each borough-month count is ``round(count x scale)``). Months after November 2023 repeat
the same calendar month of Dec 2022-Nov 2023. Before April 2010 the financial-year totals below are
spread over boroughs and months in the pattern of 2010/11 (multinomial draw, exact total). Records
that are no-crimed, records that leave scope and the deliberately invalid rows are *extra*
records on top of these targets, so the targets hold for any range that covers the financial year
(or month).

Volumes per financial year at scale 1 (``FY_VOLUMES``; FY2007/08 and FY2008/09 shown):

* domestic abuse crimes 50,832 / 53,069 (then 51,880, 50,230, 48,950, 46,940 to 2012/13, rising
  to ~90k by 2019/20); about 26% of rapes, 7% of other sexual offences, 38% of harassment (8L),
  8% of racially aggravated harassment (8M), 45% of stalking (8Q), ~70% of 'honour' crimes, ~55%
  of forced-marriage and ~35% of FGM crimes are domestic; the rest (~49k) carry typical codes
  (105A 33%, 8G 27%, 58A 13.5%, 105B 7%, 3B 5.5%, 8F 3.5%, 9A 3.5%, 49 2.3%, 5A 1.7%, 8H, 8J and
  28E 1.1% each, murder ``1`` ~16 a year, manslaughter ``4/1`` ~2 a year);
* domestic incidents (``INCIDENT``, code blank for 97%) 24,300 / 25,100 (~25k a year);
* rapes 1,904 / 2,180 (2,650 in 2009/10): 19C 74%, 19D 10%, 19E 5%, 19F 7%, 19G 2%, 19H 2%
  (about 89% female victims), 4.3% multiple-perpetrator (93 in 2008/09);
* other sexual offences 7,750 / 7,500 (7,150 in 2009/10, then the published counts): 20A 42%,
  88C 16%, 20B 7%, 17A 5%, 21 5%, 88D 5%, 22A 3%, 88A 3%, 88E 3%, 17B 2%, 22B 2%, 88B 2%, 23 1%,
  70 and 73 0.5% each;
* harassment 8L 7,600 / 8,100; racially or religiously aggravated harassment 8M ~400; stalking 8Q
  from 2012-11-25 (180 in the rest of 2012/13, 650 in 2013/14 and growing);
* trafficking/exploitation (72, 71, 24) ~70 a year; modern slavery 106 from 2015-07-31
  (90 in 2015/16, then 180-600);
* 'honour' crimes 118 / 132 and incidents 110 / 124 (10% also forced-marriage flagged);
* forced-marriage records: 28 crimes and 16 incidents a year plus the 'honour' ones (~70 in all);
* FGM records (mostly code 8K): 10 crimes and 5 incidents a year.

No-crime (extra records, later classified ``NO_CRIME`` with a ``no_crime_date``; the no-crime decision
comes a median 30 days after recording, see *When outcomes arrive*): rape 10%, other sexual offences 6%, domestic abuse 3%,
harassment/stalking 4%, trafficking 5%, 'honour'/forced marriage 2% of all records. Records leaving
scope (extra): 0.4% of domestic crimes lose their only flag, 0.5% of 8L are reclassified to ``9A``.
Reclassified target records: 3% of rapes were first recorded as 20A/20B/17A/17B, 1% of 20A were
first recorded as 19C, 2% of domestic 8G were first 105A. Flags added later: 5% of domestic flags on
strand offences, 6% of multiple-perpetrator flags. Resent older states: 0.2% of records with two or
more versions.

Outcomes (Home Office outcome types; mapped CRIS closure codes before April 2013), from
``OUTCOMES``: domestic abuse ~28% charged (1), ~35% victim does not support (14 or 16), 9% 15, 5% 18,
7.5% cautions (2/3), 4% community resolution (8); rape ~13% charged, 21% 14, 17% 16, 22% 15, 10% 18.
Outcome 21 only from 2016-01-01 and 22 from 2019-04-01 (else 10 / 8). Every ``CRIME`` whose current
outcome is 1 has a ``cps_urn``: ``01`` + the borough's 2-character police unit code (``UNIT_CODES``) +
a 5-digit serial + the 2-digit year of the charge, e.g. ``01KD1234509``; about 8% of charged
crimes share their URN with one other crime of the same borough, suspect and charge date. Other
records leave ``cps_urn`` blank. 20% of suspects are identified (suspect fields filled) a quarter
or two after recording (never after the outcome), which sends a new version.

When outcomes arrive (``OUTCOME_DELAYS``; days from ``recorded_date`` to ``outcome_date``). The delay
is drawn after the outcome, so it changes when an outcome arrives, never which (bar 21 and 22,
which become 10 and 8 on a date before they existed): the shares above are those once decided. A share is decided at once (1-2 days: charged in custody, cautioned
at the station, a victim who declines from the start); the rest after a lognormal delay (median,
log-sd), truncated at the end of the sixth quarter after the recording quarter
(``DECIDED_WITHIN_QUARTERS``, as the CPS generator's maturity rule assumes):

=============================  =======  ======  ======  ===========================================
decision                       at once  median  log-sd  what results (all strands, FY2007/08)
=============================  =======  ======  ======  ===========================================
14, 16 victim does not support 10%      25 d    0.9     median 24 d, 65% in the record's own file
1 charged or summonsed         15%      110 d   1.0     median 88 d, 32% in its own file, 7% > 1 yr
2, 3, 6, 8, 22 out of court    25%      30 d    1.0
15 evidential difficulties     0        90 d    1.0     median 95 d, 7% > 1 year
18 no suspect identified       0        30 d    0.7     median 35 d
other outcome types            5%       60 d    1.1
no-crime decision              0        30 d    0.9     (from day 0) 58% in the record's own file
=============================  =======  ======  ======  ===========================================

Medians x 2 for rape and x 1.5 for other sexual offences, trafficking, slavery, 'honour', forced
marriage and FGM crimes (``Kind.outcome_pace``). Reasoning: a victim who does not support action
mostly says so within days or weeks of the report, before a file is built; a charge needs a
charging decision, made in custody for many domestic abuse arrests and otherwise after a file goes
to the CPS (weeks to months, longer for rape with forensics and video interviews); 15 closes a full
investigation; 18 is filed after initial enquiries; a no-crime decision is the crime registrar's
review within weeks. The project's police.uk reference file
``police_uk_last_outcome_by_crime_type_force_year_2012-2016.csv`` (MPS violence and sexual offences,
snapshot mid-2017) has 26% of 2016's crimes "under investigation", 18% of 2015's, 16% and 15% of
2014's and 2013's: the share settles after about 18 months (the rest is never updated there), hence
the cut at six quarters. police.uk merges 14, 15 and 16 ("Unable to prosecute suspect"), so the
per-outcome medians are assumptions, not fitted. In the default demo's last quarter (2013 Q1, seen at 2013-03-31) domestic abuse crimes are then ~24%
withdrawn (14/16), ~8% charged and half pending (rape 17%, 2%, 69%); two years earlier 35%, 28%, 0%.

Victims: sex by offence code (rape and sexual-assault codes fix it) or by strand (domestic 87% F,
12% M, 1% U); age by code (19D/19G 13-15, 19E/19H/20B/17B 4-12, with ~2.5% of rapes inconsistent)
or by strand, blank for 3%; self-defined ethnicity drawn from the borough's Census 2011 population
(``data/census2011_population_by_borough_sde.csv``) weighted by strand (e.g. Black and Mixed
victims over-represented in domestic abuse and rape); 81% recorded by self-definition (with a
consistent identity code, blank for 8%), 15% by identity code only (sde ``NS`` or blank), 4% neither.
Disability U 68% / N 29% / Y 3%; sexuality NS 74% / HET 22% / GAY 2% / BI 1.2% / OTH 0.8%. Suspect
fields blank when no suspect is identified (always for outcome 18), else mostly male.

Deliberately invalid rows (``JUNK_TYPES``; about 0.1% of the rows of each file, at least one per
non-empty file). Each is an extra record with its own ``crime_ref`` of the form ``0QQKKKK/YY``
(real records start at ``1000000``), never a version of a real record; its content is a
non-target record (non-domestic harassment, a ``NO_CRIME``, or an out-of-scope code), so the
calibration holds even if a loader let one through:

* ``blank_required`` -- a required value blank (``borough_code``, ``reported_date``,
  ``recorded_date``, ``classification``, ``ho_offence_code`` of a ``CRIME``, or ``last_modified``);
* ``recorded_before_reported`` -- ``recorded_date`` before ``reported_date`` (error);
* ``offence_after_reported`` -- ``offence_date`` after ``reported_date`` (error);
* ``unknown_outcome`` -- ``outcome_type`` ``19`` (fraud only) or ``99`` (unknown code, error);
* ``bad_flag`` -- a flag column holding ``X`` (error);
* ``impossible_date`` -- ``recorded_date`` such as ``31/02/2009`` (invalid required date);
* ``city_of_london`` -- ``borough_code`` ``E09000001`` (error in MPS extracts);
* ``outcome_on_no_crime`` -- a ``NO_CRIME`` carrying an ``outcome_type`` (must be blank);
* ``no_crime_without_date`` -- ``NO_CRIME`` with a blank ``no_crime_date`` (required if NO_CRIME);
* ``outcome_without_date`` -- ``outcome_type`` set, ``outcome_date`` blank (required if set);
* ``outcome_before_recorded`` -- ``outcome_date`` before ``recorded_date`` (error);
* ``duplicate_ref`` -- two rows sharing one ``crime_ref`` within the file (both ``duplicate_key``);
* ``out_of_scope`` -- a ``CRIME`` with code ``49`` (other theft) and no flag, never sent before;
* ``bad_offence_code`` -- ``ho_offence_code`` not of the Home Office form (``19X1``, ``ABCD``);
* ``code_before_in_force`` -- ``8Q`` stalking with an ``offence_date`` before 2012-11-25;
* ``last_modified_after_quarter`` -- ``last_modified`` after the end of the file's quarter;
* ``bad_crime_ref`` -- ``crime_ref`` not 7 digits ``/`` 2 digits (``301234/09``, ``3012345-09``);
* ``unknown_classification`` -- ``classification`` ``CRIMED`` (not a listed code).

Export mess (per file, deterministic): see :class:`pipelines.sample.common.CsvStyle` -- BOM or
Windows-1252, CRLF, blank lines, shuffled columns, header case, ``DD/MM/YYYY``/``D/M/YYYY``/ISO/
midnight-suffixed dates, several timestamp forms (incl. ``+01:00`` offsets), lower-case codes,
stray spaces around codes, quoted fields, ``34.0`` ages, blank for ``N`` flags, ``4.1`` for ``4/1``.

Reproducibility: all randomness comes from ``derive_rng(seed, 'mps_crimes', ...)`` keyed by financial
year, strand and file quarter, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri

from pipelines.sample.common import (
    NEVER,
    NO_DAY,
    SECONDS_PER_DAY,
    CsvStyle,
    apply_cell_mess,
    choose_style,
    date_of_day,
    day_number,
    days_to_month_index,
    days_to_quarter,
    derive_rng,
    draw_categorical,
    format_dates,
    format_integers,
    format_timestamps,
    fy_of_quarter,
    month_index_start_days,
    quarter_end_days,
    quarter_name,
    quarter_start_days,
    quarters_overlapping,
    round_half_up,
    scaled,
    write_messy_csv,
)

SOURCE = "mps_crimes"
DATA_DIR = Path(__file__).parent / "data"

COLUMNS = [
    "crime_ref",
    "last_modified",
    "borough_code",
    "reported_date",
    "recorded_date",
    "offence_date",
    "ho_offence_code",
    "classification",
    "no_crime_date",
    "flag_domestic",
    "flag_honour",
    "flag_forced_marriage",
    "flag_fgm",
    "flag_multiple_perpetrator",
    "outcome_type",
    "outcome_date",
    "cps_urn",
    "victim_sex",
    "victim_age",
    "victim_sde",
    "victim_ic",
    "victim_disability",
    "victim_sexuality",
    "suspect_sex",
    "suspect_age",
    "suspect_sde",
]
CODE_COLUMNS = [
    "ho_offence_code",
    "classification",
    "flag_domestic",
    "flag_honour",
    "flag_forced_marriage",
    "flag_fgm",
    "flag_multiple_perpetrator",
    "cps_urn",
    "victim_sex",
    "victim_sde",
    "victim_ic",
    "victim_disability",
    "victim_sexuality",
    "suspect_sex",
    "suspect_sde",
]
PAD_COLUMNS = CODE_COLUMNS + ["borough_code", "outcome_type", "victim_age", "suspect_age"]

# The 32 MPS boroughs (City of London E09000001 is policed by its own force).
BOROUGHS = [f"E09{n:06d}" for n in range(2, 34)]
#: Police unit code used in CPS URNs, one per borough (MPS borough operational command unit codes).
UNIT_CODES = [
    "KG",
    "SX",
    "RY",
    "QK",
    "PY",
    "EK",
    "ZD",
    "XD",
    "YE",
    "RG",
    "GD",
    "FH",
    "YR",
    "QA",
    "KD",
    "XH",
    "TX",
    "NI",
    "BS",
    "VK",
    "LX",
    "PL",
    "VW",
    "KF",
    "JI",
    "TW",
    "MD",
    "ZT",
    "HT",
    "JC",
    "WW",
    "CW",
]
NB = len(BOROUGHS)

# Lookup tables: index 0 is always the blank value.
CODES = [
    "",
    "19C",
    "19D",
    "19E",
    "19F",
    "19G",
    "19H",
    "17A",
    "17B",
    "20A",
    "20B",
    "21",
    "22A",
    "22B",
    "23",
    "70",
    "73",
    "88A",
    "88B",
    "88C",
    "88D",
    "88E",
    "8L",
    "8M",
    "8Q",
    "72",
    "71",
    "24",
    "106",
    "105A",
    "105B",
    "8F",
    "8G",
    "8H",
    "8J",
    "5A",
    "3B",
    "58A",
    "8K",
    "1",
    "4/1",
    "36",
    "9A",
    "49",
    "28E",
]
CODE = {c: i for i, c in enumerate(CODES)}
RAPE_CODES = ["19C", "19D", "19E", "19F", "19G", "19H"]
OSO_CODES = ["17A", "17B", "20A", "20B", "21", "22A", "22B", "23", "70", "73", "88A", "88B", "88C", "88D", "88E"]
SDE = ["", "W1", "W2", "W9", "M1", "M2", "M3", "M9", "A1", "A2", "A3", "A9", "B1", "B2", "B9", "O1", "O9", "NS"]
SDE_NS = 17
SDE_BROAD = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 2, 4])  # of SDE[1:17]: W M A B O
IC = ["", "IC0", "IC1", "IC2", "IC3", "IC4", "IC5", "IC6"]
SEX = ["", "F", "M", "U"]
DISABILITY = ["", "Y", "N", "U"]
SEXUALITY = ["", "HET", "GAY", "BI", "OTH", "NS"]
CLASSIFICATION = ["CRIME", "NO_CRIME", "INCIDENT"]
CRIME, NO_CRIME, INCIDENT = 0, 1, 2

# Identity code (IC0..IC6 -> columns 0..6) an officer would record for each self-defined code.
_IC_GIVEN_SDE = np.array(
    [
        # IC0  IC1   IC2   IC3   IC4   IC5   IC6
        [0.00, 0.95, 0.05, 0.00, 0.00, 0.00, 0.00],  # W1
        [0.00, 0.97, 0.03, 0.00, 0.00, 0.00, 0.00],  # W2
        [0.00, 0.55, 0.45, 0.00, 0.00, 0.00, 0.00],  # W9
        [0.00, 0.45, 0.00, 0.55, 0.00, 0.00, 0.00],  # M1
        [0.00, 0.35, 0.00, 0.65, 0.00, 0.00, 0.00],  # M2
        [0.00, 0.55, 0.00, 0.00, 0.45, 0.00, 0.00],  # M3
        [0.00, 0.40, 0.00, 0.30, 0.20, 0.00, 0.10],  # M9
        [0.00, 0.00, 0.00, 0.00, 1.00, 0.00, 0.00],  # A1
        [0.00, 0.00, 0.00, 0.00, 0.98, 0.00, 0.02],  # A2
        [0.00, 0.00, 0.00, 0.00, 1.00, 0.00, 0.00],  # A3
        [0.00, 0.00, 0.00, 0.00, 0.85, 0.10, 0.05],  # A9
        [0.00, 0.00, 0.00, 1.00, 0.00, 0.00, 0.00],  # B1
        [0.00, 0.00, 0.00, 1.00, 0.00, 0.00, 0.00],  # B2
        [0.00, 0.00, 0.00, 1.00, 0.00, 0.00, 0.00],  # B9
        [0.00, 0.00, 0.00, 0.00, 0.00, 1.00, 0.00],  # O1
        [0.00, 0.20, 0.05, 0.00, 0.15, 0.00, 0.60],  # O9
    ]
)

# Ethnic composition of victims relative to the borough population: multipliers for the broad
# groups White, Mixed, Asian, Black, Other, per ethnicity profile.
_ETHNIC_MULTIPLIERS = {
    "domestic": [1.0, 1.4, 0.75, 1.45, 1.1],
    "sexual": [1.0, 1.5, 0.6, 1.3, 1.0],
    "neutral": [1.0, 1.0, 1.0, 1.0, 1.0],
    "hbv": [0.1, 0.5, 3.0, 1.5, 3.0],
}
_ETHNIC_PROFILES = list(_ETHNIC_MULTIPLIERS)

# ----------------------------------------------------------------------------------------------
# Volumes per financial year (keyed by the FY's first calendar year) at scale 1.
# Years outside the table use the nearest year in it.
# ----------------------------------------------------------------------------------------------
FY_VOLUMES: dict[str, dict[int, int]] = {
    # exact targets: current CRIME records with flag_domestic Y
    "domestic_crimes": {
        2003: 55800,
        2004: 53400,
        2005: 52100,
        2006: 51700,
        2007: 50832,
        2008: 53069,
        2009: 51880,
        2010: 50230,
        2011: 48950,
        2012: 46940,
        2013: 51240,
        2014: 62380,
        2015: 70140,
        2016: 74620,
        2017: 80910,
        2018: 86770,
        2019: 90180,
        2020: 96400,
        2021: 94800,
        2022: 91300,
        2023: 90100,
        2024: 89000,
    },
    # exact targets before April 2010 (afterwards the published borough-month counts)
    "rape": {2003: 2450, 2004: 2300, 2005: 2150, 2006: 2050, 2007: 1904, 2008: 2180, 2009: 2650},
    "other_sexual": {2003: 8600, 2004: 8400, 2005: 8100, 2006: 7900, 2007: 7750, 2008: 7500, 2009: 7150},
    # exact targets: multiple-perpetrator rapes (other years: MP_RAPE_RATE x rapes)
    "mp_rape": {2008: 93},
    # exact targets: 'honour' CRIME and INCIDENT records
    "honour_crime": {
        2003: 95,
        2004: 100,
        2005: 106,
        2006: 112,
        2007: 118,
        2008: 132,
        2009: 141,
        2010: 148,
        2011: 139,
        2012: 131,
        2013: 127,
        2014: 142,
        2015: 150,
        2016: 158,
        2017: 160,
        2018: 165,
    },
    "honour_incident": {
        2003: 88,
        2004: 93,
        2005: 99,
        2006: 104,
        2007: 110,
        2008: 124,
        2009: 131,
        2010: 136,
        2011: 128,
        2012: 122,
        2013: 118,
        2014: 130,
        2015: 137,
        2016: 140,
        2017: 145,
        2018: 150,
    },
    # other volumes (not exact targets, but drawn exactly at round(v x scale))
    "domestic_incident": {
        2003: 23100,
        2004: 23500,
        2005: 23800,
        2006: 24000,
        2007: 24300,
        2008: 25100,
        2009: 25600,
        2010: 26000,
        2011: 25400,
        2012: 24800,
        2013: 25300,
        2014: 26100,
        2015: 26900,
        2016: 27400,
    },
    "harassment_8L": {
        2003: 6900,
        2004: 7100,
        2005: 7300,
        2006: 7400,
        2007: 7600,
        2008: 8100,
        2009: 8300,
        2010: 8000,
        2011: 7700,
        2012: 7400,
        2013: 7900,
        2014: 9500,
        2015: 11000,
        2016: 12400,
    },
    "harassment_8M": {2003: 380, 2007: 400, 2008: 420, 2009: 410, 2010: 390, 2012: 370, 2014: 430},
    "stalking_8Q": {2011: 0, 2012: 180, 2013: 650, 2014: 900, 2015: 1200, 2016: 1600, 2017: 2200},
    "trafficking": {2003: 55, 2007: 68, 2008: 72, 2009: 75, 2010: 80, 2012: 85, 2014: 95},
    "slavery_106": {2014: 0, 2015: 90, 2016: 180, 2017: 300, 2018: 420, 2019: 600},
    "fm_crime": {2003: 22, 2007: 26, 2008: 28, 2009: 30, 2010: 31, 2014: 36},
    "fm_incident": {2003: 12, 2007: 15, 2008: 16, 2009: 17, 2014: 20},
    "fgm_crime": {2003: 8, 2008: 10, 2012: 12, 2015: 18},
    "fgm_incident": {2003: 4, 2008: 5, 2012: 6, 2015: 10},
}
MP_RAPE_RATE = 0.043


def fy_volume(name: str, fy: int) -> int:
    table = FY_VOLUMES[name]
    if fy in table:
        return table[fy]
    years = sorted(table)
    below = [y for y in years if y <= fy]
    return table[below[-1]] if below else table[years[0]]


# ----------------------------------------------------------------------------------------------
# Strands of records ("kinds")
# ----------------------------------------------------------------------------------------------
OUTCOMES: dict[str, dict[int, float]] = {
    "domestic": {
        1: 28,
        14: 17,
        16: 18,
        15: 9,
        18: 5,
        3: 7,
        2: 0.5,
        8: 4,
        10: 2.5,
        9: 1,
        20: 1,
        13: 0.5,
        12: 0.4,
        11: 0.3,
        17: 0.3,
        5: 0.1,
        6: 0.5,
        4: 0.3,
        21: 0.5,
        22: 0.5,
    },
    "rape": {
        1: 13,
        14: 21,
        16: 17,
        15: 22,
        18: 10,
        10: 3,
        9: 2.5,
        20: 3,
        13: 2,
        11: 2,
        12: 1,
        5: 0.5,
        17: 0.5,
        2: 1,
        3: 0.5,
        21: 1,
    },
    "sexual": {
        1: 17,
        14: 13,
        16: 10,
        15: 15,
        18: 24,
        3: 6,
        2: 3,
        8: 2,
        10: 4,
        11: 2,
        9: 1,
        20: 2,
        13: 0.5,
        12: 0.5,
        4: 0.5,
        21: 0.5,
        22: 0.5,
    },
    "harassment": {1: 21, 14: 15, 16: 18, 15: 10, 18: 12, 3: 5, 8: 8, 10: 4, 6: 2, 9: 1, 20: 2, 2: 1, 21: 0.5, 22: 0.5},
    "trafficking": {1: 25, 15: 20, 18: 20, 14: 10, 16: 8, 20: 10, 10: 4, 9: 3},
    "honour": {1: 25, 14: 15, 16: 20, 15: 15, 18: 8, 3: 5, 20: 5, 10: 4, 9: 3},
    "forced_marriage": {1: 20, 14: 20, 16: 20, 15: 15, 20: 10, 10: 8, 18: 7},
    "fgm": {1: 5, 15: 30, 18: 25, 20: 15, 14: 10, 16: 10, 10: 5},
}
_SUSPECT_OUTCOMES = np.array([1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 15, 16])


@dataclass(frozen=True)
class Delay:
    """Days from recording to a decision: a share ``at_once`` is decided within a day or two
    (``AT_ONCE_DAYS``: charged in custody, a caution at the station, a victim who declines at
    once); the rest after a lognormal number of days with ``median`` and log-standard deviation
    ``sigma`` (a right tail: files that wait for forensics, the CPS or a suspect), cut at the
    end of the ``DECIDED_WITHIN_QUARTERS``-th quarter after the recording quarter."""

    at_once: float
    median: float
    sigma: float


AT_ONCE_DAYS = (1, 2)
#: Every decision is made by the end of the sixth quarter after the recording quarter (police.uk
#: shows little change after ~18 months; the CPS generator's maturity rule relies on it).
DECIDED_WITHIN_QUARTERS = 6
#: When each Home Office outcome type arrives (see the module docstring for the reasoning).
OUTCOME_DELAYS: dict[tuple[int, ...], Delay] = {
    (14, 16): Delay(0.10, 25, 0.9),  # victim does not support: mostly within weeks
    (1,): Delay(0.15, 110, 1.0),  # charged: in custody, or after a file goes to the CPS
    (2, 3, 6, 8, 22): Delay(0.25, 30, 1.0),  # cautions, penalty notices, community resolutions
    (15,): Delay(0.0, 90, 1.0),  # evidential difficulties, victim supports: full enquiry
    (18,): Delay(0.0, 30, 0.7),  # no suspect identified: filed after initial enquiries
}
OTHER_OUTCOME_DELAY = Delay(0.05, 60, 1.1)  # 4, 5, 9-13, 17, 20, 21: decisions after enquiries
NO_CRIME_DELAY = Delay(0.0, 30, 0.9)  # a no-crime decision by the crime registrar
NO_CRIME_CODE = 0  # the code ``delay_days`` takes for a no-crime decision


def _delay_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(at_once, median, sigma) indexed by outcome code 0..22 (0: a no-crime decision)."""
    at_once = np.full(23, OTHER_OUTCOME_DELAY.at_once)
    median = np.full(23, float(OTHER_OUTCOME_DELAY.median))
    sigma = np.full(23, OTHER_OUTCOME_DELAY.sigma)
    for codes, d in [*OUTCOME_DELAYS.items(), ((NO_CRIME_CODE,), NO_CRIME_DELAY)]:
        at_once[list(codes)], median[list(codes)], sigma[list(codes)] = d.at_once, d.median, d.sigma
    return at_once, median, sigma


_AT_ONCE, _MEDIAN, _SIGMA = _delay_table()


def delay_days(
    rng: np.random.Generator, outcome: np.ndarray, rec_day: np.ndarray, pace: float = 1.0, min_days: int = 1
) -> np.ndarray:
    """Days from recording on ``rec_day`` to the decision for each outcome code (``NO_CRIME_CODE``
    for a no-crime decision); ``pace`` stretches the medians (slower strands). The lognormal is
    truncated (inverse CDF, no pile-up) at the end of the ``DECIDED_WITHIN_QUARTERS``-th quarter.
    Three draws per record whatever the codes, so the draws do not depend on which were drawn."""
    n = len(outcome)
    u, v = rng.random(n), rng.random(n)
    quick = rng.integers(AT_ONCE_DAYS[0], AT_ONCE_DAYS[1] + 1, n)
    cap = quarter_end_days(days_to_quarter(rec_day) + DECIDED_WITHIN_QUARTERS) - rec_day
    median, sigma = _MEDIAN[outcome] * pace, _SIGMA[outcome]
    z = ndtri(v * ndtr(np.log(cap / median) / sigma))
    slow = np.ceil(median * np.exp(sigma * z))
    days = np.where(u < _AT_ONCE[outcome], quick, slow)
    return np.clip(days, min_days, cap).astype(np.int64)


@dataclass(frozen=True)
class Kind:
    name: str
    codes: tuple[tuple[str, float], ...]  # offence codes and weights ('' = blank)
    classification: int = CRIME
    pattern: str = "vwi"  # borough-month pattern
    victim_sex: tuple[float, float, float] = (0.87, 0.12, 0.01)  # F, M, U
    age: tuple = ("gamma", 16, 2.4, 9.0, 95)
    flags: tuple[tuple[str, float], ...] = ()  # (flag, probability)
    outcomes: str | None = None
    suspect_p: float = 0.9
    suspect_sex: tuple[float, float, float] | None = (0.25, 0.73, 0.02)  # F, M, U; None = domestic rule
    no_crime_rate: float = 0.0
    outcome_pace: float = 1.0  # outcome delay medians x this (slower investigations)
    sexual: bool = False  # longer report/offence lags
    ethnic: str = "neutral"
    min_day: int | None = None  # code in force from (day number)


_DAY_8Q = day_number(dt.date(2012, 11, 25))
_DAY_106 = day_number(dt.date(2015, 7, 31))
_DAY_21 = day_number(dt.date(2016, 1, 1))  # outcome 21 exists from
_DAY_22 = day_number(dt.date(2019, 4, 1))  # outcome 22 exists from
_DOMESTIC_CODES = (
    ("105A", 29),
    ("8G", 24),
    ("58A", 12),
    ("105B", 6),
    ("3B", 5),
    ("8F", 3),
    ("9A", 3),
    ("49", 2),
    ("5A", 1.5),
    ("8H", 1),
    ("8J", 1),
    ("28E", 1),
    ("1", 0.03),
    ("4/1", 0.004),
)
_INCIDENT_CODES = (("", 97), ("105A", 1.5), ("58A", 0.8), ("9A", 0.7))

KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "rape",
            tuple(zip(RAPE_CODES, (74, 10, 5, 7, 2, 2))),
            pattern="Rape",
            flags=(("domestic", 0.26),),
            outcomes="rape",
            outcome_pace=2.0,
            suspect_p=0.8,
            suspect_sex=(0.015, 0.98, 0.005),
            no_crime_rate=0.10,
            sexual=True,
            ethnic="sexual",
        ),
        Kind(
            "other_sexual",
            tuple(zip(OSO_CODES, (5, 2, 42, 7, 5, 3, 2, 1, 0.5, 0.5, 3, 2, 16, 5, 3))),
            pattern="Other Sexual Offences",
            flags=(("domestic", 0.07), ("multiple_perpetrator", 0.01)),
            outcomes="sexual",
            outcome_pace=1.5,
            suspect_p=0.55,
            suspect_sex=(0.04, 0.95, 0.01),
            no_crime_rate=0.06,
            sexual=True,
            ethnic="sexual",
        ),
        Kind(
            "harassment_8L",
            (("8L", 1),),
            victim_sex=(0.70, 0.28, 0.02),
            flags=(("domestic", 0.38),),
            outcomes="harassment",
            suspect_p=0.92,
            no_crime_rate=0.04,
        ),
        Kind(
            "harassment_8M",
            (("8M", 1),),
            victim_sex=(0.55, 0.43, 0.02),
            flags=(("domestic", 0.08),),
            outcomes="harassment",
            suspect_p=0.7,
            suspect_sex=(0.2, 0.78, 0.02),
            no_crime_rate=0.04,
        ),
        Kind(
            "stalking_8Q",
            (("8Q", 1),),
            victim_sex=(0.80, 0.19, 0.01),
            flags=(("domestic", 0.45),),
            outcomes="harassment",
            suspect_p=0.95,
            suspect_sex=(0.15, 0.84, 0.01),
            no_crime_rate=0.04,
            min_day=_DAY_8Q,
        ),
        Kind(
            "trafficking",
            (("72", 35), ("71", 22), ("24", 43)),
            victim_sex=(0.8, 0.19, 0.01),
            age=("gamma", 14, 2.0, 5.0, 70),
            outcomes="trafficking",
            outcome_pace=1.5,
            suspect_p=0.75,
            suspect_sex=(0.2, 0.8, 0.0),
            no_crime_rate=0.05,
        ),
        Kind(
            "slavery_106",
            (("106", 1),),
            victim_sex=(0.55, 0.44, 0.01),
            age=("gamma", 14, 2.0, 6.0, 70),
            outcomes="trafficking",
            outcome_pace=1.5,
            suspect_p=0.6,
            suspect_sex=(0.25, 0.75, 0.0),
            no_crime_rate=0.05,
            min_day=_DAY_106,
        ),
        Kind(
            "honour_crime",
            (
                ("8G", 25),
                ("105A", 25),
                ("3B", 15),
                ("36", 8),
                ("105B", 7),
                ("58A", 5),
                ("5A", 5),
                ("8F", 5),
                ("1", 0.5),
            ),
            pattern="hbv",
            victim_sex=(0.84, 0.15, 0.01),
            age=("gamma", 13, 2.0, 7.0, 80),
            flags=(("honour", 1.0), ("domestic", 0.70), ("forced_marriage", 0.10)),
            outcomes="honour",
            outcome_pace=1.5,
            suspect_p=0.95,
            no_crime_rate=0.02,
            ethnic="hbv",
        ),
        Kind(
            "honour_incident",
            _INCIDENT_CODES,
            classification=INCIDENT,
            pattern="hbv",
            victim_sex=(0.84, 0.15, 0.01),
            age=("gamma", 13, 2.0, 7.0, 80),
            flags=(("honour", 1.0), ("domestic", 0.65), ("forced_marriage", 0.10)),
            suspect_p=0.9,
            ethnic="hbv",
        ),
        Kind(
            "fm_crime",
            (("36", 30), ("3B", 20), ("105A", 20), ("8G", 10), ("105B", 10), ("58A", 10)),
            pattern="hbv",
            victim_sex=(0.82, 0.17, 0.01),
            age=("gamma", 13, 2.2, 3.5, 60),
            flags=(("forced_marriage", 1.0), ("domestic", 0.55)),
            outcomes="forced_marriage",
            outcome_pace=1.5,
            suspect_p=0.95,
            suspect_sex=(0.4, 0.6, 0.0),
            no_crime_rate=0.02,
            ethnic="hbv",
        ),
        Kind(
            "fm_incident",
            _INCIDENT_CODES,
            classification=INCIDENT,
            pattern="hbv",
            victim_sex=(0.82, 0.17, 0.01),
            age=("gamma", 13, 2.2, 3.5, 60),
            flags=(("forced_marriage", 1.0), ("domestic", 0.5)),
            suspect_p=0.9,
            suspect_sex=(0.4, 0.6, 0.0),
            ethnic="hbv",
        ),
        Kind(
            "fgm_crime",
            (("8K", 85), ("5A", 15)),
            pattern="hbv",
            victim_sex=(1.0, 0.0, 0.0),
            age=("mix", ((0.7, ("unif", 1, 14)), (0.3, ("gamma", 16, 2.0, 8.0, 60)))),
            flags=(("fgm", 1.0), ("domestic", 0.35)),
            outcomes="fgm",
            outcome_pace=1.5,
            suspect_p=0.5,
            suspect_sex=(0.8, 0.2, 0.0),
            ethnic="hbv",
        ),
        Kind(
            "fgm_incident",
            _INCIDENT_CODES,
            classification=INCIDENT,
            pattern="hbv",
            victim_sex=(1.0, 0.0, 0.0),
            age=("mix", ((0.7, ("unif", 1, 14)), (0.3, ("gamma", 16, 2.0, 8.0, 60)))),
            flags=(("fgm", 1.0), ("domestic", 0.3)),
            suspect_p=0.5,
            suspect_sex=(0.8, 0.2, 0.0),
            ethnic="hbv",
        ),
        Kind(
            "domestic_crime",
            _DOMESTIC_CODES,
            age=("mix", ((0.985, ("gamma", 16, 2.6, 7.5, 95)), (0.015, ("unif", 10, 15)))),
            flags=(("domestic", 1.0), ("multiple_perpetrator", 0.002)),
            outcomes="domestic",
            suspect_p=0.96,
            suspect_sex=None,
            no_crime_rate=0.03,
            ethnic="domestic",
        ),
        Kind(
            "domestic_incident",
            _INCIDENT_CODES,
            classification=INCIDENT,
            age=("mix", ((0.985, ("gamma", 16, 2.6, 7.5, 95)), (0.015, ("unif", 10, 15)))),
            flags=(("domestic", 1.0),),
            suspect_p=0.9,
            suspect_sex=None,
            ethnic="domestic",
        ),
    ]
}
KIND_NAMES = list(KINDS)
KIND_ID = {k: i for i, k in enumerate(KIND_NAMES)}

# Offence codes that fix the victim's sex and age band (sex F, M, U probabilities; age spec).
_CODE_VICTIM = {
    "19C": ((0.995, 0.0, 0.005), ("gamma", 16, 1.5, 9.0, 90)),
    "19D": ((0.995, 0.0, 0.005), ("unif", 13, 15)),
    "19E": ((0.995, 0.0, 0.005), ("unif", 4, 12)),
    "19F": ((0.0, 0.995, 0.005), ("gamma", 16, 1.5, 9.0, 85)),
    "19G": ((0.0, 0.995, 0.005), ("unif", 13, 15)),
    "19H": ((0.0, 0.995, 0.005), ("unif", 4, 12)),
    "17A": ((0.0, 0.995, 0.005), ("gamma", 13, 1.4, 10.0, 85)),
    "17B": ((0.0, 0.995, 0.005), ("unif", 4, 12)),
    "20A": ((0.995, 0.0, 0.005), ("gamma", 13, 1.4, 10.0, 90)),
    "20B": ((0.995, 0.0, 0.005), ("unif", 4, 12)),
    "21": ((0.80, 0.19, 0.01), ("unif", 10, 15)),
    "22A": ((0.85, 0.14, 0.01), ("gamma", 16, 1.5, 9.0, 85)),
    "22B": ((0.85, 0.14, 0.01), ("unif", 13, 15)),
    "23": ((0.80, 0.19, 0.01), ("unif", 5, 17)),
    "70": ((0.70, 0.29, 0.01), ("gamma", 18, 2.0, 8.0, 80)),
    "73": ((0.70, 0.29, 0.01), ("unif", 13, 17)),
    "88A": ((0.80, 0.19, 0.01), ("unif", 11, 15)),
    "88B": ((0.75, 0.24, 0.01), ("gamma", 13, 1.5, 10.0, 85)),
    "88C": ((0.90, 0.09, 0.01), ("gamma", 16, 1.5, 10.0, 85)),
    "88D": ((0.85, 0.14, 0.01), ("gamma", 16, 1.5, 9.0, 80)),
    "88E": ((0.80, 0.19, 0.01), ("gamma", 13, 1.5, 10.0, 80)),
    "71": ((0.85, 0.14, 0.01), ("unif", 12, 17)),
}
# Reclassification: the code a record was first recorded under, for a final code.
_FIRST_CODE = {
    "19C": "20A",
    "19D": "20A",
    "19E": "20B",
    "19F": "17A",
    "19G": "17A",
    "19H": "17B",
    "20A": "19C",
    "8G": "105A",
}


# ----------------------------------------------------------------------------------------------
# Package data
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tables:
    months: np.ndarray  # absolute month indices of the count columns
    counts: dict[str, np.ndarray]  # minor text -> (32 boroughs, n months) int64
    sde_share: np.ndarray  # (32 boroughs, 16 sde) population shares


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        with open(DATA_DIR / "mps_borough_month_counts.csv", newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        months = np.array([int(c[:4]) * 12 + int(c[4:]) - 1 for c in header[2:]], dtype=np.int64)
        counts: dict[str, np.ndarray] = {}
        for r in rows[1:]:
            mat = counts.setdefault(r[0], np.zeros((NB, len(months)), dtype=np.int64))
            mat[BOROUGHS.index(r[1])] += np.array([int(v) for v in r[2:]], dtype=np.int64)
        pop = np.zeros((NB, 16))
        with open(DATA_DIR / "census2011_population_by_borough_sde.csv", newline="") as f:
            for r in csv.DictReader(f):
                if r["borough_code"] in BOROUGHS:
                    pop[BOROUGHS.index(r["borough_code"]), SDE.index(r["sde_code"]) - 1] = float(r["population"])
        _TABLES = _Tables(months, counts, pop / pop.sum(axis=1, keepdims=True))
    return _TABLES


def _month_counts(minor: str, month_index: int) -> np.ndarray:
    """Published counts of a month for the 32 boroughs; months after the data repeat the same
    calendar month of its last 12 months, months before April 2010 use 2010/11."""
    t = _tables()
    first, last = int(t.months[0]), int(t.months[-1])
    m = month_index
    while m > last:
        m -= 12
    while m < first:
        m += 12
    return t.counts[minor][:, m - first]


def _fy_months(fy: int) -> np.ndarray:
    """Absolute month indices of April fy .. March fy+1."""
    return np.arange(fy * 12 + 3, fy * 12 + 15, dtype=np.int64)


def _pattern(name: str, fy: int) -> np.ndarray:
    """(12 months, 32 boroughs) weights for spreading a financial-year volume."""
    minor = name if name in ("Rape", "Other Sexual Offences") else "Violence with Injury"
    w = np.stack([_month_counts(minor, int(m)) for m in _fy_months(fy)]).astype(np.float64)
    if name == "hbv":  # 'honour', forced marriage, FGM: boroughs with South Asian, African and
        share = _tables().sde_share  # Middle-Eastern communities
        w = w * (0.25 + share[:, [8, 9, 10, 12, 15]].sum(axis=1))[None, :]
    return w + 1e-9


def _month_weights_for_min_day(months: np.ndarray, min_day: int | None) -> np.ndarray:
    """Share of each month during which a code is in force."""
    if min_day is None:
        return np.ones(len(months))
    starts = month_index_start_days(months)
    ends = month_index_start_days(months + 1) - 1
    in_force = np.clip(ends - np.maximum(starts, min_day) + 1, 0, None)
    return in_force / (ends - starts + 1)


# ----------------------------------------------------------------------------------------------
# Record generation (one financial year at a time)
# ----------------------------------------------------------------------------------------------
def _draw_age(rng: np.random.Generator, spec, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if spec[0] == "gamma":
        _, lo, shape, scale_, hi = spec
        return np.minimum(lo + np.floor(rng.gamma(shape, scale_, n)), hi).astype(np.int64)
    if spec[0] == "unif":
        return rng.integers(spec[1], spec[2] + 1, n).astype(np.int64)
    if spec[0] == "mix":
        parts = spec[1]
        which = draw_categorical(rng, np.array([p for p, _ in parts]), n)
        out = np.zeros(n, dtype=np.int64)
        for i, (_, sub) in enumerate(parts):
            sel = which == i
            out[sel] = _draw_age(rng, sub, int(sel.sum()))
        return out
    raise ValueError(spec)


def _lag(rng: np.random.Generator, n: int, probs, tails) -> np.ndarray:
    """Day lags: 0, 1, 2, 3 with ``probs[:4]`` then a uniform tail range for each further prob."""
    which = draw_categorical(rng, np.asarray(probs), n)
    out = np.zeros(n, dtype=np.int64)
    for i in range(len(probs)):
        sel = which == i
        if i < 4:
            out[sel] = i
        else:
            lo, hi = tails[i - 4]
            out[sel] = rng.integers(lo, hi + 1, int(sel.sum()))
    return out


def _event_days(rng, rec_day: np.ndarray, q_event: np.ndarray) -> np.ndarray:
    """A day in quarter ``q_event`` not before ``rec_day`` (inclusive)."""
    lo = np.maximum(quarter_start_days(q_event), rec_day)
    hi = quarter_end_days(q_event)
    return lo + np.floor(rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _stamp(rng, day: np.ndarray, q: np.ndarray, p_same: float = 0.6, max_lag: int = 3) -> np.ndarray:
    """Seconds timestamp of a write on ``day`` or a few days later, within quarter ``q``, 07:00-22:59."""
    n = len(day)
    lag = np.where(rng.random(n) < p_same, 0, rng.integers(1, max_lag + 1, n))
    d = np.minimum(day + lag, quarter_end_days(q))
    tod = 7 * 3600 + rng.integers(0, 16 * 3600, n)
    return d * SECONDS_PER_DAY + tod


def _ethnicity(rng, borough: np.ndarray, profile: np.ndarray):
    """True self-defined code (1..16), recorded sde and identity code indices."""
    n = len(borough)
    share = _tables().sde_share
    mult = np.array([_ETHNIC_MULTIPLIERS[p] for p in _ETHNIC_PROFILES])[:, SDE_BROAD]  # (profiles, 16)
    probs = share[borough] * mult[profile]
    true = draw_categorical(rng, probs) + 1
    ic_true = draw_categorical(rng, _IC_GIVEN_SDE[true - 1]) + 1  # IC index: 1 = IC0 .. 7 = IC6
    u = rng.random(n)
    sde = true.copy()
    ic = ic_true.copy()
    ic[(u < 0.81) & (rng.random(n) < 0.08)] = 0
    ic_only = (u >= 0.81) & (u < 0.96)
    sde[ic_only] = np.where(rng.random(int(ic_only.sum())) < 0.7, SDE_NS, 0)
    neither = u >= 0.96
    v = rng.random(n)
    sde[neither] = np.where(v[neither] < 0.75, SDE_NS, 0)
    ic[neither] = np.where(v[neither] < 0.60, 1, 0)
    return true, sde, ic


def _empty_like(n: int) -> dict[str, np.ndarray]:
    """Columns of a record table. Days and quarters are int32 (never multiplied in place: take
    ``astype(np.int64)`` first), timestamps int64 seconds."""

    def z(dt=np.int32, fill=0):
        return np.full(n, fill, dtype=dt)

    i8, i16, i64 = np.int8, np.int16, np.int64
    return {
        "kind": z(i16),
        "extra": z(i8),
        "borough": z(i16),
        "rec_day": z(),
        "rep_day": z(),
        "off_day": z(),
        "code_init": z(i16),
        "code_final": z(i16),
        "q_reclass": z(fill=NEVER),
        "ts_reclass": z(i64),
        "cls": z(i8),
        "q_nocrime": z(fill=NEVER),
        "nocrime_day": z(fill=NO_DAY),
        "ts_nocrime": z(i64),
        "dom_init": z(i8),
        "dom_final": z(i8),
        "q_dom": z(fill=NEVER),
        "ts_dom": z(i64),
        "honour": z(i8),
        "fm": z(i8),
        "fgm": z(i8),
        "mp_init": z(i8),
        "mp_final": z(i8),
        "q_mp": z(fill=NEVER),
        "ts_mp": z(i64),
        "outcome": z(i8),
        "q_outcome": z(fill=NEVER),
        "outcome_day": z(fill=NO_DAY),
        "ts_outcome": z(i64),
        "v_sex": z(i8),
        "v_age": z(i16, -1),
        "v_sde": z(i8),
        "v_ic": z(i8),
        "v_dis": z(i8),
        "v_sexuality": z(i8),
        "s_sex": z(i8),
        "s_age": z(i16, -1),
        "s_sde": z(i8),
        "q_susp": z(),
        "ts_susp": z(i64),
        "q0": z(),
        "ts_create": z(i64),
        "ref_num": z(),
        "urn_serial": z(fill=-1),
        "urn_yy": z(i16),
    }


def _block(kind: Kind, cells: np.ndarray, fy: int, rng: np.random.Generator, extra: int = 0) -> dict[str, np.ndarray]:
    """Records of one kind; ``cells`` = (12 months, 32 boroughs) counts of the financial year."""
    months = _fy_months(fy)
    flat = cells.ravel()
    n = int(flat.sum())
    r = _empty_like(n)
    if n == 0:
        return r
    cell_idx = np.repeat(np.arange(flat.size), flat)
    month = months[cell_idx // NB]
    borough = (cell_idx % NB).astype(np.int64)
    r["kind"][:] = KIND_ID[kind.name]
    r["extra"][:] = extra
    r["borough"][:] = borough

    # offence code
    code_names = [c for c, _ in kind.codes]
    ci = draw_categorical(rng, np.array([w for _, w in kind.codes], dtype=float), n)
    code = np.array([CODE[c] for c in code_names], dtype=np.int16)[ci]
    r["code_init"][:] = code
    r["code_final"][:] = code

    # dates
    m_start = month_index_start_days(month)
    m_end = month_index_start_days(month + 1) - 1
    lo = m_start if kind.min_day is None else np.maximum(m_start, kind.min_day)
    rec = lo + np.floor(rng.random(n) * (m_end - lo + 1)).astype(np.int64)
    if kind.sexual:
        rep_lag = _lag(rng, n, (0.72, 0.12, 0.05, 0.03, 0.08), ((4, 60),))
        off_lag = _lag(rng, n, (0.35, 0.10, 0.06, 0.04, 0.05, 0.20, 0.20), ((4, 7), (8, 365), (366, 30 * 365)))
    else:
        rep_lag = _lag(rng, n, (0.82, 0.10, 0.03, 0.02, 0.03), ((4, 30),))
        pro = (
            (0.60, 0.12, 0.08, 0.05, 0.05, 0.08, 0.02)
            if kind.ethnic == "domestic"
            else (0.50, 0.12, 0.08, 0.05, 0.05, 0.17, 0.03)
        )
        off_lag = _lag(rng, n, pro, ((4, 7), (8, 365), (366, 20 * 365)))
    rep = rec - rep_lag
    off = rep - off_lag
    if kind.min_day is not None:
        rep = np.maximum(rep, kind.min_day)
        off = np.maximum(off, kind.min_day)
    off = np.where(rng.random(n) < 0.04, NO_DAY, off)
    r["rec_day"][:] = rec
    r["rep_day"][:] = rep
    r["off_day"][:] = off
    q0 = days_to_quarter(rec)
    r["q0"][:] = q0
    r["ts_create"][:] = _stamp(rng, rec, q0, p_same=0.75, max_lag=7)

    # victim sex and age
    sex = draw_categorical(rng, np.array(kind.victim_sex), n) + 1
    age = _draw_age(rng, kind.age, n)
    for cname, (sp, aspec) in _CODE_VICTIM.items():
        sel = code == CODE[cname]
        k = int(sel.sum())
        if k:
            sex[sel] = draw_categorical(rng, np.array(sp), k) + 1
            age[sel] = _draw_age(rng, aspec, k)
    if kind.name == "rape":  # a few ages inconsistent with the code (listed in the DQ report)
        odd = rng.random(n) < 0.025
        adult = np.isin(code, [CODE["19C"], CODE["19F"]])
        teen = np.isin(code, [CODE["19D"], CODE["19G"]])
        child = np.isin(code, [CODE["19E"], CODE["19H"]])
        age = np.where(odd & adult, rng.integers(13, 16, n), age)
        age = np.where(odd & teen, rng.integers(16, 18, n), age)
        age = np.where(odd & child, 13, age)
    age = np.where(rng.random(n) < 0.03, -1, np.clip(age, 0, 110))
    r["v_sex"][:] = sex
    r["v_age"][:] = age
    profile = np.full(n, _ETHNIC_PROFILES.index(kind.ethnic))
    true_sde, sde, ic = _ethnicity(rng, borough, profile)
    r["v_sde"][:] = sde
    r["v_ic"][:] = ic
    r["v_dis"][:] = draw_categorical(rng, np.array([0.03, 0.29, 0.68]), n) + 1
    r["v_sexuality"][:] = draw_categorical(rng, np.array([0.22, 0.02, 0.012, 0.008, 0.74]), n) + 1
    if kind.name in ("rape", "other_sexual"):
        male = sex == 2
        r["v_sexuality"][male] = draw_categorical(rng, np.array([0.15, 0.08, 0.02, 0.01, 0.74]), int(male.sum())) + 1

    # flags
    cls = np.full(n, kind.classification, dtype=np.int8)
    r["cls"][:] = cls
    for flag, p in kind.flags:
        on = (rng.random(n) < p).astype(np.int8)
        if flag == "domestic":
            r["dom_init"][:] = on
            r["dom_final"][:] = on
        elif flag == "multiple_perpetrator":
            r["mp_init"][:] = on
            r["mp_final"][:] = on
        else:
            r[{"honour": "honour", "forced_marriage": "fm", "fgm": "fgm"}[flag]][:] = on

    # outcome (crimes only; extras get theirs cleared by the caller)
    outcome = np.zeros(n, dtype=np.int64)
    if kind.outcomes and kind.classification == CRIME:
        dist = OUTCOMES[kind.outcomes]
        codes_o = np.array(list(dist))
        outcome = codes_o[draw_categorical(rng, np.array(list(dist.values()), dtype=float), n)]
        oday = rec + delay_days(rng, outcome, rec, kind.outcome_pace)
        q_out = days_to_quarter(oday)
        outcome = np.where((outcome == 21) & (oday < _DAY_21), 10, outcome)
        outcome = np.where((outcome == 22) & (oday < _DAY_22), 8, outcome)
        r["outcome"][:] = outcome
        r["q_outcome"][:] = q_out
        r["outcome_day"][:] = oday

    # suspect
    has = rng.random(n) < kind.suspect_p
    has = np.where(np.isin(outcome, _SUSPECT_OUTCOMES), True, has)
    has = np.where(outcome == 18, False, has)
    if kind.suspect_sex is None:  # domestic: depends on the victim's sex
        p = np.where(
            (sex == 1)[:, None],
            [[0.06, 0.93, 0.01]],
            np.where((sex == 2)[:, None], [[0.72, 0.27, 0.01]], [[0.5, 0.5, 0.0]]),
        )
        s_sex = draw_categorical(rng, p) + 1
    else:
        s_sex = draw_categorical(rng, np.array(kind.suspect_sex), n) + 1
    s_age = np.minimum(15 + np.floor(rng.gamma(2.3, 9.0, n)), 90).astype(np.int64)
    s_age = np.where(rng.random(n) < 0.08, -1, s_age)
    _, s_sde_draw, _ = _ethnicity(rng, borough, np.full(n, _ETHNIC_PROFILES.index("neutral")))
    if kind.ethnic in ("domestic", "hbv"):
        s_sde = np.where(rng.random(n) < 0.7, true_sde, s_sde_draw)
    else:
        s_sde = s_sde_draw
    u = rng.random(n)
    s_sde = np.where(u < 0.22, SDE_NS, np.where(u < 0.27, 0, s_sde))
    r["s_sex"][:] = np.where(has, s_sex, 0)
    r["s_age"][:] = np.where(has, s_age, -1)
    r["s_sde"][:] = np.where(has, s_sde, 0)
    return r


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    parts = [p for p in parts if len(p["kind"])] or parts[:1]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _take(r: dict[str, np.ndarray], idx) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in r.items()}


def _cells_exact(minor: str, fy: int, scale: float) -> np.ndarray:
    """Published borough-month counts x scale (rounded half up), (12, 32)."""
    return np.stack([round_half_up(_month_counts(minor, int(m)) * scale) for m in _fy_months(fy)])


def _cells_multinomial(rng, total: int, weights: np.ndarray) -> np.ndarray:
    w = weights.ravel() / weights.sum()
    return rng.multinomial(max(int(total), 0), w).reshape(weights.shape)


def _kind_cells(name: str, total: int, fy: int, rng) -> np.ndarray:
    kind = KINDS[name]
    w = _pattern(kind.pattern, fy) * _month_weights_for_min_day(_fy_months(fy), kind.min_day)[:, None]
    if w.sum() <= 12 * NB * 1e-9 * 1.01 or total <= 0:
        return np.zeros((12, NB), dtype=np.int64)
    return _cells_multinomial(rng, total, w)


def generate_financial_year(fy: int, scale: float, seed: int) -> dict[str, np.ndarray]:
    """Every record recorded in the financial year starting April ``fy``, with its full history
    (events may lie beyond any range; the caller truncates). Deterministic in (fy, scale, seed)."""

    def rng(*keys):
        return derive_rng(seed, SOURCE, "fy", fy, *keys)

    parts: list[dict[str, np.ndarray]] = []
    legacy = fy < 2010  # before April 2010: financial-year totals spread in the 2010/11 pattern

    # -- target strands -----------------------------------------------------------------------
    cells = {}
    for name, minor in (("rape", "Rape"), ("other_sexual", "Other Sexual Offences")):
        if legacy:
            cells[name] = _cells_multinomial(
                rng(name, "cells"), scaled(fy_volume(name, fy), scale), _pattern(minor, fy)
            )
        else:
            cells[name] = _cells_exact(minor, fy, scale)
    volumes = {
        "harassment_8L": "harassment_8L",
        "harassment_8M": "harassment_8M",
        "stalking_8Q": "stalking_8Q",
        "trafficking": "trafficking",
        "slavery_106": "slavery_106",
        "honour_crime": "honour_crime",
        "honour_incident": "honour_incident",
        "fm_crime": "fm_crime",
        "fm_incident": "fm_incident",
        "fgm_crime": "fgm_crime",
        "fgm_incident": "fgm_incident",
        "domestic_incident": "domestic_incident",
    }
    for name, vol in volumes.items():
        cells[name] = _kind_cells(name, scaled(fy_volume(vol, fy), scale), fy, rng(name, "cells"))
    for name in ["rape", "other_sexual", *volumes]:
        parts.append(_block(KINDS[name], cells[name], fy, rng(name, "records")))

    targets = _concat(parts)
    # multiple-perpetrator rapes: an exact number of the rapes
    is_rape = targets["kind"] == KIND_ID["rape"]
    n_rape = int(is_rape.sum())
    n_mp = (
        scaled(FY_VOLUMES["mp_rape"][fy], scale)
        if fy in FY_VOLUMES["mp_rape"]
        else int(round_half_up(MP_RAPE_RATE * n_rape))
    )
    n_mp = min(n_mp, n_rape)
    mp_pick = rng("mp").choice(np.flatnonzero(is_rape), size=n_mp, replace=False) if n_mp else np.zeros(0, np.int64)
    targets["mp_init"][is_rape] = 0
    targets["mp_final"][is_rape] = 0
    targets["mp_init"][mp_pick] = 1
    targets["mp_final"][mp_pick] = 1

    # domestic abuse: the domestic-flagged crimes of the other strands plus domestic_crime records
    dom_target = scaled(fy_volume("domestic_crimes", fy), scale)
    flagged = (targets["dom_final"] == 1) & (targets["cls"] == CRIME)
    surplus = int(flagged.sum()) - dom_target
    if surplus > 0:  # only at tiny scales: unflag some
        drop = rng("dom_unflag").choice(np.flatnonzero(flagged), size=surplus, replace=False)
        targets["dom_init"][drop] = 0
        targets["dom_final"][drop] = 0
        flagged[drop] = False
    n_dom = dom_target - int(flagged.sum())
    dom = _block(
        KINDS["domestic_crime"],
        _kind_cells("domestic_crime", n_dom, fy, rng("domestic_crime", "cells")),
        fy,
        rng("domestic_crime", "records"),
    )
    # domestic murders carry no multiple-perpetrator flag unless drawn; keep it simple
    targets = _concat([targets, dom])
    n = len(targets["kind"])

    # -- later changes to target records --------------------------------------------------------
    r = rng("changes")
    q0 = targets["q0"]
    crime = targets["cls"] == CRIME
    strand_kinds = np.isin(
        targets["kind"], [KIND_ID[k] for k in ("rape", "other_sexual", "harassment_8L", "harassment_8M", "stalking_8Q")]
    )
    # domestic flag added later (strand offences only, so the first version is in scope)
    add = strand_kinds & (targets["dom_final"] == 1) & (r.random(n) < 0.05)
    targets["dom_init"][add] = 0
    targets["q_dom"][add] = q0[add] + r.integers(1, 3, int(add.sum()))
    # multiple-perpetrator flag added later
    add = (targets["mp_final"] == 1) & (r.random(n) < 0.06)
    targets["mp_init"][add] = 0
    targets["q_mp"][add] = q0[add] + r.integers(1, 3, int(add.sum()))
    # suspect identified a quarter or two after recording (never after the outcome)
    late = (targets["s_sex"] > 0) & (r.random(n) < 0.2)
    targets["q_susp"][late] = np.minimum(q0[late] + r.integers(1, 3, int(late.sum())), targets["q_outcome"][late])
    # reclassified
    fc = np.array([CODE.get(_FIRST_CODE.get(c, ""), 0) for c in CODES], dtype=np.int16)
    kind_rate = np.zeros(len(KIND_NAMES))
    kind_rate[[KIND_ID["rape"], KIND_ID["other_sexual"], KIND_ID["domestic_crime"]]] = [0.03, 0.01, 0.02]
    rec_rate = kind_rate[targets["kind"]]
    recl = crime & (fc[targets["code_final"]] > 0) & (r.random(n) < rec_rate)
    recl &= ~((targets["kind"] == KIND_ID["other_sexual"]) & (targets["code_final"] != CODE["20A"]))
    targets["code_init"][recl] = fc[targets["code_final"][recl]]
    targets["q_reclass"][recl] = q0[recl] + r.integers(1, 3, int(recl.sum()))
    parts = [targets]

    # -- extra records: later no-crimed ------------------------------------------------------------
    pattern_of = {"rape": cells["rape"], "other_sexual": cells["other_sexual"]}
    for name in (
        "rape",
        "other_sexual",
        "harassment_8L",
        "harassment_8M",
        "stalking_8Q",
        "trafficking",
        "slavery_106",
        "honour_crime",
        "fm_crime",
        "domestic_crime",
    ):
        kind = KINDS[name]
        base = int((targets["kind"] == KIND_ID[name]).sum())
        rr = rng(name, "no_crime")
        n_extra = int(rr.poisson(base * kind.no_crime_rate / (1 - kind.no_crime_rate))) if base else 0
        if not n_extra:
            continue
        if name in pattern_of:
            c = _cells_multinomial(rr, n_extra, pattern_of[name].astype(float) + 1e-9)
        else:
            c = _kind_cells(name, n_extra, fy, rr)
        ex = _block(kind, c, fy, rng(name, "no_crime_records"), extra=1)
        k = len(ex["kind"])
        nday = ex["rec_day"] + delay_days(rr, np.full(k, NO_CRIME_CODE), ex["rec_day"], min_days=0)
        qn = days_to_quarter(nday)
        ex["q_nocrime"][:] = qn
        ex["nocrime_day"][:] = nday
        ex["ts_nocrime"][:] = _stamp(rr, ex["nocrime_day"], qn)
        ex["outcome"][:] = 0
        ex["q_outcome"][:] = NEVER
        ex["outcome_day"][:] = NO_DAY
        parts.append(ex)

    # -- extra records: leave scope later ----------------------------------------------------------
    rr = rng("leavers")
    n_dl = int(rr.poisson(n_dom * 0.004))
    if n_dl:
        ex = _block(
            KINDS["domestic_crime"], _kind_cells("domestic_crime", n_dl, fy, rr), fy, rng("leavers", "dom"), extra=2
        )
        k = len(ex["kind"])
        ex["dom_init"][:] = 1
        ex["dom_final"][:] = 0
        ex["mp_init"][:] = 0
        ex["mp_final"][:] = 0
        ex["q_dom"][:] = ex["q0"] + rr.integers(1, 4, k)
        ex["outcome"][:] = 0
        ex["q_outcome"][:] = NEVER
        parts.append(ex)
    n_hl = int(rr.poisson(int(cells["harassment_8L"].sum()) * 0.005))
    if n_hl:
        ex = _block(
            KINDS["harassment_8L"], _kind_cells("harassment_8L", n_hl, fy, rr), fy, rng("leavers", "8L"), extra=2
        )
        k = len(ex["kind"])
        ex["dom_init"][:] = 0
        ex["dom_final"][:] = 0
        ex["code_final"][:] = CODE["9A"]
        ex["q_reclass"][:] = ex["q0"] + rr.integers(1, 3, k)
        ex["outcome"][:] = 0
        ex["q_outcome"][:] = NEVER
        parts.append(ex)

    rec = _concat(parts)
    n = len(rec["kind"])
    # event timestamps (days of reclassification and flag changes drawn in their quarter)
    r = rng("stamps")
    for q_col, ts_col in (("q_reclass", "ts_reclass"), ("q_dom", "ts_dom"), ("q_mp", "ts_mp"), ("q_susp", "ts_susp")):
        has = (rec[q_col] < NEVER) & (rec[q_col] > rec["q0"])
        if has.any():
            d = _event_days(r, rec["rec_day"][has] + 1, rec[q_col][has])
            rec[ts_col][has] = _stamp(r, d, rec[q_col][has])
    has = rec["q_outcome"] < NEVER
    rec["ts_outcome"][has] = _stamp(r, rec["outcome_day"][has], rec["q_outcome"][has])

    # CRIS reference numbers: ascending through each calendar month, unique within the year
    order = np.lexsort((r.random(n), rec["rec_day"]))
    rec = _take(rec, order)
    month = days_to_month_index(rec["rec_day"])
    gaps = np.ones(n, dtype=np.int64)
    uniq, start_idx, counts = np.unique(month, return_index=True, return_counts=True)
    for m, s, c in zip(uniq, start_idx, counts):
        step = max(1, min(60, 690_000 // int(c)))  # c * step <= 690,000: stays in the month's block
        g = r.integers(1, step + 1, int(c))
        cs = np.cumsum(g)
        gaps[s : s + c] = 1_000_000 + (int(m) % 12) * 700_000 + cs
    rec["ref_num"][:] = gaps
    return rec


# ----------------------------------------------------------------------------------------------
# The world of a range: records, truncated at the range end, and their versions
# ----------------------------------------------------------------------------------------------
@dataclass
class MpsWorld:
    quarters: list[int]  # quarter ordinals of the files
    records: dict[str, np.ndarray]  # one entry per record (state machine)
    v_rec: np.ndarray  # versions: record index
    v_file: np.ndarray  # quarter ordinal of the file the row is in
    v_state: np.ndarray  # quarter ordinal whose end-state the row shows
    v_ts: np.ndarray  # last_modified, seconds (London wall time)

    def state(self, idx: np.ndarray, state_q: np.ndarray) -> dict[str, np.ndarray]:
        """Column values of records ``idx`` as at the end of quarters ``state_q``."""
        R = self.records
        g = {k: v[idx] for k, v in R.items()}
        sq = np.asarray(state_q)
        out = dict(g)
        out["code"] = np.where(g["q_reclass"] <= sq, g["code_final"], g["code_init"])
        nc = g["q_nocrime"] <= sq
        out["cls_now"] = np.where(nc, NO_CRIME, g["cls"])
        out["nocrime_now"] = np.where(nc, g["nocrime_day"], NO_DAY)
        out["dom"] = np.where(g["q_dom"] <= sq, g["dom_final"], g["dom_init"])
        out["mp"] = np.where(g["q_mp"] <= sq, g["mp_final"], g["mp_init"])
        oc = g["q_outcome"] <= sq
        out["outcome_now"] = np.where(oc, g["outcome"], 0)
        out["outcome_day_now"] = np.where(oc, g["outcome_day"], NO_DAY)
        out["urn_now"] = oc & (g["outcome"] == 1) & (g["urn_serial"] >= 0)
        known = g["q_susp"] <= sq
        out["s_sex"] = np.where(known, g["s_sex"], 0)
        out["s_age"] = np.where(known, g["s_age"], -1)
        out["s_sde"] = np.where(known, g["s_sde"], 0)
        return out


def _assign_urns(R: dict[str, np.ndarray], seed: int) -> None:
    """Charged crimes get a CPS URN; ~4% share one with another crime (same borough, suspect and
    charge date). Serials ascend through each unit's year."""
    rng = derive_rng(seed, SOURCE, "urn")
    charged = np.flatnonzero((R["outcome"] == 1) & (R["q_outcome"] < NEVER))
    if not len(charged):
        return
    order = np.lexsort((rng.random(len(charged)), R["q_outcome"][charged], R["borough"][charged]))
    c = charged[order]
    same = (R["borough"][c[1:]] == R["borough"][c[:-1]]) & (R["q_outcome"][c[1:]] == R["q_outcome"][c[:-1]])
    pair = same & (rng.random(len(c) - 1) < 0.04)
    pair[1:] &= ~pair[:-1]  # no chains
    a, b = c[:-1][pair], c[1:][pair]
    day = np.maximum(R["outcome_day"][a], R["outcome_day"][b]).astype(np.int64)
    R["outcome_day"][a] = day
    R["outcome_day"][b] = day
    ts = np.maximum(R["ts_outcome"][a], R["ts_outcome"][b])
    ts = np.maximum(ts, day * SECONDS_PER_DAY + 7 * 3600)
    R["ts_outcome"][a] = ts
    R["ts_outcome"][b] = ts
    for col in ("s_sex", "s_age", "s_sde"):  # same suspect, known from the start
        R[col][b] = R[col][a]
    R["q_susp"][a] = 0
    R["q_susp"][b] = 0
    leader = np.ones(len(c), dtype=bool)
    leader[1:][pair] = False  # the second of a pair reuses the first one's URN
    lead = c[leader]
    yy = days_to_month_index(R["outcome_day"][lead]) // 12
    key = R["borough"][lead].astype(np.int64) * 10_000 + yy
    o = np.lexsort((R["outcome_day"][lead], key))
    lead, key, yy = lead[o], key[o], yy[o]
    serial = np.zeros(len(lead), dtype=np.int64)
    uniq, start, counts = np.unique(key, return_index=True, return_counts=True)
    for s, n in zip(start, counts):
        base = int(rng.integers(10_000, 40_000))
        step = max(1, min(9, (99_999 - base) // max(int(n), 1)))
        if base + int(n) * step > 99_999:
            base, step = 0, 1
        serial[s : s + n] = base + np.cumsum(rng.integers(1, step + 1, int(n)))
    R["urn_serial"][lead] = serial
    R["urn_yy"][lead] = yy % 100
    R["urn_serial"][b] = R["urn_serial"][a]
    R["urn_yy"][b] = R["urn_yy"][a]


def build_world(start: str, end: str, scale: float = 1.0, seed: int = 1) -> MpsWorld:
    """Records recorded in the quarters overlapping ``start``..``end`` and the versions sent."""
    quarters = quarters_overlapping(start, end)
    if scale < 0:
        raise ValueError("scale must be >= 0")
    q_first, q_last = quarters[0], quarters[-1]
    fys = sorted({fy_of_quarter(q) for q in quarters})
    parts = []
    for fy in fys:
        F = generate_financial_year(fy, scale, seed)
        keep = (F["q0"] >= q_first) & (F["q0"] <= q_last)
        # extras whose defining event has not happened by the end of the range do not exist (yet)
        keep &= ~((F["extra"] == 1) & (F["q_nocrime"] > q_last))
        keep &= ~((F["extra"] == 2) & (np.minimum(F["q_dom"], F["q_reclass"]) > q_last))
        parts.append(_take(F, np.flatnonzero(keep)))
        del F
    R = {k: np.concatenate([p.pop(k) for p in parts]) for k in list(parts[0])}  # column by column
    del parts
    # later changes not yet made: the record keeps its final state from the start / no outcome yet
    late = R["q_reclass"] > q_last
    R["code_init"][late] = R["code_final"][late]
    R["q_reclass"][late] = NEVER
    for q, a, b in (("q_dom", "dom_init", "dom_final"), ("q_mp", "mp_init", "mp_final")):
        late = R[q] > q_last
        R[a][late] = R[b][late]
        R[q][late] = NEVER
    late = R["q_outcome"] > q_last
    R["outcome"][late] = 0
    R["q_outcome"][late] = NEVER
    R["outcome_day"][late] = NO_DAY
    _assign_urns(R, seed)

    # versions: one per record per quarter with an event, stamped by its latest event
    n = len(R["kind"])
    keys, stamps = [np.arange(n, dtype=np.int64) * 64], [R["ts_create"]]
    for q_col, ts_col in (
        ("q_reclass", "ts_reclass"),
        ("q_dom", "ts_dom"),
        ("q_mp", "ts_mp"),
        ("q_nocrime", "ts_nocrime"),
        ("q_outcome", "ts_outcome"),
        ("q_susp", "ts_susp"),
    ):
        has = np.flatnonzero((R[q_col] >= R["q0"]) & (R[q_col] <= q_last))
        keys.append(has * 64 + (R[q_col][has] - R["q0"][has]))
        stamps.append(R[ts_col][has])
    key = np.concatenate(keys)
    ts_all = np.concatenate(stamps)
    del keys, stamps
    order = np.argsort(key, kind="stable")
    key = key[order]
    ts_all = ts_all[order]
    del order
    start_idx = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
    uniq = key[start_idx]
    v_ts = np.maximum.reduceat(ts_all, start_idx) if len(key) else np.zeros(0, np.int64)
    del key, ts_all, start_idx
    v_rec = (uniq // 64).astype(np.int32)
    v_state = (R["q0"][v_rec] + uniq % 64).astype(np.int32)
    del uniq
    v_file = v_state.copy()

    # very occasionally an older state is resent in a later file, with its old last_modified
    rng = derive_rng(seed, SOURCE, "resend")
    nver = np.bincount(v_rec, minlength=n)
    first_of = np.r_[True, v_rec[1:] != v_rec[:-1]] if len(v_rec) else np.zeros(0, bool)
    last_q = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_q, v_rec, v_state)
    cand = np.flatnonzero(first_of & (nver[v_rec] >= 2))
    cand = cand[rng.random(len(cand)) < 0.002]
    target_q = (last_q[v_rec[cand]] + rng.integers(1, 5, len(cand))).astype(np.int32)
    ok = target_q <= q_last
    cand, target_q = cand[ok], target_q[ok]
    v_rec = np.concatenate([v_rec, v_rec[cand]])
    v_state = np.concatenate([v_state, v_state[cand]])
    v_ts = np.concatenate([v_ts, v_ts[cand]])
    v_file = np.concatenate([v_file, target_q])
    order = np.lexsort((v_rec, v_file))
    return MpsWorld(quarters, R, v_rec[order], v_file[order], v_state[order], v_ts[order])


# ----------------------------------------------------------------------------------------------
# Writing the files
# ----------------------------------------------------------------------------------------------
def _lookup(table: list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(table, dtype=pl.Utf8).gather(np.asarray(idx, dtype=np.int64))


def _yn(values: np.ndarray, style: CsvStyle) -> pl.Series:
    return _lookup(["" if style.blank_for_no else "N", "Y"], values)


def _refs(num: np.ndarray, rec_day: np.ndarray) -> pl.Series:
    yy = (days_to_month_index(rec_day) // 12) % 100
    return (
        pl.Series(num, dtype=pl.Int64).cast(pl.Utf8).str.zfill(7)
        + "/"
        + pl.Series(yy, dtype=pl.Int64).cast(pl.Utf8).str.zfill(2)
    )


def _file_frame(world: MpsWorld, sl: slice, style: CsvStyle, rng: np.random.Generator) -> pl.DataFrame:
    idx = world.v_rec[sl]
    s = world.state(idx, world.v_state[sl])
    codes = list(CODES)
    if style.variant:
        codes[CODE["4/1"]] = "4.1"
    urn_ok = s["urn_now"]
    unit = _lookup(UNIT_CODES, s["borough"])
    urn = (
        "01"
        + unit
        + pl.Series(np.maximum(s["urn_serial"], 0), dtype=pl.Int64).cast(pl.Utf8).str.zfill(5)
        + pl.Series(s["urn_yy"], dtype=pl.Int64).cast(pl.Utf8).str.zfill(2)
    )
    urn = pl.select(pl.when(pl.lit(pl.Series(urn_ok))).then(urn).otherwise(pl.lit(""))).to_series()
    out_txt = pl.Series(s["outcome_now"], dtype=pl.Int64).cast(pl.Utf8)
    out_txt = pl.select(
        pl.when(pl.lit(pl.Series(s["outcome_now"] > 0))).then(out_txt).otherwise(pl.lit(""))
    ).to_series()
    frame = pl.DataFrame(
        {
            "crime_ref": _refs(s["ref_num"], s["rec_day"]),
            "last_modified": format_timestamps(world.v_ts[sl], style),
            "borough_code": _lookup(BOROUGHS, s["borough"]),
            "reported_date": format_dates(s["rep_day"], style, rng),
            "recorded_date": format_dates(s["rec_day"], style, rng),
            "offence_date": format_dates(s["off_day"], style, rng),
            "ho_offence_code": _lookup(codes, s["code"]),
            "classification": _lookup(CLASSIFICATION, s["cls_now"]),
            "no_crime_date": format_dates(s["nocrime_now"], style, rng),
            "flag_domestic": _yn(s["dom"], style),
            "flag_honour": _yn(s["honour"], style),
            "flag_forced_marriage": _yn(s["fm"], style),
            "flag_fgm": _yn(s["fgm"], style),
            "flag_multiple_perpetrator": _yn(s["mp"], style),
            "outcome_type": out_txt,
            "outcome_date": format_dates(s["outcome_day_now"], style, rng),
            "cps_urn": urn,
            "victim_sex": _lookup(SEX, s["v_sex"]),
            "victim_age": format_integers(s["v_age"], style),
            "victim_sde": _lookup(SDE, s["v_sde"]),
            "victim_ic": _lookup(IC, s["v_ic"]),
            "victim_disability": _lookup(DISABILITY, s["v_dis"]),
            "victim_sexuality": _lookup(SEXUALITY, s["v_sexuality"]),
            "suspect_sex": _lookup(SEX, s["s_sex"]),
            "suspect_age": format_integers(s["s_age"], style),
            "suspect_sde": _lookup(SDE, s["s_sde"]),
        }
    )
    return frame.with_columns(pl.Series("_ts", world.v_ts[sl], dtype=pl.Int64))


# Deliberately invalid rows: name -> the rule it breaks (see the module docstring).
JUNK_TYPES: dict[str, str] = {
    "blank_required": "a required value is blank",
    "recorded_before_reported": "recorded_date before reported_date",
    "offence_after_reported": "offence_date after reported_date",
    "unknown_outcome": "outcome_type is not a Home Office outcome type of the list (19, 99)",
    "bad_flag": "flag value other than Y/N/blank (X)",
    "impossible_date": "recorded_date is not a date (31/02/YYYY)",
    "city_of_london": "borough_code E09000001 is not an MPS borough",
    "outcome_on_no_crime": "outcome_type set on a NO_CRIME",
    "no_crime_without_date": "NO_CRIME without no_crime_date",
    "outcome_without_date": "outcome_type set without outcome_date",
    "outcome_before_recorded": "outcome_date before recorded_date",
    "duplicate_ref": "crime_ref repeated within the file (every such row is quarantined)",
    "out_of_scope": "CRIME with an offence outside the strands, no flag, no earlier version",
    "bad_offence_code": "ho_offence_code not of the Home Office form",
    "code_before_in_force": "8Q used with an offence_date before 2012-11-25",
    "last_modified_after_quarter": "last_modified after the end of the file's quarter",
    "bad_crime_ref": "crime_ref is not 7 digits / 2 digits",
    "unknown_classification": "classification is not CRIME, NO_CRIME or INCIDENT",
}
JUNK_RATE = 0.001


def _fmt_date(d, style: CsvStyle) -> str:
    if style.date_style in ("iso", "iso_midnight"):
        return d.strftime("%Y-%m-%d")
    if style.date_style == "dmy_short":
        return f"{d.day}/{d.month}/{d.year}"
    return d.strftime("%d/%m/%Y")


def _junk_rows(q: int, n_rows: int, style: CsvStyle, rng: np.random.Generator) -> list[dict[str, str]]:
    """Invalid rows for the file of quarter ``q`` (own crime_refs ``0QQKKKK/YY``, never a real record's)."""
    n = min(9_000, max(1, int(round_half_up(JUNK_RATE * n_rows)))) if n_rows else 0
    if not n:
        return []
    names = list(JUNK_TYPES)
    types = [names[int(i)] for i in rng.integers(0, len(names), n)]
    q_start = int(quarter_start_days(np.array([q]))[0])
    q_end = int(quarter_end_days(np.array([q]))[0])
    serials = rng.choice(10_000, size=n + 1, replace=False)
    rows = []
    for i, t in enumerate(types):
        rec = q_start + int(rng.integers(0, q_end - q_start + 1))
        rd = date_of_day(rec)
        ref = f"0{q % 100:02d}{int(serials[i]):04d}/{rd.year % 100:02d}"
        lm = date_of_day(min(q_end, rec + int(rng.integers(0, 3))))
        ts_sec = day_number(lm) * SECONDS_PER_DAY + 7 * 3600 + int(rng.integers(0, 15 * 3600))
        row = {c: "" for c in COLUMNS}
        row.update(
            {
                "crime_ref": ref,
                "last_modified": ts_sec,
                "borough_code": BOROUGHS[int(rng.integers(0, NB))],
                "reported_date": _fmt_date(rd, style),
                "recorded_date": _fmt_date(rd, style),
                "offence_date": _fmt_date(date_of_day(rec - int(rng.integers(0, 5))), style),
                "ho_offence_code": "8L",
                "classification": "CRIME",
                "flag_domestic": "N",
                "flag_honour": "N",
                "flag_forced_marriage": "N",
                "flag_fgm": "N",
                "flag_multiple_perpetrator": "N",
                "victim_sex": "F",
                "victim_age": str(int(rng.integers(18, 60))),
                "victim_sde": "NS",
                "victim_ic": "IC0",
                "victim_disability": "U",
                "victim_sexuality": "NS",
            }
        )
        if t == "blank_required":
            row[
                [
                    "borough_code",
                    "reported_date",
                    "recorded_date",
                    "classification",
                    "ho_offence_code",
                    "last_modified",
                ][int(rng.integers(0, 6))]
            ] = None
        elif t == "recorded_before_reported":
            row["reported_date"] = _fmt_date(date_of_day(min(rec + int(rng.integers(1, 4)), q_end)), style)
            if row["reported_date"] == row["recorded_date"]:
                row["recorded_date"] = _fmt_date(date_of_day(rec - 1), style)
                row["offence_date"] = ""
        elif t == "offence_after_reported":
            row["reported_date"] = _fmt_date(date_of_day(rec - 2), style)
            row["offence_date"] = _fmt_date(date_of_day(rec), style)
        elif t == "unknown_outcome":
            row["outcome_type"] = "19" if rng.random() < 0.7 else "99"
            row["outcome_date"] = _fmt_date(date_of_day(min(rec + 1, q_end)), style)
        elif t == "bad_flag":
            row[
                ["flag_domestic", "flag_honour", "flag_forced_marriage", "flag_fgm", "flag_multiple_perpetrator"][
                    int(rng.integers(0, 5))
                ]
            ] = "X"
        elif t == "impossible_date":
            row["recorded_date"] = f"31/02/{rd.year}" if rng.random() < 0.5 else f"30/02/{rd.year}"
        elif t == "city_of_london":
            row["borough_code"] = "E09000001"
        elif t == "outcome_on_no_crime":
            row["classification"] = "NO_CRIME"
            row["no_crime_date"] = row["recorded_date"]
            row["outcome_type"] = "14"
            row["outcome_date"] = row["recorded_date"]
        elif t == "no_crime_without_date":
            row["classification"] = "NO_CRIME"
        elif t == "outcome_without_date":
            row["outcome_type"] = "18"
        elif t == "outcome_before_recorded":
            row["outcome_type"] = "18"
            row["outcome_date"] = _fmt_date(date_of_day(rec - int(rng.integers(3, 40))), style)
        elif t == "out_of_scope":
            row["ho_offence_code"] = "49"
        elif t == "bad_offence_code":
            row["ho_offence_code"] = "19X1" if rng.random() < 0.5 else "ABCD"
        elif t == "code_before_in_force":
            row["ho_offence_code"] = "8Q"
            row["offence_date"] = _fmt_date(date_of_day(min(rec, _DAY_8Q - 1) - int(rng.integers(1, 400))), style)
        elif t == "last_modified_after_quarter":
            row["last_modified"] = (q_end + int(rng.integers(1, 20))) * SECONDS_PER_DAY + 10 * 3600
        elif t == "bad_crime_ref":
            row["crime_ref"] = ref[1:] if rng.random() < 0.5 else ref.replace("/", "-")
        elif t == "unknown_classification":
            row["classification"] = "CRIMED"
        row["_ts"] = ts_sec
        rows.append(row)
        if t == "duplicate_ref":
            twin = dict(row)
            twin["victim_age"] = str(int(rng.integers(18, 60)))
            twin["recorded_date"] = twin["reported_date"] = _fmt_date(date_of_day(min(rec + 1, q_end)), style)
            twin["_ts"] = ts_sec + 60
            rows.append(twin)
    # last_modified in the file's timestamp style (None = deliberately blank)
    secs = np.array([r["last_modified"] if isinstance(r["last_modified"], int) else 0 for r in rows], dtype=np.int64)
    texts = format_timestamps(secs, style).to_list()
    for r, t in zip(rows, texts):
        r["last_modified"] = t if isinstance(r["last_modified"], int) else ""
        for c in COLUMNS:
            if r[c] is None:
                r[c] = ""
    return rows


def write_mps_crimes(landing: Path, start: str, end: str, scale: float = 1.0, seed: int = 1) -> list[Path]:
    """Write <landing>/mps_crimes/<YYYY-MM>.csv for every calendar quarter overlapping months start..end ('YYYY-MM')."""
    world = build_world(start, end, scale, seed)
    out_dir = Path(landing) / SOURCE
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    bounds = np.searchsorted(world.v_file, np.array(world.quarters + [world.quarters[-1] + 1]))
    for i, q in enumerate(world.quarters):
        sl = slice(int(bounds[i]), int(bounds[i + 1]))
        rng = derive_rng(seed, SOURCE, "file", q)
        style = choose_style(rng)
        frame = _file_frame(world, sl, style, rng)
        junk = _junk_rows(q, frame.height, style, rng)
        if junk:
            jf = pl.DataFrame(junk, schema={**{c: pl.Utf8 for c in COLUMNS}, "_ts": pl.Int64})
            frame = pl.concat([frame, jf])
        if style.row_order == "last_modified":
            frame = frame.sort(["_ts", "crime_ref"], maintain_order=True)
        elif style.row_order == "key":
            frame = frame.sort(["crime_ref", "_ts"], maintain_order=True)
        else:
            frame = frame.select(pl.all().gather(rng.permutation(frame.height)))
        frame = apply_cell_mess(frame.drop("_ts"), style, rng, CODE_COLUMNS, PAD_COLUMNS)
        paths.append(write_messy_csv(out_dir / f"{quarter_name(q)}.csv", COLUMNS, frame, style, rng))
    return paths


def mps_charged_cases(start: str, end: str, scale: float = 1.0, seed: int = 1) -> pl.DataFrame:
    """The charged crimes (current outcome 1 with a URN) of the same generated world, for sources
    that must link to them (CPS finalisations): one row per crime."""
    world = build_world(start, end, scale, seed)
    R = world.records
    sel = np.flatnonzero((R["outcome"] == 1) & (R["urn_serial"] >= 0) & (R["cls"] == CRIME) & (R["q_nocrime"] == NEVER))
    s = world.state(sel, np.full(len(sel), NEVER - 1))
    urn = (
        "01"
        + _lookup(UNIT_CODES, s["borough"])
        + pl.Series(s["urn_serial"], dtype=pl.Int64).cast(pl.Utf8).str.zfill(5)
        + pl.Series(s["urn_yy"], dtype=pl.Int64).cast(pl.Utf8).str.zfill(2)
    )
    return pl.DataFrame(
        {
            "crime_ref": _refs(s["ref_num"], s["rec_day"]),
            "cps_urn": urn,
            "borough_code": _lookup(BOROUGHS, s["borough"]),
            "recorded_date": pl.Series(s["rec_day"], dtype=pl.Int32).cast(pl.Date),
            "outcome_date": pl.Series(s["outcome_day"], dtype=pl.Int32).cast(pl.Date),
            "ho_offence_code": _lookup(CODES, s["code"]),
            "strand_kind": _lookup(KIND_NAMES, s["kind"]),
            "flag_domestic": s["dom"].astype(bool),
            "flag_honour": s["honour"].astype(bool),
            "flag_forced_marriage": s["fm"].astype(bool),
            "flag_fgm": s["fgm"].astype(bool),
            "victim_sex": _lookup(SEX, s["v_sex"]),
            "suspect_sex": _lookup(SEX, s["s_sex"]),
            "suspect_age": pl.Series(s["s_age"].astype(np.int64)).replace(-1, None),
            "suspect_sde": _lookup(SDE, s["s_sde"]),
        }
    )


__all__ = ["write_mps_crimes", "build_world", "mps_charged_cases", "COLUMNS", "JUNK_TYPES", "FY_VOLUMES"]
