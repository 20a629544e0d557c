"""Landing files arrive one per source per calendar quarter, named by the quarter's first month.

The landing assets have one partition per quarter that has a file to validate, added as the
files arrive (docs/decisions/0024-landing-quarters-follow-the-files.md): a fixed range would
turn a file outside it into an internal error, or skip it without a word.
"""

from collections.abc import Sequence

import dagster as dg

# Keys are `YYYY-MM`, like the file names.
quarterly_partitions = dg.DynamicPartitionsDefinition(name="landing_quarters")


def keys_after_adding(known: Sequence[str], quarters: Sequence[str]) -> tuple[list[str], list[str]]:
    """The quarters not yet partitions (to add, in quarter order), and every key in the order
    Dagster will then hold them: the order they were added in, not necessarily the quarters'."""
    new = sorted(set(quarters) - set(known))
    return new, [*known, *new]


def range_tags(ordered_keys: Sequence[str], quarters: Sequence[str]) -> dict[str, str]:
    """Run tags asking for one run over `quarters`. A range runs from one key to another in the
    order Dagster holds them, so it spans the first and last of `quarters` in that order; any
    other quarter between them is validated again, which costs nothing for a file already
    validated."""
    wanted = set(quarters)
    positions = [i for i, key in enumerate(ordered_keys) if key in wanted]
    return {
        "dagster/asset_partition_range_start": ordered_keys[positions[0]],
        "dagster/asset_partition_range_end": ordered_keys[positions[-1]],
    }


def register_quarters(instance: dg.DagsterInstance, quarters: Sequence[str]) -> dict[str, str]:
    """Add the quarters that are not partitions yet, and return the tags of one run over them."""
    new, ordered = keys_after_adding(instance.get_dynamic_partitions(quarterly_partitions.name), quarters)
    if new:
        instance.add_dynamic_partitions(quarterly_partitions.name, new)
    return range_tags(ordered, quarters)
