"""report.html: a self-contained report of the Panel's dataset (interfaces.md, "The Panel's dataset").

``write_report(dataset, path, manifest, spec=None)`` builds one HTML file that a browser can
read offline: CSS inline, charts rendered by vl-convert to inline SVG, no script, no font,
image or style sheet from any other host (a Content-Security-Policy forbids them as well).

It is built from the disclosure-controlled dataset and the manifest only, so a suppressed
value can never reach it: suppressed rows show the word "suppressed", never a number or a
zero bar. Every chart is a ``<figure role="img" aria-label=...>`` followed by the table of
the numbers behind it (in a ``<details>`` element). Text from the data is escaped. The same
dataset and manifest give the same bytes (nothing run-dependent is written: no clock, no
random ids). A section whose indicators are not in the dataset says so in a sentence.

Sections: headline figures for London with their quarterly trend; the attrition funnel
(recorded → charged → prosecuted → convicted); breakdowns by protected characteristic;
borough comparisons with London; recording completeness and data-quality notes.
"""
from __future__ import annotations

import html
import os
import re
from collections import defaultdict
from pathlib import Path

import altair as alt
import polars as pl
import vl_convert

from pipelines.publish.dataset_format import COLUMNS, DECIMALS, round_for_publication

TITLE = "Violence against women and girls in London: indicators for the Panel"

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
FUNNEL_STAGES = [
    ("police_recorded_crimes", "Recorded"),
    ("police_charge_rate", "Charged"),
    ("e2e_prosecuted_rate", "Prosecuted"),
    ("e2e_conviction_rate", "Convicted"),
]
FUNNEL_CATEGORIES = ["all", "rape"]
CHARACTERISTICS = ["gender", "ethnicity", "disability", "sexuality", "age_band"]
BREAKDOWN_INDICATORS = ["police_withdrawal_rate", "e2e_conviction_rate"]
BOROUGH_INDICATORS = ["police_no_crime_rate", "police_withdrawal_rate"]
COMPLETENESS_INDICATORS = [
    "police_recording_completeness", "cps_recording_completeness", "havens_recording_completeness",
]  # fmt: skip

CATEGORY_LABELS = {
    "all": "all VAWG", "domestic_abuse": "domestic abuse", "honour_based_violence": "'honour'-based violence",
    "forced_marriage": "forced marriage", "fgm": "FGM", "rape": "rape",
    "other_sexual_offences": "other sexual offences", "stalking_harassment": "stalking and harassment",
    "trafficking_exploitation": "trafficking and exploitation", "sexual_offences": "sexual offences",
    "child_abuse": "child abuse", "sexual_assault": "sexual assault", "other": "other",
}  # fmt: skip
CHARACTERISTIC_LABELS = {
    "gender": "Gender", "ethnicity": "Ethnicity", "disability": "Disability", "sexuality": "Sexuality",
    "age_band": "Age band",
}  # fmt: skip
COMPARISON_COLOURS = {  # colour-blind safe; the tables and labels say the same in words
    "higher": "#b2182b", "lower": "#2166ac", "similar": "#8c8c8c", "not_compared": "#4d4d4d",
}  # fmt: skip
NOT_AVAILABLE = "The data for this section are not available in this dataset."

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
  color: #1b1b1b; background: #fff; line-height: 1.45; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 4px solid #5a2a82; padding-bottom: .5rem; }
h1 { font-size: 1.8rem; margin: 1rem 0 .3rem; }
h2 { font-size: 1.4rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 .3rem; }
h4 { font-size: 1rem; margin: 1rem 0 .2rem; }
.meta { color: #444; margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; }
.card { border: 1px solid #ccc; border-radius: 4px; padding: .6rem .8rem; }
.card h3 { margin-top: 0; }
.big { font-size: 1.6rem; font-weight: 700; margin: .2rem 0; }
.muted { color: #555; font-size: .9rem; }
.suppressed { font-style: italic; color: #555; }
.provisional { display: inline-block; border: 1px solid #8a5a00; color: #8a5a00; border-radius: 3px;
  padding: 0 .3rem; font-size: .8rem; }
figure { margin: .5rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
details { margin: .3rem 0 1rem; }
summary { cursor: pointer; color: #3b1d5a; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border: 1px solid #ccc; padding: .15rem .45rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f0f5; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .3rem; }
footer { margin-top: 2rem; border-top: 1px solid #ccc; color: #555; font-size: .85rem; padding-bottom: 2rem; }
"""


# ----------------------------------------------------------------------------- text helpers


def _e(value) -> str:
    """Text from the data, escaped for HTML (attribute-safe)."""
    return html.escape("" if value is None else str(value), quote=True)


def _category_label(category: str | None) -> str:
    return CATEGORY_LABELS.get(category or "", (category or "").replace("_", " "))


def _fmt(value, unit: str | None) -> str:
    """A published figure as text (values are already rounded to the unit's decimals)."""
    if value is None:
        return "–"
    if unit == "count" or unit is None and float(value).is_integer():
        return f"{int(round(value)):,}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "percent_change":
        return f"{value:+.1f}%"
    if unit == "per_1000":
        return f"{value:,.2f} per 1,000"
    return f"{value:,.{DECIMALS.get(unit or '', 2)}f}"


def _fmt_count(value) -> str:
    return "–" if value is None else f"{int(value):,}"


def _fmt_interval(row: dict) -> str:
    if row.get("ci_lower") is None or row.get("ci_upper") is None:
        return ""
    unit = row.get("unit")
    return f"{_fmt(row['ci_lower'], unit)} to {_fmt(row['ci_upper'], unit)}"


def _value_text(row: dict) -> str:
    return "suppressed" if row.get("suppressed") else _fmt(row.get("value"), row.get("unit"))


def _value_html(row: dict) -> str:
    if row.get("suppressed"):
        return '<span class="suppressed">suppressed</span>'
    return _e(_fmt(row.get("value"), row.get("unit")))


def _is_provisional(row: dict) -> bool:
    return "provisional" in (row.get("note") or "")


def _comparison_text(value: str | None) -> str:
    return {"not_compared": "not compared", None: "–", "": "–"}.get(value, value or "–")


def _table(caption: str, header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A data table; ``rows`` hold HTML that is already escaped."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in header)
    body = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            if i == 0:
                cells.append(f'<th scope="row">{cell}</th>')
            else:
                cells.append(f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")  # fmt: skip


STAT_HEADER = ["Value", "95% lower", "95% upper", "Numerator", "Denominator", "Comparison", "Note"]


def _stat_cells(row: dict) -> list[str]:
    unit = row.get("unit")
    return [
        _value_html(row),
        _e(_fmt(row.get("ci_lower"), unit) if row.get("ci_lower") is not None else ""),
        _e(_fmt(row.get("ci_upper"), unit) if row.get("ci_upper") is not None else ""),
        _e(_fmt_count(row.get("numerator")) if row.get("numerator") is not None else ""),
        _e(_fmt_count(row.get("denominator")) if row.get("denominator") is not None else ""),
        _e(_comparison_text(row.get("comparison")) if not row.get("suppressed") else ""),
        _e(row.get("note") or ""),
    ]


def _stat_table(caption: str, first: str, rows: list[tuple[str, dict]]) -> str:
    return _table(caption, [first, *STAT_HEADER], [[_e(label), *_stat_cells(r)] for label, r in rows],
                  numeric={1, 2, 3, 4, 5})  # fmt: skip


# ----------------------------------------------------------------------------- charts


class _Charts:
    """Renders Vega-Lite specs to inline SVG with ids unique within the document."""

    def __init__(self) -> None:
        self.count = 0

    def figure(self, chart: alt.TopLevelMixin, alt_text: str, table_html: str, summary: str) -> str:
        self.count += 1
        svg = vl_convert.vegalite_to_svg(chart.to_dict(validate=False))
        svg = self._unique_ids(svg, f"c{self.count}-")
        label = _e(alt_text)
        # The svg's own name as well as the figure's, for tools that look at either.
        svg = re.sub(r"<svg\b", f'<svg role="img" aria-label="{label}"', svg, count=1)
        svg = re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}<title>{label}</title>", svg, count=1)
        return (f'<figure role="img" aria-label="{label}">{svg}</figure>'
                f"<details><summary>{_e(summary)}</summary>{table_html}</details>")  # fmt: skip

    @staticmethod
    def _unique_ids(svg: str, prefix: str) -> str:
        """Several inline SVGs share one id space: prefix every id and its references."""
        ids = set(re.findall(r'\bid="([^"]+)"', svg))
        if not ids:
            return svg
        svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
        svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1) in ids else m.group(0), svg)
        return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"' if m.group(1) in ids else m.group(0), svg)


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font="Arial, Helvetica, sans-serif", background="white").configure_view(stroke=None)


def _quarter_axis() -> alt.Axis:
    # Label each financial year once, at its first quarter.
    return alt.Axis(title=None, labelAngle=-45, labelOverlap=True,
                    labelExpr="indexof(datum.label, 'Q1') >= 0 ? slice(datum.label, 0, 7) : ''")  # fmt: skip


def _trend_chart(rows: list[dict], unit: str, title: str) -> alt.TopLevelMixin:
    values = [{"period": r["period"], "value": None if r["suppressed"] else r["value"],
               "lo": r.get("ci_lower"), "hi": r.get("ci_upper")} for r in rows]  # fmt: skip
    order = [r["period"] for r in rows]
    x = alt.X("period:O", sort=order, axis=_quarter_axis())
    base = alt.Chart(alt.Data(values=values)).encode(x=x)
    ytitle = {"percent": "%", "count": "count"}.get(unit, unit)
    layers = []
    if any(v["lo"] is not None for v in values):
        layers.append(base.mark_area(opacity=0.2, color="#5a2a82").encode(y="lo:Q", y2="hi:Q"))
    layers.append(base.mark_line(color="#5a2a82").encode(y=alt.Y("value:Q", title=ytitle)))
    layers.append(base.mark_point(filled=True, size=18, color="#5a2a82").encode(y="value:Q"))
    return _config(alt.layer(*layers).properties(width=270, height=110, title=title))


def _interval_chart(items: list[dict], unit: str, title: str, reference: float | None, reference_label: str,
                    bars: bool) -> alt.TopLevelMixin:
    """Bars (or dots) with 95% intervals; one row per item, in the order given; suppressed
    items carry the word "suppressed" instead of a mark; a dashed line at ``reference``;
    coloured by comparison, with a legend unless ``reference_label`` is empty."""
    values = [{"label": it["label"], "value": None if it["suppressed"] else it["value"],
               "lo": None if it["suppressed"] else it.get("ci_lower"),
               "hi": None if it["suppressed"] else it.get("ci_upper"),
               "comparison": "suppressed" if it["suppressed"] else (it.get("comparison") or "not_compared"),
               "text": "suppressed" if it["suppressed"] else ""} for it in items]  # fmt: skip
    order = [it["label"] for it in items]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    domain = list(COMPARISON_COLOURS)
    colour = alt.Color("comparison:N", title=f"Compared with {reference_label}",
                       scale=alt.Scale(domain=domain, range=[COMPARISON_COLOURS[d] for d in domain]),
                       legend=alt.Legend(orient="bottom") if reference_label else None)  # fmt: skip
    xtitle = {"percent": "% (95% interval)"}.get(unit, unit)
    base = alt.Chart(alt.Data(values=values)).encode(y=y)
    shown = base.transform_filter("datum.value != null")
    interval = base.transform_filter("datum.lo != null && datum.hi != null").mark_rule(color="#1b1b1b").encode(
        x="lo:Q", x2="hi:Q")
    layers = [
        shown.mark_bar(height={"band": 0.7}, opacity=0.85).encode(x=alt.X("value:Q", title=xtitle), color=colour),
        interval,
    ] if bars else [
        interval,
        shown.mark_point(filled=True, size=45, opacity=1).encode(x=alt.X("value:Q", title=xtitle), color=colour),
    ]  # fmt: skip
    layers += [
        base.transform_filter("datum.text != ''").mark_text(align="left", dx=3, fontStyle="italic", color="#555")
            .encode(x=alt.datum(0), text="text:N"),
    ]  # fmt: skip
    if reference is not None:
        layers.append(alt.Chart(alt.Data(values=[{"ref": reference}]))
                      .mark_rule(strokeDash=[4, 3], color="#000").encode(x="ref:Q"))  # fmt: skip
    height = max(40, 18 * len(items))
    return _config(alt.layer(*layers).properties(width=360, height=height, title=title))


def _funnel_chart(stages: list[dict], title: str) -> alt.TopLevelMixin:
    values = [{"stage": s["stage"], "count": s["count"], "label": s["label"]} for s in stages]
    order = [s["stage"] for s in stages]
    base = alt.Chart(alt.Data(values=values)).encode(y=alt.Y("stage:N", sort=order, title=None))
    top = max((s["count"] for s in stages if s["count"] is not None), default=0) or 1
    bars = base.transform_filter("datum.count != null").mark_bar(color="#5a2a82").encode(
        x=alt.X("count:Q", title="crimes", scale=alt.Scale(domain=[0, top * 1.6], nice=False)))
    text = base.mark_text(align="left", dx=4, color="#1b1b1b").encode(x="xpos:Q", text="label:N").transform_calculate(
        xpos="datum.count == null ? 0 : datum.count")
    return _config(alt.layer(bars, text).properties(width=380, height=30 * len(stages), title=title))


# ----------------------------------------------------------------------------- data access


class _Data:
    """The rows the report needs, rounded as published, indexed by key."""

    def __init__(self, dataset: pl.DataFrame) -> None:
        missing = [c for c in COLUMNS if c not in dataset.columns]
        if missing:
            raise ValueError(f"dataset is missing column(s) {missing}")
        text = [c for c in COLUMNS if c not in {"period_start", "period_end", "numerator", "denominator", "value",
                                                 "ci_lower", "ci_upper", "suppressed"}]  # fmt: skip
        wanted = {i for i, _, _ in HEADLINES} | {i for i, _ in FUNNEL_STAGES} | set(BREAKDOWN_INDICATORS) \
            | set(BOROUGH_INDICATORS) | set(COMPLETENESS_INDICATORS)
        df = dataset.select(COLUMNS).with_columns(pl.col(c).cast(pl.String) for c in text)
        # Only the rows shown: London/UK totals and characteristics, borough totals of the
        # borough charts' financial years.
        london = pl.col("geography_type").is_in(["london", "uk"]) & pl.col("breakdown").is_in(
            ["total", *CHARACTERISTICS])
        borough = ((pl.col("geography_type") == "borough") & (pl.col("breakdown") == "total")
                   & (pl.col("period_type") == "financial_year") & pl.col("indicator_id").is_in(BOROUGH_INDICATORS))
        df = df.filter(pl.col("indicator_id").is_in(sorted(wanted)) & (london | borough))  # fmt: skip
        df = df.with_columns(
            *(pl.col(c).str.to_date("%Y-%m-%d") if df.schema[c] == pl.String
              else pl.col(c).cast(pl.Date) for c in ("period_start", "period_end")),
            pl.col("suppressed").cast(pl.Boolean).fill_null(False),
        )  # fmt: skip
        if df.height:
            df = round_for_publication(df)
        df = df.with_columns(
            # Never show a figure of a suppressed row, whatever the input holds.
            *(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
              for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper", "comparison")),
        ).sort(["indicator_id", "category", "period_type", "period_start", "geography_type", "geography_code",
                "breakdown", "breakdown_value"], nulls_last=True)  # fmt: skip
        self.by_key: dict[tuple, list[dict]] = defaultdict(list)
        for row in df.iter_rows(named=True):
            key = (row["indicator_id"], row["category"], row["period_type"], row["geography_type"], row["breakdown"])
            self.by_key[key].append(row)

    def rows(self, indicator: str, category: str, period_type: str, geography_type: str,
             breakdown: str = "total") -> list[dict]:
        """Rows sorted by period_start, geography_code, breakdown_value."""
        return self.by_key.get((indicator, category, period_type, geography_type, breakdown), [])

    def has(self, indicator: str) -> bool:
        return any(k[0] == indicator for k in self.by_key)

    def categories(self, indicator: str) -> list[str]:
        return sorted({k[1] for k in self.by_key if k[0] == indicator})

    @staticmethod
    def latest_period(rows: list[dict]):
        return max((r["period_start"] for r in rows if r["period_start"] is not None), default=None)

    def latest_fy(self, indicator: str, category: str, geography_type: str = "london"):
        return self.latest_period(self.rows(indicator, category, "financial_year", geography_type))

    @staticmethod
    def at(rows: list[dict], period_start) -> list[dict]:
        return [r for r in rows if r["period_start"] == period_start]


def _indicator_name(rows: list[dict], indicator: str, spec) -> str:
    for r in rows:
        if r.get("indicator_name"):
            return r["indicator_name"]
    if spec is not None:
        try:
            return spec.indicator(indicator).name
        except StopIteration:
            pass
    return indicator


def _definition(spec, indicator: str) -> str:
    if spec is None:
        return ""
    try:
        return spec.indicator(indicator).definition
    except StopIteration:
        return ""


def _sort_values(values: list[str]) -> list[str]:
    """Breakdown values in byte order (ages sort naturally), UNKNOWN last."""
    return sorted(values, key=lambda v: (v == "UNKNOWN", v))


# ----------------------------------------------------------------------------- sections


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}" aria-labelledby="{anchor}-h"><h2 id="{anchor}-h">{_e(title)}</h2>{body}</section>'


def _headlines(data: _Data, charts: _Charts, spec) -> str:
    cards = []
    for indicator, category, geo in HEADLINES:
        fy_rows = data.rows(indicator, category, "financial_year", geo)
        q_rows = data.rows(indicator, category, "quarter", geo)
        if not fy_rows and not q_rows:
            continue
        name = _indicator_name(fy_rows or q_rows, indicator, spec)
        cat = _category_label(category)
        place = (fy_rows or q_rows)[0].get("geography_name") or geo
        heading = f"{name} ({cat})" if category != "all" or indicator == "police_recorded_crimes" else name
        parts = [f"<h3>{_e(heading)}</h3>"]
        if fy_rows:
            latest = fy_rows[-1]
            interval = _fmt_interval(latest)
            parts.append(f'<p class="big">{_value_html(latest)}</p>')
            detail = f"{place}, financial year {latest['period']}"
            if interval:
                detail += f"; 95% interval {interval}"
            parts.append(f'<p class="muted">{_e(detail)}'
                         + (' <span class="provisional">provisional</span>' if _is_provisional(latest) else "")
                         + "</p>")  # fmt: skip
            if len(fy_rows) > 1:
                prev = fy_rows[-2]
                parts.append(f'<p class="muted">Previous year ({_e(prev["period"])}): {_value_html(prev)}</p>')
        else:
            parts.append(f"<p>No complete financial year is published for {_e(place)}.</p>")
        if q_rows:
            unit = q_rows[-1]["unit"]
            shown = [r for r in q_rows if not r["suppressed"] and r["value"] is not None]
            alt_text = f"Line chart of {heading}, {place}, by quarter from {q_rows[0]['period']} to {q_rows[-1]['period']}"
            if shown:
                low = min(shown, key=lambda r: r["value"])
                high = max(shown, key=lambda r: r["value"])
                alt_text += (f": lowest {_fmt(low['value'], unit)} in {low['period']}, highest "
                             f"{_fmt(high['value'], unit)} in {high['period']}, latest {_value_text(q_rows[-1])} "
                             f"in {q_rows[-1]['period']}.")  # fmt: skip
            suppressed = sum(r["suppressed"] for r in q_rows)
            if suppressed:
                alt_text += f" {suppressed} quarter(s) suppressed."
            table = _stat_table(f"{heading}, {place}, by quarter", "Quarter", [(r["period"], r) for r in q_rows])
            parts.append(charts.figure(_trend_chart(q_rows, unit, "By quarter"), alt_text, table,
                                       "Numbers behind this chart"))  # fmt: skip
        cards.append(f'<div class="card">{"".join(parts)}</div>')
    if not cards:
        return _section("headlines", "Headline figures", f"<p>{NOT_AVAILABLE}</p>")
    intro = ("<p>The latest complete financial year for London (the Forced Marriage Unit share: the United "
             "Kingdom), with the 95% confidence interval of each rate and its trend over the quarters. "
             "The shaded band on the rate charts is the 95% interval.</p>")  # fmt: skip
    return _section("headlines", "Headline figures", intro + f'<div class="cards">{"".join(cards)}</div>')


def _funnel(data: _Data, charts: _Charts, spec) -> str:
    parts = []
    for category in FUNNEL_CATEGORIES:
        conv = data.rows("e2e_conviction_rate", category, "financial_year", "london")
        years = [r["period_start"] for r in conv if r["numerator"] is not None]
        if not years:
            continue
        start = max(years)
        stages, provisional, period = [], False, None
        for indicator, label in FUNNEL_STAGES:
            row = next(iter(data.at(data.rows(indicator, category, "financial_year", "london"), start)), None)
            if row is None:
                stages.append({"stage": label, "count": None, "row": None})
                continue
            period = row["period"]
            provisional |= _is_provisional(row)
            stages.append({"stage": label, "count": None if row["suppressed"] else row["numerator"], "row": row})
        recorded = stages[0]["count"]
        for s in stages:
            if s["row"] is None:
                s["label"] = "not available"
            elif s["count"] is None:
                s["label"] = "suppressed"
            else:
                share = f" ({100 * s['count'] / recorded:.1f}% of recorded)" if recorded and s is not stages[0] else ""
                s["label"] = f"{s['count']:,}{share}"
        cat = _category_label(category)
        title = f"Attrition, {cat}, London, {period}"
        alt_text = (f"Bar chart of the attrition of {cat} crimes recorded in London in {period}: "
                    + "; ".join(f"{s['stage'].lower()} {s['label']}" for s in stages) + ".")  # fmt: skip
        rows = [[_e(s["stage"]), _e(s["label"] if s["count"] is None else f"{s['count']:,}"),
                 _e(f"{100 * s['count'] / recorded:.1f}%" if recorded and s["count"] is not None else ""),
                 _e((s["row"] or {}).get("note") or "")] for s in stages]  # fmt: skip
        table = _table(title, ["Stage", "Crimes", "Share of recorded", "Note"], rows, numeric={1, 2})
        heading = f"{cat[:1].upper()}{cat[1:]}, financial year {period}"
        badge = ' <span class="provisional">provisional</span>' if provisional else ""
        parts.append(f"<h3>{_e(heading)}{badge}</h3>"
                     + charts.figure(_funnel_chart(stages, title), alt_text, table, "Numbers behind this chart"))
    if not parts:
        return _section("funnel", "Attrition: from recorded crime to conviction", f"<p>{NOT_AVAILABLE}</p>")
    intro = ("<p>Crimes recorded by the police in the year (the cohort), and how many of them were later "
             "charged (outcome 1), prosecuted (a CPS finalisation other than an administrative one under the "
             "crime's URN) and convicted. Prosecutions and convictions are followed through the linked CPS "
             "records whatever their date, so for recent years cases are still in court: figures for cohorts "
             "ending less than eight quarters before the data's as-at date are marked "
             "<strong>provisional</strong> and will rise.</p>")  # fmt: skip
    return _section("funnel", "Attrition: from recorded crime to conviction", intro + "".join(parts))


def _breakdowns(data: _Data, charts: _Charts, spec) -> str:
    parts = []
    for indicator in BREAKDOWN_INDICATORS:
        start = data.latest_fy(indicator, "all")
        if start is None:
            continue
        total = next(iter(data.at(data.rows(indicator, "all", "financial_year", "london"), start)), None)
        name = _indicator_name([total] if total else [], indicator, spec)
        period = total["period"] if total else ""
        blocks = []
        for characteristic in CHARACTERISTICS:
            rows = data.at(data.rows(indicator, "all", "financial_year", "london", characteristic), start)
            if not rows:
                continue
            by_value = {r["breakdown_value"]: r for r in rows}
            ordered = [by_value[v] for v in _sort_values(list(by_value))]
            label = CHARACTERISTIC_LABELS[characteristic]
            items = [{"label": r["breakdown_value"], **r} for r in ordered]
            ref = None if total is None or total["suppressed"] else total["value"]
            title = f"{name} by {label.lower()}, London, {period}"
            described = []
            for r in ordered:
                text = f"{r['breakdown_value']} {_value_text(r)}"
                if not r["suppressed"] and r.get("comparison") in ("higher", "lower"):
                    text += f" ({r['comparison']} than London overall)"
                described.append(text)
            alt_text = (f"Bar chart with 95% intervals of the {name.lower()} by {label.lower()}, London, {period}"
                        + (f", against London overall at {_fmt(ref, total['unit'])}" if ref is not None else "")
                        + ": " + "; ".join(described) + ".")  # fmt: skip
            table_rows = [(r["breakdown_value"], r) for r in ordered] + ([("London overall", total)] if total else [])
            table = _stat_table(title, label, table_rows)
            blocks.append(f"<h4>{_e(label)}</h4>" + charts.figure(
                _interval_chart(items, ordered[0]["unit"], title, ref, "London overall", bars=True),
                alt_text, table, "Numbers behind this chart"))
        if not blocks:
            continue
        badge = ' <span class="provisional">provisional</span>' if total and _is_provisional(total) else ""
        head = f"<h3>{_e(name)}, London, {_e(period)}{badge}</h3>"
        if total is not None:
            head += f"<p>London overall: {_value_html(total)}" + (
                f" (95% interval {_e(_fmt_interval(total))})" if _fmt_interval(total) else "") + ".</p>"
        definition = _definition(spec, indicator)
        if definition:
            head += f'<p class="muted">{_e(definition)}</p>'
        parts.append(head + "".join(blocks))
    if not parts:
        return _section("breakdowns", "Breakdowns by protected characteristic", f"<p>{NOT_AVAILABLE}</p>")
    intro = ("<p>Each group of victims is compared with London as a whole (the dashed line): "
             "<strong>higher</strong> or <strong>lower</strong> when London's value lies outside the group's 95% "
             "confidence interval, otherwise <strong>similar</strong>. Values that could reveal a count of 1 to 4 "
             "are <span class=\"suppressed\">suppressed</span> and shown as such, never as zero. "
             "UNKNOWN means the characteristic was not recorded.</p>")  # fmt: skip
    return _section("breakdowns", "Breakdowns by protected characteristic", intro + "".join(parts))


def _boroughs(data: _Data, charts: _Charts, spec) -> str:
    parts = []
    for indicator in BOROUGH_INDICATORS:
        start = data.latest_fy(indicator, "all", "borough")
        if start is None:
            continue
        rows = data.at(data.rows(indicator, "all", "financial_year", "borough"), start)
        london = next(iter(data.at(data.rows(indicator, "all", "financial_year", "london"), start)), None)
        name = _indicator_name(rows, indicator, spec)
        period = rows[0]["period"]
        unit = rows[0]["unit"]
        shown = sorted((r for r in rows if not r["suppressed"] and r["value"] is not None),
                       key=lambda r: (-r["value"], r["geography_name"] or r["geography_code"]))  # fmt: skip
        hidden = sorted((r for r in rows if r not in shown), key=lambda r: r["geography_name"] or r["geography_code"])
        ordered = shown + hidden
        items = [{"label": r["geography_name"] or r["geography_code"], **r} for r in ordered]
        ref = None if london is None or london["suppressed"] else london["value"]
        title = f"{name} by borough, {period}"
        higher = [i["label"] for i in items if i.get("comparison") == "higher"]
        lower = [i["label"] for i in items if i.get("comparison") == "lower"]
        summary = (f"{len(higher)} of {len(items)} boroughs are higher than London"
                   + (f" ({', '.join(higher)})" if higher else "") + f"; {len(lower)} are lower"
                   + (f" ({', '.join(lower)})" if lower else "") + ".")  # fmt: skip
        if hidden:
            summary += f" {len(hidden)} borough(s) suppressed or blank."
        alt_text = (f"Dot chart with 95% intervals of the {name.lower()} in each borough, {period}, sorted from "
                    f"highest to lowest"
                    + (f", with London's value {_fmt(ref, unit)} as a dashed line" if ref is not None else "")
                    + ". " + summary)  # fmt: skip
        table_rows = [(i["label"], i) for i in items] + ([("London", london)] if london else [])
        table = _stat_table(title, "Borough", table_rows)
        badge = ' <span class="provisional">provisional</span>' if any(_is_provisional(r) for r in rows) else ""
        head = f"<h3>{_e(name)}, {_e(period)}{badge}</h3><p>{_e(summary)}</p>"
        if london is not None:
            head += f"<p>London: {_value_html(london)}.</p>"
        parts.append(head + charts.figure(
            _interval_chart(items, unit, title, ref, "London", bars=False), alt_text, table,
            "Numbers behind this chart"))
    if not parts:
        return _section("boroughs", "Boroughs compared with London", f"<p>{NOT_AVAILABLE}</p>")
    intro = ("<p>Each borough's value with its 95% confidence interval; the dashed line is London's value. "
             "A borough is <strong>higher</strong> or <strong>lower</strong> when London's value lies outside "
             "its interval.</p>")  # fmt: skip
    return _section("boroughs", "Boroughs compared with London", intro + "".join(parts))


def _completeness(data: _Data, charts: _Charts, spec) -> str:
    parts = []
    for indicator in COMPLETENESS_INDICATORS:
        categories = data.categories(indicator)
        starts = [s for s in (data.latest_fy(indicator, c) for c in categories) if s is not None]
        if not starts:
            continue
        start = max(starts)
        rows = [r for c in categories for r in data.at(data.rows(indicator, c, "financial_year", "london"), start)]
        if not rows:
            continue
        name = _indicator_name(rows, indicator, spec)
        period = rows[0]["period"]
        items = [{"label": r["category"], **r, "comparison": "not_compared"} for r in rows]
        title = f"{name}, London, {period}"
        alt_text = (f"Bar chart with 95% intervals of the {name.lower()}, London, {period}: "
                    + "; ".join(f"{r['category']} {_value_text(r)}" for r in rows) + ".")  # fmt: skip
        table = _stat_table(title, "Field", [(r["category"], r) for r in rows])
        parts.append(f"<h4>{_e(name)}, {_e(period)}</h4>" + charts.figure(
            _interval_chart(items, rows[0]["unit"], title, None, "", bars=True), alt_text, table,
            "Numbers behind this chart"))
    if not parts:
        parts.append(f"<p>{NOT_AVAILABLE}</p>")
    intro = ("<h3>Recording completeness</h3><p>The share of records (London, latest financial year) in which "
             "each characteristic was recorded. Breakdowns by a characteristic that is often unrecorded should "
             "be read with care.</p>")  # fmt: skip
    return intro + "".join(parts)


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _quality(manifest: dict) -> str:
    m = manifest or {}
    facts = [
        ("Vintage", m.get("vintage")), ("Code version", m.get("code_version")),
        ("Data as at", m.get("data_as_at")),
        ("Rows in the dataset", _fmt_count(m["dataset"]["rows"]) if isinstance(m.get("dataset"), dict)
         and m["dataset"].get("rows") is not None else None),
        ("Suppressed rows", _fmt_count(m["dataset"]["suppressed_rows"]) if isinstance(m.get("dataset"), dict)
         and m["dataset"].get("suppressed_rows") is not None else None),
    ]  # fmt: skip
    body = ["<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v if v is not None else 'not recorded')}</dd>"
                             for k, v in facts) + "</dl>"]  # fmt: skip

    files = [f for f in (m.get("input_files") or []) if isinstance(f, dict)]
    body.append("<h4>Input files</h4>")
    if files:
        per_source: dict[str, dict] = {}
        for f in files:
            s = per_source.setdefault(str(f.get("source") or ""), defaultdict(int))
            s[f"status:{f.get('status') or ''}"] += 1
            for k in ("rows_read", "rows_loaded", "rows_quarantined", "warnings"):
                if f.get("status") == "accepted":
                    s[k] += _int(f.get(k))
        statuses = sorted({k.split(":", 1)[1] for s in per_source.values() for k in s if k.startswith("status:")})
        header = ["Source", *[f"Files {st}" for st in statuses], "Rows read", "Rows loaded", "Rows quarantined",
                  "Warnings"]  # fmt: skip
        rows = [[_e(src), *[_e(f"{s.get('status:' + st, 0):,}") for st in statuses],
                 *[_e(f"{s.get(k, 0):,}") for k in ("rows_read", "rows_loaded", "rows_quarantined", "warnings")]]
                for src, s in sorted(per_source.items())]  # fmt: skip
        body.append("<p>Row counts are of accepted files.</p>")
        body.append(_table("Input files by source", header, rows, numeric=set(range(1, len(header)))))
        detail = [[_e(f.get("source")), _e(f.get("file_name")), _e(f.get("quarter")), _e(f.get("status")),
                   _e(f.get("reason") or ""), _e(_fmt_count(f.get("rows_read"))), _e(_fmt_count(f.get("rows_loaded"))),
                   _e(_fmt_count(f.get("rows_quarantined"))), _e(f.get("sha256"))] for f in files]  # fmt: skip
        body.append("<details><summary>Every input file</summary>" + _table(
            "Every input file", ["Source", "File", "Quarter", "Status", "Reason", "Rows read", "Rows loaded",
                                 "Rows quarantined", "SHA-256"], detail, numeric={5, 6, 7}) + "</details>")
    else:
        body.append("<p>The manifest lists no input files.</p>")

    rejected = [f for f in (m.get("rejected_files") or []) if isinstance(f, dict)]
    body.append("<h4>Rejected files</h4>")
    if rejected:
        body.append(_table("Rejected files", ["Source", "File", "Reason", "SHA-256"],
                           [[_e(f.get("source")), _e(f.get("file_name")), _e(f.get("reason")), _e(f.get("sha256"))]
                            for f in rejected]))  # fmt: skip
    else:
        body.append("<p>No file was rejected.</p>")

    missing = [f for f in (m.get("missing_service_returns") or []) if isinstance(f, dict)]
    body.append("<h4>Missing service returns</h4>")
    if missing:
        body.append(f"<p>{len(missing):,} expected monitoring return(s) were not received; service figures for "
                    "the areas concerned carry a note saying how many providers are missing.</p>")
        body.append(_table("Missing service returns", ["Provider", "Service type", "Borough code", "Quarter"],
                           [[_e(f.get("provider_id")), _e(f.get("service_type_code")), _e(f.get("borough_code")),
                             _e(f.get("quarter"))] for f in missing]))  # fmt: skip
    else:
        body.append("<p>No expected service return is missing.</p>")
    return "".join(body)


def _disclosure_note() -> str:
    return ("<p>Disclosure control: no count of 1 to 4 people, offences or cases may be learnt from this "
            "report, by reading a figure or by adding and subtracting figures. Such values, and others that "
            "would give them away, are shown as <span class=\"suppressed\">suppressed</span>.</p>")  # fmt: skip


# ----------------------------------------------------------------------------- the report


def render_report(dataset: pl.DataFrame, manifest: dict, spec=None) -> str:
    """The report's HTML text (what ``write_report`` writes)."""
    if spec is None:
        from pipelines.indicators.spec import load_spec

        spec = load_spec()
    data = _Data(dataset)
    charts = _Charts()
    manifest = manifest or {}
    sections = [
        ("headlines", "Headline figures", _headlines(data, charts, spec)),
        ("funnel", "Attrition: from recorded crime to conviction", _funnel(data, charts, spec)),
        ("breakdowns", "Breakdowns by protected characteristic", _breakdowns(data, charts, spec)),
        ("boroughs", "Boroughs compared with London", _boroughs(data, charts, spec)),
        ("quality", "Recording completeness and data quality",
         _section("quality", "Recording completeness and data quality",
                  _completeness(data, charts, spec) + "<h3>Data-quality notes</h3>" + _quality(manifest))),
    ]
    nav = "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t, _ in sections)
    vintage = manifest.get("vintage")
    as_at = manifest.get("data_as_at")
    meta = " · ".join(x for x in [f"Vintage {_e(vintage)}" if vintage else "",
                                  f"data as at {_e(as_at)}" if as_at else "",
                                  f"code version {_e(manifest.get('code_version'))}" if manifest.get("code_version") else ""]
                      if x)  # fmt: skip
    intro = ("<p>This report is for the Panel that scrutinises how London's agencies respond to violence against "
             "women and girls (VAWG). It shows how many crimes the Metropolitan Police Service records, how many "
             "victims withdraw, how many crimes are charged, prosecuted and end in conviction, who uses the Havens, "
             "and whether any group of women is treated differently. Rates come with a 95% confidence interval: "
             "the range in which the true rate very probably lies. Every figure comes from the published dataset "
             "(<code>indicators.csv</code>) of the same vintage, where the definitions are given.</p>"
             + _disclosure_note())  # fmt: skip
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">\n"
        f"<title>{_e(TITLE)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the report</a>\n'
        f'<header><h1>{_e(TITLE)}</h1><p class="meta">{meta}</p></header>\n'
        f'<main id="main">\n{intro}\n<nav aria-label="Contents"><h2>Contents</h2><ol>{nav}</ol></nav>\n'
        + "\n".join(body for _, _, body in sections) + "\n</main>\n"
        f"<footer><p>{_e(TITLE)}. {meta}. Built from the Panel's disclosure-controlled dataset; "
        "charts are drawn from the tables shown with them.</p></footer>\n</body>\n</html>\n"
    )


def write_report(dataset: pl.DataFrame, path: str | os.PathLike, manifest: dict, spec=None) -> None:
    """Write ``report.html`` for the Panel (see the module docstring)."""
    text = render_report(dataset, manifest, spec)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
