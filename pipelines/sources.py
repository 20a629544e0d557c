"""The five sources of extracts.md, each declared once: one `Source` entry per source.

An entry names every part a source has, in every layer, so that nothing finds a source by
building a module name from a string: its file rules (the listed columns, in the spec's order,
and the accepted extensions), its validation schema module (`schemas/<id>.py`), its sample
generator, its Dagster asset family, its dbt source table and the dbt folders and models it
feeds. `SOURCES` is in the spec's order; `BY_ID` finds an entry by its id.

Adding a source: README.md, "Adding a source", lists every file to touch;
tests/test_source_registry.py fails while one of them is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType

import schemas.cps_finalisations
import schemas.fmu_cases
import schemas.havens_attendances
import schemas.mps_crimes
import schemas.service_returns
from pipelines.sample.cps_finalisations import write_cps_finalisations
from pipelines.sample.fmu_cases import write_fmu_cases
from pipelines.sample.havens_attendances import write_havens_attendances
from pipelines.sample.mps_crimes import write_mps_crimes
from pipelines.sample.service_returns import write_service_returns

EXTENSIONS = (".csv", ".xlsx")
# Every source's validated rows go to this schema of the warehouse, as the dbt source of that name.
DBT_SOURCE = "raw"


@dataclass(frozen=True)
class Source:
    """One source, by layer: `id` is its name in the landing folder, in Python, in Dagster and
    as the dbt source table `raw.<id>`; `staging` is the dbt staging folder and model prefix
    (`stg_<staging>__*`, by source system); `area` the intermediate and marts folder (by
    business area); `staging_model`, `record_model` and `fact_model` its main dbt models."""

    id: str
    title: str  # what a file of it holds, in the Dagster assets' descriptions
    # listed column (canonical spelling) -> must the header contain it
    columns: Mapping[str, bool]
    schema: ModuleType
    write_sample: Callable[..., list[Path]]
    staging: str
    area: str
    staging_model: str
    record_model: str  # the model indicators.yml counts records of (`sources.<id>.model`)
    fact_model: str
    extensions: tuple[str, ...] = EXTENSIONS

    @property
    def name(self) -> str:
        """The id, under the name the landing code has always used."""
        return self.id

    @property
    def dagster_group(self) -> str:
        return self.id

    @property
    def dagster_assets(self) -> tuple[str, str]:
        """The landing asset (one partition per quarter) and the validated table."""
        return f"{self.id}_landing", f"{self.id}_validated"

    @property
    def dbt_source(self) -> tuple[str, str]:
        """`source('raw', '<id>')` in dbt."""
        return DBT_SOURCE, self.id

    @property
    def cells_model(self) -> str:
        """The indicator cells model `vawg generate` writes from indicators.yml."""
        return f"int_indicator_cells__{self.id}"


def _columns(*names: str) -> Mapping[str, bool]:
    """The listed columns in the spec's order; a trailing `*` marks one the header must
    contain (required always, or under a condition)."""
    return MappingProxyType({n.rstrip("*"): n.endswith("*") for n in names})


SOURCES: tuple[Source, ...] = (
    Source(
        id="mps_crimes",
        title="MPS crime records (one row per record version)",
        columns=_columns(
            "crime_ref*",
            "last_modified*",
            "borough_code*",
            "reported_date*",
            "recorded_date*",
            "offence_date",
            "ho_offence_code*",
            "classification*",
            "no_crime_date*",
            "flag_domestic",
            "flag_honour",
            "flag_forced_marriage",
            "flag_fgm",
            "flag_multiple_perpetrator",
            "outcome_type",
            "outcome_date*",
            "cps_urn",
            "victim_sex",
            "victim_age",
            "victim_sde",
            "victim_ic",
            "victim_disability",
            "victim_sexuality",
            "suspect_sex",
            "suspect_age",
            "suspect_sde",
        ),
        schema=schemas.mps_crimes,
        write_sample=write_mps_crimes,
        staging="mps",
        area="police",
        staging_model="stg_mps__crimes",
        record_model="int_crime_record_categories",
        fact_model="fct_crime_records",
    ),
    Source(
        id="cps_finalisations",
        title="CPS London defendant finalisations",
        columns=_columns(
            "urn*",
            "defendant_ref*",
            "finalised_date*",
            "police_borough_code*",
            "vawg_flags*",
            "outcome*",
            "unsuccessful_reason*",
            "defendant_sex",
            "defendant_age",
            "defendant_ethnicity",
            "victim_sex",
        ),
        schema=schemas.cps_finalisations,
        write_sample=write_cps_finalisations,
        staging="cps",
        area="cps",
        staging_model="stg_cps__finalisations",
        record_model="int_cps_finalisation_categories",
        fact_model="fct_cps_finalisations",
    ),
    Source(
        id="havens_attendances",
        title="Havens attendances",
        columns=_columns(
            "attendance_id*",
            "client_ref",
            "attendance_date*",
            "haven*",
            "referral_route",
            "assault_type*",
            "acute",
            "forensic_exam",
            "reported_to_police",
            "client_gender",
            "client_age",
            "client_ethnicity",
            "client_disability",
            "client_sexuality",
            "residence_borough_code",
        ),
        schema=schemas.havens_attendances,
        write_sample=write_havens_attendances,
        staging="havens",
        area="havens",
        staging_model="stg_havens__attendances",
        record_model="int_havens_attendance_categories",
        fact_model="fct_havens_attendances",
    ),
    Source(
        id="fmu_cases",
        title="Forced Marriage Unit cases",
        columns=_columns(
            "Case Reference*",
            "Date Opened*",
            "UK Region",
            "Gender",
            "Age Band",
            "Focus Country",
            "Disability",
            "LGBT",
            "Case Type",
        ),
        schema=schemas.fmu_cases,
        write_sample=write_fmu_cases,
        staging="fmu",
        area="fmu",
        staging_model="stg_fmu__cases",
        record_model="int_fmu_cases_harmonised",
        fact_model="fct_fmu_cases",
    ),
    Source(
        id="service_returns",
        title="support services' monitoring returns",
        columns=_columns(
            "provider_id*",
            "service_type*",
            "borough_code*",
            "measure*",
            "breakdown*",
            "category*",
            "count*",
        ),
        schema=schemas.service_returns,
        write_sample=write_service_returns,
        staging="services",
        area="services",
        staging_model="stg_services__returns",
        record_model="int_service_return_categories",
        fact_model="fct_service_returns",
    ),
)

BY_ID: Mapping[str, Source] = MappingProxyType({s.id: s for s in SOURCES})


def source(source_id: str) -> Source:
    """The entry of `source_id`; a ValueError naming the known ids for any other."""
    try:
        return BY_ID[source_id]
    except KeyError:
        raise ValueError(f"'{source_id}' is not a source; the sources are {', '.join(BY_ID)}.") from None
