"""How the report draws: Vega-Lite specs (altair) rendered by vl-convert to inline SVG, so the
page needs no script, font or image from anywhere. Each function takes rows the report
selected (select.py) and returns an altair chart; ``SvgRenderer`` turns one into markup.

Time series draw provisional points hollow on a dashed segment, with a legend entry, so that a
recent fall that is only waiting for outcomes never looks like a cliff.
"""

from __future__ import annotations

import re

import altair as alt
import vl_convert
from markupsafe import Markup, escape

from pipelines.publish.report import funnel

INK = "#5a2a82"
COMPARISON_COLOURS = {  # colour-blind safe; the tables and labels say the same in words
    "higher": "#b2182b",
    "lower": "#2166ac",
    "similar": "#8c8c8c",
    "not_compared": "#4d4d4d",
}
POSITION_COLOURS = {  # the funnel's positions, diverging (colour-blind safe) and in words beside
    funnel.ABOVE_998: "#b2182b",
    funnel.ABOVE_95: "#ef8a62",
    funnel.WITHIN: "#8c8c8c",
    funnel.BELOW_95: "#67a9cf",
    funnel.BELOW_998: "#2166ac",
}
FINAL, PROVISIONAL = "final", "provisional (will change)"


class SvgRenderer:
    """Renders charts to inline SVG whose ids are unique within the document."""

    def __init__(self) -> None:
        self.count = 0

    def svg(self, chart: alt.TopLevelMixin, label: str) -> Markup:
        self.count += 1
        svg = vl_convert.vegalite_to_svg(chart.to_dict(validate=False))
        svg = _unique_ids(svg, f"c{self.count}-")
        name = str(escape(label))
        # The svg's own accessible name as well as its figure's, for tools that read either.
        svg = re.sub(r"<svg\b", lambda _: f'<svg role="img" aria-label="{name}"', svg, count=1)
        svg = re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}<title>{name}</title>", svg, count=1)
        return Markup(svg)  # vl-convert's SVG, its text XML-escaped by vl-convert


def _unique_ids(svg: str, prefix: str) -> str:
    """Several inline SVGs share one id space: prefix every id and its references."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1) in ids else m.group(0), svg)
    return re.sub(
        r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"' if m.group(1) in ids else m.group(0), svg
    )


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font="Arial, Helvetica, sans-serif", background="white").configure_view(stroke=None)


def _quarter_axis() -> alt.Axis:
    # Each financial year labelled once, at its first quarter.
    return alt.Axis(
        title=None,
        labelAngle=-45,
        labelOverlap=True,
        labelExpr="indexof(datum.label, 'Q1') >= 0 ? slice(datum.label, 0, 7) : ''",
    )


def time_series(rows: list[dict], unit: str, title: str, provisional: list[bool]) -> alt.TopLevelMixin:
    """A line over the periods of ``rows``: final points filled on a solid line, provisional
    ones hollow on a dashed line that starts at the last final point; the 95% interval as a
    band. A suppressed period has no point."""
    values = [
        {
            "period": r["period"],
            "value": r["value"],
            "lo": r.get("ci_lower"),
            "hi": r.get("ci_upper"),
            "status": PROVISIONAL if p else FINAL,
        }
        for r, p in zip(rows, provisional)
    ]
    # The dashed segment joins the provisional points to the last final point before them.
    last_final = max((k for k, p in enumerate(provisional) if not p and rows[k]["value"] is not None), default=None)
    for k, v in enumerate(values):
        v["solid"] = v["status"] == FINAL
        v["dashed"] = v["status"] == PROVISIONAL or k == last_final and any(provisional)
    order = [r["period"] for r in rows]
    base = alt.Chart(alt.Data(values=values)).encode(x=alt.X("period:O", sort=order, axis=_quarter_axis()))
    y_title = {"percent": "%", "count": "count"}.get(unit, unit)
    layers = []
    if any(v["lo"] is not None for v in values):
        layers.append(base.mark_area(opacity=0.2, color=INK).encode(y="lo:Q", y2="hi:Q"))
    layers.append(base.transform_filter("datum.solid").mark_line(color=INK).encode(y=alt.Y("value:Q", title=y_title)))
    if any(provisional):
        layers.append(base.transform_filter("datum.dashed").mark_line(color=INK, strokeDash=[4, 3]).encode(y="value:Q"))
    statuses = [FINAL, PROVISIONAL] if any(provisional) else [FINAL]
    fill = alt.Fill(
        "status:N",
        scale=alt.Scale(domain=statuses, range=[INK, "white"][: len(statuses)]),
        legend=alt.Legend(title=None, orient="bottom") if any(provisional) else None,
    )
    layers.append(
        base.transform_filter("datum.value != null")
        .mark_point(size=22, stroke=INK, opacity=1)
        .encode(y="value:Q", fill=fill)
    )
    return _config(alt.layer(*layers).properties(width=270, height=110, title=title))


def intervals(
    items: list[dict], unit: str, title: str, reference: float | None, reference_label: str
) -> alt.TopLevelMixin:
    """Bars with 95% intervals, one per item (``label``, a row's fields) in the order given;
    a suppressed item carries the word instead of a bar; a dashed line at ``reference``;
    coloured by comparison, with a legend unless ``reference_label`` is empty."""
    values = [
        {
            "label": it["label"],
            "value": None if it["suppressed"] else it["value"],
            "lo": None if it["suppressed"] else it.get("ci_lower"),
            "hi": None if it["suppressed"] else it.get("ci_upper"),
            "comparison": "suppressed" if it["suppressed"] else (it.get("comparison") or "not_compared"),
            "text": "suppressed" if it["suppressed"] else "",
        }
        for it in items
    ]
    y = alt.Y("label:N", sort=[it["label"] for it in items], title=None, axis=alt.Axis(labelLimit=220))
    domain = list(COMPARISON_COLOURS)
    colour = alt.Color(
        "comparison:N",
        title=f"Compared with {reference_label}",
        scale=alt.Scale(domain=domain, range=[COMPARISON_COLOURS[d] for d in domain]),
        legend=alt.Legend(orient="bottom") if reference_label else None,
    )
    base = alt.Chart(alt.Data(values=values)).encode(y=y)
    layers = [
        base.transform_filter("datum.value != null")
        .mark_bar(height={"band": 0.7}, opacity=0.85)
        .encode(x=alt.X("value:Q", title={"percent": "% (95% interval)"}.get(unit, unit)), color=colour),
        base.transform_filter("datum.lo != null && datum.hi != null")
        .mark_rule(color="#1b1b1b")
        .encode(x="lo:Q", x2="hi:Q"),
        base.transform_filter("datum.text != ''")
        .mark_text(align="left", dx=3, fontStyle="italic", color="#555")
        .encode(x=alt.datum(0), text="text:N"),
    ]
    if reference is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"ref": reference}]))
            .mark_rule(strokeDash=[4, 3], color="#000")
            .encode(x="ref:Q")
        )
    return _config(alt.layer(*layers).properties(width=360, height=max(40, 18 * len(items)), title=title))


def attrition(stages: list[dict], title: str) -> alt.TopLevelMixin:
    """Bars of the crimes left at each stage (``stage``, ``count``, ``label``)."""
    base = alt.Chart(alt.Data(values=stages)).encode(y=alt.Y("stage:N", sort=[s["stage"] for s in stages], title=None))
    top = max((s["count"] for s in stages if s["count"] is not None), default=0) or 1
    bars = (
        base.transform_filter("datum.count != null")
        .mark_bar(color=INK)
        .encode(x=alt.X("count:Q", title="crimes", scale=alt.Scale(domain=[0, top * 1.6], nice=False)))
    )
    text = (
        base.mark_text(align="left", dx=4, color="#1b1b1b")
        .encode(x="xpos:Q", text="label:N")
        .transform_calculate(xpos="datum.count == null ? 0 : datum.count")
    )
    return _config(alt.layer(bars, text).properties(width=380, height=30 * len(stages), title=title))


def funnel_plot(
    points: list[dict], curve: list[funnel.Limits], centre: float, title: str, x_title: str
) -> alt.TopLevelMixin:
    """Each borough's percentage (``value``) against its ``denominator``, coloured by its
    ``position``; London's percentage as the centre line; the 95% limits dashed and the
    99.8% limits solid, as the Fingertips guidance draws them."""
    lines = []
    for c in curve:
        for level, lower, upper in (("95% limits", c.lower_95, c.upper_95), ("99.8% limits", c.lower_998, c.upper_998)):
            lines.append({"n": c.denominator, "pct": 100 * lower, "limit": level, "side": "lower"})
            lines.append({"n": c.denominator, "pct": 100 * upper, "limit": level, "side": "upper"})
    x = alt.X("n:Q", title=x_title, scale=alt.Scale(zero=True))
    y_title = "% (London: centre line)"
    limit_lines = (
        alt.Chart(alt.Data(values=lines))
        .mark_line(color="#555", strokeWidth=1)
        .encode(
            x=x,
            y=alt.Y("pct:Q", title=y_title),
            detail="side:N",
            strokeDash=alt.StrokeDash(
                "limit:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[4, 3], [1, 0]]),
                legend=alt.Legend(title="Control limits", orient="bottom"),
            ),
        )
    )
    centre_line = alt.Chart(alt.Data(values=[{"centre": 100 * centre}])).mark_rule(color="#000").encode(y="centre:Q")
    domain = list(POSITION_COLOURS)
    dots = (
        alt.Chart(alt.Data(values=points))
        .mark_point(filled=True, size=50, opacity=1)
        .encode(
            x="n:Q",
            y="value:Q",
            color=alt.Color(
                "position:N",
                title="Borough",
                scale=alt.Scale(domain=domain, range=[POSITION_COLOURS[d] for d in domain]),
                legend=alt.Legend(orient="bottom", columns=3),
            ),
        )
    )
    chart = alt.layer(limit_lines, centre_line, dots).resolve_scale(color="independent", strokeDash="independent")
    return _config(chart.properties(width=420, height=260, title=title))
