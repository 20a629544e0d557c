"""Disclosure control of the Panel's dataset (indicators.md, "Disclosure control").

Every published number is the count of a population *cell*: (cell, category, period_type,
period_start, geography_type, geography_code, breakdown, breakdown_value), where `cell` is a
population or `population.subset` of indicators.yml. A cell shown by several indicators is one
cell, suppressed in all of them or in none.

1. `row_cells` maps every Panel row to the cells it shows (with their counts).
2. Primary: a cell with count 1-4 is suppressed; a `percent` row whose denominator is 1-9 or
   whose denominator - numerator is 1-4 suppresses its numerator cell (so the complement cannot
   be learnt from the published denominator; docs/decisions/0007-disclosure-control.md).
3. Secondary: `cell_groups` builds every group of published cells adding up to a published
   total; `_secondary` visits them in the specified order, exactly as the sequential rule reads,
   with full passes until nothing changes (event driven: only groups with exactly one suppressed
   cell are visited, the rest cannot act).
4. Rows showing a suppressed cell are blanked; comparisons against a suppressed comparator are
   blanked.
"""

from __future__ import annotations

import datetime as dt
import heapq

import numpy as np
import polars as pl

from pipelines.indicators.compute import COLUMNS, PARENT_GEOGRAPHY
from pipelines.indicators.spec import GRID_KEY, IndicatorSpec, load_spec

CELL_KEY = ["cell", *GRID_KEY]
SMALL_NUMBER = "small number"
PROTECT = "suppressed to protect another value"
KINDS = ["breakdown", "gender", "ethnicity", "geography", "quarters", "categories"]
# Groups of geographies adding up to a whole (not for services: pan-London providers).
WHOLE_OF = {"borough": ("london", "E12000007"), "haven": ("london", "E12000007"), "uk_region": ("uk", "K02000001")}
NO_GEOGRAPHY_SOURCES = {"service_returns"}
CATEGORY_SOURCES = {"havens_attendances", "service_returns"}
NO_QUARTERS_CELLS = {"services.waiting_list", "services.waiting_list_at_year_end"}
_BLANKED = ["numerator", "denominator", "value", "ci_lower", "ci_upper", "comparison"]


def _meta(spec: IndicatorSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows, cat_rows = [], []
    for i in spec.indicators:
        rows.append(
            {
                "indicator_id": i.id,
                "m_unit": i.unit,
                "num_cell": i.numerator,
                "den_cell": i.denominator,
                "fy_num_cell": i.financial_year_numerator,
                "from_category": i.from_category,
                "reference_value": i.reference_value,
            }
        )
        for cat, ref in (i.category_numerators or {}).items():
            cat_rows.append({"indicator_id": i.id, "category": cat, "cat_num_cell": ref})
    meta = pl.DataFrame(
        rows,
        schema={
            "indicator_id": pl.Utf8,
            "m_unit": pl.Utf8,
            "num_cell": pl.Utf8,
            "den_cell": pl.Utf8,
            "fy_num_cell": pl.Utf8,
            "from_category": pl.Utf8,
            "reference_value": pl.Utf8,
        },
    )
    cats = pl.DataFrame(cat_rows, schema={"indicator_id": pl.Utf8, "category": pl.Utf8, "cat_num_cell": pl.Utf8})
    return meta, cats


def row_cells(panel: pl.DataFrame, spec: IndicatorSpec | None = None) -> pl.DataFrame:
    """One row per (panel row `row`, cell it shows): `row`, CELL_KEY, `count`, `role`
    (`numerator` or `denominator`: which column of the row the cell feeds)."""
    spec = spec or load_spec()
    meta, cats = _meta(spec)
    df = (
        panel.select(pl.int_range(0, pl.len(), dtype=pl.Int64).alias("row"), *[c for c in COLUMNS if c != "suppressed"])
        .join(meta, on="indicator_id", how="left")
        .join(cats, on=["indicator_id", "category"], how="left")
    )
    num_cell = (
        pl.when(pl.col("cat_num_cell").is_not_null())
        .then(pl.col("cat_num_cell"))
        .when((pl.col("period_type") == "financial_year") & pl.col("fy_num_cell").is_not_null())
        .then(pl.col("fy_num_cell"))
        .otherwise(pl.col("num_cell"))
    )
    cell_category = pl.coalesce("from_category", "category")
    base = df.with_columns(num_cell=num_cell, cell_category=cell_category)
    keep = ["period_type", "geography_type", "geography_code", "breakdown"]

    def part(frame, cell, count, role, period_start=pl.col("period_start"), bv=pl.col("breakdown_value")):
        return frame.select(
            "row",
            cell.alias("cell"),
            pl.col("cell_category").alias("category"),
            "period_type",
            period_start.alias("period_start"),
            *keep[1:],
            bv.alias("breakdown_value"),
            count.cast(pl.Float64).alias("count"),
            pl.lit(role).alias("role"),
        )

    unit = pl.col("m_unit")
    simple = base.filter(unit.is_in(["count", "percent", "per_1000"]))
    pct = base.filter(unit == "percent")
    ratio = base.filter(unit == "ratio")
    change = base.filter((unit == "percent_change") & pl.col("denominator").is_not_null())
    parts = [
        part(simple, pl.col("num_cell"), pl.col("numerator"), "numerator"),
        part(pct, pl.col("den_cell"), pl.col("denominator"), "denominator"),
        part(ratio, pl.col("num_cell"), pl.col("numerator"), "numerator"),
        part(ratio, pl.col("num_cell"), pl.col("denominator"), "denominator", bv=pl.col("reference_value")),
        part(change, pl.col("num_cell"), pl.col("numerator") + pl.col("denominator"), "numerator"),
        part(
            change,
            pl.col("num_cell"),
            pl.col("denominator"),
            "denominator",
            period_start=pl.col("period_start").dt.offset_by("-1y"),
        ),
    ]
    return pl.concat(parts).filter(pl.col("count").is_not_null() & pl.col("cell").is_not_null())


def _source_of(spec: IndicatorSpec) -> pl.DataFrame:
    pops = spec.populations
    rows = []
    for name, pop in pops.items():
        rows.append({"cell": name, "source": pop["source"]})
        for sub in pop.get("subsets") or {}:
            rows.append({"cell": f"{name}.{sub}", "source": pop["source"]})
    return pl.DataFrame(rows, schema={"cell": pl.Utf8, "source": pl.Utf8})


class _Codes:
    """Integer codes of the cell key's values, in the values' sort order, packed into one Int64
    (grouping, joining and sorting on strings is far too slow for a few million cells)."""

    def __init__(self, frame: pl.DataFrame):
        self.values = {k: sorted(frame[k].unique().drop_nulls().to_list()) for k in CELL_KEY}
        self.bits = {k: max(1, len(v).bit_length()) for k, v in self.values.items()}
        self.shift, s = {}, 0
        for k in reversed(CELL_KEY):
            self.shift[k] = s
            s += self.bits[k]
        self.total_bits = s
        if s > 62:
            raise ValueError("too many distinct cell key values to pack a cell key")

    def code(self, field: str, value) -> int:
        vals = self.values[field]
        return vals.index(value) if value in vals else -1

    def encode(self, frame: pl.DataFrame) -> pl.DataFrame:
        coded = frame.with_columns(
            pl.col(k).replace_strict(v, list(range(len(v))), return_dtype=pl.Int64) for k, v in self.values.items()
        )
        return coded.with_columns(key=pl.sum_horizontal(pl.col(k) * (1 << self.shift[k]) for k in CELL_KEY))

    def decode(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            pl.col(k).replace_strict(list(range(len(v))), v, return_dtype=pl.Date if k == "period_start" else pl.Utf8)
            for k, v in self.values.items()
        )


def _cell_groups(cells: pl.DataFrame, codes: _Codes, spec: IndicatorSpec) -> pl.DataFrame:
    """Groups of published cells adding up to a published total, on coded cells (CELL_KEY as
    codes, `cell_id`). Returns `group` (0.. in the order groups are visited), `cell_id`,
    `is_total`."""
    src = _source_of(spec)
    cell_codes = {v: i for i, v in enumerate(codes.values["cell"])}
    src = src.filter(pl.col("cell").is_in(list(cell_codes))).with_columns(
        pl.col("cell").replace_strict(cell_codes, return_dtype=pl.Int64)
    )
    c = cells.join(src, on="cell", how="left")
    out = []
    # The visiting order: CELL_KEY up to the breakdown, the kind of group, then (to order groups
    # that share all of these) the breakdown value and the gender or ethnic group.
    order_fields = CELL_KEY[:7] + ["kind", "breakdown_value", "gvalue"]
    bits = {**codes.bits, "kind": 3, "gvalue": codes.bits["breakdown_value"]}
    shifts, s = {}, 0
    for k in reversed(order_fields):
        shifts[k] = s
        s += bits[k]
    if s > 62:
        raise ValueError("too many distinct cell key values to pack a group key")

    def add(members: pl.DataFrame, totals: pl.DataFrame, on: list[str], kind: str, order: dict):
        m = members.join(totals, on=on, how="inner")
        fields = {k: order.get(k, pl.col(k)) for k in CELL_KEY}
        fields["kind"] = pl.lit(KINDS.index(kind))
        fields["gvalue"] = order.get("gvalue", pl.lit(0))
        okey = pl.sum_horizontal(fields[k].cast(pl.Int64) * (1 << shifts[k]) for k in order_fields)
        m = m.select(okey.alias("okey"), "cell_id", "total_id")
        out.append(
            pl.concat(
                [
                    m.select("okey", "cell_id", is_total=pl.lit(False)),
                    m.select("okey", pl.col("total_id").alias("cell_id"), is_total=pl.lit(True)).unique(),
                ]
            )
        )

    zero = pl.lit(0, dtype=pl.Int64)
    total = codes.code("breakdown", "total")
    # the values of one breakdown with the total
    if total >= 0:
        on = [k for k in CELL_KEY if k not in ("breakdown", "breakdown_value")]
        tot = c.filter(pl.col("breakdown") == total).select(*on, total_id="cell_id")
        add(c.filter(pl.col("breakdown") != total), tot, on, "breakdown", {"breakdown_value": zero})

    # gender_ethnicity values sharing a gender / an ethnic group with that gender / ethnicity value
    ge_code = codes.code("breakdown", "gender_ethnicity")
    if ge_code >= 0:
        pairs = [(i, *v.split("|", 1)) for i, v in enumerate(codes.values["breakdown_value"]) if "|" in v]
        split = pl.DataFrame(
            {
                "breakdown_value": [p[0] for p in pairs],
                "_g": [codes.code("breakdown_value", p[1]) for p in pairs],
                "_e": [codes.code("breakdown_value", p[2]) for p in pairs],
            },
            schema={"breakdown_value": pl.Int64, "_g": pl.Int64, "_e": pl.Int64},
        )
        ge = c.filter(pl.col("breakdown") == ge_code).join(split, on="breakdown_value", how="inner")
        on = [k for k in CELL_KEY if k not in ("breakdown", "breakdown_value")]
        for kind, col in (("gender", "_g"), ("ethnicity", "_e")):
            b = codes.code("breakdown", kind)
            tot = c.filter(pl.col("breakdown") == b).select(
                *on, pl.col("breakdown_value").alias(col), total_id="cell_id"
            )
            add(ge, tot, on + [col], kind, {"breakdown_value": zero, "gvalue": pl.col(col)})

    # parts of a geography with the whole (not for services)
    parents = pl.DataFrame(
        [
            {
                "geography_type": codes.code("geography_type", k),
                "w_type": codes.code("geography_type", v[0]),
                "w_code": codes.code("geography_code", v[1]),
            }
            for k, v in WHOLE_OF.items()
        ],
        schema={"geography_type": pl.Int64, "w_type": pl.Int64, "w_code": pl.Int64},
    )
    mem = c.filter(~pl.col("source").is_in(list(NO_GEOGRAPHY_SOURCES))).join(parents, on="geography_type", how="inner")
    on = ["cell", "category", "period_type", "period_start", "breakdown", "breakdown_value"]
    tot = c.select(
        *on, pl.col("geography_type").alias("w_type"), pl.col("geography_code").alias("w_code"), total_id="cell_id"
    )
    add(
        mem,
        tot,
        on + ["w_type", "w_code"],
        "geography",
        {"geography_type": pl.col("w_type"), "geography_code": pl.col("w_code")},
    )

    # the four quarters of a financial year with the year (not for the waiting list)
    quarter, fyear = codes.code("period_type", "quarter"), codes.code("period_type", "financial_year")
    starts = codes.values["period_start"]
    fy_of = pl.DataFrame(
        {"period_start": list(range(len(starts))), "fy": [codes.code("period_start", _fy_start(d)) for d in starts]},
        schema={"period_start": pl.Int64, "fy": pl.Int64},
    )
    no_q = [codes.code("cell", x) for x in NO_QUARTERS_CELLS]
    mem = c.filter((pl.col("period_type") == quarter) & ~pl.col("cell").is_in(no_q)).join(
        fy_of, on="period_start", how="inner"
    )
    on = ["cell", "category", "geography_type", "geography_code", "breakdown", "breakdown_value"]
    tot = c.filter(pl.col("period_type") == fyear).select(*on, fy="period_start", total_id="cell_id")
    add(mem, tot, on + ["fy"], "quarters", {"period_type": pl.lit(fyear, dtype=pl.Int64), "period_start": pl.col("fy")})

    # Havens' and services' categories with `all`
    all_code = codes.code("category", "all")
    mem = c.filter(pl.col("source").is_in(list(CATEGORY_SOURCES)) & (pl.col("category") != all_code))
    on = [k for k in CELL_KEY if k != "category"]
    tot = c.filter(pl.col("category") == all_code).select(*on, total_id="cell_id")
    add(mem, tot, on, "categories", {"category": pl.lit(all_code, dtype=pl.Int64)})

    allg = pl.concat(out)
    return allg.select((pl.col("okey").rank("dense") - 1).cast(pl.Int64).alias("group"), "cell_id", "is_total")


def _fy_start(d: dt.date) -> dt.date:
    return dt.date(d.year if d.month >= 4 else d.year - 1, 4, 1)


def _secondary(cells: pl.DataFrame, groups: pl.DataFrame, suppressed: np.ndarray) -> np.ndarray:
    """Suppress one more cell in every group with exactly one suppressed cell, visiting groups
    in order; full passes until nothing changes. `cells` coded, ordered by cell_id."""
    if groups.height == 0:
        return suppressed.copy()
    n_groups = int(groups["group"].max()) + 1
    counts_np = cells["count"].to_numpy()
    gid = groups["group"].to_numpy()
    cid = groups["cell_id"].to_numpy()
    # choice order within a group: members by smallest count, then lowest geography_code,
    # breakdown_value, period_start (then category); the total last. polars sorts on both
    # cores; ties keep the groups' order, as a stable sort must.
    tie_breaks = ["count", "geography_code", "breakdown_value", "period_start", "category"]
    members = pl.concat(
        [groups.select("group", "is_total", "cell_id"), cells.select(tie_breaks)[cid]], how="horizontal"
    )
    members = members.sort(["group", "is_total", *tie_breaks], maintain_order=True)
    g_ptr = np.searchsorted(members["group"].to_numpy(), np.arange(n_groups + 1)).tolist()
    g_members = members["cell_id"].to_list()
    by_cell = groups.select("cell_id", "group").sort("cell_id", "group", maintain_order=True)
    c_ptr = np.searchsorted(by_cell["cell_id"].to_numpy(), np.arange(len(counts_np) + 1)).tolist()
    c_groups = by_cell["group"].to_list()
    gcount = np.bincount(gid, weights=suppressed[cid].astype(np.float64), minlength=n_groups).astype(np.int64)
    supp = bytearray(suppressed.astype(np.uint8).tobytes())
    nonzero = (counts_np != 0).tolist()
    pending = np.flatnonzero(gcount == 1).tolist()
    gcount = gcount.tolist()

    while pending:
        changed = False
        heap = pending
        heapq.heapify(heap)
        while heap:
            g = heapq.heappop(heap)
            if gcount[g] != 1:
                continue
            choice = None
            for k in range(g_ptr[g], g_ptr[g + 1]):
                m = g_members[k]
                if not supp[m] and nonzero[m]:
                    choice = m
                    break
            if choice is None:
                continue
            supp[choice] = 1
            changed = True
            for k in range(c_ptr[choice], c_ptr[choice + 1]):
                g2 = c_groups[k]
                gcount[g2] += 1
                if gcount[g2] == 1 and g2 > g:
                    heapq.heappush(heap, g2)
        if not changed:
            break
        pending = np.flatnonzero(np.array(gcount) == 1).tolist()
    return np.frombuffer(bytes(supp), dtype=np.uint8).astype(bool)


def suppressed_cells(
    panel: pl.DataFrame, spec: IndicatorSpec | None = None, decoded: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cells, links): `cells` has `cell_id`, CELL_KEY, `count`, `primary`, `suppressed`;
    `links` maps panel rows (`row`) to `cell_id` and `role`, with `row_primary` (the row's own
    percent rule)."""
    spec = spec or load_spec()
    shown = row_cells(panel, spec)
    codes = _Codes(shown)
    shown = codes.encode(shown)
    cells = (
        shown.group_by("key")
        .agg(*[pl.col(k).first() for k in CELL_KEY], pl.col("count").max())
        .sort("key")
        .with_row_index("cell_id")
        .with_columns(pl.col("cell_id").cast(pl.Int64))
    )
    links = shown.select("row", "key", "role").join(cells.select("key", "cell_id"), on="key", how="left")
    # the percent rule: the numerator cell of a percent row with a small denominator or complement
    n, d = pl.col("numerator"), pl.col("denominator")
    pct_rows = (
        panel.select(pl.int_range(0, pl.len(), dtype=pl.Int64).alias("row"), "unit", "numerator", "denominator")
        .filter((pl.col("unit") == "percent") & (d.is_between(1, 9) | (d - n).is_between(1, 4)))
        .select("row", row_primary=pl.lit(True))
    )
    links = links.join(pct_rows, on="row", how="left").with_columns(pl.col("row_primary").fill_null(False))
    pct_cells = links.filter(pl.col("row_primary") & (pl.col("role") == "numerator"))["cell_id"].unique()
    cells = cells.with_columns(primary=pl.col("count").is_between(1, 4) | pl.col("cell_id").is_in(pct_cells.implode()))
    groups = _cell_groups(cells.select(*CELL_KEY, "cell_id"), codes, spec)
    supp = _secondary(cells, groups, cells["primary"].to_numpy())
    cells = cells.with_columns(suppressed=pl.Series(supp)).drop("key")
    if decoded:
        cells = codes.decode(cells)
    return cells, links.drop("key")


def apply_disclosure_control(panel: pl.DataFrame, spec: IndicatorSpec | None = None) -> pl.DataFrame:
    """The Panel rows (columns COLUMNS, unrounded) in the same order, with disclosure control."""
    spec = spec or load_spec()
    if panel.height == 0:
        return panel
    cells, links = suppressed_cells(panel, spec, decoded=False)
    flags = cells.select("primary", "suppressed")
    cid = links["cell_id"].to_numpy()
    per_row = (
        links.select(
            "row",
            primary=pl.Series(flags["primary"].to_numpy()[cid]) | pl.col("row_primary"),
            suppressed=pl.Series(flags["suppressed"].to_numpy()[cid]),
        )
        .group_by("row")
        .agg(pl.col("primary").any(), pl.col("suppressed").any())
    )
    primary = np.zeros(panel.height, dtype=bool)
    supp_rows = np.zeros(panel.height, dtype=bool)
    rows = per_row["row"].to_numpy()
    primary[rows] = per_row["primary"].to_numpy()
    supp_rows[rows] = per_row["suppressed"].to_numpy()
    df = panel.with_columns(_supp=pl.Series(supp_rows), _primary=pl.Series(primary))
    supp = pl.col("_supp")
    reason = pl.when(pl.col("_primary")).then(pl.lit(SMALL_NUMBER)).otherwise(pl.lit(PROTECT))
    df = df.with_columns(
        *[pl.when(supp).then(None).otherwise(pl.col(c)).alias(c) for c in _BLANKED],
        suppressed=supp,
        note=pl.when(supp)
        .then(pl.concat_str([reason, pl.col("note")], separator="; ", ignore_nulls=True))
        .otherwise(pl.col("note")),
    )
    comparator_supp = _comparator_suppressed(df)
    return df.with_columns(
        comparison=pl.when(pl.Series(comparator_supp)).then(None).otherwise(pl.col("comparison"))
    ).select(panel.columns)


def _comparator_suppressed(df: pl.DataFrame) -> np.ndarray:
    """Per row (in order): is its comparator row (indicators.md, "comparison") suppressed?"""
    df = df.with_row_index("_row")
    keys = ["indicator_id", "category", "period_type", "period_start"]
    totals = df.filter(pl.col("breakdown") == "total").select(
        *keys, "geography_type", "geography_code", _total_supp="_supp"
    )
    parents = pl.DataFrame([{"geography_type": k, "_ptype": v[0], "_pcode": v[1]} for k, v in PARENT_GEOGRAPHY.items()])
    parent_totals = totals.rename(
        {"geography_type": "_ptype", "geography_code": "_pcode", "_total_supp": "_parent_supp"}
    )
    df = (
        df.join(totals, on=keys + ["geography_type", "geography_code"], how="left")
        .join(parents, on="geography_type", how="left")
        .join(parent_totals, on=keys + ["_ptype", "_pcode"], how="left")
    )
    comparator_supp = (
        pl.when(pl.col("unit") == "ratio")
        .then(False)
        .when(pl.col("breakdown") != "total")
        .then(pl.col("_total_supp"))
        .when(pl.col("_ptype").is_not_null())
        .then(pl.col("_parent_supp"))
        .otherwise(False)
    ).fill_null(False)
    return df.select("_row", comparator_supp.alias("_c")).sort("_row")["_c"].to_numpy()
