"""The Forced Marriage Unit cases extract: landing partitions by quarter, the validated table and its checks."""
from pipelines.defs.source_family import source_assets

assets, asset_checks = source_assets("fmu_cases", "Forced Marriage Unit cases")
