"""``write_report``: the Panel's report.html (interfaces.md, "The Panel's dataset"), one file a
browser reads offline. What it shows is selected by select.py, drawn by charts.py (inline SVG)
and figures.py, and read through the Jinja2 templates and the stylesheet in templates/, which
is inlined, so nothing is fetched from anywhere (a Content-Security-Policy forbids it too).

Built from the disclosure-controlled dataset, the manifest, and the rows of
marts.indicator_trends and marts.indicator_revisions, never from anything unsuppressed that the
dataset does not show. The same inputs give the same bytes (no clock, no random ids).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from pipelines.publish.report import charts, figures, select, tables
from pipelines.publish.report import words as w

TITLE = "Violence against women and girls in London: indicators for the Panel"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    template: str


SECTIONS = [
    Section("headlines", "Headline figures", "headlines.html.j2"),
    Section("funnel", "Attrition: from recorded crime to conviction", "attrition.html.j2"),
    Section("breakdowns", "Breakdowns by protected characteristic", "breakdowns.html.j2"),
    Section("boroughs", "Boroughs compared with London", "boroughs.html.j2"),
    Section("revisions", "What changed since the previous publication", "revisions.html.j2"),
    Section("quality", "Recording completeness and data quality", "quality.html.j2"),
]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        figure=w.figure,
        count=w.count,
        interval_of=w.interval_of,
        comparison=w.comparison,
        plural=w.plural,
        change_sentence=w.change_sentence,
        category_label=w.category_label,
        characteristic_label=w.CHARACTERISTIC_LABELS.get,
        funnel_summary=figures.funnel_summary,
        capitalize_first=lambda s: s[:1].upper() + s[1:],
        prefix=lambda s, p: p + s,
        **tables.FILTERS,
    )
    return env


def render_report(
    dataset: pl.DataFrame,
    manifest: dict,
    trends: pl.DataFrame | None = None,
    revisions: pl.DataFrame | None = None,
    spec=None,
) -> str:
    """The report's HTML text (what ``write_report`` writes)."""
    if spec is None:
        from pipelines.indicators.spec import load_spec

        spec = load_spec()
    trends = select.empty_trends() if trends is None else trends
    revisions = select.empty_revisions() if revisions is None else revisions
    manifest = manifest or {}
    panel = select.PanelRows(dataset, spec)
    renderer = charts.SvgRenderer()
    cards = select.headlines(panel, select.trend_judgements(trends, dataset), w.category_label)
    units = {i.id: i.unit for i in spec.indicators}
    units.update(
        dict(
            dataset.select(pl.col("indicator_id").cast(pl.String), pl.col("unit").cast(pl.String)).unique().iter_rows()
        )
    )
    meta = " · ".join(
        text
        for text in (
            f"Vintage {manifest['vintage']}" if manifest.get("vintage") else "",
            f"data as at {manifest['data_as_at']}" if manifest.get("data_as_at") else "",
            f"code version {manifest['code_version']}" if manifest.get("code_version") else "",
        )
        if text
    )
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=TITLE,
            meta=meta,
            sections=SECTIONS,
            css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),  # our own file, inlined as it is
            headlines=[(card, figures.headline(card, renderer)) for card in cards],
            attrition=[(item, figures.attrition(item, renderer)) for item in select.attrition(panel)],
            breakdowns=[
                (item, [(chart, figures.breakdown(item, chart, renderer)) for chart in item.charts])
                for item in select.breakdowns(panel)
            ],
            boroughs=[(item, figures.borough_funnel(item, renderer)) for item in select.borough_funnels(panel)],
            revisions=select.revisions(revisions, panel, units),
            completeness=[(item, figures.completeness(item, renderer)) for item in select.completeness(panel)],
            quality=select.quality(manifest),
        )
    )


def write_report(
    dataset: pl.DataFrame,
    path: str | os.PathLike,
    manifest: dict,
    trends: pl.DataFrame,
    revisions: pl.DataFrame,
    spec=None,
) -> None:
    """Write ``report.html`` for the Panel (see the module docstring): ``trends`` holds the
    columns of marts.indicator_trends, ``revisions`` those of marts.indicator_revisions."""
    text = render_report(dataset, manifest, trends, revisions, spec)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
