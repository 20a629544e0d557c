"""Resources shared by every asset: where the landing folder, warehouse and publication are."""

import datetime as dt

import dagster as dg

from pipelines.settings import DEFAULT_LANDING, DEFAULT_PUBLISH, DEFAULT_WAREHOUSE, WarehousePaths
from pipelines.store import RawStore


class WarehouseResource(dg.ConfigurableResource):
    """The refresh's folders, and the day it runs on (files for later quarters are rejected)."""

    landing: str = DEFAULT_LANDING
    warehouse: str = DEFAULT_WAREHOUSE
    publish: str = DEFAULT_PUBLISH
    as_of: str | None = None  # YYYY-MM-DD; today when unset

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths.of(self.landing, self.warehouse, self.publish)

    @property
    def store(self) -> RawStore:
        return RawStore(self.paths.store)

    @property
    def today(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()

    def build_file(self, run_id: str):
        return self.paths.build_file(run_id)
