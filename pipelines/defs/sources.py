"""Each registered source's asset family (pipelines/sources.py): the landing asset with one
partition per quarter, the validated table, and their checks, in the source's own group."""

from pipelines.defs.source_family import source_assets
from pipelines.sources import SOURCES

FAMILIES = {source.id: source_assets(source.id, source.title) for source in SOURCES}

assets = [a for family_assets, _ in FAMILIES.values() for a in family_assets]
asset_checks = [c for _, family_checks in FAMILIES.values() for c in family_checks]
