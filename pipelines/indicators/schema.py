"""The shape of indicators.yml as pydantic models: every key known, every value typed.

A misspelt key is an error naming the indicator (or unit, source, population) and the key,
never a silently ignored line, and the file's JSON Schema (`indicators.schema.json`, written
by `vawg generate`) lets an editor check the file as it is typed. The models check the
shape and the cross-references between sections; what each key means in a computation is
resolved in spec.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PeriodType = Literal["quarter", "financial_year"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Unit(_Strict):
    statistic: str = Field(description="What the value is (count, proportion, rate, ...), as the published files say.")
    method: str = Field(description="How the value and its confidence interval are computed, in one sentence.")
    decimals: int = Field(ge=0, description="Decimal places of the published value.")


class WholeGeography(_Strict):
    type: str = Field(description="Geography type of the whole area (london, uk).")
    code: str = Field(description="Its ONS code.")


class PartGeography(_Strict):
    type: str = Field(description="Geography type of the parts (borough, haven, uk_region).")
    column: str = Field(description="Column of the source's model holding the part's code.")
    mps_only: bool = Field(False, description="Keep only the 32 boroughs the MPS polices.")


class Geographies(_Strict):
    whole: WholeGeography
    part: PartGeography


class Source(_Strict):
    name: str = Field(description="The source's name as published.")
    publisher: str = Field(description="Who publishes the source.")
    model: str = Field(description="The dbt model with one row per record (or return row) and category.")
    period_date: str = Field(description="The date column that places a record in a period.")
    geographies: Geographies
    value_list: str = Field(description="Which code list the breakdown values come from.")
    categories: list[str] = Field(min_length=1, description="The categories (strands) counted; `all` first.")
    breakdowns: dict[str, str] = Field(description="Breakdown name -> SQL expression giving a record's value.")
    count_expression: str = Field("1", description="What a record adds to a cell (aggregate returns: their count).")
    breakdown_filters: dict[str, str] = Field(
        default_factory=dict, description="Breakdown name -> SQL condition on the records it is counted from."
    )


class Subset(_Strict):
    description: str = Field(description="Which records of the population are in the subset, in words.")
    where: str = Field(description="SQL condition on the source's model, within the population.")
    value: str | None = Field(None, description="What a record adds instead of the source's count_expression.")


class Population(_Strict):
    source: str = Field(description="The source whose records the population counts.")
    description: str = Field(description="The population in words.")
    where: str = Field(description="SQL condition on the source's model (`false`: only its subsets' rows).")
    subsets: dict[str, Subset] = Field(default_factory=dict, description="Named cells within the population.")


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable identifier, as published.")
    name: str = Field(description="Short name, as published.")
    unit: str = Field(description="One of the units defined under `units:`.")
    definition: str = Field(description="What the indicator measures, in a sentence or two.")
    numerator: str | None = Field(None, description="Cell counted: `population` or `population.subset`.")
    denominator: str | None = Field(None, description="Cell divided by: `population` or `population.subset`.")
    caveats: list[str] = Field(default_factory=list, description="What a reader must know to read the figures.")
    categories: list[str] | None = Field(None, description="Categories published (default: the source's).")
    period_types: list[PeriodType] | None = Field(None, description="Default: quarters and financial years.")
    geographies: list[str] | None = Field(None, description="Geography types published (default: whole and parts).")
    breakdowns: list[str] | None = Field(None, description="Breakdowns published (default: the source's).")
    breakdown_values: list[str] | None = Field(None, description="Only these values of the breakdowns.")
    category_numerators: dict[str, str] | None = Field(
        None, description="Category name -> numerator cell, for indicators whose categories are characteristics."
    )
    from_category: str | None = Field(None, description="The source category the category numerators count in.")
    denominator_population: Literal["census2011"] | None = Field(
        None, description="Residents counted as the denominator of a rate per 1,000."
    )
    reference_value: str | None = Field(None, description="The breakdown value a ratio is taken against.")
    financial_year_numerator: str | None = Field(
        None, description="Numerator cell of financial years when it differs (a stock: the year's last quarter)."
    )
    provisional_quarters: int | None = Field(
        None, ge=1, description="Cohorts this many quarters before the data's as-at date are provisional."
    )

    @model_validator(mode="after")
    def _counts_something(self) -> Indicator:
        if not (self.numerator or self.denominator):
            raise ValueError("needs a numerator or a denominator")
        return self


class IndicatorsFile(_Strict):
    """indicators.yml: units, sources, populations and the indicators defined from them."""

    model_config = ConfigDict(extra="forbid", strict=True, title="indicators.yml")

    units: dict[str, Unit]
    sources: dict[str, Source]
    populations: dict[str, Population]
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> IndicatorsFile:
        problems = []
        for name, population in self.populations.items():
            if population.source not in self.sources:
                problems.append(f"population '{name}': unknown source '{population.source}'")
        for ind in self.indicators:
            if ind.unit not in self.units:
                problems.append(f"indicator '{ind.id}': unknown unit '{ind.unit}'")
            refs = [
                ("numerator", ind.numerator),
                ("denominator", ind.denominator),
                ("financial_year_numerator", ind.financial_year_numerator),
                *((f"category_numerators.{c}", r) for c, r in (ind.category_numerators or {}).items()),
            ]
            for key, ref in refs:
                if ref and not self._cell_exists(ref):
                    problems.append(f"indicator '{ind.id}': {key} names no population or subset '{ref}'")
        ids = [ind.id for ind in self.indicators]
        problems += [f"indicator '{i}' is defined twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def _cell_exists(self, ref: str) -> bool:
        population, _, subset = ref.partition(".")
        return population in self.populations and (not subset or subset in self.populations[population].subsets)


class IndicatorsFileError(ValueError):
    """indicators.yml does not have the shape the models above describe."""


def _where(raw: dict, loc: tuple) -> str:
    """`('indicators', 3, 'numeratr')` -> "indicator 'police_charge_rate', key 'numeratr'"."""
    if not loc:  # the cross-references, whose messages say where
        return ""
    section, *rest = loc
    if section == "indicators" and rest and isinstance(rest[0], int):
        entries = raw.get("indicators") or []
        entry = entries[rest[0]] if rest[0] < len(entries) else {}
        label = (
            f"indicator '{entry.get('id')}'"
            if isinstance(entry, dict) and entry.get("id")
            else f"indicator number {rest[0] + 1}"
        )
        rest = rest[1:]
    elif section in ("units", "sources", "populations") and rest:
        label, rest = f"{section[:-1]} '{rest[0]}'", rest[1:]
    else:
        label = f"section '{section}'"
    return label + (f", key '{'.'.join(str(p) for p in rest)}'" if rest else "")


def validate_indicators_file(raw: dict) -> IndicatorsFile:
    """The parsed file, or IndicatorsFileError with one line per problem, each naming where."""
    try:
        return IndicatorsFile.model_validate(raw)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            message = {
                "extra_forbidden": "unknown key (misspelt?)",
                "value_error": str(problem.get("ctx", {}).get("error", "")),
            }.get(problem["type"], problem["msg"])
            where = _where(raw, problem["loc"])
            lines.append(f"{where}: {message}" if where else message)
        raise IndicatorsFileError("indicators.yml is not valid:\n  " + "\n  ".join(lines)) from None


def json_schema() -> dict:
    return IndicatorsFile.model_json_schema()
