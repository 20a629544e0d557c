"""Resources shared by every asset: where the landing folder, warehouse and publication are."""

import contextlib
import datetime as dt

import dagster as dg

from pipelines.leftovers import remove_leftovers
from pipelines.lock import WarehouseBusy, held_here, writer_lock
from pipelines.settings import DEFAULT_LANDING, DEFAULT_PUBLISH, DEFAULT_WAREHOUSE, WarehousePaths
from pipelines.store import RawStore


class WarehouseResource(dg.ConfigurableResource):
    """The refresh's folders, and the day it runs on (files for later quarters are rejected).

    A run holds the writer lock from the start of its first step to the end of its last, so a
    run from the Dagster UI or schedule and a `vawg refresh` never write at the same time.
    """

    landing: str = DEFAULT_LANDING
    warehouse: str = DEFAULT_WAREHOUSE
    publish: str = DEFAULT_PUBLISH
    as_of: str | None = None  # YYYY-MM-DD; today when unset
    # Rebuild from the raw store alone (`vawg refresh --from-store`): the landing folder is not read.
    from_store: bool = False

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

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        if held_here(self.paths.lock):  # `vawg refresh` holds it for this process and cleans up itself
            yield self
            return
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(writer_lock(self.paths.lock))
            except WarehouseBusy as busy:
                raise dg.Failure(description=str(busy)) from None
            _clean(self.paths, context)
            try:
                yield self
            finally:
                _clean(self.paths, context)  # a failed run's build file


def _clean(paths: WarehousePaths, context: dg.InitResourceContext) -> None:
    """A function, not a private method: a method named `_...` of a Dagster class could
    override one of Dagster's own (tests/test_public_apis.py)."""
    removed = remove_leftovers(paths)
    if removed and context.log:
        context.log.info(f"Removed what an unfinished refresh left behind: {', '.join(removed)}")
