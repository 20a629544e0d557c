"""Read indicators.yml and resolve each indicator's defaults, so every consumer (the SQL
generator, the statistics, the published metadata) sees the same complete definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.indicators.schema import validate_indicators_file
from pipelines.project_files import INDICATORS_YML

#: The key of a row of an indicator's grid (indicators.md): with `indicator_id`, of a Panel row.
GRID_KEY = [
    "category",
    "period_type",
    "period_start",
    "geography_type",
    "geography_code",
    "breakdown",
    "breakdown_value",
]

SPEC_PATH = INDICATORS_YML
PERIOD_TYPES = ["quarter", "financial_year"]


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    source: str
    definition: str
    statistic: str
    method: str
    decimals: int
    numerator: str | None
    denominator: str | None
    categories: list[str]
    period_types: list[str]
    geographies: list[str]
    breakdowns: list[str]
    breakdown_values: list[str] | None = None
    category_numerators: dict[str, str] | None = None
    from_category: str | None = None
    denominator_population: str | None = None
    reference_value: str | None = None
    financial_year_numerator: str | None = None
    provisional_quarters: int | None = None
    caveats: list[str] = field(default_factory=list)

    @property
    def cells_model(self) -> str:
        return f"int_indicator_cells__{self.source}"


def cell_name(ref: str) -> str:
    """`police_cohort.withdrawn` -> `police_cohort__withdrawn` (a column of the cell model)."""
    return ref.replace(".", "__")


@dataclass(frozen=True)
class IndicatorSpec:
    raw: dict

    @property
    def sources(self) -> dict:
        return self.raw["sources"]

    @property
    def populations(self) -> dict:
        return self.raw["populations"]

    def cells(self, source: str) -> dict[str, dict]:
        """Every cell of a source: each population, and each subset within it, with the SQL
        that puts a record in it and (for counts of something else than records) its value."""
        out = {}
        for pop_name, pop in self.populations.items():
            if pop["source"] != source:
                continue
            out[pop_name] = {"where": pop["where"]}
            for sub_name, sub in (pop.get("subsets") or {}).items():
                # A subset of an empty population (services) is its own set of rows.
                where = sub["where"] if pop["where"] == "false" else f"({pop['where']}) and ({sub['where']})"
                out[f"{pop_name}__{sub_name}"] = {"where": where, **({"value": sub["value"]} if "value" in sub else {})}
        return out

    def _population_of(self, ref: str) -> dict:
        pop = ref.split(".")[0]
        if pop not in self.populations:
            raise ValueError(f"indicators.yml names an unknown population '{pop}'.")
        return self.populations[pop]

    @property
    def indicators(self) -> list[Indicator]:
        out = []
        for entry in self.raw["indicators"]:
            any_ref = entry.get("numerator") or entry.get("denominator")
            source_name = self._population_of(any_ref)["source"]
            source = self.sources[source_name]
            unit = self.raw["units"][entry["unit"]]
            out.append(
                Indicator(
                    id=entry["id"],
                    name=entry["name"],
                    unit=entry["unit"],
                    source=source_name,
                    definition=" ".join(entry["definition"].split()),
                    statistic=unit["statistic"],
                    method=unit["method"],
                    decimals=unit["decimals"],
                    numerator=entry.get("numerator"),
                    denominator=entry.get("denominator"),
                    categories=entry.get("categories")
                    or list(entry.get("category_numerators") or source["categories"]),
                    period_types=entry.get("period_types") or PERIOD_TYPES,
                    geographies=entry.get("geographies")
                    or [source["geographies"]["whole"]["type"], source["geographies"]["part"]["type"]],
                    breakdowns=entry.get("breakdowns") or list(source["breakdowns"]),
                    breakdown_values=entry.get("breakdown_values"),
                    category_numerators=entry.get("category_numerators"),
                    from_category=entry.get("from_category"),
                    denominator_population=entry.get("denominator_population"),
                    reference_value=entry.get("reference_value"),
                    financial_year_numerator=entry.get("financial_year_numerator"),
                    provisional_quarters=entry.get("provisional_quarters"),
                    caveats=entry.get("caveats") or [],
                )
            )
        ids = [i.id for i in out]
        if len(ids) != len(set(ids)):
            raise ValueError("indicators.yml defines an indicator id twice.")
        return out

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    def sources_in_use(self) -> list[str]:
        return sorted({i.source for i in self.indicators})


def parse_spec(text: str) -> IndicatorSpec:
    """The spec of indicators.yml's text, once its shape is checked (schema.py): a misspelt
    key or a wrong type is an error naming the indicator and the key, not a silent default."""
    raw = yaml.safe_load(text)
    validate_indicators_file(raw if isinstance(raw, dict) else {})
    return IndicatorSpec(raw)


@lru_cache(maxsize=4)
def load_spec(path: Path = SPEC_PATH) -> IndicatorSpec:
    return parse_spec(Path(path).read_text(encoding="utf-8"))
