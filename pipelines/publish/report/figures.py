"""Each section's charts as inline SVG with the sentence that describes them (their accessible
name): select.py's data drawn by charts.py, described by words.py."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from pipelines.publish.report import charts, funnel, select
from pipelines.publish.report import words as w


@dataclass(frozen=True)
class Figure:
    svg: Markup
    label: str


def headline(card: select.Headline, renderer: charts.SvgRenderer) -> Figure | None:
    rows = card.quarters
    if not rows:
        return None
    unit = rows[-1]["unit"]
    provisional = [select.is_provisional(r) for r in rows]
    label = f"Line chart of {card.heading}, {card.place}, by quarter from {rows[0]['period']} to {rows[-1]['period']}"
    shown = [r for r in rows if not r["suppressed"] and r["value"] is not None]
    if shown:
        low = min(shown, key=lambda r: r["value"])
        high = max(shown, key=lambda r: r["value"])
        label += (
            f": lowest {w.figure(low['value'], unit)} in {low['period']}, highest {w.figure(high['value'], unit)} "
            f"in {high['period']}, latest {w.value_of(rows[-1])} in {rows[-1]['period']}."
        )
    hidden = sum(r["suppressed"] for r in rows)
    if hidden:
        label += f" {w.plural(hidden, 'quarter')} suppressed."
    if any(provisional):
        first = rows[provisional.index(True)]["period"]
        label += (
            f" Quarters from {first} are provisional (hollow points on a dashed line): their outcomes are "
            "still arriving."
        )
    return Figure(renderer.svg(charts.time_series(rows, unit, "By quarter", provisional), label), label)


def attrition(item: select.Attrition, renderer: charts.SvgRenderer) -> Figure:
    cat = w.category_label(item.category)
    stages = [{"stage": s.stage, "count": s.count, "label": stage_label(s)} for s in item.stages]
    label = (
        f"Bar chart of the attrition of {cat} crimes recorded in London in {item.period}: "
        + "; ".join(f"{s['stage'].lower()} {s['label']}" for s in stages)
        + "."
    )
    return Figure(renderer.svg(charts.attrition(stages, f"Attrition, {cat}, London, {item.period}"), label), label)


def stage_label(stage: select.Stage) -> str:
    if stage.row is None:
        return "not available"
    if stage.count is None:
        return "suppressed"
    return f"{stage.count:,}" + (f" ({stage.share:.1f}% of recorded)" if stage.share is not None else "")


def breakdown(item: select.Breakdown, chart: select.BreakdownChart, renderer: charts.SvgRenderer) -> Figure:
    label_ = w.CHARACTERISTIC_LABELS[chart.characteristic]
    total = item.total
    reference = None if total["suppressed"] else total["value"]
    described = []
    for r in chart.rows:
        text = f"{r['breakdown_value']} {w.value_of(r)}"
        if not r["suppressed"] and r.get("comparison") in ("higher", "lower"):
            text += f" ({r['comparison']} than London overall)"
        described.append(text)
    label = (
        f"Bar chart with 95% intervals of the {item.name.lower()} by {label_.lower()}, London, {item.period}"
        + (f", against London overall at {w.figure(reference, total['unit'])}" if reference is not None else "")
        + ": "
        + "; ".join(described)
        + "."
    )
    items = [{"label": r["breakdown_value"], **r} for r in chart.rows]
    title = f"{item.name} by {label_.lower()}, London, {item.period}"
    return Figure(
        renderer.svg(charts.intervals(items, chart.rows[0]["unit"], title, reference, "London overall"), label), label
    )


def borough_funnel(item: select.BoroughFunnel, renderer: charts.SvgRenderer) -> Figure:
    points = [
        {"label": p.label, "n": p.row["denominator"], "value": p.row["value"], "position": p.position}
        for p in item.points
    ]
    label = (
        f"Funnel plot of the {item.name.lower()} in each borough, {item.period}: each borough's rate against "
        f"its number of crimes, London's {w.value_of(item.london)} as the centre line, with 95% and 99.8% "
        f"control limits. {funnel_summary(item)}"
    )
    title = f"{item.name} by borough, {item.period}"
    chart = charts.funnel_plot(points, item.curve, item.centre, title, "crimes (denominator)")
    return Figure(renderer.svg(chart, label), label)


def funnel_summary(item: select.BoroughFunnel) -> str:
    """The boroughs beyond the 99.8% limits named, those beyond 95% counted."""
    above, below = item.beyond("above"), item.beyond("below")
    parts = []
    if above:
        parts.append(f"Above the 99.8% limit: {w.names_list(above)}.")
    if below:
        parts.append(f"Below the 99.8% limit: {w.names_list(below)}.")
    if not above and not below:
        parts.append("No borough lies beyond the 99.8% limits.")
    between = item.count(funnel.ABOVE_95, funnel.BELOW_95)
    parts.append(
        f"Between the 95% and 99.8% limits: {w.plural(between, 'borough')}. "
        f"Within the 95% limits: {item.count(funnel.WITHIN)} of the {len(item.points)} boroughs drawn."
    )
    if item.hidden:
        parts.append(f"{w.plural(len(item.hidden), 'borough')} suppressed or without crimes, not drawn.")
    return " ".join(parts)


def completeness(item: select.Completeness, renderer: charts.SvgRenderer) -> Figure:
    label = (
        f"Bar chart with 95% intervals of the {item.name.lower()}, London, {item.period}: "
        + "; ".join(f"{r['category']} {w.value_of(r)}" for r in item.rows)
        + "."
    )
    items = [{"label": r["category"], **r, "comparison": "not_compared"} for r in item.rows]
    chart = charts.intervals(items, item.rows[0]["unit"], f"{item.name}, London, {item.period}", None, "")
    return Figure(renderer.svg(chart, label), label)
