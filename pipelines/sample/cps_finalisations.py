"""Synthetic CPS London finalisations (``<landing>/cps_finalisations/<YYYY-MM>.csv``), spec:
``extracts.md`` section 2.

One row per defendant per case (URN) finalised in the quarter. The cases are the police's: the
generator calls :func:`pipelines.sample.mps_crimes.mps_charged_cases` with the same arguments as
the police generator, so every URN of a charged police crime is the URN the CPS finalises.

Cases and defendants
--------------------
* **Linked cases.** Every charged police crime (current outcome 1, ``CRIME``) has a URN; one URN
  may cover two crimes (the police data's pairs). 98% of the URNs reach the CPS VAWG extract (the
  others the CPS did not flag as VAWG). A case has one defendant (91%), two (8%) or three (1%);
  co-defendants are finalised on the same day. The finalisation falls 1-6 quarters after the
  quarter of the charge (police ``outcome_date``): magistrates'-court strands (domestic abuse,
  harassment, ...) 45/25/13/9/5/3%, Crown-court strands (rape, sexual offences, trafficking,
  FGM) 10/24/24/18/14/10%, on a random day of that quarter. Finalisations after the last quarter
  asked for have not happened yet: recent charges are still *awaiting trial*.
* **Crimes recorded before the range** (*backlog*). In the first three years of a range the CPS
  also finalises cases whose crimes were recorded before the police extract starts: they come
  from the same police generator (``mps_charged_cases`` over the twelve quarters before the
  start; crimes recorded before the start only), under URNs that no crime of the police files
  carries (a colliding serial is replaced). Without them the CPS would finalise almost nothing
  in the first year (at the default start, about ten rape prosecutions in 2007/08 instead of ~290).
* **Unlinked URNs** (*unlinked*): 2.5% of each quarter's finalisations carry a URN that no police
  record has (as in real data: cases the police did not flag as VAWG); their other values copy
  a random case finalised in the same quarter. One defendant each.

Values
------
* ``police_borough_code``: the crime's borough. ``urn``: the police's URN (upper case).
* ``vawg_flags`` from the police record(s) of the URN (union over its crimes): rape codes (19C-19H)
  -> ``RAPE``; other sexual offence codes -> ``SEXUAL_OFFENCES``; ``flag_domestic`` ->
  ``DOMESTIC_ABUSE``; child-victim codes (19D, 19E, 19G, 19H, 17B, 20B, 21, 22B, 23, 73, 88A, 71;
  the police charged-case list has no victim age) -> ``CHILD_ABUSE`` for 70%; ``flag_honour`` ->
  ``HONOUR_BASED_VIOLENCE``; ``flag_forced_marriage`` -> ``FORCED_MARRIAGE``; ``flag_fgm`` ->
  ``FGM``; 8L -> ``HARASSMENT`` (10% ``STALKING``), 8M -> ``HARASSMENT``, 8Q -> ``STALKING``;
  72 and 106 -> ``TRAFFICKING``; 24 -> ``PROSTITUTION``; 71 -> ``PROSTITUTION`` (and child abuse
  as above). Written in the spec's order, separated by ``;`` (in some files ``; ``), reversed on
  a share of rows; lower case in some rows.
* ``victim_sex`` from the police victim (``F``/``M``/``U`` -> ``Female``/``Male``/``Not known``),
  blank for 2%.
* First defendant = the police suspect: sex (blank 1%), age at finalisation (the suspect's age
  plus the years since recording; when the police had no age, drawn for 70% and blank for 30%;
  2% more blank), ethnicity from the suspect's self-defined code (W* ``White``, M* ``Mixed``,
  A* ``Asian``, B* ``Black``, O1/O9 ``Chinese or Other``, NS ``Not stated``, blank ``Not
  provided``), then 12% ``Not provided`` and 1.5% blank whatever the police had.
  Co-defendants: 85% male, ages 15+, 60% the first defendant's ethnic group.
* ``defendant_ref``: ``D`` + 8 digits, unique over the whole sample.

Outcomes and calibration (scale 1; *conviction* = ``GUILTY_PLEA``, ``CONVICTED_AFTER_TRIAL``,
``PROOF_IN_ABSENCE``; every other outcome, ``ADMIN_FINALISED`` included, is *unsuccessful* for
the conviction rates). Conviction is decided by exact allocation, so the targets below hold to
the rounding of one count, i.e. within ``50/n`` percentage points for a denominator ``n``
(at scale 1: +-0.01 point for the conviction rate, +-0.2 for the rape share), for any range
covering the year:

==============================================================  ======================  ===========
target                                                          measured on             value
==============================================================  ======================  ===========
conviction rate, all VAWG finalisations (``CONVICTION_RATE``)   finalised_date in FY    62% in
                                                                                        2008/09
unsuccessful share of rape prosecutions (flag ``RAPE``)         finalised_date in FY    54.5% in
(``RAPE_CONVICTION_RATE``: 45.5% convicted)                                             2007/08
victim-issue reasons among unsuccessful (non-admin)             finalised_date in FY    50%
``DOMESTIC_ABUSE`` finalisations                                                        every FY
==============================================================  ======================  ===========

Other years: 56-70% conviction (``CONVICTION_RATE``), rising. Within a year, strands differ by a
latent propensity (sexual offences 72%, domestic abuse 62%, 'honour' 55%, forced marriage 50%,
FGM 30% ...), and rows are convicted in order of it.

**End-to-end rape conviction rate** (police rapes, current ``CRIME``, recorded in the year whose
URN has at least one convicted defendant, over all of them): 6.5% in every recording year
(``E2E_RAPE_CONVICTION``), to the rounding of one crime (+-0.03 point at scale 1, whatever the
seed): 142 of 2,180 (6.51%) for 2008/09 at seed 1. The police generator's full history of the
year (``generate_financial_year``, every charge including those after the range) gives the
year's rapes ``N`` and charged rapes ``C`` (~13.5% of ``N``); exactly
``round(0.065 x N / C x c)`` of the ``c`` charged rapes of the year present in the range are put
under a convicted case (about half of them). The figure is reached once the year's cases are
finalised: the range must run to the twelfth quarter after the year ends (charges up to six
quarters after recording, finalisations up to six after the charge), e.g. ``2007-04`` ..
``2012-03`` for 2008/09; shorter ranges show the *provisional* figure, lower because cases are
still in court. A rape case's defendants all share its result.

``ADMIN_FINALISED``: 7.5% of unsuccessful rows (about 3% of all). Unsuccessful outcomes and
reasons: victim-issue reasons (``VICTIM_RETRACTION`` 40%, ``VICTIM_NON_ATTENDANCE`` 38%,
``VICTIM_EVIDENCE_DOES_NOT_SUPPORT`` 22%) for exactly half of the domestic abuse ones and 28%
(rape 30%) of the others, mostly with ``DISCONTINUED``; the other reasons mostly with
``DISCONTINUED``, ``DISMISSED_AFTER_TRIAL`` or ``ACQUITTED`` (rape: ``ACQUITTED`` 55%).

Deliberately invalid rows (``JUNK_TYPES``, with the rule each breaks): about 0.1% of the rows of
each file, at least one per non-empty file; each is an *extra* row, never the only finalisation
of a real case: its own URN (and defendant ``D0...``), except ``repeated_key``, which repeats a
real finalisation of an earlier quarter's file (that one stays, this one is quarantined).

Export mess (per file, deterministic, as the police files): see
:class:`pipelines.sample.common.CsvStyle` -- BOM or Windows-1252, CRLF, blank lines, shuffled
columns, header case, ``DD/MM/YYYY``/``D/M/YYYY``/ISO/midnight-suffixed dates, lower-case codes
and labels, stray spaces, quoted fields, ``34.0`` ages; rows by date, by key or shuffled.

Reproducibility: all randomness comes from ``derive_rng(seed, 'cps_finalisations', ...)``, so the
same arguments give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from schemas.cps_finalisations import VAWG_FLAGS
from pipelines.sample.common import (
    CsvStyle,
    apply_cell_mess,
    choose_style,
    date_of_day,
    days_to_month_index,
    days_to_quarter,
    derive_rng,
    draw_categorical,
    format_dates,
    format_integers,
    quarter_end_days,
    quarter_name,
    quarter_start_days,
    quarters_overlapping,
    round_half_up,
    write_messy_csv,
)
from pipelines.sample.mps_crimes import (
    BOROUGHS,
    CODE,
    CRIME,
    OSO_CODES,
    RAPE_CODES,
    UNIT_CODES,
    generate_financial_year,
    mps_charged_cases,
)

SOURCE = "cps_finalisations"

COLUMNS = [
    "urn",
    "defendant_ref",
    "finalised_date",
    "police_borough_code",
    "vawg_flags",
    "outcome",
    "unsuccessful_reason",
    "defendant_sex",
    "defendant_age",
    "defendant_ethnicity",
    "victim_sex",
]
CODE_COLUMNS = [
    "urn",
    "vawg_flags",
    "outcome",
    "unsuccessful_reason",
    "defendant_sex",
    "defendant_ethnicity",
    "victim_sex",
]
PAD_COLUMNS = CODE_COLUMNS + ["defendant_ref", "police_borough_code", "defendant_age"]

#: Flags in the spec's order (the schema's list); bit i of a flag mask is FLAGS[i].
FLAGS = VAWG_FLAGS
BIT = {f: 1 << i for i, f in enumerate(FLAGS)}
CHILD_CODES = ("19D", "19E", "19G", "19H", "17B", "20B", "21", "22B", "23", "73", "88A", "71")
CROWN_FLAGS = BIT["RAPE"] | BIT["SEXUAL_OFFENCES"] | BIT["TRAFFICKING"] | BIT["PROSTITUTION"] | BIT["FGM"]

OUTCOMES = (
    "GUILTY_PLEA",
    "CONVICTED_AFTER_TRIAL",
    "PROOF_IN_ABSENCE",
    "DISCONTINUED",
    "NO_CASE_TO_ANSWER",
    "DISMISSED_AFTER_TRIAL",
    "ACQUITTED",
    "DISCHARGED",
    "ADMIN_FINALISED",
)
OUTCOME_INDEX = {o: i for i, o in enumerate(OUTCOMES)}
CONVICTIONS = OUTCOMES[:3]
REASONS = (
    "",
    "VICTIM_RETRACTION",
    "VICTIM_NON_ATTENDANCE",
    "VICTIM_EVIDENCE_DOES_NOT_SUPPORT",
    "CONFLICT_OF_EVIDENCE",
    "ESSENTIAL_LEGAL_ELEMENT_MISSING",
    "UNRELIABLE_WITNESS",
    "PUBLIC_INTEREST",
    "CAUTION_OR_OOC_DISPOSAL",
    "OTHER",
)
VICTIM_REASONS = REASONS[1:4]
#: Labels as written (index 0 = blank) and the codes the loader makes of them.
SEX_LABELS = ("", "Male", "Female", "Not known")
ETHNICITY_LABELS = ("", "White", "Mixed", "Asian", "Black", "Chinese or Other", "Not stated", "Not provided")
NOT_STATED, NOT_PROVIDED = 6, 7
_SDE_ETHNICITY = {
    "W1": 1,
    "W2": 1,
    "W9": 1,
    "M1": 2,
    "M2": 2,
    "M3": 2,
    "M9": 2,
    "A1": 3,
    "A2": 3,
    "A3": 3,
    "A9": 3,
    "B1": 4,
    "B2": 4,
    "B9": 4,
    "O1": 5,
    "O9": 5,
    "NS": NOT_STATED,
    "": NOT_PROVIDED,
}
_POLICE_SEX = {"M": 1, "F": 2, "U": 3, "": 0}

# ---- calibration -------------------------------------------------------------------------------
#: Conviction rate of all finalisations by financial year of finalised_date (nearest year outside).
CONVICTION_RATE = {
    2003: 0.55,
    2004: 0.56,
    2005: 0.57,
    2006: 0.58,
    2007: 0.60,
    2008: 0.62,
    2009: 0.65,
    2010: 0.67,
    2011: 0.68,
    2012: 0.69,
    2013: 0.70,
}
#: Conviction rate of rape-flagged finalisations, exact in these financial years.
RAPE_CONVICTION_RATE = {2007: 0.455}
#: End-to-end rape conviction rate by financial year of recording (nearest year outside).
E2E_RAPE_CONVICTION = {2008: 0.065}
POLICE_RAPE_CHARGE_RATE = 0.135
#: Share of charged rape crimes under a convicted case where no better figure is known (cases of
#: crimes recorded before the range, unlinked URNs): 6.5% / 13.5%.
RAPE_CASE_CONVICTION = E2E_RAPE_CONVICTION[2008] / POLICE_RAPE_CHARGE_RATE
DA_VICTIM_ISSUE_SHARE = 0.5
OTHER_VICTIM_ISSUE = 0.28
RAPE_VICTIM_ISSUE = 0.30
ADMIN_SHARE = 0.075  # of the unsuccessful rows
ORPHAN_RATE = 0.025  # of each quarter's rows
NOT_IN_EXTRACT = 0.02  # charged URNs the CPS did not flag as VAWG
DEFENDANTS = (0.91, 0.08, 0.01)
LAG_FAST = (0.45, 0.25, 0.13, 0.09, 0.05, 0.03)
LAG_CROWN = (0.10, 0.24, 0.24, 0.18, 0.14, 0.10)
BACKLOG_QUARTERS = 12
#: Latent conviction propensity by flag (a row with several flags averages their log-odds).
PROPENSITY = {
    "DOMESTIC_ABUSE": 0.62,
    "RAPE": 0.48,
    "SEXUAL_OFFENCES": 0.72,
    "CHILD_ABUSE": 0.70,
    "HONOUR_BASED_VIOLENCE": 0.55,
    "FORCED_MARRIAGE": 0.50,
    "FGM": 0.30,
    "STALKING": 0.66,
    "HARASSMENT": 0.66,
    "TRAFFICKING": 0.60,
    "PROSTITUTION": 0.65,
}
LINKS = ("police", "backlog", "unlinked")


def _nearest(table: dict[int, float], year: int) -> float:
    if year in table:
        return table[year]
    years = sorted(table)
    below = [y for y in years if y <= year]
    return table[below[-1]] if below else table[years[0]]


# ------------------------------------------------------------------------------------------------
# Cases from police crimes
# ------------------------------------------------------------------------------------------------
def _lookup_idx(values: np.ndarray, table: dict[str, int]) -> np.ndarray:
    return np.array([table.get(v, 0) for v in values], dtype=np.int64)


def _crime_flags(crimes: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
    code = crimes["ho_offence_code"].to_numpy().astype(str)
    n = len(code)
    m = np.zeros(n, dtype=np.int64)
    m |= np.where(crimes["flag_domestic"].to_numpy(), BIT["DOMESTIC_ABUSE"], 0)
    m |= np.where(np.isin(code, RAPE_CODES), BIT["RAPE"], 0)
    m |= np.where(np.isin(code, OSO_CODES), BIT["SEXUAL_OFFENCES"], 0)
    m |= np.where(np.isin(code, CHILD_CODES) & (rng.random(n) < 0.7), BIT["CHILD_ABUSE"], 0)
    m |= np.where(crimes["flag_honour"].to_numpy(), BIT["HONOUR_BASED_VIOLENCE"], 0)
    m |= np.where(crimes["flag_forced_marriage"].to_numpy(), BIT["FORCED_MARRIAGE"], 0)
    m |= np.where(crimes["flag_fgm"].to_numpy(), BIT["FGM"], 0)
    stalking_8l = rng.random(n) < 0.10
    m |= np.where((code == "8L") & ~stalking_8l, BIT["HARASSMENT"], 0)
    m |= np.where(((code == "8L") & stalking_8l) | (code == "8Q"), BIT["STALKING"], 0)
    m |= np.where(code == "8M", BIT["HARASSMENT"], 0)
    m |= np.where(np.isin(code, ["72", "106"]), BIT["TRAFFICKING"], 0)
    m |= np.where(np.isin(code, ["24", "71"]), BIT["PROSTITUTION"], 0)
    m[m == 0] = BIT["DOMESTIC_ABUSE"]  # never happens with the police generator's kinds
    return m


_CASE_KEYS = (
    "urn",
    "borough",
    "flags",
    "charge_day",
    "rec_day",
    "n_rape",
    "rape_rec_day",
    "v_sex",
    "s_sex",
    "s_age",
    "s_eth",
    "link",
)
_BIG = 10**9


def _empty_cases() -> dict[str, np.ndarray]:
    return {k: np.zeros(0, dtype=object if k == "urn" else np.int64) for k in _CASE_KEYS}


def _cases(crimes: pl.DataFrame, rng: np.random.Generator, link: int) -> dict[str, np.ndarray]:
    """One entry per URN of the police crimes (a URN covering two crimes merges them)."""
    if crimes.height == 0:
        return _empty_cases()
    crimes = crimes.sort("cps_urn", "crime_ref")
    bits = _crime_flags(crimes, rng)
    urn = crimes["cps_urn"].to_numpy().astype(object)
    starts = np.flatnonzero(np.r_[True, urn[1:] != urn[:-1]])
    rec = crimes["recorded_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    chg = crimes["outcome_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    rape = np.isin(crimes["ho_offence_code"].to_numpy().astype(str), RAPE_CODES)
    borough = _lookup_idx(crimes["borough_code"].to_numpy(), {b: i for i, b in enumerate(BOROUGHS)})
    first = starts
    return {
        "urn": urn[first],
        "borough": borough[first],
        "flags": np.bitwise_or.reduceat(bits, starts),
        "charge_day": np.maximum.reduceat(chg, starts),
        "rec_day": np.minimum.reduceat(rec, starts),
        "n_rape": np.add.reduceat(rape.astype(np.int64), starts),
        "rape_rec_day": np.minimum.reduceat(np.where(rape, rec, _BIG), starts),
        "v_sex": _lookup_idx(crimes["victim_sex"].to_numpy()[first], _POLICE_SEX),
        "s_sex": _lookup_idx(crimes["suspect_sex"].to_numpy()[first], _POLICE_SEX),
        "s_age": crimes["suspect_age"].fill_null(-1).to_numpy().astype(np.int64)[first],
        "s_eth": _lookup_idx(crimes["suspect_sde"].to_numpy()[first], _SDE_ETHNICITY),
        "link": np.full(len(starts), link, dtype=np.int64),
    }


def _concat_cases(*parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in _CASE_KEYS}


def _fresh_urn(rng: np.random.Generator, prefix: str, yy: int, used: set[str]) -> str:
    while True:
        urn = f"{prefix}{int(rng.integers(1_000, 100_000)):05d}{yy % 100:02d}"
        if urn not in used:
            used.add(urn)
            return urn


def _backlog_cases(scale: float, seed: int, q_first: int, q_last: int, used: set[str]) -> dict[str, np.ndarray]:
    """Cases of crimes recorded in the twelve quarters before the range (their finalisations may
    fall in the range), from the police generator, under URNs unused by the range's police files."""
    pre_start = quarter_name(q_first - BACKLOG_QUARTERS)
    pre_end = quarter_name(min(q_last, q_first + 5))
    crimes = mps_charged_cases(pre_start, pre_end, scale, seed)
    start_day = int(quarter_start_days(np.array([q_first]))[0])
    crimes = crimes.filter(pl.col("recorded_date").cast(pl.Int32) < start_day)
    cases = _cases(crimes, derive_rng(seed, SOURCE, "backlog", "flags"), link=1)
    rng = derive_rng(seed, SOURCE, "backlog", "urns")
    urns = cases["urn"]
    for i in range(len(urns)):
        if urns[i] in used:
            urns[i] = _fresh_urn(rng, urns[i][:4], int(urns[i][-2:]), used)
        else:
            used.add(urns[i])
    return cases


# ------------------------------------------------------------------------------------------------
# The finalisations of a range
# ------------------------------------------------------------------------------------------------
@dataclass
class Finalisations:
    """Clean finalisations of a range, one entry per row (arrays), in (day, urn, defendant) order."""

    quarters: list[int]
    urn: np.ndarray  # str (object)
    ref: np.ndarray  # str (object)
    day: np.ndarray  # finalised_date, day number
    borough: np.ndarray  # index into BOROUGHS
    flags: np.ndarray  # flag bit mask
    outcome: np.ndarray  # index into OUTCOMES
    reason: np.ndarray  # index into REASONS (0 = blank)
    d_sex: np.ndarray  # index into SEX_LABELS
    d_age: np.ndarray  # -1 = blank
    d_eth: np.ndarray  # index into ETHNICITY_LABELS
    v_sex: np.ndarray  # index into SEX_LABELS
    link: np.ndarray  # index into LINKS

    @property
    def quarter(self) -> np.ndarray:
        return days_to_quarter(self.day)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _pick_weighted(order: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Greedy: walk ``order`` (best first) taking items while their weight fits into ``k``."""
    chosen = np.zeros(len(order), dtype=bool)
    left = int(k)
    for j, i in enumerate(order):
        if left <= 0:
            break
        if weight[i] <= left:
            chosen[j] = True
            left -= int(weight[i])
    return order[chosen]


def _rape_case_conviction(fy: int, scale: float, seed: int) -> float:
    """Share of the year's charged rape crimes to put under a convicted case so that the
    end-to-end rate (convicted / all rapes recorded in the year) is the target once every case
    of the year is finalised: from the police generator's full history of the year (every
    charge, including those after any range's end)."""
    F = generate_financial_year(fy, scale, seed)
    rape = np.isin(F["code_final"], [CODE[c] for c in RAPE_CODES]) & (F["cls"] == CRIME) & (F["extra"] == 0)
    recorded, charged = int(rape.sum()), int((rape & (F["outcome"] == 1)).sum())
    if not charged:
        return RAPE_CASE_CONVICTION
    return min(0.9, _nearest(E2E_RAPE_CONVICTION, fy) * recorded / charged)


def _fy_of_days(days: np.ndarray) -> np.ndarray:
    q = days_to_quarter(days)
    return np.where(q % 4 == 0, q // 4 - 1, q // 4)


@lru_cache(maxsize=2)
def build_finalisations(start: str, end: str, scale: float = 1.0, seed: int = 1) -> Finalisations:
    """Every finalisation with a finalised_date in the quarters overlapping ``start``..``end``
    (cached: ``write_cps_finalisations`` and ``cps_finalisation_frame`` of the same arguments
    share one build; treat the arrays as read-only)."""
    quarters = quarters_overlapping(start, end)
    q_first, q_last = quarters[0], quarters[-1]

    # -- cases ----------------------------------------------------------------------------------
    charged = mps_charged_cases(start, end, scale, seed)
    linked = _cases(charged, derive_rng(seed, SOURCE, "linked", "flags"), link=0)
    used: set[str] = set(linked["urn"].tolist())
    n_charged_rape = dict(
        zip(
            *np.unique(
                _fy_of_days(
                    charged.filter(pl.col("ho_offence_code").is_in(RAPE_CODES))["recorded_date"]
                    .cast(pl.Int32)
                    .to_numpy()
                    .astype(np.int64)
                ),
                return_counts=True,
            )
        )
    )
    backlog = _backlog_cases(scale, seed, q_first, q_last, used)
    C = _concat_cases(linked, backlog)
    n_cases = len(C["urn"])

    rng = derive_rng(seed, SOURCE, "cases")
    present = rng.random(n_cases) >= NOT_IN_EXTRACT
    n_def = draw_categorical(rng, np.array(DEFENDANTS), n_cases) + 1
    crown = (C["flags"] & CROWN_FLAGS) > 0
    lag_fast = draw_categorical(rng, np.array(LAG_FAST), n_cases) + 1
    lag_crown = draw_categorical(rng, np.array(LAG_CROWN), n_cases) + 1
    fin_q = days_to_quarter(C["charge_day"]) + np.where(crown, lag_crown, lag_fast)
    lo, hi = quarter_start_days(fin_q), quarter_end_days(fin_q)
    fin_day = lo + np.floor(rng.random(n_cases) * (hi - lo + 1)).astype(np.int64)
    z_case = rng.logistic(size=n_cases)
    u_case = rng.random(n_cases)

    # -- unlinked URNs: extra cases, 2.5% of each quarter's rows ------------------------------------
    in_range = present & (fin_q >= q_first) & (fin_q <= q_last)
    rows_per_q = np.bincount(fin_q[in_range] - q_first, weights=n_def[in_range], minlength=len(quarters)).astype(
        np.int64
    )
    rng_o = derive_rng(seed, SOURCE, "unlinked")
    orphan_parts = []
    orphan_days = []
    for i, q in enumerate(quarters):
        k = int(round_half_up(ORPHAN_RATE / (1 - ORPHAN_RATE) * rows_per_q[i]))
        pool = np.flatnonzero(in_range & (fin_q == q))
        if not k or not len(pool):
            continue
        tmpl = pool[rng_o.integers(0, len(pool), k)]
        part = {key: C[key][tmpl].copy() for key in _CASE_KEYS}
        days = int(quarter_start_days(np.array([q]))[0]) + rng_o.integers(
            0, int(quarter_end_days(np.array([q]))[0] - quarter_start_days(np.array([q]))[0]) + 1, k
        )
        charge = days - rng_o.integers(60, 500, k)
        part["charge_day"] = charge
        part["rec_day"] = charge - rng_o.integers(1, 200, k)
        part["n_rape"] = np.zeros(k, dtype=np.int64)
        part["rape_rec_day"] = np.full(k, _BIG, dtype=np.int64)
        part["link"] = np.full(k, 2, dtype=np.int64)
        yy = days_to_month_index(charge) // 12
        part["urn"] = np.array(
            [_fresh_urn(rng_o, "01" + UNIT_CODES[b], int(y), used) for b, y in zip(part["borough"], yy)], dtype=object
        )
        orphan_parts.append(part)
        orphan_days.append(days)
    if orphan_parts:
        O_ = _concat_cases(*orphan_parts)
        k = len(O_["urn"])
        C = _concat_cases(C, O_)
        present = np.r_[present, np.ones(k, bool)]
        n_def = np.r_[n_def, np.ones(k, np.int64)]
        fin_day = np.r_[fin_day, np.concatenate(orphan_days)]
        fin_q = np.r_[fin_q, days_to_quarter(np.concatenate(orphan_days))]
        z_case = np.r_[z_case, rng_o.logistic(size=k)]
        u_case = np.r_[u_case, rng_o.random(k)]
        in_range = np.r_[in_range, np.ones(k, bool)]
        n_cases = len(C["urn"])

    # -- rows (defendants) finalised in the range ------------------------------------------------
    case_idx = np.flatnonzero(in_range)
    r_case = np.repeat(case_idx, n_def[case_idx])
    r_k = np.arange(len(r_case)) - np.repeat(np.cumsum(n_def[case_idx]) - n_def[case_idx], n_def[case_idx])
    order = np.lexsort((r_k, C["urn"][r_case].astype(str), fin_day[r_case]))
    r_case, r_k = r_case[order], r_k[order]
    n = len(r_case)
    r_day = fin_day[r_case]
    r_fy = _fy_of_days(r_day)
    r_flags = C["flags"][r_case]
    rape_case = (C["flags"] & BIT["RAPE"]) > 0
    r_rape = rape_case[r_case]

    # -- conviction of rape cases (shared by their defendants) -------------------------------------
    conv_case = np.full(n_cases, -1, dtype=np.int64)
    for fy, rate in RAPE_CONVICTION_RATE.items():
        sel = r_rape & (r_fy == fy)
        if not sel.any():
            continue
        cases_fy, weight = np.unique(r_case[sel], return_counts=True)
        w = np.zeros(n_cases, dtype=np.int64)
        w[cases_fy] = weight
        k = int(round_half_up(rate * int(sel.sum())))
        best = cases_fy[np.argsort(-z_case[cases_fy], kind="stable")]
        chosen = _pick_weighted(best, w, k)
        conv_case[cases_fy] = 0
        conv_case[chosen] = 1
    cohort = np.where(C["rape_rec_day"] < _BIG, _fy_of_days(np.minimum(C["rape_rec_day"], 10**6)), -1)
    for fy, n_crimes in n_charged_rape.items():
        share = _rape_case_conviction(int(fy), scale, seed)
        target = int(round_half_up(share * int(n_crimes)))
        mine = (C["link"] == 0) & (cohort == fy) & (C["n_rape"] > 0)
        done = int(C["n_rape"][mine & (conv_case == 1)].sum())
        open_ = np.flatnonzero(mine & present & (conv_case == -1))
        best = open_[np.argsort(-z_case[open_], kind="stable")]
        chosen = _pick_weighted(best, C["n_rape"], target - done)
        conv_case[open_] = 0
        conv_case[chosen] = 1
    rest = rape_case & (conv_case == -1)
    conv_case[rest] = (u_case[rest] < RAPE_CASE_CONVICTION).astype(np.int64)

    # -- conviction of the other rows: exact per financial year of finalisation ----------------------
    rng_r = derive_rng(seed, SOURCE, "rows")
    logit = np.zeros(n)
    n_flags = np.zeros(n)
    for f, p in PROPENSITY.items():
        on = (r_flags & BIT[f]) > 0
        logit += np.where(on, _logit(p), 0.0)
        n_flags += on
    z_row = logit / np.maximum(n_flags, 1) + 0.9 * rng_r.logistic(size=n_cases)[r_case] + 0.45 * rng_r.logistic(size=n)
    convicted = np.where(r_rape, conv_case[r_case] == 1, False)
    for fy in np.unique(r_fy):
        in_fy = r_fy == fy
        others = np.flatnonzero(in_fy & ~r_rape)
        k = int(round_half_up(_nearest(CONVICTION_RATE, int(fy)) * int(in_fy.sum()))) - int(convicted[in_fy].sum())
        k = min(max(k, 0), len(others))
        best = others[np.argsort(-z_row[others], kind="stable")]
        convicted[best[:k]] = True

    # -- outcome and reason ---------------------------------------------------------------------------
    sexual = (r_flags & BIT["SEXUAL_OFFENCES"]) > 0
    conv_type = np.where(
        r_rape,
        draw_categorical(rng_r, np.array([0.42, 0.58, 0.0]), n),
        np.where(
            sexual,
            draw_categorical(rng_r, np.array([0.62, 0.37, 0.01]), n),
            draw_categorical(rng_r, np.array([0.74, 0.24, 0.02]), n),
        ),
    )
    outcome = conv_type.copy()
    reason = np.zeros(n, dtype=np.int64)
    unsuccessful = ~convicted
    admin = unsuccessful & (rng_r.random(n) < ADMIN_SHARE)
    outcome[admin] = OUTCOME_INDEX["ADMIN_FINALISED"]
    failed = unsuccessful & ~admin
    da = (r_flags & BIT["DOMESTIC_ABUSE"]) > 0
    victim = failed & ~da & (rng_r.random(n) < np.where(r_rape, RAPE_VICTIM_ISSUE, OTHER_VICTIM_ISSUE))
    rank = rng_r.random(n)
    for fy in np.unique(r_fy):
        pool = np.flatnonzero(failed & da & (r_fy == fy))
        k = int(round_half_up(DA_VICTIM_ISSUE_SHARE * len(pool)))
        victim[pool[np.argsort(rank[pool], kind="stable")[:k]]] = True
    v_reason = 1 + draw_categorical(rng_r, np.array([0.40, 0.38, 0.22]), n)
    o_reason = 4 + draw_categorical(rng_r, np.array([0.25, 0.15, 0.10, 0.08, 0.07, 0.35]), n)
    reason = np.where(victim, v_reason, np.where(failed, o_reason, 0))
    # unsuccessful outcome, given the reason (index into OUTCOMES[3:8])
    o_victim = np.where(
        r_rape,
        draw_categorical(rng_r, np.array([0.60, 0.05, 0.0, 0.35, 0.0]), n),
        draw_categorical(rng_r, np.array([0.78, 0.04, 0.10, 0.08, 0.0]), n),
    )
    o_other = np.where(
        r_rape,
        draw_categorical(rng_r, np.array([0.35, 0.07, 0.0, 0.55, 0.03]), n),
        draw_categorical(rng_r, np.array([0.50, 0.07, 0.20, 0.20, 0.03]), n),
    )
    o_unsucc = 3 + np.where(victim, o_victim, o_other)
    o_unsucc = np.where(
        np.isin(reason, [REASONS.index("PUBLIC_INTEREST"), REASONS.index("CAUTION_OR_OOC_DISPOSAL")]),
        OUTCOME_INDEX["DISCONTINUED"],
        o_unsucc,
    )
    outcome = np.where(failed, o_unsucc, outcome)

    # -- people ---------------------------------------------------------------------------------------
    rng_p = derive_rng(seed, SOURCE, "people")
    first = r_k == 0
    d_sex = np.where(first, C["s_sex"][r_case], 1 + draw_categorical(rng_p, np.array([0.85, 0.14, 0.01]), n))
    d_sex = np.where(rng_p.random(n) < 0.01, 0, d_sex)
    drawn_age = np.minimum(15 + np.floor(rng_p.gamma(2.3, 9.0, n)), 90).astype(np.int64)
    years = np.floor((r_day - C["rec_day"][r_case]) / 365.25 + rng_p.random(n)).astype(np.int64)
    s_age = C["s_age"][r_case]
    police_age = np.where(s_age >= 0, s_age + years, np.where(rng_p.random(n) < 0.7, drawn_age, -1))
    d_age = np.where(first, police_age, drawn_age)
    d_age = np.where(rng_p.random(n) < 0.02, -1, np.where(d_age >= 0, np.clip(d_age, 10, 110), -1))
    s_eth = C["s_eth"][r_case]
    firsts_eth = s_eth[first] if first.any() else np.array([NOT_PROVIDED])
    co_eth = np.where(rng_p.random(n) < 0.6, s_eth, firsts_eth[rng_p.integers(0, len(firsts_eth), n)])
    d_eth = np.where(first, s_eth, co_eth)
    u = rng_p.random(n)
    d_eth = np.where(u < 0.12, NOT_PROVIDED, np.where(u < 0.135, 0, d_eth))
    v_sex = np.where(rng_p.random(n) < 0.02, 0, C["v_sex"][r_case])
    refs = rng_p.choice(90_000_000, size=n, replace=False) + 10_000_000
    ref = np.array([f"D{r}" for r in refs], dtype=object)

    return Finalisations(
        quarters=quarters,
        urn=C["urn"][r_case],
        ref=ref,
        day=r_day,
        borough=C["borough"][r_case],
        flags=r_flags,
        outcome=outcome,
        reason=reason,
        d_sex=d_sex,
        d_age=d_age,
        d_eth=d_eth,
        v_sex=v_sex,
        link=C["link"][r_case],
    )


# ------------------------------------------------------------------------------------------------
# Frames
# ------------------------------------------------------------------------------------------------
def _flag_texts(masks: np.ndarray, order: str, sep: str = ";") -> pl.Series:
    """Flag masks -> text: ``order`` 'spec' (FLAGS order), 'reversed' or 'sorted' (alphabetical)."""
    uniq, inv = np.unique(masks, return_inverse=True)
    texts = []
    for m in uniq:
        names = [f for f in FLAGS if int(m) & BIT[f]]
        if order == "sorted":
            names = sorted(names)
        elif order == "reversed":
            names = names[::-1]
        texts.append(sep.join(names))
    return pl.Series(texts, dtype=pl.Utf8).gather(inv.ravel())


def _codes(labels: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    codes = [None] + [lab.upper().replace(" ", "_") for lab in labels[1:]]
    return pl.Series(codes, dtype=pl.Utf8).gather(np.asarray(idx, dtype=np.int64))


def _take(table, idx) -> pl.Series:
    return pl.Series(list(table), dtype=pl.Utf8).gather(np.asarray(idx, dtype=np.int64))


def cps_finalisation_frame(start: str, end: str, scale: float = 1.0, seed: int = 1) -> pl.DataFrame:
    """The clean finalisations (no invalid rows, no mess) of the files ``write_cps_finalisations``
    writes for the same arguments, with the values the loader makes of them (the schema's OUTPUT
    columns, without row_number), plus ``quarter`` (the file, ``YYYY-MM``) and ``link`` (how the
    URN relates to the police files: ``police``, ``backlog`` or ``unlinked``; not in the files)."""
    F = build_finalisations(start, end, scale, seed)
    return _clean_frame(F)


def _ages(age: np.ndarray) -> pl.Series:
    s = pl.Series("defendant_age", np.asarray(age, dtype=np.int64))
    return pl.select(pl.when(s >= 0).then(s).cast(pl.Int16).alias("defendant_age")).to_series()


def _clean_frame(F: Finalisations) -> pl.DataFrame:
    reason = _take(REASONS, F.reason)
    return pl.DataFrame(
        {
            "quarter": pl.Series([quarter_name(int(q)) for q in F.quarter], dtype=pl.Utf8),
            "urn": pl.Series(F.urn.tolist(), dtype=pl.Utf8),
            "defendant_ref": pl.Series(F.ref.tolist(), dtype=pl.Utf8),
            "finalised_date": pl.Series(F.day, dtype=pl.Int32).cast(pl.Date),
            "police_borough_code": _take(BOROUGHS, F.borough),
            "vawg_flags": _flag_texts(F.flags, "sorted"),
            "outcome": _take(OUTCOMES, F.outcome),
            "unsuccessful_reason": pl.select(pl.when(reason != "").then(reason))
            .to_series()
            .alias("unsuccessful_reason"),
            "defendant_sex": _codes(SEX_LABELS, F.d_sex),
            "defendant_age": _ages(F.d_age),
            "defendant_ethnicity": _codes(ETHNICITY_LABELS, F.d_eth),
            "victim_sex": _codes(SEX_LABELS, F.v_sex),
            "link": _take(LINKS, F.link),
        }
    )


def _file_frame(F: Finalisations, sel: np.ndarray, style: CsvStyle, rng: np.random.Generator) -> pl.DataFrame:
    sep = "; " if style.variant else ";"
    flags = F.flags[sel]
    spec = _flag_texts(flags, "spec", sep)
    rev = _flag_texts(flags, "reversed", sep)
    flip = pl.Series(rng.random(len(sel)) < 0.3)
    flag_text = pl.select(pl.when(pl.lit(flip)).then(rev).otherwise(spec)).to_series()
    return pl.DataFrame(
        {
            "urn": pl.Series(F.urn[sel].tolist(), dtype=pl.Utf8),
            "defendant_ref": pl.Series(F.ref[sel].tolist(), dtype=pl.Utf8),
            "finalised_date": format_dates(F.day[sel], style, rng),
            "police_borough_code": _take(BOROUGHS, F.borough[sel]),
            "vawg_flags": flag_text,
            "outcome": _take(OUTCOMES, F.outcome[sel]),
            "unsuccessful_reason": _take(REASONS, F.reason[sel]),
            "defendant_sex": _take(SEX_LABELS, F.d_sex[sel]),
            "defendant_age": format_integers(F.d_age[sel], style),
            "defendant_ethnicity": _take(ETHNICITY_LABELS, F.d_eth[sel]),
            "victim_sex": _take(SEX_LABELS, F.v_sex[sel]),
            "_day": pl.Series(F.day[sel], dtype=pl.Int64),
        }
    )


# ------------------------------------------------------------------------------------------------
# Deliberately invalid rows
# ------------------------------------------------------------------------------------------------
#: name -> the rule the loader quarantines it under (extracts.md section 2, schemas/cps_finalisations.py)
JUNK_TYPES: dict[str, str] = {
    "blank_required": "required_missing",  # urn, defendant_ref, finalised_date, borough, flags or outcome blank
    "bad_urn": "invalid_format",  # 01KD123409, 01-KD-12345-09
    "other_force": "invalid_code",  # URN of force 02, 20 or 43
    "city_of_london": "invalid_code",  # police_borough_code E09000001
    "unknown_flag": "invalid_code",  # DOMESTIC_VIOLENCE, DOMESTIC_ABUSE;VAWG
    "empty_flag_list": "invalid_format",  # ';'
    "unknown_outcome": "invalid_code",  # CONVICTED, WITHDRAWN
    "unknown_reason": "invalid_code",  # DISCONTINUED with VICTIM_WITHDREW
    "missing_reason": "required_missing",  # ACQUITTED with no reason
    "reason_not_blank": "must_be_blank",  # GUILTY_PLEA with OTHER, ADMIN_FINALISED with PUBLIC_INTEREST
    "impossible_date": "invalid_date",  # 31/02/YYYY
    "date_outside_quarter": "date_outside_quarter",  # a day of the previous or next quarter
    "duplicate_key": "duplicate_key",  # two rows with one (urn, defendant_ref): both
    "repeated_key": "duplicate_key_across_files",  # a real key of an earlier quarter's file
}
JUNK_RATE = 0.001


def _fmt_date(d, style: CsvStyle) -> str:
    if style.date_style in ("iso", "iso_midnight"):
        return d.strftime("%Y-%m-%d")
    if style.date_style == "dmy_short":
        return f"{d.day}/{d.month}/{d.year}"
    return d.strftime("%d/%m/%Y")


def _junk_rows(
    q: int, n_rows: int, style: CsvStyle, rng: np.random.Generator, used: set[str], earlier: list[tuple[str, str]]
) -> list[dict[str, str]]:
    """Invalid rows for the file of quarter ``q``: own URNs and defendants ``D0...``, except
    ``repeated_key`` (a key of an earlier file, from ``earlier``)."""
    n = min(9_000, max(1, int(round_half_up(JUNK_RATE * n_rows)))) if n_rows else 0
    names = list(JUNK_TYPES)
    rows: list[dict[str, str]] = []
    q_start = int(quarter_start_days(np.array([q]))[0])
    q_end = int(quarter_end_days(np.array([q]))[0])
    for _ in range(n):
        t = names[int(rng.integers(0, len(names)))]
        if t == "repeated_key" and not earlier:
            t = "date_outside_quarter"
        day = q_start + int(rng.integers(0, q_end - q_start + 1))
        d = date_of_day(day)
        borough = int(rng.integers(0, len(BOROUGHS)))
        urn = _fresh_urn(rng, "01" + UNIT_CODES[borough], d.year - (1 if rng.random() < 0.5 else 0), used)
        row = {
            "urn": urn,
            "defendant_ref": f"D0{int(rng.integers(0, 10_000_000)):07d}",
            "finalised_date": _fmt_date(d, style),
            "police_borough_code": BOROUGHS[borough],
            "vawg_flags": "DOMESTIC_ABUSE",
            "outcome": "GUILTY_PLEA",
            "unsuccessful_reason": "",
            "defendant_sex": "Male",
            "defendant_age": str(int(rng.integers(18, 60))),
            "defendant_ethnicity": "Not stated",
            "victim_sex": "Female",
        }
        if t == "blank_required":
            row[
                ["urn", "defendant_ref", "finalised_date", "police_borough_code", "vawg_flags", "outcome"][
                    int(rng.integers(0, 6))
                ]
            ] = ""
        elif t == "bad_urn":
            row["urn"] = urn[:6] + urn[7:] if rng.random() < 0.5 else f"{urn[:2]}-{urn[2:4]}-{urn[4:9]}-{urn[9:]}"
        elif t == "other_force":
            row["urn"] = ("02", "20", "43")[int(rng.integers(0, 3))] + urn[2:]
        elif t == "city_of_london":
            row["police_borough_code"] = "E09000001"
        elif t == "unknown_flag":
            row["vawg_flags"] = "DOMESTIC_VIOLENCE" if rng.random() < 0.5 else "DOMESTIC_ABUSE;VAWG"
        elif t == "empty_flag_list":
            row["vawg_flags"] = ";"
        elif t == "unknown_outcome":
            row["outcome"] = "CONVICTED" if rng.random() < 0.5 else "WITHDRAWN"
        elif t == "unknown_reason":
            row["outcome"], row["unsuccessful_reason"] = "DISCONTINUED", "VICTIM_WITHDREW"
        elif t == "missing_reason":
            row["outcome"] = "ACQUITTED"
        elif t == "reason_not_blank":
            row["outcome"], row["unsuccessful_reason"] = (
                ("GUILTY_PLEA", "OTHER") if rng.random() < 0.5 else ("ADMIN_FINALISED", "PUBLIC_INTEREST")
            )
        elif t == "impossible_date":
            row["finalised_date"] = f"{31 if rng.random() < 0.5 else 30}/02/{d.year}"
        elif t == "date_outside_quarter":
            out = q_start - int(rng.integers(1, 60)) if rng.random() < 0.5 else q_end + int(rng.integers(1, 60))
            row["finalised_date"] = _fmt_date(date_of_day(out), style)
        elif t == "repeated_key":
            row["urn"], row["defendant_ref"] = earlier.pop(int(rng.integers(0, len(earlier))))
        row["_day"] = day
        rows.append(row)
        if t == "duplicate_key":
            twin = dict(row)
            twin["defendant_age"] = str(int(rng.integers(18, 60)))
            twin["outcome"], twin["unsuccessful_reason"] = "DISCONTINUED", "VICTIM_RETRACTION"
            rows.append(twin)
    return rows


def write_cps_finalisations(landing: Path, start: str, end: str, scale: float = 1.0, seed: int = 1) -> list[Path]:
    """Write <landing>/cps_finalisations/<YYYY-MM>.csv for every calendar quarter overlapping months
    start..end ('YYYY-MM')."""
    F = build_finalisations(start, end, scale, seed)
    out_dir = Path(landing) / SOURCE
    out_dir.mkdir(parents=True, exist_ok=True)
    q_of_row = F.quarter
    used = set(F.urn.tolist())
    paths = []
    earlier: list[tuple[str, str]] = []
    for q in F.quarters:
        sel = np.flatnonzero(q_of_row == q)
        rng = derive_rng(seed, SOURCE, "file", q)
        style = choose_style(rng)
        frame = _file_frame(F, sel, style, rng)
        junk = _junk_rows(q, frame.height, style, rng, used, earlier)
        if junk:
            jf = pl.DataFrame(junk, schema={**{c: pl.Utf8 for c in COLUMNS}, "_day": pl.Int64})
            frame = pl.concat([frame, jf])
        if style.row_order == "last_modified":
            frame = frame.sort(["_day", "urn", "defendant_ref"], maintain_order=True)
        elif style.row_order == "key":
            frame = frame.sort(["urn", "defendant_ref"], maintain_order=True)
        else:
            frame = frame.select(pl.all().gather(rng.permutation(frame.height)))
        frame = apply_cell_mess(frame.drop("_day"), style, rng, CODE_COLUMNS, PAD_COLUMNS)
        paths.append(write_messy_csv(out_dir / f"{quarter_name(q)}.csv", COLUMNS, frame, style, rng))
        # keys a later file may repeat by mistake (a few of this file's real rows)
        if len(sel):
            pick = sel[rng.integers(0, len(sel), min(5, len(sel)))]
            earlier.extend(zip(F.urn[pick].tolist(), F.ref[pick].tolist()))
    return paths


__all__ = [
    "write_cps_finalisations",
    "cps_finalisation_frame",
    "build_finalisations",
    "COLUMNS",
    "JUNK_TYPES",
    "FLAGS",
    "CONVICTION_RATE",
    "RAPE_CONVICTION_RATE",
    "RAPE_CASE_CONVICTION",
]
