"""What the report shows: rows of the Panel's dataset, trend judgements and revisions, selected
with polars into small dataclasses (no HTML, no chart).

The report shows only what the dataset shows: a suppressed row's numbers are blanked here
whatever the input holds, and a trend judgement is kept only when the years it compares are
published unsuppressed. A provisional financial year never headlines a comparison: each
section shows the latest financial year that is not provisional (decision 0030), and the
provisional year beside it, labelled.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from pipelines.publish.dataset_format import COLUMNS, REVISION_KEY, SORT_KEYS, round_for_publication
from pipelines.publish.report import funnel

# (indicator, category, geography type) of the headline figures, in the order shown.
HEADLINES = [
    ("police_recorded_crimes", "all", "london"),
    ("police_recorded_crimes", "domestic_abuse", "london"),
    ("police_recorded_crimes", "rape", "london"),
    ("police_charge_rate", "all", "london"),
    ("police_withdrawal_rate", "all", "london"),
    ("cps_conviction_rate", "all", "london"),
    ("havens_attendances", "all", "london"),
    ("fmu_london_share", "all", "uk"),
]
ATTRITION_STAGES = [
    ("police_recorded_crimes", "Recorded"),
    ("police_charge_rate", "Charged"),
    ("e2e_prosecuted_rate", "Prosecuted"),
    ("e2e_conviction_rate", "Convicted"),
]
ATTRITION_CATEGORIES = ["all", "rape"]
CHARACTERISTICS = ["gender", "ethnicity", "disability", "sexuality", "age_band"]
BREAKDOWN_INDICATORS = ["police_withdrawal_rate", "e2e_conviction_rate"]
BOROUGH_INDICATORS = ["police_no_crime_rate", "police_withdrawal_rate"]
COMPLETENESS_INDICATORS = [
    "police_recording_completeness",
    "cps_recording_completeness",
    "havens_recording_completeness",
]
LARGEST_REVISIONS = 10

SERIES_KEY = ["indicator_id", "category", "geography_type", "geography_code", "breakdown", "breakdown_value"]
#: marts.indicator_trends and marts.indicator_revisions (interfaces.md), as polars schemas.
TRENDS_SCHEMA = {
    **dict.fromkeys(SERIES_KEY, pl.String),
    "latest_period": pl.String,
    "previous_period": pl.String,
    "change": pl.String,
    "change_estimate": pl.Float64,
    "change_ci_lower": pl.Float64,
    "change_ci_upper": pl.Float64,
    "trend_first_period": pl.String,
    "trend_last_period": pl.String,
    "recent_trend": pl.String,
    "trend_p_value": pl.Float64,
}
REVISIONS_SCHEMA = {
    **dict.fromkeys(REVISION_KEY, pl.String),
    "first_vintage": pl.String,
    "first_value": pl.Float64,
    "latest_vintage": pl.String,
    "latest_value": pl.Float64,
    "times_changed": pl.Int64,
}
_NUMBERS = ["numerator", "denominator", "value", "ci_lower", "ci_upper", "comparison"]


def empty_trends() -> pl.DataFrame:
    return pl.DataFrame(schema=TRENDS_SCHEMA)


def empty_revisions() -> pl.DataFrame:
    return pl.DataFrame(schema=REVISIONS_SCHEMA)


def is_provisional(row: dict | None) -> bool:
    return row is not None and "provisional" in (row.get("note") or "")


def _text_columns(frame: pl.DataFrame, numeric: set[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns if c not in numeric)


def _typed(frame: pl.DataFrame, schema: dict) -> pl.DataFrame:
    """``frame``'s columns of ``schema``, cast to it (a warehouse may give DECIMAL or VARCHAR)."""
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}")
    return frame.select(pl.col(c).cast(t) for c, t in schema.items())


# ----------------------------------------------------------------------------- the dataset


class PanelRows:
    """The dataset's rows that the report can show, rounded as published, by series."""

    def __init__(self, dataset: pl.DataFrame, spec=None) -> None:
        missing = [c for c in COLUMNS if c not in dataset.columns]
        if missing:
            raise ValueError(f"dataset is missing column(s) {missing}")
        self.spec = spec
        wanted = (
            {i for i, _, _ in HEADLINES}
            | {i for i, _ in ATTRITION_STAGES}
            | set(BREAKDOWN_INDICATORS)
            | set(BOROUGH_INDICATORS)
            | set(COMPLETENESS_INDICATORS)
        )
        df = _text_columns(
            dataset.select(COLUMNS),
            {"period_start", "period_end", "numerator", "denominator", "value", "ci_lower", "ci_upper", "suppressed"},
        )
        self.names = dict(
            df.select("indicator_id", "indicator_name")
            .drop_nulls()
            .unique("indicator_id", keep="first", maintain_order=True)
            .iter_rows()
        )
        london = pl.col("geography_type").is_in(["london", "uk"]) & pl.col("breakdown").is_in(
            ["total", *CHARACTERISTICS]
        )
        borough = (
            (pl.col("geography_type") == "borough")
            & (pl.col("breakdown") == "total")
            & (pl.col("period_type") == "financial_year")
            & pl.col("indicator_id").is_in(BOROUGH_INDICATORS)
        )
        df = df.filter(pl.col("indicator_id").is_in(sorted(wanted)) & (london | borough))
        df = df.with_columns(
            *(
                pl.col(c).str.to_date("%Y-%m-%d") if df.schema[c] == pl.String else pl.col(c).cast(pl.Date)
                for c in ("period_start", "period_end")
            ),
            pl.col("suppressed").cast(pl.Boolean).fill_null(False),
        )
        if df.height:
            df = round_for_publication(df)
        # Never a figure of a suppressed row, whatever the input holds.
        df = df.with_columns(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in _NUMBERS)
        df = df.sort(
            SORT_KEYS,
            nulls_last=True,
        )
        self.by_series: dict[tuple, list[dict]] = defaultdict(list)
        for row in df.iter_rows(named=True):
            key = (row["indicator_id"], row["category"], row["period_type"], row["geography_type"], row["breakdown"])
            self.by_series[key].append(row)

    def rows(
        self, indicator: str, category: str, period_type: str, geography_type: str, breakdown: str = "total"
    ) -> list[dict]:
        """Rows sorted by period_start, geography_code, breakdown_value."""
        return self.by_series.get((indicator, category, period_type, geography_type, breakdown), [])

    def categories(self, indicator: str) -> list[str]:
        return sorted({k[1] for k in self.by_series if k[0] == indicator})

    def name(self, indicator: str, rows: list[dict] = ()) -> str:
        for r in rows:
            if r and r.get("indicator_name"):
                return r["indicator_name"]
        if indicator in self.names:
            return self.names[indicator]
        known = self._spec_indicator(indicator)
        return known.name if known else indicator

    def definition(self, indicator: str) -> str:
        known = self._spec_indicator(indicator)
        return known.definition if known else ""

    def _spec_indicator(self, indicator: str):
        if self.spec is None:
            return None
        return next((i for i in self.spec.indicators if i.id == indicator), None)


def at(rows: list[dict], start: dt.date | None) -> list[dict]:
    return [r for r in rows if r["period_start"] == start]


def report_year(rows: list[dict]) -> dt.date | None:
    """The period_start of the financial year a section shows: the latest that is not
    provisional, or when every year is provisional the latest (shown labelled)."""
    final = [r["period_start"] for r in rows if not is_provisional(r)]
    if final:
        return max(final)
    return max((r["period_start"] for r in rows), default=None)


# ----------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class Judgement:
    """A series' row of marts.indicator_trends, as far as the dataset lets it be shown
    (``change`` or ``recent_trend`` None when the years it compares are not all published)."""

    latest_period: str
    previous_period: str | None
    change: str | None
    change_estimate: float | None
    change_ci_lower: float | None
    change_ci_upper: float | None
    recent_trend: str | None
    trend_first_period: str | None
    trend_last_period: str | None


def trend_judgements(trends: pl.DataFrame, dataset: pl.DataFrame) -> dict[tuple, Judgement]:
    """Judgements by series key (``SERIES_KEY``). A change is kept when its latest and previous
    years are published unsuppressed in the dataset, a trend when every year of its span is;
    "not_calculated" states no figure and is always kept."""
    t = _typed(trends, TRENDS_SCHEMA).with_row_index("__row")
    if t.height == 0:
        return {}
    fy = _text_columns(
        dataset.filter(pl.col("period_type").cast(pl.String) == "financial_year").select(
            *SERIES_KEY, "period", "suppressed"
        ),
        {"suppressed"},
    )
    shown = fy.filter(~pl.col("suppressed").cast(pl.Boolean).fill_null(False)).select(*SERIES_KEY, "period")

    def published(column: str) -> set[int]:
        hit = t.join(shown, left_on=[*SERIES_KEY, column], right_on=[*SERIES_KEY, "period"], how="semi")
        return set(hit.get_column("__row").to_list())

    change_shown = published("latest_period") & published("previous_period")
    span = (
        t.filter(pl.col("trend_first_period").is_not_null())
        .select("__row", *SERIES_KEY, "trend_first_period", "trend_last_period")
        .join(fy, on=SERIES_KEY)
        .filter(pl.col("period").is_between(pl.col("trend_first_period"), pl.col("trend_last_period")))
        .group_by("__row")
        .agg(hidden=pl.col("suppressed").cast(pl.Boolean).fill_null(True).sum(), years=pl.len())
    )
    trend_shown = set(span.filter((pl.col("hidden") == 0) & (pl.col("years") >= 2)).get_column("__row").to_list())
    out = {}
    for row in t.iter_rows(named=True):
        change_ok = row["change"] == "not_calculated" or row["__row"] in change_shown
        trend_ok = row["recent_trend"] == "not_calculated" or row["__row"] in trend_shown
        out[tuple(row[c] for c in SERIES_KEY)] = Judgement(
            latest_period=row["latest_period"],
            previous_period=row["previous_period"],
            change=row["change"] if change_ok else None,
            change_estimate=row["change_estimate"] if change_ok else None,
            change_ci_lower=row["change_ci_lower"] if change_ok else None,
            change_ci_upper=row["change_ci_upper"] if change_ok else None,
            recent_trend=row["recent_trend"] if trend_ok else None,
            trend_first_period=row["trend_first_period"],
            trend_last_period=row["trend_last_period"],
        )
    return out


# ----------------------------------------------------------------------------- sections


@dataclass
class Headline:
    anchor: str
    indicator_id: str
    heading: str
    place: str
    shown: dict | None  # the latest financial year that is not provisional
    previous: dict | None  # the financial year before it
    provisional: dict | None  # a later, provisional financial year, shown beside it
    judgement: Judgement | None
    quarters: list[dict]


def headlines(panel: PanelRows, judgements: dict[tuple, Judgement], category_label) -> list[Headline]:
    cards = []
    for indicator, category, geo in HEADLINES:
        years = panel.rows(indicator, category, "financial_year", geo)
        quarters = panel.rows(indicator, category, "quarter", geo)
        if not years and not quarters:
            continue
        name = panel.name(indicator, years or quarters)
        heading = (
            f"{name} ({category_label(category)})"
            if category != "all" or indicator == "police_recorded_crimes"
            else name
        )
        shown = previous = provisional = judgement = None
        start = report_year(years)
        if start is not None:
            index = next(k for k, r in enumerate(years) if r["period_start"] == start)
            shown = years[index]
            previous = years[index - 1] if index > 0 else None
            later = years[index + 1 :]
            provisional = later[-1] if later and is_provisional(later[-1]) else None
            found = judgements.get(
                (indicator, category, geo, shown["geography_code"], "total", shown["breakdown_value"])
            )
            judgement = found if found is not None and found.latest_period == shown["period"] else None
        cards.append(
            Headline(
                anchor=f"headline-{indicator}-{category}",
                indicator_id=indicator,
                heading=heading,
                place=(years or quarters)[0].get("geography_name") or geo,
                shown=shown,
                previous=previous,
                provisional=provisional,
                judgement=judgement,
                quarters=quarters,
            )
        )
    return cards


@dataclass
class Stage:
    stage: str
    count: int | None
    row: dict | None
    share: float | None  # percent of the recorded crimes


@dataclass
class Attrition:
    category: str
    period: str
    provisional: bool
    stages: list[Stage]


def attrition(panel: PanelRows) -> list[Attrition]:
    """Recorded → charged → prosecuted → convicted of one cohort: the latest financial year
    whose stages are all final, else the latest (labelled provisional)."""
    out = []
    for category in ATTRITION_CATEGORIES:
        by_stage = {
            i: {r["period_start"]: r for r in panel.rows(i, category, "financial_year", "london")}
            for i, _ in ATTRITION_STAGES
        }
        years = sorted(s for s, r in by_stage["e2e_conviction_rate"].items() if r["numerator"] is not None)
        if not years:
            continue
        final = [s for s in years if not any(is_provisional(by_stage[i].get(s)) for i, _ in ATTRITION_STAGES)]
        start = (final or years)[-1]
        rows = [(label, by_stage[i].get(start)) for i, label in ATTRITION_STAGES]
        recorded = rows[0][1]["numerator"] if rows[0][1] else None
        stages = []
        for k, (label, row) in enumerate(rows):
            count_ = None if row is None or row["suppressed"] else row["numerator"]
            share = 100 * count_ / recorded if k and recorded and count_ is not None else None
            stages.append(Stage(stage=label, count=count_, row=row, share=share))
        period = next(r["period"] for _, r in rows if r is not None)
        out.append(
            Attrition(
                category=category, period=period, stages=stages, provisional=any(is_provisional(r) for _, r in rows)
            )
        )
    return out


@dataclass
class BreakdownChart:
    characteristic: str
    rows: list[dict]  # UNKNOWN last


@dataclass
class Breakdown:
    indicator_id: str
    name: str
    definition: str
    period: str
    total: dict
    charts: list[BreakdownChart]


def breakdowns(panel: PanelRows) -> list[Breakdown]:
    out = []
    for indicator in BREAKDOWN_INDICATORS:
        years = panel.rows(indicator, "all", "financial_year", "london")
        start = report_year(years)
        if start is None:
            continue
        total = at(years, start)[0]
        charts = []
        for characteristic in CHARACTERISTICS:
            rows = at(panel.rows(indicator, "all", "financial_year", "london", characteristic), start)
            if rows:
                charts.append(
                    BreakdownChart(
                        characteristic,
                        sorted(rows, key=lambda r: (r["breakdown_value"] == "UNKNOWN", r["breakdown_value"])),
                    )
                )
        if charts:
            out.append(
                Breakdown(
                    indicator,
                    panel.name(indicator, [total]),
                    panel.definition(indicator),
                    total["period"],
                    total,
                    charts,
                )
            )
    return out


@dataclass
class FunnelPoint:
    label: str
    row: dict
    limits: funnel.Limits
    position: str


@dataclass
class BoroughFunnel:
    indicator_id: str
    name: str
    period: str
    london: dict
    centre: float  # London's proportion (0 to 1), the centre line
    points: list[FunnelPoint]  # boroughs with a published numerator and denominator
    hidden: list[dict]  # boroughs suppressed or without a denominator
    curve: list[funnel.Limits] = field(default_factory=list)

    def beyond(self, side: str) -> list[str]:
        wanted = funnel.ABOVE_998 if side == "above" else funnel.BELOW_998
        return [p.label for p in self.points if p.position == wanted]

    def count(self, *positions: str) -> int:
        return sum(p.position in positions for p in self.points)


def borough_funnels(panel: PanelRows) -> list[BoroughFunnel]:
    """Each borough's rate against its denominator in the year shown, London's as the centre."""
    out = []
    for indicator in BOROUGH_INDICATORS:
        years = panel.rows(indicator, "all", "financial_year", "london")
        start = report_year(years)
        boroughs = at(panel.rows(indicator, "all", "financial_year", "borough"), start)
        if start is None or not boroughs:
            continue
        london = at(years, start)[0]
        if london["suppressed"] or not london["denominator"]:
            continue
        centre = london["numerator"] / london["denominator"]
        label = lambda r: r["geography_name"] or r["geography_code"]  # noqa: E731
        plotted = [r for r in boroughs if not r["suppressed"] and r["numerator"] is not None and r["denominator"]]
        points = [
            FunnelPoint(
                label(r),
                r,
                funnel.limits(centre, r["denominator"]),
                funnel.position(r["numerator"], r["denominator"], centre),
            )
            for r in sorted(plotted, key=lambda r: (-r["numerator"] / r["denominator"], label(r)))
        ]
        hidden = sorted((r for r in boroughs if r not in plotted), key=label)
        sizes = [r["denominator"] for r in plotted] or [1]
        curve = [funnel.limits(centre, n) for n in funnel.curve_denominators(min(sizes), max(sizes))]
        out.append(
            BoroughFunnel(
                indicator, panel.name(indicator, [london]), london["period"], london, centre, points, hidden, curve
            )
        )
    return out


@dataclass
class Completeness:
    indicator_id: str
    name: str
    period: str
    rows: list[dict]


def completeness(panel: PanelRows) -> list[Completeness]:
    out = []
    for indicator in COMPLETENESS_INDICATORS:
        by_category = {c: panel.rows(indicator, c, "financial_year", "london") for c in panel.categories(indicator)}
        starts = [s for s in (report_year(rows) for rows in by_category.values()) if s is not None]
        if not starts:
            continue
        rows = [r for rows in by_category.values() for r in at(rows, max(starts))]
        out.append(Completeness(indicator, panel.name(indicator, rows), rows[0]["period"], rows))
    return out


# ----------------------------------------------------------------------------- revisions


@dataclass
class Revisions:
    changed: int  # published rows whose value changed between vintages
    changed_london: int  # ... of them London totals
    largest: list[dict]  # the largest revisions of London totals, largest first


def revisions(frame: pl.DataFrame, panel: PanelRows, units: dict[str, str]) -> Revisions:
    """How many published rows changed value, and the London totals revised most, by their
    change relative to the first published value (a value from or to a suppressed one, whose
    size cannot be shown, is counted but not listed)."""
    changed = _typed(frame, REVISIONS_SCHEMA).filter(pl.col("times_changed") > 0)
    london = changed.filter((pl.col("geography_type") == "london") & (pl.col("breakdown") == "total"))
    sized = london.drop_nulls(["first_value", "latest_value"]).with_columns(
        difference=pl.col("latest_value") - pl.col("first_value")
    )
    sized = sized.with_columns(
        relative=pl.when(pl.col("first_value") != 0)
        .then((pl.col("difference") / pl.col("first_value")).abs())
        .otherwise(float("inf"))
    )
    largest = sized.sort(["relative", *REVISION_KEY], descending=[True] + [False] * len(REVISION_KEY)).head(
        LARGEST_REVISIONS
    )
    rows = [
        {**r, "name": panel.name(r["indicator_id"]), "unit": units.get(r["indicator_id"])}
        for r in largest.iter_rows(named=True)
    ]
    return Revisions(changed=changed.height, changed_london=london.height, largest=rows)


# ----------------------------------------------------------------------------- the manifest


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


@dataclass
class Quality:
    facts: list[tuple[str, str]]
    statuses: list[str]
    per_source: list[tuple[str, dict]]
    files: list[dict]
    rejected: list[dict]
    missing: list[dict]
    absent_sources: list[dict]
    absent_indicators: list[dict]


def quality(manifest: dict) -> Quality:
    m = manifest or {}
    dataset = m.get("dataset") if isinstance(m.get("dataset"), dict) else {}
    facts = [
        ("Vintage", m.get("vintage")),
        ("Code version", m.get("code_version")),
        ("Data as at", m.get("data_as_at")),
        ("Rows in the dataset", f"{dataset['rows']:,}" if dataset.get("rows") is not None else None),
        ("Suppressed rows", f"{dataset['suppressed_rows']:,}" if dataset.get("suppressed_rows") is not None else None),
    ]
    files = [f for f in (m.get("input_files") or []) if isinstance(f, dict)]
    per_source: dict[str, dict] = {}
    for f in files:
        counts = per_source.setdefault(str(f.get("source") or ""), defaultdict(int))
        counts[f"status:{f.get('status') or ''}"] += 1
        if f.get("status") == "accepted":  # row counts of accepted files only
            for k in ("rows_read", "rows_loaded", "rows_quarantined", "warnings"):
                counts[k] += _int(f.get(k))
    statuses = sorted({k.split(":", 1)[1] for c in per_source.values() for k in c if k.startswith("status:")})
    absent = m.get("absent") if isinstance(m.get("absent"), dict) else {}
    return Quality(
        facts=[(k, "not recorded" if v is None else str(v)) for k, v in facts],
        statuses=statuses,
        per_source=sorted(per_source.items()),
        files=files,
        rejected=[f for f in (m.get("rejected_files") or []) if isinstance(f, dict)],
        missing=[f for f in (m.get("missing_service_returns") or []) if isinstance(f, dict)],
        absent_sources=[a for a in (absent.get("sources") or []) if isinstance(a, dict)],
        absent_indicators=[a for a in (absent.get("indicators") or []) if isinstance(a, dict)],
    )
