"""Landing files arrive one per source per calendar quarter, named by the quarter's first month."""
import dagster as dg

# Quarters start in January, April, July and October; keys are `YYYY-MM` like the file names.
quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *",
    start="2000-01",
    fmt="%Y-%m",
)
