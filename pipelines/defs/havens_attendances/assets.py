"""The Havens attendances extract: landing partitions by quarter, the validated table and its checks."""
from pipelines.defs.source_family import source_assets

assets, asset_checks = source_assets("havens_attendances", "Havens attendances")
