"""The MPS crime records (one row per record version) extract: landing partitions by quarter, the validated table and its checks."""
from pipelines.defs.source_family import source_assets

assets, asset_checks = source_assets("mps_crimes", "MPS crime records (one row per record version)")
