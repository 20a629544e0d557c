"""The rows of the report's tables, as text (the templates' filters that lay out a table's
cells; the numbers behind each chart)."""

from __future__ import annotations

from markupsafe import Markup

from pipelines.publish.dataset_format import DECIMALS
from pipelines.publish.report import select
from pipelines.publish.report import words as w

SUPPRESSED = Markup('<span class="suppressed">suppressed</span>')


def labelled(rows: list[dict], field: str) -> list[tuple[str, dict]]:
    """(row[field], row) pairs: the first column and row of a statistics table."""
    return [(r[field], r) for r in rows]


def stage_cells(stages: list[select.Stage]) -> list[list]:
    return [
        [
            s.stage,
            f"{s.count:,}" if s.count is not None else _missing(s.row),
            f"{s.share:.1f}%" if s.share is not None else "",
            (s.row or {}).get("note") or "",
        ]
        for s in stages
    ]


def _missing(row: dict | None):
    return "not available" if row is None else SUPPRESSED


def _limits(low: float, high: float) -> str:
    return f"{w.percent_limit(low)} to {w.percent_limit(high)}"


def funnel_cells(item: select.BoroughFunnel) -> list[list]:
    rows = [
        [
            p.label,
            w.value_of(p.row),
            w.count(p.row["numerator"]),
            w.count(p.row["denominator"]),
            _limits(p.limits.lower_95, p.limits.upper_95),
            _limits(p.limits.lower_998, p.limits.upper_998),
            p.position,
            p.row.get("note") or "",
        ]
        for p in item.points
    ]
    rows += [
        [
            r["geography_name"] or r["geography_code"],
            SUPPRESSED if r["suppressed"] else w.value_of(r),
            w.count(r["numerator"]),
            w.count(r["denominator"]),
            "",
            "",
            "not drawn",
            r.get("note") or "",
        ]
        for r in item.hidden
    ]
    london = item.london
    rows.append(
        [
            "London (centre line)",
            w.value_of(london),
            w.count(london["numerator"]),
            w.count(london["denominator"]),
            "",
            "",
            "",
            london.get("note") or "",
        ]
    )
    return rows


def revision_cells(largest: list[dict]) -> list[list]:
    def shown(value, unit):
        return "suppressed" if value is None else w.figure(value, unit)

    return [
        [
            r["name"],
            w.category_label(r["category"]),
            r["period"],
            r["first_vintage"],
            shown(r["first_value"], r["unit"]),
            shown(r["latest_value"], r["unit"]),
            f"{r['latest_value'] - r['first_value']:+,.{_decimals(r['unit'])}f}"
            + (" percentage points" if r["unit"] == "percent" else ""),
            f"{r['times_changed']:,}",
        ]
        for r in largest
    ]


def _decimals(unit: str | None) -> int:
    return DECIMALS.get(unit or "", 2)


def source_cells(quality: select.Quality) -> list[list]:
    columns = [f"status:{s}" for s in quality.statuses] + ["rows_read", "rows_loaded", "rows_quarantined", "warnings"]
    return [[source, *(f"{counts.get(c, 0):,}" for c in columns)] for source, counts in quality.per_source]


def file_cells(files: list[dict]) -> list[list]:
    return [
        [
            f.get("source") or "",
            f.get("file_name") or "",
            f.get("quarter") or "",
            f.get("status") or "",
            f.get("reason") or "",
            w.count(f.get("rows_read")),
            w.count(f.get("rows_loaded")),
            w.count(f.get("rows_quarantined")),
            f.get("sha256") or "",
        ]
        for f in files
    ]


def pick(items: list[dict], *fields: str) -> list[list]:
    return [[item.get(f) or "" for f in fields] for item in items]


FILTERS = {
    "labelled": labelled,
    "stage_cells": stage_cells,
    "funnel_cells": funnel_cells,
    "revision_cells": revision_cells,
    "source_cells": source_cells,
    "file_cells": file_cells,
    "pick": pick,
}
